//! Counting one pool of a budget edition (docs/plans/issue-15.md §2.4,
//! WP4): the pool's counted ballots (`BallotStore::count_input`), its
//! projects on the ballot, the lot drawn before counting and the edition's
//! tie order and rule go into `mm_protocol::budget::count::count`, run on
//! the blocking pool (exact rational arithmetic may take a second on a big
//! gmina, R§2); the outcome, its trace and the SHA-256 of the ballots it
//! was counted from are stored by `BudgetStore::save_count`, audited there
//! (`budget.count`, ids only).
//!
//! Only after `voting_to` (the store refuses earlier: `PhaseClosed`), and
//! again as often as the officials like until the results are published
//! (`ResultsPublished` then): the latest count is the one published.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mm_protocol::budget::count::{self, CountBallot, CountInput, CountOutcome, CountProject};
use mm_protocol::budget::model::{Edition, Pool, ProjectStatus, VotingRule};
use mm_protocol::error::ErrorCode;

use crate::error::AppError;
use crate::store::budget::{PoolCount, ProjectFilter};
use crate::store::{Actor, Conflict, Store, StoreError};

/// What a count found and stored.
#[derive(Debug, Clone)]
pub struct Counted {
    /// The stored count's id.
    pub id: i64,
    pub input_sha256: String,
    pub outcome: CountOutcome,
}

/// Why a pool was not counted.
#[derive(Debug, thiserror::Error)]
pub enum CountPoolError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The edition or pool is not the gmina's.
    #[error("no such edition or pool")]
    NotFound,
    /// The lot decides the last ties; it is drawn (and shown) first.
    #[error("the pool's lot has not been drawn")]
    NoLot,
    /// Voting is not over yet.
    #[error("voting is still open")]
    VotingOpen,
    /// The stored data do not make a countable pool (a ballot naming a
    /// project no longer on the ballot, a lot not matching the projects).
    #[error("the pool cannot be counted: {0}")]
    Input(String),
}

impl From<CountPoolError> for AppError {
    fn from(e: CountPoolError) -> Self {
        match e {
            CountPoolError::Store(e) => e.into(),
            CountPoolError::NotFound => AppError::not_found(),
            CountPoolError::NoLot => AppError::new(
                ErrorCode::Conflict,
                "Najpierw trzeba przeprowadzić losowanie kolejności projektów tej puli.",
                "Draw the pool's lot first.",
            ),
            CountPoolError::VotingOpen => StoreError::Conflict(Conflict::PhaseClosed).into(),
            CountPoolError::Input(why) => {
                tracing::error!(%why, "budget pool not countable");
                AppError::new(
                    ErrorCode::Conflict,
                    "Danych puli nie da się policzyć (niespójne projekty, głosy lub losowanie).",
                    "The pool's data cannot be counted (projects, ballots or lot disagree).",
                )
            }
        }
    }
}

/// The count's input: projects on the pool's ballot in id order (their
/// lot rank from the drawn order), the grouped ballots, the edition's tie
/// order and Add1 step, the pool's rule. Also the ballots' SHA-256.
pub async fn count_input(
    store: &dyn Store,
    edition: &Edition,
    pool: &Pool,
) -> Result<(CountInput, String), CountPoolError> {
    let projects = store
        .projects(ProjectFilter {
            edition: Some(edition.id),
            pool: Some(pool.id),
            statuses: vec![ProjectStatus::OnBallot, ProjectStatus::Selected, ProjectStatus::NotSelected],
            proposer_device: None,
        })
        .await?;
    let lot = store.lot(edition.id, pool.id).await?.ok_or(CountPoolError::NoLot)?;
    let rank: HashMap<i64, u32> = lot.order.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect();
    let mut count_projects = Vec::with_capacity(projects.len());
    for p in &projects {
        let lot_rank = *rank
            .get(&p.id)
            .ok_or_else(|| CountPoolError::Input(format!("project {} is not in the lot", p.id)))?;
        count_projects.push(CountProject { id: p.id, cost: p.cost_grosze, lot_rank });
    }
    let index: HashMap<i64, u16> = projects.iter().enumerate().map(|(i, p)| (p.id, i as u16)).collect();
    let cumulative = matches!(edition.settings.voting, VotingRule::Cumulative { .. });
    let grouped = store.count_input(edition.id, pool.id).await?;
    let mut ballots = Vec::with_capacity(grouped.ballots.len());
    for b in &grouped.ballots {
        let mut approvals = Vec::with_capacity(b.choices.len());
        let mut points = Vec::new();
        for (project, pts) in &b.choices {
            let i = *index
                .get(project)
                .ok_or_else(|| CountPoolError::Input(format!("a ballot names project {project}, not on the ballot")))?;
            approvals.push(i);
            if cumulative {
                points.push(*pts);
            }
        }
        ballots.push(CountBallot { weight: b.weight, approvals, points });
    }
    let input = CountInput {
        budget: pool.amount_grosze,
        projects: count_projects,
        ballots,
        tie: edition.settings.tie_break.clone(),
        rule: pool.counting.clone(),
        increment: edition.settings.add1_increment_grosze,
    };
    Ok((input, grouped.input_sha256))
}

/// Counts `pool` of `edition` and stores the count (see the module's doc).
pub async fn count_pool(
    store: Arc<dyn Store>,
    actor: Actor,
    edition: i64,
    pool: i64,
    now: DateTime<Utc>,
) -> Result<Counted, CountPoolError> {
    let e = store.edition(edition, now).await?.ok_or(CountPoolError::NotFound)?;
    let p = e.pools.iter().find(|p| p.id == pool).cloned().ok_or(CountPoolError::NotFound)?;
    if now < e.dates.voting_to {
        return Err(CountPoolError::VotingOpen);
    }
    if e.published_results {
        return Err(StoreError::Conflict(Conflict::ResultsPublished).into());
    }
    let (input, input_sha256) = count_input(store.as_ref(), &e, &p).await?;
    let outcome = tokio::task::spawn_blocking(move || count::count(&input))
        .await
        .map_err(|e| StoreError::backend(format!("count task: {e}")))?
        .map_err(|e| CountPoolError::Input(e.to_string()))?;
    let id = store
        .save_count(
            actor,
            PoolCount { edition, pool, rule: p.counting.clone(), input_sha256: input_sha256.clone(), outcome: outcome.clone() },
            now,
        )
        .await?;
    Ok(Counted { id, input_sha256, outcome })
}
