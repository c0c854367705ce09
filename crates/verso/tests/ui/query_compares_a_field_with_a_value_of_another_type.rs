use verso::{Entity, Meta};

#[derive(Clone, Debug, Entity)]
struct Note {
    meta: Meta,
    pinned: bool,
}

async fn find(store: &verso::Store) {
    let _ = store
        .query::<Note>()
        .filter(Note::FIELDS.pinned.eq("yes"))
        .fetch()
        .await;
}

fn main() {}
