//! The participatory budget's editions, pools and projects
//! (`migrations/sqlite/0015_budget.sql`, `store/budget.rs`). Every query is
//! scoped to the handle's gmina; one writer makes each check-then-write
//! atomic (a status move, the next ballot number, the lot once).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{
    BallotChannel, Edition, EditionSettings, HistoryEntry, PhaseDates, Pool, Project, ProjectStatus, phase_at,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use super::devices::{remember, replay};
use super::publish::audit;
use super::{SqliteStore, parse_ts, ts};
use crate::store::budget::{
    BudgetStore, Deciding, Decision, Lot, NewEdition, NewProject, PoolCount, ProjectFilter, ProjectPrivate, StoredCount,
    appealed_before,
    Submitted, Verification, VerificationRecord, channel_name, check_decision_open, edition_locked, join_outcome, kind_name, lot_matches,
    parse_kind, parse_status, retention_end, split_outcome, status_name, verification_moves,
};
use crate::store::{Actor, Conflict, StoreError, StoreResult, StoredResponse};

fn conflict(c: Conflict) -> StoreError {
    StoreError::Conflict(c)
}

/// An edition's stored row: dates, settings, publication.
struct EditionRow {
    id: i64,
    year: i32,
    title: String,
    dates: PhaseDates,
    settings: EditionSettings,
    published_at: Option<DateTime<Utc>>,
}

const EDITION_COLUMNS: &str = "id, year, title, submission_from, submission_to, verification_to, appeal_to,
     voting_from, voting_to, settings, published_at";

fn edition_row(r: &Row<'_>) -> rusqlite::Result<(EditionRow, String)> {
    edition_row_at(r, 0)
}

fn get_edition_row(c: &Connection, g: &str, id: i64) -> StoreResult<Option<EditionRow>> {
    let found = c
        .prepare_cached(&format!("SELECT {EDITION_COLUMNS} FROM budget_editions WHERE gmina = ?1 AND id = ?2"))?
        .query_row(params![g, id], edition_row)
        .optional()?;
    found
        .map(|(mut e, settings)| {
            e.settings = serde_json::from_str(&settings)?;
            Ok(e)
        })
        .transpose()
}

fn pools(c: &Connection, g: &str, edition: i64) -> StoreResult<Vec<Pool>> {
    let rows = c
        .prepare_cached(
            "SELECT id, kind, name, amount_grosze, localities, residents, signatures_required, counting
               FROM budget_pools WHERE gmina = ?1 AND edition = ?2 ORDER BY position, id",
        )?
        .query_map(params![g, edition], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, u32>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, kind, name, amount, localities, residents, signatures, counting)| {
            Ok(Pool {
                id,
                kind: parse_kind(&kind)?,
                name,
                amount_grosze: amount,
                localities: serde_json::from_str(&localities)?,
                residents,
                signatures_required: signatures,
                counting: serde_json::from_str::<CountingRule>(&counting)?,
            })
        })
        .collect()
}

fn to_edition(c: &Connection, g: &str, e: EditionRow, now: DateTime<Utc>) -> StoreResult<Edition> {
    let published = e.published_at.is_some();
    Ok(Edition {
        id: e.id,
        year: e.year,
        title: e.title,
        phase: phase_at(&e.dates, published, now),
        dates: e.dates,
        pools: pools(c, g, e.id)?,
        settings: e.settings,
        published_results: published,
        published_at: e.published_at,
    })
}

fn get_edition(c: &Connection, g: &str, id: i64, now: DateTime<Utc>) -> StoreResult<Option<Edition>> {
    get_edition_row(c, g, id)?.map(|e| to_edition(c, g, e, now)).transpose()
}

const PROJECT_COLUMNS: &str = "id, edition, pool, number, title, description, cost_grosze, category, location,
     photos, status, reason, verification, proposer_device, contact";

/// A project row: the public part without its history, and the private part.
fn project_row(r: &Row<'_>) -> rusqlite::Result<ProjectParts> {
    Ok(ProjectParts {
        id: r.get(0)?,
        edition: r.get(1)?,
        pool: r.get(2)?,
        number: r.get(3)?,
        title: r.get(4)?,
        description: r.get(5)?,
        cost: r.get(6)?,
        category: r.get(7)?,
        location: r.get(8)?,
        photos: r.get(9)?,
        status: r.get(10)?,
        reason: r.get(11)?,
        verification: r.get(12)?,
        proposer_device: r.get(13)?,
        contact: r.get(14)?,
    })
}

struct ProjectParts {
    id: i64,
    edition: i64,
    pool: i64,
    number: Option<u32>,
    title: String,
    description: String,
    cost: i64,
    category: String,
    location: Option<String>,
    photos: String,
    status: String,
    reason: Option<String>,
    verification: Option<String>,
    proposer_device: Option<String>,
    contact: Option<String>,
}

fn history(c: &Connection, g: &str, project: i64) -> StoreResult<Vec<HistoryEntry>> {
    let rows = c
        .prepare_cached("SELECT at, status, note FROM budget_project_history WHERE gmina = ?1 AND project = ?2 ORDER BY id")?
        .query_map(params![g, project], |r| {
            Ok((parse_ts(&r.get::<_, String>(0)?)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|(at, status, note)| Ok(HistoryEntry { at, status: parse_status(&status)?, note })).collect()
}

fn signatures(c: &Connection, g: &str, project: i64) -> StoreResult<u32> {
    Ok(c
        .prepare_cached("SELECT COUNT(*) FROM budget_signatures WHERE gmina = ?1 AND project = ?2")?
        .query_row(params![g, project], |r| r.get(0))?)
}

fn assemble(c: &Connection, g: &str, p: ProjectParts) -> StoreResult<(Project, ProjectPrivate)> {
    let verification: Option<VerificationRecord> = p.verification.as_deref().map(serde_json::from_str).transpose()?;
    let status = parse_status(&p.status)?;
    let project = Project {
        id: p.id,
        edition: p.edition,
        pool: p.pool,
        number: p.number,
        title: p.title,
        description: p.description,
        cost_grosze: p.cost,
        category: Some(p.category).filter(|c| !c.is_empty()),
        location: p.location.as_deref().map(serde_json::from_str).transpose()?,
        photos: serde_json::from_str(&p.photos)?,
        status,
        rejection_reason: p.reason,
        history: history(c, g, p.id)?,
    };
    let private = ProjectPrivate {
        proposer_device: p.proposer_device,
        contact: p.contact.as_deref().map(serde_json::from_str).transpose()?,
        appeal: verification.as_ref().and_then(|v| v.appeal.clone()),
        verification,
        signatures: signatures(c, g, p.id)?,
    };
    Ok((project, private))
}

fn get_project(c: &Connection, g: &str, id: i64) -> StoreResult<Option<(Project, ProjectPrivate)>> {
    let parts = c
        .prepare_cached(&format!("SELECT {PROJECT_COLUMNS} FROM budget_projects WHERE gmina = ?1 AND id = ?2"))?
        .query_row(params![g, id], project_row)
        .optional()?;
    parts.map(|p| assemble(c, g, p)).transpose()
}

fn list_projects(c: &Connection, g: &str, f: &ProjectFilter) -> StoreResult<Vec<Project>> {
    let statuses: Vec<&str> = f.statuses.iter().map(|&s| status_name(s)).collect();
    let rows = c
        .prepare_cached(&format!(
            "SELECT {PROJECT_COLUMNS} FROM budget_projects
              WHERE gmina = ?1 AND (?2 IS NULL OR edition = ?2) AND (?3 IS NULL OR pool = ?3)
                AND (?4 IS NULL OR proposer_device = ?4)
                AND (?5 = '[]' OR status IN (SELECT value FROM json_each(?5)))
              ORDER BY id"
        ))?
        .query_map(params![g, f.edition, f.pool, f.proposer_device, serde_json::to_string(&statuses)?], project_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|p| Ok(assemble(c, g, p)?.0)).collect()
}

/// Moves a project one step (checked by `may_move`) with its history row.
#[allow(clippy::too_many_arguments)]
fn move_status(
    tx: &Transaction<'_>,
    g: &str,
    id: i64,
    from: ProjectStatus,
    to: ProjectStatus,
    note: Option<&str>,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if !ProjectStatus::may_move(from, to) {
        return Err(conflict(Conflict::ProjectStatus));
    }
    let changed = tx
        .prepare_cached("UPDATE budget_projects SET status = ?3, updated_at = ?4 WHERE gmina = ?1 AND id = ?2 AND status = ?5")?
        .execute(params![g, id, status_name(to), ts(now), status_name(from)])?;
    if changed != 1 {
        return Err(conflict(Conflict::ProjectStatus));
    }
    tx.prepare_cached(
        "INSERT INTO budget_project_history (gmina, project, at, status, note, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![g, id, ts(now), status_name(to), note, actor.map(|a| a.0.as_str())])?;
    Ok(())
}

/// Puts a project on the ballot: its pool's signatures are checked, and it
/// takes the edition's next number (numbers run across the edition's
/// pools, so a paper card's "12" names one project).
fn number_on_ballot(tx: &Transaction<'_>, g: &str, project: &Project) -> StoreResult<()> {
    let required: u32 = tx
        .prepare_cached("SELECT signatures_required FROM budget_pools WHERE gmina = ?1 AND id = ?2")?
        .query_row(params![g, project.pool], |r| r.get(0))?;
    if signatures(tx, g, project.id)? < required {
        return Err(conflict(Conflict::NotEnoughSignatures));
    }
    tx.prepare_cached(
        "UPDATE budget_projects SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM budget_projects
           WHERE gmina = ?1 AND edition = ?3) WHERE gmina = ?1 AND id = ?2 AND number IS NULL",
    )?
    .execute(params![g, project.id, project.edition])?;
    Ok(())
}

fn project_or_not_found(c: &Connection, g: &str, id: i64) -> StoreResult<(Project, ProjectPrivate)> {
    get_project(c, g, id)?.ok_or(StoreError::NotFound)
}

fn edition_or_not_found(c: &Connection, g: &str, id: i64) -> StoreResult<EditionRow> {
    get_edition_row(c, g, id)?.ok_or(StoreError::NotFound)
}

fn pool_of_edition(c: &Connection, g: &str, edition: i64, pool: i64) -> StoreResult<bool> {
    Ok(c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM budget_pools WHERE gmina = ?1 AND edition = ?2 AND id = ?3)")?
        .query_row(params![g, edition, pool], |r| r.get(0))?)
}

fn on_ballot_ids(c: &Connection, g: &str, edition: i64, pool: i64) -> StoreResult<Vec<i64>> {
    Ok(c
        .prepare_cached(
            "SELECT id FROM budget_projects WHERE gmina = ?1 AND edition = ?2 AND pool = ?3 AND status = 'on_ballot' ORDER BY id",
        )?
        .query_map(params![g, edition, pool], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

fn get_lot(c: &Connection, g: &str, edition: i64, pool: i64) -> StoreResult<Option<Lot>> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = c
        .prepare_cached("SELECT lot, lot_drawn_by, lot_drawn_at FROM budget_pools WHERE gmina = ?1 AND edition = ?2 AND id = ?3")?
        .query_row(params![g, edition, pool], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match row {
        Some((Some(lot), by, at)) => Ok(Some(Lot {
            order: serde_json::from_str(&lot)?,
            drawn_by: by.unwrap_or_default(),
            drawn_at: parse_ts(at.as_deref().unwrap_or_default())?,
        })),
        _ => Ok(None),
    }
}

fn get_latest_count(c: &Connection, g: &str, edition: i64, pool: i64) -> StoreResult<Option<StoredCount>> {
    let row: Option<(i64, String, String, String, String, String, String)> = c
        .prepare_cached(
            "SELECT id, rule, input_sha256, outcome, trace, counted_by, counted_at FROM budget_counts
              WHERE gmina = ?1 AND edition = ?2 AND pool = ?3 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![g, edition, pool], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .optional()?;
    row.map(|(id, rule, sha, outcome, trace, by, at)| {
        Ok(StoredCount {
            id,
            edition,
            pool,
            rule: serde_json::from_str(&rule)?,
            input_sha256: sha,
            outcome: join_outcome(&outcome, &trace)?,
            counted_by: by,
            counted_at: parse_ts(&at)?,
        })
    })
    .transpose()
}

fn save_pool(tx: &Transaction<'_>, g: &str, edition: i64, pool: &Pool) -> StoreResult<i64> {
    let localities = serde_json::to_string(&pool.localities)?;
    let counting = serde_json::to_string(&pool.counting)?;
    if pool.id == 0 {
        tx.execute(
            "INSERT INTO budget_pools (gmina, edition, position, kind, name, amount_grosze, localities, residents,
                                       signatures_required, counting)
             VALUES (?1, ?2, (SELECT COUNT(*) FROM budget_pools WHERE gmina = ?1 AND edition = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                g,
                edition,
                kind_name(pool.kind),
                pool.name,
                pool.amount_grosze,
                localities,
                pool.residents,
                pool.signatures_required,
                counting
            ],
        )?;
        return Ok(tx.last_insert_rowid());
    }
    let changed = tx.execute(
        "UPDATE budget_pools SET kind = ?4, name = ?5, amount_grosze = ?6, localities = ?7, residents = ?8,
                signatures_required = ?9, counting = ?10
          WHERE gmina = ?1 AND edition = ?2 AND id = ?3",
        params![
            g,
            edition,
            pool.id,
            kind_name(pool.kind),
            pool.name,
            pool.amount_grosze,
            localities,
            pool.residents,
            pool.signatures_required,
            counting
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(pool.id)
}

fn insert_project(tx: &Transaction<'_>, g: &str, device: &str, p: &NewProject, now: DateTime<Utc>) -> StoreResult<i64> {
    let at = ts(now);
    tx.execute(
        "INSERT INTO budget_projects (gmina, edition, pool, title, description, cost_grosze, category, location, photos,
                                      status, proposer_device, contact, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'submitted', ?10, ?11, ?12, ?12)",
        params![
            g,
            p.edition,
            p.pool,
            p.title,
            p.description,
            p.cost_grosze,
            p.category.clone().unwrap_or_default(),
            p.location.as_ref().map(serde_json::to_string).transpose()?,
            serde_json::to_string(&p.photos)?,
            device,
            p.contact.as_ref().map(serde_json::to_string).transpose()?,
            at
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO budget_project_history (gmina, project, at, status) VALUES (?1, ?2, ?3, 'submitted')",
        params![g, id, at],
    )?;
    Ok(id)
}

fn verify(tx: &Transaction<'_>, g: &str, actor: &Actor, id: i64, v: &Verification, now: DateTime<Utc>) -> StoreResult<Project> {
    let (project, private) = project_or_not_found(tx, g, id)?;
    let e = edition_or_not_found(tx, g, project.edition)?;
    check_decision_open(&e.dates, Deciding::Verification, now)?;
    let moves = verification_moves(project.status, &v.decision)?;
    let record = VerificationRecord {
        legal: v.legal,
        feasible: v.feasible,
        estimate_grosze: v.estimate_grosze,
        department: v.department.clone(),
        appeal: private.verification.and_then(|r| r.appeal),
    };
    tx.execute(
        "UPDATE budget_projects SET verification = ?3 WHERE gmina = ?1 AND id = ?2",
        params![g, id, serde_json::to_string(&record)?],
    )?;
    let mut from = project.status;
    for to in moves {
        let note = match (&v.decision, to) {
            (Decision::Reject { reason }, ProjectStatus::Rejected) => Some(reason.as_str()),
            _ => None,
        };
        move_status(tx, g, id, from, to, note, Some(actor), now)?;
        from = to;
    }
    match &v.decision {
        Decision::OnBallot => {
            if let Some(estimate) = v.estimate_grosze {
                tx.execute(
                    "UPDATE budget_projects SET cost_grosze = ?3 WHERE gmina = ?1 AND id = ?2",
                    params![g, id, estimate],
                )?;
            }
            number_on_ballot(tx, g, &project)?;
        }
        Decision::Reject { reason } => {
            tx.execute("UPDATE budget_projects SET reason = ?3 WHERE gmina = ?1 AND id = ?2", params![g, id, reason])?;
        }
        Decision::Review => {}
    }
    audit(tx, g, actor, now, "budget.verify", "budget_project", Some(&id.to_string()), json!({"status": status_name(from)}))?;
    Ok(project_or_not_found(tx, g, id)?.0)
}

fn decide(
    tx: &Transaction<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    accept: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<Project> {
    let (project, _) = project_or_not_found(tx, g, id)?;
    let e = edition_or_not_found(tx, g, project.edition)?;
    check_decision_open(&e.dates, Deciding::Appeal, now)?;
    let to = if accept { ProjectStatus::OnBallot } else { ProjectStatus::Rejected };
    move_status(tx, g, id, project.status, to, reason, Some(actor), now)?;
    if accept {
        tx.execute("UPDATE budget_projects SET reason = NULL WHERE gmina = ?1 AND id = ?2", params![g, id])?;
        number_on_ballot(tx, g, &project)?;
    } else if let Some(reason) = reason {
        tx.execute("UPDATE budget_projects SET reason = ?3 WHERE gmina = ?1 AND id = ?2", params![g, id, reason])?;
    }
    audit(tx, g, actor, now, "budget.appeal", "budget_project", Some(&id.to_string()), json!({"status": status_name(to)}))?;
    Ok(project_or_not_found(tx, g, id)?.0)
}

fn publish(tx: &Transaction<'_>, g: &str, actor: &Actor, edition: i64, now: DateTime<Utc>) -> StoreResult<Edition> {
    let e = edition_or_not_found(tx, g, edition)?;
    if e.published_at.is_some() {
        return Err(conflict(Conflict::ResultsPublished));
    }
    if now < e.dates.voting_to {
        return Err(conflict(Conflict::PhaseClosed));
    }
    let all = pools(tx, g, edition)?;
    if all.is_empty() {
        return Err(conflict(Conflict::NotCounted));
    }
    let mut counts = Vec::with_capacity(all.len());
    for p in &all {
        counts.push((p.id, get_latest_count(tx, g, edition, p.id)?.ok_or_else(|| conflict(Conflict::NotCounted))?));
    }
    for (pool, count) in counts {
        for id in on_ballot_ids(tx, g, edition, pool)? {
            let to = if count.outcome.selected.contains(&id) { ProjectStatus::Selected } else { ProjectStatus::NotSelected };
            move_status(tx, g, id, ProjectStatus::OnBallot, to, None, Some(actor), now)?;
        }
    }
    tx.execute(
        "UPDATE budget_editions SET published_at = ?3, updated_at = ?3 WHERE gmina = ?1 AND id = ?2",
        params![g, edition, ts(now)],
    )?;
    audit(tx, g, actor, now, "budget.publish", "budget_edition", Some(&edition.to_string()), json!({}))?;
    get_edition(tx, g, edition, now)?.ok_or(StoreError::NotFound)
}

#[async_trait]
impl BudgetStore for SqliteStore {
    async fn editions(&self, now: DateTime<Utc>) -> StoreResult<Vec<Edition>> {
        let g = self.scope();
        self.read(move |c| {
            let ids = c
                .prepare_cached("SELECT id FROM budget_editions WHERE gmina = ?1 ORDER BY year DESC, id DESC")?
                .query_map([&g], |r| r.get::<_, i64>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids.into_iter().filter_map(|id| get_edition(c, &g, id, now).transpose()).collect()
        })
        .await
    }

    async fn edition(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Option<Edition>> {
        let g = self.scope();
        self.read(move |c| get_edition(c, &g, id, now)).await
    }

    async fn create_edition(&self, actor: Actor, e: NewEdition, now: DateTime<Utc>) -> StoreResult<Edition> {
        let g = self.scope();
        self.write(move |tx| {
            let d = &e.dates;
            tx.execute(
                "INSERT INTO budget_editions (gmina, year, title, submission_from, submission_to, verification_to, appeal_to,
                                              voting_from, voting_to, settings, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                params![
                    g,
                    e.year,
                    e.title,
                    ts(d.submission_from),
                    ts(d.submission_to),
                    ts(d.verification_to),
                    ts(d.appeal_to),
                    ts(d.voting_from),
                    ts(d.voting_to),
                    serde_json::to_string(&e.settings)?,
                    ts(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit(tx, &g, &actor, now, "budget.edition", "budget_edition", Some(&id.to_string()), json!({"created": true}))?;
            get_edition(tx, &g, id, now)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn update_edition(
        &self,
        actor: Actor,
        id: i64,
        title: String,
        dates: PhaseDates,
        settings: EditionSettings,
        now: DateTime<Utc>,
    ) -> StoreResult<Edition> {
        let g = self.scope();
        self.write(move |tx| {
            let e = edition_or_not_found(tx, &g, id)?;
            if edition_locked(&e.dates, now) {
                return Err(conflict(Conflict::EditionLocked));
            }
            tx.execute(
                "UPDATE budget_editions SET title = ?3, submission_from = ?4, submission_to = ?5, verification_to = ?6,
                        appeal_to = ?7, voting_from = ?8, voting_to = ?9, settings = ?10, updated_at = ?11
                  WHERE gmina = ?1 AND id = ?2",
                params![
                    g,
                    id,
                    title,
                    ts(dates.submission_from),
                    ts(dates.submission_to),
                    ts(dates.verification_to),
                    ts(dates.appeal_to),
                    ts(dates.voting_from),
                    ts(dates.voting_to),
                    serde_json::to_string(&settings)?,
                    ts(now)
                ],
            )?;
            audit(tx, &g, &actor, now, "budget.edition", "budget_edition", Some(&id.to_string()), json!({}))?;
            get_edition(tx, &g, id, now)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn upsert_pool(&self, actor: Actor, edition: i64, pool: Pool, now: DateTime<Utc>) -> StoreResult<Pool> {
        let g = self.scope();
        self.write(move |tx| {
            let e = edition_or_not_found(tx, &g, edition)?;
            if edition_locked(&e.dates, now) {
                return Err(conflict(Conflict::EditionLocked));
            }
            let id = save_pool(tx, &g, edition, &pool)?;
            tx.execute("UPDATE budget_editions SET updated_at = ?3 WHERE gmina = ?1 AND id = ?2", params![g, edition, ts(now)])?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "budget.pool",
                "budget_pool",
                Some(&id.to_string()),
                json!({"edition": edition, "created": pool.id == 0}),
            )?;
            pools(tx, &g, edition)?.into_iter().find(|p| p.id == id).ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn projects(&self, filter: ProjectFilter) -> StoreResult<Vec<Project>> {
        let g = self.scope();
        self.read(move |c| list_projects(c, &g, &filter)).await
    }

    async fn project(&self, id: i64) -> StoreResult<Option<(Project, ProjectPrivate)>> {
        let g = self.scope();
        self.read(move |c| get_project(c, &g, id)).await
    }

    async fn submit_project(
        &self,
        device: &str,
        p: NewProject,
        idempotency: Option<crate::store::IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> StoreResult<Submitted> {
        let (g, device) = (self.scope(), device.to_owned());
        self.write(move |tx| {
            if let Some(k) = &idempotency
                && let Some(stored) = replay(tx, &g, k)?
            {
                return Ok(Submitted::Replayed(stored));
            }
            let e = edition_or_not_found(tx, &g, p.edition)?;
            if !pool_of_edition(tx, &g, p.edition, p.pool)? {
                return Err(StoreError::UnknownReference { field: "pool" });
            }
            if !(e.dates.submission_from <= now && now < e.dates.submission_to) {
                return Err(conflict(Conflict::PhaseClosed));
            }
            let id = insert_project(tx, &g, &device, &p, now)?;
            let project = project_or_not_found(tx, &g, id)?.0;
            if let Some(k) = &idempotency {
                remember(tx, &g, k, &StoredResponse::created(serde_json::to_string(&project)?))?;
            }
            Ok(Submitted::New(project))
        })
        .await
    }

    async fn add_signature(
        &self,
        project: i64,
        signer_key: Vec<u8>,
        channel: BallotChannel,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        let g = self.scope();
        self.write(move |tx| {
            let (p, _) = project_or_not_found(tx, &g, project)?;
            if !matches!(p.status, ProjectStatus::Submitted | ProjectStatus::UnderVerification) {
                return Err(conflict(Conflict::PhaseClosed));
            }
            let inserted = tx.execute(
                "INSERT INTO budget_signatures (gmina, project, signer_key, channel, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
                params![g, project, signer_key, channel_name(channel), ts(now)],
            )?;
            if inserted == 0 {
                return Err(conflict(Conflict::AlreadySigned));
            }
            signatures(tx, &g, project)
        })
        .await
    }

    async fn verify_project(&self, actor: Actor, id: i64, v: Verification, now: DateTime<Utc>) -> StoreResult<Project> {
        let g = self.scope();
        self.write(move |tx| verify(tx, &g, &actor, id, &v, now)).await
    }

    async fn appeal(&self, device: &str, id: i64, text: String, now: DateTime<Utc>) -> StoreResult<Project> {
        let (g, device) = (self.scope(), device.to_owned());
        self.write(move |tx| {
            let (project, private) = project_or_not_found(tx, &g, id)?;
            if private.proposer_device.as_deref() != Some(device.as_str()) {
                return Err(StoreError::NotFound);
            }
            let e = edition_or_not_found(tx, &g, project.edition)?;
            if !e.dates.may_appeal(now) {
                return Err(conflict(Conflict::PhaseClosed));
            }
            if appealed_before(&project) {
                return Err(conflict(Conflict::ProjectStatus));
            }
            move_status(tx, &g, id, project.status, ProjectStatus::Appealed, None, None, now)?;
            let record = VerificationRecord { appeal: Some(text), ..private.verification.unwrap_or_default() };
            tx.execute(
                "UPDATE budget_projects SET verification = ?3 WHERE gmina = ?1 AND id = ?2",
                params![g, id, serde_json::to_string(&record)?],
            )?;
            Ok(project_or_not_found(tx, &g, id)?.0)
        })
        .await
    }

    async fn decide_appeal(
        &self,
        actor: Actor,
        id: i64,
        accept: bool,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Project> {
        let g = self.scope();
        self.write(move |tx| decide(tx, &g, &actor, id, accept, reason.as_deref(), now)).await
    }

    async fn draw_lot(&self, actor: Actor, edition: i64, pool: i64, order: Vec<i64>, now: DateTime<Utc>) -> StoreResult<Lot> {
        let g = self.scope();
        self.write(move |tx| {
            let e = edition_or_not_found(tx, &g, edition)?;
            if !pool_of_edition(tx, &g, edition, pool)? {
                return Err(StoreError::NotFound);
            }
            if e.published_at.is_some() {
                return Err(conflict(Conflict::ResultsPublished));
            }
            if get_lot(tx, &g, edition, pool)?.is_some() {
                return Err(conflict(Conflict::LotDrawn));
            }
            if !lot_matches(&order, &on_ballot_ids(tx, &g, edition, pool)?) {
                return Err(StoreError::UnknownReference { field: "order" });
            }
            tx.execute(
                "UPDATE budget_pools SET lot = ?4, lot_drawn_by = ?5, lot_drawn_at = ?6
                  WHERE gmina = ?1 AND edition = ?2 AND id = ?3 AND lot IS NULL",
                params![g, edition, pool, serde_json::to_string(&order)?, actor.0, ts(now)],
            )?;
            audit(tx, &g, &actor, now, "budget.lot", "budget_pool", Some(&pool.to_string()), json!({"edition": edition}))?;
            get_lot(tx, &g, edition, pool)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn lot(&self, edition: i64, pool: i64) -> StoreResult<Option<Lot>> {
        let g = self.scope();
        self.read(move |c| get_lot(c, &g, edition, pool)).await
    }

    async fn save_count(&self, actor: Actor, count: PoolCount, now: DateTime<Utc>) -> StoreResult<i64> {
        let g = self.scope();
        self.write(move |tx| {
            let e = edition_or_not_found(tx, &g, count.edition)?;
            if !pool_of_edition(tx, &g, count.edition, count.pool)? {
                return Err(StoreError::NotFound);
            }
            if e.published_at.is_some() {
                return Err(conflict(Conflict::ResultsPublished));
            }
            if now < e.dates.voting_to {
                return Err(conflict(Conflict::PhaseClosed));
            }
            let (outcome, trace) = split_outcome(&count.outcome)?;
            tx.execute(
                "INSERT INTO budget_counts (gmina, edition, pool, rule, input_sha256, outcome, trace, counted_by, counted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    g,
                    count.edition,
                    count.pool,
                    serde_json::to_string(&count.rule)?,
                    count.input_sha256,
                    outcome,
                    trace,
                    actor.0,
                    ts(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit(
                tx,
                &g,
                &actor,
                now,
                "budget.count",
                "budget_pool",
                Some(&count.pool.to_string()),
                json!({"edition": count.edition, "count": id}),
            )?;
            Ok(id)
        })
        .await
    }

    async fn latest_count(&self, edition: i64, pool: i64) -> StoreResult<Option<StoredCount>> {
        let g = self.scope();
        self.read(move |c| get_latest_count(c, &g, edition, pool)).await
    }

    async fn publish_results(&self, actor: Actor, edition: i64, now: DateTime<Utc>) -> StoreResult<Edition> {
        let g = self.scope();
        self.write(move |tx| publish(tx, &g, &actor, edition, now)).await
    }

    async fn purge_budget(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.write(move |tx| {
            let rows = tx
                .prepare(&format!(
                    "SELECT gmina, {EDITION_COLUMNS} FROM budget_editions e WHERE EXISTS (SELECT 1 FROM budget_projects p
                      WHERE p.gmina = e.gmina AND p.edition = e.id AND (p.contact IS NOT NULL OR p.proposer_device IS NOT NULL))"
                ))?
                .query_map([], |r| {
                    let g: String = r.get(0)?;
                    let (e, settings) = edition_row_at(r, 1)?;
                    Ok((g, e, settings))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut cleared = 0u64;
            for (g, e, settings) in rows {
                let settings: EditionSettings = serde_json::from_str(&settings)?;
                if now < retention_end(&e.dates, &settings) {
                    continue;
                }
                cleared += tx.execute(
                    "UPDATE budget_projects SET contact = NULL, proposer_device = NULL
                      WHERE gmina = ?1 AND edition = ?2 AND (contact IS NOT NULL OR proposer_device IS NOT NULL)",
                    params![g, e.id],
                )? as u64;
            }
            Ok(cleared)
        })
        .await
    }
}

/// [`edition_row`] of a row whose edition columns start at `at`.
fn edition_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<(EditionRow, String)> {
    let t = |i: usize| -> rusqlite::Result<DateTime<Utc>> { parse_ts(&r.get::<_, String>(at + i)?) };
    let published: Option<String> = r.get(at + 10)?;
    Ok((
        EditionRow {
            id: r.get(at)?,
            year: r.get(at + 1)?,
            title: r.get(at + 2)?,
            dates: PhaseDates {
                submission_from: t(3)?,
                submission_to: t(4)?,
                verification_to: t(5)?,
                appeal_to: t(6)?,
                voting_from: t(7)?,
                voting_to: t(8)?,
            },
            settings: EditionSettings::default(),
            published_at: published.as_deref().map(parse_ts).transpose()?,
        },
        r.get(at + 9)?,
    ))
}
