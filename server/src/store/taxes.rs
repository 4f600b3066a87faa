//! What the taxes feature stores (issue 14, docs/TAXES.md): taxpayers and
//! their liabilities as the gmina's tax system (system dziedzinowy) states
//! them, the dated interest rules, activation codes and the devices linked
//! with them, the import runs, and the payments made in the app.
//!
//! All of it is personal data: scoped to the handle's gmina like every
//! tenant table, never in the publication log, never in a log line; every
//! official's read of a taxpayer writes the audit log (`taxpayer_for_official`).

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use mm_protocol::taxes::activation::{LOCK_MINUTES, MAX_FAILED_TRIES};
use mm_protocol::taxes::{
    AppPaymentSummary, Grosze, LiabilityRecord, PaymentStatus, RatePeriod, TaxRules, Taxpayer, ThresholdPeriod,
};

use super::jobs::NewJob;
use super::{Actor, StoreResult};

/// One batch from a tax-system adapter (the file import or the HTTP pull):
/// the whole state of the taxpayers it names. Importing the same batch
/// twice changes nothing; a liability's booked payments are replaced by
/// the batch's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxBatch {
    pub taxpayers: Vec<ImportedTaxpayer>,
    pub liabilities: Vec<LiabilityRecord>,
    /// References of app payments (`Payment::id`) the tax system has now
    /// booked: those payments become `booked`.
    pub booked_references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedTaxpayer {
    pub taxpayer: Taxpayer,
    /// A code the tax system printed on the decision, already hashed
    /// (`taxes::codes::hash_code`), valid until `code_expires_at`.
    pub code_hash: Option<String>,
    pub code_expires_at: Option<DateTime<Utc>>,
}

/// What an import did, kept as an import run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub taxpayers_created: u64,
    pub taxpayers_updated: u64,
    pub liabilities_created: u64,
    pub liabilities_updated: u64,
    pub unchanged: u64,
    pub payments_booked: u64,
}

/// A row the adapter could not read: its line (1-based, the header is
/// line 1 in CSV) and why, in words without the row's personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRowError {
    pub line: u64,
    pub reason: String,
}

/// An import run, for the back office.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRun {
    pub id: i64,
    /// `file:<name>` or `http`.
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub counts: ImportCounts,
    pub errors: Vec<ImportRowError>,
    /// The whole batch was refused (nothing written).
    pub refused: bool,
}

/// What a device's activation code did (`link_device`).
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    Linked(Taxpayer),
    /// Not a code of this gmina, expired, or revoked; the device's failures
    /// so far (counted in the same transaction).
    Invalid { failures: u32 },
    /// Too many failures: locked until then (the code was not even looked up).
    Locked { until: DateTime<Utc> },
}

/// A payment made in the app, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentRecord {
    /// A UUID; also the gateway's `sessionId` and the reference the tax
    /// system books it under.
    pub id: String,
    pub device_id: String,
    pub taxpayer: String,
    pub liability: String,
    pub amount_grosze: Grosze,
    pub status: PaymentStatus,
    /// `p24` or `sandbox`.
    pub provider: String,
    /// The gateway's token (redirect `/trnRequest/{token}`), once registered.
    pub gateway_token: Option<String>,
    /// The gateway's `orderId`, from the verified notification.
    pub gateway_order_id: Option<i64>,
    /// Set when a notification disagreed (another amount, a wrong sign):
    /// what it was, for an official; the payment itself did not move.
    pub flag: Option<String>,
    pub booked: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

impl PaymentRecord {
    pub fn summary(&self) -> AppPaymentSummary {
        AppPaymentSummary {
            id: self.id.clone(),
            amount_grosze: self.amount_grosze,
            status: self.status,
            paid_on: self.paid_at.map(|t| t.with_timezone(&mm_protocol::LOCAL_TZ).date_naive()),
            booked: self.booked,
        }
    }
}

/// A payment to create (`create_payment`), under the device's idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment {
    pub id: String,
    pub device_id: String,
    pub liability: String,
    pub amount_grosze: Grosze,
    pub provider: String,
    pub idempotency_key: String,
    /// Hash of the request body: the same key with another body is a conflict.
    pub request_hash: String,
    pub now: DateTime<Utc>,
}

/// What a gateway's answer or notification does to a payment.
#[derive(Debug, Clone, PartialEq)]
pub enum PaymentUpdate {
    Registered { token: String },
    Paid { order_id: i64, at: DateTime<Utc> },
    Failed { reason: String },
    Expired,
    /// Something disagreed; the payment keeps its status.
    Flag { reason: String },
}

/// Which payments the back office lists.
#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub status: Option<PaymentStatus>,
    /// Paid in the app and still not booked by the tax system this long
    /// after (the reconciliation view).
    pub unbooked_paid_before: Option<DateTime<Utc>>,
    pub flagged_only: bool,
    pub limit: u32,
}

#[async_trait]
pub trait TaxStore: Send + Sync {
    /// The gmina's rates and thresholds (the statutory table until an
    /// official changes anything).
    async fn tax_rules(&self) -> StoreResult<TaxRules>;
    /// Adds or replaces the rate from `period.from`; audited (`taxes.rate`).
    async fn set_tax_rate(&self, actor: Actor, period: RatePeriod, now: DateTime<Utc>) -> StoreResult<()>;
    async fn set_tax_threshold(&self, actor: Actor, period: ThresholdPeriod, now: DateTime<Utc>) -> StoreResult<()>;

    /// Writes a batch in one transaction and records the run (with the
    /// adapter's row errors); `refused` runs are recorded without writing.
    async fn import_taxes(
        &self,
        actor: Actor,
        source: &str,
        batch: TaxBatch,
        errors: Vec<ImportRowError>,
        refused: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportRun>;
    async fn import_runs(&self, limit: u32) -> StoreResult<Vec<ImportRun>>;

    /// A taxpayer for an official (audited as `taxes.lookup` with the
    /// taxpayer's id, never the name): their liabilities and payments.
    async fn taxpayer_for_official(
        &self,
        actor: Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Taxpayer, Vec<LiabilityRecord>, Vec<PaymentRecord>)>>;
    /// Taxpayers whose id starts with `prefix` or whose name contains it
    /// (folded); audited (`taxes.search`, the query's length only).
    async fn search_taxpayers(&self, actor: Actor, query: &str, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<Taxpayer>>;
    /// Every taxpayer, for `mm-server taxes codes`.
    async fn all_taxpayers(&self) -> StoreResult<Vec<Taxpayer>>;

    /// Replaces the taxpayer's unused codes by this one; audited
    /// (`taxes.code_issued`). `NotFound` for an unknown taxpayer.
    async fn issue_activation_code(
        &self,
        actor: Actor,
        taxpayer: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Issues many at once (one transaction), for the letters.
    async fn issue_activation_codes(
        &self,
        actor: Actor,
        codes: Vec<(String, String)>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    /// Revokes the taxpayer's unused codes and unlinks every device from
    /// them; audited (`taxes.code_revoked`).
    async fn revoke_activation_codes(&self, actor: Actor, taxpayer: &str, now: DateTime<Utc>) -> StoreResult<()>;

    /// Links the device with the code's taxpayer (a code links one device,
    /// once) or counts a failure: `MAX_FAILED_TRIES` within
    /// `LOCK_MINUTES` lock the device (mm_protocol::taxes::activation).
    async fn link_device(&self, device_id: &str, code_hash: &str, now: DateTime<Utc>) -> StoreResult<LinkOutcome>;
    /// Unlinks the device from one taxpayer, or from all (`None`). True
    /// when something was unlinked.
    async fn unlink_device(&self, device_id: &str, taxpayer: Option<&str>, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn device_taxpayers(&self, device_id: &str) -> StoreResult<Vec<Taxpayer>>;
    /// The liabilities of the device's taxpayers, each with the app's
    /// payments on it; `liability` narrows to one (empty when it is not
    /// the device's: the caller answers 404).
    async fn device_liabilities(
        &self,
        device_id: &str,
        liability: Option<&str>,
    ) -> StoreResult<Vec<(LiabilityRecord, Vec<AppPaymentSummary>)>>;

    /// Creates a pending payment (with its gateway registration job, if
    /// any, in the same transaction), or replays the first answer of a
    /// retried key (`Created::Replayed`-like: `Ok(Err(first))`).
    /// `IdempotencyConflict` for the same key with another request.
    async fn create_payment(&self, payment: NewPayment, job: Option<NewJob>) -> StoreResult<Result<PaymentRecord, PaymentRecord>>;
    async fn payment(&self, id: &str) -> StoreResult<Option<PaymentRecord>>;
    /// The device's own payment (others' are `None`).
    async fn device_payment(&self, device_id: &str, id: &str) -> StoreResult<Option<PaymentRecord>>;
    /// Applies a gateway's answer: only pending payments move (a paid,
    /// failed or expired one stays as it is and `false` comes back); a
    /// `Flag` is recorded whatever the status. Audited as `payments.<what>`.
    async fn update_payment(&self, id: &str, update: PaymentUpdate, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn payments(&self, filter: PaymentFilter) -> StoreResult<Vec<PaymentRecord>>;
    /// Pending payments created before `before` (to expire them).
    async fn stale_pending_payments(&self, before: DateTime<Utc>) -> StoreResult<Vec<PaymentRecord>>;
    /// Enqueues a job of the taxes feature with no business write of its
    /// own (the scheduled `taxes.pull`): true when new (its dedupe key
    /// was free in this gmina, and no job of its kind was still pending
    /// there: a pull retrying into the next slot is not joined by another).
    async fn enqueue_tax_job(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<bool>;
}

/// The date a payment counts as made on for interest (art. 60 §1 pkt 2
/// OP: the day the gateway confirmed the authorisation), in Warsaw.
pub fn payment_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&mm_protocol::LOCAL_TZ).date_naive()
}

/// Until when a device may not try a code, given its recent failures
/// (newest first): `MAX_FAILED_TRIES` within `LOCK_MINUTES` lock it for
/// `LOCK_MINUTES` from the last of them. Both backends decide with this.
pub fn lock_state(failures_newest_first: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let max = MAX_FAILED_TRIES as usize;
    let (latest, oldest) = (*failures_newest_first.first()?, *failures_newest_first.get(max - 1)?);
    if latest - oldest > Duration::minutes(LOCK_MINUTES) {
        return None;
    }
    let until = latest + Duration::minutes(LOCK_MINUTES);
    (now < until).then_some(until)
}
