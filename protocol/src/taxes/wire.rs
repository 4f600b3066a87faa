//! The taxes API on the wire (`/api/v1/taxes/...`, docs/TAXES.md). Every
//! figure here is personal data: it travels only to a device linked to the
//! taxpayer, never in the sync feed, a log line or a public page.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::kinds::LiabilityKind;
use super::rates::TaxRules;
use super::Grosze;

/// `POST /api/v1/taxes/link`: the activation code from the tax decision
/// or the office (`activation::normalise_code` says what is accepted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkRequest {
    pub code: String,
}

/// A taxpayer a device is linked to. `id` is the tax system's reference;
/// `name` is shown only to the linked device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Taxpayer {
    pub id: String,
    pub name: String,
}

/// A payment the tax system has booked on a liability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookedPayment {
    /// The day it counts as paid (art. 60 §1 OP).
    pub date: NaiveDate,
    pub amount_grosze: Grosze,
}

/// A liability as the tax system states it (the import's unit): one
/// instalment of one decision (or declaration) of one taxpayer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiabilityRecord {
    /// Unique within the gmina (the tax system's id).
    pub id: String,
    /// The taxpayer's id.
    pub taxpayer: String,
    pub kind: LiabilityKind,
    /// The tax year (or the waste fee's year).
    pub year: i32,
    /// The instalment number (1-based; 0 for a single payment).
    pub instalment: u32,
    /// The decision's (or declaration's) number, for the transfer title.
    pub decision: String,
    /// The deadline as the decision states it; `effective_due_date` moves it.
    pub due_date: NaiveDate,
    pub amount_grosze: Grosze,
    /// The liability's own (virtual) account, 26 digits (NRB).
    pub account: String,
    /// What the tax system has booked, oldest first.
    #[serde(default)]
    pub payments: Vec<BookedPayment>,
}

/// Where a liability stands as of the statement's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LiabilityStatus {
    /// Nothing left to pay, booked by the tax system.
    Paid,
    /// Paid in the app; the tax system has not booked it yet.
    PaidAwaitingBooking,
    /// Not yet due.
    Upcoming,
    /// Past its effective due date with something left: interest accrues.
    Overdue,
}

/// The QR transfer payload (ZBP 2D recommendation) of a liability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZbpCode {
    /// `NIP|PL|NRB|AMOUNT|NAME|TITLE|||`.
    pub payload: String,
    /// The amount in the code, `None` when it is `000000` (above
    /// 9,999.99 zł the format cannot carry it: the payer types it).
    pub amount_grosze: Option<Grosze>,
}

/// A payment made in the app, as the liability shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppPaymentSummary {
    pub id: String,
    pub amount_grosze: Grosze,
    pub status: PaymentStatus,
    /// The day the gateway confirmed it (art. 60 §1 pkt 2 OP).
    pub paid_on: Option<NaiveDate>,
    /// Booked by the tax system (the import confirmed it).
    pub booked: bool,
}

/// `GET /api/v1/taxes/liabilities`: one liability with its balance as of the
/// response's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiabilityView {
    #[serde(flatten)]
    pub record: LiabilityRecord,
    /// Payments made in the app, newest first.
    #[serde(default)]
    pub app_payments: Vec<AppPaymentSummary>,
    pub effective_due_date: NaiveDate,
    pub paid_grosze: Grosze,
    /// Arrears (principal) left after the payments' split (art. 55 §2).
    pub remaining_grosze: Grosze,
    /// Interest as of the day: unpaid interest of earlier partial payments
    /// plus what accrued since, rounded once (art. 63 §1).
    pub interest_grosze: Grosze,
    /// `remaining_grosze + interest_grosze`: what paying today settles.
    pub total_grosze: Grosze,
    pub status: LiabilityStatus,
    pub zbp: ZbpCode,
}

/// Who receives the transfers: the gmina (its name and NIP for the QR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxRecipient {
    /// At most 20 characters in the QR (`zbp::NAME_MAX`).
    pub name: String,
    pub nip: String,
}

/// `GET /api/v1/taxes/liabilities?as_of=YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiabilitiesResponse {
    pub as_of: NaiveDate,
    pub recipient: TaxRecipient,
    /// The rates and thresholds, so the app recomputes offline.
    pub rules: TaxRules,
    pub taxpayers: Vec<Taxpayer>,
    /// Oldest effective due date first.
    pub liabilities: Vec<LiabilityView>,
    /// Whether a payment gateway is configured (else only the QR).
    pub payments_enabled: bool,
}

/// `POST /api/v1/taxes/payments` (with an `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePayment {
    pub liability: String,
    /// At least 1 gr, at most the liability's total as of today.
    pub amount_grosze: Grosze,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Registered with the gateway; the payer has not finished (or the
    /// gateway has not told us).
    Pending,
    /// The gateway's notification was verified and `transaction/verify` done.
    Paid,
    /// The gateway refused it.
    Failed,
    /// Nothing came within the gateway's time limit.
    Expired,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        [PaymentStatus::Pending, PaymentStatus::Paid, PaymentStatus::Failed, PaymentStatus::Expired]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// No later notification changes it.
    pub fn is_final(self) -> bool {
        !matches!(self, PaymentStatus::Pending)
    }
}

/// A payment as `POST /api/v1/taxes/payments` and `GET .../payments/{id}`
/// answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: String,
    pub liability: String,
    pub amount_grosze: Grosze,
    pub status: PaymentStatus,
    /// Where the payer finishes (the gateway's page); while pending.
    pub redirect_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    /// Booked by the tax system.
    pub booked: bool,
    /// A printable confirmation, once paid (`GET .../payments/{id}/receipt`).
    pub receipt_url: Option<String>,
}
