use verso::{Entity, Meta};

#[derive(Clone, Debug, Entity)]
struct Note {
    meta: Meta,
    stars: i64,
}

async fn find(store: &verso::Store) {
    let _ = store
        .query::<Note>()
        .filter(Note::FIELDS.stars.eq("five"))
        .fetch()
        .await;
}

fn main() {}
