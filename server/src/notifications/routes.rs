//! `/api/v1/notifications/...` and `/api/v1/push/registration`: a device's
//! own subscription, push registration and feed (device token; a device
//! reaches only its own rows, in its own gmina).
//!
//! Both PUTs replace the whole resource, so a retried PUT is harmless
//! (RFC 9110 §9.2.2: PUT is idempotent) and the core's outbox sends them
//! in order, the last one winning; a read mark is a set operation, the
//! same. None of them needs an `Idempotency-Key`. Tokens, endpoints and
//! keys are never logged (`PushRegistration`'s `Debug` redacts them).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mm_protocol::error::ApiError;
use mm_protocol::notifications::wire::FEED_READ_MAX;
use mm_protocol::notifications::{
    Area, FeedPage, FeedRead, Lang, PushRegistration, Subscription, SubscriptionPut,
};
use mm_protocol::validation::{FieldError, Validate};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::devices::Device;
use crate::error::{ApiResult, AppError, Json, Query};
use crate::state::AppState;
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_subscription, put_subscription))
        .routes(routes!(put_registration, delete_registration))
        .routes(routes!(feed))
        .routes(routes!(mark_read))
}

/// Most feed items in one page, and the default.
pub const FEED_PAGE_MAX: u32 = 500;
pub const FEED_PAGE_DEFAULT: u32 = 100;

/// The device's subscription; a device that never set one has the
/// default (every topic, the whole gmina, no quiet hours).
#[utoipa::path(get, path = "/notifications/subscription", tag = "notifications", security(("device" = [])),
    responses((status = 200, body = Subscription), (status = 401, body = ApiError)))]
pub async fn get_subscription(Tenant(state): Tenant, device: Device) -> ApiResult<Json<Subscription>> {
    let sub = state.store.subscription(&device.id).await?;
    Ok(Json(sub.unwrap_or_else(|| Subscription::new_device(Lang::Pl))))
}

/// Replaces the device's subscription: `alerts` must be among the topics
/// (alerts cannot be turned off in the app), at most 20 areas, radii of
/// 100 m to 20 km, localities of this gmina (400 `invalid_field` naming
/// the field otherwise, nothing changed).
#[utoipa::path(put, path = "/notifications/subscription", tag = "notifications", request_body = SubscriptionPut,
    security(("device" = [])),
    responses((status = 200, body = Subscription), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn put_subscription(
    Tenant(state): Tenant,
    device: Device,
    Json(input): Json<SubscriptionPut>,
) -> ApiResult<Json<Subscription>> {
    input.validate()?;
    localities_are_the_gminas(&state, &input.areas).await?;
    state.store.put_subscription(&device.id, input.clone(), state.clock.now()).await?;
    tracing::info!(gmina = %state.store.gmina_scope(), topics = input.topics.len(), areas = input.areas.len(), "subscription set");
    Ok(Json(input))
}

/// Sets how the server reaches the device: an APNs or FCM token, or a Web
/// Push (UnifiedPush) subscription. A Web Push endpoint must be https and
/// not name a private or loopback address (SSRF); 204.
#[utoipa::path(put, path = "/push/registration", tag = "notifications", request_body = PushRegistration,
    security(("device" = [])),
    responses((status = 204), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn put_registration(
    Tenant(state): Tenant,
    device: Device,
    Json(input): Json<PushRegistration>,
) -> ApiResult<Response> {
    input.validate_with(state.push_endpoints)?;
    // The shape was checked above; a key that is not a point on P-256
    // would fail every send (RFC 8291 §3.1), so it is refused now.
    if let PushRegistration::WebPush { p256dh, auth, .. } = &input {
        crate::push::webpush::check_subscription_keys(p256dh, auth).map_err(|_| {
            FieldError::new(
                "p256dh",
                "Klucz p256dh nie jest punktem krzywej P-256.",
                "p256dh is not a point on the P-256 curve.",
            )
        })?;
    }
    let reg = input.normalised();
    let transport = reg.transport();
    state.store.put_push_registration(&device.id, reg, state.clock.now()).await?;
    tracing::info!(gmina = %state.store.gmina_scope(), transport = transport.as_str(), "push registration set");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Stops pushes to the device (its feed stays); 204 whether or not it had
/// a registration.
#[utoipa::path(delete, path = "/push/registration", tag = "notifications", security(("device" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn delete_registration(Tenant(state): Tenant, device: Device) -> ApiResult<Response> {
    state.store.delete_push_registration(&device.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_cursor` of the previous page; none for the first.
    pub after: Option<String>,
    /// 1 to 500, default 100.
    pub limit: Option<u32>,
}

/// Every notification the device was sent, pushed or not, oldest first
/// after the cursor.
#[utoipa::path(get, path = "/notifications/feed", tag = "notifications", params(FeedQuery), security(("device" = [])),
    responses((status = 200, body = FeedPage), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn feed(Tenant(state): Tenant, device: Device, Query(q): Query<FeedQuery>) -> ApiResult<Json<FeedPage>> {
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| AppError::invalid_query("after", "not a cursor"))?,
    };
    let limit = q.limit.unwrap_or(FEED_PAGE_DEFAULT);
    if !(1..=FEED_PAGE_MAX).contains(&limit) {
        return Err(AppError::invalid_query("limit", "limit is 1 to 500"));
    }
    let (items, more) = state.store.feed(&device.id, after, limit).await?;
    let next_cursor = items.last().map_or(after, |(cursor, _)| *cursor).to_string();
    Ok(Json(FeedPage { items: items.into_iter().map(|(_, item)| item).collect(), next_cursor, more }))
}

/// These notifications were opened on the device (ids not in its feed are
/// ignored); 204.
#[utoipa::path(post, path = "/notifications/feed/read", tag = "notifications", request_body = FeedRead,
    security(("device" = [])),
    responses((status = 204), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn mark_read(Tenant(state): Tenant, device: Device, Json(input): Json<FeedRead>) -> ApiResult<Response> {
    input.validate()?;
    debug_assert!(input.ids.len() <= FEED_READ_MAX);
    state.store.mark_read(&device.id, input.ids, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// 400 naming the first area whose locality is not this gmina's.
pub(super) async fn localities_are_the_gminas(state: &AppState, areas: &[Area]) -> ApiResult<()> {
    let (_, localities) = state.store.gmina().await?;
    for (i, a) in areas.iter().enumerate() {
        if let Area::Locality { id } = a
            && !localities.iter().any(|l| l.id == *id)
        {
            return Err(FieldError::new(
                format!("areas[{i}].id"),
                "Nie ma takiej miejscowości w gminie.",
                "No such locality in the gmina.",
            )
            .into());
        }
    }
    Ok(())
}
