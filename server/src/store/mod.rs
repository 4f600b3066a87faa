//! The storage layer: every feature's persistence as an async trait, all of
//! them together as [`Store`]. Handlers hold an `Arc<dyn Store>` and never
//! see SQL, so a PostgreSQL implementation can join [`sqlite`] later without
//! touching them.
//!
//! Every write that changes a public entity also appends it to the sync
//! publication log in the same transaction (docs/DESIGN.md, "Sync"), and
//! every write an official makes also writes the audit log there.

pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::auth::Role;
use mm_protocol::devices::RegisterDevice;
use mm_protocol::events::{Event, EventCategory, EventInput};
use mm_protocol::gmina::{Gmina, Locality};
use mm_protocol::news::{News, NewsInput};

use crate::audit::model::AuditEntry;
use crate::demo::DemoData;

pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {en}")]
    Conflict { pl: String, en: String },
    /// A field names an entity that does not exist (e.g. an event's category).
    #[error("unknown {field}")]
    UnknownReference { field: &'static str },
    #[error("idempotency key reused with another request")]
    IdempotencyConflict,
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("serialisation: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who did it, for the audit log: an official's login, or `cli`/`demo`.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub login: String,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// A request that carried an `Idempotency-Key`: where it applies (`scope`,
/// e.g. `devices`), the key, and a hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// A response as it was first sent, replayed for a retried request.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: String,
    pub token_hash: String,
    pub input: RegisterDevice,
    pub created_at: DateTime<Utc>,
}

/// One row of the publication log, body untouched (`None` = tombstone).
#[derive(Debug, Clone)]
pub struct LogRow {
    pub seq: u64,
    pub collection: String,
    pub id: String,
    pub body: Option<String>,
}

#[async_trait]
pub trait AuthStore: Send + Sync {
    async fn find_user(&self, login: &str) -> StoreResult<Option<UserRecord>>;
    async fn create_user(
        &self,
        actor: Actor,
        login: &str,
        role: Role,
        password_hash: &str,
    ) -> StoreResult<i64>;
    async fn create_session(
        &self,
        user: &UserRecord,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn find_session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Registers a device, or replays the stored answer for a retried key.
    /// `respond` turns the new device into the response that is stored.
    async fn register_device(
        &self,
        idempotency: Option<IdempotencyKey>,
        device: NewDevice,
        response: StoredResponse,
    ) -> StoreResult<StoredResponse>;
}

#[async_trait]
pub trait ContentStore: Send + Sync {
    async fn list_news(&self) -> StoreResult<Vec<News>>;
    async fn get_news(&self, id: i64) -> StoreResult<Option<News>>;
    async fn create_news(
        &self,
        actor: Actor,
        input: NewsInput,
        now: DateTime<Utc>,
    ) -> StoreResult<News>;
    async fn update_news(
        &self,
        actor: Actor,
        id: i64,
        input: NewsInput,
        now: DateTime<Utc>,
    ) -> StoreResult<News>;
    async fn delete_news(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()>;

    async fn list_events(&self, category: Option<String>) -> StoreResult<Vec<Event>>;
    async fn get_event(&self, id: i64) -> StoreResult<Option<Event>>;
    async fn create_event(
        &self,
        actor: Actor,
        input: EventInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Event>;
    async fn update_event(
        &self,
        actor: Actor,
        id: i64,
        input: EventInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Event>;
    async fn delete_event(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()>;

    async fn list_categories(&self) -> StoreResult<Vec<EventCategory>>;
    async fn create_category(
        &self,
        actor: Actor,
        category: EventCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<EventCategory>;

    async fn gmina(&self) -> StoreResult<(Option<Gmina>, Vec<Locality>)>;
    /// Loads the demo data unless it was loaded before; true when it loaded now.
    async fn load_demo(&self, data: DemoData, now: DateTime<Utc>) -> StoreResult<bool>;
}

#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The highest published seq, from memory (set after each commit).
    fn max_seq(&self) -> u64;
    /// Up to `limit` log rows after `cursor`, in seq order, read in one
    /// transaction; the bool says whether more rows follow.
    async fn log_page(&self, cursor: u64, limit: u32) -> StoreResult<(Vec<LogRow>, bool)>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}

#[async_trait]
pub trait HealthStore: Send + Sync {
    /// `SELECT 1` on a reader.
    async fn ping(&self) -> StoreResult<()>;
    /// Checkpoints the WAL; called once at shutdown.
    async fn close(&self) -> StoreResult<()>;
}

/// Everything the server stores.
pub trait Store:
    AuthStore + DeviceStore + ContentStore + SyncStore + AuditStore + HealthStore
{
}

impl<T: AuthStore + DeviceStore + ContentStore + SyncStore + AuditStore + HealthStore> Store for T {}
