//! Every commit, load and lookup runs in a `tracing` span of the `verso`
//! target, carrying the type, the ids, the rows and the statements.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;
use verso::{Entity, Meta, Store};

#[derive(Clone, Debug, PartialEq, Entity)]
struct Note {
    meta: Meta,
    text: String,
}

#[derive(Clone, Debug, PartialEq, Entity)]
struct Notebook {
    meta: Meta,
    #[verso(child)]
    notes: Vec<Note>,
}

/// One span as recorded: its name and every field it was given.
#[derive(Debug, Clone)]
struct Recorded {
    target: String,
    name: String,
    fields: BTreeMap<String, String>,
}

/// A layer keeping every span and the fields recorded into it later.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<(Id, Recorded)>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let recorded = Recorded {
            target: attrs.metadata().target().to_string(),
            name: attrs.metadata().name().to_string(),
            fields,
        };
        self.0.lock().unwrap().push((id.clone(), recorded));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, span)) = spans.iter_mut().rev().find(|(i, _)| i == id) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}

impl Spans {
    fn named(&self, name: &str) -> Vec<Recorded> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, span)| span.clone())
            .filter(|span| span.name == name && span.target == "verso")
            .collect()
    }
}

fn traced_run(url: &'static str) -> Spans {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(url).await.unwrap();
        let mut book = Notebook {
            meta: Meta::new(),
            notes: (0..3)
                .map(|i| Note {
                    meta: Meta::new(),
                    text: format!("note {i}"),
                })
                .collect(),
        };
        store.commit(&mut book).await.unwrap();
        let loaded: Notebook = store.get(book.meta.ecs_id()).await.unwrap();
        assert_eq!(loaded, book);
        let _: Notebook = store.latest(book.meta.lineage_id()).await.unwrap();
    });
    spans
}

fn spans_describe_each_call(url: &'static str) {
    let spans = traced_run(url);
    let commit = &spans.named("commit")[0];
    assert_eq!(commit.fields["tables"], "2", "notebook and note");
    assert_eq!(commit.fields["versions"], "4");
    assert!(
        commit.fields["rows"].parse::<u64>().unwrap() >= 4,
        "{commit:?}"
    );
    let statements: u64 = commit.fields["statements"].parse().unwrap();
    assert!(statements >= 1, "{commit:?}");

    let load = spans.named("load");
    assert!(!load.is_empty(), "the get and the latest load");
    assert_eq!(load[0].fields["entity_type"], "Notebook");
    assert_eq!(load[0].fields["roots"], "1");
    assert_eq!(load[0].fields["rows"], "4", "the notebook and its notes");

    let lookup = &spans.named("lookup")[0];
    assert!(lookup.fields["lookup"].starts_with("Newest"), "{lookup:?}");
    assert_eq!(lookup.fields["rows"], "1");
}

#[test]
fn spans_describe_each_call_on_memory() {
    spans_describe_each_call("memory:");
}

#[test]
fn spans_describe_each_call_on_sqlite() {
    spans_describe_each_call("sqlite::memory:");
}
