//! The public results page of a budget edition (`GET
//! /budget/editions/{id}`, `server/src/budget/page.rs`), in process on the
//! test backend's store (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`), from an edition counted and published
//! through the real store (`budget_support`): per pool the amount, the
//! spent and the left, each project's votes, cost and outcome in words;
//! the map's data; links to the open data. Before publication a 404
//! without a number; another gmina's edition a 404; a hostile title stays
//! text; the page runs under the CSP with no inline script.

use crate::budget_support;
use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use budget_support::*;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use mm_protocol::budget::model::ProjectLocation;
use mm_protocol::geo::Polygon;
use mm_server::budget::count::count_pool;
use mm_server::store::budget::{Decision, NewProject, Submitted, Verification};
use mm_server::store::Store;
use serde_json::Value;

use common::{Resp, TestApp};

/// A title that would run script, close the data block, or break out of
/// an attribute if any of them were not escaped.
const HOSTILE: &str = "</script><script>alert(1)</script><img src=x onerror=alert(1)>\"'&";

const B: &str = "0223032";

/// The page in Polish (`lang`: `Some("en")` for the English cookie).
async fn page(t: &TestApp, path: &str, gmina: &str, lang: Option<&str>) -> Resp {
    let mut b = Request::builder().uri(path).header("MM-Gmina", gmina);
    if let Some(l) = lang {
        b = b.header("cookie", format!("mm_lang={l}"));
    }
    t.send(b.body(Body::empty()).unwrap()).await
}

/// `budget_support`'s edition with one more project in the area pool:
/// hostile title, an area for its place, no votes.
async fn with_hostile_area_project(a: &dyn Store, w: &World, now: DateTime<Utc>) -> i64 {
    let dt = dates(now);
    let square = Polygon {
        rings: vec![vec![
            [17.12, 51.02],
            [17.14, 51.02],
            [17.14, 51.04],
            [17.12, 51.04],
            [17.12, 51.02],
        ]],
    };
    let p = NewProject {
        edition: w.edition,
        pool: w.area,
        title: HOSTILE.into(),
        description: "Opis".into(),
        cost_grosze: 10_000 * ZL,
        category: Some("<b>kategoria</b>".into()),
        location: Some(ProjectLocation::Area(square)),
        photos: vec![],
        contact: None,
    };
    let Submitted::New(p) = a
        .submit_project(
            "dev-hostile",
            p,
            None,
            dt.submission_from + Duration::days(2),
        )
        .await
        .unwrap()
    else {
        panic!("replayed")
    };
    let v = Verification {
        legal: true,
        feasible: true,
        estimate_grosze: None,
        department: None,
        decision: Decision::OnBallot,
    };
    a.verify_project(official(), p.id, v, dt.submission_to + Duration::days(1))
        .await
        .unwrap();
    p.id
}

/// Counted and published two days after `now`; the publication's time.
async fn count_and_publish(
    t: &TestApp,
    a: &std::sync::Arc<dyn Store>,
    w: &World,
    hostile: i64,
) -> DateTime<Utc> {
    let now = t.state.clock.now();
    a.draw_lot(official(), w.edition, w.wide, w.wide_projects.clone(), now)
        .await
        .unwrap();
    let mut area = w.area_projects.clone();
    area.push(hostile);
    a.draw_lot(official(), w.edition, w.area, area, now)
        .await
        .unwrap();
    let after = now + Duration::days(2);
    count_pool(a.clone(), official(), w.edition, w.wide, after)
        .await
        .unwrap();
    count_pool(a.clone(), official(), w.edition, w.area, after)
        .await
        .unwrap();
    t.advance(Duration::days(2));
    let at = t.state.clock.now();
    a.publish_results(official(), w.edition, at).await.unwrap();
    at
}

/// The JSON of `<script type="application/json" id="{id}">`.
fn data_block(html: &str, id: &str) -> Value {
    let open = format!("<script type=\"application/json\" id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no #{id} in {html}"))
        + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// The `<tr>` of project `id`.
fn row(html: &str, id: i64) -> &str {
    let open = format!("<tr id=\"project-{id}\"");
    let start = html.find(&open).unwrap_or_else(|| panic!("no row of {id}"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

#[tokio::test]
async fn the_published_page_shows_each_pool_with_votes_costs_outcomes_and_the_map() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    let w = edition_in_voting(a.as_ref(), now).await;
    let hostile = with_hostile_area_project(a.as_ref(), &w, now).await;
    // Both stores keep microseconds.
    let at = count_and_publish(&t, &a, &w, hostile)
        .await
        .trunc_subsecs(6);
    // The edition's publication time comes from the store, as the JSON's.
    let e = a
        .edition(w.edition, t.state.clock.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.published_at, Some(at));
    let api = get(
        &t,
        &format!("/api/v1/budget/editions/{}/results", w.edition),
    )
    .await;
    assert_eq!(
        api.json()["published_at"]
            .as_str()
            .map(|s| s.parse::<DateTime<Utc>>().unwrap()),
        Some(at)
    );

    let path = format!("/budget/editions/{}", w.edition);
    let r = page(&t, &path, A, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    let html = r.text();
    assert!(html.contains("<html lang=\"pl\">"));
    assert!(html.contains("<h1>BO 2026 — wyniki</h1>"), "{html}");
    assert!(
        html.contains(&mm_server::admin::view::local(at)),
        "the publication's time"
    );

    // Per pool: the amount, the selected projects' cost, what is left, ballots, rule.
    assert!(
        html.contains("<h2 id=\"pool-")
            && html.contains(">Ogólnogminna</h2>")
            && html.contains(">Radwanice</h2>")
    );
    let wide =
        &html[html.find(">Ogólnogminna</h2>").unwrap()..html.find(">Radwanice</h2>").unwrap()];
    assert!(
        wide.contains("<dd>100\u{a0}000\u{a0}zł</dd>"),
        "the pool's amount: {wide}"
    );
    assert!(
        wide.contains("<dd>90\u{a0}000\u{a0}zł</dd>"),
        "Ławki and Park: {wide}"
    );
    assert!(
        wide.contains("<dd>10\u{a0}000\u{a0}zł</dd>"),
        "left: {wide}"
    );
    assert!(
        wide.contains("<dd>2 / 3</dd>"),
        "two of three selected: {wide}"
    );
    assert!(wide.contains("metoda zachłanna"), "{wide}");
    assert!(html.contains("metoda równych udziałów (MES) z uzupełnieniem Add1"));
    // A table with its caption and headers; each project's votes, cost and
    // outcome in words (not by colour), most votes first.
    assert!(wide.contains("<caption>Wyniki głosowania: Ogólnogminna</caption>"));
    assert!(
        wide.contains("<th scope=\"col\">Głosy</th>")
            && wide.contains("<th scope=\"col\">Koszt</th>")
    );
    let lawki = row(&html, w.wide_projects[0]);
    assert!(
        lawki.contains("<th scope=\"row\">Ławki</th>")
            && lawki.contains("<td class=\"num\">4</td>"),
        "{lawki}"
    );
    assert!(
        lawki.contains("40\u{a0}000\u{a0}zł") && lawki.contains("✓ wybrany"),
        "{lawki}"
    );
    let sciezka = row(&html, w.wide_projects[2]);
    assert!(
        sciezka.contains("<td class=\"num\">2</td>")
            && sciezka.contains("niewybrany")
            && !sciezka.contains("✓"),
        "{sciezka}"
    );
    let order: Vec<usize> = w
        .wide_projects
        .iter()
        .map(|p| html.find(&format!("id=\"project-{p}\"")).unwrap())
        .collect();
    assert!(
        order[0] < order[1] && order[1] < order[2],
        "by votes: 4, 3, 2"
    );
    // The count in words.
    assert!(wide.contains("<details>") && wide.contains("krok po kroku"));
    let lawki_number = a
        .project(w.wide_projects[0])
        .await
        .unwrap()
        .unwrap()
        .0
        .number
        .unwrap();
    assert!(
        wide.contains(&format!(
            "<li>Projekt nr {lawki_number} „Ławki”: 4 głosy – wybrany za"
        )),
        "the steps name projects as the table does: {wide}"
    );

    // Open data: CSV, JSON and each pool's .pb, for this gmina.
    for link in [
        format!(
            "/api/v1/budget/editions/{}/results.csv?gmina={A}",
            w.edition
        ),
        format!(
            "/api/v1/budget/editions/{}/results.json?gmina={A}",
            w.edition
        ),
        format!(
            "/api/v1/budget/editions/{}/pools/{}/results.pb?gmina={A}",
            w.edition, w.wide
        ),
        format!(
            "/api/v1/budget/editions/{}/pools/{}/results.pb?gmina={A}",
            w.edition, w.area
        ),
    ] {
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
        assert_eq!(t.get(&link).await.status, StatusCode::OK, "{link} works");
    }

    // The map: every located project with its outcome; the gmina's outline.
    let map = data_block(&html, "budget-map-data");
    let map = map.as_array().unwrap();
    assert_eq!(map.len(), 6, "{map:?}");
    let by_id = |id: i64| {
        map.iter()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("{id} not on the map"))
    };
    assert_eq!(by_id(w.wide_projects[0])["selected"], true);
    assert_eq!(
        by_id(w.wide_projects[0])["point"],
        serde_json::json!([51.03, 17.13])
    );
    assert_eq!(by_id(w.wide_projects[2])["selected"], false);
    assert_eq!(by_id(w.wide_projects[2])["votes"], 2);
    assert_eq!(
        by_id(hostile)["area"][0][0],
        serde_json::json!([17.12, 51.02])
    );
    assert_eq!(by_id(hostile)["title"], HOSTILE, "the title intact as data");
    assert!(data_block(&html, "gmina-data")["boundary"]
        .as_array()
        .is_some_and(|b| !b.is_empty()));
    assert!(
        html.contains("id=\"budget-map\"")
            && html.contains("src=\"/admin/assets/budget-results-map.js\"")
    );
    let js = t.get("/admin/assets/budget-results-map.js").await;
    assert_eq!(
        (js.status, js.headers["content-type"].to_str().unwrap()),
        (StatusCode::OK, "text/javascript; charset=utf-8")
    );
    assert!(js.text().contains("budget-map-data"));

    // The language switch comes back to this page, with its gmina.
    let back = format!("%2Fbudget%2Feditions%2F{}%3Fgmina%3D{A}", w.edition);
    assert!(
        html.contains(&format!("href=\"/admin/lang?to=en&amp;back={back}\"")),
        "the switch"
    );
    let r = t.get(&format!("/admin/lang?to=en&back={back}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers["location"],
        format!("/budget/editions/{}?gmina={A}", w.edition)
    );

    // In English by the language cookie.
    let en = page(&t, &path, A, Some("en")).await.text();
    assert!(
        en.contains("<html lang=\"en\">") && en.contains("<h1>BO 2026 — results</h1>"),
        "{en}"
    );
    assert!(
        en.contains("PLN\u{a0}100,000")
            && en.contains("✓ selected")
            && en.contains("Voting results: Ogólnogminna")
    );
}

#[tokio::test]
async fn titles_stay_text_and_the_page_runs_under_the_csp_without_inline_script() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    let w = edition_in_voting(a.as_ref(), now).await;
    let hostile = with_hostile_area_project(a.as_ref(), &w, now).await;
    count_and_publish(&t, &a, &w, hostile).await;
    let r = page(&t, &format!("/budget/editions/{}", w.edition), A, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();

    // Escaped in the table, \u-escaped in the data block: nowhere as markup.
    let cell = row(&html, hostile);
    assert!(
        cell.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"),
        "{cell}"
    );
    assert!(cell.contains("&lt;b&gt;kategoria&lt;/b&gt;"), "{cell}");
    assert!(
        html.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"),
        "the map's JSON"
    );
    for raw in [
        "<script>alert",
        "<img src=x",
        "<b>kategoria",
        "onerror=alert(1)>",
    ] {
        assert!(!html.contains(raw), "{raw} unescaped");
    }

    // Every <script> is a file of this server or inert JSON; no handler
    // attributes, no inline style (the CSP would refuse both).
    let mut scripts = 0;
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..i + html[i..].find('>').unwrap()];
        scripts += 1;
        assert!(
            tag.contains("type=\"application/json\"") || tag.contains("src=\"/admin/assets/"),
            "inline script: {tag}"
        );
        if tag.contains("src=") {
            assert!(
                html[i..].starts_with(&format!("{tag}></script>")),
                "a script file has no body: {tag}"
            );
        }
    }
    assert_eq!(scripts, 4, "two data blocks, Leaflet and the map's script");
    assert!(!html.contains(" style=") && !html.contains(" onclick=") && !html.contains(" onload="));

    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    // The map's tiles are let in, as on the back office's maps.
    let tiles = mm_server::admin::settings::default_tile_url();
    if let Some(host) = mm_server::headers::tile_source(&tiles) {
        assert!(
            csp.contains(&format!("img-src 'self' data: {host}")),
            "{csp}"
        );
    }
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn before_publication_the_page_is_a_404_without_a_number() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    let w = edition_in_voting(a.as_ref(), now).await;
    let path = format!("/budget/editions/{}", w.edition);
    let assert_unpublished = |r: Resp, when: &str| {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{when}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("nie zostały jeszcze opublikowane"),
            "{when}: {html}"
        );
        for leak in [
            "Ławki",
            "Ogólnogminna",
            "budget-map-data",
            "40\u{a0}000",
            "results.csv",
        ] {
            assert!(!html.contains(leak), "{when}: {leak} before publication");
        }
    };
    // In voting.
    assert_unpublished(page(&t, &path, A, None).await, "voting");
    // Counted, not published.
    a.draw_lot(official(), w.edition, w.wide, w.wide_projects.clone(), now)
        .await
        .unwrap();
    count_pool(
        a.clone(),
        official(),
        w.edition,
        w.wide,
        now + Duration::days(2),
    )
    .await
    .unwrap();
    t.advance(Duration::days(2));
    assert_unpublished(page(&t, &path, A, None).await, "counted");
    let en = page(&t, &path, A, Some("en")).await;
    assert!(en.text().contains("are not published yet"), "{}", en.text());
    // No such edition: a 404 of its own.
    let r = page(&t, "/budget/editions/999999", A, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("Nie ma takiej edycji"), "{}", r.text());
}

#[tokio::test]
async fn another_gminas_edition_is_not_found() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    t.store
        .add_gmina(official(), common::gmina_record(B, "Czernica"), now)
        .await
        .unwrap();
    let w = edition_in_voting(a.as_ref(), now).await;
    let hostile = with_hostile_area_project(a.as_ref(), &w, now).await;
    count_and_publish(&t, &a, &w, hostile).await;
    let path = format!("/budget/editions/{}", w.edition);
    // Positive control: A's own page, by header and by the query a link carries.
    assert_eq!(page(&t, &path, A, None).await.status, StatusCode::OK);
    let by_query = t.get(&format!("{path}?gmina={A}")).await;
    assert_eq!(by_query.status, StatusCode::OK);
    assert!(by_query.text().contains("Ławki"));
    // From B, by header or query: not found, nothing of A's.
    for r in [
        page(&t, &path, B, None).await,
        t.get(&format!("{path}?gmina={B}")).await,
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        let html = r.text();
        assert!(html.contains("Nie ma takiej edycji"), "{html}");
        assert!(
            !html.contains("BO 2026") && !html.contains("Ławki"),
            "A's edition leaks to B: {html}"
        );
    }
    // Two gminas and none named: the request must say which.
    let r = t.get(&path).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "gmina_required".to_owned())
    );
}
