//! `GET /api/v1/sync?cursor=C&limit=N`.
//!
//! The page is built by concatenating the stored JSON bodies: what was
//! written in the entity's transaction is exactly what clients receive, and
//! a page costs no re-serialisation.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::error::{ApiError, ErrorCode};
use mm_protocol::sync::{SYNC_DEFAULT_LIMIT, SYNC_MAX_LIMIT, SyncPage, SyncQuery};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, AppError, Query};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::LogRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sync))
}

/// Raw query: both taken as text so every malformed value gets our code.
#[derive(Debug, Deserialize)]
pub struct RawSyncQuery {
    cursor: Option<String>,
    limit: Option<String>,
}

fn invalid_cursor() -> AppError {
    AppError::new(
        ErrorCode::InvalidCursor,
        "Nieprawidłowy kursor synchronizacji. Zsynchronizuj od początku.",
        "Invalid sync cursor. Sync again from the start.",
    )
    .with_field("cursor")
}

pub(crate) fn digits(s: &str) -> Option<u64> {
    // u64::from_str accepts a leading '+'; a cursor is plain digits only.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Whether `If-None-Match` names `etag` (or is `*`), per RFC 9110 §13.1.2.
pub fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        })
}

/// Changes after `cursor`, oldest first.
#[utoipa::path(get, path = "/sync", tag = "sync", params(SyncQuery),
    responses(
        (status = 200, body = SyncPage, headers(("ETag" = String))),
        (status = 304, description = "unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "invalid_cursor or invalid_query", body = ApiError),
    ))]
pub async fn sync(
    Tenant(state): Tenant,
    headers: HeaderMap,
    Query(q): Query<RawSyncQuery>,
) -> ApiResult<Response> {
    let mut max = state.store.max_seq();
    let cursor = match q.cursor.as_deref() {
        None => 0,
        Some(c) => {
            let c = digits(c).ok_or_else(invalid_cursor)?;
            // Behind a load balancer the cursor may come from an instance
            // whose commit this one has not heard of yet: ask the store
            // before calling the cursor invalid.
            if c > max {
                max = state.store.committed_max_seq().await?;
            }
            if c > max {
                return Err(invalid_cursor());
            }
            c
        }
    };
    let limit = match q.limit.as_deref() {
        None => SYNC_DEFAULT_LIMIT,
        Some(l) => digits(l)
            .filter(|l| (1..=SYNC_MAX_LIMIT as u64).contains(l))
            .ok_or_else(|| {
                AppError::invalid_query("limit", format!("limit must be 1..={SYNC_MAX_LIMIT}"))
            })? as u32,
    };
    let etag = format!("\"{cursor}-{max}-{limit}\"");
    if if_none_match(&headers, &etag) {
        return Ok(not_modified(&etag));
    }
    // Nothing new: answer from memory without touching the database.
    let (rows, has_more) = if cursor == max {
        (Vec::new(), false)
    } else {
        state.store.log_page(cursor, limit).await?
    };
    // Rows committed after `max` was read may be in the page; the tag must
    // name the state the page shows.
    let shown = rows.last().map_or(max, |r| r.seq.max(max));
    let etag = format!("\"{cursor}-{shown}-{limit}\"");
    let next = rows.last().map_or(cursor, |r| r.seq);
    let body = page_json(&rows, next, has_more);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::ETAG,
                HeaderValue::from_str(&etag).expect("digits are a valid header"),
            ),
        ],
        body,
    )
        .into_response())
}

fn not_modified(etag: &str) -> Response {
    (
        StatusCode::NOT_MODIFIED,
        [(
            header::ETAG,
            HeaderValue::from_str(etag).expect("valid header"),
        )],
    )
        .into_response()
}

/// `SyncPage` as JSON, changes spliced from the stored bodies.
pub fn page_json(rows: &[LogRow], next_cursor: u64, has_more: bool) -> String {
    let mut out = String::with_capacity(
        64 + rows
            .iter()
            .map(|r| r.body.as_ref().map_or(64, |b| b.len() + 40))
            .sum::<usize>(),
    );
    out.push_str("{\"changes\":[");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match &r.body {
            Some(body) => {
                out.push_str(&format!("{{\"op\":\"upsert\",\"seq\":{},\"item\":", r.seq));
                out.push_str(body);
                out.push('}');
            }
            None => out.push_str(&format!(
                "{{\"op\":\"delete\",\"seq\":{},\"collection\":{},\"id\":{}}}",
                r.seq,
                serde_json::Value::from(r.collection.as_str()),
                serde_json::Value::from(r.id.as_str()),
            )),
        }
    }
    out.push_str(&format!(
        "],\"next_cursor\":\"{next_cursor}\",\"has_more\":{has_more}}}"
    ));
    out
}

#[cfg(test)]
mod tests {
    use mm_protocol::events::EventCategory;
    use mm_protocol::sync::{Change, Collection, Item, SyncPage};

    use super::*;

    #[test]
    fn spliced_pages_deserialize_as_the_protocol_types() {
        let item = Item::EventCategories(EventCategory {
            id: "kultura".into(),
            name_pl: "Kultura".into(),
            name_en: "Culture".into(),
        });
        let rows = vec![
            LogRow {
                seq: 3,
                collection: "event_categories".into(),
                id: "kultura".into(),
                body: Some(serde_json::to_string(&item).unwrap()),
            },
            LogRow {
                seq: 4,
                collection: "events".into(),
                id: "12".into(),
                body: None,
            },
        ];
        let page: SyncPage = serde_json::from_str(&page_json(&rows, 4, true)).unwrap();
        assert_eq!(page.next_cursor, "4");
        assert!(page.has_more);
        let (changes, skipped) = page.known_changes();
        assert_eq!(skipped, 0);
        assert_eq!(
            changes,
            vec![
                Change::Upsert { seq: 3, item },
                Change::Delete {
                    seq: 4,
                    collection: Collection::Events,
                    id: "12".into()
                },
            ]
        );
        let empty: SyncPage = serde_json::from_str(&page_json(&[], 7, false)).unwrap();
        assert!(empty.changes.is_empty() && empty.next_cursor == "7" && !empty.has_more);
    }

    #[test]
    fn cursors_are_plain_digits() {
        assert_eq!(digits("42"), Some(42));
        for bad in [
            "",
            "+1",
            "-1",
            "1.0",
            "abc",
            " 1",
            "99999999999999999999999",
        ] {
            assert_eq!(digits(bad), None, "{bad:?}");
        }
    }
}
