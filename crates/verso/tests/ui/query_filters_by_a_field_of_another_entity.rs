use verso::{Entity, Meta};

#[derive(Clone, Debug, Entity)]
struct Note {
    meta: Meta,
    title: String,
}

#[derive(Clone, Debug, Entity)]
struct Book {
    meta: Meta,
    title: String,
}

async fn find(store: &verso::Store) {
    let _ = store
        .query::<Note>()
        .filter(Book::FIELDS.title.eq("Dune"))
        .fetch()
        .await;
}

fn main() {}
