//! mm-core: the resident side of mMieszkaniec. The core owns the state;
//! the Android and iOS shells (through `mm-bindings`) and the `mm` CLI only
//! render what it hands back.
//!
//! [`Core`] is the one entry point: it opens the offline store, syncs it
//! from the server, queues writes in a persistent outbox and answers one
//! coarse query per screen. No FFI here: the bindings crate wraps it.
//!
//! In the order things start:

// A library logs (tracing) or returns; its binaries and tests print.
#![cfg_attr(not(test), warn(clippy::print_stdout, clippy::print_stderr))]

/// The facade: `Core`, its configuration, the home and status screens.
/// Each feature module hands out its own object (`api`) with its own
/// records (`model`).
mod app;
/// Texts for people: dates and spans in Warsaw time, distances, Polish
/// plurals, the language resolved from the locale.
pub mod display;
/// The participatory budget: editions, projects and results (offline
/// too), the ballot with its rule enforced as the resident picks, casting
/// once through the outbox.
mod budget;
/// Consultations: the gmina's surveys (offline too), the answers checked
/// as the resident gives them, sent once through the outbox, the summary.
mod consultations;
/// Registration of this install (`POST /api/v1/devices`).
mod devices;
/// Public errors with stable codes and Polish + English messages.
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
mod events;
// Feature modules: persistence and queries of what sync brings.
mod gmina;
/// Many gminas: the directory, the chosen one, one store per gmina.
mod gminas;
mod news;
/// Notifications: what the core raised, the server's feed merged with
/// them, the subscription and the push registration through the outbox.
mod notifications;
/// Persistent queue of writes, retried with backoff.
mod outbox;
/// The map: places, accessibility needs, opening hours, bike paths.
mod places;
/// Residents' reports: drafts, photo normalisation, sending, my reports.
mod reports;
mod search;
/// The SQLite store: pragmas, migrations, one writer and one reader.
mod store;
/// HTTP client and the page-by-page pull of `GET /api/v1/sync`.
mod sync;
/// Local taxes: the household's liabilities with interest to today
/// (offline too), the transfer QR, payments through the gateway, reminders.
mod taxes;
/// The waste-collection schedule: the resident's addresses, their pickups
/// cached for offline, the "what goes where" search, local reminders.
mod waste;

#[cfg(test)]
mod testing;

pub use app::{Core, CoreConfig, CoreStatus, DEFAULT_SERVER_URL, HomeScreen};
pub use budget::BudgetApi;
pub use budget::model::{
    BallotChoiceLine, BallotPool, BallotProblem, BallotReview, BallotScreen, BudgetEdition, BudgetEditions, BudgetPool,
    BudgetPoolResult, BudgetProject, BudgetProjectResult, BudgetProjects, BudgetResults, BudgetWrite, BudgetWriteKind,
    CastState, MyBallotState, ProjectSubmission, WriteState,
};
pub use consultations::ConsultationsApi;
pub use consultations::model::{
    AnswerProblem, AnswersDraft, ConsultationCard, ConsultationDetail, ConsultationList, ConsultationSummary, MyResponse,
    QuestionSummaryView, QuestionView, ResponseState, SummaryLine,
};
pub use events::EventsApi;
pub use gminas::api::GminaChoice;
pub use gminas::directory::GminaList;
pub use events::model::{
    CalendarEntry, DayCount, EventDetail, EventOccurrence, EventTime, MonthDay, MonthView, Recurrence, RecurrenceDay,
    RecurrenceFrequency,
};
pub use news::NewsApi;
pub use notifications::NotificationsApi;
pub use places::PlacesApi;
pub use reports::ReportsApi;
pub use taxes::TaxesApi;
pub use taxes::qr_matrix as taxes_qr_matrix;
pub use taxes::model::{
    TaxLiabilityDetail, TaxLiabilitySummary, TaxPaymentLine, TaxPaymentState, TaxPaymentStatus, TaxReminder,
    TaxesScreen,
};
pub use mm_protocol::taxes::{LiabilityKind, LiabilityStatus, LiabilityView, Taxpayer};
pub use search::model::{SearchHit, SearchKind};
pub use waste::WasteApi;
pub use waste::model::{
    AddressCheck, AddressPickups, DictionaryHit, FractionView, WasteAddress, WasteAddressInput, WasteIcs, WastePickup,
    WasteReminder, WasteScreen,
};
pub use mm_protocol::waste::{BinColour, BuildingType, Fraction, ReminderPrefs};
pub use sync::model::{OutboxSummary, SyncListener, SyncOptions, SyncProgress, SyncSummary};
pub use display::Language;
pub use error::CoreError;
pub use reports::KIND_REPORT_STATUS;
pub use reports::flow::{BARRIER_CATEGORY, Direction, ReportRules, ReportStep, nudge_point, state_label as my_report_state_label};
pub use reports::model::{
    DraftProblem, MyReport, MyReportState, PhotoInfo, ReportActions, ReportDetail, ReportDraft, ReportDraftUpdate,
    ReportError, ReportReview, ReportSummary,
};
pub use notifications::{Notification, NotificationLink};
pub use notifications::model::{
    NotificationSettings, PushState, PushStatus, SettingsState, SubscriptionEdit, TopicSetting, topic_label,
};
pub use mm_protocol::notifications::{
    ApnsEnvironment, Area, Lang, Link, PushRegistration, QuietHours, Subscription, Topic, Transport,
};
pub use places::card::{CardLine, CardLineKind, layer_label, need_label, tri_label, wheelchair_label};
pub use places::model::{
    AccessNeed, BikePathSummary, BoundingBox, PlaceDetail, PlaceFilter, PlaceSummary,
};
pub use search::fold;

pub use mm_protocol::calendar::rrule::Occurrence;
pub use mm_protocol::devices::Platform;
pub use mm_protocol::error::{ErrorCode, Message};
pub use mm_protocol::events::{Event, EventCategory};
pub use mm_protocol::geo::{GeoPoint, Polygon};
pub use mm_protocol::gmina::{Branding, Gmina, GminaSummary, Locality, LocalityKind, Teryt};
pub use mm_protocol::news::{News, Priority};
pub use mm_protocol::opening_hours::{OpeningHours, OpeningHoursError, is_polish_public_holiday};
pub use mm_protocol::places::{
    Accessibility, Layer, Monument, Place, PlaceContact, PlaceGeometry, Tri, Wheelchair,
};
pub use mm_protocol::reports::{
    AttributeType, AttributeValue, CategoryAttribute, Contact, LocationSource, PhotoRef, Report,
    ReportCategory, ReportStatus, StatusChange, Visibility,
};
