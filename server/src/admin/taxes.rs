//! The back office's taxes pages (issue 14, docs/TAXES.md "Back office"):
//! what the tax system's imports brought and refused, the dated interest
//! rates and thresholds (an official adds a row when the NBP moves the
//! lombard rate), the taxpayer lookup with each liability's balance as of
//! today and the activation codes, and the payments made in the app with
//! the reconciliation view (paid in the app, not booked by the tax system
//! after N days).
//!
//! Tax data is personal data (art. 293 OP, tax secrecy): only admins and
//! the officials of the gmina's tax department (`tax_department`, default
//! "Podatki i opłaty") open these pages; everyone else gets 403, another
//! gmina's taxpayer 404 (the store is scoped). Every lookup of a taxpayer
//! is in the audit log with the taxpayer's id, never the name (the store's
//! `taxpayer_for_official` and `search_taxpayers` write it). Forms carry
//! the CSRF token like every other page.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::auth::Role;
use mm_protocol::taxes::activation::{CODE_VALID_DAYS, format_code};
use mm_protocol::taxes::{
    Grosze, LiabilityRecord, LiabilityStatus, PaymentStatus, RatePeriod, TaxRules, ThresholdPeriod, statement,
};

use super::html::qenc;
use super::session::Staff;
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx, local};
use crate::state::AppState;
use crate::store::directory::DEFAULT_TAX_DEPARTMENT;
use crate::store::taxes::{PaymentFilter, PaymentRecord, TaxStore};
use crate::taxes::codes::{hash_code, new_code};
use crate::tenant::Tenant;

/// Import runs listed.
const RUNS_SHOWN: u32 = 50;
/// Search results listed.
const SEARCH_LIMIT: u32 = 50;
/// Payments listed per section.
const PAYMENTS_SHOWN: u32 = 200;
/// The reconciliation's default: paid in the app, not booked after 3 days.
const DEFAULT_UNBOOKED_DAYS: i64 = 3;

/// The store's taxes half.
fn taxes(state: &AppState) -> &dyn TaxStore {
    state.store.as_ref()
}

/// The name of the gmina's tax department (its settings' `tax_department`,
/// by default "Podatki i opłaty").
async fn tax_department_name(state: &AppState) -> AdminResult<String> {
    let record = state.gminas.find(state.store.as_ref(), state.store.gmina_scope()).await?;
    Ok(record.map(|g| g.settings.tax_department().trim().to_owned()).unwrap_or_else(|| DEFAULT_TAX_DEPARTMENT.to_owned()))
}

/// Whether an official of `role` in `department` may see tax data: admins,
/// and department officials of the gmina's tax department. Asked once per
/// request by the `Staff` extractor (for the menu); only department
/// officials cost a look-up.
pub async fn may_see_taxes(state: &AppState, role: Role, department: Option<i64>) -> AdminResult<bool> {
    match (role, department) {
        (Role::Admin, _) => Ok(true),
        (Role::Department, Some(mine)) => {
            let name = tax_department_name(state).await?;
            let departments = state.store.list_departments().await?;
            Ok(departments.iter().any(|d| d.id == mine && d.name.trim() == name))
        }
        _ => Ok(false),
    }
}

fn permit(staff: &Staff) -> AdminResult<()> {
    staff.permit(staff.taxes)
}

/// Today in Warsaw: the day balances are stated as of.
fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&LOCAL_TZ).date_naive()
}

/// Grosze as officials read them: `1 037,00 zł`.
pub fn zl(grosze: Grosze) -> String {
    let sign = if grosze < 0 { "−" } else { "" };
    let g = grosze.unsigned_abs();
    let whole = (g / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02}\u{a0}zł", g % 100)
}

/// A rate in basis points as a percentage: `14,50%`.
fn percent(bp: u32) -> String {
    format!("{},{:02}%", bp / 100, bp % 100)
}

fn status_label(lang: Lang, s: LiabilityStatus) -> &'static str {
    match s {
        LiabilityStatus::Paid => lang.t("zapłacone", "paid"),
        LiabilityStatus::PaidAwaitingBooking => lang.t("zapłacone w aplikacji, czeka na zaksięgowanie", "paid in the app, awaiting booking"),
        LiabilityStatus::Upcoming => lang.t("przed terminem", "not yet due"),
        LiabilityStatus::Overdue => lang.t("zaległość", "overdue"),
    }
}

fn payment_status_label(lang: Lang, s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Pending => lang.t("oczekuje", "pending"),
        PaymentStatus::Paid => lang.t("zapłacona", "paid"),
        PaymentStatus::Failed => lang.t("odrzucona", "failed"),
        PaymentStatus::Expired => lang.t("wygasła", "expired"),
    }
}

/// The query string's values.
fn query(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn query_value<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------
// /admin/taxes: import runs and the rate table

struct RunRow {
    at: String,
    source: String,
    created: String,
    updated: String,
    unchanged: u64,
    booked: u64,
    refused: bool,
    errors: Vec<(u64, String)>,
}

struct RateRow {
    from: String,
    rate: String,
}

struct ThresholdRow {
    from: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "admin/taxes.html")]
struct OverviewPage<'a> {
    ctx: PageCtx<'a>,
    runs: Vec<RunRow>,
    rates: Vec<RateRow>,
    thresholds: Vec<ThresholdRow>,
    notice: Option<(String, bool)>,
    /// What the refused form held, to type again.
    rate_form: (String, String),
    threshold_form: (String, String),
    /// The transfers' recipient (name, NIP) and the tax department's name;
    /// shown to everyone with the page, changed by admins only.
    recipient: (String, String, String),
    may_set_recipient: bool,
}

async fn overview_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<(String, bool)>,
    rate_form: (String, String),
    threshold_form: (String, String),
) -> AdminResult<Response> {
    overview_page_with(state, staff, status, notice, rate_form, threshold_form, None).await
}

async fn overview_page_with(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<(String, bool)>,
    rate_form: (String, String),
    threshold_form: (String, String),
    recipient_form: Option<(String, String, String)>,
) -> AdminResult<Response> {
    let t = |pl, en| staff.lang.t(pl, en);
    let runs = taxes(state)
        .import_runs(RUNS_SHOWN)
        .await?
        .into_iter()
        .map(|r| RunRow {
            at: local(r.started_at),
            source: r.source,
            created: format!("{} / {}", r.counts.taxpayers_created, r.counts.liabilities_created),
            updated: format!("{} / {}", r.counts.taxpayers_updated, r.counts.liabilities_updated),
            unchanged: r.counts.unchanged,
            booked: r.counts.payments_booked,
            refused: r.refused,
            errors: r.errors.into_iter().map(|e| (e.line, e.reason)).collect(),
        })
        .collect();
    let rules = taxes(state).tax_rules().await?;
    let rates = rules.rates.iter().rev().map(|r| RateRow { from: r.from.to_string(), rate: percent(r.basis_points) }).collect();
    let thresholds =
        rules.thresholds.iter().rev().map(|r| ThresholdRow { from: r.from.to_string(), amount: zl(r.grosze) }).collect();
    let recipient = match recipient_form {
        Some(typed) => typed,
        None => {
            let settings = state.gminas.find(state.store.as_ref(), state.store.gmina_scope()).await?.map(|g| g.settings).unwrap_or_default();
            (
                settings.tax_recipient_name.clone().unwrap_or_default(),
                settings.tax_recipient_nip.clone().unwrap_or_default(),
                settings.tax_department().to_owned(),
            )
        }
    };
    let ctx = PageCtx::new(staff, "/admin/taxes", t("Podatki i opłaty", "Taxes and fees"));
    let may_set_recipient = staff.is_admin();
    let page = OverviewPage { ctx, runs, rates, thresholds, notice, rate_form, threshold_form, recipient, may_set_recipient };
    Ok(Page::with_status(status, page).into_response())
}

pub async fn overview(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&staff)?;
    overview_page(&state, &staff, StatusCode::OK, None, Default::default(), Default::default()).await
}

/// A day typed as `YYYY-MM-DD`, within reason.
fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok().filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
}

/// A non-negative decimal with at most two decimal places (comma or
/// point) in hundredths: `14,5` → 1450, `8.70` → 870. `None` for a
/// negative number, a third decimal (a fraction of a basis point or of a
/// grosz) or anything else.
pub fn parse_hundredths(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() || whole.len() > 9 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

fn refused(pl: &str, en: &str, lang: Lang) -> Option<(String, bool)> {
    Some((lang.t(pl, en).to_owned(), true))
}

/// `POST /admin/taxes/rates`: a new rate from a day (art. 56 §1 OP: twice
/// the NBP lombard rate plus 2%, from the day it changes, art. 56c).
pub async fn rate_add(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&staff)?;
    let lang = staff.lang;
    let (from_s, rate_s) = (f.text("from").unwrap_or_default(), f.text("rate").unwrap_or_default());
    let form = (from_s.clone(), rate_s.clone());
    let bad = |pl: &str, en: &str| (StatusCode::BAD_REQUEST, refused(pl, en, lang));
    let outcome = match (parse_day(&from_s), parse_hundredths(&rate_s)) {
        (None, _) => Err(bad("Podaj datę w postaci RRRR-MM-DD.", "Enter the date as YYYY-MM-DD.")),
        (_, None) => Err(bad(
            "Stawka to procent z najwyżej dwoma miejscami po przecinku, np. 10,50 (bez ułamków punktu bazowego, nie ujemna).",
            "The rate is a percentage with at most two decimal places, e.g. 10.50 (no fractions of a basis point, not negative).",
        )),
        (Some(from), Some(bp)) => {
            let rules = taxes(&state).tax_rules().await?;
            let period = RatePeriod { from, basis_points: u32::try_from(bp).unwrap_or(u32::MAX) };
            if rules.rates.iter().any(|r| r.from == from) {
                Err((StatusCode::CONFLICT, refused("Stawka od tego dnia już jest w tabeli.", "A rate from that day is already in the table.", lang)))
            } else if (TaxRules { rates: [rules.rates, vec![period]].concat(), thresholds: rules.thresholds }).validated().is_err() {
                Err(bad("To nie jest możliwa stawka odsetek (od 0,01% do 100%).", "That is not a possible interest rate (0.01% to 100%).", ))
            } else {
                Ok(period)
            }
        }
    };
    match outcome {
        Ok(period) => {
            taxes(&state).set_tax_rate(staff.actor(), period, state.clock.now()).await?;
            let notice = Some((lang.t("Dodano stawkę.", "The rate was added.").to_owned(), false));
            overview_page(&state, &staff, StatusCode::OK, notice, Default::default(), Default::default()).await
        }
        Err((status, notice)) => overview_page(&state, &staff, status, notice, form, Default::default()).await,
    }
}

/// `POST /admin/taxes/thresholds`: the amount of interest not charged
/// from a day (art. 54 §1 pkt 5 OP: three times a registered letter's fee).
pub async fn threshold_add(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    permit(&staff)?;
    let lang = staff.lang;
    let (from_s, amount_s) = (f.text("from").unwrap_or_default(), f.text("amount").unwrap_or_default());
    let form = (from_s.clone(), amount_s.clone());
    let bad = |pl: &str, en: &str| (StatusCode::BAD_REQUEST, refused(pl, en, lang));
    let outcome = match (parse_day(&from_s), parse_hundredths(&amount_s)) {
        (None, _) => Err(bad("Podaj datę w postaci RRRR-MM-DD.", "Enter the date as YYYY-MM-DD.")),
        (_, None) => Err(bad(
            "Kwota w złotych z najwyżej dwoma miejscami po przecinku, np. 8,70 (bez ułamków grosza, nie ujemna).",
            "An amount in złoty with at most two decimal places, e.g. 8.70 (no fractions of a grosz, not negative).",
        )),
        (Some(from), Some(grosze)) => {
            let rules = taxes(&state).tax_rules().await?;
            if rules.thresholds.iter().any(|r| r.from == from) {
                Err((StatusCode::CONFLICT, refused("Próg od tego dnia już jest w tabeli.", "A threshold from that day is already in the table.", lang)))
            } else if grosze > 100_000 {
                Err(bad("Próg powyżej 1000 zł nie jest możliwy.", "A threshold above 1,000 zł is not possible."))
            } else {
                Ok(ThresholdPeriod { from, grosze })
            }
        }
    };
    match outcome {
        Ok(period) => {
            taxes(&state).set_tax_threshold(staff.actor(), period, state.clock.now()).await?;
            let notice = Some((lang.t("Dodano próg.", "The threshold was added.").to_owned(), false));
            overview_page(&state, &staff, StatusCode::OK, notice, Default::default(), Default::default()).await
        }
        Err((status, notice)) => overview_page(&state, &staff, status, notice, Default::default(), form).await,
    }
}

/// Longest recipient name kept (the transfer code shows its first 20
/// characters; the receipt and the app show it whole).
const RECIPIENT_NAME_MAX: usize = 100;

/// `POST /admin/taxes/recipient` (admins): who the transfers go to, as the
/// ZBP code and the receipts name it (the gmina's NIP: without a valid one
/// no transfer code can be made), and which department handles taxes (its
/// officials get these pages). Deployment wiring such as the tax system's
/// URL stays in the server's configuration, not in a web form.
pub async fn recipient_set(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let typed = (
        f.text("name").unwrap_or_default().trim().to_owned(),
        f.text("nip").unwrap_or_default().trim().to_owned(),
        f.text("department").unwrap_or_default().trim().to_owned(),
    );
    let bad = |pl: &str, en: &str| refused(pl, en, lang);
    let nip = mm_protocol::taxes::checksums::normalise_nip(&typed.1);
    let problem = if typed.0.is_empty() || typed.0.chars().count() > RECIPIENT_NAME_MAX || typed.0.chars().any(char::is_control) {
        bad("Podaj nazwę odbiorcy (najwyżej 100 znaków).", "Enter the recipient's name (at most 100 characters).")
    } else if nip.is_none() {
        bad("To nie jest poprawny NIP (10 cyfr z cyfrą kontrolną).", "That is not a valid NIP (10 digits with the check digit).")
    } else if typed.2.is_empty() || typed.2.chars().count() > RECIPIENT_NAME_MAX || typed.2.chars().any(char::is_control) {
        bad("Podaj nazwę wydziału podatków (najwyżej 100 znaków).", "Enter the tax department's name (at most 100 characters).")
    } else {
        None
    };
    if problem.is_some() {
        return overview_page_with(&state, &staff, StatusCode::BAD_REQUEST, problem, Default::default(), Default::default(), Some(typed)).await;
    }
    let gmina = state.store.gmina_scope().clone();
    let Some(mut record) = state.store.gmina_record(&gmina).await? else {
        return Err(AdminError::not_found("Nie ma takiej gminy.", "No such gmina."));
    };
    record.settings.tax_recipient_name = Some(typed.0);
    record.settings.tax_recipient_nip = nip;
    record.settings.tax_department = Some(typed.2);
    state.store.update_gmina(staff.actor(), record, state.clock.now()).await?;
    state.gminas.invalidate();
    let notice = Some((lang.t("Zapisano odbiorcę przelewów.", "The transfers' recipient was saved.").to_owned(), false));
    overview_page(&state, &staff, StatusCode::OK, notice, Default::default(), Default::default()).await
}

// ---------------------------------------------------------------------------
// /admin/taxes/taxpayers?q=: the lookup

#[derive(Template)]
#[template(path = "admin/taxes_taxpayers.html")]
struct SearchPage<'a> {
    ctx: PageCtx<'a>,
    q: String,
    /// `None` before a search.
    found: Option<Vec<(String, String, String)>>,
}

pub async fn taxpayers(Tenant(state): Tenant, staff: Staff, RawQuery(raw): RawQuery) -> AdminResult<Response> {
    permit(&staff)?;
    let q = query(raw.as_deref());
    let text = query_value(&q, "q").unwrap_or_default().chars().take(100).collect::<String>();
    let found = if text.is_empty() {
        None
    } else {
        let list = taxes(&state).search_taxpayers(staff.actor(), &text, SEARCH_LIMIT, state.clock.now()).await?;
        Some(list.into_iter().map(|t| (format!("/admin/taxes/taxpayers/{}", qenc(&t.id)), t.id, t.name)).collect())
    };
    let ctx = PageCtx::new(&staff, "/admin/taxes/taxpayers", staff.lang.t("Podatnicy", "Taxpayers"));
    Ok(Page::ok(SearchPage { ctx, q: text, found }).into_response())
}

// ---------------------------------------------------------------------------
// /admin/taxes/taxpayers/{id}: one taxpayer

struct LiabilityRow {
    id: String,
    kind: &'static str,
    period: String,
    decision: String,
    due: String,
    effective_due: String,
    amount: String,
    paid: String,
    remaining: String,
    interest: String,
    total: String,
    status_key: &'static str,
    status: &'static str,
    account: String,
    booked: Vec<String>,
}

struct PaymentRow {
    id: String,
    liability: String,
    amount: String,
    status: &'static str,
    status_key: &'static str,
    provider: String,
    order_id: String,
    flag: String,
    booked: bool,
    created: String,
    paid: String,
}

fn payment_row(lang: Lang, p: PaymentRecord) -> PaymentRow {
    PaymentRow {
        amount: zl(p.amount_grosze),
        status: payment_status_label(lang, p.status),
        status_key: p.status.as_str(),
        provider: p.provider,
        order_id: p.gateway_order_id.map(|o| o.to_string()).unwrap_or_default(),
        flag: p.flag.unwrap_or_default(),
        booked: p.booked,
        created: local(p.created_at),
        paid: p.paid_at.map(local).unwrap_or_default(),
        liability: p.liability,
        id: p.id,
    }
}

#[derive(Template)]
#[template(path = "admin/taxes_taxpayer.html")]
struct TaxpayerPage<'a> {
    ctx: PageCtx<'a>,
    id: String,
    /// For the forms' addresses.
    id_path: String,
    name: String,
    as_of: String,
    liabilities: Vec<LiabilityRow>,
    totals: (String, String, String),
    payments: Vec<PaymentRow>,
    /// A code issued just now: shown this once, never stored readable.
    code: Option<(String, String)>,
    notice: Option<(String, bool)>,
}

async fn taxpayer_page(
    state: &AppState,
    staff: &Staff,
    id: &str,
    code: Option<(String, String)>,
    notice: Option<(String, bool)>,
) -> AdminResult<Response> {
    let lang = staff.lang;
    let now = state.clock.now();
    let Some((taxpayer, records, payments)) = taxes(state).taxpayer_for_official(staff.actor(), id, now).await? else {
        return Err(AdminError::not_found("Nie ma takiego podatnika.", "No such taxpayer."));
    };
    let rules = taxes(state).tax_rules().await?;
    let as_of = today(now);
    let mut records: Vec<LiabilityRecord> = records;
    records.sort_by_key(|r| (r.year, r.due_date, r.kind, r.instalment));
    let (mut remaining, mut interest, mut total) = (0, 0, 0);
    let liabilities = records
        .into_iter()
        .map(|r| {
            let app: Vec<_> = payments.iter().filter(|p| p.liability == r.id).map(PaymentRecord::summary).collect();
            let s = statement(&r, &app, as_of, &rules);
            remaining += s.remaining_grosze;
            interest += s.interest_grosze;
            total += s.total_grosze;
            LiabilityRow {
                kind: lang.t(r.kind.name_pl(), r.kind.name_en()),
                period: if r.instalment == 0 {
                    format!("{} ({})", r.year, lang.t("jednorazowo", "single payment"))
                } else {
                    format!("{}, {} {}", r.year, lang.t("rata", "instalment"), r.instalment)
                },
                due: r.due_date.to_string(),
                effective_due: s.effective_due_date.to_string(),
                amount: zl(r.amount_grosze),
                paid: zl(s.paid_grosze),
                remaining: zl(s.remaining_grosze),
                interest: zl(s.interest_grosze),
                total: zl(s.total_grosze),
                status_key: match s.status {
                    LiabilityStatus::Paid => "paid",
                    LiabilityStatus::PaidAwaitingBooking => "paid_awaiting_booking",
                    LiabilityStatus::Upcoming => "upcoming",
                    LiabilityStatus::Overdue => "overdue",
                },
                status: status_label(lang, s.status),
                booked: r.payments.iter().map(|p| format!("{}: {}", p.date, zl(p.amount_grosze))).collect(),
                decision: r.decision,
                account: r.account,
                id: r.id,
            }
        })
        .collect();
    let payments = payments.into_iter().map(|p| payment_row(lang, p)).collect();
    let ctx = PageCtx::new(staff, format!("/admin/taxes/taxpayers/{}", qenc(id)), lang.t("Podatnik", "Taxpayer")).wide();
    Ok(Page::ok(TaxpayerPage {
        ctx,
        id_path: qenc(&taxpayer.id),
        id: taxpayer.id,
        name: taxpayer.name,
        as_of: as_of.to_string(),
        liabilities,
        totals: (zl(remaining), zl(interest), zl(total)),
        payments,
        code,
        notice,
    })
    .into_response())
}

pub async fn taxpayer(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>) -> AdminResult<Response> {
    permit(&staff)?;
    taxpayer_page(&state, &staff, &id, None, None).await
}

/// `POST /admin/taxes/taxpayers/{id}/code`: a fresh activation code
/// (replacing the unused ones), shown on the answer once.
pub async fn code_issue(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>, body: Bytes) -> AdminResult<Response> {
    staff.posted(&body)?;
    permit(&staff)?;
    let now = state.clock.now();
    let code = new_code();
    let expires = now + Duration::days(CODE_VALID_DAYS);
    match taxes(&state).issue_activation_code(staff.actor(), &id, &hash_code(state.store.gmina_scope(), &code), expires, now).await {
        Ok(()) => {}
        Err(crate::store::StoreError::NotFound) => {
            return Err(AdminError::not_found("Nie ma takiego podatnika.", "No such taxpayer."));
        }
        Err(e) => return Err(e.into()),
    }
    let shown = (format_code(&code), expires.with_timezone(&LOCAL_TZ).format("%Y-%m-%d").to_string());
    taxpayer_page(&state, &staff, &id, Some(shown), None).await
}

/// `POST /admin/taxes/taxpayers/{id}/revoke`: unused codes revoked, every
/// device unlinked (a lost phone, a code handed to the wrong person).
pub async fn codes_revoke(Tenant(state): Tenant, staff: Staff, Path(id): Path<String>, body: Bytes) -> AdminResult<Response> {
    staff.posted(&body)?;
    permit(&staff)?;
    match taxes(&state).revoke_activation_codes(staff.actor(), &id, state.clock.now()).await {
        Ok(()) => {}
        Err(crate::store::StoreError::NotFound) => {
            return Err(AdminError::not_found("Nie ma takiego podatnika.", "No such taxpayer."));
        }
        Err(e) => return Err(e.into()),
    }
    let notice = Some((
        staff
            .lang
            .t("Kody unieważniono, urządzenia odłączono.", "The codes were revoked and the devices unlinked.")
            .to_owned(),
        false,
    ));
    taxpayer_page(&state, &staff, &id, None, notice).await
}

// ---------------------------------------------------------------------------
// /admin/taxes/payments: the app's payments and the reconciliation

#[derive(Template)]
#[template(path = "admin/taxes_payments.html")]
struct PaymentsPage<'a> {
    ctx: PageCtx<'a>,
    days: i64,
    statuses: Vec<(&'static str, &'static str, bool)>,
    unbooked: Vec<PaymentRow>,
    unbooked_caption: String,
    flagged: Vec<PaymentRow>,
    recent: Vec<PaymentRow>,
}

pub async fn payments(Tenant(state): Tenant, staff: Staff, RawQuery(raw): RawQuery) -> AdminResult<Response> {
    permit(&staff)?;
    let lang = staff.lang;
    let q = query(raw.as_deref());
    let days = match query_value(&q, "days") {
        None => DEFAULT_UNBOOKED_DAYS,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (0..=365).contains(&n) => n,
            _ => {
                return Err(AdminError::bad_request(
                    "Liczba dni to liczba całkowita od 0 do 365.",
                    "The number of days is a whole number from 0 to 365.",
                ));
            }
        },
    };
    let status = match query_value(&q, "status") {
        None => None,
        Some(s) => Some(PaymentStatus::parse(s).ok_or_else(|| AdminError::bad_request("Nieznany status.", "Unknown status."))?),
    };
    let now = state.clock.now();
    let store = taxes(&state);
    let rows = |list: Vec<PaymentRecord>| list.into_iter().map(|p| payment_row(lang, p)).collect::<Vec<_>>();
    let unbooked = rows(
        store
            .payments(PaymentFilter {
                status: Some(PaymentStatus::Paid),
                unbooked_paid_before: Some(now - Duration::days(days)),
                flagged_only: false,
                limit: PAYMENTS_SHOWN,
            })
            .await?,
    );
    let flagged = rows(store.payments(PaymentFilter { flagged_only: true, limit: PAYMENTS_SHOWN, ..Default::default() }).await?);
    let recent = rows(store.payments(PaymentFilter { status, limit: PAYMENTS_SHOWN, ..Default::default() }).await?);
    let statuses = [PaymentStatus::Pending, PaymentStatus::Paid, PaymentStatus::Failed, PaymentStatus::Expired]
        .into_iter()
        .map(|s| (s.as_str(), payment_status_label(lang, s), Some(s) == status))
        .collect();
    let ctx = PageCtx::new(&staff, "/admin/taxes/payments", lang.t("Płatności", "Payments")).wide();
    Ok(Page::ok(PaymentsPage {
        ctx,
        days,
        statuses,
        unbooked,
        unbooked_caption: match lang {
            Lang::Pl => format!("Zapłacone w aplikacji, niezaksięgowane przez system podatkowy po {days} dniach"),
            Lang::En => format!("Paid in the app, not booked by the tax system after {days} days"),
        },
        flagged,
        recent,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_the_polish_way() {
        assert_eq!(zl(103_700), "1\u{a0}037,00\u{a0}zł");
        assert_eq!(zl(5), "0,05\u{a0}zł");
        assert_eq!(zl(1_125_000), "11\u{a0}250,00\u{a0}zł");
        assert_eq!(zl(-870), "−8,70\u{a0}zł");
        assert_eq!(percent(1450), "14,50%");
    }

    #[test]
    fn rates_and_amounts_are_whole_hundredths() {
        assert_eq!(parse_hundredths("14,5"), Some(1450));
        assert_eq!(parse_hundredths("8.70"), Some(870));
        assert_eq!(parse_hundredths("12"), Some(1200));
        for bad in ["14,505", "-1", "1e3", "", ",5", "14.", "abc", "1 000"] {
            assert_eq!(parse_hundredths(bad), None, "{bad}");
        }
    }
}
