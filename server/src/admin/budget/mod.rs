//! The back office's participatory budget pages (issue 15 WP4,
//! docs/plans/issue-15.md §2.4), so far the counting half: the editions,
//! and per edition its pools with the lot, the count and its trace, and
//! the publication.
//!
//! - `GET /admin/budget`: the editions;
//! - `GET /admin/budget/editions/{id}`: dates, pools, per pool the lot (the
//!   tie-break order, drawn with the operating system's generator, shown
//!   and stored before counting, once), the latest count (selected
//!   projects, what was spent, the trace as sentences, `count::describe`)
//!   and the publication;
//! - `POST .../pools/{pool}/lot`, `POST .../pools/{pool}/count` (after
//!   `voting_to`; again until publication), `POST .../publish` (every pool
//!   counted).
//!
//! The forms that run an edition before the count are in the modules:
//! [`editions`] (a new edition and its settings), [`pools`] (the
//! gmina-wide and area pools), [`projects`] (the queue, verification,
//! rejection, the ballot, appeals) and [`paper`] (paper ballots typed in).
//!
//! Who: admins and the officials of the department the gmina's settings
//! name (`GminaSettings::budget_department`, by default "Budżet
//! obywatelski"; `/admin/settings`, as taxes name theirs); everyone else
//! 403, another gmina's edition 404 (the store is scoped). Every form
//! carries the CSRF token; the store writes the audit log (`budget.lot`,
//! `budget.count`, `budget.publish`, `budget.edition`, `budget.pool`,
//! `budget.verify`, `budget.appeal`, ids only).

pub mod editions;
pub mod paper;
pub mod pools;
pub mod projects;

use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mm_protocol::budget::count::{CountingRule, Lang as CountLang, describe};
use mm_protocol::budget::model::{Edition, Phase, ProjectStatus};
use rand::TryRngCore;
use rand::seq::SliceRandom;

use super::session::Staff;
use super::taxes::zl;
use super::view::{AdminError, AdminResult, Lang, Page, PageCtx, local};
use crate::budget::count::{CountPoolError, count_pool};
use crate::state::AppState;
use crate::store::budget::ProjectFilter;
use crate::store::directory::GminaSettings;
use crate::store::{Conflict, StoreError};
use crate::tenant::Tenant;

/// Admins, and officials of the budget department.
async fn permit(state: &AppState, staff: &Staff) -> AdminResult<()> {
    super::settings::permit_department(state, staff, GminaSettings::budget_department).await
}

/// The form field → its message, in the page's language.
type Errors = std::collections::BTreeMap<String, String>;

/// The longest title, name or reason a form accepts (characters).
const MAX_TEXT: usize = 200;
/// The longest reason, description or department note (characters).
const MAX_LONG_TEXT: usize = 2000;

/// A protocol message in the page's language.
fn say(lang: Lang, m: &mm_protocol::error::Message) -> String {
    lang.t(&m.pl, &m.en).to_owned()
}

/// `YYYY-MM-DDTHH:MM` in Warsaw time, as `<input type="datetime-local">` sends it.
fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value (Warsaw time) as an instant; `None` when it
/// does not parse or names a time the clock skips.
fn parse_local(s: &str) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDateTime, TimeZone};
    let s = s.trim();
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    mm_protocol::LOCAL_TZ.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

/// An amount in złoty as typed (`150000`, `150 000`, `150000,00`) in
/// grosze; `None` for anything else. Grosze other than `,00` parse, so
/// that `validate_amount` can say the amount must be whole złoty.
fn parse_zloty(s: &str) -> Option<mm_protocol::taxes::Grosze> {
    let s: String = s.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    let (whole, part) = match s.split_once([',', '.']) {
        Some((w, p)) => (w, p),
        None => (s.as_str(), ""),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    // Twelve digits of złoty: far above any gmina's budget, far below i64's limit.
    if !digits(whole) || whole.len() > 12 || (!part.is_empty() && (!digits(part) || part.len() > 2)) {
        return None;
    }
    let grosze = if part.is_empty() { 0 } else { format!("{part:0<2}").parse::<i64>().ok()? };
    Some(whole.parse::<i64>().ok()? * 100 + grosze)
}

/// Whole złoty as the forms show them (no grouping, so it parses back).
fn zloty_input(grosze: mm_protocol::taxes::Grosze) -> String {
    if grosze % 100 == 0 { (grosze / 100).to_string() } else { format!("{},{:02}", grosze / 100, grosze % 100) }
}

fn phase_label(lang: Lang, p: Phase) -> &'static str {
    match p {
        Phase::Announced => lang.t("ogłoszona", "announced"),
        Phase::Submission => lang.t("nabór projektów", "submission"),
        Phase::Verification => lang.t("weryfikacja i odwołania", "verification and appeals"),
        Phase::Voting => lang.t("głosowanie", "voting"),
        Phase::Counting => lang.t("liczenie głosów", "counting"),
        Phase::Results => lang.t("wyniki opublikowane", "results published"),
    }
}

fn rule_label(lang: Lang, r: &CountingRule) -> String {
    match r {
        CountingRule::Greedy { min_votes: 0 } => lang.t("zachłanna (najwięcej głosów)", "greedy (most votes)").into(),
        CountingRule::Greedy { min_votes } => {
            format!("{} {min_votes}", lang.t("zachłanna, próg głosów", "greedy, vote threshold"))
        }
        CountingRule::EqualSharesAdd1 { comparison: false } => lang.t("metoda równych udziałów (Add1)", "equal shares (Add1)").into(),
        CountingRule::EqualSharesAdd1 { comparison: true } => {
            lang.t("metoda równych udziałów (Add1) z porównaniem", "equal shares (Add1) with comparison").into()
        }
    }
}

// ---------------------------------------------------------------------------
// GET /admin/budget

struct EditionRow {
    id: i64,
    year: i32,
    title: String,
    phase: &'static str,
    voting: String,
}

#[derive(Template)]
#[template(path = "admin/budget.html")]
struct EditionsPage<'a> {
    ctx: PageCtx<'a>,
    editions: Vec<EditionRow>,
}

pub async fn editions(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let editions = state
        .store
        .editions(now)
        .await?
        .into_iter()
        .map(|e| EditionRow {
            id: e.id,
            year: e.year,
            title: e.title.clone(),
            phase: phase_label(staff.lang, e.phase),
            voting: format!("{} – {}", local(e.dates.voting_from), local(e.dates.voting_to)),
        })
        .collect();
    let ctx = PageCtx::new(&staff, "/admin/budget", staff.lang.t("Budżet obywatelski", "Participatory budget"));
    Ok(Page::ok(EditionsPage { ctx, editions }).into_response())
}

// ---------------------------------------------------------------------------
// GET /admin/budget/editions/{id}

struct ProjectRow {
    number: String,
    title: String,
    cost: String,
    votes: String,
    selected: bool,
}

struct PoolView {
    id: i64,
    name: String,
    amount: String,
    rule: String,
    /// The lot: titles in the drawn order, who and when.
    lot: Option<(Vec<String>, String, String)>,
    projects: Vec<ProjectRow>,
    /// When, by whom, spent, the input's SHA-256.
    count: Option<(String, String, String, String)>,
    trace: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/budget_edition.html")]
struct EditionPage<'a> {
    ctx: PageCtx<'a>,
    id: i64,
    title: String,
    year: i32,
    phase: &'static str,
    dates: Vec<(&'static str, String)>,
    pools: Vec<PoolView>,
    voting_over: bool,
    published: bool,
    /// Once published: the public results page (`?gmina=` the session's).
    public_results: Option<String>,
    notice: Option<(String, bool)>,
}

async fn edition_or_404(state: &AppState, id: i64, now: DateTime<Utc>) -> AdminResult<Edition> {
    state
        .store
        .edition(id, now)
        .await?
        .ok_or_else(|| AdminError::not_found("Nie ma takiej edycji.", "No such edition."))
}

async fn edition_page(
    state: &AppState,
    staff: &Staff,
    id: i64,
    status: StatusCode,
    notice: Option<(String, bool)>,
) -> AdminResult<Response> {
    let now = state.clock.now();
    let e = edition_or_404(state, id, now).await?;
    let lang = staff.lang;
    let d = &e.dates;
    let dates = vec![
        (lang.t("Nabór", "Submission"), format!("{} – {}", local(d.submission_from), local(d.submission_to))),
        (lang.t("Weryfikacja do", "Verification until"), local(d.verification_to)),
        (lang.t("Odwołania do", "Appeals until"), local(d.appeal_to)),
        (lang.t("Głosowanie", "Voting"), format!("{} – {}", local(d.voting_from), local(d.voting_to))),
    ];
    let mut pools = Vec::with_capacity(e.pools.len());
    for pool in &e.pools {
        let projects = state
            .store
            .projects(ProjectFilter {
                edition: Some(id),
                pool: Some(pool.id),
                statuses: vec![ProjectStatus::OnBallot, ProjectStatus::Selected, ProjectStatus::NotSelected],
                proposer_device: None,
            })
            .await?;
        let title = |pid: i64| {
            projects
                .iter()
                .find(|p| p.id == pid)
                .map(|p| match p.number {
                    Some(n) => format!("{n}. {}", p.title),
                    None => p.title.clone(),
                })
                .unwrap_or_else(|| format!("#{pid}"))
        };
        let lot = state
            .store
            .lot(id, pool.id)
            .await?
            .map(|l| (l.order.iter().map(|p| title(*p)).collect(), l.drawn_by, local(l.drawn_at)));
        let count = state.store.latest_count(id, pool.id).await?;
        let tallies = state.store.tallies(id, pool.id).await?;
        let rows = projects
            .iter()
            .map(|p| ProjectRow {
                number: p.number.map(|n| n.to_string()).unwrap_or_default(),
                title: p.title.clone(),
                cost: zl(p.cost_grosze),
                votes: tallies.iter().find(|t| t.project == p.id).map_or(0, |t| t.votes).to_string(),
                selected: count.as_ref().is_some_and(|c| c.outcome.selected.contains(&p.id)),
            })
            .collect();
        let count_lang = match lang {
            Lang::Pl => CountLang::Pl,
            Lang::En => CountLang::En,
        };
        pools.push(PoolView {
            id: pool.id,
            name: pool.name.clone(),
            amount: zl(pool.amount_grosze),
            rule: rule_label(lang, &pool.counting),
            lot,
            projects: rows,
            trace: count.as_ref().map(|c| c.outcome.trace.iter().map(|s| describe(s, count_lang)).collect()).unwrap_or_default(),
            count: count.map(|c| (local(c.counted_at), c.counted_by, zl(c.outcome.spent), c.input_sha256)),
        });
    }
    let ctx = PageCtx::new(staff, format!("/admin/budget/editions/{id}"), e.title.clone()).wide();
    let page = EditionPage {
        ctx,
        id,
        title: e.title.clone(),
        year: e.year,
        phase: phase_label(lang, e.phase),
        dates,
        pools,
        voting_over: now >= e.dates.voting_to,
        published: e.published_results,
        public_results: e.published_results.then(|| editions::public_results_url(state.store.gmina_scope(), id)),
        notice,
    };
    Ok(Page::with_status(status, page).into_response())
}

pub async fn edition(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>) -> AdminResult<Response> {
    permit(&state, &staff).await?;
    edition_page(&state, &staff, id, StatusCode::OK, None).await
}

/// A refused move as the edition page with the reason (409), or the
/// error page for anything else.
async fn refused(state: &AppState, staff: &Staff, id: i64, e: StoreError) -> AdminResult<Response> {
    let lang = staff.lang;
    let text = match &e {
        StoreError::Conflict(Conflict::LotDrawn) => lang.t("Losowanie tej puli już się odbyło.", "This pool's lot was drawn already."),
        StoreError::Conflict(Conflict::PhaseClosed) => lang.t(
            "Głosowanie jeszcze trwa: liczyć i publikować można po jego zakończeniu.",
            "Voting is still open: count and publish after it ends.",
        ),
        StoreError::Conflict(Conflict::ResultsPublished) => {
            lang.t("Wyniki są już opublikowane; nie można ich przeliczyć.", "The results are published; they cannot be recounted.")
        }
        StoreError::Conflict(Conflict::NotCounted) => {
            lang.t("Najpierw trzeba policzyć głosy w każdej puli.", "Count every pool first.")
        }
        StoreError::UnknownReference { .. } => lang.t(
            "Lista projektów puli zmieniła się; spróbuj ponownie.",
            "The pool's projects changed; try again.",
        ),
        StoreError::NotFound => return Err(AdminError::not_found("Nie ma takiej edycji lub puli.", "No such edition or pool.")),
        _ => return Err(e.into()),
    };
    edition_page(state, staff, id, StatusCode::CONFLICT, Some((text.to_owned(), true))).await
}

/// `POST /admin/budget/editions/{id}/pools/{pool}/lot`: the tie-break
/// order of the pool's projects on the ballot, shuffled with the
/// operating system's generator, stored once.
pub async fn lot(Tenant(state): Tenant, staff: Staff, Path((id, pool)): Path<(i64, i64)>, body: Bytes) -> AdminResult<Response> {
    staff.posted(&body)?;
    permit(&state, &staff).await?;
    let now = state.clock.now();
    let e = edition_or_404(&state, id, now).await?;
    if !e.pools.iter().any(|p| p.id == pool) {
        return Err(AdminError::not_found("Nie ma takiej puli.", "No such pool."));
    }
    let mut order: Vec<i64> = state
        .store
        .projects(ProjectFilter {
            edition: Some(id),
            pool: Some(pool),
            statuses: vec![ProjectStatus::OnBallot],
            proposer_device: None,
        })
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    order.shuffle(&mut rand::rngs::OsRng.unwrap_err());
    match state.store.draw_lot(staff.actor(), id, pool, order, now).await {
        Ok(_) => {
            let text = staff.lang.t("Losowanie zapisane.", "The lot is stored.").to_owned();
            edition_page(&state, &staff, id, StatusCode::OK, Some((text, false))).await
        }
        Err(e) => refused(&state, &staff, id, e).await,
    }
}

/// `POST /admin/budget/editions/{id}/pools/{pool}/count`.
pub async fn count(Tenant(state): Tenant, staff: Staff, Path((id, pool)): Path<(i64, i64)>, body: Bytes) -> AdminResult<Response> {
    staff.posted(&body)?;
    permit(&state, &staff).await?;
    let lang = staff.lang;
    match count_pool(state.store.clone(), staff.actor(), id, pool, state.clock.now()).await {
        Ok(_) => {
            let text = lang.t("Głosy policzone i zapisane.", "The votes are counted and stored.").to_owned();
            edition_page(&state, &staff, id, StatusCode::OK, Some((text, false))).await
        }
        Err(CountPoolError::Store(e)) => refused(&state, &staff, id, e).await,
        Err(CountPoolError::VotingOpen) => refused(&state, &staff, id, StoreError::Conflict(Conflict::PhaseClosed)).await,
        Err(CountPoolError::NotFound) => Err(AdminError::not_found("Nie ma takiej edycji lub puli.", "No such edition or pool.")),
        Err(CountPoolError::NoLot) => {
            let text = lang.t("Najpierw trzeba przeprowadzić losowanie tej puli.", "Draw the pool's lot first.").to_owned();
            edition_page(&state, &staff, id, StatusCode::CONFLICT, Some((text, true))).await
        }
        Err(CountPoolError::Input(why)) => Err(AdminError::internal(format!("budget count input: {why}"))),
    }
}

/// `POST /admin/budget/editions/{id}/publish`.
pub async fn publish(Tenant(state): Tenant, staff: Staff, Path(id): Path<i64>, body: Bytes) -> AdminResult<Response> {
    staff.posted(&body)?;
    permit(&state, &staff).await?;
    match state.store.publish_results(staff.actor(), id, state.clock.now()).await {
        Ok(_) => {
            let text = staff.lang.t("Wyniki opublikowane.", "The results are published.").to_owned();
            edition_page(&state, &staff, id, StatusCode::OK, Some((text, false))).await
        }
        Err(e) => refused(&state, &staff, id, e).await,
    }
}
