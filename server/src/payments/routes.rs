//! Payments through the gateway (docs/TAXES.md "Payments"):
//!
//! - `POST /api/v1/taxes/payments` (device, `Idempotency-Key` required):
//!   a pending payment of 1 gr up to the liability's total as of today,
//!   registered with the gateway; the answer carries the payer's
//!   `redirect_url`. A gateway that times out or fails: 502
//!   `gateway_unavailable`, the payment stays pending without a token, and
//!   the app's retry with the same key registers that same payment again
//!   (never a second one).
//! - `GET /api/v1/taxes/payments/{id}` and `.../receipt` (own only).
//! - `POST /api/v1/payments/p24/status?gmina=TERYT`: the gateway's
//!   notification. Its `sign` is checked, then its account, payment and
//!   amount; then `transaction/verify`; only then is the payment paid. A
//!   duplicate, late or out-of-order notification changes nothing; a wrong
//!   sign is refused (400) and logged without personal data; another
//!   amount is refused and the payment flagged for an official.
//! - `GET /taxes/payments/{id}/return?gmina=TERYT`: where the gateway
//!   sends the payer back (the status only).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::taxes::zbp::transfer_title;
use mm_protocol::taxes::{CreatePayment, Payment, PaymentStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::p24::{self, GatewayError, Notification, Registration};
use super::{Gateway, receipt};
use crate::devices::{Device, idempotency};
use crate::error::{ApiResult, AppError, Json, Path};
use crate::state::AppState;
use crate::store::taxes::{NewPayment, PaymentRecord, PaymentUpdate};
use crate::taxes::routes::{liability_view, own_liability, recipient, today};
use crate::tenant::Tenant;

/// The `/api/v1` routes (with their OpenAPI paths).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_payment))
        .routes(routes!(get_payment))
        .routes(routes!(payment_receipt))
        .routes(routes!(status_notification))
}

/// The payer's return page (a browser page, outside `/api/v1`).
pub fn pages() -> axum::Router<AppState> {
    axum::Router::new().route("/taxes/payments/{id}/return", get(return_page))
}

/// The idempotency scope of a device's payments.
pub fn scope(device_id: &str) -> String {
    format!("taxes/payments/{device_id}")
}

fn disabled() -> AppError {
    AppError::new(
        ErrorCode::PaymentsDisabled,
        "Gmina nie przyjmuje płatności online. Zapłać przelewem (kod QR).",
        "The gmina takes no online payments. Pay by transfer (the QR code).",
    )
}

fn gateway_unavailable() -> AppError {
    AppError::new(
        ErrorCode::GatewayUnavailable,
        "Bramka płatności nie odpowiada. Nic nie zostało pobrane; spróbuj ponownie.",
        "The payment gateway did not answer. Nothing was charged; try again.",
    )
}

fn bad_amount(en: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidField,
        "Kwota musi wynosić od 1 grosza do kwoty do zapłaty na dziś.",
        en.to_owned(),
    )
    .with_field("amount_grosze")
}

/// The payment as the app sees it.
pub fn to_wire(state: &AppState, p: &PaymentRecord) -> Payment {
    let gateway = state.payments.as_deref();
    let redirect_url = match (p.status, &p.gateway_token, gateway) {
        (PaymentStatus::Pending, Some(token), Some(g)) => Some(g.client.redirect_url(token)),
        _ => None,
    };
    let receipt_url = (p.status == PaymentStatus::Paid).then(|| {
        format!("{}{}/taxes/payments/{}/receipt", state.public_url.base(), mm_protocol::API_PREFIX, p.id)
    });
    Payment {
        id: p.id.clone(),
        liability: p.liability.clone(),
        amount_grosze: p.amount_grosze,
        status: p.status,
        redirect_url,
        created_at: p.created_at,
        paid_at: p.paid_at,
        booked: p.booked,
        receipt_url,
    }
}

/// Pay (part of) a liability through the gateway. The same key and body
/// answer the first payment (registered again if its registration
/// failed); the same key with another body 409.
#[utoipa::path(post, path = "/taxes/payments", tag = "taxes", request_body = CreatePayment, security(("device" = [])),
    params(("Idempotency-Key" = String, Header, description = "UUID from the app's outbox (required)")),
    responses(
        (status = 201, body = Payment), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, description = "idempotency_conflict", body = ApiError),
        (status = 502, description = "gateway_unavailable: the payment stays pending; retry with the same key", body = ApiError),
        (status = 503, description = "payments_disabled", body = ApiError),
    ))]
pub async fn create_payment(
    Tenant(state): Tenant,
    device: Device,
    headers: HeaderMap,
    Json(input): Json<CreatePayment>,
) -> ApiResult<Response> {
    let key = idempotency::key(&headers, &scope(&device.id), &input)?.ok_or_else(idempotency::required)?;
    // The device's own liability first: another's is 404 whatever the gateway.
    let (record, app_payments) = own_liability(&state, &device, &input.liability).await?;
    let gateway = state.payments.clone().ok_or_else(disabled)?;
    let gmina = state.store.gmina_scope().clone();
    let creds = gateway.credentials_for(&gmina).cloned().ok_or_else(disabled)?;
    if input.amount_grosze < 1 {
        return Err(bad_amount("The amount must be at least 1 grosz."));
    }
    let rules = state.store.tax_rules().await?;
    let recipient = recipient(&state).await?;
    let description = transfer_title(&record);
    // Only the figures matter here; the transfer code is the app's other way.
    let (due, _) = liability_view(record, app_payments, today(&state), &rules, &recipient);
    if input.amount_grosze > due.total_grosze {
        return Err(bad_amount("The amount is more than the total to pay today."));
    }
    let now = state.clock.now();
    let created = state
        .store
        .create_payment(
            NewPayment {
                id: uuid::Uuid::new_v4().to_string(),
                device_id: device.id.clone(),
                liability: input.liability.clone(),
                amount_grosze: input.amount_grosze,
                provider: gateway.provider.to_owned(),
                idempotency_key: key.key,
                request_hash: key.request_hash,
                now,
            },
            None,
        )
        .await?;
    let mut payment = match created {
        Ok(new) => new,
        Err(first) => first,
    };
    if payment.status == PaymentStatus::Pending && payment.gateway_token.is_none() {
        let registration = Registration {
            session_id: payment.id.clone(),
            amount_grosze: payment.amount_grosze,
            description,
            email: creds.email.clone().unwrap_or_else(|| p24::DEFAULT_EMAIL.to_owned()),
            url_return: format!("{}/taxes/payments/{}/return?gmina={gmina}", state.public_url.base(), payment.id),
            url_status: format!("{}{}/payments/p24/status?gmina={gmina}", state.public_url.base(), mm_protocol::API_PREFIX),
            time_limit_minutes: gateway.time_limit_minutes,
        };
        match gateway.client.register(&creds, &registration).await {
            Ok(token) => {
                state.store.update_payment(&payment.id, PaymentUpdate::Registered { token: token.clone() }, state.clock.now()).await?;
                payment.gateway_token = Some(token);
            }
            Err(e) => {
                // The payment id is ours and random; no payer's data here.
                tracing::warn!(payment = %payment.id, error = %e, "payment gateway registration failed; the payment stays pending");
                return Err(gateway_unavailable());
            }
        }
    }
    Ok((StatusCode::CREATED, Json(to_wire(&state, &payment))).into_response())
}

/// One of the device's payments; 404 for any other.
#[utoipa::path(get, path = "/taxes/payments/{id}", tag = "taxes", params(("id" = String, Path)), security(("device" = [])),
    responses((status = 200, body = Payment), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_payment(Tenant(state): Tenant, device: Device, Path(id): Path<String>) -> ApiResult<Json<Payment>> {
    let p = state.store.device_payment(&device.id, &id).await?.ok_or_else(AppError::not_found)?;
    Ok(Json(to_wire(&state, &p)))
}

/// A printable confirmation of a paid payment (text/html); 409 while not paid.
#[utoipa::path(get, path = "/taxes/payments/{id}/receipt", tag = "taxes", params(("id" = String, Path)),
    security(("device" = [])),
    responses((status = 200, content_type = "text/html", body = String), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn payment_receipt(Tenant(state): Tenant, device: Device, Path(id): Path<String>) -> ApiResult<Response> {
    let p = state.store.device_payment(&device.id, &id).await?.ok_or_else(AppError::not_found)?;
    if p.status != PaymentStatus::Paid {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Potwierdzenie będzie dostępne po opłaceniu.",
            "The receipt is available once the payment is paid.",
        ));
    }
    // The liability's title; the device may have unlinked since it paid.
    let title = own_liability(&state, &device, &p.liability).await.ok().map(|(r, _)| transfer_title(&r));
    let gmina = state.gminas.find(state.store.as_ref(), state.store.gmina_scope()).await?;
    let gmina_name = gmina.map(|g| g.name).unwrap_or_default();
    let html = receipt::receipt_html(&gmina_name, title.as_deref(), &p);
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
        html,
    )
        .into_response())
}

/// The gateway's status notification (P24 POSTs it for a successful
/// payment). Answers 200 once the payment is paid (or already was: a
/// duplicate), 400 for a notification refused for good, 502 when
/// `transaction/verify` failed (P24 sends the notification again).
#[utoipa::path(post, path = "/payments/p24/status", tag = "taxes",
    request_body(content = String, description = "Przelewy24's notification (JSON, signed)"),
    responses((status = 200), (status = 400, body = ApiError), (status = 502, body = ApiError), (status = 503, body = ApiError)))]
pub async fn status_notification(Tenant(state): Tenant, body: Bytes) -> ApiResult<StatusCode> {
    let gateway = state.payments.clone().ok_or_else(disabled)?;
    let gmina = state.store.gmina_scope().clone();
    let refused = |en: &str| AppError::new(ErrorCode::InvalidField, "Odrzucone powiadomienie bramki.", format!("Notification refused: {en}"));
    let Ok(n) = serde_json::from_slice::<Notification>(&body) else {
        tracing::warn!(gmina = %gmina, "payments: an unreadable gateway notification was refused");
        return Err(refused("unreadable"));
    };
    let Some(creds) = gateway.credentials_for(&gmina) else {
        tracing::warn!(gmina = %gmina, "payments: a notification for a gmina without a gateway account was refused");
        return Err(refused("no gateway account"));
    };
    if !n.is_authentic(creds) {
        // Forged, or signed for another account: nothing moves. The
        // session id is not echoed (it is whatever the sender chose).
        tracing::warn!(gmina = %gmina, "payments: a notification with a wrong sign was refused (possible forgery)");
        return Err(refused("wrong sign"));
    }
    let Some(payment) = state.store.payment(&n.session_id).await? else {
        tracing::warn!(gmina = %gmina, "payments: a signed notification for an unknown payment was refused");
        return Err(refused("unknown session"));
    };
    let now = state.clock.now();
    if n.currency != p24::CURRENCY || n.amount != payment.amount_grosze || n.origin_amount != payment.amount_grosze {
        tracing::warn!(gmina = %gmina, payment = %payment.id, "payments: a notification for another amount was refused and the payment flagged");
        let reason = format!("notification for another amount (order {})", n.order_id);
        state.store.update_payment(&payment.id, PaymentUpdate::Flag { reason }, now).await?;
        return Err(refused("another amount"));
    }
    match payment.status {
        PaymentStatus::Paid => {
            if payment.gateway_order_id != Some(n.order_id) {
                // A second order for a paid payment: money to give back.
                tracing::warn!(gmina = %gmina, payment = %payment.id, "payments: a second order notified for a paid payment; flagged");
                let reason = format!("second order {} for a paid payment", n.order_id);
                state.store.update_payment(&payment.id, PaymentUpdate::Flag { reason }, now).await?;
            }
            Ok(StatusCode::OK)
        }
        PaymentStatus::Failed | PaymentStatus::Expired => {
            // Not verified, so P24 does not settle it; an official decides.
            tracing::warn!(gmina = %gmina, payment = %payment.id, "payments: a notification after the payment ended; flagged, not verified");
            let reason = format!("order {} notified after the payment was {}", n.order_id, payment.status.as_str());
            state.store.update_payment(&payment.id, PaymentUpdate::Flag { reason }, now).await?;
            Ok(StatusCode::OK)
        }
        PaymentStatus::Pending => {
            verify_and_mark_paid(&state, &gateway, creds, &payment, &n).await?;
            Ok(StatusCode::OK)
        }
    }
}

async fn verify_and_mark_paid(
    state: &AppState,
    gateway: &Gateway,
    creds: &p24::Credentials,
    payment: &PaymentRecord,
    n: &Notification,
) -> ApiResult<()> {
    match gateway.client.verify(creds, &payment.id, n.order_id, payment.amount_grosze).await {
        Ok(()) => {
            let moved = state
                .store
                .update_payment(&payment.id, PaymentUpdate::Paid { order_id: n.order_id, at: state.clock.now() }, state.clock.now())
                .await?;
            if moved {
                tracing::info!(payment = %payment.id, "payments: paid (notification verified)");
            }
            Ok(())
        }
        Err(e) => {
            tracing::warn!(payment = %payment.id, error = %e, "payments: transaction/verify failed; the payment stays pending");
            Err(match e {
                GatewayError::Unavailable(_) => gateway_unavailable(),
                GatewayError::Refused { .. } => AppError::new(
                    ErrorCode::GatewayUnavailable,
                    "Bramka nie potwierdziła płatności.",
                    "The gateway did not confirm the payment.",
                ),
            })
        }
    }
}

/// Where the gateway sends the payer back: the payment's status, nothing
/// else (no amount, no name: anyone holding the URL sees it).
async fn return_page(Tenant(state): Tenant, Path(id): Path<String>) -> Response {
    let status = match state.store.payment(&id).await {
        Ok(Some(p)) => Some(p.status),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "storage failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, Html(receipt::return_html(None))).into_response();
        }
    };
    let code = if status.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    (code, [(header::CACHE_CONTROL, "no-store")], Html(receipt::return_html(status))).into_response()
}
