//! The back office's consultations pages and the public summary (issue 15
//! items 6 and 8), through the router in-process over a real store (SQLite,
//! or PostgreSQL with `MM_TEST_BACKEND=postgres`): who may open them, CSRF,
//! a refused form saves nothing, the question form's round trip, status
//! moves, moderation, the CSV's formula escaping, the SVG's label
//! escaping, the public page's 404 before publication, and another
//! gmina's consultation 404.

use crate::common;
use crate::security_support;

use axum::http::{StatusCode, header};
use chrono::{Duration, Utc};
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::consultations::{
    Answer, AnswerValue, Answers, Consultation, ConsultationStatus, Question, QuestionKind, RespondentRule, check_answers,
};
use mm_protocol::gmina::Teryt;
use mm_server::store::consultations::{ModerationState, NewResponse};
use mm_server::store::{Actor, Store};
use security_support::*;

const CZERNICA: &str = "0223032";
const DEPARTMENT: &str = "Konsultacje społeczne";

/// Siechnice (the test store's own) with the consultations department,
/// and Czernica.
async fn world() -> (TestApp, i64) {
    let t = TestApp::new().await;
    let now = Utc::now();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::siechnice_record(), now).await.unwrap();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::record(), now).await.unwrap();
    let dept = t.store.create_department(Actor("test".into()), DEPARTMENT, now).await.unwrap();
    (t, dept.id)
}

fn survey(t: &TestApp, option: &str, anonymous: bool) -> Consultation {
    let now = t.state.clock.now();
    Consultation {
        id: 0,
        title: "Park przy ul. Kościuszki".into(),
        description: "Co ma powstać w parku?".into(),
        opens_at: now - Duration::days(1),
        closes_at: now + Duration::days(2),
        area: None,
        attachments: vec![],
        questions: vec![
            Question {
                id: "q1".into(),
                text: "Co wolisz?".into(),
                help: String::new(),
                required: true,
                kind: QuestionKind::Single { options: vec![option.into(), "Siłownia".into()] },
            },
            Question {
                id: "q2".into(),
                text: "Uwagi".into(),
                help: String::new(),
                required: false,
                kind: QuestionKind::LongText { max_chars: 2000 },
            },
        ],
        respondents: RespondentRule::PerDevice,
        verification: Default::default(),
        anonymous,
        status: ConsultationStatus::Draft,
    }
}

/// An open consultation of `store` with one answer per (option, text).
async fn answered(t: &TestApp, store: &dyn Store, c: Consultation, answers: &[(u16, &str)]) -> Consultation {
    let now = t.state.clock.now();
    let c = store.save_consultation(Actor("test".into()), c, now).await.unwrap();
    let c = store.set_status(Actor("test".into()), c.id, ConsultationStatus::Open, now).await.unwrap();
    for (n, (option, text)) in answers.iter().enumerate() {
        let mut a = vec![Answer { question: "q1".into(), value: AnswerValue::Single { option: *option } }];
        if !text.is_empty() {
            a.push(Answer { question: "q2".into(), value: AnswerValue::Text { text: (*text).into() } });
        }
        let answers = check_answers(&c, &Answers { answers: a }).unwrap();
        let key = format!("respondent-{n}").into_bytes();
        store.answer(NewResponse { consultation: c.id, respondent_key: key, answers, now, idempotency: None, sms: None }).await.unwrap();
    }
    c
}

fn location(r: &common::Resp) -> String {
    r.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

fn public_uri(t: &TestApp, id: i64) -> String {
    format!("/consultations/{id}?gmina={}", t.store.gmina_scope())
}

#[tokio::test]
async fn admins_and_the_department_open_the_pages_others_are_refused() {
    let (t, dept) = world().await;
    let c = answered(&t, t.store.as_ref(), survey(&t, "Plac zabaw", false), &[(0, "")]).await;
    let pages = [
        "/admin/consultations".to_owned(),
        "/admin/consultations/new".to_owned(),
        format!("/admin/consultations/{}", c.id),
        format!("/admin/consultations/{}/results", c.id),
        format!("/admin/consultations/{}/results.csv", c.id),
        format!("/admin/consultations/{}/moderation", c.id),
    ];
    let admin = staff(&t, Role::Admin).await;
    let official = department_official(&t, Some(dept)).await;
    for (who, (cookie, _)) in [("admin", &admin), ("official", &official)] {
        for p in &pages {
            let r = page_get(&t, p, cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{who} {p}: {}", r.text());
        }
        assert!(page_get(&t, "/admin/consultations", cookie).await.text().contains("href=\"/admin/consultations\""), "menu link");
    }
    let roads = t.store.create_department(Actor("test".into()), "Drogi", Utc::now()).await.unwrap();
    let refused = [
        ("editor", staff(&t, Role::Editor).await),
        ("dispatcher", staff(&t, Role::Dispatcher).await),
        ("roads official", department_official(&t, Some(roads.id)).await),
    ];
    let audit = t.audit_len().await;
    for (who, (cookie, csrf)) in &refused {
        for p in &pages {
            assert_eq!(page_get(&t, p, cookie).await.status, StatusCode::FORBIDDEN, "{who} {p}");
        }
        let r = form_post(&t, &format!("/admin/consultations/{}/status", c.id), cookie, &format!("csrf={csrf}&to=closed")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} closes");
    }
    assert_eq!(t.audit_len().await, audit, "nothing written");
    assert_eq!(t.store.consultation(c.id).await.unwrap().unwrap().status, ConsultationStatus::Open);

    // Czernica's consultation is not found from Siechnice.
    let cz = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    let other = answered(&t, cz.as_ref(), survey(&t, "Czernicki park", false), &[]).await;
    let (cookie, csrf) = &admin;
    for p in ["", "/results", "/results.csv", "/moderation"] {
        let r = page_get(&t, &format!("/admin/consultations/{}{p}", other.id), cookie).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "Czernica's {p}");
        assert!(!r.text().contains("Czernicki"));
    }
    let r = form_post(&t, &format!("/admin/consultations/{}/status", other.id), cookie, &format!("csrf={csrf}&to=closed")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(cz.consultation(other.id).await.unwrap().unwrap().status, ConsultationStatus::Open);
    assert!(!page_get(&t, "/admin/consultations", cookie).await.text().contains("Czernicki"));
}

fn form_body(csrf: &str, title: &str, opens: &str, closes: &str, questions: &[(&str, &str, &str, &str, &str, &str)]) -> String {
    let mut f = vec![
        ("csrf".to_owned(), csrf.to_owned()),
        ("title".into(), title.into()),
        ("description".into(), "Opis".into()),
        ("opens_at".into(), opens.into()),
        ("closes_at".into(), closes.into()),
        ("localities".into(), String::new()),
        ("respondents".into(), "per_device".into()),
        ("anonymous".into(), "on".into()),
    ];
    for (i, (id, kind, text, options, columns, limit)) in questions.iter().enumerate() {
        for (k, v) in [("id", id), ("kind", kind), ("text", text), ("options", options), ("columns", columns), ("limit", limit)] {
            f.push((format!("q{i}_{k}"), (*v).to_owned()));
        }
        f.push((format!("q{i}_required"), "on".into()));
    }
    encode_form(&f)
}

#[tokio::test]
async fn the_form_refuses_without_csrf_shows_field_errors_and_round_trips() {
    let (t, _) = world().await;
    let (cookie, csrf) = staff(&t, Role::Admin).await;
    let qs = [
        ("wybor", "single", "Co wolisz?", "Plac zabaw\nSiłownia", "", ""),
        ("kilka", "multiple", "Co jeszcze?", "Ławki\nLampy\nKosze", "", "2"),
        ("ranking", "ranking", "Kolejność", "A\nB\nC", "", "2"),
        ("macierz", "matrix", "Oceń", "Czystość\nBezpieczeństwo", "dobrze\nźle", ""),
        ("uwagi", "long_text", "Uwagi", "", "", "500"),
    ];
    let good = form_body(&csrf, "Park", "2027-03-01T10:00", "2027-03-31T18:00", &qs);
    // Without the CSRF token: 403, nothing saved.
    let r = form_post(&t, "/admin/consultations", &cookie, &good.replacen(&format!("csrf={csrf}"), "csrf=wrong", 1)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(t.store.consultations(true).await.unwrap().is_empty());
    // Closing before opening: the error by the field, nothing saved.
    let r = form_post(&t, "/admin/consultations", &cookie, &form_body(&csrf, "Park", "2027-03-31T10:00", "2027-03-01T10:00", &qs)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"c-closes-error\""), "{}", r.text());
    // A single choice with one option: the error in that question.
    let mut bad = qs;
    bad[0].3 = "Tylko jedna";
    let r = form_post(&t, "/admin/consultations", &cookie, &form_body(&csrf, "Park", "2027-03-01T10:00", "2027-03-31T18:00", &bad)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("id=\"q0-error\""), "{}", r.text());
    assert!(r.text().contains("Tylko jedna"), "what was typed stays");
    assert!(t.store.consultations(true).await.unwrap().is_empty(), "nothing saved");

    let r = form_post(&t, "/admin/consultations", &cookie, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let saved = t.store.consultations(true).await.unwrap();
    assert_eq!(saved.len(), 1);
    let c = &saved[0];
    assert_eq!(location(&r), format!("/admin/consultations/{}/results", c.id));
    assert_eq!(c.status, ConsultationStatus::Draft);
    assert!(c.anonymous);
    assert_eq!(c.questions.len(), 5);
    assert_eq!(c.questions[1].kind, QuestionKind::Multiple { options: vec!["Ławki".into(), "Lampy".into(), "Kosze".into()], max: 2 });
    assert_eq!(c.questions[2].kind, QuestionKind::Ranking { options: vec!["A".into(), "B".into(), "C".into()], rank_max: 2 });
    assert_eq!(
        c.questions[3].kind,
        QuestionKind::Matrix { rows: vec!["Czystość".into(), "Bezpieczeństwo".into()], columns: vec!["dobrze".into(), "źle".into()], multiple: false }
    );
    assert_eq!(c.questions[4].kind, QuestionKind::LongText { max_chars: 500 });
    // The edit page, posted back as it is, changes nothing.
    let page = page_get(&t, &format!("/admin/consultations/{}", c.id), &cookie).await.text();
    let fields = form_fields(&page, &format!("/admin/consultations/{}", c.id));
    let r = form_post(&t, &format!("/admin/consultations/{}", c.id), &cookie, &encode_form(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(&t.store.consultation(c.id).await.unwrap().unwrap(), c);
}

#[tokio::test]
async fn status_moves_moderation_and_the_public_page() {
    let (t, dept) = world().await;
    let (mut cookie, mut csrf) = department_official(&t, Some(dept)).await;
    let c = answered(&t, t.store.as_ref(), survey(&t, "Plac zabaw", false), &[(0, "Więcej ławek"), (1, "Sekret czekający"), (0, "")]).await;
    let status = |csrf: &str, to: &str| format!("csrf={csrf}&to={to}");
    let uri = format!("/admin/consultations/{}/status", c.id);
    // Answered: not back to draft.
    assert_eq!(form_post(&t, &uri, &cookie, &status(&csrf, "draft")).await.status, StatusCode::CONFLICT);
    // Public page: 404 before publication.
    assert_eq!(t.get(&public_uri(&t, c.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(form_post(&t, &uri, &cookie, &status(&csrf, "closed")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(&public_uri(&t, c.id)).await.status, StatusCode::NOT_FOUND, "closed is not published");
    // Publishing waits for the closing date.
    assert_eq!(form_post(&t, &uri, &cookie, &status(&csrf, "published")).await.status, StatusCode::CONFLICT);
    t.advance(Duration::days(3));
    // The session has expired by then: sign in again.
    (cookie, csrf) = department_official(&t, Some(dept)).await;
    assert_eq!(form_post(&t, &uri, &cookie, &status(&csrf, "published")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.store.consultation(c.id).await.unwrap().unwrap().status, ConsultationStatus::Published);

    let public = t.get(&public_uri(&t, c.id)).await;
    assert_eq!(public.status, StatusCode::OK);
    let text = public.text();
    assert!(text.contains("Co ma powstać w parku?") && text.contains("<svg"), "{text}");
    assert!(!text.contains("Więcej ławek") && !text.contains("Sekret"), "pending texts are not public");

    // Moderation: approve one, reject the other.
    let queue = page_get(&t, &format!("/admin/consultations/{}/moderation", c.id), &cookie).await.text();
    assert!(queue.contains("Więcej ławek") && queue.contains("Sekret czekający"));
    let pending = t.store.text_answers(c.id, ModerationState::Pending).await.unwrap();
    let id_of = |s: &str| pending.iter().find(|a| a.text == s).unwrap().id.clone();
    let decide = |text: String, decision: &str, csrf: &str| {
        (format!("/admin/consultations/{}/moderation/{text}", c.id), format!("csrf={csrf}&decision={decision}"))
    };
    let (u, b) = decide(id_of("Więcej ławek"), "approve", "nope");
    assert_eq!(form_post(&t, &u, &cookie, &b).await.status, StatusCode::FORBIDDEN, "CSRF");
    let (u, b) = decide(id_of("Więcej ławek"), "approve", &csrf);
    assert_eq!(form_post(&t, &u, &cookie, &b).await.status, StatusCode::SEE_OTHER);
    let (u, b) = decide(id_of("Sekret czekający"), "reject", &csrf);
    assert_eq!(form_post(&t, &u, &cookie, &b).await.status, StatusCode::SEE_OTHER);
    let text = t.get(&public_uri(&t, c.id)).await.text();
    assert!(text.contains("Więcej ławek"), "the approved text is public");
    assert!(!text.contains("Sekret"), "the rejected one is not");
    assert!(t.store.text_answers(c.id, ModerationState::Pending).await.unwrap().is_empty());
}

#[tokio::test]
async fn csv_escapes_formulas_and_the_svg_escapes_labels() {
    let (t, _) = world().await;
    let (cookie, _) = staff(&t, Role::Admin).await;
    let c = answered(&t, t.store.as_ref(), survey(&t, "=HYPERLINK(\"x\")", false), &[(0, "=1+1"), (1, "")]).await;
    let r = page_get(&t, &format!("/admin/consultations/{}/results.csv", c.id), &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text();
    assert!(csv.starts_with('\u{FEFF}'), "UTF-8 BOM");
    let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("respondent;submitted;"), "{csv}");
    // Both answers came at one instant: rows of one time are in id (random) order.
    let first = lines.iter().find(|l| l.contains(";'=1+1")).expect("the answer with the formula text");
    assert!(first.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
    assert!(!csv.contains(";=") && !csv.contains(";\"="), "no cell starts with =: {csv}");

    // Anonymous: no respondent column, the date only.
    let anon = answered(&t, t.store.as_ref(), survey(&t, "Plac", true), &[(0, "")]).await;
    let csv = page_get(&t, &format!("/admin/consultations/{}/results.csv", anon.id), &cookie).await.text();
    let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').split("\r\n").collect();
    assert!(lines[0].starts_with("submitted;"), "{csv}");
    let date = lines[1].split(';').next().unwrap();
    assert_eq!(date.len(), 10, "a date, no time: {csv}");

    // The chart's label is text, escaped.
    let evil = answered(&t, t.store.as_ref(), survey(&t, "<script>alert(1)</script>", false), &[(0, "")]).await;
    let page = page_get(&t, &format!("/admin/consultations/{}/results", evil.id), &cookie).await.text();
    assert!(page.contains("<svg") && page.contains("&lt;script&gt;"), "{page}");
    assert!(!page.contains("<script>alert"), "{page}");
}
