//! What `core.taxes()` hands the shells: every figure in grosze beside the
//! text to show (`1 037,00 zł`), kinds and statuses with their names, so
//! Kotlin and Swift format nothing themselves.

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::taxes::{LiabilityKind, LiabilityStatus, LiabilityView, PaymentStatus, Taxpayer};
use serde::Serialize;

use crate::display::{self, Language};

/// The liabilities screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxesScreen {
    /// The day the figures are as of (interest runs to it).
    pub as_of: NaiveDate,
    pub taxpayers: Vec<Taxpayer>,
    /// Oldest effective due date first.
    pub liabilities: Vec<TaxLiabilitySummary>,
    /// What paying everything today settles.
    pub total_grosze: i64,
    pub total_text: String,
    /// Of it, what is past due (arrears and interest).
    pub overdue_grosze: i64,
    pub overdue_text: String,
    /// When the server last stated the liabilities (`None`: never).
    pub fetched_at: Option<DateTime<Utc>>,
    /// "Stan na wt 1 gru 2026, 18:00", or that nothing was fetched yet.
    pub fetched_text: String,
    /// Whether the gmina has a payment gateway (else only the QR).
    pub payments_enabled: bool,
}

/// One liability (an instalment) in the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxLiabilitySummary {
    pub id: String,
    pub taxpayer: String,
    pub taxpayer_name: String,
    pub kind: LiabilityKind,
    /// "Podatek od nieruchomości".
    pub kind_text: String,
    pub year: i32,
    pub instalment: u32,
    /// "2026, rata 1" (or just the year for a single payment).
    pub period_text: String,
    /// As the decision states it.
    pub due_date: NaiveDate,
    /// Moved off a Saturday or a holiday (art. 12 §5 OP).
    pub effective_due_date: NaiveDate,
    /// "termin: pn 16 mar 2026".
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
    /// "Zapłacono", "Zapłacono, czeka na zaksięgowanie", "Po terminie", "Do zapłaty".
    pub status_text: String,
}

/// A payment on a liability as its detail lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxPaymentLine {
    pub date: Option<NaiveDate>,
    pub amount_grosze: i64,
    /// "śr 20 cze 2025: 1 037,00 zł".
    pub text: String,
    /// Booked by the tax system (else paid in the app, waiting).
    pub booked: bool,
}

/// A liability's screen: the figures, the payments and the transfer QR.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxLiabilityDetail {
    pub summary: TaxLiabilitySummary,
    pub decision: String,
    /// The liability's own account (NRB, 26 digits).
    pub account: String,
    /// Grouped for reading: "61 1090 1014 0000 0712 1981 2874".
    pub account_text: String,
    pub recipient_name: String,
    pub transfer_title: String,
    /// Booked and in-app payments, oldest first.
    pub payments: Vec<TaxPaymentLine>,
    /// `NIP|PL|NRB|AMOUNT|NAME|TITLE|||` (ZBP 2D recommendation).
    pub zbp_payload: String,
    /// Whether the QR carries the amount (not above 9 999,99 zł).
    pub amount_in_code: bool,
    /// When it does not: "Kwota 12 000,00 zł nie mieści się w kodzie: wpisz ją w aplikacji banku."
    pub amount_note: Option<String>,
    /// The QR's modules per side (no quiet zone: draw 4 light modules around).
    pub qr_size: u32,
    /// Row-major, `qr_size * qr_size`, `true` = dark.
    pub qr_modules: Vec<bool>,
    /// Something to pay and a gateway to pay it through.
    pub can_pay: bool,
}

/// A payment made on this device, where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxPaymentStatus {
    /// Waiting to reach the server (offline, or the gateway was down).
    Queued,
    /// Registered with the gateway: finish it at `redirect_url`.
    Pending,
    Paid,
    Failed,
    Expired,
    /// The server refused to create it (`error_code` says why).
    Refused,
}

impl TaxPaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxPaymentStatus::Queued => "queued",
            TaxPaymentStatus::Pending => "pending",
            TaxPaymentStatus::Paid => "paid",
            TaxPaymentStatus::Failed => "failed",
            TaxPaymentStatus::Expired => "expired",
            TaxPaymentStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<TaxPaymentStatus> {
        [
            TaxPaymentStatus::Queued,
            TaxPaymentStatus::Pending,
            TaxPaymentStatus::Paid,
            TaxPaymentStatus::Failed,
            TaxPaymentStatus::Expired,
            TaxPaymentStatus::Refused,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn from_wire(s: PaymentStatus) -> TaxPaymentStatus {
        match s {
            PaymentStatus::Pending => TaxPaymentStatus::Pending,
            PaymentStatus::Paid => TaxPaymentStatus::Paid,
            PaymentStatus::Failed => TaxPaymentStatus::Failed,
            PaymentStatus::Expired => TaxPaymentStatus::Expired,
        }
    }

    /// Nothing will change it any more.
    pub fn is_final(self) -> bool {
        matches!(self, TaxPaymentStatus::Paid | TaxPaymentStatus::Failed | TaxPaymentStatus::Expired | TaxPaymentStatus::Refused)
    }

    pub fn label(self, booked: bool, lang: Language) -> &'static str {
        match (self, booked) {
            (TaxPaymentStatus::Queued, _) => lang.pick("Czeka na wysłanie", "Waiting to be sent"),
            (TaxPaymentStatus::Pending, _) => lang.pick("Oczekuje na zapłatę", "Waiting for payment"),
            (TaxPaymentStatus::Paid, true) => lang.pick("Zapłacono", "Paid"),
            (TaxPaymentStatus::Paid, false) => {
                lang.pick("Zapłacono, czeka na zaksięgowanie", "Paid, waiting for the tax office to book it")
            }
            (TaxPaymentStatus::Failed, _) => lang.pick("Płatność nieudana", "Payment failed"),
            (TaxPaymentStatus::Expired, _) => lang.pick("Płatność wygasła", "Payment expired"),
            (TaxPaymentStatus::Refused, _) => lang.pick("Płatność odrzucona", "Payment refused"),
        }
    }
}

/// `payment(id)`: a payment made on this device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxPaymentState {
    /// The local id `pay` returned.
    pub id: String,
    pub liability: String,
    pub amount_grosze: i64,
    pub amount_text: String,
    pub status: TaxPaymentStatus,
    pub status_text: String,
    /// The gateway's page to finish the payment at (while pending).
    pub redirect_url: Option<String>,
    /// The server's id, once it answered.
    pub server_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub booked: bool,
    /// `receipt(id)` answers (paid).
    pub receipt_available: bool,
    /// Why it was refused or why it waits (`gateway_unavailable`, `network`).
    pub error_code: Option<String>,
    pub error_text: Option<String>,
}

/// An instalment to remind of: the shells schedule a local notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaxReminder {
    pub liability: String,
    pub taxpayer: String,
    pub kind: LiabilityKind,
    pub effective_due_date: NaiveDate,
    /// 0 = due today.
    pub days_left: u32,
    pub total_grosze: i64,
    /// "Termin płatności: Podatek od nieruchomości".
    pub title: String,
    /// "Do zapłaty do pn 16 mar 2026 (za 3 dni)": no amount, since a
    /// notification shows on a locked screen.
    pub body: String,
}

// ---- texts ----

pub fn kind_text(kind: LiabilityKind, lang: Language) -> &'static str {
    lang.pick(kind.name_pl(), kind.name_en())
}

pub fn status_text(status: LiabilityStatus, lang: Language) -> &'static str {
    match status {
        LiabilityStatus::Paid => lang.pick("Zapłacono", "Paid"),
        LiabilityStatus::PaidAwaitingBooking => {
            lang.pick("Zapłacono, czeka na zaksięgowanie", "Paid, waiting for the tax office to book it")
        }
        LiabilityStatus::Overdue => lang.pick("Po terminie", "Overdue"),
        LiabilityStatus::Upcoming => lang.pick("Do zapłaty", "To pay"),
    }
}

pub(crate) fn period_text(year: i32, instalment: u32, lang: Language) -> String {
    if instalment == 0 {
        year.to_string()
    } else {
        format!("{year}, {} {instalment}", lang.pick("rata", "instalment"))
    }
}

/// Groups of four after the check digits, as statements print an NRB.
pub(crate) fn account_text(nrb: &str) -> String {
    if nrb.len() != 26 || !nrb.is_ascii() {
        return nrb.to_owned();
    }
    let mut out = nrb[..2].to_owned();
    for chunk in nrb.as_bytes()[2..].chunks(4) {
        out.push(' ');
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

pub(crate) fn summary(v: &LiabilityView, taxpayer_name: &str, lang: Language) -> TaxLiabilitySummary {
    let r = &v.record;
    let money = |g| display::money_text(g, lang);
    TaxLiabilitySummary {
        id: r.id.clone(),
        taxpayer: r.taxpayer.clone(),
        taxpayer_name: taxpayer_name.to_owned(),
        kind: r.kind,
        kind_text: kind_text(r.kind, lang).to_owned(),
        year: r.year,
        instalment: r.instalment,
        period_text: period_text(r.year, r.instalment, lang),
        due_date: r.due_date,
        effective_due_date: v.effective_due_date,
        due_text: format!("{}: {}", lang.pick("termin", "due"), display::date_text(v.effective_due_date, lang)),
        amount_grosze: r.amount_grosze,
        amount_text: money(r.amount_grosze),
        paid_grosze: v.paid_grosze,
        remaining_grosze: v.remaining_grosze,
        interest_grosze: v.interest_grosze,
        interest_text: money(v.interest_grosze),
        total_grosze: v.total_grosze,
        total_text: money(v.total_grosze),
        status: v.status,
        status_text: status_text(v.status, lang).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(account_text("61109010140000071219812874"), "61 1090 1014 0000 0712 1981 2874");
        assert_eq!(period_text(2026, 0, Language::Polish), "2026");
        assert_eq!(period_text(2026, 2, Language::Polish), "2026, rata 2");
        assert_eq!(status_text(LiabilityStatus::PaidAwaitingBooking, Language::Polish), "Zapłacono, czeka na zaksięgowanie");
        assert_eq!(status_text(LiabilityStatus::Overdue, Language::Polish), "Po terminie");
        assert_eq!(status_text(LiabilityStatus::Upcoming, Language::Polish), "Do zapłaty");
        assert_eq!(status_text(LiabilityStatus::Paid, Language::Polish), "Zapłacono");
        for s in ["queued", "pending", "paid", "failed", "expired", "refused"] {
            assert_eq!(TaxPaymentStatus::parse(s).unwrap().as_str(), s);
        }
    }
}
