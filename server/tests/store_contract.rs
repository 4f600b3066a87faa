//! The store's contract (`common/store_contract.rs`) on the embedded SQLite store.

#[macro_use]
#[path = "common/store_contract.rs"]
mod contract;

use std::sync::Arc;

use contract::*;

store_contract_tests!(sqlite, async {
    let dir = tempfile::tempdir().unwrap();
    let store = mm_server::store::SqliteStore::open(dir.path()).unwrap();
    Backend { store: Arc::new(store), keep: Box::new(dir) }
});
