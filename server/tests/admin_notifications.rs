//! The back office's notifications pages (issue 16 point 2,
//! server/src/admin/notifications.rs), through the router in-process over a
//! real store (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`) with
//! the Siechnice demo: the compose form stores one notification and its
//! fan-out job, and a form posted twice stores one; the preview counts the
//! devices the fan-out would reach; an alert needs its confirmation; an
//! oversized text and an http link come back as the form with the field's
//! message and store nothing; who may open the pages; another gmina's
//! notification is not found and cannot be cancelled; a scheduled one is.

use crate::common;
use crate::security_support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use common::{Resp, TestApp};
use mm_protocol::auth::Role;
use mm_protocol::gmina::Teryt;
use mm_protocol::notifications::{Area, NotificationClass, Target, Topic};
use mm_server::notifications::fanout::{FanOutJob, fan_out};
use mm_server::store::Actor;
use mm_server::store::notifications::{NewNotification, NotificationStatus};
use security_support::*;
use serde_json::json;

const SIECHNICE: &str = "0223083";
const CZERNICA: &str = "0223032";

/// The Siechnice demo (its localities, news, events; the demo adds
/// Siechnice to the directory) and Czernica beside it.
async fn world() -> TestApp {
    let t = app().await;
    let now = t.state.clock.now();
    t.store
        .add_gmina(
            Actor("test".into()),
            mm_server::demo::czernica::record(),
            now,
        )
        .await
        .unwrap();
    t
}

/// A request to Siechnice's API (two gminas: the request names its own).
async fn api(
    t: &TestApp,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: serde_json::Value,
) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("MM-Gmina", SIECHNICE)
        .header("content-type", "application/json");
    if let Some(tk) = token {
        b = b.header("authorization", format!("Bearer {tk}"));
    }
    t.send(b.body(Body::from(body.to_string())).unwrap()).await
}

/// Two of Siechnice's localities: (id, name).
async fn two_localities(t: &TestApp) -> [(i64, String); 2] {
    let (_, ls) = t.store.gmina().await.unwrap();
    assert!(ls.len() >= 2, "the demo has localities");
    [
        (ls[0].id, ls[0].name.clone()),
        (ls[1].id, ls[1].name.clone()),
    ]
}

fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn fan_out_jobs(t: &TestApp) -> i64 {
    t.sql()
        .int("SELECT COUNT(*) FROM jobs WHERE kind = 'push.fanout'", &[])
}

/// The compose form's fields as the page offers them (its CSRF token and
/// its own key), with `set` replacing or adding values.
async fn compose(t: &TestApp, cookie: &str, set: &[(&str, &str)]) -> Vec<(String, String)> {
    let page = page_get(t, "/admin/notifications/new", cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let text = page.text();
    let mut fields: Vec<(String, String)> = form_fields(&text, "/admin/notifications")
        .into_iter()
        .filter(|(k, _)| k == "csrf" || k == "key")
        .collect();
    assert_eq!(
        fields.len(),
        2,
        "the form carries its CSRF token and key: {fields:?}"
    );
    let defaults = [
        ("class", "normal"),
        ("topic", "news"),
        ("link_kind", "none"),
        ("when", "now"),
        ("action", "send"),
    ];
    for (k, v) in defaults {
        if !set.iter().any(|(s, _)| *s == k) {
            fields.push((k.into(), v.into()));
        }
    }
    fields.extend(set.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    fields
}

async fn post(t: &TestApp, cookie: &str, fields: &[(String, String)]) -> Resp {
    form_post(t, "/admin/notifications", cookie, &encode_form(fields)).await
}

/// A device of the gmina listening to `areas` (every topic).
async fn device_in(t: &TestApp, areas: serde_json::Value) -> String {
    let r = api(
        t,
        "POST",
        "/api/v1/devices",
        None,
        json!({"platform": "android", "app_version": "1.0.0"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let sub = json!({"topics": ["alerts", "news"], "areas": areas, "lang": "pl"});
    let r = api(
        t,
        "PUT",
        "/api/v1/notifications/subscription",
        Some(&token),
        sub,
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    token
}

#[tokio::test]
async fn an_alert_composed_for_one_locality_is_stored_with_its_fan_out_and_listed() {
    let t = world().await;
    let [(here, here_name), (there, _)] = two_localities(&t).await;
    let (cookie, _) = staff(&t, Role::Editor).await;
    let jobs = fan_out_jobs(&t);

    // The preview counts what the fan-out would reach: one more device in
    // the ticked locality counts, one in another locality does not.
    let locality = here.to_string();
    let alert = [
        ("class", "alert"),
        ("title", "Przerwa w dostawie wody"),
        (
            "body",
            "Jutro 8:00–14:00 na ul. Źródlanej. Beczkowóz przy szkole.",
        ),
        ("locality", locality.as_str()),
    ];
    let preview = |fields: &Vec<(String, String)>| {
        let mut f = fields.clone();
        f.retain(|(k, _)| k != "action");
        f.push(("action".into(), "preview".into()));
        f
    };
    let fields = compose(&t, &cookie, &alert).await;
    let r = post(&t, &cookie, &preview(&fields)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let count = |r: &Resp| -> usize {
        let text = r.text();
        let i = text
            .find("Dotrze teraz do około ")
            .unwrap_or_else(|| panic!("a preview: {text}"))
            + "Dotrze teraz do około ".len();
        text[i..].split(' ').next().unwrap().parse().unwrap()
    };
    let before = count(&r);
    device_in(&t, json!([{"kind": "locality", "id": here}])).await;
    device_in(&t, json!([{"kind": "locality", "id": there}])).await;
    let r = post(&t, &cookie, &preview(&fields)).await;
    assert_eq!(
        count(&r),
        before + 1,
        "the device of the ticked locality only"
    );
    assert!(
        t.store.notifications(10).await.unwrap().is_empty(),
        "a preview stores nothing"
    );
    assert_eq!(fan_out_jobs(&t), jobs);

    // An alert is sent only once confirmed.
    let r = post(&t, &cookie, &fields).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("id=\"n-confirm-error\"")
            && r.text().contains("aria-describedby=\"n-confirm-error\""),
        "{}",
        r.text()
    );
    assert!(
        r.text().contains("Beczkowóz przy szkole"),
        "what was typed stays"
    );
    assert!(t.store.notifications(10).await.unwrap().is_empty());

    let mut confirmed = fields.clone();
    confirmed.push(("confirm_alert".into(), "on".into()));
    let r = post(&t, &cookie, &confirmed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let list = t.store.notifications(10).await.unwrap();
    assert_eq!(list.len(), 1);
    let n = &list[0];
    assert_eq!(location(&r), format!("/admin/notifications/{}", n.id));
    assert_eq!(n.class, NotificationClass::Alert);
    assert_eq!(
        n.target,
        Target {
            topic: Topic::Alerts,
            event_category: None,
            areas: vec![Area::Locality { id: here }]
        }
    );
    assert_eq!(n.title, "Przerwa w dostawie wody");
    assert_eq!(n.status, NotificationStatus::Scheduled);
    assert!(n.send_at <= t.state.clock.now(), "send now");
    assert_eq!(
        fan_out_jobs(&t),
        jobs + 1,
        "its fan-out job, in the same transaction"
    );

    // The list and the page, before and after the fan-out.
    let page = page_get(&t, "/admin/notifications", &cookie).await.text();
    assert!(
        page.contains("Przerwa w dostawie wody")
            && page.contains(&here_name)
            && page.contains("zaplanowane"),
        "{page}"
    );
    fan_out(t.store.as_ref(), n.id, t.state.clock.now())
        .await
        .unwrap();
    let page = page_get(&t, "/admin/notifications", &cookie).await.text();
    let row = &page[page.find(&format!("id=\"notification-{}\"", n.id)).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("wysłane")
            && row.contains(&format!("<td class=\"recipients\">{}</td>", before + 1)),
        "{row}"
    );
    let detail = page_get(&t, &format!("/admin/notifications/{}", n.id), &cookie).await;
    assert_eq!(detail.status, StatusCode::OK);
    let detail = detail.text();
    assert!(
        detail.contains(&format!("<dd id=\"n-recipients\">{}</dd>", before + 1)),
        "{detail}"
    );
    assert!(
        !detail.contains("/cancel"),
        "a sent notification has no cancel button"
    );
    // The menu links the page for a publisher.
    assert!(detail.contains("href=\"/admin/notifications\""));
}

#[tokio::test]
async fn a_form_posted_twice_stores_one_notification() {
    let t = world().await;
    let (cookie, _) = staff(&t, Role::Admin).await;
    let jobs = fan_out_jobs(&t);
    let audit = t.audit_len().await;
    let fields = compose(
        &t,
        &cookie,
        &[
            ("title", "Zebranie wiejskie"),
            ("body", "W czwartek o 18:00 w świetlicy."),
        ],
    )
    .await;
    let first = post(&t, &cookie, &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    // The same form again (a double click, a reload): the same answer.
    let again = post(&t, &cookie, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
    assert_eq!(location(&again), location(&first));
    assert_eq!(t.store.notifications(10).await.unwrap().len(), 1);
    assert_eq!(fan_out_jobs(&t), jobs + 1);
    assert_eq!(t.audit_len().await, audit + 1, "one notification.create");
    // The same key with another text is not a retry: refused, nothing stored.
    let mut changed = fields.clone();
    changed.retain(|(k, _)| k != "title");
    changed.push(("title".into(), "Inne zebranie".into()));
    assert_eq!(
        post(&t, &cookie, &changed).await.status,
        StatusCode::CONFLICT
    );
    // A new form (a new key) is a new notification.
    let fresh = compose(
        &t,
        &cookie,
        &[
            ("title", "Zebranie wiejskie"),
            ("body", "W czwartek o 18:00 w świetlicy."),
        ],
    )
    .await;
    assert_eq!(
        post(&t, &cookie, &fresh).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.store.notifications(10).await.unwrap().len(), 2);
    // Without the CSRF token: refused.
    let mut forged = fresh.clone();
    forged.retain(|(k, _)| k != "csrf" && k != "key");
    forged.push(("csrf".into(), "0".repeat(64)));
    forged.push(("key".into(), "forged-key".into()));
    assert_eq!(
        post(&t, &cookie, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.store.notifications(10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn who_may_not_publish_news_may_not_send() {
    let t = world().await;
    let (editor, _) = staff(&t, Role::Editor).await;
    let fields = compose(&t, &editor, &[("title", "Komunikat")]).await;
    let key = fields.iter().find(|(k, _)| k == "key").unwrap().1.clone();
    let at = (t.state.clock.now() + Duration::days(2))
        .with_timezone(&mm_protocol::LOCAL_TZ)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let scheduled = compose(
        &t,
        &editor,
        &[("title", "Zaplanowany"), ("when", "at"), ("send_at", &at)],
    )
    .await;
    let r = post(&t, &editor, &scheduled).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = t.store.notifications(10).await.unwrap()[0].id;
    // Signed in first: a sign-in is audited too.
    let others = [
        (Role::Dispatcher, staff(&t, Role::Dispatcher).await),
        (Role::Department, staff(&t, Role::Department).await),
    ];
    let audit = t.audit_len().await;
    for (role, (cookie, csrf)) in others {
        for p in [
            "/admin/notifications".to_owned(),
            "/admin/notifications/new".to_owned(),
            format!("/admin/notifications/{id}"),
        ] {
            assert_eq!(
                page_get(&t, &p, &cookie).await.status,
                StatusCode::FORBIDDEN,
                "{role:?} {p}"
            );
        }
        let mut mine = fields.clone();
        mine.retain(|(k, _)| k != "csrf");
        mine.push(("csrf".into(), csrf.clone()));
        assert_eq!(
            post(&t, &cookie, &mine).await.status,
            StatusCode::FORBIDDEN,
            "{role:?} sends ({key})"
        );
        let r = form_post(
            &t,
            &format!("/admin/notifications/{id}/cancel"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?} cancels");
        assert!(
            !page_get(&t, "/admin/reports", &cookie)
                .await
                .text()
                .contains("href=\"/admin/notifications\""),
            "no menu link"
        );
    }
    assert_eq!(
        t.store.notifications(10).await.unwrap().len(),
        1,
        "nothing stored"
    );
    assert_eq!(
        t.store.notification(id).await.unwrap().unwrap().status,
        NotificationStatus::Scheduled
    );
    assert_eq!(t.audit_len().await, audit, "nothing written");
}

#[tokio::test]
async fn another_gminas_notification_is_not_found_and_a_scheduled_one_is_cancelled() {
    let t = world().await;
    let (cookie, csrf) = staff(&t, Role::Admin).await;
    let now = t.state.clock.now();
    let scheduled = |title: &str| NewNotification {
        class: NotificationClass::Normal,
        target: Target {
            topic: Topic::News,
            event_category: None,
            areas: vec![],
        },
        title: title.into(),
        body: "Treść".into(),
        link: None,
        report: None,
        send_at: now + Duration::days(1),
        now,
        fan_out_job: FanOutJob::for_notification,
    };
    let cz = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    let theirs = cz
        .create_notification(Actor("test".into()), scheduled("Czernicki komunikat"))
        .await
        .unwrap();
    let ours = t
        .store
        .create_notification(Actor("test".into()), scheduled("Siechnicki komunikat"))
        .await
        .unwrap();

    // Czernica's: not on Siechnice's list, not found, not cancelled.
    let list = page_get(&t, "/admin/notifications", &cookie).await.text();
    assert!(
        list.contains("Siechnicki komunikat") && !list.contains("Czernicki"),
        "{list}"
    );
    let r = page_get(&t, &format!("/admin/notifications/{theirs}"), &cookie).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text().contains("Czernicki"));
    let r = form_post(
        &t,
        &format!("/admin/notifications/{theirs}/cancel"),
        &cookie,
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        cz.notification(theirs).await.unwrap().unwrap().status,
        NotificationStatus::Scheduled
    );

    // Siechnice's own: the page offers cancel; without CSRF refused; then
    // cancelled, and cancelling again is a conflict.
    let page = page_get(&t, &format!("/admin/notifications/{ours}"), &cookie)
        .await
        .text();
    assert!(
        page.contains(&format!("action=\"/admin/notifications/{ours}/cancel\"")),
        "{page}"
    );
    let cancel = format!("/admin/notifications/{ours}/cancel");
    assert_eq!(
        form_post(&t, &cancel, &cookie, "csrf=wrong").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.store.notification(ours).await.unwrap().unwrap().status,
        NotificationStatus::Scheduled
    );
    let r = form_post(&t, &cancel, &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        t.store.notification(ours).await.unwrap().unwrap().status,
        NotificationStatus::Cancelled
    );
    assert_eq!(
        form_post(&t, &cancel, &cookie, &format!("csrf={csrf}"))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert!(
        page_get(&t, &format!("/admin/notifications/{ours}"), &cookie)
            .await
            .text()
            .contains("anulowane")
    );
}

/// A refused form: the fields set, its error's element id, a word of the
/// message, and a typed value that must come back.
type Refused<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);

#[tokio::test]
async fn refused_forms_come_back_with_the_fields_message_and_store_nothing() {
    let t = world().await;
    let (cookie, _) = staff(&t, Role::Editor).await;
    let jobs = fan_out_jobs(&t);
    let audit = t.audit_len().await;
    // 1000 characters (the text's limit) of 4 bytes each: more than the
    // smallest push payload (Web Push's 3993 bytes) can carry.
    let long = "🚰".repeat(1000);
    let url = "http://siechnice.gmina.pl/woda";
    let at_past = (t.state.clock.now() - Duration::days(1))
        .with_timezone(&mm_protocol::LOCAL_TZ)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let cases: [Refused<'_>; 5] = [
        (
            &[("title", "Woda"), ("body", &long)],
            "n-body-error",
            "za długie",
            "🚰🚰🚰",
        ),
        (
            &[("title", "Woda"), ("link_kind", "url"), ("link_url", url)],
            "n-link-error",
            "https://",
            url,
        ),
        (
            &[("title", ""), ("body", "Bez tytułu")],
            "n-title-error",
            "wymagane",
            "Bez tytułu",
        ),
        (
            &[("title", "Woda"), ("when", "at"), ("send_at", &at_past)],
            "n-when-error",
            "od teraz do roku",
            &at_past,
        ),
        (
            &[
                ("title", "Woda"),
                ("lat", "51.03"),
                ("lon", "17.14"),
                ("radius", "50"),
            ],
            "n-circle-error",
            "Promień",
            "51.03",
        ),
    ];
    for (set, error_id, message, kept) in cases {
        let fields = compose(&t, &cookie, set).await;
        let r = post(&t, &cookie, &fields).await;
        let text = r.text();
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{error_id}: {text}");
        assert!(
            text.contains(&format!("id=\"{error_id}\"")),
            "{error_id}: {text}"
        );
        assert!(
            text.contains(&format!("aria-describedby=\"{error_id}\""))
                || text.contains(&format!(" {error_id}\"")),
            "the field names its message: {text}"
        );
        assert!(text.contains(message), "{error_id}: {message}");
        assert!(text.contains(kept), "{error_id}: what was typed stays");
    }
    assert!(
        t.store.notifications(10).await.unwrap().is_empty(),
        "nothing stored"
    );
    assert_eq!(fan_out_jobs(&t), jobs);
    assert_eq!(t.audit_len().await, audit);
}
