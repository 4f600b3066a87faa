//! The store's contract (`common/store_contract.rs`) on PostgreSQL, each
//! test on a database of its own (`common/postgres.rs`; run by
//! `make test-postgres` under `pg_virtualenv`).

#[macro_use]
#[path = "common/store_contract.rs"]
mod contract;
#[path = "common/postgres.rs"]
mod postgres;

use std::sync::Arc;

use contract::*;

store_contract_tests!(postgres_store, async {
    let (store, db, dir) = postgres::store().await?;
    Some(Backend { store: Arc::new(store), keep: Box::new((db, dir)) })
});
