use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The official's login (`demo` for demo data, `cli` for the command line).
    pub actor: String,
    /// e.g. `news.create`, `event.delete`, `user.add`, `auth.login`.
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}
