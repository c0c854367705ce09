use verso_bench::model::ChatThread;
fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let _ = std::fs::remove_file("/tmp/probe.db");
        let store = verso::Store::open("sqlite:/tmp/probe.db").await.unwrap();
        let mut t = ChatThread::with_messages("t", 3);
        store.commit(&mut t).await.unwrap();
        println!("{:?}", store.stats());
        t.history[1].content = "x".into();
        let before = store.stats();
        let r = store.commit(&mut t).await.unwrap();
        println!("{:?} {:?}", store.stats() - before, r);
        let before = store.stats();
        let l: ChatThread = store.get(t.meta.ecs_id()).await.unwrap();
        println!("{:?} {}", store.stats() - before, l == t);
    });
}
