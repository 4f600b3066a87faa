//! Reports, their categories, photos and followers. Creating a report goes
//! through the group-commit writer ([`group_commit`]): many reports share
//! one transaction and one fsync, and each is answered only after COMMIT.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{
    Report, ReportCategory, ReportStatus, StatusChangeRequest, Visibility, VisibilityChangeRequest,
    distance_m,
};
use mm_protocol::sync::{Collection, Item};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::devices::{remember, replay};
use super::publish::{self, audit, publish, tombstone};
use super::{SqliteStore, parse_ts, ts};
use crate::blobs::photo_key;
use crate::reports::model::{
    InternalNote, PhotoMeta, PrivatePart, ReportInternal, VisibilityDecision, default_categories,
};
use crate::reports::workflow;
use crate::store::{
    Actor, Conflict, Created, NearFilter, NewReportRecord, ReportFilter, ReportStore, StoreError,
    StoreResult, StoredResponse,
};

/// The default categories a new gmina starts with, published to its feed.
pub(super) fn seed_default_categories(tx: &Transaction<'_>, g: &str) -> StoreResult<()> {
    for c in default_categories() {
        if get_category(tx, g, &c.id)?.is_none() {
            put_category(tx, g, &c, true)?;
        }
    }
    Ok(())
}

fn put_category(tx: &Transaction<'_>, g: &str, c: &ReportCategory, new: bool) -> StoreResult<()> {
    let data = serde_json::to_string(c)?;
    if new {
        tx.execute(
            "INSERT INTO report_categories (gmina, id, position, data)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM report_categories WHERE gmina = ?1), ?3)",
            params![g, c.id, data],
        )?;
    } else {
        tx.execute(
            "UPDATE report_categories SET data = ?3 WHERE gmina = ?1 AND id = ?2",
            params![g, c.id, data],
        )?;
    }
    publish(tx, g, &Item::ReportCategories(c.clone()))?;
    Ok(())
}

pub(super) fn get_category(c: &Connection, g: &str, id: &str) -> StoreResult<Option<ReportCategory>> {
    let mut stmt = c.prepare_cached("SELECT data FROM report_categories WHERE gmina = ?1 AND id = ?2")?;
    let data: Option<String> = stmt.query_row([g, id], |r| r.get(0)).optional()?;
    Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// Gmina `g`'s report `id`; another gmina's is not found.
pub(super) fn get_report(c: &Connection, g: &str, id: i64) -> StoreResult<Option<Report>> {
    let mut stmt = c.prepare_cached("SELECT data FROM reports WHERE id = ?1 AND gmina = ?2")?;
    let data: Option<String> = stmt.query_row(params![id, g], |r| r.get(0)).optional()?;
    data.map(|d| decode(&d)).transpose()
}

/// The gmina a report belongs to (for deployment-wide maintenance).
pub(super) fn report_gmina(c: &Connection, id: i64) -> StoreResult<Option<String>> {
    Ok(c.prepare_cached("SELECT gmina FROM reports WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?)
}

/// Saves the report (whole, as officials see it) and republishes what the
/// public may see of it to the sync log, in the caller's transaction: the
/// report, its redacted view, or a tombstone when it is hidden.
pub(super) fn save_report(tx: &Transaction<'_>, g: &str, r: &Report) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE reports SET status = ?2, updated_at = ?3, duplicate_of = ?4, visibility = ?5, data = ?6
         WHERE id = ?1 AND gmina = ?7",
    )?
    .execute(params![
        r.id,
        r.status.as_str(),
        ts(r.updated_at),
        r.duplicate_of,
        r.visibility.as_str(),
        serde_json::to_string(r)?,
        g
    ])?;
    match public_view(tx, g, r)? {
        Some(p) => publish(tx, g, &Item::Reports(p))?,
        None => tombstone(tx, g, Collection::Reports, &r.id.to_string())?,
    };
    Ok(())
}

/// What the public may see of a report (`workflow::public_view`), with its
/// category loaded.
fn public_view(c: &Connection, g: &str, r: &Report) -> StoreResult<Option<Report>> {
    if r.visibility.is_public() {
        return Ok(Some(r.clone()));
    }
    Ok(workflow::public_view(r, get_category(c, g, &r.category)?.as_ref()))
}

/// Public views of stored reports, hidden ones left out; with
/// `keep_hidden`, a hidden one is kept as its counted view (aggregate
/// counts only, never content).
fn public_views(c: &Connection, g: &str, reports: Vec<Report>, keep_hidden: bool) -> StoreResult<Vec<Report>> {
    let mut categories: std::collections::HashMap<String, Option<ReportCategory>> = Default::default();
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        if r.visibility.is_public() {
            out.push(r);
            continue;
        }
        if r.visibility == Visibility::Hidden && !keep_hidden {
            continue;
        }
        if !categories.contains_key(&r.category) {
            categories.insert(r.category.clone(), get_category(c, g, &r.category)?);
        }
        out.push(workflow::counted_view(&r, categories[&r.category].as_ref()));
    }
    Ok(out)
}

fn set_visibility(
    tx: &Transaction<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    change: &VisibilityChangeRequest,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    let report = get_report(tx, g, id)?.ok_or(StoreError::NotFound)?;
    let Some(m) = workflow::change_visibility(&report, change)? else {
        return Ok(report);
    };
    save_report(tx, g, &m.report)?;
    tx.execute(
        "INSERT INTO report_visibility_log (report_id, at, actor, visibility, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, ts(now), actor.0, m.report.visibility.as_str(), m.reason],
    )?;
    audit(tx, g, actor, now, "report.visibility", "report", Some(&id.to_string()), m.audit)?;
    Ok(m.report)
}

fn visibility_log(c: &Connection, id: i64) -> StoreResult<Vec<VisibilityDecision>> {
    let mut stmt = c.prepare_cached(
        "SELECT at, actor, visibility, reason FROM report_visibility_log WHERE report_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(VisibilityDecision {
                at: parse_ts(&r.get::<_, String>(0)?)?,
                actor: r.get(1)?,
                visibility: Visibility::parse(&r.get::<_, String>(2)?).unwrap_or(Visibility::Hidden),
                reason: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A photo is served to the public unless every report it belongs to is
/// withheld (an upload not yet attached to a report is its sender's, as
/// before).
/// Only the gmina's own photos (uploaded through it) are asked about here;
/// its reports decide.
fn photo_is_public(c: &Connection, g: &str, photo_id: &str) -> StoreResult<bool> {
    Ok(c.prepare_cached(
        "SELECT NOT EXISTS (SELECT 1 FROM report_photos p JOIN reports r ON r.id = p.report_id
                            WHERE p.photo_id = ?1 AND r.gmina = ?2)
             OR EXISTS (SELECT 1 FROM report_photos p JOIN reports r ON r.id = p.report_id
                        WHERE p.photo_id = ?1 AND r.gmina = ?2 AND r.visibility = 'public')",
    )?
    .query_row([photo_id, g], |r| r.get(0))?)
}

fn followers(c: &Connection, id: i64) -> StoreResult<u32> {
    let n: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM report_followers WHERE report_id = ?1")?
        .query_row([id], |r| r.get(0))?;
    Ok(n as u32)
}

/// Reports decoded from their stored JSON since the process started. What
/// a page costs grows with this, not with the rows a query merely counts,
/// so tests bound it per request (security review, finding 19).
static REPORTS_DECODED: AtomicU64 = AtomicU64::new(0);

/// One report from its stored JSON (counted in [`REPORTS_DECODED`]).
pub(crate) fn decode(data: &str) -> StoreResult<Report> {
    REPORTS_DECODED.fetch_add(1, Ordering::Relaxed);
    Ok(serde_json::from_str(data)?)
}

fn decode_all(rows: Vec<String>) -> StoreResult<Vec<Report>> {
    rows.iter().map(|d| decode(d)).collect()
}

impl SqliteStore {
    /// How many reports this process has decoded from JSON so far.
    pub fn reports_decoded() -> u64 {
        REPORTS_DECODED.load(Ordering::Relaxed)
    }
}

/// What a queued report waits for.
pub(super) struct ReportJob {
    /// The gmina whose handle sent it.
    pub gmina: String,
    pub record: NewReportRecord,
    pub reply: tokio::sync::oneshot::Sender<StoreResult<Created>>,
}

/// Most reports in one transaction.
const MAX_BATCH: usize = 512;

/// The group-commit loop, on its own thread: wait for one report, take
/// every other one already queued, insert them all in one IMMEDIATE
/// transaction on the single writer, COMMIT (one fsync with
/// `synchronous=FULL`), and only then answer each. A report whose checks
/// fail is answered with its error and writes nothing; a database failure
/// rolls the whole batch back and fails every report in it.
pub(super) fn group_commit(
    writer: Arc<Mutex<Connection>>,
    max_seq: Arc<AtomicU64>,
    jobs_ready: Arc<tokio::sync::Notify>,
    rx: Receiver<ReportJob>,
) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let outcome = {
            let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
            commit_batch(&mut conn, &jobs)
        };
        match outcome {
            Ok((answers, max)) => {
                max_seq.fetch_max(max, Ordering::SeqCst);
                // Every new report enqueued its registration.
                if answers.iter().any(|a| matches!(a, Ok(Created::New(_)))) {
                    jobs_ready.notify_one();
                }
                for (job, answer) in jobs.into_iter().zip(answers) {
                    let _ = job.reply.send(answer);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = jobs.len(), "report batch failed");
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::backend(format!("the report batch failed: {e}"))));
                }
            }
        }
    }
}

type Batch = (Vec<StoreResult<Created>>, u64);

fn commit_batch(conn: &mut Connection, jobs: &[ReportJob]) -> StoreResult<Batch> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        // Checks only read, so a failed one leaves nothing behind; an error
        // while writing is fatal for the batch (the `?`).
        match check_report(&tx, &job.gmina, &job.record) {
            Ok(Checked::Replay(stored)) => answers.push(Ok(Created::Replayed(stored))),
            Ok(Checked::Insert) => answers.push(Ok(Created::New(insert_report(&tx, &job.gmina, &job.record)?))),
            Err(e) => answers.push(Err(e)),
        }
    }
    let max = publish::max_seq(&tx)?;
    tx.commit()?;
    Ok((answers, max))
}

enum Checked {
    Replay(StoredResponse),
    Insert,
}

fn check_report(tx: &Transaction<'_>, g: &str, rec: &NewReportRecord) -> StoreResult<Checked> {
    if let Some(k) = &rec.idempotency
        && let Some(stored) = replay(tx, g, k)?
    {
        return Ok(Checked::Replay(stored));
    }
    let category = get_category(tx, g, &rec.input.category)?;
    let mut stmt = tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM photos WHERE gmina = ?1 AND id = ?2)")?;
    let mut uploaded = std::collections::HashSet::new();
    for p in &rec.input.photo_ids {
        if stmt.query_row([g, p], |r| r.get::<_, bool>(0))? {
            uploaded.insert(p.as_str());
        }
    }
    workflow::check_new_report(&rec.input, category.as_ref(), |p| uploaded.contains(p))?;
    if let Some(d) = &rec.device_id {
        let known: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND gmina = ?2)")?
            .query_row([d, g], |r| r.get(0))?;
        if !known {
            return Err(StoreError::UnknownReference { field: "device" });
        }
    }
    Ok(Checked::Insert)
}

fn insert_report(tx: &Transaction<'_>, g: &str, rec: &NewReportRecord) -> StoreResult<Report> {
    let input = &rec.input;
    let now = rec.now;
    let private = PrivatePart {
        contact: input.contact.clone(),
        location_source: input.location_source,
        accuracy_m: input.accuracy_m,
    };
    tx.prepare_cached(
        "INSERT INTO reports (gmina, category, status, lat, lon, created_at, updated_at, device_id, private, data)
         VALUES (?7, ?1, 'new', ?2, ?3, ?4, ?4, ?5, ?6, '{}')",
    )?
    .execute(params![
        input.category,
        input.point.lat,
        input.point.lon,
        ts(now),
        rec.device_id,
        serde_json::to_string(&private)?,
        g
    ])?;
    let id = tx.last_insert_rowid();
    if let Some(d) = &rec.device_id {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO report_followers (report_id, device_id, since) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, d, ts(now)])?;
    }
    let report = workflow::new_report(id, input, rec.device_id.is_some(), now);
    for p in &report.photos {
        tx.prepare_cached("INSERT OR IGNORE INTO report_photos (report_id, photo_id) VALUES (?1, ?2)")?
            .execute(params![id, p.id])?;
    }
    save_report(tx, g, &report)?;
    // What the report starts outside (its EZD registration), in this
    // same transaction.
    for job in workflow::jobs_for_new_report(&report) {
        super::jobs::enqueue(tx, g, &job, now)?;
    }
    if let Some(k) = &rec.idempotency {
        remember(tx, g, k, &StoredResponse::created(serde_json::to_string(&report)?))?;
    }
    Ok(report)
}

fn set_following(
    tx: &Transaction<'_>,
    g: &str,
    device_id: &str,
    id: i64,
    follow: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut report = get_report(tx, g, id)?.ok_or(StoreError::NotFound)?;
    if !workflow::may_follow(&report, follow, false) {
        let reporter: Option<String> =
            tx.query_row("SELECT device_id FROM reports WHERE id = ?1", [id], |r| r.get(0))?;
        if !workflow::may_follow(&report, follow, reporter.as_deref() == Some(device_id)) {
            return Err(StoreError::NotFound);
        }
    }
    let changed = if follow {
        tx.execute(
            "INSERT OR IGNORE INTO report_followers (report_id, device_id, since) VALUES (?1, ?2, ?3)",
            params![id, device_id, ts(now)],
        )?
    } else {
        tx.execute(
            "DELETE FROM report_followers WHERE report_id = ?1 AND device_id = ?2",
            params![id, device_id],
        )?
    };
    if changed > 0 {
        report.followers = followers(tx, id)?;
        save_report(tx, g, &report)?;
    }
    Ok(())
}

/// Loads the report (and the original it names), lets the workflow decide
/// (`workflow::move_status`), and persists the move: followers to the
/// original, both reports republished, the note, the audit entry, and the
/// EZD case an acceptance opens.
pub(super) fn change_status(
    tx: &Transaction<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    change: StatusChangeRequest,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    let report = get_report(tx, g, id)?.ok_or(StoreError::NotFound)?;
    let original = match change.duplicate_of {
        Some(o) if o != id => get_report(tx, g, o)?,
        _ => None,
    };
    let m = workflow::move_status(&report, original.as_ref(), &change, now)?;
    let jobs = m.jobs();
    if let (Some(f), Some(mut original)) = (m.move_followers, m.original) {
        tx.execute(
            "INSERT OR IGNORE INTO report_followers (report_id, device_id, since)
             SELECT ?1, device_id, since FROM report_followers WHERE report_id = ?2",
            params![f.to, f.from],
        )?;
        tx.execute("DELETE FROM report_followers WHERE report_id = ?1", [f.from])?;
        original.followers = followers(tx, f.to)?;
        save_report(tx, g, &original)?;
    }
    save_report(tx, g, &m.report)?;
    for job in jobs {
        super::jobs::enqueue(tx, g, &job, now)?;
    }
    if let Some(n) = &m.note {
        tx.execute(
            "INSERT INTO report_notes (report_id, at, actor, status, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, ts(now), actor.0, m.report.status.as_str(), n],
        )?;
    }
    audit(tx, g, actor, now, "report.status", "report", Some(&id.to_string()), m.audit)?;
    let told = crate::notifications::reports::notification_for(&m.report, now);
    super::notifications::create_notification(tx, g, actor, &told)?;
    Ok(m.report)
}

fn internal(c: &Connection, g: &str, id: i64) -> StoreResult<Option<ReportInternal>> {
    let row: Option<(String, Option<String>, String)> = c
        .query_row(
            "SELECT data, device_id, private FROM reports WHERE id = ?1 AND gmina = ?2",
            params![id, g],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((data, device_id, private)) = row else {
        return Ok(None);
    };
    let private: PrivatePart = serde_json::from_str(&private)?;
    let mut stmt = c.prepare_cached(
        "SELECT at, actor, status, note FROM report_notes WHERE report_id = ?1 ORDER BY id",
    )?;
    let notes = stmt
        .query_map([id], |r| {
            Ok(InternalNote {
                at: parse_ts(&r.get::<_, String>(0)?)?,
                actor: r.get(1)?,
                status: r
                    .get::<_, Option<String>>(2)?
                    .and_then(|s| ReportStatus::parse(&s)),
                note: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ReportInternal {
        report: serde_json::from_str(&data)?,
        contact: private.contact,
        device_id,
        location_source: private.location_source,
        accuracy_m: private.accuracy_m,
        notes,
        visibility_log: visibility_log(c, id)?,
    }))
}

fn list(c: &Connection, g: &str, f: &ReportFilter) -> StoreResult<Vec<Report>> {
    let mut sql = String::from("SELECT data FROM reports WHERE gmina = ?");
    if !f.include_hidden {
        sql.push_str(" AND visibility <> 'hidden'");
    }
    let mut args: Vec<rusqlite::types::Value> = vec![g.to_owned().into()];
    if !f.statuses.is_empty() {
        let marks = vec!["?"; f.statuses.len()].join(", ");
        sql.push_str(&format!(" AND status IN ({marks})"));
        args.extend(f.statuses.iter().map(|s| s.as_str().to_owned().into()));
    }
    if let Some(cat) = &f.category {
        sql.push_str(" AND category = ?");
        args.push(cat.clone().into());
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let marks = vec!["?"; ids.len()].join(", ");
        sql.push_str(&format!(" AND id IN ({marks})"));
        args.extend(ids.iter().map(|i| (*i).into()));
    }
    if let Some(s) = f.start {
        sql.push_str(" AND created_at >= ?");
        args.push(ts(s).into());
    }
    if let Some(e) = f.end {
        sql.push_str(" AND created_at < ?");
        args.push(ts(e).into());
    }
    // Newest first, in the order of the index (gmina, created_at) that
    // finds the dates: the first `limit` rows end the search. `ORDER BY id`
    // (the same order: ids grow with time) made SQLite read and sort every
    // report of the window, 90 days by default, for each page: Open311's
    // listing cost grew with the reports (1.4 -> 3.6 ms after 800 in a soak).
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?");
    args.push(i64::from(f.limit).into());
    args.push(i64::from(f.offset).into());
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    public_views(c, g, decode_all(rows)?, f.include_hidden)
}

fn near(c: &Connection, g: &str, f: &NearFilter) -> StoreResult<Vec<Report>> {
    // A bounding box first (the index), then the exact distance from the
    // coordinates alone; only the `limit` nearest are read and decoded
    // (finding 19: a box of 5 km may hold far more than are answered).
    let dlat = f.radius_m / 111_320.0;
    let dlon = f.radius_m / (111_320.0 * f.lat.to_radians().cos().max(0.01));
    let mut stmt = c.prepare_cached(
        "SELECT id, lat, lon FROM reports WHERE lat BETWEEN ?1 AND ?2 AND lon BETWEEN ?3 AND ?4
         AND (?5 IS NULL OR category = ?5)
         AND (?6 = 0 OR status IN ('new', 'accepted', 'in_progress'))
         AND visibility <> 'hidden' AND gmina = ?7",
    )?;
    let here = GeoPoint {
        lat: f.lat,
        lon: f.lon,
    };
    let mut found: Vec<(f64, i64)> = stmt
        .query_map(
            params![
                f.lat - dlat,
                f.lat + dlat,
                f.lon - dlon,
                f.lon + dlon,
                f.category,
                f.open_only,
                g
            ],
            |r| Ok((r.get::<_, i64>(0)?, GeoPoint { lat: r.get(1)?, lon: r.get(2)? })),
        )?
        .map(|row| row.map(|(id, point)| (distance_m(here, point), id)))
        .filter(|row| row.as_ref().map_or(true, |(d, _)| *d <= f.radius_m))
        .collect::<Result<Vec<_>, _>>()?;
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    found.truncate(f.limit as usize);
    let mut data = c.prepare_cached("SELECT data FROM reports WHERE id = ?1")?;
    let reports = found
        .into_iter()
        .map(|(_, id)| decode(&data.query_row([id], |r| r.get::<_, String>(0))?))
        .collect::<StoreResult<Vec<_>>>()?;
    // Hidden reports never reach here (the SQL above); redacted ones are
    // shown as the public may see them.
    public_views(c, g, reports, false)
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn report_categories(&self) -> StoreResult<Vec<ReportCategory>> {
        let g = self.scope();
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached("SELECT data FROM report_categories WHERE gmina = ?1 ORDER BY position, id")?;
            let rows = stmt
                .query_map([g], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            rows.iter()
                .map(|d| serde_json::from_str(d).map_err(StoreError::from))
                .collect()
        })
        .await
    }

    async fn reference_version(&self) -> StoreResult<u64> {
        Ok(self.shared.reference_version.load(Ordering::SeqCst))
    }

    async fn create_report_category(
        &self,
        actor: Actor,
        category: ReportCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<ReportCategory> {
        let g = self.scope();
        self.write_then(move |tx| {
            if get_category(tx, &g, &category.id)?.is_some() {
                return Err(StoreError::Conflict(Conflict::CategoryExists));
            }
            put_category(tx, &g, &category, true)?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "report_category.create",
                "report_category",
                Some(&category.id),
                serde_json::to_value(&category)?,
            )?;
            Ok(category)
        }, self.reference_changed())
        .await
    }

    async fn update_report_category(
        &self,
        actor: Actor,
        category: ReportCategory,
        now: DateTime<Utc>,
    ) -> StoreResult<ReportCategory> {
        let g = self.scope();
        self.write_then(move |tx| {
            if get_category(tx, &g, &category.id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            put_category(tx, &g, &category, false)?;
            audit(
                tx,
                &g,
                &actor,
                now,
                "report_category.update",
                "report_category",
                Some(&category.id),
                serde_json::to_value(&category)?,
            )?;
            Ok(category)
        }, self.reference_changed())
        .await
    }

    async fn save_photo(&self, photo: PhotoMeta, bytes: Vec<u8>) -> StoreResult<bool> {
        let key = photo_key(&photo.id, &photo.content_type);
        self.shared.photos.put(&key, bytes, &photo.content_type).await?;
        // The row comes after the file: a row never names a missing file.
        let g = self.scope();
        self.write(move |tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO photos (id, content_type, bytes, width, height, created_at, gmina)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    photo.id,
                    photo.content_type,
                    photo.bytes as i64,
                    photo.width,
                    photo.height,
                    ts(photo.created_at),
                    g
                ],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn photo(&self, id: &str) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        let id = id.to_owned();
        let g = self.scope();
        let meta = self
            .read(move |c| {
                Ok(c.query_row(
                    "SELECT id, content_type, bytes, width, height, created_at FROM photos WHERE id = ?1 AND gmina = ?2",
                    [id, g],
                    |r| {
                        Ok(PhotoMeta {
                            id: r.get(0)?,
                            content_type: r.get(1)?,
                            bytes: r.get::<_, i64>(2)? as u64,
                            width: r.get(3)?,
                            height: r.get(4)?,
                            created_at: parse_ts(&r.get::<_, String>(5)?)?,
                        })
                    },
                )
                .optional()?)
            })
            .await?;
        let Some(meta) = meta else { return Ok(None) };
        let bytes = self
            .shared
            .photos
            .get(&photo_key(&meta.id, &meta.content_type))
            .await?
            .ok_or_else(|| StoreError::backend("a photo's row names no stored bytes"))?;
        Ok(Some((meta, bytes)))
    }

    async fn photo_exists(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_owned();
        let g = self.scope();
        self.read(move |c| {
            Ok(
                c.prepare_cached("SELECT EXISTS (SELECT 1 FROM photos WHERE id = ?1 AND gmina = ?2)")?
                    .query_row([id, g], |r| r.get(0))?,
            )
        })
        .await
    }

    async fn has_idempotency_key(&self, scope: &str, key: &str) -> StoreResult<bool> {
        let (scope, key, g) = (scope.to_owned(), key.to_owned(), self.scope());
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM idempotency WHERE gmina = ?1 AND scope = ?2 AND key = ?3)",
                params![g, scope, key],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn create_report(&self, record: NewReportRecord) -> StoreResult<Created> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.shared.reports
            .send(ReportJob { gmina: self.scope(), record, reply })
            .map_err(|_| StoreError::backend("the report writer has stopped"))?;
        answer
            .await
            .map_err(|_| StoreError::backend("the report writer dropped a report"))?
    }

    async fn get_report(&self, id: i64) -> StoreResult<Option<Report>> {
        let g = self.scope();
        self.read(move |c| match get_report(c, &g, id)? {
            Some(r) => public_view(c, &g, &r),
            None => Ok(None),
        })
        .await
    }

    async fn list_reports(&self, filter: ReportFilter) -> StoreResult<Vec<Report>> {
        let g = self.scope();
        self.read(move |c| list(c, &g, &filter)).await
    }

    async fn near_reports(&self, filter: NearFilter) -> StoreResult<Vec<Report>> {
        let g = self.scope();
        self.read(move |c| near(c, &g, &filter)).await
    }

    async fn device_reports(&self, device_id: &str) -> StoreResult<Vec<Report>> {
        let (device_id, g) = (device_id.to_owned(), self.scope());
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT data, device_id IS ?1 FROM reports WHERE gmina = ?2 AND (device_id = ?1
                 OR id IN (SELECT report_id FROM report_followers WHERE device_id = ?1))
                 ORDER BY id DESC LIMIT 1000",
            )?;
            let rows = stmt
                .query_map([device_id, g.clone()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            // Its own reports the device sees as their reporter does;
            // followed ones as the public does.
            let mut out = Vec::with_capacity(rows.len());
            for (data, own) in rows {
                let r: Report = serde_json::from_str(&data)?;
                if own {
                    out.push(workflow::owner_view(r));
                } else if let Some(p) = public_view(c, &g, &r)? {
                    out.push(p);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn set_report_visibility(
        &self,
        actor: Actor,
        id: i64,
        change: VisibilityChangeRequest,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let g = self.scope();
        self.write(move |tx| set_visibility(tx, &g, &actor, id, &change, now)).await
    }

    async fn photo_is_public(&self, id: &str) -> StoreResult<bool> {
        let (id, g) = (id.to_owned(), self.scope());
        self.read(move |c| photo_is_public(c, &g, &id)).await
    }

    async fn report_has_photo(&self, report_id: i64, photo_id: &str) -> StoreResult<bool> {
        let (photo_id, g) = (photo_id.to_owned(), self.scope());
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM report_photos p JOIN reports r ON r.id = p.report_id
                 WHERE p.report_id = ?1 AND p.photo_id = ?2 AND r.gmina = ?3)",
            )?
            .query_row(params![report_id, photo_id, g], |r| r.get(0))?)
        })
        .await
    }

    async fn set_following(
        &self,
        device_id: &str,
        report_id: i64,
        follow: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (device_id, g) = (device_id.to_owned(), self.scope());
        self.write(move |tx| set_following(tx, &g, &device_id, report_id, follow, now))
            .await
    }

    async fn change_report_status(
        &self,
        actor: Actor,
        id: i64,
        change: StatusChangeRequest,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let g = self.scope();
        let report = self.write(move |tx| change_status(tx, &g, &actor, id, change, now)).await?;
        // An acceptance enqueued its EZD case.
        self.shared.jobs_ready.notify_one();
        Ok(report)
    }

    async fn report_internal(&self, id: i64) -> StoreResult<Option<ReportInternal>> {
        let g = self.scope();
        self.read(move |c| internal(c, &g, id)).await
    }
}
