//! The participatory budget's editions, pools and projects, as
//! `store/sqlite/budget.rs`, shared by instances: a status moves by one
//! `UPDATE ... WHERE status = <from>` (two officials racing: one wins, the
//! other gets `Conflict::ProjectStatus`), a signature inserts once by its
//! primary key, and the writes that number, draw, count or publish hold a
//! per-gmina advisory lock ([`lock`]) so their checks stay true until COMMIT.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::budget::model::{
    BallotChannel, Edition, EditionSettings, HistoryEntry, PhaseDates, Pool, Project, ProjectStatus, phase_at,
};
use serde_json::json;
use tokio_postgres::Row;

use super::devices::{remember, replay};
use super::publish::audit;
use super::{PostgresStore, Tx, opt_time, parse_time, ts, write_tx};
use crate::store::budget::{
    BudgetStore, Deciding, Decision, Lot, NewEdition, NewProject, PoolCount, ProjectFilter, ProjectPrivate, StoredCount,
    appealed_before,
    Submitted, Verification, VerificationRecord, channel_name, check_decision_open, edition_locked, join_outcome, kind_name, lot_matches,
    parse_kind, parse_status, retention_end, split_outcome, status_name, verification_moves,
};
use crate::store::{Actor, Conflict, IdempotencyKey, StoreError, StoreResult, StoredResponse};

fn conflict(c: Conflict) -> StoreError {
    StoreError::Conflict(c)
}

fn small(n: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::backend(format!("a stored {what} is out of range")))
}

/// The gmina's budget writes that check before they write (numbers, lot,
/// counts, publication, edition changes) one at a time, across instances.
async fn lock(tx: &Tx<'_>, g: &str) -> StoreResult<()> {
    tx.c.execute("SELECT pg_advisory_xact_lock(hashtext('mm_budget:' || $1))", &[&g]).await?;
    Ok(())
}

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

/// An edition's columns starting at `at`.
fn edition_row(r: &Row, at: usize) -> StoreResult<EditionRow> {
    let t = |i: usize| parse_time(r.get(at + i));
    Ok(EditionRow {
        id: r.get(at),
        year: i32::try_from(r.get::<_, i64>(at + 1)).map_err(|_| StoreError::backend("a stored year is out of range"))?,
        title: r.get(at + 2),
        dates: PhaseDates {
            submission_from: t(3)?,
            submission_to: t(4)?,
            verification_to: t(5)?,
            appeal_to: t(6)?,
            voting_from: t(7)?,
            voting_to: t(8)?,
        },
        settings: serde_json::from_str(r.get(at + 9))?,
        published_at: opt_time(r.get(at + 10))?,
    })
}

async fn get_edition_row(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<EditionRow>> {
    c.query_opt(&format!("SELECT {EDITION_COLUMNS} FROM budget_editions WHERE gmina = $1 AND id = $2"), &[&g, &id])
        .await?
        .map(|r| edition_row(&r, 0))
        .transpose()
}

async fn edition_or_not_found(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<EditionRow> {
    get_edition_row(c, g, id).await?.ok_or(StoreError::NotFound)
}

async fn pools(c: &impl GenericClient, g: &str, edition: i64) -> StoreResult<Vec<Pool>> {
    c.query(
        "SELECT id, kind, name, amount_grosze, localities, residents, signatures_required, counting
           FROM budget_pools WHERE gmina = $1 AND edition = $2 ORDER BY position, id",
        &[&g, &edition],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Pool {
            id: r.get(0),
            kind: parse_kind(r.get(1))?,
            name: r.get(2),
            amount_grosze: r.get(3),
            localities: serde_json::from_str(r.get(4))?,
            residents: small(r.get(5), "residents")?,
            signatures_required: small(r.get(6), "signature count")?,
            counting: serde_json::from_str(r.get(7))?,
        })
    })
    .collect()
}

async fn to_edition(c: &impl GenericClient, g: &str, e: EditionRow, now: DateTime<Utc>) -> StoreResult<Edition> {
    let published = e.published_at.is_some();
    Ok(Edition {
        id: e.id,
        year: e.year,
        title: e.title,
        phase: phase_at(&e.dates, published, now),
        dates: e.dates,
        pools: pools(c, g, e.id).await?,
        settings: e.settings,
        published_results: published,
        published_at: e.published_at,
    })
}

async fn get_edition(c: &impl GenericClient, g: &str, id: i64, now: DateTime<Utc>) -> StoreResult<Option<Edition>> {
    match get_edition_row(c, g, id).await? {
        Some(e) => Ok(Some(to_edition(c, g, e, now).await?)),
        None => Ok(None),
    }
}

const PROJECT_COLUMNS: &str = "id, edition, pool, number, title, description, cost_grosze, category, location,
     photos, status, reason, verification, proposer_device, contact";

async fn history(c: &impl GenericClient, g: &str, project: i64) -> StoreResult<Vec<HistoryEntry>> {
    c.query(
        "SELECT at, status, note FROM budget_project_history WHERE gmina = $1 AND project = $2 ORDER BY id",
        &[&g, &project],
    )
    .await?
    .iter()
    .map(|r| Ok(HistoryEntry { at: parse_time(r.get(0))?, status: parse_status(r.get(1))?, note: r.get(2) }))
    .collect()
}

async fn signatures(c: &impl GenericClient, g: &str, project: i64) -> StoreResult<u32> {
    let n: i64 = c
        .query_one("SELECT COUNT(*) FROM budget_signatures WHERE gmina = $1 AND project = $2", &[&g, &project])
        .await?
        .get(0);
    small(n, "signature count")
}

async fn assemble(c: &impl GenericClient, g: &str, r: &Row) -> StoreResult<(Project, ProjectPrivate)> {
    let id: i64 = r.get(0);
    let verification: Option<VerificationRecord> =
        r.get::<_, Option<&str>>(12).map(serde_json::from_str).transpose()?;
    let category: String = r.get(7);
    let project = Project {
        id,
        edition: r.get(1),
        pool: r.get(2),
        number: r.get::<_, Option<i64>>(3).map(|n| small(n, "ballot number")).transpose()?,
        title: r.get(4),
        description: r.get(5),
        cost_grosze: r.get(6),
        category: Some(category).filter(|c| !c.is_empty()),
        location: r.get::<_, Option<&str>>(8).map(serde_json::from_str).transpose()?,
        photos: serde_json::from_str(r.get(9))?,
        status: parse_status(r.get(10))?,
        rejection_reason: r.get(11),
        history: history(c, g, id).await?,
    };
    let private = ProjectPrivate {
        proposer_device: r.get(13),
        contact: r.get::<_, Option<&str>>(14).map(serde_json::from_str).transpose()?,
        appeal: verification.as_ref().and_then(|v| v.appeal.clone()),
        verification,
        signatures: signatures(c, g, id).await?,
    };
    Ok((project, private))
}

async fn get_project(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<(Project, ProjectPrivate)>> {
    match c
        .query_opt(&format!("SELECT {PROJECT_COLUMNS} FROM budget_projects WHERE gmina = $1 AND id = $2"), &[&g, &id])
        .await?
    {
        Some(r) => Ok(Some(assemble(c, g, &r).await?)),
        None => Ok(None),
    }
}

async fn project_or_not_found(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<(Project, ProjectPrivate)> {
    get_project(c, g, id).await?.ok_or(StoreError::NotFound)
}

async fn list_projects(c: &impl GenericClient, g: &str, f: &ProjectFilter) -> StoreResult<Vec<Project>> {
    let statuses: Vec<&str> = f.statuses.iter().map(|&s| status_name(s)).collect();
    let rows = c
        .query(
            &format!(
                "SELECT {PROJECT_COLUMNS} FROM budget_projects
                  WHERE gmina = $1 AND ($2::BIGINT IS NULL OR edition = $2) AND ($3::BIGINT IS NULL OR pool = $3)
                    AND ($4::TEXT IS NULL OR proposer_device = $4)
                    AND (cardinality($5::TEXT[]) = 0 OR status = ANY($5))
                  ORDER BY id"
            ),
            &[&g, &f.edition, &f.pool, &f.proposer_device, &statuses],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(assemble(c, g, r).await?.0);
    }
    Ok(out)
}

/// Moves a project one step (checked by `may_move`) with its history row.
#[allow(clippy::too_many_arguments)]
async fn move_status(
    tx: &Tx<'_>,
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
        .c
        .execute(
            "UPDATE budget_projects SET status = $3, updated_at = $4 WHERE gmina = $1 AND id = $2 AND status = $5",
            &[&g, &id, &status_name(to), &ts(now), &status_name(from)],
        )
        .await?;
    if changed != 1 {
        return Err(conflict(Conflict::ProjectStatus));
    }
    tx.c.execute(
        "INSERT INTO budget_project_history (gmina, project, at, status, note, actor) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&g, &id, &ts(now), &status_name(to), &note, &actor.map(|a| a.0.as_str())],
    )
    .await?;
    Ok(())
}

/// As SQLite's: the pool's signatures checked, the edition's next number
/// (under [`lock`]).
async fn number_on_ballot(tx: &Tx<'_>, g: &str, project: &Project) -> StoreResult<()> {
    let required: i64 = tx
        .c
        .query_one("SELECT signatures_required FROM budget_pools WHERE gmina = $1 AND id = $2", &[&g, &project.pool])
        .await?
        .get(0);
    if i64::from(signatures(&tx.c, g, project.id).await?) < required {
        return Err(conflict(Conflict::NotEnoughSignatures));
    }
    tx.c.execute(
        "UPDATE budget_projects SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM budget_projects
           WHERE gmina = $1 AND edition = $3) WHERE gmina = $1 AND id = $2 AND number IS NULL",
        &[&g, &project.id, &project.edition],
    )
    .await?;
    Ok(())
}

async fn pool_of_edition(c: &impl GenericClient, g: &str, edition: i64, pool: i64) -> StoreResult<bool> {
    Ok(c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM budget_pools WHERE gmina = $1 AND edition = $2 AND id = $3)",
            &[&g, &edition, &pool],
        )
        .await?
        .get(0))
}

async fn on_ballot_ids(c: &impl GenericClient, g: &str, edition: i64, pool: i64) -> StoreResult<Vec<i64>> {
    Ok(c
        .query(
            "SELECT id FROM budget_projects WHERE gmina = $1 AND edition = $2 AND pool = $3 AND status = 'on_ballot' ORDER BY id",
            &[&g, &edition, &pool],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

async fn get_lot(c: &impl GenericClient, g: &str, edition: i64, pool: i64) -> StoreResult<Option<Lot>> {
    let Some(r) = c
        .query_opt(
            "SELECT lot, lot_drawn_by, lot_drawn_at FROM budget_pools WHERE gmina = $1 AND edition = $2 AND id = $3",
            &[&g, &edition, &pool],
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(lot) = r.get::<_, Option<&str>>(0) else {
        return Ok(None);
    };
    Ok(Some(Lot {
        order: serde_json::from_str(lot)?,
        drawn_by: r.get::<_, Option<String>>(1).unwrap_or_default(),
        drawn_at: parse_time(r.get::<_, Option<&str>>(2).unwrap_or_default())?,
    }))
}

async fn get_latest_count(c: &impl GenericClient, g: &str, edition: i64, pool: i64) -> StoreResult<Option<StoredCount>> {
    c.query_opt(
        "SELECT id, rule, input_sha256, outcome, trace, counted_by, counted_at FROM budget_counts
          WHERE gmina = $1 AND edition = $2 AND pool = $3 ORDER BY id DESC LIMIT 1",
        &[&g, &edition, &pool],
    )
    .await?
    .map(|r| {
        Ok(StoredCount {
            id: r.get(0),
            edition,
            pool,
            rule: serde_json::from_str(r.get(1))?,
            input_sha256: r.get(2),
            outcome: join_outcome(r.get(3), r.get(4))?,
            counted_by: r.get(5),
            counted_at: parse_time(r.get(6))?,
        })
    })
    .transpose()
}

async fn save_pool(tx: &Tx<'_>, g: &str, edition: i64, pool: &Pool) -> StoreResult<i64> {
    let localities = serde_json::to_string(&pool.localities)?;
    let counting = serde_json::to_string(&pool.counting)?;
    let (residents, signatures) = (i64::from(pool.residents), i64::from(pool.signatures_required));
    if pool.id == 0 {
        let id: i64 = tx
            .c
            .query_one(
                "INSERT INTO budget_pools (gmina, edition, position, kind, name, amount_grosze, localities, residents,
                                           signatures_required, counting)
                 VALUES ($1, $2, (SELECT COUNT(*) FROM budget_pools WHERE gmina = $1 AND edition = $2), $3, $4, $5, $6, $7, $8, $9)
                 RETURNING id",
                &[&g, &edition, &kind_name(pool.kind), &pool.name, &pool.amount_grosze, &localities, &residents, &signatures, &counting],
            )
            .await?
            .get(0);
        return Ok(id);
    }
    let changed = tx
        .c
        .execute(
            "UPDATE budget_pools SET kind = $4, name = $5, amount_grosze = $6, localities = $7, residents = $8,
                    signatures_required = $9, counting = $10
              WHERE gmina = $1 AND edition = $2 AND id = $3",
            &[&g, &edition, &pool.id, &kind_name(pool.kind), &pool.name, &pool.amount_grosze, &localities, &residents, &signatures, &counting],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(pool.id)
}

async fn insert_project(tx: &Tx<'_>, g: &str, device: &str, p: &NewProject, now: DateTime<Utc>) -> StoreResult<i64> {
    let at = ts(now);
    let location = p.location.as_ref().map(serde_json::to_string).transpose()?;
    let contact = p.contact.as_ref().map(serde_json::to_string).transpose()?;
    let id: i64 = tx
        .c
        .query_one(
            "INSERT INTO budget_projects (gmina, edition, pool, title, description, cost_grosze, category, location, photos,
                                          status, proposer_device, contact, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $11, $12, $12) RETURNING id",
            &[
                &g,
                &p.edition,
                &p.pool,
                &p.title,
                &p.description,
                &p.cost_grosze,
                &p.category.clone().unwrap_or_default(),
                &location,
                &serde_json::to_string(&p.photos)?,
                &device,
                &contact,
                &at,
            ],
        )
        .await?
        .get(0);
    tx.c.execute(
        "INSERT INTO budget_project_history (gmina, project, at, status) VALUES ($1, $2, $3, 'submitted')",
        &[&g, &id, &at],
    )
    .await?;
    Ok(id)
}

async fn verify(tx: &Tx<'_>, g: &str, actor: &Actor, id: i64, v: &Verification, now: DateTime<Utc>) -> StoreResult<Project> {
    lock(tx, g).await?;
    let (project, private) = project_or_not_found(&tx.c, g, id).await?;
    let e = edition_or_not_found(&tx.c, g, project.edition).await?;
    check_decision_open(&e.dates, Deciding::Verification, now)?;
    let moves = verification_moves(project.status, &v.decision)?;
    let record = VerificationRecord {
        legal: v.legal,
        feasible: v.feasible,
        estimate_grosze: v.estimate_grosze,
        department: v.department.clone(),
        appeal: private.verification.and_then(|r| r.appeal),
    };
    tx.c.execute(
        "UPDATE budget_projects SET verification = $3 WHERE gmina = $1 AND id = $2",
        &[&g, &id, &serde_json::to_string(&record)?],
    )
    .await?;
    let mut from = project.status;
    for to in moves {
        let note = match (&v.decision, to) {
            (Decision::Reject { reason }, ProjectStatus::Rejected) => Some(reason.as_str()),
            _ => None,
        };
        move_status(tx, g, id, from, to, note, Some(actor), now).await?;
        from = to;
    }
    match &v.decision {
        Decision::OnBallot => {
            if let Some(estimate) = v.estimate_grosze {
                tx.c.execute("UPDATE budget_projects SET cost_grosze = $3 WHERE gmina = $1 AND id = $2", &[&g, &id, &estimate])
                    .await?;
            }
            number_on_ballot(tx, g, &project).await?;
        }
        Decision::Reject { reason } => {
            tx.c.execute("UPDATE budget_projects SET reason = $3 WHERE gmina = $1 AND id = $2", &[&g, &id, reason]).await?;
        }
        Decision::Review => {}
    }
    audit(tx, g, actor, now, "budget.verify", "budget_project", Some(&id.to_string()), json!({"status": status_name(from)}))
        .await?;
    Ok(project_or_not_found(&tx.c, g, id).await?.0)
}

async fn decide(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    accept: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<Project> {
    lock(tx, g).await?;
    let (project, _) = project_or_not_found(&tx.c, g, id).await?;
    let e = edition_or_not_found(&tx.c, g, project.edition).await?;
    check_decision_open(&e.dates, Deciding::Appeal, now)?;
    let to = if accept { ProjectStatus::OnBallot } else { ProjectStatus::Rejected };
    move_status(tx, g, id, project.status, to, reason, Some(actor), now).await?;
    if accept {
        tx.c.execute("UPDATE budget_projects SET reason = NULL WHERE gmina = $1 AND id = $2", &[&g, &id]).await?;
        number_on_ballot(tx, g, &project).await?;
    } else if let Some(reason) = reason {
        tx.c.execute("UPDATE budget_projects SET reason = $3 WHERE gmina = $1 AND id = $2", &[&g, &id, &reason]).await?;
    }
    audit(tx, g, actor, now, "budget.appeal", "budget_project", Some(&id.to_string()), json!({"status": status_name(to)}))
        .await?;
    Ok(project_or_not_found(&tx.c, g, id).await?.0)
}

async fn publish(tx: &Tx<'_>, g: &str, actor: &Actor, edition: i64, now: DateTime<Utc>) -> StoreResult<Edition> {
    lock(tx, g).await?;
    let e = edition_or_not_found(&tx.c, g, edition).await?;
    if e.published_at.is_some() {
        return Err(conflict(Conflict::ResultsPublished));
    }
    if now < e.dates.voting_to {
        return Err(conflict(Conflict::PhaseClosed));
    }
    let all = pools(&tx.c, g, edition).await?;
    if all.is_empty() {
        return Err(conflict(Conflict::NotCounted));
    }
    let mut counts = Vec::with_capacity(all.len());
    for p in &all {
        counts.push((p.id, get_latest_count(&tx.c, g, edition, p.id).await?.ok_or_else(|| conflict(Conflict::NotCounted))?));
    }
    for (pool, count) in counts {
        for id in on_ballot_ids(&tx.c, g, edition, pool).await? {
            let to = if count.outcome.selected.contains(&id) { ProjectStatus::Selected } else { ProjectStatus::NotSelected };
            move_status(tx, g, id, ProjectStatus::OnBallot, to, None, Some(actor), now).await?;
        }
    }
    tx.c.execute(
        "UPDATE budget_editions SET published_at = $3, updated_at = $3 WHERE gmina = $1 AND id = $2",
        &[&g, &edition, &ts(now)],
    )
    .await?;
    audit(tx, g, actor, now, "budget.publish", "budget_edition", Some(&edition.to_string()), json!({})).await?;
    get_edition(&tx.c, g, edition, now).await?.ok_or(StoreError::NotFound)
}

#[async_trait]
impl BudgetStore for PostgresStore {
    async fn editions(&self, now: DateTime<Utc>) -> StoreResult<Vec<Edition>> {
        let (c, g) = (self.reader().await?, self.scope());
        let rows = c
            .query(
                &format!("SELECT {EDITION_COLUMNS} FROM budget_editions WHERE gmina = $1 ORDER BY year DESC, id DESC"),
                &[&g],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(to_edition(&c, &g, edition_row(r, 0)?, now).await?);
        }
        Ok(out)
    }

    async fn edition(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Option<Edition>> {
        get_edition(&self.reader().await?, &self.scope(), id, now).await
    }

    async fn create_edition(&self, actor: Actor, e: NewEdition, now: DateTime<Utc>) -> StoreResult<Edition> {
        write_tx!(self, |tx, g| {
            let d = &e.dates;
            let id: i64 = tx
                .c
                .query_one(
                    "INSERT INTO budget_editions (gmina, year, title, submission_from, submission_to, verification_to,
                                                  appeal_to, voting_from, voting_to, settings, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                    &[
                        &g,
                        &i64::from(e.year),
                        &e.title,
                        &ts(d.submission_from),
                        &ts(d.submission_to),
                        &ts(d.verification_to),
                        &ts(d.appeal_to),
                        &ts(d.voting_from),
                        &ts(d.voting_to),
                        &serde_json::to_string(&e.settings)?,
                        &ts(now),
                    ],
                )
                .await?
                .get(0);
            audit(tx, g, &actor, now, "budget.edition", "budget_edition", Some(&id.to_string()), json!({"created": true}))
                .await?;
            get_edition(&tx.c, g, id, now).await?.ok_or(StoreError::NotFound)
        })
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
        write_tx!(self, |tx, g| {
            lock(tx, g).await?;
            let e = edition_or_not_found(&tx.c, g, id).await?;
            if edition_locked(&e.dates, now) {
                return Err(conflict(Conflict::EditionLocked));
            }
            tx.c.execute(
                "UPDATE budget_editions SET title = $3, submission_from = $4, submission_to = $5, verification_to = $6,
                        appeal_to = $7, voting_from = $8, voting_to = $9, settings = $10, updated_at = $11
                  WHERE gmina = $1 AND id = $2",
                &[
                    &g,
                    &id,
                    &title,
                    &ts(dates.submission_from),
                    &ts(dates.submission_to),
                    &ts(dates.verification_to),
                    &ts(dates.appeal_to),
                    &ts(dates.voting_from),
                    &ts(dates.voting_to),
                    &serde_json::to_string(&settings)?,
                    &ts(now),
                ],
            )
            .await?;
            audit(tx, g, &actor, now, "budget.edition", "budget_edition", Some(&id.to_string()), json!({})).await?;
            get_edition(&tx.c, g, id, now).await?.ok_or(StoreError::NotFound)
        })
    }

    async fn upsert_pool(&self, actor: Actor, edition: i64, pool: Pool, now: DateTime<Utc>) -> StoreResult<Pool> {
        write_tx!(self, |tx, g| {
            lock(tx, g).await?;
            let e = edition_or_not_found(&tx.c, g, edition).await?;
            if edition_locked(&e.dates, now) {
                return Err(conflict(Conflict::EditionLocked));
            }
            let id = save_pool(tx, g, edition, &pool).await?;
            tx.c.execute("UPDATE budget_editions SET updated_at = $3 WHERE gmina = $1 AND id = $2", &[&g, &edition, &ts(now)])
                .await?;
            audit(
                tx,
                g,
                &actor,
                now,
                "budget.pool",
                "budget_pool",
                Some(&id.to_string()),
                json!({"edition": edition, "created": pool.id == 0}),
            )
            .await?;
            pools(&tx.c, g, edition).await?.into_iter().find(|p| p.id == id).ok_or(StoreError::NotFound)
        })
    }

    async fn projects(&self, filter: ProjectFilter) -> StoreResult<Vec<Project>> {
        list_projects(&self.reader().await?, &self.scope(), &filter).await
    }

    async fn project(&self, id: i64) -> StoreResult<Option<(Project, ProjectPrivate)>> {
        get_project(&self.reader().await?, &self.scope(), id).await
    }

    async fn submit_project(
        &self,
        device: &str,
        p: NewProject,
        idempotency: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> StoreResult<Submitted> {
        let device = device.to_owned();
        write_tx!(self, |tx, g| {
            if let Some(k) = &idempotency
                && let Some(stored) = replay(tx, g, k).await?
            {
                return Ok(Submitted::Replayed(stored));
            }
            let e = edition_or_not_found(&tx.c, g, p.edition).await?;
            if !pool_of_edition(&tx.c, g, p.edition, p.pool).await? {
                return Err(StoreError::UnknownReference { field: "pool" });
            }
            if !(e.dates.submission_from <= now && now < e.dates.submission_to) {
                return Err(conflict(Conflict::PhaseClosed));
            }
            let id = insert_project(tx, g, &device, &p, now).await?;
            let project = project_or_not_found(&tx.c, g, id).await?.0;
            if let Some(k) = &idempotency {
                remember(tx, g, k, &StoredResponse::created(serde_json::to_string(&project)?)).await?;
            }
            Ok(Submitted::New(project))
        })
    }

    async fn add_signature(
        &self,
        project: i64,
        signer_key: Vec<u8>,
        channel: BallotChannel,
        now: DateTime<Utc>,
    ) -> StoreResult<u32> {
        write_tx!(self, |tx, g| {
            let (p, _) = project_or_not_found(&tx.c, g, project).await?;
            if !matches!(p.status, ProjectStatus::Submitted | ProjectStatus::UnderVerification) {
                return Err(conflict(Conflict::PhaseClosed));
            }
            let inserted = tx
                .c
                .execute(
                    "INSERT INTO budget_signatures (gmina, project, signer_key, channel, at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT DO NOTHING",
                    &[&g, &project, &signer_key, &channel_name(channel), &ts(now)],
                )
                .await?;
            if inserted == 0 {
                return Err(conflict(Conflict::AlreadySigned));
            }
            signatures(&tx.c, g, project).await
        })
    }

    async fn verify_project(&self, actor: Actor, id: i64, v: Verification, now: DateTime<Utc>) -> StoreResult<Project> {
        write_tx!(self, |tx, g| { verify(tx, g, &actor, id, &v, now).await })
    }

    async fn appeal(&self, device: &str, id: i64, text: String, now: DateTime<Utc>) -> StoreResult<Project> {
        let device = device.to_owned();
        write_tx!(self, |tx, g| {
            let (project, private) = project_or_not_found(&tx.c, g, id).await?;
            if private.proposer_device.as_deref() != Some(device.as_str()) {
                return Err(StoreError::NotFound);
            }
            let e = edition_or_not_found(&tx.c, g, project.edition).await?;
            if !e.dates.may_appeal(now) {
                return Err(conflict(Conflict::PhaseClosed));
            }
            if appealed_before(&project) {
                return Err(conflict(Conflict::ProjectStatus));
            }
            move_status(tx, g, id, project.status, ProjectStatus::Appealed, None, None, now).await?;
            let record = VerificationRecord { appeal: Some(text), ..private.verification.unwrap_or_default() };
            tx.c.execute(
                "UPDATE budget_projects SET verification = $3 WHERE gmina = $1 AND id = $2",
                &[&g, &id, &serde_json::to_string(&record)?],
            )
            .await?;
            Ok(project_or_not_found(&tx.c, g, id).await?.0)
        })
    }

    async fn decide_appeal(
        &self,
        actor: Actor,
        id: i64,
        accept: bool,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Project> {
        write_tx!(self, |tx, g| { decide(tx, g, &actor, id, accept, reason.as_deref(), now).await })
    }

    async fn draw_lot(&self, actor: Actor, edition: i64, pool: i64, order: Vec<i64>, now: DateTime<Utc>) -> StoreResult<Lot> {
        write_tx!(self, |tx, g| {
            lock(tx, g).await?;
            let e = edition_or_not_found(&tx.c, g, edition).await?;
            if !pool_of_edition(&tx.c, g, edition, pool).await? {
                return Err(StoreError::NotFound);
            }
            if e.published_at.is_some() {
                return Err(conflict(Conflict::ResultsPublished));
            }
            if get_lot(&tx.c, g, edition, pool).await?.is_some() {
                return Err(conflict(Conflict::LotDrawn));
            }
            if !lot_matches(&order, &on_ballot_ids(&tx.c, g, edition, pool).await?) {
                return Err(StoreError::UnknownReference { field: "order" });
            }
            tx.c.execute(
                "UPDATE budget_pools SET lot = $4, lot_drawn_by = $5, lot_drawn_at = $6
                  WHERE gmina = $1 AND edition = $2 AND id = $3 AND lot IS NULL",
                &[&g, &edition, &pool, &serde_json::to_string(&order)?, &actor.0, &ts(now)],
            )
            .await?;
            audit(tx, g, &actor, now, "budget.lot", "budget_pool", Some(&pool.to_string()), json!({"edition": edition})).await?;
            get_lot(&tx.c, g, edition, pool).await?.ok_or(StoreError::NotFound)
        })
    }

    async fn lot(&self, edition: i64, pool: i64) -> StoreResult<Option<Lot>> {
        get_lot(&self.reader().await?, &self.scope(), edition, pool).await
    }

    async fn save_count(&self, actor: Actor, count: PoolCount, now: DateTime<Utc>) -> StoreResult<i64> {
        write_tx!(self, |tx, g| {
            lock(tx, g).await?;
            let e = edition_or_not_found(&tx.c, g, count.edition).await?;
            if !pool_of_edition(&tx.c, g, count.edition, count.pool).await? {
                return Err(StoreError::NotFound);
            }
            if e.published_at.is_some() {
                return Err(conflict(Conflict::ResultsPublished));
            }
            if now < e.dates.voting_to {
                return Err(conflict(Conflict::PhaseClosed));
            }
            let (outcome, trace) = split_outcome(&count.outcome)?;
            let id: i64 = tx
                .c
                .query_one(
                    "INSERT INTO budget_counts (gmina, edition, pool, rule, input_sha256, outcome, trace, counted_by, counted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    &[
                        &g,
                        &count.edition,
                        &count.pool,
                        &serde_json::to_string(&count.rule)?,
                        &count.input_sha256,
                        &outcome,
                        &trace,
                        &actor.0,
                        &ts(now),
                    ],
                )
                .await?
                .get(0);
            audit(
                tx,
                g,
                &actor,
                now,
                "budget.count",
                "budget_pool",
                Some(&count.pool.to_string()),
                json!({"edition": count.edition, "count": id}),
            )
            .await?;
            Ok(id)
        })
    }

    async fn latest_count(&self, edition: i64, pool: i64) -> StoreResult<Option<StoredCount>> {
        get_latest_count(&self.reader().await?, &self.scope(), edition, pool).await
    }

    async fn publish_results(&self, actor: Actor, edition: i64, now: DateTime<Utc>) -> StoreResult<Edition> {
        write_tx!(self, |tx, g| { publish(tx, g, &actor, edition, now).await })
    }

    async fn purge_budget(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            let rows = tx
                .c
                .query(
                    &format!(
                        "SELECT gmina, {EDITION_COLUMNS} FROM budget_editions e WHERE EXISTS (SELECT 1 FROM budget_projects p
                          WHERE p.gmina = e.gmina AND p.edition = e.id AND (p.contact IS NOT NULL OR p.proposer_device IS NOT NULL))"
                    ),
                    &[],
                )
                .await?;
            let mut cleared = 0u64;
            for r in &rows {
                let g: String = r.get(0);
                let e = edition_row(r, 1)?;
                if now < retention_end(&e.dates, &e.settings) {
                    continue;
                }
                cleared += tx
                    .c
                    .execute(
                        "UPDATE budget_projects SET contact = NULL, proposer_device = NULL
                          WHERE gmina = $1 AND edition = $2 AND (contact IS NOT NULL OR proposer_device IS NOT NULL)",
                        &[&g, &e.id],
                    )
                    .await?;
            }
            Ok(cleared)
        })
    }
}
