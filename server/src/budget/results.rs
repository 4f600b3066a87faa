//! The published results of a budget edition (docs/plans/issue-15.md §2.3),
//! public, the gmina by `Tenant`, no token:
//!
//! - `GET /api/v1/budget/editions/{id}/results` and `.../results.json`:
//!   [`EditionResults`], every pool's latest count with each project's
//!   votes, cost and whether it was selected, and the count explained step
//!   by step in Polish and English (`count::describe`);
//! - `GET /api/v1/budget/editions/{id}/results.csv`: the same table,
//!   RFC 4180 (`,`, CRLF), every cell through `csv_cell_escape` (titles are
//!   residents' texts: OWASP "CSV Injection").
//!
//! - `GET /api/v1/budget/editions/{id}/pools/{pool}/results.pb`: one pool
//!   as a Pabulib file (`pabulib::write`, R§1): the projects in the
//!   edition's tie order (pabulib-checker's comparison greedy breaks ties
//!   by file order), `selected` from the latest count, and one vote row per
//!   counted ballot, `v1..vn` in voter-key order (an HMAC: the order says
//!   nothing about time or person), with its channel.
//!
//! Before publication all of them answer 404 `results_not_published`; an
//! edition of another gmina is 404 `not_found`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use mm_protocol::budget::count::{Lang, describe};
use mm_protocol::budget::count::tie::TieOrder;
use mm_protocol::budget::model::{
    BallotChannel, Edition, PoolResult, Project, ProjectLocation, ProjectResult, ProjectStatus, VotingRule,
};
use mm_protocol::budget::pabulib::{self, PbBallot, PbInstance, PbMeta, PbProject, PbVote, VotingMethod};
use mm_protocol::budget::wire::EditionResults;
use mm_protocol::consultations::csv::{csv_cell_escape, csv_line};
use mm_protocol::error::{ApiError, Message};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, AppError, Json, Path};
use crate::state::AppState;
use crate::store::Store;
use crate::store::budget::ProjectFilter;
use crate::tenant::Tenant;

/// The `/api/v1` routes (with their OpenAPI paths).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(edition_results))
        .routes(routes!(edition_results_json))
        .routes(routes!(edition_results_csv))
        .routes(routes!(pool_results_pb))
}

/// A published edition's results, with the projects of each pool (for the
/// CSV and the public page, which show titles and numbers too).
pub struct Published {
    pub edition: Edition,
    pub results: EditionResults,
    /// Per pool (in `results.pools`' order), its projects by id.
    pub projects: Vec<Vec<Project>>,
}

/// The results of edition `id` as published; `results_not_published`
/// before, `not_found` for no edition of the gmina.
pub async fn published(store: &dyn Store, id: i64, now: DateTime<Utc>) -> Result<Published, AppError> {
    let edition = store.edition(id, now).await?.ok_or_else(AppError::not_found)?;
    if !edition.published_results {
        return Err(AppError::results_not_published());
    }
    let mut pools = Vec::with_capacity(edition.pools.len());
    let mut all_projects = Vec::with_capacity(edition.pools.len());
    let mut pool_list = edition.pools.clone();
    pool_list.sort_by_key(|p| p.id);
    for pool in &pool_list {
        let count = store.latest_count(id, pool.id).await?.ok_or_else(|| {
            // Publication requires every pool counted: a missing count is
            // a broken invariant, not the resident's fault.
            tracing::error!(edition = id, pool = pool.id, "published budget pool without a count");
            AppError::internal()
        })?;
        let projects = store
            .projects(ProjectFilter {
                edition: Some(id),
                pool: Some(pool.id),
                statuses: vec![ProjectStatus::Selected, ProjectStatus::NotSelected],
                proposer_device: None,
            })
            .await?;
        let tallies = store.tallies(id, pool.id).await?;
        let ballots: u32 = store.count_input(id, pool.id).await?.ballots.iter().map(|b| b.weight).sum();
        let results = projects
            .iter()
            .map(|p| {
                let t = tallies.iter().find(|t| t.project == p.id);
                ProjectResult {
                    project: p.id,
                    votes: t.map_or(0, |t| t.votes),
                    points: t.map_or(0, |t| if t.points > 0 { t.points } else { t.votes }),
                    cost_grosze: p.cost_grosze,
                    selected: p.status == ProjectStatus::Selected,
                }
            })
            .collect();
        pools.push(PoolResult {
            edition: id,
            pool: pool.id,
            rule: count.rule.clone(),
            counted_at: count.counted_at,
            ballots,
            budget_grosze: pool.amount_grosze,
            spent_grosze: count.outcome.spent,
            projects: results,
            trace: count
                .outcome
                .trace
                .iter()
                .map(|s| Message { pl: describe(s, Lang::Pl), en: describe(s, Lang::En) })
                .collect(),
        });
        all_projects.push(projects);
    }
    let published_at = edition.published_at.ok_or_else(|| {
        // `published_results` is `published_at` being set: one without the
        // other is a broken store.
        tracing::error!(edition = id, "published budget edition without its publication time");
        AppError::internal()
    })?;
    let results = EditionResults { edition: id, published_at, pools };
    Ok(Published { edition, results, projects: all_projects })
}

/// The edition's results: every pool's latest count (404
/// `results_not_published` before publication).
#[utoipa::path(get, path = "/budget/editions/{id}/results", tag = "budget", params(("id" = i64, Path)),
    responses((status = 200, body = EditionResults),
        (status = 404, description = "not_found | results_not_published", body = ApiError)))]
pub async fn edition_results(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Json<EditionResults>> {
    Ok(Json(published(state.store.as_ref(), id, state.clock.now()).await?.results))
}

/// The same body as `/results`, as a file to download.
#[utoipa::path(get, path = "/budget/editions/{id}/results.json", tag = "budget", params(("id" = i64, Path)),
    responses((status = 200, body = EditionResults),
        (status = 404, description = "not_found | results_not_published", body = ApiError)))]
pub async fn edition_results_json(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Response> {
    let p = published(state.store.as_ref(), id, state.clock.now()).await?;
    let name = format!("attachment; filename=\"budzet_{}_{}.json\"", p.edition.year, id);
    Ok(([(header::CONTENT_DISPOSITION, name)], Json(p.results)).into_response())
}

/// The results as CSV (RFC 4180, UTF-8): one row per project of each pool.
#[utoipa::path(get, path = "/budget/editions/{id}/results.csv", tag = "budget", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 404, description = "not_found | results_not_published", body = ApiError)))]
pub async fn edition_results_csv(Tenant(state): Tenant, Path(id): Path<i64>) -> ApiResult<Response> {
    let p = published(state.store.as_ref(), id, state.clock.now()).await?;
    let name = format!("attachment; filename=\"budzet_{}_{}.csv\"", p.edition.year, id);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
        results_csv(&p),
    )
        .into_response())
}

/// One pool's results as a Pabulib `.pb` file (R§1; pabulib.org/format).
#[utoipa::path(get, path = "/budget/editions/{id}/pools/{pool}/results.pb", tag = "budget",
    params(("id" = i64, Path), ("pool" = i64, Path)),
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 404, description = "not_found | results_not_published", body = ApiError)))]
pub async fn pool_results_pb(Tenant(state): Tenant, Path((id, pool)): Path<(i64, i64)>) -> ApiResult<Response> {
    let store = state.store.as_ref();
    let edition = store.edition(id, state.clock.now()).await?.ok_or_else(AppError::not_found)?;
    if !edition.published_results {
        return Err(AppError::results_not_published());
    }
    let pool = edition.pools.iter().find(|p| p.id == pool).ok_or_else(AppError::not_found)?.clone();
    let teryt = store.gmina_scope().clone();
    let unit = state.gminas.find(store, &teryt).await?.map_or_else(|| teryt.to_string(), |g| g.name);
    let pb = pool_pb(store, &edition, &pool, unit).await?;
    let name = format!("attachment; filename=\"{}_{}_{}.pb\"", teryt, edition.year, pool.id);
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
        pabulib::write(&pb),
    )
        .into_response())
}

/// The Pabulib instance of a published pool (`unit`: the gmina's name).
pub async fn pool_pb(
    store: &dyn Store,
    edition: &Edition,
    pool: &mm_protocol::budget::model::Pool,
    unit: String,
) -> Result<PbInstance, AppError> {
    let count = store.latest_count(edition.id, pool.id).await?.ok_or_else(|| {
        tracing::error!(edition = edition.id, pool = pool.id, "published budget pool without a count");
        AppError::internal()
    })?;
    // The count's own input gives the tie order the count used.
    let (input, _) = crate::budget::count::count_input(store, edition, pool).await?;
    let tally = mm_protocol::budget::count::tally(&input).map_err(|e| {
        tracing::error!(edition = edition.id, pool = pool.id, error = %e, "budget pool does not tally");
        AppError::internal()
    })?;
    let tie = TieOrder::new(&input, &tally);
    let mut order: Vec<usize> = (0..input.projects.len()).collect();
    order.sort_by(|a, b| tie.cmp(*a, *b));
    let projects = store
        .projects(ProjectFilter {
            edition: Some(edition.id),
            pool: Some(pool.id),
            statuses: vec![ProjectStatus::OnBallot, ProjectStatus::Selected, ProjectStatus::NotSelected],
            proposer_device: None,
        })
        .await?;
    let cumulative = matches!(edition.settings.voting, VotingRule::Cumulative { .. });
    let mut pb_projects = Vec::with_capacity(order.len());
    for i in order {
        let id = input.projects[i].id;
        let p = projects.iter().find(|p| p.id == id).ok_or_else(AppError::internal)?;
        pb_projects.push(PbProject {
            id,
            cost: p.cost_grosze,
            votes: tally.votes[i] as u32,
            score: if cumulative { tally.points[i] as u32 } else { 0 },
            name: p.title.clone(),
            categories: p.category.iter().cloned().collect(),
            location: match &p.location {
                Some(ProjectLocation::Point(g)) => Some((g.lat, g.lon)),
                _ => None,
            },
            selected: count.outcome.selected.contains(&id),
        });
    }
    let votes = store
        .pb_rows(edition.id, pool.id)
        .await?
        .into_iter()
        .map(|row| {
            let mut choices = row.choices;
            // Cumulative votes list projects by decreasing points (R§1).
            choices.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            PbVote {
                vote: choices.iter().map(|c| c.0).collect(),
                points: if cumulative { choices.iter().map(|c| c.1).collect() } else { Vec::new() },
                age: None,
                sex: None,
                voting_method: match row.channel {
                    BallotChannel::Online => VotingMethod::Internet,
                    BallotChannel::Paper => VotingMethod::Paper,
                },
            }
        })
        .collect();
    let ballot = match edition.settings.voting {
        VotingRule::Approval { min, max } => PbBallot::Approval { min_length: min.into(), max_length: max.into() },
        VotingRule::Knapsack => PbBallot::Knapsack { max_sum_cost: pool.amount_grosze },
        VotingRule::Cumulative { points, min_projects, max_per_project } => PbBallot::Cumulative {
            min_points: 1,
            max_points: max_per_project.into(),
            min_sum_points: min_projects.into(),
            max_sum_points: points.into(),
        },
    };
    // `voting_to` is the first instant after the vote: its last day is
    // the day of the instant before.
    let last = edition.dates.voting_to - chrono::Duration::seconds(1);
    let meta = PbMeta {
        description: format!("{} — {}", edition.title, pool.name),
        country: "Poland".into(),
        unit,
        subunit: Some(pool.name.clone()),
        instance: edition.year.to_string(),
        budget: pool.amount_grosze,
        ballot,
        rule: count.rule.clone(),
        date_begin: crate::store::ballots::local_day(edition.dates.voting_from),
        date_end: crate::store::ballots::local_day(last),
        edition: Some(edition.year.to_string()),
        language: Some("pl".into()),
        currency: Some("PLN".into()),
    };
    Ok(PbInstance { meta, projects: pb_projects, votes })
}

/// Whole złoty (costs and amounts are whole złoty, plan §0), or with
/// grosze after a `.` should one not be.
pub fn zloty(grosze: i64) -> String {
    if grosze % 100 == 0 { (grosze / 100).to_string() } else { format!("{}.{:02}", grosze / 100, (grosze % 100).abs()) }
}

/// The CSV's text: a header, then a row per project.
pub fn results_csv(p: &Published) -> String {
    let header = [
        "pool_id", "pool", "project_id", "number", "title", "category", "cost_zl", "votes", "points", "selected",
    ];
    let mut out = csv_line(&header.iter().map(|h| csv_cell_escape(h)).collect::<Vec<_>>());
    for (pool, projects) in p.results.pools.iter().zip(&p.projects) {
        let pool_name = p.edition.pools.iter().find(|x| x.id == pool.pool).map(|x| x.name.clone()).unwrap_or_default();
        for r in &pool.projects {
            let project = projects.iter().find(|x| x.id == r.project);
            let cells = [
                pool.pool.to_string(),
                pool_name.clone(),
                r.project.to_string(),
                project.and_then(|x| x.number).map(|n| n.to_string()).unwrap_or_default(),
                project.map(|x| x.title.clone()).unwrap_or_default(),
                project.and_then(|x| x.category.clone()).unwrap_or_default(),
                zloty(r.cost_grosze),
                r.votes.to_string(),
                r.points.to_string(),
                if r.selected { "1" } else { "0" }.to_owned(),
            ];
            out.push_str(&csv_line(&cells.iter().map(|c| csv_cell_escape(c)).collect::<Vec<_>>()));
        }
    }
    out
}
