//! The directory of gminas (`store::directory`). Deployment-wide.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::gmina::Teryt;

use super::PostgresStore;
use crate::store::{Actor, DirectoryStore, GminaRecord, StoreError, StoreResult};

// As on SQLite: the `gminas` table arrives with the gmina columns; until
// then the directory is empty and cannot be written.
#[async_trait]
impl DirectoryStore for PostgresStore {
    async fn list_gminas(&self) -> StoreResult<Vec<GminaRecord>> {
        Ok(Vec::new())
    }

    async fn gmina_record(&self, _teryt: &Teryt) -> StoreResult<Option<GminaRecord>> {
        Ok(None)
    }

    async fn add_gmina(&self, _actor: Actor, _gmina: GminaRecord, _now: DateTime<Utc>) -> StoreResult<GminaRecord> {
        Err(StoreError::backend("the gmina directory arrives with the gmina columns"))
    }

    async fn update_gmina(&self, _actor: Actor, _gmina: GminaRecord, _now: DateTime<Utc>) -> StoreResult<GminaRecord> {
        Err(StoreError::backend("the gmina directory arrives with the gmina columns"))
    }
}
