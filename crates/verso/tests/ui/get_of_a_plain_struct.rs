#[derive(Clone, Debug)]
struct Plain {
    text: String,
}

async fn read(store: &verso::Store, id: verso::Uuid) {
    let _: Plain = store.get(id).await.unwrap();
}

fn main() {}
