//! The accessibility statement (deklaracja dostępności; the act of
//! 4 April 2019, art. 10): `GET /deklaracja-dostepnosci` from the gmina's
//! settings, and its form at `/admin/settings/accessibility`, through the
//! router in-process over a real store (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`). The demo's Siechnice has one, Czernica
//! none; an admin's edit publishes it; bad input is a 400 that marks the
//! field and saves nothing; only admins edit; each gmina's is its own.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::Utc;
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::gmina::Teryt;
use mm_server::accessibility::{AccessibilityStatement, Conformance};
use mm_server::store::{Actor, Store};
use security_support::*;

const SIECHNICE: &str = "0223083";
const CZERNICA: &str = "0223032";
const FORM: &str = "/admin/settings/accessibility";

async fn world() -> TestApp {
    let t = TestApp::new().await;
    let now = Utc::now();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::siechnice_record(), now).await.unwrap();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::record(), now).await.unwrap();
    t
}

async fn statement_of(store: &dyn Store, teryt: &str) -> Option<AccessibilityStatement> {
    store.gmina_record(&Teryt::parse(teryt).unwrap()).await.unwrap().unwrap().settings.accessibility
}

/// The demo statement's fields as the form posts them, `changes` applied.
fn form(csrf: &str, changes: &[(&str, &str)]) -> String {
    let s = mm_server::accessibility::demo::siechnice();
    let iso = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut fields: Vec<(String, String)> = vec![
        ("csrf", csrf.to_owned()),
        ("entity", s.entity),
        ("website_name", s.website_name),
        ("website_url", s.website_url),
        ("published", iso(s.published)),
        ("updated", iso(s.updated)),
        ("status", s.status.as_str().to_owned()),
        ("non_accessible", s.non_accessible.replace('\n', "\r\n")),
        ("prepared", iso(s.prepared)),
        ("reviewed", iso(s.reviewed)),
        ("auditor", s.auditor),
        ("contact_name", s.contact_name),
        ("contact_email", s.contact_email),
        ("contact_phone", s.contact_phone),
        ("architecture", s.architecture.replace('\n', "\r\n")),
        ("android_url", s.android_url),
        ("ios_url", s.ios_url),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in changes {
        match fields.iter_mut().find(|(f, _)| f == k) {
            Some(f) => f.1 = (*v).to_owned(),
            None => fields.push(((*k).to_owned(), (*v).to_owned())),
        }
    }
    encode_form(&fields)
}

#[tokio::test]
async fn the_demo_statement_is_published_as_the_template_lays_it_out() {
    let t = world().await;
    let r = page_get(&t, &format!("/deklaracja-dostepnosci?gmina={SIECHNICE}"), "").await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    for needle in [
        "<html lang=\"pl\">",
        "<h1>Deklaracja dostępności mMieszkaniec Gminy Siechnice</h1>",
        "<span id=\"a11y-podmiot\">Gmina Siechnice</span> zobowiązuje się zapewnić dostępność",
        "<a id=\"a11y-url\" href=\"https://mmieszkaniec.siechnice.example.pl\">mMieszkaniec Gminy Siechnice</a>",
        "<time id=\"a11y-data-publikacja\" datetime=\"2026-03-02\">2026-03-02</time>",
        "<time id=\"a11y-data-aktualizacja\" datetime=\"2026-12-03\">",
        "<p id=\"a11y-status\">Strona internetowa jest częściowo zgodna z ustawą z dnia 4 kwietnia 2019 r.",
        "<ul id=\"a11y-niedostepne\">",
        "<time id=\"a11y-data-sporzadzenie\" datetime=\"2026-12-03\">",
        "na podstawie samooceny przeprowadzonej przez podmiot publiczny",
        "<span id=\"a11y-osoba\">Anna Nowak",
        "<a id=\"a11y-email\" href=\"mailto:dostepnosc@siechnice.example.pl\">",
        "<a id=\"a11y-telefon\" href=\"tel:+48717860901\">+48 71 786 09 01</a>",
        "id=\"a11y-procedura\"",
        "nie później niż w ciągu 7 dni od dnia wystąpienia z żądaniem",
        "nie może być dłuższy niż 2 miesiące",
        "Rzecznika Praw Obywatelskich",
        "id=\"a11y-architektura\"",
        "<p>Urząd Miejski w Siechnicach, ul. Jana Pawła II 12, 55-011 Siechnice.</p>",
        "id=\"a11y-aplikacje\"",
        "<a href=\"https://play.google.com/store/apps/details?id=pl.mmieszkaniec.app\">",
        // The footer's link names the gmina.
        "<a href=\"/deklaracja-dostepnosci?gmina=0223083\" lang=\"pl\">Deklaracja dostępności</a>",
    ] {
        assert!(page.contains(needle), "missing {needle:?} in\n{page}");
    }
    assert_eq!(page.matches("<li>").count() - page.matches("<li><a").count(), 3 + 3, "three items, three dates:\n{page}");
    assert!(!page.contains("a11y-data-przeglad"), "not reviewed: no review date");

    // The other public pages link it from their footer, with their gmina.
    let page = page_get(&t, &format!("/transparency?gmina={CZERNICA}"), "").await.text();
    assert!(page.contains("<a href=\"/deklaracja-dostepnosci?gmina=0223032\""), "{page}");
}

#[tokio::test]
async fn a_gmina_without_a_statement_says_so_and_several_gminas_need_one_named() {
    let t = world().await;
    let r = page_get(&t, &format!("/deklaracja-dostepnosci?gmina={CZERNICA}"), "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("Gmina nie opublikowała jeszcze deklaracji dostępności."), "{}", r.text());
    let r = page_get(&t, "/deklaracja-dostepnosci", "").await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "gmina_required"));
    // A gmina the deployment does not serve (Bolesławiec).
    let r = page_get(&t, "/deklaracja-dostepnosci?gmina=0201011", "").await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::NOT_FOUND, "unknown_gmina"));
}

#[tokio::test]
async fn an_admin_edits_and_publishes_it_for_their_gmina_only() {
    let t = world().await;
    let (admin, csrf) = staff(&t, Role::Admin).await;
    let page = page_get(&t, FORM, &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(page.contains("id=\"a11y-form\""), "{page}");
    assert!(page.contains("value=\"Gmina Siechnice\""), "{page}");
    assert!(page.contains("<option value=\"partial\" selected>"), "{page}");
    assert!(page_get(&t, "/admin/settings", &admin).await.text().contains("href=\"/admin/settings/accessibility\""));

    // Fully compliant after an audit: no list, an auditor, a review.
    let body = form(&csrf, &[("status", "full"), ("non_accessible", ""), ("auditor", "Fundacja Widzialni"), ("reviewed", "2026-12-03"), ("ios_url", "https://apps.apple.com/pl/app/id1")]);
    let r = form_post(&t, FORM, &admin, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("role=\"status\">Zapisano i opublikowano deklarację.</p>"), "{}", r.text());
    let stored = statement_of(t.store.as_ref(), SIECHNICE).await.unwrap();
    assert_eq!(stored.status, Conformance::Full);
    assert_eq!((stored.non_accessible.as_str(), stored.auditor.as_str()), ("", "Fundacja Widzialni"));
    // Lines kept, without the browser's \r.
    assert!(stored.architecture.contains("55-011 Siechnice.\n\nDo budynku") && !stored.architecture.contains('\r'));
    let page = page_get(&t, &format!("/deklaracja-dostepnosci?gmina={SIECHNICE}"), "").await.text();
    assert!(page.contains("<p id=\"a11y-status\">Strona internetowa jest zgodna z ustawą"), "{page}");
    assert!(!page.contains("a11y-niedostepne"), "{page}");
    assert!(page.contains("podmiot zewnętrzny: <span id=\"a11y-audytor\">Fundacja Widzialni</span>"), "{page}");
    assert!(page.contains("<time id=\"a11y-data-przeglad\" datetime=\"2026-12-03\">"), "{page}");
    assert!(page.contains("<a href=\"https://apps.apple.com/pl/app/id1\">mMieszkaniec na iOS (App Store)</a>"), "{page}");
    // Czernica's: still none.
    assert_eq!(statement_of(t.store.as_ref(), CZERNICA).await, None);

    // Text is escaped on the public page.
    let r = form_post(&t, FORM, &admin, &form(&csrf, &[("entity", "Gmina <script>alert(1)</script>")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = page_get(&t, &format!("/deklaracja-dostepnosci?gmina={SIECHNICE}"), "").await.text();
    assert!(page.contains("Gmina &lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert"), "{page}");
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_saves_nothing() {
    let t = world().await;
    let (admin, csrf) = staff(&t, Role::Admin).await;
    let before = statement_of(t.store.as_ref(), SIECHNICE).await;
    let long = "x".repeat(201);
    let cases: &[(&str, &str)] = &[
        ("entity", ""),
        ("entity", &long),
        ("website_name", "   "),
        ("website_url", "javascript:alert(1)"),
        ("website_url", "https://x\" onmouseover=\"alert(1)"),
        ("published", ""),
        ("published", "2026-13-01"),
        ("published", "2999-01-01"),
        ("published", "3 marca 2026"),
        ("updated", "2020-01-01"),
        ("status", "zgodna"),
        ("status", ""),
        ("non_accessible", ""),
        ("prepared", ""),
        ("reviewed", "2001-01-01"),
        ("contact_name", ""),
        ("contact_email", "dostepnosc"),
        ("contact_email", "a@b"),
        ("contact_email", "a@b.pl\r\nBcc: c@d.pl"),
        ("contact_phone", "123"),
        ("contact_phone", "call us"),
        ("architecture", ""),
        ("architecture", &"x".repeat(5001)),
        ("android_url", "market://details?id=x"),
        ("ios_url", "ftp://apps.apple.com"),
    ];
    for (field, value) in cases {
        let r = form_post(&t, FORM, &admin, &form(&csrf, &[(field, value)])).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}={value:?}");
        let page = r.text();
        assert!(page.contains("role=\"alert\" id=\"a11y-form-errors\""), "{field}={value:?}: {page}");
        let marked = format!("id=\"s-{field}\" name=\"{field}\"");
        let at = page.find(&marked).unwrap_or_else(|| panic!("{field}: no field in {page}"));
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        assert!(tag.contains("aria-invalid=\"true\"") && tag.contains(&format!("s-{field}-error")), "{field}={value:?}: {tag}");
        assert!(page.contains(&format!("<p id=\"s-{field}-error\" class=\"field-error\">")), "{field}");
        // Only that field is marked (a publication in the future also puts
        // the demo's last update before it).
        let invalid = if *field == "published" && value.starts_with("2999") { 2 } else { 1 };
        assert_eq!(page.matches("aria-invalid=\"true\"").count(), invalid, "{field}={value:?}");
        assert_eq!(statement_of(t.store.as_ref(), SIECHNICE).await, before, "{field}={value:?} saved nothing");
    }
    // Full conformance with a list left: the list is the problem.
    let r = form_post(&t, FORM, &admin, &form(&csrf, &[("status", "full")])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Strona zgodna nie ma treści niedostępnych"), "{}", r.text());
    assert_eq!(statement_of(t.store.as_ref(), SIECHNICE).await, before);
}

#[tokio::test]
async fn only_admins_edit_it_and_only_with_the_form_token() {
    let t = world().await;
    let before = statement_of(t.store.as_ref(), SIECHNICE).await;
    for role in [Role::Dispatcher, Role::Editor, Role::Department] {
        let (cookie, csrf) = staff(&t, role).await;
        assert_eq!(page_get(&t, FORM, &cookie).await.status, StatusCode::FORBIDDEN, "{role:?}");
        let r = form_post(&t, FORM, &cookie, &form(&csrf, &[("entity", "Przejęta")])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let (admin, _) = staff(&t, Role::Admin).await;
    let r = form_post(&t, FORM, &admin, &form("not-the-token", &[("entity", "Przejęta")])).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Signed out: to the sign-in form.
    let r = page_get(&t, FORM, "").await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(statement_of(t.store.as_ref(), SIECHNICE).await, before);
}
