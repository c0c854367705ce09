use verso::{Entity, Meta};

#[derive(Clone, Debug)]
struct Note {
    text: String,
}

#[derive(Clone, Debug, Entity)]
struct Notebook {
    meta: Meta,
    #[verso(child)]
    notes: Vec<Note>,
}

fn main() {}
