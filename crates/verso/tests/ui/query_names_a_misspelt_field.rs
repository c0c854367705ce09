use verso::{Entity, Meta};

#[derive(Clone, Debug, Entity)]
struct Note {
    meta: Meta,
    title: String,
}

async fn find(store: &verso::Store) {
    let _ = store
        .query::<Note>()
        .filter(Note::FIELDS.titel.contains("rust"))
        .fetch()
        .await;
}

fn main() {}
