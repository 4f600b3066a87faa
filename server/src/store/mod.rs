//! The storage layer, the only owner of SQL: every feature's persistence
//! as an async trait, all of them together as [`Store`]. Handlers hold an
//! `Arc<dyn Store>` and never see SQL; domain rules are pure functions in
//! their features (`reports::workflow`, `ezd::rules`) that a store calls
//! between loading and persisting, so each backend ([`sqlite`], the
//! default, and [`postgres`], which several instances share) writes only
//! that glue and passes the same contract (`tests/common/store_contract.rs`).
//! [`jobs`] is the one queue for outside systems; [`ezd`] what the EZD
//! bridge keeps.
//!
//! Every write that changes a public entity also appends it to the sync
//! publication log in the same transaction (docs/DESIGN.md, "Sync"), and
//! every write an official makes also writes the audit log there.
//!
//! One database serves every gmina of the deployment; a handle is scoped
//! to one of them ([`directory`]: `Tenancy::for_gmina`).

pub mod backoffice;
pub mod ballots;
pub mod budget;
pub mod consultations;
pub mod directory;
pub mod ezd;
pub mod jobs;
pub mod limits;
pub mod migrate_from_sqlite;
pub mod notifications;
pub mod officials;
pub mod postgres;
pub mod sqlite;
pub mod taxes;
pub mod waste;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::auth::Role;
use mm_protocol::devices::RegisterDevice;
use mm_protocol::events::{Event, EventCategory, EventInput};
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{Gmina, Locality, Teryt};
use mm_protocol::news::{News, NewsInput};
use mm_protocol::places::{Layer, Place, PlaceImportReport, PlaceInput};
use mm_protocol::reports::{
    NewReport, Report, ReportCategory, ReportStatus, StatusChangeRequest, VisibilityChangeRequest,
};

use crate::audit::chain::StoredEntry;
use crate::audit::model::AuditEntry;
use crate::auth::signin::{Admission, SignInCounters, SignInPolicy, SignInStep};
use crate::demo::DemoData;
use crate::reports::model::{PhotoMeta, ReportInternal};
use crate::reports::workflow::WorkflowError;

pub use backoffice::BackOfficeStore;
pub use ballots::BallotStore;
pub use budget::BudgetStore;
pub use consultations::ConsultationStore;
pub use directory::{DirectoryStore, GminaRecord, GminaSettings, Tenancy};
pub use ezd::EzdStore;
pub use jobs::JobStore;
pub use notifications::NotificationStore;
pub use officials::{NewSession, OfficialsStore, SessionInfo, SessionStage, TotpRecord};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use taxes::TaxStore;
pub use waste::WasteStore;

/// Why a store call failed, whatever the backend: what the caller may act
/// on, plus `Backend` for everything else (the database, the disk), whose
/// details are for the log only. Each backend converts its own errors into
/// `Backend` (SQLite: `store/sqlite/mod.rs`), as matrix-sdk's stores do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The write collides with what is stored.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The report workflow refused the change (`reports::workflow`).
    #[error("workflow: {0}")]
    Workflow(#[from] WorkflowError),
    /// A field names an entity that does not exist (e.g. an event's category).
    #[error("unknown {field}")]
    UnknownReference { field: &'static str },
    #[error("idempotency key reused with another request")]
    IdempotencyConflict,
    #[error("backend: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A backend failure from anything that is an error or a message.
    pub fn backend(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
        StoreError::Backend(e.into())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::backend(e)
    }
}

/// Stored data a write collides with; the edge words it
/// (`error.rs`, `Conflict::message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A report or event category with this id exists.
    CategoryExists,
    LoginTaken,
    DepartmentExists,
    /// Another place has this OpenStreetMap id.
    OsmIdTaken,
    /// The person may not take this report (not a dispatcher, not of the
    /// report's department).
    NotAssignable,
    /// The deployment already has a gmina with this TERYT code.
    GminaExists,
    /// The budget edition's voting has started: it and its pools stay.
    EditionLocked,
    /// Not in this phase of the budget edition (submission closed, the
    /// appeal window over, voting not over yet).
    PhaseClosed,
    /// This person already signed support for the project.
    AlreadySigned,
    /// The project's status does not allow this move (`may_move`).
    ProjectStatus,
    /// The edition's date for this decision has passed
    /// (`budget::decision_closed`); `until` is that date.
    DecisionClosed { decision: budget::Deciding, until: DateTime<Utc> },
    /// The project has fewer support signatures than its pool requires.
    NotEnoughSignatures,
    /// The pool's lot was drawn already.
    LotDrawn,
    /// A pool of the edition has not been counted.
    NotCounted,
    /// The edition's results are published: counts stay as they are.
    ResultsPublished,
    /// This respondent has already answered the consultation.
    AlreadyAnswered,
    /// The consultation does not accept answers now (not open, before its
    /// start or after its end).
    ConsultationClosed,
    /// The consultation has answers: its questions and settings stay.
    ConsultationLocked,
    /// The consultation's status does not allow this move (`may_move_at`).
    ConsultationStatus,
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
    /// The gmina the official works for (logins are unique across the
    /// deployment, so a login finds one user of one gmina).
    pub gmina: Teryt,
}

/// What a session was made for. A token of one kind never works as the
/// other: an API bearer token is not a back-office cookie, nor the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// `POST /api/v1/auth/login`: an `Authorization: Bearer` token.
    Api,
    /// `POST /admin/login`: the back office's session cookie.
    BackOffice,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Api => "api",
            SessionKind::BackOffice => "back_office",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    /// The user's gmina: the back office's requests are scoped to it.
    pub gmina: Teryt,
    /// How far the sign-in got: only `Full` grants anything.
    pub stage: SessionStage,
    pub last_seen_at: Option<DateTime<Utc>>,
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

impl StoredResponse {
    /// The first answer to a write that created something (201).
    pub fn created(body: String) -> StoredResponse {
        StoredResponse { status: 201, body }
    }
}

/// What `create_report` did: made the report, or found the retried key's
/// first answer (which the edge sends again as it was).
#[derive(Debug, Clone, PartialEq)]
// One per request, moved straight into the answer: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Created {
    New(Report),
    Replayed(StoredResponse),
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

/// A report to create, with who sent it and the retry key.
#[derive(Debug, Clone)]
pub struct NewReportRecord {
    /// The reporting device (it follows its report); `None` for reports
    /// made by other channels.
    pub device_id: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
    pub input: NewReport,
    pub now: DateTime<Utc>,
}

/// Which reports to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Empty: every status.
    pub statuses: Vec<ReportStatus>,
    pub category: Option<String>,
    /// Only these ids (Open311 `service_request_id=1,2,3`).
    pub ids: Option<Vec<i64>>,
    /// `created_at` from (inclusive) / to (exclusive).
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub offset: u32,
    pub limit: u32,
    /// Also hidden reports, as their redacted views (aggregate counts only).
    pub include_hidden: bool,
}

/// Reports around a point (radius in metres).
#[derive(Debug, Clone)]
pub struct NearFilter {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
    pub category: Option<String>,
    pub open_only: bool,
    pub limit: u32,
}

#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Deployment-wide: the user with this login, of whatever gmina.
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
        kind: SessionKind,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        start: NewSession,
    ) -> StoreResult<()>;
    /// Deployment-wide: the session of `kind` with this token hash
    /// (expired ones too: the caller tells "expired" from "unknown").
    async fn find_session(&self, token_hash: &str, kind: SessionKind) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// The sign-in counters of `login` from `address` that have not
    /// expired, read without writing (`auth::signin`).
    async fn sign_in_counters(
        &self,
        login: &str,
        address: &str,
        policy: SignInPolicy,
        now: DateTime<Utc>,
    ) -> StoreResult<SignInCounters>;
    /// Applies one step of a sign-in to its counters in one transaction
    /// (`auth::signin::apply`), deleting every expired counter row.
    async fn sign_in_step(
        &self,
        login: &str,
        address: &str,
        step: SignInStep,
        now: DateTime<Utc>,
    ) -> StoreResult<Admission>;
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Registers a device, or replays the stored answer for a retried key.
    /// `response` is what a retry is answered with (it carries no token).
    async fn register_device(
        &self,
        idempotency: Option<IdempotencyKey>,
        device: NewDevice,
        response: StoredResponse,
    ) -> StoreResult<StoredResponse>;
    /// Deployment-wide: the device whose token hashes to this, of whatever
    /// gmina (the caller compares `KnownDevice::gmina`).
    async fn find_device(&self, token_hash: &str) -> StoreResult<Option<KnownDevice>>;
    /// Records that the device was seen (`maintenance` collects devices
    /// unseen for years).
    async fn touch_device(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Sets the hash of the device's token (a registration retried after
    /// the token key changed); false when there is no such device.
    async fn set_device_token_hash(&self, id: &str, token_hash: &str) -> StoreResult<bool>;
}

/// A registered device, as its token finds it.
#[derive(Debug, Clone)]
pub struct KnownDevice {
    pub id: String,
    /// The gmina the device registered with; its token works for no other.
    pub gmina: Teryt,
    /// Updated at most once a day (`devices::auth`).
    pub last_seen_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn report_categories(&self) -> StoreResult<Vec<ReportCategory>>;
    /// A number that differs after every committed change to the report
    /// categories or a gmina (`create_report_category`,
    /// `update_report_category`, `load_demo`, `add_gmina`, `update_gmina`;
    /// of any gmina: one number for the deployment), so a cache of them
    /// (`reports::reference`) knows when to load them again. It is asked
    /// on every Open311 read, so it must be cheap: SQLite keeps it in
    /// memory, since one process writes the file; a backend that several
    /// instances share reads it from the database, e.g. the highest `seq`
    /// the publication log holds for those collections (written in the
    /// changing transaction), one indexed read.
    async fn reference_version(&self) -> StoreResult<u64>;
    async fn create_report_category(
        &self,
        actor: Actor,
        category: ReportCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<ReportCategory>;
    async fn update_report_category(
        &self,
        actor: Actor,
        category: ReportCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<ReportCategory>;

    /// Stores an uploaded photo (the file atomically, then its row); true
    /// when it was new.
    async fn save_photo(&self, photo: PhotoMeta, bytes: Vec<u8>) -> StoreResult<bool>;
    async fn photo_exists(&self, id: &str) -> StoreResult<bool>;
    /// The photo and its bytes.
    async fn photo(&self, id: &str) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
    /// Whether a write with this key was already answered (a retry).
    async fn has_idempotency_key(&self, scope: &str, key: &str) -> StoreResult<bool>;

    /// Creates a report, or replays the stored answer for a retried key.
    /// Returns only after the report is durably committed.
    async fn create_report(&self, report: NewReportRecord) -> StoreResult<Created>;
    async fn get_report(&self, id: i64) -> StoreResult<Option<Report>>;
    async fn list_reports(&self, filter: ReportFilter) -> StoreResult<Vec<Report>>;
    async fn near_reports(&self, filter: NearFilter) -> StoreResult<Vec<Report>>;
    /// The device's own reports and the ones it follows, newest first.
    async fn device_reports(&self, device_id: &str) -> StoreResult<Vec<Report>>;
    /// Follows (or unfollows) a report; idempotent.
    async fn set_following(
        &self,
        device_id: &str,
        report_id: i64,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn change_report_status(
        &self,
        actor: Actor,
        id: i64,
        change: StatusChangeRequest,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;
    /// Officials' view: the public report plus contact, device, notes.
    async fn report_internal(&self, id: i64) -> StoreResult<Option<ReportInternal>>;
    /// An official's decision on what the public sees of a report: the
    /// report, the sync log (its redacted view or a tombstone), the
    /// report's visibility log and the audit log, in one transaction.
    /// Returns the officials' view; the same visibility again changes
    /// nothing.
    async fn set_report_visibility(
        &self,
        actor: Actor,
        id: i64,
        change: VisibilityChangeRequest,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;
    /// Whether the public may fetch this photo: not when every report it
    /// belongs to is withheld.
    async fn photo_is_public(&self, id: &str) -> StoreResult<bool>;
    async fn report_has_photo(&self, report_id: i64, photo_id: &str) -> StoreResult<bool>;
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

    /// The handle's gmina as the app syncs it (from the directory, once
    /// its boundary and centre are known) and its localities.
    async fn gmina(&self) -> StoreResult<(Option<Gmina>, Vec<Locality>)>;
    /// Loads the demo data into the handle's gmina (adding it to the
    /// directory when it is not there) unless it was loaded before; true
    /// when it loaded now.
    async fn load_demo(&self, data: DemoData, now: DateTime<Utc>) -> StoreResult<bool>;
}

/// Which places to list (SQL filters); `bbox` keeps places whose bounding
/// box overlaps `[min_lon, min_lat, max_lon, max_lat]` (a pre-filter: the
/// caller checks the exact geometry).
#[derive(Debug, Clone, Default)]
pub struct PlaceFilter {
    pub layer: Option<Layer>,
    pub category: Option<String>,
    pub bbox: Option<[f64; 4]>,
}

/// The map's places (issue 7). Every write publishes `Item::Places` and
/// audits, in the same transaction.
#[async_trait]
pub trait PlaceStore: Send + Sync {
    /// In id order.
    async fn list_places(&self, filter: PlaceFilter) -> StoreResult<Vec<Place>>;
    async fn get_place(&self, id: i64) -> StoreResult<Option<Place>>;
    async fn create_place(&self, actor: Actor, input: PlaceInput, now: DateTime<Utc>) -> StoreResult<Place>;
    async fn update_place(
        &self,
        actor: Actor,
        id: i64,
        input: PlaceInput,
        now: DateTime<Utc>,
    ) -> StoreResult<Place>;
    async fn delete_place(&self, actor: Actor, id: i64, now: DateTime<Utc>) -> StoreResult<()>;
    /// Upserts places by their `osm_id` (every input has one) in one
    /// transaction: an unchanged place is not written (no new seq), so a
    /// re-import of the same extract changes nothing. `skipped` is carried
    /// into the report and the audit entry.
    async fn import_places(
        &self,
        actor: Actor,
        places: Vec<PlaceInput>,
        skipped: Vec<mm_protocol::places::ImportSkip>,
        now: DateTime<Utc>,
    ) -> StoreResult<PlaceImportReport>;
    /// Loads the demo places unless loaded before; true when it loaded now.
    async fn load_demo_places(&self, places: Vec<PlaceInput>, now: DateTime<Utc>) -> StoreResult<bool>;
}

#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The highest published seq, from memory (set after each commit).
    fn max_seq(&self) -> u64;
    /// Up to `limit` log rows after `cursor`, in seq order, read in one
    /// transaction; the bool says whether more rows follow.
    async fn log_page(&self, cursor: u64, limit: u32) -> StoreResult<(Vec<LogRow>, bool)>;
    /// The highest committed seq as the database knows it now: for a
    /// cursor above [`max_seq`](Self::max_seq), which behind a load
    /// balancer may come from another instance whose commit this one has
    /// not heard of yet. One process's memory is the truth by default.
    async fn committed_max_seq(&self) -> StoreResult<u64> {
        Ok(self.max_seq())
    }
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn list_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;
    /// Every gmina with entries in the audit log, deployment-wide, in
    /// TERYT order (`audit verify` walks each one's chain).
    async fn audit_chains(&self) -> StoreResult<Vec<Teryt>>;
    /// Up to `limit` of the handle's gmina's entries with an id above
    /// `after`, oldest first, as stored, chain columns included
    /// (`crate::audit::chain`).
    async fn audit_chain_page(&self, after: i64, limit: u32) -> StoreResult<Vec<StoredEntry>>;
}

/// A unit of the town hall that handles reports (wydział, referat).
#[derive(Debug, Clone, PartialEq)]
pub struct Department {
    pub id: i64,
    pub name: String,
}

/// The back office's report list: every filter, the order and the page
/// are applied in SQL, so a page view reads one page (finding 19).
#[derive(Debug, Clone, Default)]
pub struct AdminReportFilter {
    pub statuses: Vec<ReportStatus>,
    pub category: Option<String>,
    /// `Some(None)`: unassigned reports only.
    pub department: Option<Option<i64>>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Matched (case-insensitively) in the description, address and id.
    pub text: Option<String>,
    /// Overdue only: open reports of these categories created before the
    /// category's cutoff (now minus its target time). Empty: none overdue.
    pub overdue_before: Option<Vec<(String, DateTime<Utc>)>>,
    /// Only reports assigned to this official personally.
    pub assignee: Option<i64>,
    pub sort: AdminReportSort,
    pub offset: u32,
    /// `None`: every matching report.
    pub limit: Option<u32>,
}

/// The list's orders; ties go to the newest report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AdminReportSort {
    #[default]
    Newest,
    Oldest,
    RecentlyUpdated,
    Status,
    Category,
}

/// One page of the list and how many reports matched in all.
#[derive(Debug, Clone, Default)]
pub struct AdminReportPage {
    pub rows: Vec<AdminReport>,
    pub total: u64,
}

/// The list's order as SQL, the same on both stores.
pub(crate) fn admin_report_order(sort: AdminReportSort) -> &'static str {
    match sort {
        AdminReportSort::Newest => "id DESC",
        AdminReportSort::Oldest => "id ASC",
        AdminReportSort::RecentlyUpdated => "updated_at DESC, id DESC",
        AdminReportSort::Status => "status ASC, id DESC",
        AdminReportSort::Category => "category ASC, id DESC",
    }
}

/// `/transparency` for one category: reports received in the window, how
/// many of them are resolved, and the median minutes from receipt to the
/// first resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryReportStats {
    pub category: String,
    pub received: u64,
    pub resolved: u64,
    pub median_minutes_to_resolve: Option<i64>,
}

/// `/transparency`'s charts for one month (Warsaw's calendar month as the
/// UTC instants `start`..`end`): reports received in it, reports first
/// resolved in it (and resolved still), and the median minutes from
/// receipt to that first resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthReportStats {
    pub start: DateTime<Utc>,
    pub received: u64,
    pub resolved: u64,
    pub median_minutes_to_resolve: Option<i64>,
}

/// A report as the back office lists it: with its department.
#[derive(Debug, Clone)]
pub struct AdminReport {
    pub report: Report,
    pub department_id: Option<i64>,
}

/// A report as the back office's map draws it: its own columns, never the
/// stored document (description, photos, history), so a map of 2,000
/// reports reads 2,000 short rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMarker {
    pub id: i64,
    pub category: String,
    pub status: ReportStatus,
    pub point: GeoPoint,
    pub created_at: DateTime<Utc>,
}

/// The back office's own persistence: departments, assignment, password
/// changes. Everything an official changes is audited.
#[async_trait]
pub trait AdminStore: Send + Sync {
    async fn list_departments(&self) -> StoreResult<Vec<Department>>;
    async fn create_department(&self, actor: Actor, name: &str, now: DateTime<Utc>)
    -> StoreResult<Department>;
    /// Puts an official into a department (`None`: out of any).
    async fn set_user_department(
        &self,
        actor: Actor,
        login: &str,
        department: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn user_department(&self, user_id: i64) -> StoreResult<Option<i64>>;
    /// Replaces an account's password and ends every session and API token
    /// of that account except `keep` (the token hash of the session that
    /// made the change, when it is the account's own).
    async fn set_password(
        &self,
        actor: Actor,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Assigns a report to a department (`None`: unassigns), with an
    /// optional internal note.
    async fn assign_report(
        &self,
        actor: Actor,
        id: i64,
        department: Option<i64>,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn report_department(&self, id: i64) -> StoreResult<Option<i64>>;
    async fn admin_reports(&self, filter: AdminReportFilter) -> StoreResult<AdminReportPage>;
    /// The same filters, order and window as `admin_reports`, as markers.
    async fn admin_report_markers(&self, filter: AdminReportFilter) -> StoreResult<Vec<ReportMarker>>;
    /// Per category with reports created since `since`, by SQL aggregates.
    async fn report_stats(&self, since: DateTime<Utc>) -> StoreResult<Vec<CategoryReportStats>>;
    /// Per month `(start, end)`, in the order given, by SQL aggregates.
    async fn report_stats_by_month(
        &self,
        months: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> StoreResult<Vec<MonthReportStats>>;
}

#[async_trait]
pub trait HealthStore: Send + Sync {
    /// `SELECT 1` on a reader.
    async fn ping(&self) -> StoreResult<()>;
    /// Checkpoints the WAL; called once at shutdown.
    async fn close(&self) -> StoreResult<()>;
}

/// Everything the server stores. A handle is scoped to one gmina
/// ([`Tenancy`]): everything but the deployment-wide calls (the directory,
/// user lookup by login, sessions, sign-in counters, device lookup by
/// token, job claiming, maintenance, health) reads and writes that
/// gmina's rows only.
pub trait Store:
    Tenancy
    + DirectoryStore
    + AuthStore
    + OfficialsStore
    + DeviceStore
    + ContentStore
    + ReportStore
    + SyncStore
    + AuditStore
    + AdminStore
    + BackOfficeStore
    + HealthStore
    + PlaceStore
    + EzdStore
    + JobStore
    + TaxStore
    + BallotStore
    + BudgetStore
    + ConsultationStore
    + NotificationStore
    + WasteStore
    + crate::maintenance::MaintenanceStore
    + limits::LimitStore
{
}

impl<
    T: Tenancy
        + DirectoryStore
        + AuthStore
        + OfficialsStore
        + DeviceStore
        + ContentStore
        + ReportStore
        + SyncStore
        + AuditStore
        + AdminStore
        + BackOfficeStore
        + HealthStore
        + PlaceStore
        + EzdStore
        + JobStore
        + TaxStore
        + BallotStore
        + BudgetStore
        + ConsultationStore
        + NotificationStore
        + WasteStore
        + crate::maintenance::MaintenanceStore
        + limits::LimitStore,
> Store for T
{
}
