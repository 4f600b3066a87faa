//! The store's contract (`common/store_contract.rs`) on PostgreSQL, each
//! test on a database of its own (`common/postgres.rs`; run by
//! `make test-postgres` under `pg_virtualenv`).

use crate::common::postgres;

use std::sync::Arc;

use crate::common::store_contract::*;

store_contract_tests!(postgres_store, async {
    let (store, db, dir) = postgres::store().await?;
    Some(Backend { store: Arc::new(store), keep: Box::new((db, dir)) })
});

/// PostgreSQL's own check under the contract: after everything the tenancy
/// tests write, no row of a table a gmina owns was left without one (an
/// insert that forgot the column would leave its default, '').
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stamps_every_row_with_its_gmina() {
    let Some((store, db, dir)) = postgres::store().await else { return };
    a_gminas_content_is_invisible_and_untouchable_from_another(Backend { store: Arc::new(store), keep: Box::new(dir) })
        .await;
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::TEXT FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'gmina'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 18, "{tables:?}");
    for t in tables {
        let stray: i64 = client
            .query_one(&format!("SELECT COUNT(*) FROM {t} WHERE gmina NOT IN ('0223083', '0223011')"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(stray, 0, "{t} has rows of no gmina");
    }
}
