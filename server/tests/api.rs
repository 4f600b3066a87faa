//! Officials and content through the HTTP API, in process.

use crate::common;

use axum::http::StatusCode;
use chrono::Duration;
use common::{TestApp, event_input, news_input};
use mm_protocol::auth::Role;
use serde_json::json;

#[tokio::test]
async fn health_answers_ok() {
    let t = TestApp::new().await;
    let r = t.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn login_logout_and_wrong_credentials() {
    let t = TestApp::new().await;
    t.add_user("ala", Role::Editor, "dobre-haslo").await;
    let ok = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "ala", "password": "dobre-haslo"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let body = ok.json();
    assert_eq!(body["role"], "editor");
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 43, "32 bytes in base64url without padding");

    for (login, password) in [("ala", "złe-hasło"), ("nikt", "dobre-haslo")] {
        let r = t
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.code(), "invalid_credentials");
        assert_eq!(
            r.json()["message"]["en"],
            "Wrong login or password.",
            "same answer for unknown login"
        );
    }

    let r = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&token),
            Some(news_input("Przed wylogowaniem")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = t
        .call("POST", "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&token),
            Some(news_input("Po wylogowaniu")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthorized");
}

#[tokio::test]
async fn roles_gate_writes() {
    let t = TestApp::new().await;
    let dispatcher = t.official(Role::Dispatcher).await;
    let department = t.official(Role::Department).await;
    let editor = t.official(Role::Editor).await;
    let admin = t.official(Role::Admin).await;

    let r = t
        .call("POST", "/api/v1/news", None, Some(news_input("x")))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let r = t
        .call(
            "POST",
            "/api/v1/news",
            Some("not-a-token"),
            Some(news_input("x")),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    for token in [&dispatcher, &department] {
        let seq = t.max_seq();
        for (m, uri, body) in [
            ("POST", "/api/v1/news", Some(news_input("x"))),
            ("POST", "/api/v1/events", Some(event_input("x", None))),
            (
                "POST",
                "/api/v1/event-categories",
                Some(json!({"id": "sport", "name_pl": "Sport", "name_en": "Sport"})),
            ),
            ("GET", "/api/v1/audit", None),
        ] {
            let r = t.call(m, uri, Some(token), body).await;
            assert_eq!(
                (r.status, r.code().as_str()),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{m} {uri}"
            );
        }
        assert_eq!(t.max_seq(), seq);
    }
    for token in [&editor, &admin] {
        let r = t
            .call("POST", "/api/v1/news", Some(token), Some(news_input("ok")))
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let r = t.call("GET", "/api/v1/audit", Some(&editor), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.call("GET", "/api/v1/audit", Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn tokens_expire_after_twelve_hours() {
    let t = TestApp::new().await;
    let token = t.official(Role::Editor).await;
    t.advance(Duration::hours(11));
    let r = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&token),
            Some(news_input("jeszcze ważny")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    t.advance(Duration::hours(1) + Duration::seconds(1));
    let seq = t.max_seq();
    let r = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&token),
            Some(news_input("już nieważny")),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );
    assert_eq!(t.max_seq(), seq);
}

#[tokio::test]
async fn news_crud_with_visibility_and_audit() {
    let t = TestApp::new().await;
    let editor = t.official(Role::Editor).await;
    let admin = t.official(Role::Admin).await;

    let created = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&editor),
            Some(news_input("Awaria wody")),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    let future = (chrono::Utc::now() + Duration::days(2)).to_rfc3339();
    let scheduled = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&editor),
            Some(json!({"title": "Później", "body": "b", "published_at": future})),
        )
        .await;
    let scheduled_id = scheduled.json()["id"].as_i64().unwrap();

    let list = t.get("/api/v1/news").await.json();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "scheduled news is not public yet"
    );
    assert_eq!(
        t.get(&format!("/api/v1/news/{scheduled_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/v1/news?all=true").await.status,
        StatusCode::UNAUTHORIZED
    );
    let all = t
        .call("GET", "/api/v1/news?all=true", Some(&editor), None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2);

    let r = t
        .call(
            "PUT",
            &format!("/api/v1/news/{id}"),
            Some(&editor),
            Some(news_input("Awaria usunięta")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        t.get(&format!("/api/v1/news/{id}")).await.json()["title"],
        "Awaria usunięta"
    );
    let r = t
        .call(
            "PUT",
            "/api/v1/news/999",
            Some(&editor),
            Some(news_input("x")),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    let r = t
        .call("DELETE", &format!("/api/v1/news/{id}"), Some(&editor), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&format!("/api/v1/news/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = t
        .call("DELETE", &format!("/api/v1/news/{id}"), Some(&editor), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let audit = t
        .call("GET", "/api/v1/audit?limit=50", Some(&admin), None)
        .await
        .json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for want in [
        "news.create",
        "news.update",
        "news.delete",
        "auth.login",
        "user.add",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    let delete = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "news.delete")
        .unwrap();
    assert_eq!(delete["entity_id"], id.to_string());
    assert!(delete["actor"].as_str().unwrap().starts_with("editor-"));
}

#[tokio::test]
async fn events_categories_filters_and_ics() {
    let t = TestApp::new().await;
    let editor = t.official(Role::Editor).await;
    // Event categories are an admin's (security review, finding 25).
    let admin = t.official(Role::Admin).await;
    let r = t
        .call(
            "POST",
            "/api/v1/event-categories",
            Some(&admin),
            Some(json!({"id": "sport", "name_pl": "Sport", "name_en": "Sport"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = t
        .call(
            "POST",
            "/api/v1/event-categories",
            Some(&admin),
            Some(json!({"id": "sport", "name_pl": "S", "name_en": "S"})),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "conflict")
    );
    assert_eq!(
        t.get("/api/v1/event-categories")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let seq = t.max_seq();
    let r = t
        .call(
            "POST",
            "/api/v1/events",
            Some(&editor),
            Some(event_input("Bieg", Some("kultura"))),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_field")
    );
    assert_eq!(r.json()["field"], "category");
    assert_eq!(t.max_seq(), seq);

    let r = t
        .call(
            "POST",
            "/api/v1/events",
            Some(&editor),
            Some(event_input("Bieg", Some("sport"))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let mut weekly = event_input("Joga", None);
    weekly["rrule"] = json!("FREQ=WEEKLY;COUNT=10");
    let r = t
        .call("POST", "/api/v1/events", Some(&editor), Some(weekly))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let today = chrono::Utc::now()
        .with_timezone(&mm_protocol::LOCAL_TZ)
        .date_naive();
    let d = |n: u64| {
        (today + chrono::Days::new(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let all = t.get("/api/v1/events").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let sport = t.get("/api/v1/events?category=sport").await.json();
    assert_eq!(sport.as_array().unwrap().len(), 1);
    // Day 10: only the weekly event has an occurrence (day 3 + 7).
    let later = t
        .get(&format!("/api/v1/events?from={}&to={}", d(10), d(10)))
        .await
        .json();
    assert_eq!(later.as_array().unwrap().len(), 1, "{later}");
    assert_eq!(later[0]["title"], "Joga");
    let none = t
        .get(&format!("/api/v1/events?from={}&to={}", d(4), d(5)))
        .await
        .json();
    assert_eq!(none.as_array().unwrap().len(), 0);

    let ics = t.get(&format!("/api/v1/events/{id}.ics")).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert_eq!(ics.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(ics.text().contains("SUMMARY:Bieg"));
    let etag = ics.headers["etag"].to_str().unwrap().to_owned();
    let again = t
        .send(
            axum::http::Request::get(format!("/api/v1/events/{id}.ics"))
                .header("if-none-match", &etag)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let feed = t.get("/api/v1/calendar.ics").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.text().contains("SUMMARY:Bieg") && feed.text().contains("SUMMARY:Joga"));
    assert!(feed.headers.contains_key("etag"));
    let sport_feed = t.get("/api/v1/calendar.ics?category=sport").await.text();
    assert!(sport_feed.contains("SUMMARY:Bieg") && !sport_feed.contains("SUMMARY:Joga"));
    assert_eq!(
        t.get("/api/v1/calendar.ics?category=nie-ma").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/v1/events/999.ics").await.status,
        StatusCode::NOT_FOUND
    );

    let mut changed = event_input("Bieg po zmianie", Some("sport"));
    changed["cancelled"] = json!(true);
    let r = t
        .call(
            "PUT",
            &format!("/api/v1/events/{id}"),
            Some(&editor),
            Some(changed),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        t.get(&format!("/api/v1/events/{id}")).await.json()["cancelled"],
        true
    );
    let r = t
        .call(
            "DELETE",
            &format!("/api/v1/events/{id}"),
            Some(&editor),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&format!("/api/v1/events/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn responses_are_gzipped_on_request() {
    let t = TestApp::new().await;
    let r = t
        .send(
            axum::http::Request::get("/api/v1/openapi.json")
                .header("accept-encoding", "gzip")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-encoding"], "gzip");
    // A body under 1 KB goes as it is: gzip would make it longer, and
    // each compression allocates the encoder's whole state.
    let r = t
        .send(
            axum::http::Request::get("/api/v1/events/999999")
                .header("accept-encoding", "gzip")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    // Over tower-http's own floor (32 bytes), under ours.
    assert!((32..1024).contains(&r.bytes.len()), "{} bytes", r.bytes.len());
    assert!(r.headers.get("content-encoding").is_none(), "{:?}", r.headers);
}
