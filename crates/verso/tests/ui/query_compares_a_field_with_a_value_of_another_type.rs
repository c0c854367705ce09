use verso::{Entity, Field, Meta};

#[derive(Clone, Copy, Debug, PartialEq, Field)]
enum Mood {
    Happy,
    Sad,
}

#[derive(Clone, Debug, Entity)]
struct Note {
    meta: Meta,
    mood: Mood,
}

async fn find(store: &verso::Store) {
    let _ = store
        .query::<Note>()
        .filter(Note::FIELDS.mood.eq("happy"))
        .fetch()
        .await;
}

fn main() {}
