//! Reports over the wire: what sync brings (categories, public reports and
//! the status-change notifications of mine and followed ones), and how the
//! outbox sends a queued report.

use std::path::Path;

use chrono::{DateTime, Utc};
use mm_protocol::notifications::Topic;
use mm_protocol::reports::{PhotoUploaded, Report, ReportStatus};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use super::model::{MyReportState, ReportError};
use super::{photos, store};
use crate::error::{CoreError, Error};
use crate::notifications::{self, Notification};
use crate::outbox::Item;
use crate::store::Store;
use crate::sync::client::{Http, HttpError};

/// Notification kind of a status change. Its `entity_id` is
/// `"{report_id}:{history length}"`: the report to open is the part before
/// the colon (one notification per step, never two for the same step).
pub const KIND_REPORT_STATUS: &str = "report_status";

/// Outbox payload of a report: the rest lives in `my_reports`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubmitPayload {
    pub local_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FollowPayload {
    pub report_id: i64,
}

/// Applies a public report from sync; a status change of one of mine or a
/// followed one raises a notification, if the device's topics want it.
pub fn apply_report(
    tx: &Transaction<'_>,
    r: &Report,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, Error> {
    let old = store::upsert_report(tx, r)?;
    let changed = match old {
        Some(o) => o != r.status,
        None => r.status != ReportStatus::New,
    };
    if !changed {
        return Ok(None);
    }
    // As the server chooses whom to push it to: the reporter by "my
    // reports", a follower by "followed reports".
    let topic = if store::is_mine(tx, r.id)? {
        Topic::MyReports
    } else if store::is_followed(tx, r.id)? {
        Topic::FollowedReports
    } else {
        return Ok(None);
    };
    if !notifications::subscription::wants(tx, topic)? {
        return Ok(None);
    }
    let title = mm_protocol::reports::status_notification_title(r.id, r.status);
    let body = r
        .history
        .last()
        .and_then(|h| h.public_reply.clone())
        .map(|s| s.chars().take(300).collect())
        .unwrap_or_else(|| format!("Nowy status zgłoszenia: {}.", r.status.label_pl()));
    // The server's push about this step came first, through the feed.
    if notifications::feed::has_report_status(tx, r.id, &title)? {
        return Ok(None);
    }
    let entity = format!("{}:{}", r.id, r.history.len());
    notifications::create(tx, KIND_REPORT_STATUS, &title, &body, now, Some(&entity))
}

/// When sync marked one of my reports as withheld from the public (a
/// tombstone or a redacted view in the public feed), fetches my reports as
/// their reporter sees them (`GET /reports/mine`, with the device token)
/// and applies those that are mine: the resident keeps seeing their own
/// report, its status changes and replies, marked as hidden from the
/// public. Status changes raise notifications as sync's do.
pub async fn refresh_mine(
    store: &Store,
    http: &Http,
    base: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Notification>, Error> {
    let (marked, token) = store.read(|c| {
        Ok((
            crate::store::meta::get(c, crate::store::meta::REFRESH_MY_REPORTS)?.is_some(),
            crate::devices::token(c)?,
        ))
    })?;
    let (true, Some(token)) = (marked, token) else {
        return Ok(Vec::new());
    };
    let text = http.get_authed(base, "/reports/mine", &token).await?;
    let reports: Vec<Report> = serde_json::from_str(&text)
        .map_err(|e| Error::from(HttpError::Network(format!("bad reports answer: {e}"))))?;
    store.write(|tx| {
        let mut notes = Vec::new();
        for r in &reports {
            if store::is_mine(tx, r.id)? {
                notes.extend(apply_report(tx, r, now)?);
            }
        }
        crate::store::meta::delete(tx, crate::store::meta::REFRESH_MY_REPORTS)?;
        Ok(notes)
    })
}

/// The server acknowledged a report.
pub struct Acked {
    pub local_id: i64,
    pub report: Report,
}

pub enum SendError {
    Http(HttpError),
    /// Something on the device (a photo file gone): retrying will not help.
    Local(Error),
}

impl From<HttpError> for SendError {
    fn from(e: HttpError) -> Self {
        SendError::Http(e)
    }
}

impl From<Error> for SendError {
    fn from(e: Error) -> Self {
        SendError::Local(e)
    }
}

/// Uploads the photos not uploaded yet, then posts the report with the
/// item's idempotency key. Each upload is remembered as it completes, so a
/// retry only sends what is missing.
pub async fn send_report(
    store: &Store,
    http: &Http,
    base: &str,
    data_dir: &Path,
    token: &str,
    item: &Item,
) -> Result<Acked, SendError> {
    let SubmitPayload { local_id } =
        serde_json::from_str(&item.payload).map_err(Error::from)?;
    store.write(|tx| store::set_state(tx, local_id, MyReportState::Sending, None))?;
    let (mut request, queued) = store.read(|c| {
        Ok((
            store::request_of(c, local_id)?,
            store::report_photos(c, local_id)?,
        ))
    })?;
    request.photo_ids = upload_photos(store, http, base, data_dir, token, queued).await?;
    let body = serde_json::to_string(&request).map_err(Error::from)?;
    let text = match http
        .post(base, "/reports", &item.idempotency_key, Some(token), &body)
        .await
    {
        // The server collected our uploads as orphans (the phone went
        // offline between the uploads and the report for longer than the
        // server keeps unclaimed photos): upload them again, post once more.
        Err(e) if names_missing_photos(&e) => {
            let queued = store.write(|tx| {
                store::forget_uploads(tx, local_id)?;
                store::report_photos(tx, local_id)
            })?;
            request.photo_ids = upload_photos(store, http, base, data_dir, token, queued).await?;
            let body = serde_json::to_string(&request).map_err(Error::from)?;
            http.post(base, "/reports", &item.idempotency_key, Some(token), &body)
                .await?
        }
        other => other?,
    };
    // A garbled answer is retried: the same key gets the same report back.
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| HttpError::Network(format!("bad report answer: {e}")))?;
    Ok(Acked { local_id, report })
}

/// Uploads the photos not uploaded yet, remembering each id as it comes,
/// and returns every photo's server id in order.
async fn upload_photos(
    store: &Store,
    http: &Http,
    base: &str,
    data_dir: &Path,
    token: &str,
    queued: Vec<store::QueuedPhoto>,
) -> Result<Vec<String>, SendError> {
    let mut ids = Vec::with_capacity(queued.len());
    for p in queued {
        let id = match p.uploaded_id {
            Some(id) => id,
            None => {
                let bytes = std::fs::read(photos::path_of(data_dir, &p.photo_id))
                    .map_err(Error::from)?;
                let text = http
                    .upload(base, "/photos", token, "image/jpeg", bytes)
                    .await?;
                let up: PhotoUploaded = serde_json::from_str(&text)
                    .map_err(|e| HttpError::Network(format!("bad photo answer: {e}")))?;
                store.write(|tx| store::mark_photo_uploaded(tx, p.row, &up.photo_id))?;
                up.photo_id
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

/// A 400 on `photo_ids`: the server does not know a photo we uploaded.
fn names_missing_photos(e: &HttpError) -> bool {
    matches!(e, HttpError::Status { status: 400, api: Some(api) } if api.field.as_deref() == Some("photo_ids"))
}

/// In the transaction that deletes the outbox item: the report is sent.
/// Returns the photo ids whose files may go once this commits.
pub fn acknowledge(
    tx: &Transaction<'_>,
    acked: &Acked,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let newer = match store::report_updated_at(tx, acked.report.id)? {
        Some(t) => acked.report.updated_at > t,
        None => true,
    };
    if newer {
        store::upsert_report(tx, &acked.report)?;
    }
    store::mark_sent(tx, acked.local_id, acked.report.id, now)
}

/// What the resident reads about a failed try: the public error's shape.
pub fn error_of(e: &CoreError) -> ReportError {
    let field = match e {
        CoreError::Server { field, .. } => field.clone(),
        CoreError::InvalidInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    ReportError {
        code: e.code().to_owned(),
        message: e.message(),
        field,
    }
}

/// The item's report after a failed try: still `sending` (will retry) or
/// `failed` (the server refused it).
pub fn record_failure(
    tx: &Transaction<'_>,
    payload: &str,
    error: &CoreError,
    permanent: bool,
) -> Result<(), Error> {
    let SubmitPayload { local_id } = serde_json::from_str(payload)?;
    let state = if permanent {
        MyReportState::Failed
    } else {
        MyReportState::Sending
    };
    store::set_state(tx, local_id, state, Some(&error_of(error)))
}
