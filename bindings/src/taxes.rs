//! Local taxes across the boundary: the records and the `MmCore` methods,
//! one call per screen:
//!
//! | screen | call |
//! |---|---|
//! | link | `taxes_link(code)` (online; `invalid_activation_code`, `activation_locked` with `minutes`, `network`) |
//! | liabilities | `taxes_screen(today)` (offline: interest recomputed to `today`), `taxes_refresh()` |
//! | detail with the QR | `tax_liability(id, today)` (`qr_size` × `qr_size` modules to draw, quiet zone 4) |
//! | pay | `tax_pay(liability, amount_grosze)` → local id; `tax_payment(id)` to poll, open `redirect_url` |
//! | receipt | `tax_receipt(id)` (HTML) |
//! | reminders | `tax_reminders(today)`, `tax_reminder_days()`, `set_tax_reminder_days(n)` (1..=7) |
//! | unlink | `taxes_unlink(taxpayer)` (`None`: all) |
//!
//! Days are `YYYY-MM-DD` strings, instants `_ms`, money `_grosze` beside
//! its text. Mapping only: the figures and texts are the core's.

use mm_core as core;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::{ms, parse_day};

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Taxpayer {
    pub id: String,
    pub name: String,
}

impl From<core::Taxpayer> for Taxpayer {
    fn from(t: core::Taxpayer) -> Self {
        Taxpayer { id: t.id, name: t.name }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LiabilityKind {
    Property,
    Agricultural,
    Forest,
    Transport,
    WasteFee,
}

impl From<core::LiabilityKind> for LiabilityKind {
    fn from(k: core::LiabilityKind) -> Self {
        match k {
            core::LiabilityKind::Property => LiabilityKind::Property,
            core::LiabilityKind::Agricultural => LiabilityKind::Agricultural,
            core::LiabilityKind::Forest => LiabilityKind::Forest,
            core::LiabilityKind::Transport => LiabilityKind::Transport,
            core::LiabilityKind::WasteFee => LiabilityKind::WasteFee,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LiabilityStatus {
    Paid,
    PaidAwaitingBooking,
    Upcoming,
    Overdue,
}

impl From<core::LiabilityStatus> for LiabilityStatus {
    fn from(s: core::LiabilityStatus) -> Self {
        match s {
            core::LiabilityStatus::Paid => LiabilityStatus::Paid,
            core::LiabilityStatus::PaidAwaitingBooking => LiabilityStatus::PaidAwaitingBooking,
            core::LiabilityStatus::Upcoming => LiabilityStatus::Upcoming,
            core::LiabilityStatus::Overdue => LiabilityStatus::Overdue,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TaxPaymentStatus {
    Queued,
    Pending,
    Paid,
    Failed,
    Expired,
    Refused,
}

impl From<core::TaxPaymentStatus> for TaxPaymentStatus {
    fn from(s: core::TaxPaymentStatus) -> Self {
        match s {
            core::TaxPaymentStatus::Queued => TaxPaymentStatus::Queued,
            core::TaxPaymentStatus::Pending => TaxPaymentStatus::Pending,
            core::TaxPaymentStatus::Paid => TaxPaymentStatus::Paid,
            core::TaxPaymentStatus::Failed => TaxPaymentStatus::Failed,
            core::TaxPaymentStatus::Expired => TaxPaymentStatus::Expired,
            core::TaxPaymentStatus::Refused => TaxPaymentStatus::Refused,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxLiabilitySummary {
    pub id: String,
    pub taxpayer: String,
    pub taxpayer_name: String,
    pub kind: LiabilityKind,
    pub kind_text: String,
    pub year: i32,
    pub instalment: u32,
    pub period_text: String,
    /// Nominal, `YYYY-MM-DD`.
    pub due_date: String,
    pub effective_due_date: String,
    pub due_text: String,
    pub amount_grosze: i64,
    pub amount_text: String,
    pub paid_grosze: i64,
    pub remaining_grosze: i64,
    pub interest_grosze: i64,
    pub interest_text: String,
    pub total_grosze: i64,
    pub total_text: String,
    pub status: LiabilityStatus,
    pub status_text: String,
}

impl From<core::TaxLiabilitySummary> for TaxLiabilitySummary {
    fn from(l: core::TaxLiabilitySummary) -> Self {
        TaxLiabilitySummary {
            id: l.id,
            taxpayer: l.taxpayer,
            taxpayer_name: l.taxpayer_name,
            kind: l.kind.into(),
            kind_text: l.kind_text,
            year: l.year,
            instalment: l.instalment,
            period_text: l.period_text,
            due_date: l.due_date.to_string(),
            effective_due_date: l.effective_due_date.to_string(),
            due_text: l.due_text,
            amount_grosze: l.amount_grosze,
            amount_text: l.amount_text,
            paid_grosze: l.paid_grosze,
            remaining_grosze: l.remaining_grosze,
            interest_grosze: l.interest_grosze,
            interest_text: l.interest_text,
            total_grosze: l.total_grosze,
            total_text: l.total_text,
            status: l.status.into(),
            status_text: l.status_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxesScreen {
    pub as_of: String,
    pub taxpayers: Vec<Taxpayer>,
    pub liabilities: Vec<TaxLiabilitySummary>,
    pub total_grosze: i64,
    pub total_text: String,
    pub overdue_grosze: i64,
    pub overdue_text: String,
    pub fetched_at_ms: Option<i64>,
    pub fetched_text: String,
    pub payments_enabled: bool,
}

impl From<core::TaxesScreen> for TaxesScreen {
    fn from(s: core::TaxesScreen) -> Self {
        TaxesScreen {
            as_of: s.as_of.to_string(),
            taxpayers: s.taxpayers.into_iter().map(Into::into).collect(),
            liabilities: s.liabilities.into_iter().map(Into::into).collect(),
            total_grosze: s.total_grosze,
            total_text: s.total_text,
            overdue_grosze: s.overdue_grosze,
            overdue_text: s.overdue_text,
            fetched_at_ms: s.fetched_at.map(ms),
            fetched_text: s.fetched_text,
            payments_enabled: s.payments_enabled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxPaymentLine {
    pub date: Option<String>,
    pub amount_grosze: i64,
    pub text: String,
    pub booked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxLiabilityDetail {
    pub summary: TaxLiabilitySummary,
    pub decision: String,
    pub account: String,
    pub account_text: String,
    pub recipient_name: String,
    pub transfer_title: String,
    pub payments: Vec<TaxPaymentLine>,
    pub zbp_payload: String,
    pub amount_in_code: bool,
    pub amount_note: Option<String>,
    /// Modules per side; draw a quiet zone of 4 light modules around.
    pub qr_size: u32,
    /// Row-major, `qr_size * qr_size`, `true` = dark.
    pub qr_modules: Vec<bool>,
    pub can_pay: bool,
}

impl From<core::TaxLiabilityDetail> for TaxLiabilityDetail {
    fn from(d: core::TaxLiabilityDetail) -> Self {
        TaxLiabilityDetail {
            summary: d.summary.into(),
            decision: d.decision,
            account: d.account,
            account_text: d.account_text,
            recipient_name: d.recipient_name,
            transfer_title: d.transfer_title,
            payments: d
                .payments
                .into_iter()
                .map(|p| TaxPaymentLine {
                    date: p.date.map(|d| d.to_string()),
                    amount_grosze: p.amount_grosze,
                    text: p.text,
                    booked: p.booked,
                })
                .collect(),
            zbp_payload: d.zbp_payload,
            amount_in_code: d.amount_in_code,
            amount_note: d.amount_note,
            qr_size: d.qr_size,
            qr_modules: d.qr_modules,
            can_pay: d.can_pay,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxPaymentState {
    pub id: String,
    pub liability: String,
    pub amount_grosze: i64,
    pub amount_text: String,
    pub status: TaxPaymentStatus,
    pub status_text: String,
    pub redirect_url: Option<String>,
    pub server_id: Option<String>,
    pub created_at_ms: i64,
    pub paid_at_ms: Option<i64>,
    pub booked: bool,
    pub receipt_available: bool,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
}

impl From<core::TaxPaymentState> for TaxPaymentState {
    fn from(p: core::TaxPaymentState) -> Self {
        TaxPaymentState {
            id: p.id,
            liability: p.liability,
            amount_grosze: p.amount_grosze,
            amount_text: p.amount_text,
            status: p.status.into(),
            status_text: p.status_text,
            redirect_url: p.redirect_url,
            server_id: p.server_id,
            created_at_ms: ms(p.created_at),
            paid_at_ms: p.paid_at.map(ms),
            booked: p.booked,
            receipt_available: p.receipt_available,
            error_code: p.error_code,
            error_text: p.error_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TaxReminder {
    pub liability: String,
    pub taxpayer: String,
    pub kind: LiabilityKind,
    pub effective_due_date: String,
    pub days_left: u32,
    pub total_grosze: i64,
    pub title: String,
    pub body: String,
}

impl From<core::TaxReminder> for TaxReminder {
    fn from(r: core::TaxReminder) -> Self {
        TaxReminder {
            liability: r.liability,
            taxpayer: r.taxpayer,
            kind: r.kind.into(),
            effective_due_date: r.effective_due_date.to_string(),
            days_left: r.days_left,
            total_grosze: r.total_grosze,
            title: r.title,
            body: r.body,
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MmCore {
    /// Links this device to a taxpayer by the activation code (online).
    pub async fn taxes_link(&self, code: String) -> Result<Taxpayer, MmError> {
        one(self.core.taxes().link(&code).await)
    }

    /// Forgets one taxpayer (`None`: all) on the device at once; the
    /// server's side goes through the outbox.
    pub async fn taxes_unlink(&self, taxpayer: Option<String>) -> Result<(), MmError> {
        Ok(self.core.taxes().unlink(taxpayer).await?)
    }

    /// Fetches the liabilities (also done by `sync` when linked).
    pub async fn taxes_refresh(&self) -> Result<(), MmError> {
        Ok(self.core.taxes().refresh().await?)
    }

    pub fn taxpayers(&self) -> Result<Vec<Taxpayer>, MmError> {
        all(self.core.taxes().taxpayers())
    }

    /// The liabilities as of `today` (`YYYY-MM-DD`), from the local copy.
    pub fn taxes_screen(&self, today: String) -> Result<TaxesScreen, MmError> {
        one(self.core.taxes().screen(parse_day("today", &today)?))
    }

    pub fn tax_liability(&self, id: String, today: String) -> Result<TaxLiabilityDetail, MmError> {
        one(self.core.taxes().liability(&id, parse_day("today", &today)?))
    }

    /// Pays `amount_grosze` (`None`: the total as of today) of a
    /// liability; the local payment's id, to poll with `tax_payment`.
    pub async fn tax_pay(&self, liability: String, amount_grosze: Option<i64>) -> Result<String, MmError> {
        Ok(self.core.taxes().pay(&liability, amount_grosze).await?)
    }

    pub async fn tax_payment(&self, id: String) -> Result<TaxPaymentState, MmError> {
        one(self.core.taxes().payment(&id).await)
    }

    pub fn tax_payments(&self) -> Result<Vec<TaxPaymentState>, MmError> {
        all(self.core.taxes().payments())
    }

    /// The printable confirmation (HTML) of a paid payment.
    pub async fn tax_receipt(&self, id: String) -> Result<String, MmError> {
        Ok(self.core.taxes().receipt(&id).await?)
    }

    pub fn tax_reminders(&self, today: String) -> Result<Vec<TaxReminder>, MmError> {
        all(self.core.taxes().reminders(parse_day("today", &today)?))
    }

    pub fn tax_reminder_days(&self) -> Result<u32, MmError> {
        Ok(self.core.taxes().reminder_days()?)
    }

    /// 1..=7; anything else is `invalid_input` on `reminder_days`.
    pub fn set_tax_reminder_days(&self, days: u32) -> Result<(), MmError> {
        Ok(self.core.taxes().set_reminder_days(days)?)
    }
}
