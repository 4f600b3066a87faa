//! Many gminas in one deployment (issue 13): the directory of gminas, and
//! how a store handle is scoped to one of them. Every table whose rows
//! belong to a gmina carries its TERYT code, and every call on a handle
//! reads and writes the rows of the handle's gmina only, so another
//! gmina's id is simply "not found".

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Branding, Teryt};
use serde::{Deserialize, Serialize};

use super::{Actor, Store, StoreResult};

/// The TERYT code a deployment without any gmina works as (Siechnice, the
/// first town the app served): a store opened on an empty database is
/// scoped to it, and migration 0012 gives it to the rows of a database
/// that never named its gmina.
pub const FALLBACK_GMINA: &str = "0223083";

/// What scopes a handle to one gmina.
pub trait Tenancy: Send + Sync {
    /// A handle of the same store scoped to `teryt`; cheap (it shares the
    /// connections), and it does not check that the gmina exists
    /// (`DirectoryStore::gmina_record` does).
    fn for_gmina(&self, teryt: &Teryt) -> Arc<dyn Store>;
    /// The gmina this handle reads and writes.
    fn gmina_scope(&self) -> &Teryt;
}

/// The gminas of the deployment. Deployment-wide: the same on every handle.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Every gmina, in the order they were added.
    async fn list_gminas(&self) -> StoreResult<Vec<GminaRecord>>;
    async fn gmina_record(&self, teryt: &Teryt) -> StoreResult<Option<GminaRecord>>;
    /// Adds a gmina (audited in that gmina's log); the first one added
    /// becomes the deployment's default gmina.
    /// `Conflict(GminaExists)` when its TERYT code is taken.
    async fn add_gmina(&self, actor: Actor, gmina: GminaRecord, now: DateTime<Utc>) -> StoreResult<GminaRecord>;
    /// Replaces a gmina's name, place, boundary, branding and settings
    /// (its TERYT code stays); `NotFound` when there is no such gmina.
    async fn update_gmina(&self, actor: Actor, gmina: GminaRecord, now: DateTime<Utc>) -> StoreResult<GminaRecord>;
}

/// One gmina of the deployment, as the directory stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GminaRecord {
    pub teryt: Teryt,
    /// "Siechnice"
    pub name: String,
    /// "wrocławski"
    pub powiat: String,
    /// "dolnośląskie"
    pub voivodeship: String,
    /// `None` until its boundary is loaded (then reports are not checked
    /// against it).
    pub boundary: Option<Polygon>,
    /// Where the map opens.
    pub center: Option<GeoPoint>,
    pub branding: Branding,
    pub settings: GminaSettings,
}

/// A gmina's own connections to outside systems. Names of secrets, never
/// the secrets: those stay in the deployment's environment or files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GminaSettings {
    /// The gmina's EZD (document system) base URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ezd_base_url: Option<String>,
    /// The name the EZD credentials are kept under (an environment
    /// variable or a secret file's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ezd_credentials: Option<String>,
    /// The payment operator (e.g. `przelewy24`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_provider: Option<String>,
    /// The gmina's merchant id at that operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_merchant_id: Option<String>,
    /// The name the payment credentials are kept under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_credentials: Option<String>,
    /// The gmina as the recipient of tax transfers (the QR's name, at most
    /// 20 characters there, and NIP; issue 14).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_recipient_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_recipient_nip: Option<String>,
    /// The department whose officials may see tax data besides admins
    /// (`None`: [`DEFAULT_TAX_DEPARTMENT`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_department: Option<String>,
    /// The tax system's REST endpoint the HTTP adapter pulls
    /// (`taxes::pull`); none: only file imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_source_url: Option<String>,
    /// The name its bearer token is kept under (a key of the tax
    /// credentials file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_source_credentials: Option<String>,
    /// Minutes between two pulls (`None`: [`DEFAULT_TAX_PULL_MINUTES`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_pull_minutes: Option<u32>,
    /// The department whose officials run the participatory budget's
    /// back-office pages besides admins (`None`:
    /// [`DEFAULT_BUDGET_DEPARTMENT`]). In the JSON column: an absent key
    /// keeps the default, so stored gminas need no migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_department: Option<String>,
    /// The same for consultations (`None`:
    /// [`DEFAULT_CONSULTATIONS_DEPARTMENT`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultations_department: Option<String>,
    /// The name of the gmina's push credentials file under the data
    /// directory (`notifications::transports`: APNs key, FCM service
    /// account, VAPID key); none: the deployment's `--push-credentials`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_credentials: Option<String>,
    /// One-time SMS codes the gmina sends per hour at most (`None`:
    /// [`DEFAULT_SMS_PER_HOUR`]): a ceiling on what SMS pumping can cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_per_hour: Option<u32>,
    /// Whether officials of every role must sign in with a second factor
    /// (`auth::second_factor`); admins must whatever this says. `None`:
    /// no (an absent key keeps it, so stored gminas need no migration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_factor_for_all: Option<bool>,
    /// The gmina's accessibility statement (deklaracja dostępności,
    /// `accessibility`), edited by its admins; none: not yet published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessibility: Option<crate::accessibility::AccessibilityStatement>,
}

/// The department of a gmina's tax officials unless its settings say another.
pub const DEFAULT_TAX_DEPARTMENT: &str = "Podatki i opłaty";
/// The department of a gmina's budget officials unless its settings say another.
pub const DEFAULT_BUDGET_DEPARTMENT: &str = "Budżet obywatelski";
/// The department of a gmina's consultations officials unless its settings say another.
pub const DEFAULT_CONSULTATIONS_DEPARTMENT: &str = "Konsultacje społeczne";
/// The longest department name a gmina's settings take (characters), as
/// the taxes page's.
pub const DEPARTMENT_NAME_MAX: usize = 100;
/// How often the tax system is pulled unless a gmina's settings say otherwise.
pub const DEFAULT_TAX_PULL_MINUTES: u32 = 60;
/// SMS codes per hour a gmina sends unless its settings say otherwise:
/// about twice the busiest hour of a 25,000-resident gmina's budget vote.
pub const DEFAULT_SMS_PER_HOUR: u32 = 600;
/// The highest ceiling the back office takes: far above any vote, and low
/// enough that a slip of the keyboard cannot lift the bound on what SMS
/// pumping can cost (a 0 more is a tenfold bill).
pub const SMS_PER_HOUR_MAX: u32 = 20_000;

impl GminaSettings {
    pub fn tax_department(&self) -> &str {
        self.tax_department.as_deref().unwrap_or(DEFAULT_TAX_DEPARTMENT)
    }

    pub fn budget_department(&self) -> &str {
        self.budget_department.as_deref().unwrap_or(DEFAULT_BUDGET_DEPARTMENT)
    }

    pub fn consultations_department(&self) -> &str {
        self.consultations_department.as_deref().unwrap_or(DEFAULT_CONSULTATIONS_DEPARTMENT)
    }

    pub fn tax_pull_minutes(&self) -> u32 {
        self.tax_pull_minutes.unwrap_or(DEFAULT_TAX_PULL_MINUTES).max(1)
    }

    pub fn sms_per_hour(&self) -> u32 {
        self.sms_per_hour.unwrap_or(DEFAULT_SMS_PER_HOUR)
    }
}

/// The voivodeship a TERYT code's first two digits name (GUS).
pub fn voivodeship_of(teryt: &Teryt) -> &'static str {
    match &teryt.as_str()[..2] {
        "02" => "dolnośląskie",
        "04" => "kujawsko-pomorskie",
        "06" => "lubelskie",
        "08" => "lubuskie",
        "10" => "łódzkie",
        "12" => "małopolskie",
        "14" => "mazowieckie",
        "16" => "opolskie",
        "18" => "podkarpackie",
        "20" => "podlaskie",
        "22" => "pomorskie",
        "24" => "śląskie",
        "26" => "świętokrzyskie",
        "28" => "warmińsko-mazurskie",
        "30" => "wielkopolskie",
        "32" => "zachodniopomorskie",
        _ => "",
    }
}

/// The app's own colours, for a gmina that gave none (migration 0012 gives
/// them to the gmina it moves into the directory).
pub fn default_branding() -> Branding {
    Branding { coat_of_arms_url: None, primary_color: "#1565C0".into(), on_primary_color: "#FFFFFF".into() }
}
