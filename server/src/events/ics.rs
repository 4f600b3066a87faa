//! ICS answers: `text/calendar` with an ETag over the exact bytes, so
//! calendar apps polling a subscription get 304 until something changes.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mm_protocol::calendar::ics::IcsOptions;
use mm_protocol::events::{Event, EventCategory};
use mm_protocol::gmina::Gmina;

use crate::auth::token::sha256_hex;

/// Options for every feed of this deployment.
pub fn options<'a>(
    name: &'a str,
    uid_domain: &'a str,
    categories: &'a [EventCategory],
) -> IcsOptions<'a> {
    IcsOptions {
        calendar_name: name,
        uid_domain,
        categories,
    }
}

/// The feed's title and the UID domain (the shared rule in
/// `mm_protocol::calendar::ics::uid_domain`, so the app's "add to calendar"
/// and this feed give the same UIDs).
pub fn names(gmina: Option<&Gmina>) -> (String, String) {
    let title = match gmina {
        Some(g) => format!("Wydarzenia – {}", g.name),
        None => "Wydarzenia – mMieszkaniec".into(),
    };
    (title, mm_protocol::calendar::ics::uid_domain(gmina))
}

pub fn respond(headers: &HeaderMap, body: String) -> Response {
    let etag = format!("\"{}\"", &sha256_hex(body.as_bytes())[..32]);
    let etag_value = HeaderValue::from_str(&etag).expect("hex is a valid header");
    if crate::sync::routes::if_none_match(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response()
}

pub fn single(event: &Event, opts: &IcsOptions<'_>) -> String {
    mm_protocol::calendar::ics::single_event(event, opts)
}
