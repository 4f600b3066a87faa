//! The store's contract (`common/store_contract.rs`) on the embedded SQLite
//! store, and SQLite's own check under it.

use crate::common;

use std::sync::Arc;

use crate::common::store_contract::*;

store_contract_tests!(sqlite, async {
    if !common::backend::sqlite_only("the contract on SQLite (store_contract_postgres runs it on PostgreSQL)") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = mm_server::store::SqliteStore::open(dir.path()).unwrap();
    Some(Backend { store: Arc::new(store), keep: Box::new(dir) })
});

/// SQLite's own check under the contract: after everything the tenancy
/// tests write, no row of a table a gmina owns was left without one (an
/// insert that forgot the column would leave its default, '').
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stamps_every_row_with_its_gmina() {
    if !common::backend::sqlite_only("reads the SQLite file's tables and columns") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let open = || Backend { store: Arc::new(mm_server::store::SqliteStore::open(dir.path()).unwrap()), keep: Box::new(()) };
    a_gminas_content_is_invisible_and_untouchable_from_another(open()).await;
    let c = rusqlite::Connection::open(dir.path().join("mm.sqlite")).unwrap();
    let tables: Vec<String> = c
        .prepare(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'gmina')",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.len() >= 18, "{tables:?}");
    for t in tables {
        let stray: i64 = c
            .query_row(&format!("SELECT COUNT(*) FROM {t} WHERE gmina NOT IN ('0223083', '0223011')"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(stray, 0, "{t} has rows of no gmina");
    }
}
