//! A store of many entity types: lookups across every table stay within
//! what each database accepts in one statement.

use verso::{CommitPlan, EntityType, NewVersion, Store, TableBatch, Utc, Uuid};

/// `count` entity types without columns, named `ManyTypes<i>`, each in its
/// own table (described at run time, as the CLI reads a catalog).
fn types(count: usize) -> Vec<&'static EntityType> {
    (0..count)
        .map(|i| {
            let ty = EntityType {
                name: Box::leak(format!("ManyTypes{i}").into_boxed_str()),
                table: Box::leak(format!("many_types_{i}").into_boxed_str()),
                origin: verso::Origin::UNKNOWN,
                columns: &[],
                children: &[],
                variants: &[],
            };
            &*Box::leak(Box::new(ty))
        })
        .collect()
}

/// More types than SQLite takes terms in one compound select (500): the
/// type of an id and the counts of every type are still found. 520 types by
/// default; `VERSO_MANY_TYPES=5000` runs it with 5,000 (about 16 s on
/// SQLite and on PostgreSQL).
pub async fn ids_are_found_among_hundreds_of_types(store: &Store) {
    let count = std::env::var("VERSO_MANY_TYPES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(520);
    let types = types(count);
    let driver = store.driver();
    driver.ensure_tables(&types).await.unwrap();
    let last = *types.last().unwrap();
    let (ecs_id, lineage_id) = (Uuid::new_v4(), Uuid::new_v4());
    let plan = CommitPlan {
        batches: vec![TableBatch {
            entity_type: last,
            rows: vec![NewVersion {
                ecs_id,
                lineage_id,
                parent_id: None,
                created_at: Utc::now(),
                values: Vec::new(),
            }],
        }],
        ..CommitPlan::default()
    };
    driver.commit(&plan).await.unwrap();

    assert_eq!(
        driver.find_type(ecs_id).await.unwrap().as_deref(),
        Some(last.name)
    );
    assert_eq!(
        driver
            .find_lineage_type(lineage_id)
            .await
            .unwrap()
            .as_deref(),
        Some(last.name)
    );
    assert_eq!(driver.find_type(Uuid::new_v4()).await.unwrap(), None);
    let counts = driver.count_versions(&types).await.unwrap();
    assert_eq!(counts.len(), types.len());
    assert_eq!(
        (counts[count - 1].versions, counts[count - 1].lineages),
        (1, 1)
    );
    assert_eq!(counts.iter().map(|c| c.versions).sum::<u64>(), 1);
}
