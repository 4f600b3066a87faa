//! Reports, their categories, photos and followers, as
//! `store/sqlite/reports.rs`. Each new report is its own transaction (the
//! pool gives concurrency where SQLite group-commits); it holds the
//! publication lock from its first read, as every write that publishes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{
    Report, ReportCategory, ReportStatus, StatusChangeRequest, Visibility, VisibilityChangeRequest, distance_m,
};
use mm_protocol::sync::{Collection, Item};

use super::devices::{device_exists, remember, replay};
use super::publish::{self, audit, publish, tombstone};
use super::{PostgresStore, Tx, count, parse_time, ts, write_tx};
use crate::reports::model::{
    InternalNote, PhotoMeta, PrivatePart, ReportInternal, VisibilityDecision, default_categories,
};
use crate::reports::workflow;
use crate::blobs::photo_key;
use crate::store::sqlite::decode_report as decode;
use crate::store::{
    Actor, Conflict, Created, NearFilter, NewReportRecord, ReportFilter, ReportStore, StoreError, StoreResult,
    StoredResponse,
};

/// The default categories a gmina starts with, published to its feed
/// (migration 2 for the fallback gmina, `add_gmina` for the others).
pub(super) async fn seed_default_categories(tx: &Tx<'_>, g: &str) -> StoreResult<()> {
    for c in default_categories() {
        if get_category(&tx.c, g, &c.id).await?.is_none() {
            put_category(tx, g, &c, true).await?;
        }
    }
    Ok(())
}

async fn put_category(tx: &Tx<'_>, g: &str, c: &ReportCategory, new: bool) -> StoreResult<()> {
    let data = serde_json::to_string(c)?;
    if new {
        tx.c.execute(
            "INSERT INTO report_categories (gmina, id, position, data)
             VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM report_categories WHERE gmina = $1), $3)",
            &[&g, &c.id, &data],
        )
        .await?;
    } else {
        tx.c.execute("UPDATE report_categories SET data = $3 WHERE gmina = $1 AND id = $2", &[&g, &c.id, &data]).await?;
    }
    publish(tx, g, &Item::ReportCategories(c.clone())).await?;
    tx.reference_changed();
    Ok(())
}

pub(super) async fn get_category(c: &impl GenericClient, g: &str, id: &str) -> StoreResult<Option<ReportCategory>> {
    let row = c.query_opt("SELECT data FROM report_categories WHERE gmina = $1 AND id = $2", &[&g, &id]).await?;
    Ok(row.map(|r| serde_json::from_str::<ReportCategory>(r.get(0))).transpose()?)
}

/// Gmina `g`'s report `id`; another gmina's is not found.
pub(super) async fn get_report(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<Report>> {
    let row = c.query_opt("SELECT data FROM reports WHERE id = $1 AND gmina = $2", &[&id, &g]).await?;
    row.map(|r| decode(r.get(0))).transpose()
}

/// The gmina a report belongs to (for deployment-wide maintenance).
pub(super) async fn report_gmina(c: &impl GenericClient, id: i64) -> StoreResult<Option<String>> {
    Ok(c.query_opt("SELECT gmina FROM reports WHERE id = $1", &[&id]).await?.map(|r| r.get(0)))
}

/// Saves the report and republishes what the public may see of it, in the
/// caller's transaction (see the SQLite store's `save_report`).
pub(super) async fn save_report(tx: &Tx<'_>, g: &str, r: &Report) -> StoreResult<()> {
    tx.c.execute(
        "UPDATE reports SET status = $2, updated_at = $3, duplicate_of = $4, visibility = $5, data = $6
         WHERE id = $1 AND gmina = $7",
        &[
            &r.id,
            &r.status.as_str(),
            &ts(r.updated_at),
            &r.duplicate_of,
            &r.visibility.as_str(),
            &serde_json::to_string(r)?,
            &g,
        ],
    )
    .await?;
    match public_view(&tx.c, g, r).await? {
        Some(p) => publish(tx, g, &Item::Reports(p)).await?,
        None => tombstone(tx, g, Collection::Reports, &r.id.to_string()).await?,
    };
    Ok(())
}

async fn public_view(c: &impl GenericClient, g: &str, r: &Report) -> StoreResult<Option<Report>> {
    if r.visibility.is_public() {
        return Ok(Some(r.clone()));
    }
    Ok(workflow::public_view(r, get_category(c, g, &r.category).await?.as_ref()))
}

async fn public_views(c: &impl GenericClient, g: &str, reports: Vec<Report>, keep_hidden: bool) -> StoreResult<Vec<Report>> {
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
            let cat = get_category(c, g, &r.category).await?;
            categories.insert(r.category.clone(), cat);
        }
        out.push(workflow::counted_view(&r, categories[&r.category].as_ref()));
    }
    Ok(out)
}

async fn set_visibility(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    change: &VisibilityChangeRequest,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    let report = get_report(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
    let Some(m) = workflow::change_visibility(&report, change)? else {
        return Ok(report);
    };
    save_report(tx, g, &m.report).await?;
    tx.c.execute(
        "INSERT INTO report_visibility_log (report_id, at, actor, visibility, reason) VALUES ($1, $2, $3, $4, $5)",
        &[&id, &ts(now), &actor.0, &m.report.visibility.as_str(), &m.reason],
    )
    .await?;
    audit(tx, g, actor, now, "report.visibility", "report", Some(&id.to_string()), m.audit).await?;
    Ok(m.report)
}

async fn visibility_log(c: &impl GenericClient, id: i64) -> StoreResult<Vec<VisibilityDecision>> {
    let rows = c
        .query("SELECT at, actor, visibility, reason FROM report_visibility_log WHERE report_id = $1 ORDER BY id", &[&id])
        .await?;
    rows.iter()
        .map(|r| {
            Ok(VisibilityDecision {
                at: parse_time(r.get(0))?,
                actor: r.get(1),
                visibility: Visibility::parse(r.get(2)).unwrap_or(Visibility::Hidden),
                reason: r.get(3),
            })
        })
        .collect()
}

async fn followers(c: &impl GenericClient, id: i64) -> StoreResult<u32> {
    let n: i64 = c.query_one("SELECT COUNT(*) FROM report_followers WHERE report_id = $1", &[&id]).await?.get(0);
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

async fn create_report(tx: &Tx<'_>, g: &str, rec: &NewReportRecord) -> StoreResult<Created> {
    if let Some(k) = &rec.idempotency
        && let Some(stored) = replay(tx, g, k).await?
    {
        return Ok(Created::Replayed(stored));
    }
    publish::lock(tx).await?;
    let category = get_category(&tx.c, g, &rec.input.category).await?;
    let mut uploaded = std::collections::HashSet::new();
    for p in &rec.input.photo_ids {
        let known: bool =
            tx.c.query_one("SELECT EXISTS (SELECT 1 FROM photos WHERE gmina = $1 AND id = $2)", &[&g, p]).await?.get(0);
        if known {
            uploaded.insert(p.as_str());
        }
    }
    workflow::check_new_report(&rec.input, category.as_ref(), |p| uploaded.contains(p))?;
    if let Some(d) = &rec.device_id
        && !device_exists(&tx.c, g, d).await?
    {
        return Err(StoreError::UnknownReference { field: "device" });
    }
    Ok(Created::New(insert_report(tx, g, rec).await?))
}

async fn insert_report(tx: &Tx<'_>, g: &str, rec: &NewReportRecord) -> StoreResult<Report> {
    let input = &rec.input;
    let now = rec.now;
    let private = PrivatePart {
        contact: input.contact.clone(),
        location_source: input.location_source,
        accuracy_m: input.accuracy_m,
    };
    let id: i64 = tx
        .c
        .query_one(
            "INSERT INTO reports (gmina, category, status, lat, lon, created_at, updated_at, device_id, private, data)
             VALUES ($7, $1, 'new', $2, $3, $4, $4, $5, $6, '{}') RETURNING id",
            &[&input.category, &input.point.lat, &input.point.lon, &ts(now), &rec.device_id, &serde_json::to_string(&private)?, &g],
        )
        .await?
        .get(0);
    if let Some(d) = &rec.device_id {
        tx.c.execute(
            "INSERT INTO report_followers (report_id, device_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&id, d, &ts(now)],
        )
        .await?;
    }
    let report = workflow::new_report(id, input, rec.device_id.is_some(), now);
    for p in &report.photos {
        tx.c.execute(
            "INSERT INTO report_photos (report_id, photo_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &p.id],
        )
        .await?;
    }
    save_report(tx, g, &report).await?;
    for job in workflow::jobs_for_new_report(&report) {
        super::jobs::enqueue(tx, g, &job, now).await?;
    }
    if let Some(k) = &rec.idempotency {
        remember(tx, g, k, &StoredResponse::created(serde_json::to_string(&report)?)).await?;
    }
    Ok(report)
}

async fn set_following(tx: &Tx<'_>, g: &str, device_id: &str, id: i64, follow: bool, now: DateTime<Utc>) -> StoreResult<()> {
    publish::lock(tx).await?;
    let mut report = get_report(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
    if !workflow::may_follow(&report, follow, false) {
        let reporter: Option<String> =
            tx.c.query_one("SELECT device_id FROM reports WHERE id = $1", &[&id]).await?.get(0);
        if !workflow::may_follow(&report, follow, reporter.as_deref() == Some(device_id)) {
            return Err(StoreError::NotFound);
        }
    }
    let changed = if follow {
        tx.c.execute(
            "INSERT INTO report_followers (report_id, device_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&id, &device_id, &ts(now)],
        )
        .await?
    } else {
        tx.c.execute("DELETE FROM report_followers WHERE report_id = $1 AND device_id = $2", &[&id, &device_id]).await?
    };
    if changed > 0 {
        report.followers = followers(&tx.c, id).await?;
        save_report(tx, g, &report).await?;
    }
    Ok(())
}

/// As the SQLite store's `change_status`: the workflow decides, this
/// persists the move, in the caller's transaction (which holds the
/// publication lock).
pub(super) async fn change_status(
    tx: &Tx<'_>,
    g: &str,
    actor: &Actor,
    id: i64,
    change: StatusChangeRequest,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    publish::lock(tx).await?;
    let report = get_report(&tx.c, g, id).await?.ok_or(StoreError::NotFound)?;
    let original = match change.duplicate_of {
        Some(o) if o != id => get_report(&tx.c, g, o).await?,
        _ => None,
    };
    let m = workflow::move_status(&report, original.as_ref(), &change, now)?;
    let jobs = m.jobs();
    if let (Some(f), Some(mut original)) = (m.move_followers, m.original) {
        tx.c.execute(
            "INSERT INTO report_followers (report_id, device_id, since)
             SELECT $1, device_id, since FROM report_followers WHERE report_id = $2 ON CONFLICT DO NOTHING",
            &[&f.to, &f.from],
        )
        .await?;
        tx.c.execute("DELETE FROM report_followers WHERE report_id = $1", &[&f.from]).await?;
        original.followers = followers(&tx.c, f.to).await?;
        save_report(tx, g, &original).await?;
    }
    save_report(tx, g, &m.report).await?;
    for job in jobs {
        super::jobs::enqueue(tx, g, &job, now).await?;
    }
    if let Some(n) = &m.note {
        tx.c.execute(
            "INSERT INTO report_notes (report_id, at, actor, status, note) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &ts(now), &actor.0, &m.report.status.as_str(), n],
        )
        .await?;
    }
    audit(tx, g, actor, now, "report.status", "report", Some(&id.to_string()), m.audit).await?;
    let told = crate::notifications::reports::notification_for(&m.report, now);
    super::notifications::create_notification(tx, g, actor, &told).await?;
    Ok(m.report)
}

async fn internal(c: &impl GenericClient, g: &str, id: i64) -> StoreResult<Option<ReportInternal>> {
    let Some(row) =
        c.query_opt("SELECT data, device_id, private FROM reports WHERE id = $1 AND gmina = $2", &[&id, &g]).await?
    else {
        return Ok(None);
    };
    let private: PrivatePart = serde_json::from_str(row.get(2))?;
    let notes = c
        .query("SELECT at, actor, status, note FROM report_notes WHERE report_id = $1 ORDER BY id", &[&id])
        .await?
        .iter()
        .map(|r| {
            Ok(InternalNote {
                at: parse_time(r.get(0))?,
                actor: r.get(1),
                status: r.get::<_, Option<&str>>(2).and_then(ReportStatus::parse),
                note: r.get(3),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(ReportInternal {
        report: serde_json::from_str(row.get(0))?,
        contact: private.contact,
        device_id: row.get(1),
        location_source: private.location_source,
        accuracy_m: private.accuracy_m,
        notes,
        visibility_log: visibility_log(c, id).await?,
    }))
}

/// Numbered SQL parameters, pushed as the condition is built.
#[derive(Default)]
pub(super) struct Args(pub Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>>);

impl Args {
    /// Adds a value; its placeholder (`$n`).
    pub fn push(&mut self, v: impl tokio_postgres::types::ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(v));
        format!("${}", self.0.len())
    }

    pub fn refs(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        self.0.iter().map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync)).collect()
    }
}

async fn list(c: &impl GenericClient, g: &str, f: &ReportFilter) -> StoreResult<Vec<Report>> {
    let mut args = Args::default();
    let mut sql = format!("SELECT data FROM reports WHERE gmina = {}", args.push(g.to_owned()));
    if !f.include_hidden {
        sql.push_str(" AND visibility <> 'hidden'");
    }
    if !f.statuses.is_empty() {
        let s: Vec<String> = f.statuses.iter().map(|s| s.as_str().to_owned()).collect();
        sql += &format!(" AND status = ANY({})", args.push(s));
    }
    if let Some(cat) = &f.category {
        sql += &format!(" AND category = {}", args.push(cat.clone()));
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        sql += &format!(" AND id = ANY({})", args.push(ids.clone()));
    }
    if let Some(s) = f.start {
        sql += &format!(" AND created_at >= {}", args.push(ts(s)));
    }
    if let Some(e) = f.end {
        sql += &format!(" AND created_at < {}", args.push(ts(e)));
    }
    // Newest first, in the order of the index (gmina, created_at), as on
    // SQLite (`store/sqlite/reports.rs`, `list`).
    sql += &format!(" ORDER BY created_at DESC, id DESC LIMIT {}", args.push(i64::from(f.limit)));
    sql += &format!(" OFFSET {}", args.push(i64::from(f.offset)));
    let rows = c.query(sql.as_str(), &args.refs()).await?;
    let reports = rows.iter().map(|r| decode(r.get(0))).collect::<StoreResult<Vec<_>>>()?;
    public_views(c, g, reports, f.include_hidden).await
}

async fn near(c: &impl GenericClient, g: &str, f: &NearFilter) -> StoreResult<Vec<Report>> {
    // A bounding box first (the index), then the exact distance; only the
    // `limit` nearest are read and decoded (finding 19).
    let dlat = f.radius_m / 111_320.0;
    let dlon = f.radius_m / (111_320.0 * f.lat.to_radians().cos().max(0.01));
    let rows = c
        .query(
            "SELECT id, lat, lon FROM reports WHERE lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4
             AND ($5::TEXT IS NULL OR category = $5)
             AND (NOT $6 OR status IN ('new', 'accepted', 'in_progress'))
             AND visibility <> 'hidden' AND gmina = $7",
            &[&(f.lat - dlat), &(f.lat + dlat), &(f.lon - dlon), &(f.lon + dlon), &f.category, &f.open_only, &g],
        )
        .await?;
    let here = GeoPoint { lat: f.lat, lon: f.lon };
    let mut found: Vec<(f64, i64)> = rows
        .iter()
        .map(|r| (distance_m(here, GeoPoint { lat: r.get(1), lon: r.get(2) }), r.get::<_, i64>(0)))
        .filter(|(d, _)| *d <= f.radius_m)
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    found.truncate(f.limit as usize);
    let mut reports = Vec::with_capacity(found.len());
    for (_, id) in found {
        let row = c.query_one("SELECT data FROM reports WHERE id = $1", &[&id]).await?;
        reports.push(decode(row.get(0))?);
    }
    public_views(c, g, reports, false).await
}

#[async_trait]
impl ReportStore for PostgresStore {
    async fn report_categories(&self) -> StoreResult<Vec<ReportCategory>> {
        let rows = self
            .reader()
            .await?
            .query("SELECT data FROM report_categories WHERE gmina = $1 ORDER BY position, id", &[&self.scope()])
            .await?;
        rows.iter().map(|r| serde_json::from_str(r.get(0)).map_err(StoreError::from)).collect()
    }

    /// From the database, since other instances change them too: a
    /// sequence every such change moves on after its COMMIT (`write_tx!`).
    async fn reference_version(&self) -> StoreResult<u64> {
        let v: i64 =
            self.reader().await?.query_one("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM mm_reference_version", &[]).await?.get(0);
        Ok(count(v))
    }

    async fn create_report_category(&self, actor: Actor, category: ReportCategory, now: DateTime<Utc>) -> StoreResult<ReportCategory> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            if get_category(&tx.c, g, &category.id).await?.is_some() {
                return Err(StoreError::Conflict(Conflict::CategoryExists));
            }
            put_category(tx, g, &category, true).await?;
            let details = serde_json::to_value(&category)?;
            audit(tx, g, &actor, now, "report_category.create", "report_category", Some(&category.id), details).await?;
            Ok(category)
        })
    }

    async fn update_report_category(&self, actor: Actor, category: ReportCategory, now: DateTime<Utc>) -> StoreResult<ReportCategory> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            if get_category(&tx.c, g, &category.id).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            put_category(tx, g, &category, false).await?;
            let details = serde_json::to_value(&category)?;
            audit(tx, g, &actor, now, "report_category.update", "report_category", Some(&category.id), details).await?;
            Ok(category)
        })
    }

    async fn save_photo(&self, photo: PhotoMeta, bytes: Vec<u8>) -> StoreResult<bool> {
        let key = photo_key(&photo.id, &photo.content_type);
        self.shared.photos.put(&key, bytes, &photo.content_type).await?;
        // The row comes after the bytes: a row never names missing bytes.
        write_tx!(self, |tx, g| {
            let n = tx
                .c
                .execute(
                    "INSERT INTO photos (id, content_type, bytes, width, height, created_at, gmina)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    &[
                        &photo.id,
                        &photo.content_type,
                        &i64::try_from(photo.bytes).unwrap_or(i64::MAX),
                        &i64::from(photo.width),
                        &i64::from(photo.height),
                        &ts(photo.created_at),
                        &g,
                    ],
                )
                .await?;
            Ok(n > 0)
        })
    }

    async fn photo(&self, id: &str) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        let row = self
            .reader()
            .await?
            .query_opt(
                "SELECT id, content_type, bytes, width, height, created_at FROM photos WHERE id = $1 AND gmina = $2",
                &[&id, &self.scope()],
            )
            .await?;
        let Some(r) = row else { return Ok(None) };
        let meta = PhotoMeta {
            id: r.get(0),
            content_type: r.get(1),
            bytes: count(r.get(2)),
            width: u32::try_from(r.get::<_, i64>(3)).unwrap_or(0),
            height: u32::try_from(r.get::<_, i64>(4)).unwrap_or(0),
            created_at: parse_time(r.get(5))?,
        };
        let bytes = self
            .shared
            .photos
            .get(&photo_key(&meta.id, &meta.content_type))
            .await?
            .ok_or_else(|| StoreError::backend("a photo's row names no stored bytes"))?;
        Ok(Some((meta, bytes)))
    }

    async fn photo_exists(&self, id: &str) -> StoreResult<bool> {
        Ok(self.reader().await?.query_one("SELECT EXISTS (SELECT 1 FROM photos WHERE id = $1 AND gmina = $2)", &[&id, &self.scope()]).await?.get(0))
    }

    async fn has_idempotency_key(&self, scope: &str, key: &str) -> StoreResult<bool> {
        Ok(self
            .reader()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM idempotency WHERE gmina = $1 AND scope = $2 AND key = $3)",
                &[&self.scope(), &scope, &key],
            )
            .await?
            .get(0))
    }

    async fn create_report(&self, record: NewReportRecord) -> StoreResult<Created> {
        write_tx!(self, |tx, g| { create_report(tx, g, &record).await })
    }

    async fn get_report(&self, id: i64) -> StoreResult<Option<Report>> {
        let (c, g) = (self.reader().await?, self.scope());
        match get_report(&c, &g, id).await? {
            Some(r) => public_view(&c, &g, &r).await,
            None => Ok(None),
        }
    }

    async fn list_reports(&self, filter: ReportFilter) -> StoreResult<Vec<Report>> {
        list(&self.reader().await?, &self.scope(), &filter).await
    }

    async fn near_reports(&self, filter: NearFilter) -> StoreResult<Vec<Report>> {
        near(&self.reader().await?, &self.scope(), &filter).await
    }

    async fn device_reports(&self, device_id: &str) -> StoreResult<Vec<Report>> {
        let (c, g) = (self.reader().await?, self.scope());
        let rows = c
            .query(
                "SELECT data, device_id IS NOT DISTINCT FROM $1 FROM reports WHERE gmina = $2 AND (device_id = $1
                 OR id IN (SELECT report_id FROM report_followers WHERE device_id = $1))
                 ORDER BY id DESC LIMIT 1000",
                &[&device_id, &g],
            )
            .await?;
        // Its own reports the device sees as their reporter does; followed
        // ones as the public does.
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let r: Report = serde_json::from_str(row.get(0))?;
            if row.get::<_, bool>(1) {
                out.push(workflow::owner_view(r));
            } else if let Some(p) = public_view(&c, &g, &r).await? {
                out.push(p);
            }
        }
        Ok(out)
    }

    async fn set_following(&self, device_id: &str, report_id: i64, follow: bool, now: DateTime<Utc>) -> StoreResult<()> {
        let device_id = device_id.to_owned();
        write_tx!(self, |tx, g| { set_following(tx, g, &device_id, report_id, follow, now).await })
    }

    async fn change_report_status(
        &self,
        actor: Actor,
        id: i64,
        change: StatusChangeRequest,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        write_tx!(self, |tx, g| { change_status(tx, g, &actor, id, change, now).await })
    }

    async fn report_internal(&self, id: i64) -> StoreResult<Option<ReportInternal>> {
        internal(&self.reader().await?, &self.scope(), id).await
    }

    async fn set_report_visibility(
        &self,
        actor: Actor,
        id: i64,
        change: VisibilityChangeRequest,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        write_tx!(self, |tx, g| {
            publish::lock(tx).await?;
            set_visibility(tx, g, &actor, id, &change, now).await
        })
    }

    async fn photo_is_public(&self, id: &str) -> StoreResult<bool> {
        Ok(self
            .reader()
            .await?
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM report_photos p JOIN reports r ON r.id = p.report_id
                                    WHERE p.photo_id = $1 AND r.gmina = $2)
                     OR EXISTS (SELECT 1 FROM report_photos p JOIN reports r ON r.id = p.report_id
                                WHERE p.photo_id = $1 AND r.gmina = $2 AND r.visibility = 'public')",
                &[&id, &self.scope()],
            )
            .await?
            .get(0))
    }

    async fn report_has_photo(&self, report_id: i64, photo_id: &str) -> StoreResult<bool> {
        Ok(self
            .reader()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM report_photos p JOIN reports r ON r.id = p.report_id
                 WHERE p.report_id = $1 AND p.photo_id = $2 AND r.gmina = $3)",
                &[&report_id, &photo_id, &self.scope()],
            )
            .await?
            .get(0))
    }
}
