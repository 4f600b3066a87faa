//! The back office's taxes pages (issue 14), through the router in-process
//! over a real store: who may open them (admins and the tax department's
//! officials; everyone else 403, another gmina's taxpayer 404), the audit
//! log's lookups (the id, never the name), the rate and threshold forms'
//! refusals (nothing changed), an issued code that then links a device,
//! and the payments' reconciliation view.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::normalise_code;
use mm_protocol::taxes::checksums::nrb_check_digits;
use mm_protocol::taxes::{BookedPayment, LiabilityKind, LiabilityRecord, Taxpayer};
use mm_server::store::taxes::{ImportedTaxpayer, LinkOutcome, NewPayment, PaymentUpdate, TaxBatch};
use mm_server::store::{Actor, Store};
use mm_server::taxes::codes::hash_code;
use security_support::*;

const NAME: &str = "Anna Testowa-Podatniczka";
const OTHER_NAME: &str = "Jan Sąsiedni";
const CZERNICA: &str = "0223032";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn account(n: u32) -> String {
    let bban = format!("10205226{n:016}");
    format!("{}{bban}", nrb_check_digits(&bban).unwrap())
}

fn liability(taxpayer: &str, n: u32, due: NaiveDate, amount: i64, payments: Vec<BookedPayment>) -> LiabilityRecord {
    LiabilityRecord {
        id: format!("{taxpayer}-L{n}"),
        taxpayer: taxpayer.into(),
        kind: LiabilityKind::Property,
        year: due.format("%Y").to_string().parse().unwrap(),
        instalment: n,
        decision: format!("FN.3120.{n}.2025"),
        due_date: due,
        amount_grosze: amount,
        account: account(n),
        payments,
    }
}

fn batch(taxpayer: &str, name: &str) -> TaxBatch {
    TaxBatch {
        taxpayers: vec![ImportedTaxpayer {
            taxpayer: Taxpayer { id: taxpayer.into(), name: name.into() },
            code_hash: None,
            code_expires_at: None,
        }],
        liabilities: vec![
            // The reference example: 1,000 zł due 15 Mar 2025, unpaid.
            liability(taxpayer, 1, d(2025, 3, 15), 100_000, vec![]),
            // Paid on time.
            liability(taxpayer, 2, d(2025, 5, 15), 100_000, vec![BookedPayment { date: d(2025, 5, 14), amount_grosze: 100_000 }]),
            // Above 9,999.99 zł.
            liability(taxpayer, 3, d(2025, 9, 15), 1_125_000, vec![]),
        ],
        booked_references: vec![],
    }
}

/// Two gminas, Siechnice (the test store's own) with taxpayer `T-1` and
/// the tax department, Czernica with `CZ-1`.
async fn world() -> (TestApp, i64) {
    let t = TestApp::new().await;
    let home = mm_server::demo::czernica::siechnice_record();
    assert_eq!(&home.teryt, t.store.gmina_scope(), "the test store is Siechnice's");
    let now = Utc::now();
    t.store.add_gmina(Actor("test".into()), home, now).await.unwrap();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::record(), now).await.unwrap();
    t.store.import_taxes(Actor("test".into()), "file:test.json", batch("T-1", NAME), vec![], false, now).await.unwrap();
    let czernica = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    czernica.import_taxes(Actor("test".into()), "file:cz.json", batch("CZ-1", OTHER_NAME), vec![], false, now).await.unwrap();
    let dept = t.store.create_department(Actor("test".into()), "Podatki i opłaty", now).await.unwrap();
    (t, dept.id)
}

const PAGES: [&str; 4] = ["/admin/taxes", "/admin/taxes/taxpayers?q=Testowa", "/admin/taxes/taxpayers/T-1", "/admin/taxes/payments"];

#[tokio::test]
async fn every_taxes_page_opens_for_an_admin_and_a_tax_official() {
    let (t, dept) = world().await;
    let admin = staff(&t, Role::Admin).await;
    let official = department_official(&t, Some(dept)).await;
    for (who, (cookie, _)) in [("admin", &admin), ("tax official", &official)] {
        for page in PAGES {
            let r = page_get(&t, page, cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{who} {page}: {}", r.text());
            assert!(r.text().contains("href=\"/admin/taxes\""), "{who} has the menu link on {page}");
        }
        let overview = page_get(&t, "/admin/taxes", cookie).await.text();
        assert!(overview.contains("file:test.json"), "the import run is listed");
        assert!(overview.contains("13,50%") && overview.contains("8,70"), "the rate table");
        let search = page_get(&t, "/admin/taxes/taxpayers?q=Testowa", cookie).await.text();
        assert!(search.contains("/admin/taxes/taxpayers/T-1") && search.contains("Testowa-Podatniczka"), "{search}");
        assert!(!search.contains("Sąsiedni"), "Czernica's taxpayer is not found from Siechnice");
        let page = page_get(&t, "/admin/taxes/taxpayers/T-1", cookie).await.text();
        assert!(page.contains(NAME));
        // The statement as of today: the reference liability is overdue with
        // interest; the big one shows its 11 250 zł.
        assert!(page.contains("status-overdue") && page.contains("status-paid"), "statuses shown");
        assert!(page.contains("11\u{a0}250,00\u{a0}zł"), "amounts as Polish money");
        assert!(page.contains(&account(1)), "the liability's own account");
        assert!(page.contains("id=\"issue-code\"") && page.contains("id=\"revoke-codes\""));
    }
}

#[tokio::test]
async fn other_roles_and_departments_are_refused_and_see_no_menu_link() {
    let (t, _) = world().await;
    let roads = t.store.create_department(Actor("test".into()), "Drogi", Utc::now()).await.unwrap();
    let refused = [
        ("editor", staff(&t, Role::Editor).await),
        ("dispatcher", staff(&t, Role::Dispatcher).await),
        ("roads official", department_official(&t, Some(roads.id)).await),
        ("official of no department", department_official(&t, None).await),
    ];
    let audit_before = t.audit_len().await;
    for (who, (cookie, csrf)) in &refused {
        for page in PAGES {
            let r = page_get(&t, page, cookie).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {page}");
            assert!(!r.text().contains(NAME), "{who} {page} shows the name");
        }
        for post in ["/admin/taxes/taxpayers/T-1/code", "/admin/taxes/taxpayers/T-1/revoke"] {
            let r = form_post(&t, post, cookie, &format!("csrf={csrf}")).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {post}");
        }
        let r = form_post(&t, "/admin/taxes/rates", cookie, &format!("csrf={csrf}&from=2026-12-01&rate=9")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} adds a rate");
        let home = page_get(&t, "/admin/password", cookie).await.text();
        assert!(!home.contains("href=\"/admin/taxes\""), "{who} has no taxes link");
    }
    assert_eq!(t.audit_len().await, audit_before, "nothing looked up, issued or changed");
    assert!(t.store.tax_rules().await.unwrap().rates.iter().all(|r| r.from != d(2026, 12, 1)));
}

#[tokio::test]
async fn the_tax_department_is_the_gminas_setting() {
    let (t, _) = world().await;
    // Another name in the settings: the "Podatki i opłaty" officials lose
    // access, the named department's gain it.
    let finance = t.store.create_department(Actor("test".into()), "Referat Finansowy", Utc::now()).await.unwrap();
    let mut record = t.store.gmina_record(t.store.gmina_scope()).await.unwrap().unwrap();
    record.settings.tax_department = Some("Referat Finansowy".into());
    t.store.update_gmina(Actor("test".into()), record, Utc::now()).await.unwrap();
    t.state.gminas.invalidate();
    let (cookie, _) = department_official(&t, Some(finance.id)).await;
    assert_eq!(page_get(&t, "/admin/taxes", &cookie).await.status, StatusCode::OK);
}

#[tokio::test]
async fn another_gminas_taxpayer_is_not_found() {
    let (t, dept) = world().await;
    for (cookie, csrf) in [staff(&t, Role::Admin).await, department_official(&t, Some(dept)).await] {
        let r = page_get(&t, "/admin/taxes/taxpayers/CZ-1", &cookie).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.text().contains(OTHER_NAME));
        for post in ["/admin/taxes/taxpayers/CZ-1/code", "/admin/taxes/taxpayers/CZ-1/revoke"] {
            assert_eq!(form_post(&t, post, &cookie, &format!("csrf={csrf}")).await.status, StatusCode::NOT_FOUND, "{post}");
        }
        let search = page_get(&t, "/admin/taxes/taxpayers?q=CZ-1", &cookie).await.text();
        assert!(!search.contains(OTHER_NAME) && !search.contains("/admin/taxes/taxpayers/CZ-1"));
        let r = page_get(&t, "/admin/taxes/taxpayers/NOBODY", &cookie).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_lookup_is_audited_with_the_taxpayers_id_never_the_name() {
    let (t, dept) = world().await;
    let (cookie, _) = department_official(&t, Some(dept)).await;
    assert_eq!(page_get(&t, "/admin/taxes/taxpayers/T-1", &cookie).await.status, StatusCode::OK);
    assert_eq!(page_get(&t, "/admin/taxes/taxpayers?q=Testowa", &cookie).await.status, StatusCode::OK);
    let audit = t.store.list_audit(1000).await.unwrap();
    let lookup = audit.iter().find(|a| a.action == "taxes.lookup").expect("the lookup is in the audit log");
    assert_eq!(lookup.entity_id.as_deref(), Some("T-1"));
    assert!(lookup.actor.starts_with("department-"), "by the official: {}", lookup.actor);
    assert!(audit.iter().any(|a| a.action == "taxes.search"), "the search too");
    for a in &audit {
        let all = format!("{} {} {:?} {}", a.action, a.entity, a.entity_id, a.details);
        assert!(!all.contains("Testowa") && !all.contains("Anna"), "the audit log names the taxpayer: {all}");
    }
    // And the admin's audit page shows it.
    let (admin, _) = staff(&t, Role::Admin).await;
    assert!(page_get(&t, "/admin/audit", &admin).await.text().contains("taxes.lookup"));
}

#[tokio::test]
async fn bad_rates_and_thresholds_are_refused_and_change_nothing() {
    let (t, dept) = world().await;
    let (cookie, csrf) = department_official(&t, Some(dept)).await;
    let before = t.store.tax_rules().await.unwrap();
    let audit_before = t.audit_len().await;
    for (form, status) in [
        ("from=2026-12-01&rate=10%2C505", StatusCode::BAD_REQUEST), // a fraction of a basis point
        ("from=2026-12-01&rate=-9", StatusCode::BAD_REQUEST),
        ("from=2026-12-01&rate=0", StatusCode::BAD_REQUEST),
        ("from=2026-12-01&rate=150", StatusCode::BAD_REQUEST),
        ("from=2026-12-01&rate=abc", StatusCode::BAD_REQUEST),
        ("from=2026-13-01&rate=9", StatusCode::BAD_REQUEST),
        ("from=&rate=9", StatusCode::BAD_REQUEST),
        ("from=2025-05-08&rate=9", StatusCode::CONFLICT), // the statutory row of 8 May 2025
    ] {
        let r = form_post(&t, "/admin/taxes/rates", &cookie, &format!("csrf={csrf}&{form}")).await;
        assert_eq!(r.status, status, "rate {form}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "rate {form}: the refusal is said");
    }
    for (form, status) in [
        ("from=2026-12-01&amount=8%2C705", StatusCode::BAD_REQUEST), // a fraction of a grosz
        ("from=2026-12-01&amount=-8", StatusCode::BAD_REQUEST),
        ("from=2014-02-01&amount=9", StatusCode::CONFLICT),
    ] {
        let r = form_post(&t, "/admin/taxes/thresholds", &cookie, &format!("csrf={csrf}&{form}")).await;
        assert_eq!(r.status, status, "threshold {form}: {}", r.text());
    }
    // No CSRF token, or another's: 403.
    for body in ["from=2026-12-01&rate=9".to_owned(), format!("csrf={}&from=2026-12-01&rate=9", "0".repeat(64))] {
        assert_eq!(form_post(&t, "/admin/taxes/rates", &cookie, &body).await.status, StatusCode::FORBIDDEN);
        let code = form_post(&t, "/admin/taxes/taxpayers/T-1/code", &cookie, &body).await;
        assert_eq!(code.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(t.store.tax_rules().await.unwrap(), before, "nothing changed");
    assert_eq!(t.audit_len().await, audit_before, "nothing audited: nothing done");

    // A good rate and threshold go in (and say so).
    let r = form_post(&t, "/admin/taxes/rates", &cookie, &format!("csrf={csrf}&from=2026-12-01&rate=9%2C75")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("9,75%"));
    let r = form_post(&t, "/admin/taxes/thresholds", &cookie, &format!("csrf={csrf}&from=2026-12-01&amount=9.60")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = t.store.tax_rules().await.unwrap();
    assert_eq!(after.rate_on(d(2026, 12, 1)), 975);
    assert_eq!(after.threshold_on(d(2026, 12, 1)), 960);
    // Czernica's table is its own.
    let czernica = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    assert_eq!(czernica.tax_rules().await.unwrap().rate_on(d(2026, 12, 1)), before.rate_on(d(2026, 12, 1)));
}

/// The code the page shows, normalised.
fn shown_code(html: &str) -> String {
    let i = html.find("id=\"activation-code\">").expect("the code is shown") + "id=\"activation-code\">".len();
    let j = html[i..].find('<').unwrap() + i;
    normalise_code(&html[i..j]).expect("a well-formed code")
}

/// A device registered in Siechnice: its id.
async fn device_id(t: &TestApp) -> String {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/devices")
        .header("content-type", "application/json")
        .header("MM-Gmina", t.store.gmina_scope().as_str())
        .body(axum::body::Body::from(r#"{"platform": "android", "app_version": "1.0.0"}"#))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    t.store.find_device(&mm_server::auth::token::hash_token(&token)).await.unwrap().unwrap().id
}

#[tokio::test]
async fn an_issued_code_is_shown_once_and_links_a_device_until_revoked() {
    let (t, dept) = world().await;
    let (cookie, csrf) = department_official(&t, Some(dept)).await;
    let r = form_post(&t, "/admin/taxes/taxpayers/T-1/code", &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let code = shown_code(&r.text());
    assert!(t.store.list_audit(100).await.unwrap().iter().any(|a| a.action == "taxes.code_issued"));
    // Shown once: the page opened again has no code.
    let again = page_get(&t, "/admin/taxes/taxpayers/T-1", &cookie).await.text();
    assert!(!again.contains("id=\"activation-code\""));
    assert!(!again.contains(&code));

    let device = device_id(&t).await;
    let hash = hash_code(t.store.gmina_scope(), &code);
    match t.store.link_device(&device, &hash, Utc::now()).await.unwrap() {
        LinkOutcome::Linked(tp) => assert_eq!(tp.id, "T-1"),
        other => panic!("the issued code links: {other:?}"),
    }
    assert_eq!(t.store.device_taxpayers(&device).await.unwrap().len(), 1);

    // A second code replaces the first's unused ones; revoking unlinks.
    let r = form_post(&t, "/admin/taxes/taxpayers/T-1/code", &cookie, &format!("csrf={csrf}")).await;
    let second = shown_code(&r.text());
    assert_ne!(second, code);
    let r = form_post(&t, "/admin/taxes/taxpayers/T-1/revoke", &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(t.store.device_taxpayers(&device).await.unwrap().is_empty(), "the device is unlinked");
    let other = device_id(&t).await;
    let revoked = t.store.link_device(&other, &hash_code(t.store.gmina_scope(), &second), Utc::now()).await.unwrap();
    assert!(matches!(revoked, LinkOutcome::Invalid { .. }), "a revoked code links nothing: {revoked:?}");
}

#[tokio::test]
async fn payments_show_their_gateway_state_and_the_unbooked_ones() {
    let (t, dept) = world().await;
    let (cookie, csrf) = department_official(&t, Some(dept)).await;
    // A device linked to T-1 paid 5 days ago; the tax system has not booked it.
    let r = form_post(&t, "/admin/taxes/taxpayers/T-1/code", &cookie, &format!("csrf={csrf}")).await;
    let device = device_id(&t).await;
    let hash = hash_code(t.store.gmina_scope(), &shown_code(&r.text()));
    assert!(matches!(t.store.link_device(&device, &hash, Utc::now()).await.unwrap(), LinkOutcome::Linked(_)));
    let paid_at = Utc::now() - Duration::days(5);
    let new = |id: &str, key: &str| NewPayment {
        id: id.into(),
        device_id: device.clone(),
        liability: "T-1-L1".into(),
        amount_grosze: 103_700,
        provider: "sandbox".into(),
        idempotency_key: key.into(),
        request_hash: format!("hash-{key}"),
        now: paid_at - Duration::minutes(3),
    };
    let paid = "11111111-1111-4111-8111-111111111111";
    let flagged = "22222222-2222-4222-8222-222222222222";
    t.store.create_payment(new(paid, "k1"), None).await.unwrap().unwrap();
    t.store.update_payment(paid, PaymentUpdate::Registered { token: "tok-1".into() }, paid_at).await.unwrap();
    t.store.update_payment(paid, PaymentUpdate::Paid { order_id: 424_242, at: paid_at }, paid_at).await.unwrap();
    t.store.create_payment(new(flagged, "k2"), None).await.unwrap().unwrap();
    t.store.update_payment(flagged, PaymentUpdate::Flag { reason: "amount 1 differs".into() }, Utc::now()).await.unwrap();

    let page = page_get(&t, "/admin/taxes/payments", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let section = |id: &str| {
        let i = html.find(&format!("id=\"{id}\"")).unwrap();
        let j = html[i..].find("</table>").unwrap() + i;
        html[i..j].to_owned()
    };
    assert!(section("reconciliation").contains(paid) && section("reconciliation").contains("424242"), "paid 5 days ago, not booked after 3");
    assert!(!section("reconciliation").contains(flagged));
    assert!(section("flagged").contains(flagged) && section("flagged").contains("amount 1 differs"));
    assert!(section("all").contains(paid) && section("all").contains(flagged));
    let ten = page_get(&t, "/admin/taxes/payments?days=10", &cookie).await.text();
    let i = ten.find("id=\"reconciliation\"").unwrap();
    assert!(!ten[i..i + ten[i..].find("</table>").unwrap()].contains(paid), "not yet 10 days");
    let pending = page_get(&t, "/admin/taxes/payments?status=pending", &cookie).await.text();
    let i = pending.find("id=\"all\"").unwrap();
    assert!(pending[i..].contains(flagged) && !pending[i..].contains("424242"));
    for bad in ["days=abc", "days=-1", "days=1.5", "status=lost"] {
        assert_eq!(page_get(&t, &format!("/admin/taxes/payments?{bad}"), &cookie).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    // The taxpayer's page lists the app's payment and counts it.
    let tp = page_get(&t, "/admin/taxes/taxpayers/T-1", &cookie).await.text();
    assert!(tp.contains(paid), "the app's payment is listed");
    let i = tp.find("id=\"l-T-1-L1\"").unwrap();
    let row = &tp[i..i + tp[i..].find("</tr>").unwrap()];
    assert!(row.contains("1\u{a0}037,00\u{a0}zł"), "the payment in the app counts though unbooked: {row}");
}

#[tokio::test]
async fn the_demo_register_imports_and_its_code_links() {
    let t = TestApp::new().await;
    let store: std::sync::Arc<dyn Store> = t.store.clone();
    let started = mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, false).await.unwrap();
    let code = started.taxes.activation_code.expect("a code to try");
    assert!(started.taxes.official_password.is_some(), "the tax official was made");
    let scoped = store.for_gmina(&mm_server::demo::czernica::siechnice_record().teryt);
    let runs = scoped.import_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].counts.taxpayers_created, u64::from(mm_server::demo::taxes::SIECHNICE_TAXPAYERS));
    let device = device_id(&t).await;
    let linked = scoped.link_device(&device, &hash_code(scoped.gmina_scope(), &normalise_code(&code).unwrap()), Utc::now()).await.unwrap();
    assert!(matches!(linked, LinkOutcome::Linked(ref tp) if tp.id == mm_server::demo::taxes::TRY_TAXPAYER), "{linked:?}");
    // A second start imports nothing again, makes no second official, and
    // prints a new code.
    let again = mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, false).await.unwrap();
    assert_eq!(scoped.import_runs(10).await.unwrap().len(), 1);
    assert!(again.taxes.official_password.is_none());
    assert_ne!(again.taxes.activation_code.unwrap(), code);
    let record = scoped.gmina_record(scoped.gmina_scope()).await.unwrap().unwrap();
    assert_eq!(record.settings.tax_recipient_name.as_deref(), Some("Gmina Siechnice"));
}

#[tokio::test]
async fn a_hostile_taxpayer_name_renders_inert() {
    let (t, _) = world().await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let mut b = batch("T-9", hostile);
    b.liabilities.iter_mut().for_each(|l| l.decision = "\"><svg onload=alert(3)>".into());
    t.store.import_taxes(Actor("test".into()), "file:<b>x</b>.json", b, vec![], false, Utc::now()).await.unwrap();
    let (cookie, _) = staff(&t, Role::Admin).await;
    for page in ["/admin/taxes", "/admin/taxes/taxpayers?q=T-9", "/admin/taxes/taxpayers/T-9"] {
        let html = page_get(&t, page, &cookie).await.text();
        for raw in ["<script>alert", "<img src=x", "<svg onload", "<b>x</b>"] {
            assert!(!html.contains(raw), "{page} carries {raw:?} raw");
        }
    }
    assert!(page_get(&t, "/admin/taxes/taxpayers/T-9", &cookie).await.text().contains("&lt;script&gt;alert(1)"));
}

#[tokio::test]
async fn a_refused_import_shows_each_bad_row_with_its_line_and_reason() {
    let (t, dept) = world().await;
    let errors = vec![
        mm_server::store::taxes::ImportRowError { line: 7, reason: "amount_grosze: not a whole number of grosze".into() },
        mm_server::store::taxes::ImportRowError { line: 12, reason: "account: the NRB's check digits are wrong".into() },
    ];
    t.store.import_taxes(Actor("test".into()), "file:bad.csv", TaxBatch::default(), errors, true, Utc::now()).await.unwrap();
    let (cookie, _) = department_official(&t, Some(dept)).await;
    let html = page_get(&t, "/admin/taxes", &cookie).await.text();
    let i = html.find("file:bad.csv").expect("the refused run is listed");
    let row = &html[html[..i].rfind("<tr").unwrap()..i + html[i..].find("</tr>").unwrap()];
    assert!(row.contains("class=\"import-run refused\""), "{row}");
    assert!(row.contains("wiersz 7: amount_grosze: not a whole number of grosze"), "{row}");
    assert!(row.contains("wiersz 12: account: the NRB&#39;s check digits are wrong"), "{row}");
    assert!(row.contains("Plik odrzucony w całości"));
}

#[tokio::test]
async fn the_recipient_is_set_by_admins_only_and_a_bad_nip_changes_nothing() {
    let (t, dept) = world().await;
    let scope = t.store.gmina_scope().clone();
    let settings = |t: &TestApp| {
        let (store, scope) = (t.store.clone(), scope.clone());
        async move { store.gmina_record(&scope).await.unwrap().unwrap().settings }
    };
    let before = settings(&t).await;
    let (admin, admin_csrf) = staff(&t, Role::Admin).await;
    let audit_before = t.audit_len().await;
    for (form, why) in [
        ("name=Gmina+Siechnice&nip=8961012357&department=Podatki", "a NIP whose check digit is wrong"),
        ("name=Gmina+Siechnice&nip=89610123&department=Podatki", "a short NIP"),
        ("name=&nip=8961012356&department=Podatki", "no name"),
        (&format!("name={}&nip=8961012356&department=Podatki", "a".repeat(101)), "a name too long"),
        ("name=Gmina+Siechnice&nip=8961012356&department=", "no department"),
        ("name=Gmina%0ASiechnice&nip=8961012356&department=Podatki", "a control character"),
    ] {
        let r = form_post(&t, "/admin/taxes/recipient", &admin, &format!("csrf={admin_csrf}&{form}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "{why}: the refusal is said");
    }
    assert_eq!(settings(&t).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit_before, "nothing audited: nothing done");

    // The tax official sees the recipient but has no form; posting is 403.
    let (official, official_csrf) = department_official(&t, Some(dept)).await;
    let page = page_get(&t, "/admin/taxes", &official).await.text();
    assert!(!page.contains("id=\"recipient-form\""), "no form for a non-admin");
    let r = form_post(&t, "/admin/taxes/recipient", &official, &format!("csrf={official_csrf}&name=X&nip=8961012356&department=Podatki+i+op%C5%82aty")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(settings(&t).await, before);

    // An admin's valid form: saved (the NIP typed with dashes), audited.
    let r = form_post(&t, "/admin/taxes/recipient", &admin, &format!("csrf={admin_csrf}&name=Gmina+Siechnice&nip=896-101-23-56&department=Podatki+i+op%C5%82aty")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = settings(&t).await;
    assert_eq!(after.tax_recipient_name.as_deref(), Some("Gmina Siechnice"));
    assert_eq!(after.tax_recipient_nip.as_deref(), Some("8961012356"));
    assert!(t.audit_len().await > audit_before, "the change is audited");
    // Czernica's settings are its own.
    let czernica = t.store.gmina_record(&Teryt::parse(CZERNICA).unwrap()).await.unwrap().unwrap();
    assert_ne!(czernica.settings.tax_recipient_nip.as_deref(), Some("8961012356"));
}
