//! Bad input on every endpoint: the right status and code, and nothing
//! changes (the sync log's max seq and the audit log stay where they were).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, event_input, news_input};
use mm_protocol::auth::Role;
use serde_json::{Value, json};

enum Payload {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

struct Case {
    method: &'static str,
    uri: String,
    auth: bool,
    payload: Payload,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
}

fn case(
    method: &'static str,
    uri: &str,
    auth: bool,
    payload: Payload,
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        method,
        uri: uri.into(),
        auth,
        payload,
        status,
        code,
        field: None,
    }
}

fn with_field(mut c: Case, f: &'static str) -> Case {
    c.field = Some(f);
    c
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let t = TestApp::new().await;
    let editor = t.official(Role::Admin).await;
    let r = t
        .call(
            "POST",
            "/api/v1/event-categories",
            Some(&editor),
            Some(json!({"id": "sport", "name_pl": "Sport", "name_en": "Sport"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let news_id = t
        .call("POST", "/api/v1/news", Some(&editor), Some(news_input("N")))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let event_id = t
        .call(
            "POST",
            "/api/v1/events",
            Some(&editor),
            Some(event_input("E", None)),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();

    let big = vec![b' '; (1 << 20) + 10];
    let mut bad_rrule = event_input("E", None);
    bad_rrule["rrule"] = json!("FREQ=SOMETIMES");
    let mut backwards = event_input("E", None);
    backwards["ends_at"] = json!("2000-01-01T00:00:00Z");
    let mut bad_point = event_input("E", None);
    bad_point["point"] = json!({"lat": 95.0, "lon": 17.0});

    use Payload::{Json, Raw};
    let cases = vec![
        // Body shape, for every JSON-taking endpoint.
        case(
            "POST",
            "/api/v1/auth/login",
            false,
            Raw("application/json", b"{not json".to_vec()),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            false,
            Json(json!({"login": 1, "password": "x"})),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            false,
            Json(json!({"login": "a", "password": "b", "extra": 1})),
            400,
            "malformed_json",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/auth/login",
                false,
                Json(json!({"login": " ", "password": "b"})),
                400,
                "invalid_field",
            ),
            "login",
        ),
        case(
            "POST",
            "/api/v1/auth/login",
            false,
            Raw("text/plain", b"{}".to_vec()),
            415,
            "unsupported_media_type",
        ),
        case(
            "POST",
            "/api/v1/devices",
            false,
            Raw("application/json", b"[]".to_vec()),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/devices",
            false,
            Json(json!({"platform": "symbian", "app_version": "1.0.0"})),
            400,
            "malformed_json",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/devices",
                false,
                Json(json!({"platform": "android", "app_version": "jeden"})),
                400,
                "invalid_field",
            ),
            "app_version",
        ),
        case(
            "POST",
            "/api/v1/devices",
            false,
            Raw("application/json", big.clone()),
            413,
            "payload_too_large",
        ),
        case(
            "POST",
            "/api/v1/news",
            true,
            Raw("application/json", b"".to_vec()),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/news",
            true,
            Json(json!({"title": "t", "body": "b", "colour": "red"})),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/news",
            true,
            Json(json!({"title": "t", "body": "b", "priority": "loud"})),
            400,
            "malformed_json",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/news",
                true,
                Json(json!({"title": "", "body": "b"})),
                400,
                "invalid_field",
            ),
            "title",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/news",
                true,
                Json(json!({"title": "t", "body": "b",
            "published_at": "2030-01-02T00:00:00Z", "expires_at": "2030-01-01T00:00:00Z"})),
                400,
                "invalid_field",
            ),
            "expires_at",
        ),
        case(
            "POST",
            "/api/v1/news",
            true,
            Raw("application/json", big.clone()),
            413,
            "payload_too_large",
        ),
        case(
            "POST",
            "/api/v1/news",
            true,
            Raw("application/x-www-form-urlencoded", b"title=t".to_vec()),
            415,
            "unsupported_media_type",
        ),
        case(
            "PUT",
            &format!("/api/v1/news/{news_id}"),
            true,
            Json(json!({"title": "t"})),
            400,
            "malformed_json",
        ),
        case(
            "PUT",
            "/api/v1/news/abc",
            true,
            Json(news_input("t")),
            404,
            "not_found",
        ),
        case(
            "PUT",
            "/api/v1/news/12345",
            true,
            Json(news_input("t")),
            404,
            "not_found",
        ),
        case(
            "DELETE",
            "/api/v1/news/12345",
            true,
            Payload::None,
            404,
            "not_found",
        ),
        case(
            "GET",
            "/api/v1/news/12345",
            false,
            Payload::None,
            404,
            "not_found",
        ),
        case(
            "GET",
            "/api/v1/news?all=maybe",
            false,
            Payload::None,
            400,
            "invalid_query",
        ),
        case(
            "POST",
            "/api/v1/events",
            true,
            Json(json!({"title": "t"})),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/events",
            true,
            Json(json!({"title": "t", "starts_at": "wczoraj", "ends_at": "dziś"})),
            400,
            "malformed_json",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/events",
                true,
                Json(bad_rrule),
                400,
                "invalid_field",
            ),
            "rrule",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/events",
                true,
                Json(backwards.clone()),
                400,
                "invalid_field",
            ),
            "ends_at",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/events",
                true,
                Json(bad_point),
                400,
                "invalid_field",
            ),
            "lat",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/events",
                true,
                Json(event_input("E", Some("brak"))),
                400,
                "invalid_field",
            ),
            "category",
        ),
        with_field(
            case(
                "PUT",
                &format!("/api/v1/events/{event_id}"),
                true,
                Json(backwards),
                400,
                "invalid_field",
            ),
            "ends_at",
        ),
        case(
            "PUT",
            "/api/v1/events/12345",
            true,
            Json(event_input("E", None)),
            404,
            "not_found",
        ),
        case(
            "DELETE",
            "/api/v1/events/12345",
            true,
            Payload::None,
            404,
            "not_found",
        ),
        case(
            "GET",
            "/api/v1/events/12345",
            false,
            Payload::None,
            404,
            "not_found",
        ),
        case(
            "GET",
            "/api/v1/events/x.ics",
            false,
            Payload::None,
            404,
            "not_found",
        ),
        with_field(
            case(
                "GET",
                "/api/v1/events?from=2025-13-01",
                false,
                Payload::None,
                400,
                "invalid_query",
            ),
            "from",
        ),
        with_field(
            case(
                "GET",
                "/api/v1/events?from=2025-05-02&to=2025-05-01",
                false,
                Payload::None,
                400,
                "invalid_query",
            ),
            "to",
        ),
        case(
            "GET",
            "/api/v1/events?colour=red",
            false,
            Payload::None,
            400,
            "invalid_query",
        ),
        with_field(
            case(
                "POST",
                "/api/v1/event-categories",
                true,
                Json(json!({"id": "Z Wielkiej", "name_pl": "a", "name_en": "b"})),
                400,
                "invalid_field",
            ),
            "id",
        ),
        case(
            "POST",
            "/api/v1/event-categories",
            true,
            Json(json!({"id": "a"})),
            400,
            "malformed_json",
        ),
        case(
            "POST",
            "/api/v1/event-categories",
            true,
            Json(json!({"id": "sport", "name_pl": "a", "name_en": "b"})),
            409,
            "conflict",
        ),
        with_field(
            case(
                "GET",
                "/api/v1/sync?cursor=abc",
                false,
                Payload::None,
                400,
                "invalid_cursor",
            ),
            "cursor",
        ),
        with_field(
            case(
                "GET",
                "/api/v1/sync?limit=0",
                false,
                Payload::None,
                400,
                "invalid_query",
            ),
            "limit",
        ),
        with_field(
            case(
                "GET",
                "/api/v1/audit?limit=0",
                true,
                Payload::None,
                400,
                "invalid_query",
            ),
            "limit",
        ),
        case(
            "GET",
            "/api/v1/calendar.ics?category=brak",
            false,
            Payload::None,
            404,
            "not_found",
        ),
        case(
            "GET",
            "/api/v1/gmina",
            false,
            Payload::None,
            404,
            "not_found",
        ),
        // Routing.
        case(
            "GET",
            "/api/v1/no-such-thing",
            false,
            Payload::None,
            404,
            "not_found",
        ),
        case("GET", "/api", false, Payload::None, 404, "not_found"),
        case(
            "PATCH",
            "/api/v1/news",
            true,
            Payload::None,
            405,
            "method_not_allowed",
        ),
        case(
            "DELETE",
            "/api/v1/sync",
            false,
            Payload::None,
            405,
            "method_not_allowed",
        ),
        case(
            "GET",
            "/api/v1/auth/login",
            false,
            Payload::None,
            405,
            "method_not_allowed",
        ),
    ];

    let seq = t.max_seq();
    let audit = t.audit_len().await;
    let mut failures = Vec::new();
    for c in cases {
        let mut b = Request::builder().method(c.method).uri(&c.uri);
        if c.auth {
            b = b.header("authorization", format!("Bearer {editor}"));
        }
        let req = match c.payload {
            Payload::None => b.body(Body::empty()).unwrap(),
            Json(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            Raw(ct, bytes) => b
                .header("content-type", ct)
                .body(Body::from(bytes))
                .unwrap(),
        };
        let r = t.send(req).await;
        let got: Value = serde_json::from_slice(&r.bytes).unwrap_or(Value::Null);
        let ok = r.status.as_u16() == c.status
            && got["code"] == c.code
            && got["message"]["pl"].is_string()
            && got["message"]["en"].is_string()
            && c.field.is_none_or(|f| got["field"] == f);
        if !ok {
            failures.push(format!(
                "{} {} -> {} {}",
                c.method,
                c.uri,
                r.status,
                r.text()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "unexpected answers:\n{}",
        failures.join("\n")
    );
    assert_eq!(t.max_seq(), seq, "a failed request published something");
    assert_eq!(t.audit_len().await, audit, "a failed request was audited");
}
