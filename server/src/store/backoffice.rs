//! The back office's administration: officials' accounts, a report's
//! assignee (a person, next to its department), event-category edits and
//! the gmina's settings. Every write is audited; no call here ever returns a
//! password hash.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::auth::Role;
use mm_protocol::events::EventCategory;

use super::{Actor, StoreResult};

/// An official's account as the accounts page lists it (never the hash).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub role: Role,
    pub department_id: Option<i64>,
    /// Disabled accounts cannot sign in; their sessions were ended.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// Who a report is assigned to, personally.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignee {
    pub user_id: i64,
    pub login: String,
}

/// The map's tile URL (`{z}/{x}/{y}` template), in `settings`.
pub const TILE_URL_KEY: &str = "map.tile_url";

#[async_trait]
pub trait BackOfficeStore: Send + Sync {
    async fn list_accounts(&self) -> StoreResult<Vec<Account>>;
    async fn get_account(&self, id: i64) -> StoreResult<Option<Account>>;
    async fn set_user_role(
        &self,
        actor: Actor,
        user_id: i64,
        role: Role,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Disables (ending every session) or enables an account.
    async fn set_user_disabled(
        &self,
        actor: Actor,
        user_id: i64,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Deletes an account; its sessions go with it, its reports lose their
    /// assignee, the audit log keeps its login.
    async fn delete_user(&self, actor: Actor, user_id: i64, now: DateTime<Utc>) -> StoreResult<()>;
    /// Assigns a report to a person (`None`: nobody): a dispatcher, or a
    /// `department` official of the report's department.
    async fn assign_report_person(
        &self,
        actor: Actor,
        report_id: i64,
        user_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn report_assignee(&self, report_id: i64) -> StoreResult<Option<Assignee>>;
    /// Every report that has a person assigned: (report id, assignee).
    async fn report_assignees(&self) -> StoreResult<Vec<(i64, Assignee)>>;
    /// Who may be assigned this report (see `assign_report_person`).
    async fn assignable_users(&self, report_id: i64) -> StoreResult<Vec<Assignee>>;
    /// Renames an event category (its id stays); published to sync.
    async fn update_event_category(
        &self,
        actor: Actor,
        category: EventCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<EventCategory>;
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Stores a setting (`None` removes it, so the default applies).
    async fn put_setting(
        &self,
        actor: Actor,
        key: &str,
        value: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
