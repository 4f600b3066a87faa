//! `/api/v1/taxes/...`: a resident's view of what their household owes
//! (docs/TAXES.md). A device sees only the taxpayers it was linked to by
//! an activation code; any other id is 404, an unlinked device gets empty
//! lists. Balances are computed here with the same rules the app uses
//! offline (`mm_protocol::taxes::view`), with the gmina's own rates.
//!
//! Nothing of a taxpayer (name, figures, code) is logged or put in an
//! error text. The seam for login.gov.pl (Węzeł Krajowy) later is `link`:
//! another way to prove who one is that ends in the same device link.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::taxes::activation::normalise_code;
use mm_protocol::taxes::{
    LiabilitiesResponse, LiabilityRecord, LiabilityView, LinkRequest, TaxRecipient, TaxRules, Taxpayer, ZbpCode, statement, view,
};
use mm_protocol::taxes::AppPaymentSummary;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::codes::hash_code;
use crate::devices::Device;
use crate::error::{ApiResult, AppError, Json, Path, Query};
use crate::state::AppState;
use crate::store::taxes::LinkOutcome;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(link, unlink_all))
        .routes(routes!(unlink_one))
        .routes(routes!(taxpayers))
        .routes(routes!(liabilities))
        .routes(routes!(liability))
        .routes(routes!(rules))
}

/// `?as_of=YYYY-MM-DD` (default: today in Warsaw).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// The day the balance and interest are computed for, `YYYY-MM-DD`.
    pub as_of: Option<String>,
}

/// The day asked for, strictly `YYYY-MM-DD` (no time, no other format);
/// `today` without one.
pub fn parse_as_of(as_of: Option<&str>, today: NaiveDate) -> ApiResult<NaiveDate> {
    match as_of {
        None => Ok(today),
        Some(s) => {
            let bytes = s.as_bytes();
            let shaped = bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-';
            shaped
                .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .flatten()
                .filter(|d| (1990..=2200).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| AppError::invalid_query("as_of", "as_of must be a date YYYY-MM-DD."))
        }
    }
}

/// Today in Warsaw (deadlines and interest days are Polish days).
pub fn today(state: &AppState) -> NaiveDate {
    state.clock.now().with_timezone(&mm_protocol::LOCAL_TZ).date_naive()
}

/// The gmina as the transfers' recipient (its settings; the gmina's name
/// when the settings do not say).
pub async fn recipient(state: &AppState) -> ApiResult<TaxRecipient> {
    let gmina = state.store.gmina_scope().clone();
    let record = state.gminas.find(state.store.as_ref(), &gmina).await?;
    let (name, nip) = match record {
        Some(g) => (
            g.settings.tax_recipient_name.clone().unwrap_or_else(|| format!("Gmina {}", g.name)),
            g.settings.tax_recipient_nip.clone().unwrap_or_default(),
        ),
        None => ("Gmina".to_owned(), String::new()),
    };
    Ok(TaxRecipient { name, nip })
}

/// One liability as of `as_of`, with the gmina's rules and recipient.
/// When no transfer code can be made (the gmina's NIP is not configured,
/// or the tax system sent an account that does not check) the figures
/// are still answered, with an empty `zbp.payload` (the app then shows no
/// QR), and why beside it, for the caller's one warning per request
/// ([`warn_no_qr`]): a log line per liability would flood the log.
pub fn liability_view(
    record: LiabilityRecord,
    payments: Vec<AppPaymentSummary>,
    as_of: NaiveDate,
    rules: &TaxRules,
    recipient: &TaxRecipient,
) -> (LiabilityView, Option<String>) {
    match view(record.clone(), payments.clone(), as_of, rules, recipient) {
        Ok(v) => (v, None),
        Err(e) => {
            let s = statement(&record, &payments, as_of, rules);
            let mut app_payments = payments;
            app_payments.sort_by(|a, b| b.paid_on.cmp(&a.paid_on).then(b.id.cmp(&a.id)));
            let v = LiabilityView {
                record,
                app_payments,
                effective_due_date: s.effective_due_date,
                paid_grosze: s.paid_grosze,
                remaining_grosze: s.remaining_grosze,
                interest_grosze: s.interest_grosze,
                total_grosze: s.total_grosze,
                status: s.status,
                zbp: ZbpCode { payload: String::new(), amount_grosze: None },
            };
            (v, Some(e.to_string()))
        }
    }
}

/// The operator's warning of a request that answered liabilities without a
/// transfer code: how many and the first reason (no personal data in it).
pub fn warn_no_qr(without_qr: usize, reason: Option<&str>) {
    if let Some(reason) = reason {
        tracing::warn!(without_qr, error = reason, "no transfer QR code for liabilities; check the gmina's tax_recipient_nip and the import's accounts");
    }
}

fn invalid_code() -> AppError {
    AppError::new(
        ErrorCode::InvalidActivationCode,
        "Nieprawidłowy, wygasły albo już użyty kod aktywacyjny.",
        "The activation code is wrong, expired or already used.",
    )
    .with_field("code")
}

fn locked(retry_after_secs: i64) -> Response {
    let mut r = AppError::new(
        ErrorCode::ActivationLocked,
        "Za dużo błędnych kodów. Spróbuj ponownie za kilkanaście minut.",
        "Too many wrong codes. Try again in a quarter of an hour.",
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Links this device with the taxpayer of an activation code (printed on
/// the tax decision or handed out at the office). One answer for an
/// unknown, expired or used code; 5 wrong codes within 15 minutes lock the
/// device for 15 minutes (429 with `Retry-After`, nothing linked).
#[utoipa::path(post, path = "/taxes/link", tag = "taxes", request_body = LinkRequest, security(("device" = [])),
    responses(
        (status = 200, body = Taxpayer), (status = 400, description = "invalid_activation_code", body = ApiError),
        (status = 401, body = ApiError), (status = 429, description = "activation_locked, with Retry-After", body = ApiError),
    ))]
pub async fn link(Tenant(state): Tenant, device: Device, Json(input): Json<LinkRequest>) -> ApiResult<Response> {
    // A malformed code counts as a wrong one: it is looked up (and fails)
    // like any other, so the lock-out sees every try.
    let code = normalise_code(&input.code).unwrap_or_else(|| "-".to_owned());
    let hash = hash_code(state.store.gmina_scope(), &code);
    let now = state.clock.now();
    match state.store.link_device(&device.id, &hash, now).await? {
        LinkOutcome::Linked(t) => Ok(Json(t).into_response()),
        LinkOutcome::Invalid { .. } => Err(invalid_code()),
        LinkOutcome::Locked { until } => Ok(locked((until - now).num_seconds())),
    }
}

/// Unlinks this device from every taxpayer (its copy of their data goes
/// with it on the device).
#[utoipa::path(delete, path = "/taxes/link", tag = "taxes", security(("device" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn unlink_all(Tenant(state): Tenant, device: Device) -> ApiResult<StatusCode> {
    state.store.unlink_device(&device.id, None, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unlinks this device from one taxpayer; 204 whether or not it was
/// linked (the answer does not tell which taxpayers exist).
#[utoipa::path(delete, path = "/taxes/link/{taxpayer}", tag = "taxes", params(("taxpayer" = String, Path)),
    security(("device" = [])), responses((status = 204), (status = 401, body = ApiError)))]
pub async fn unlink_one(Tenant(state): Tenant, device: Device, Path(taxpayer): Path<String>) -> ApiResult<StatusCode> {
    state.store.unlink_device(&device.id, Some(&taxpayer), state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The taxpayers this device is linked to.
#[utoipa::path(get, path = "/taxes/taxpayers", tag = "taxes", security(("device" = [])),
    responses((status = 200, body = Vec<Taxpayer>), (status = 401, body = ApiError)))]
pub async fn taxpayers(Tenant(state): Tenant, device: Device) -> ApiResult<Json<Vec<Taxpayer>>> {
    Ok(Json(state.store.device_taxpayers(&device.id).await?))
}

/// Every liability of the device's taxpayers with its balance and
/// interest as of `as_of` (default today), oldest effective due date
/// first, with the rules and recipient the app recomputes with offline.
#[utoipa::path(get, path = "/taxes/liabilities", tag = "taxes", params(AsOfQuery), security(("device" = [])),
    responses((status = 200, body = LiabilitiesResponse), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn liabilities(
    Tenant(state): Tenant,
    device: Device,
    Query(q): Query<AsOfQuery>,
) -> ApiResult<Json<LiabilitiesResponse>> {
    let as_of = parse_as_of(q.as_of.as_deref(), today(&state))?;
    let rules = state.store.tax_rules().await?;
    let recipient = recipient(&state).await?;
    let taxpayers = state.store.device_taxpayers(&device.id).await?;
    let mut views = Vec::new();
    let (mut without_qr, mut reason) = (0, None);
    if !taxpayers.is_empty() {
        for (record, payments) in state.store.device_liabilities(&device.id, None).await? {
            let (v, no_qr) = liability_view(record, payments, as_of, &rules, &recipient);
            if no_qr.is_some() {
                without_qr += 1;
                reason = reason.or(no_qr);
            }
            views.push(v);
        }
    }
    warn_no_qr(without_qr, reason.as_deref());
    views.sort_by(|a, b| {
        (a.effective_due_date, &a.record.taxpayer, &a.record.id).cmp(&(b.effective_due_date, &b.record.taxpayer, &b.record.id))
    });
    let payments_enabled = state.payments.as_ref().is_some_and(|g| g.credentials_for(state.store.gmina_scope()).is_some());
    Ok(Json(LiabilitiesResponse { as_of, recipient, rules, taxpayers, liabilities: views, payments_enabled }))
}

/// One of the device's liabilities as of `as_of`; 404 for any other id.
#[utoipa::path(get, path = "/taxes/liabilities/{id}", tag = "taxes", params(("id" = String, Path), AsOfQuery),
    security(("device" = [])),
    responses((status = 200, body = LiabilityView), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn liability(
    Tenant(state): Tenant,
    device: Device,
    Path(id): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> ApiResult<Json<LiabilityView>> {
    let as_of = parse_as_of(q.as_of.as_deref(), today(&state))?;
    let (record, payments) = own_liability(&state, &device, &id).await?;
    let rules = state.store.tax_rules().await?;
    let recipient = recipient(&state).await?;
    let (v, no_qr) = liability_view(record, payments, as_of, &rules, &recipient);
    warn_no_qr(1, no_qr.as_deref());
    Ok(Json(v))
}

/// The device's own liability, else 404.
pub async fn own_liability(
    state: &AppState,
    device: &Device,
    id: &str,
) -> ApiResult<(LiabilityRecord, Vec<AppPaymentSummary>)> {
    state
        .store
        .device_liabilities(&device.id, Some(id))
        .await?
        .into_iter()
        .find(|(r, _)| r.id == id)
        .ok_or_else(AppError::not_found)
}

/// The gmina's interest rates and thresholds (dated), public.
#[utoipa::path(get, path = "/taxes/rules", tag = "taxes", responses((status = 200, body = TaxRules)))]
pub async fn rules(Tenant(state): Tenant) -> ApiResult<Json<TaxRules>> {
    Ok(Json(state.store.tax_rules().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_is_strict() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(parse_as_of(None, today).unwrap(), today);
        assert_eq!(parse_as_of(Some("2025-06-20"), today).unwrap(), NaiveDate::from_ymd_opt(2025, 6, 20).unwrap());
        for bad in ["2025-6-20", "20.06.2025", "2025-02-30", "2025-06-20T00:00:00Z", "", " 2025-06-20", "+2025-06-2", "1066-10-14"] {
            assert!(parse_as_of(Some(bad), today).is_err(), "{bad}");
        }
    }
}
