//! What officials' sign-in keeps beyond the password (issue 17, item 5):
//! the second factor (a sealed TOTP secret, the last step used, recovery
//! codes as keyed hashes: `auth::factor_key`), and the sessions an
//! official can list and revoke. Every change is audited in the official's
//! gmina; no secret, code or token is ever in the audit details.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Actor, SessionKind, StoreResult};

/// How far a session's sign-in got. Only [`SessionStage::Full`] opens any
/// page or API call; the others open only the step they name
/// (`admin::two_factor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    Full,
    /// The password was right; the TOTP or a recovery code is still due.
    SecondFactor,
    /// The password was right, a second factor is required and none is
    /// enrolled: enrolment is the only page.
    Enrol,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrol => "enrol",
        }
    }

    /// An unknown stage reads as the most restricted one.
    pub fn parse(s: &str) -> SessionStage {
        match s {
            "full" => SessionStage::Full,
            "enrol" => SessionStage::Enrol,
            _ => SessionStage::SecondFactor,
        }
    }
}

/// What a new session starts with.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub stage: SessionStage,
    /// Not secret, listed to tell sessions apart.
    pub public_id: String,
    /// The browser's `User-Agent`, at most 200 characters.
    pub user_agent: Option<String>,
    /// The client address's prefix (IPv4 /24, IPv6 /48), never the whole.
    pub address: Option<String>,
}

impl NewSession {
    /// A full session with nothing to list (tests, the CLI).
    pub fn full() -> NewSession {
        NewSession { stage: SessionStage::Full, public_id: crate::auth::token::new_token()[..16].to_owned(), user_agent: None, address: None }
    }
}

/// One session as its official's page lists it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub public_id: String,
    pub kind: SessionKind,
    pub stage: SessionStage,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub address: Option<String>,
    /// The session the listing request came with.
    pub current: bool,
}

/// An official's TOTP enrolment.
#[derive(Debug, Clone)]
pub struct TotpRecord {
    /// `auth::factor_key::FactorKey::seal` output.
    pub sealed_secret: String,
    /// False while enrolment waits for the first code.
    pub confirmed: bool,
    pub last_step: Option<i64>,
}

#[async_trait]
pub trait OfficialsStore: Send + Sync {
    /// Moves a session to `stage` (a finished second step, a finished
    /// enrolment).
    async fn set_session_stage(&self, token_hash: &str, stage: SessionStage) -> StoreResult<()>;
    /// Records that the session was used (the caller writes at most once a minute).
    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// The official's sessions that have not expired, newest first; the
    /// one whose token hashes to `current` is marked.
    async fn list_sessions(&self, user_id: i64, current: &str, now: DateTime<Utc>) -> StoreResult<Vec<SessionInfo>>;
    /// Ends the official's session `public_id`; false when they have none such.
    async fn revoke_session(&self, actor: Actor, user_id: i64, public_id: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Ends every session of the official but `keep` (a token hash); how many ended.
    async fn revoke_other_sessions(
        &self,
        actor: Actor,
        user_id: i64,
        keep: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    async fn totp(&self, user_id: i64) -> StoreResult<Option<TotpRecord>>;
    /// Starts (or restarts) an enrolment with a new sealed secret; an
    /// enrolment already confirmed is left alone (false).
    async fn begin_totp(&self, user_id: i64, sealed_secret: &str) -> StoreResult<bool>;
    /// Confirms the pending enrolment with the step its first code was of,
    /// replacing the recovery codes with `recovery_hashes` (audited
    /// `two_factor.enrol`); false when nothing was pending.
    async fn confirm_totp(
        &self,
        actor: Actor,
        user_id: i64,
        step: i64,
        recovery_hashes: Vec<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records `step` as used when it is later than the last one used, in
    /// one statement, so two requests with the same code cannot both pass
    /// (RFC 6238 §5.2); false for a replay.
    async fn accept_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool>;
    /// Marks the unused recovery code with this hash used; false when
    /// there is none such.
    async fn use_recovery_code(&self, user_id: i64, code_hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn recovery_codes_left(&self, user_id: i64) -> StoreResult<u32>;
    /// Removes the official's TOTP and recovery codes, audited as `action`
    /// (`two_factor.disable` by themselves, `two_factor.reset` by an admin,
    /// which also ends every session of theirs); false when there was none.
    async fn remove_totp(&self, actor: Actor, user_id: i64, action: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// An audit entry about the official's sign-in (`auth.second_factor`,
    /// `auth.second_factor_failed`, `auth.recovery_code_used`) in their
    /// gmina; `details` carries no secret or code.
    async fn audit_sign_in(
        &self,
        user_id: i64,
        action: &str,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}
