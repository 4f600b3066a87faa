//! `/api/v1/notifications` for officials (admins and editors, as news):
//! send a notification now or at a time, and list what was sent with its
//! deliveries. The back office's form is the same call; this is the route
//! for scripts (`mm-server`'s own API, the demo).
//!
//! A draft is checked whole before anything is stored (texts, link, topic
//! and category, areas of this gmina, a payload every push service takes,
//! a send time from now to a year ahead); the notification and its fan-out
//! job are then stored in one transaction.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::notifications::{Link, NotificationClass, NotificationDraft, Target};
use mm_protocol::validation::{FieldError, Validate};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::fanout::FanOutJob;
use crate::auth::extract::Official;
use crate::error::{ApiResult, AppError, Json};
use crate::state::AppState;
use crate::store::notifications::{NewNotification, StoredNotification};
use crate::tenant::Tenant;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, send))
}

/// How far ahead a notification may be set to go.
pub const SEND_AHEAD_MAX_DAYS: i64 = 366;

/// A notification as officials see it: what, to whom, when, and how its
/// deliveries stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SentNotification {
    pub id: i64,
    pub class: NotificationClass,
    pub target: Target,
    pub title: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    pub send_at: DateTime<Utc>,
    /// `scheduled`, `sent` or `cancelled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipients: Option<u32>,
    pub pending: u32,
    pub delivered: u32,
    pub failed: u32,
    pub dead: u32,
    /// Devices without push: the feed only.
    pub feed_only: u32,
    pub read: u32,
}

impl From<StoredNotification> for SentNotification {
    fn from(n: StoredNotification) -> Self {
        SentNotification {
            id: n.id,
            class: n.class,
            target: n.target,
            title: n.title,
            body: n.body,
            link: n.link,
            send_at: n.send_at,
            status: n.status.as_str().into(),
            recipients: n.recipients,
            pending: n.counts.pending,
            delivered: n.counts.delivered,
            failed: n.counts.failed,
            dead: n.counts.dead,
            feed_only: n.counts.feed,
            read: n.counts.read,
        }
    }
}

/// The last 100 notifications of the gmina, newest first.
#[utoipa::path(get, path = "/notifications", tag = "notifications", security(("official" = [])),
    responses((status = 200, body = [SentNotification]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(Tenant(state): Tenant, official: Official) -> ApiResult<Json<Vec<SentNotification>>> {
    official.require_publisher()?;
    let list = state.store.notifications(100).await?;
    Ok(Json(list.into_iter().map(SentNotification::from).collect()))
}

/// Sends a notification (at `send_at`, or now): 201 with it as stored.
/// Alerts are the `alerts` topic and reach every device of the areas,
/// whatever it subscribed to. 400 naming the field for a bad draft, 413
/// `payload_too_large` for a text no push service would carry.
#[utoipa::path(post, path = "/notifications", tag = "notifications", request_body = NotificationDraft,
    security(("official" = [])),
    responses((status = 201, body = SentNotification), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 413, description = "payload_too_large", body = ApiError)))]
pub async fn send(
    Tenant(state): Tenant,
    official: Official,
    Json(draft): Json<NotificationDraft>,
) -> ApiResult<(StatusCode, Json<SentNotification>)> {
    official.require_publisher()?;
    draft.validate()?;
    if let Err(e) = draft.check_payload() {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("Powiadomienie ma {} bajtów; zmieści się najwyżej {}. Skróć tytuł lub treść.", e.bytes, e.limit),
            format!("The notification is {} bytes; at most {} fit. Shorten the title or the text.", e.bytes, e.limit),
        ));
    }
    let now = state.clock.now();
    let send_at = draft.send_at.unwrap_or(now);
    if send_at < now - Duration::minutes(5) || send_at > now + Duration::days(SEND_AHEAD_MAX_DAYS) {
        return Err(FieldError::new(
            "send_at",
            "Podaj czas wysyłki od teraz do roku naprzód.",
            "Give a send time from now to a year ahead.",
        )
        .into());
    }
    super::routes::localities_are_the_gminas(&state, &draft.areas).await?;
    let n = NewNotification {
        class: draft.class(),
        target: draft.target(),
        title: draft.title.trim().to_owned(),
        body: draft.body.trim().to_owned(),
        link: draft.link.clone(),
        report: None,
        send_at: send_at.max(now),
        now,
        fan_out_job: FanOutJob::for_notification,
    };
    let id = state.store.create_notification(official.actor(), n).await?;
    tracing::info!(gmina = %state.store.gmina_scope(), notification = id, topic = draft.topic.as_str(), "notification queued");
    let stored = state.store.notification(id).await?.ok_or_else(AppError::internal)?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}
