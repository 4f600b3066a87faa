//! `GET /budget/editions/{id}?gmina=`: the public results page of a budget
//! edition (issue 15 item 5, docs/plans/issue-15.md §2.3, docs/BUDGET.md
//! "Results"). Server-rendered HTML in the back office's layout, as the
//! public consultation summary and `/transparency` are: per pool the
//! amount, what the selected projects cost and what is left, the ballots,
//! the counting rule and each project's votes, cost and whether it was
//! selected, then the count explained step by step; links to the CSV, the
//! JSON and each pool's Pabulib file (`budget::results`).
//!
//! The map of the projects is Leaflet (vendored, `/admin/assets/vendor`)
//! driven by `server/assets/budget-results-map.js`: no inline script, as
//! the CSP demands; its data are inert `<script type="application/json">`
//! blocks ([`json_for_script`]: a title cannot close its element). A
//! selected project is a filled circle and one not selected a hollow
//! dashed one, so the map does not speak by colour alone; the tables say
//! everything the map does and work without JavaScript.
//!
//! Before publication the page is a 404 that says the results are not
//! published yet, with no number; an edition of another gmina is a plain
//! 404 (the store is the request's gmina's). The route is the back
//! office's (`admin::router`), whose layer renders the error pages.

use askama::Template;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{Edition, Project, ProjectLocation, VotingRule};
use serde::Serialize;

use super::results::{published, Published};
use crate::admin::html::json_for_script;
use crate::admin::view::{AdminError, AdminResult, Lang, Page, PageCtx};
use crate::error::AppError;
use crate::state::AppState;
use crate::tenant::Tenant;

/// Whether `path` is a results page (`headers::shows_map` lets its map's
/// tiles in).
pub fn is_results_page(path: &str) -> bool {
    path.strip_prefix("/budget/editions/")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Grosze as residents read money: whole złoty grouped by thousands
/// (`40 000 zł`, `PLN 40,000`), grosze only when there are any.
pub fn money(lang: Lang, grosze: i64) -> String {
    let sign = if grosze < 0 { "-" } else { "" };
    let abs = grosze.unsigned_abs();
    let (zl, gr) = (abs / 100, abs % 100);
    let digits = zl.to_string();
    let sep = lang.t("\u{a0}", ",");
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push_str(sep);
        }
        grouped.push(c);
    }
    let cents = if gr == 0 {
        String::new()
    } else {
        format!("{}{gr:02}", lang.t(",", "."))
    };
    match lang {
        Lang::Pl => format!("{sign}{grouped}{cents}\u{a0}zł"),
        Lang::En => format!("{sign}PLN\u{a0}{grouped}{cents}"),
    }
}

/// The counting rule in words.
pub fn rule_label(lang: Lang, rule: &CountingRule) -> String {
    match rule {
        CountingRule::Greedy { min_votes: 0 } => lang
            .t(
                "metoda zachłanna: projekty od największej liczby głosów, dopóki starcza środków",
                "greedy: projects from the most votes down, while the money lasts",
            )
            .to_owned(),
        CountingRule::Greedy { min_votes } => format!(
            "{} {min_votes}",
            lang.t(
                "metoda zachłanna: projekty od największej liczby głosów, dopóki starcza środków; próg głosów:",
                "greedy: projects from the most votes down, while the money lasts; vote threshold:",
            )
        ),
        CountingRule::EqualSharesAdd1 { comparison: false } => lang
            .t("metoda równych udziałów (MES) z uzupełnieniem Add1", "the Method of Equal Shares with the Add1 completion")
            .to_owned(),
        CountingRule::EqualSharesAdd1 { comparison: true } => lang
            .t(
                "metoda równych udziałów (MES) z uzupełnieniem Add1 i krokiem porównania",
                "the Method of Equal Shares with the Add1 completion and the comparison step",
            )
            .to_owned(),
    }
}

/// One project's row in its pool's table.
struct Row {
    id: i64,
    number: String,
    title: String,
    category: String,
    votes: u32,
    points: u32,
    cost: String,
    selected: bool,
    /// Whether the map shows it.
    located: bool,
}

/// One pool's section.
struct PoolView {
    id: i64,
    name: String,
    amount: String,
    spent: String,
    left: String,
    ballots: u32,
    rule: String,
    counted_at: String,
    selected: usize,
    pb: String,
    rows: Vec<Row>,
    /// The count's steps in the page's language.
    trace: Vec<String>,
}

/// What the map draws of a project (its data block; the script renders
/// every text with `textContent`).
#[derive(Serialize)]
struct MapProject<'a> {
    id: i64,
    number: Option<u32>,
    title: &'a str,
    pool: &'a str,
    votes: u32,
    cost: String,
    selected: bool,
    /// `[lat, lon]` of a point.
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<[f64; 2]>,
    /// An area's rings of `[lon, lat]` (RFC 7946, as `geo::Polygon`).
    #[serde(skip_serializing_if = "Option::is_none")]
    area: Option<&'a [Vec<[f64; 2]>]>,
}

#[derive(Template)]
#[template(path = "budget/results.html")]
struct ResultsPage<'a> {
    ctx: PageCtx<'a>,
    published_at: String,
    csv: String,
    json: String,
    /// Cumulative voting: the tables show points besides votes.
    points: bool,
    pools: Vec<PoolView>,
    /// Projects on the map, of all the pools.
    located: usize,
    /// The tile template (empty: no background).
    tiles: String,
    /// The projects, as inert JSON.
    map: String,
    /// The gmina's boundary and localities, as inert JSON.
    gmina: String,
}

fn no_edition() -> AdminError {
    AdminError::not_found(
        "Nie ma takiej edycji budżetu obywatelskiego.",
        "There is no such participatory budget edition.",
    )
}

fn not_published(e: &Edition) -> AdminError {
    AdminError::not_found(
        format!(
            "Wyniki edycji „{}” nie zostały jeszcze opublikowane.",
            e.title
        ),
        format!("The results of “{}” are not published yet.", e.title),
    )
}

pub async fn results_page(
    Tenant(state): Tenant,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> AdminResult<Response> {
    let lang = Lang::from_headers(&headers);
    let store = state.store.as_ref();
    let now = state.clock.now();
    let edition = store.edition(id, now).await?.ok_or_else(no_edition)?;
    if !edition.published_results {
        return Err(not_published(&edition));
    }
    let p = published(store, id, now)
        .await
        .map_err(|e| app_error(&edition, e))?;
    let gmina = store.gmina_scope().to_string();
    let api = format!("/api/v1/budget/editions/{id}");
    let q = format!("?gmina={gmina}");
    let points = matches!(p.edition.settings.voting, VotingRule::Cumulative { .. });
    let pools = pool_views(lang, &p, &api, &q);
    let map = map_projects(lang, &p);
    let located = map.len();
    let title = format!("{} — {}", p.edition.title, lang.t("wyniki", "results"));
    let ctx = PageCtx::public(lang, format!("/budget/editions/{id}{q}"), title).wide().of_gmina(state.store.gmina_scope());
    let page = ResultsPage {
        ctx,
        published_at: crate::admin::view::local(p.results.published_at),
        csv: format!("{api}/results.csv{q}"),
        json: format!("{api}/results.json{q}"),
        points,
        pools,
        located,
        tiles: crate::admin::settings::tile_url(&state).await,
        // Titles are residents' texts: the JSON must not leave its <script>.
        map: json_for_script(&map),
        gmina: gmina_json(&state).await?,
    };
    Ok(Page::ok(page).into_response())
}

/// `published`'s refusal as this page's: the same 404s as above (a race
/// with nothing), anything else a failure underneath.
fn app_error(e: &Edition, err: AppError) -> AdminError {
    let api = err.into_api();
    match api.code {
        mm_protocol::error::ErrorCode::NotFound => no_edition(),
        mm_protocol::error::ErrorCode::ResultsNotPublished => not_published(e),
        code => AdminError::internal(format!("budget results: {code:?}")),
    }
}

fn pool_views(lang: Lang, p: &Published, api: &str, q: &str) -> Vec<PoolView> {
    p.results
        .pools
        .iter()
        .zip(&p.projects)
        .map(|(r, projects)| {
            let pool = p.edition.pools.iter().find(|x| x.id == r.pool);
            let find = |id: i64| projects.iter().find(|x| x.id == id);
            let mut rows: Vec<Row> = r
                .projects
                .iter()
                .map(|pr| {
                    let project: Option<&Project> = find(pr.project);
                    Row {
                        id: pr.project,
                        number: project
                            .and_then(|x| x.number)
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                        title: project.map(|x| x.title.clone()).unwrap_or_default(),
                        category: project.and_then(|x| x.category.clone()).unwrap_or_default(),
                        votes: pr.votes,
                        points: pr.points,
                        cost: money(lang, pr.cost_grosze),
                        selected: pr.selected,
                        located: project.is_some_and(|x| x.location.is_some()),
                    }
                })
                .collect();
            // Most support first (points under cumulative voting), then
            // the ballot's order.
            rows.sort_by(|a, b| {
                b.points
                    .cmp(&a.points)
                    .then(b.votes.cmp(&a.votes))
                    .then_with(|| {
                        let n = |r: &Row| r.number.parse::<u32>().unwrap_or(u32::MAX);
                        n(a).cmp(&n(b)).then(a.id.cmp(&b.id))
                    })
            });
            PoolView {
                id: r.pool,
                name: pool.map(|x| x.name.clone()).unwrap_or_default(),
                amount: money(lang, r.budget_grosze),
                spent: money(lang, r.spent_grosze),
                left: money(lang, r.budget_grosze - r.spent_grosze),
                ballots: r.ballots,
                rule: rule_label(lang, &r.rule),
                counted_at: crate::admin::view::local(r.counted_at),
                selected: r.projects.iter().filter(|x| x.selected).count(),
                pb: format!("{api}/pools/{}/results.pb{q}", r.pool),
                rows,
                trace: r
                    .trace
                    .iter()
                    .map(|m| name_project(lang, lang.t(&m.pl, &m.en), projects))
                    .collect(),
            }
        })
        .collect()
}

/// A step of the count as the page reads it: the protocol's sentence
/// names a project by its id ("Projekt 12: …", `count::describe`), the
/// page's tables by its ballot number and title, so the id becomes those
/// ("Projekt nr 3 „Ławki”: …"). A sentence about no project, or about
/// one not in the list, stays as it was.
pub fn name_project(lang: Lang, step: &str, projects: &[Project]) -> String {
    let word = lang.t("Projekt ", "Project ");
    let Some(rest) = step.strip_prefix(word) else {
        return step.to_owned();
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (id, tail) = rest.split_at(digits);
    if !tail.starts_with([':', ' ']) {
        return step.to_owned();
    }
    let Some(p) = id
        .parse::<i64>()
        .ok()
        .and_then(|id| projects.iter().find(|p| p.id == id))
    else {
        return step.to_owned();
    };
    let title = match lang {
        Lang::Pl => format!("„{}”", p.title),
        Lang::En => format!("“{}”", p.title),
    };
    match p.number {
        Some(n) => format!("{word}{} {n} {title}{tail}", lang.t("nr", "no.")),
        None => format!("{word}{title}{tail}"),
    }
}

/// Every counted project with a location, for the map.
fn map_projects(lang: Lang, p: &Published) -> Vec<MapProject<'_>> {
    let mut out = Vec::new();
    for (r, projects) in p.results.pools.iter().zip(&p.projects) {
        let pool = p
            .edition
            .pools
            .iter()
            .find(|x| x.id == r.pool)
            .map_or("", |x| x.name.as_str());
        for pr in &r.projects {
            let Some(project) = projects.iter().find(|x| x.id == pr.project) else {
                continue;
            };
            let (point, area) = match &project.location {
                Some(ProjectLocation::Point(g)) => (Some([g.lat, g.lon]), None),
                Some(ProjectLocation::Area(poly)) => (None, Some(poly.rings.as_slice())),
                None => continue,
            };
            out.push(MapProject {
                id: project.id,
                number: project.number,
                title: &project.title,
                pool,
                votes: pr.votes,
                cost: money(lang, pr.cost_grosze),
                selected: pr.selected,
                point,
                area,
            });
        }
    }
    out
}

/// The gmina's boundary (outer ring, `[lon, lat]`) and localities, as the
/// back office's maps draw them (`#gmina-data`), so the map reads without
/// tiles.
async fn gmina_json(state: &AppState) -> AdminResult<String> {
    let (gmina, localities) = state.store.gmina().await?;
    let data = serde_json::json!({
        "name": gmina.as_ref().map(|g| g.name.clone()),
        "center": gmina.as_ref().map(|g| [g.center.lat, g.center.lon]),
        "boundary": gmina.as_ref().map(|g| g.boundary.rings.clone()).unwrap_or_default(),
        "localities": localities.iter().map(|l| serde_json::json!({"name": l.name, "lat": l.point.lat, "lon": l.point.lon})).collect::<Vec<_>>(),
    });
    Ok(json_for_script(&data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_in_each_language() {
        assert_eq!(money(Lang::Pl, 123_456_700), "1\u{a0}234\u{a0}567\u{a0}zł");
        assert_eq!(money(Lang::En, 123_456_700), "PLN\u{a0}1,234,567");
        assert_eq!(money(Lang::Pl, 100_000), "1\u{a0}000\u{a0}zł");
        assert_eq!(money(Lang::Pl, 99_900), "999\u{a0}zł");
        assert_eq!(money(Lang::Pl, 0), "0\u{a0}zł");
        assert_eq!(money(Lang::Pl, 150), "1,50\u{a0}zł");
        assert_eq!(money(Lang::En, -100_050), "-PLN\u{a0}1,000.50");
    }

    #[test]
    fn steps_name_projects_by_number_and_title() {
        let project = |id, number| Project {
            id,
            edition: 1,
            pool: 1,
            number,
            title: "Ławki".into(),
            description: String::new(),
            cost_grosze: 100,
            category: None,
            location: None,
            photos: vec![],
            status: mm_protocol::budget::model::ProjectStatus::Selected,
            rejection_reason: None,
            history: vec![],
        };
        let list = [project(12, Some(3)), project(13, None)];
        let pl = |s: &str| name_project(Lang::Pl, s, &list);
        assert_eq!(
            pl("Projekt 12: 4 głosy – wybrany."),
            "Projekt nr 3 „Ławki”: 4 głosy – wybrany."
        );
        assert_eq!(
            pl("Projekt 12 (40 000,00 zł): 3 zwolenników"),
            "Projekt nr 3 „Ławki” (40 000,00 zł): 3 zwolenników"
        );
        assert_eq!(pl("Projekt 13: 1 głos"), "Projekt „Ławki”: 1 głos");
        assert_eq!(
            name_project(Lang::En, "Project 12: 4 votes", &list),
            "Project no. 3 “Ławki”: 4 votes"
        );
        for same in [
            "Projekt 99: nieznany",
            "Projekt 123: 1 głos",
            "Runda 1: każdy",
            "Projekt 12x",
            "Projekt : x",
        ] {
            assert_eq!(pl(same), same);
        }
    }

    #[test]
    fn only_numeric_edition_paths_are_results_pages() {
        assert!(is_results_page("/budget/editions/12"));
        for other in [
            "/budget/editions/",
            "/budget/editions/12/x",
            "/budget/editions/a",
            "/budget",
        ] {
            assert!(!is_results_page(other), "{other}");
        }
    }
}
