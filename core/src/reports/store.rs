//! Persistence of reports: synced categories and public reports (with an
//! R*Tree over their points), drafts, their photos, my reports and the
//! reports I follow. Writers take a `&Transaction`, readers a `&Connection`.

use chrono::{DateTime, Utc};
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{NewReport, Report, ReportCategory, ReportStatus, distance_m};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::model::{MyReport, MyReportState, PhotoInfo, ReportDraft, ReportError, ReportSummary};
use crate::error::Error;
use crate::search::fold;
use crate::store::{from_ts, ts};

// ---- categories ----

pub fn upsert_category(tx: &Transaction<'_>, c: &ReportCategory) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO report_categories (id, name_pl, active, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name_pl = excluded.name_pl, active = excluded.active, body = excluded.body",
        params![c.id, c.name_pl, c.active, serde_json::to_string(c)?],
    )?;
    Ok(())
}

pub fn delete_category(tx: &Transaction<'_>, id: &str) -> Result<(), Error> {
    tx.execute("DELETE FROM report_categories WHERE id = ?1", [id])?;
    Ok(())
}

/// Active categories, by folded Polish name ("other" kinds sort like any).
pub fn categories(conn: &Connection) -> Result<Vec<ReportCategory>, Error> {
    let mut stmt = conn.prepare_cached("SELECT body FROM report_categories WHERE active = 1")?;
    let mut out: Vec<ReportCategory> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|b| Ok(serde_json::from_str(&b?)?))
        .collect::<Result<_, Error>>()?;
    out.sort_by_cached_key(|c| (fold(&c.name_pl), c.id.clone()));
    Ok(out)
}

pub fn category(conn: &Connection, id: &str) -> Result<Option<ReportCategory>, Error> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM report_categories WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

// ---- public reports ----

/// Stores the public view; returns the status it had before, if any.
pub fn upsert_report(tx: &Transaction<'_>, r: &Report) -> Result<Option<ReportStatus>, Error> {
    let old: Option<String> = tx
        .query_row("SELECT status FROM reports WHERE id = ?1", [r.id], |row| {
            row.get(0)
        })
        .optional()?;
    tx.execute(
        "INSERT INTO reports (id, category, status, open, lat, lon, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET category = excluded.category, status = excluded.status,
             open = excluded.open, lat = excluded.lat, lon = excluded.lon,
             updated_at = excluded.updated_at, body = excluded.body",
        params![
            r.id,
            r.category,
            r.status.as_str(),
            r.status.is_open(),
            r.point.lat,
            r.point.lon,
            ts(r.updated_at),
            serde_json::to_string(r)?
        ],
    )?;
    // A point is a degenerate box. R*Tree keeps 32-bit floats, rounded
    // outwards, so the box always contains the exact point.
    tx.execute("DELETE FROM reports_rtree WHERE id = ?1", [r.id])?;
    tx.execute(
        "INSERT INTO reports_rtree (id, min_lat, max_lat, min_lon, max_lon) VALUES (?1, ?2, ?2, ?3, ?3)",
        params![r.id, r.point.lat, r.point.lon],
    )?;
    Ok(old.and_then(|s| ReportStatus::parse(&s)))
}

pub fn delete_report(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM reports WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM reports_rtree WHERE id = ?1", [id])?;
    Ok(())
}

pub fn report(conn: &Connection, id: i64) -> Result<Option<Report>, Error> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM reports WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub fn report_updated_at(conn: &Connection, id: i64) -> Result<Option<DateTime<Utc>>, Error> {
    let t: Option<i64> = conn
        .query_row("SELECT updated_at FROM reports WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(t.map(from_ts))
}

/// Metres per degree of latitude (mean Earth radius), a little generous so
/// the box never cuts off a point the exact distance keeps.
const M_PER_DEG: f64 = 111_000.0;

/// Reports within `radius_m` of `point`, nearest first: the R*Tree finds the
/// candidates in the bounding box, the exact distance decides.
pub fn near(
    conn: &Connection,
    point: GeoPoint,
    radius_m: f64,
    category: Option<&str>,
    open_only: bool,
) -> Result<Vec<ReportSummary>, Error> {
    let dlat = radius_m / M_PER_DEG;
    let cos = point.lat.to_radians().cos().abs().max(0.01);
    let dlon = radius_m / (M_PER_DEG * cos);
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.lat, r.lon, r.body FROM reports_rtree t JOIN reports r ON r.id = t.id
         WHERE t.max_lat >= ?1 AND t.min_lat <= ?2 AND t.max_lon >= ?3 AND t.min_lon <= ?4
           AND (?5 IS NULL OR r.category = ?5) AND (?6 = 0 OR r.open = 1)",
    )?;
    let rows = stmt.query_map(
        params![
            point.lat - dlat,
            point.lat + dlat,
            point.lon - dlon,
            point.lon + dlon,
            category,
            open_only
        ],
        |r| {
            Ok((
                GeoPoint {
                    lat: r.get(1)?,
                    lon: r.get(2)?,
                },
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (p, body) = row?;
        let d = distance_m(point, p);
        if d <= radius_m {
            let report: Report = serde_json::from_str(&body)?;
            // My own report hidden from the public is mine to see, not a
            // public report near here.
            if report.visibility != mm_protocol::reports::Visibility::Hidden {
                out.push(summary(&report, d));
            }
        }
    }
    out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));
    Ok(out)
}

pub fn summary(r: &Report, distance_m: f64) -> ReportSummary {
    ReportSummary {
        id: r.id,
        category: r.category.clone(),
        status: r.status,
        point: r.point,
        address: r.address.clone(),
        description: r.description.chars().take(200).collect(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        photo_count: r.photos.len() as u32,
        followers: r.followers,
        distance_m,
    }
}

// ---- drafts ----

/// A draft's fields as stored (photos live in `report_photos`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DraftFields {
    pub category: String,
    pub point: Option<GeoPoint>,
    #[serde(default)]
    pub location_source: mm_protocol::reports::LocationSource,
    pub accuracy_m: Option<f64>,
    pub address: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub answers: std::collections::BTreeMap<String, String>,
    pub contact: Option<mm_protocol::reports::Contact>,
}

impl DraftFields {
    /// What will be sent (photo ids are added when they are uploaded).
    pub fn to_new_report(&self) -> Option<NewReport> {
        Some(NewReport {
            category: self.category.clone(),
            point: self.point?,
            location_source: self.location_source,
            accuracy_m: self.accuracy_m,
            address: self.address.clone(),
            description: self.description.clone(),
            answers: self.answers.clone(),
            photo_ids: vec![],
            contact: self.contact.clone(),
        })
    }
}

pub fn insert_draft(
    tx: &Transaction<'_>,
    id: &str,
    fields: &DraftFields,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO report_drafts (id, created_at, updated_at, body) VALUES (?1, ?2, ?2, ?3)",
        params![id, ts(now), serde_json::to_string(fields)?],
    )?;
    Ok(())
}

pub fn save_draft(
    tx: &Transaction<'_>,
    id: &str,
    fields: &DraftFields,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let n = tx.execute(
        "UPDATE report_drafts SET body = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, serde_json::to_string(fields)?, ts(now)],
    )?;
    if n == 0 {
        return Err(draft_not_found(id));
    }
    Ok(())
}

pub fn draft_not_found(id: &str) -> Error {
    Error::not_found(format!("report draft {id}"))
}

pub fn draft_fields(conn: &Connection, id: &str) -> Result<DraftFields, Error> {
    let body: String = conn
        .query_row("SELECT body FROM report_drafts WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| draft_not_found(id))?;
    Ok(serde_json::from_str(&body)?)
}

pub fn draft(
    conn: &Connection,
    data_dir: &std::path::Path,
    id: &str,
) -> Result<ReportDraft, Error> {
    let (created, updated, body): (i64, i64, String) = conn
        .query_row(
            "SELECT created_at, updated_at, body FROM report_drafts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| draft_not_found(id))?;
    let f: DraftFields = serde_json::from_str(&body)?;
    Ok(ReportDraft {
        id: id.to_owned(),
        category: f.category,
        point: f.point,
        location_source: f.location_source,
        accuracy_m: f.accuracy_m,
        address: f.address,
        description: f.description,
        answers: f.answers,
        contact: f.contact,
        photos: draft_photos(conn, data_dir, id)?,
        created_at: from_ts(created),
        updated_at: from_ts(updated),
    })
}

/// Newest first.
pub fn drafts(
    conn: &Connection,
    data_dir: &std::path::Path,
) -> Result<Vec<ReportDraft>, Error> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM report_drafts ORDER BY updated_at DESC, rowid DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter().map(|id| draft(conn, data_dir, id)).collect()
}

/// Deletes the draft and its photo rows; returns the photo ids it had.
pub fn delete_draft(tx: &Transaction<'_>, id: &str) -> Result<Vec<String>, Error> {
    let photos = photo_ids_of_draft(tx, id)?;
    if tx.execute("DELETE FROM report_drafts WHERE id = ?1", [id])? == 0 {
        return Err(draft_not_found(id));
    }
    Ok(photos)
}

// ---- photos ----

fn photo_ids_of_draft(conn: &Connection, draft_id: &str) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT photo_id FROM report_photos WHERE draft_id = ?1 ORDER BY id")?
        .query_map([draft_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

pub fn draft_photos(
    conn: &Connection,
    data_dir: &std::path::Path,
    draft_id: &str,
) -> Result<Vec<PhotoInfo>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT photo_id, width, height, bytes FROM report_photos WHERE draft_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([draft_id], |r| {
        let id: String = r.get(0)?;
        Ok(PhotoInfo {
            path: super::photos::path_of(data_dir, &id)
                .to_string_lossy()
                .into_owned(),
            id,
            width: r.get(1)?,
            height: r.get(2)?,
            bytes: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn add_draft_photo(tx: &Transaction<'_>, draft_id: &str, p: &PhotoInfo) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO report_photos (draft_id, photo_id, width, height, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![draft_id, p.id, p.width, p.height, p.bytes],
    )?;
    Ok(())
}

pub fn remove_draft_photo(
    tx: &Transaction<'_>,
    draft_id: &str,
    photo_id: &str,
) -> Result<(), Error> {
    let n = tx.execute(
        "DELETE FROM report_photos WHERE draft_id = ?1 AND photo_id = ?2",
        params![draft_id, photo_id],
    )?;
    if n == 0 {
        return Err(Error::not_found(format!("photo {photo_id}")));
    }
    Ok(())
}

/// Whether any draft or unsent report still needs this photo file.
pub fn photo_in_use(conn: &Connection, photo_id: &str) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM report_photos WHERE photo_id = ?1)",
        [photo_id],
        |r| r.get(0),
    )?)
}

/// A photo of a queued report: `(row, local id, server id once uploaded)`.
pub struct QueuedPhoto {
    pub row: i64,
    pub photo_id: String,
    pub uploaded_id: Option<String>,
}

pub fn report_photos(conn: &Connection, local_id: i64) -> Result<Vec<QueuedPhoto>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, photo_id, uploaded_id FROM report_photos WHERE local_report_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([local_id], |r| {
        Ok(QueuedPhoto {
            row: r.get(0)?,
            photo_id: r.get(1)?,
            uploaded_id: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn mark_photo_uploaded(tx: &Transaction<'_>, row: i64, uploaded_id: &str) -> Result<(), Error> {
    tx.execute(
        "UPDATE report_photos SET uploaded_id = ?2 WHERE id = ?1",
        params![row, uploaded_id],
    )?;
    Ok(())
}

/// Forgets that this report's photos were uploaded (the server no longer
/// has them), so the next send uploads them again.
pub fn forget_uploads(tx: &Transaction<'_>, local_id: i64) -> Result<(), Error> {
    tx.execute(
        "UPDATE report_photos SET uploaded_id = NULL WHERE local_report_id = ?1",
        [local_id],
    )?;
    Ok(())
}

// ---- my reports ----

/// Turns the draft into a report of mine (its photos move along) and
/// deletes the draft. The caller queues the outbox item in the same
/// transaction.
pub fn insert_my_report(
    tx: &Transaction<'_>,
    draft_id: &str,
    request: &NewReport,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    tx.execute(
        "INSERT INTO my_reports (state, request, created_at) VALUES ('queued', ?1, ?2)",
        params![serde_json::to_string(request)?, ts(now)],
    )?;
    let local_id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE report_photos SET draft_id = NULL, local_report_id = ?1 WHERE draft_id = ?2",
        params![local_id, draft_id],
    )?;
    delete_draft(tx, draft_id)?;
    Ok(local_id)
}

pub fn set_outbox_id(tx: &Transaction<'_>, local_id: i64, outbox_id: i64) -> Result<(), Error> {
    tx.execute(
        "UPDATE my_reports SET outbox_id = ?2 WHERE local_id = ?1",
        params![local_id, outbox_id],
    )?;
    Ok(())
}

pub fn request_of(conn: &Connection, local_id: i64) -> Result<NewReport, Error> {
    let body: String = conn
        .query_row(
            "SELECT request FROM my_reports WHERE local_id = ?1",
            [local_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| my_report_not_found(local_id))?;
    Ok(serde_json::from_str(&body)?)
}

pub fn my_report_not_found(local_id: i64) -> Error {
    Error::not_found(format!("my report {local_id}"))
}

pub fn set_state(
    tx: &Transaction<'_>,
    local_id: i64,
    state: MyReportState,
    error: Option<&ReportError>,
) -> Result<(), Error> {
    let error = error.map(serde_json::to_string).transpose()?;
    tx.execute(
        "UPDATE my_reports SET state = ?2, error = coalesce(?3, error) WHERE local_id = ?1",
        params![local_id, state.as_str(), error],
    )?;
    Ok(())
}

/// Acknowledged: remember the server's id; the photos are the server's now.
/// Returns the photo ids that were attached (their files may go).
pub fn mark_sent(
    tx: &Transaction<'_>,
    local_id: i64,
    server_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    tx.execute(
        "UPDATE my_reports SET state = 'sent', server_id = ?2, sent_at = ?3, outbox_id = NULL, error = NULL
         WHERE local_id = ?1",
        params![local_id, server_id, ts(now)],
    )?;
    let photos: Vec<String> = report_photos(tx, local_id)?
        .into_iter()
        .map(|p| p.photo_id)
        .collect();
    tx.execute(
        "DELETE FROM report_photos WHERE local_report_id = ?1",
        [local_id],
    )?;
    Ok(photos)
}

/// `(state, outbox id)` of one of my reports.
pub fn state_of(
    conn: &Connection,
    local_id: i64,
) -> Result<(MyReportState, Option<i64>), Error> {
    conn.query_row(
        "SELECT state, outbox_id FROM my_reports WHERE local_id = ?1",
        [local_id],
        |r| Ok((MyReportState::parse(&r.get::<_, String>(0)?), r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| my_report_not_found(local_id))
}

/// Deletes one of my reports with its photo rows; returns the photo ids.
pub fn delete_my_report(tx: &Transaction<'_>, local_id: i64) -> Result<Vec<String>, Error> {
    let photos: Vec<String> = report_photos(tx, local_id)?
        .into_iter()
        .map(|p| p.photo_id)
        .collect();
    tx.execute(
        "DELETE FROM report_photos WHERE local_report_id = ?1",
        [local_id],
    )?;
    tx.execute("DELETE FROM my_reports WHERE local_id = ?1", [local_id])?;
    Ok(photos)
}

/// Moves the photos of a report back onto a draft (edit and resend).
pub fn photos_to_draft(tx: &Transaction<'_>, local_id: i64, draft_id: &str) -> Result<(), Error> {
    tx.execute(
        "UPDATE report_photos SET local_report_id = NULL, draft_id = ?2, uploaded_id = NULL WHERE local_report_id = ?1",
        params![local_id, draft_id],
    )?;
    Ok(())
}

const MY_REPORT_COLUMNS: &str =
    "m.local_id, m.state, m.server_id, m.request, m.error, m.created_at, m.sent_at,
    (SELECT count(*) FROM report_photos p WHERE p.local_report_id = m.local_id), r.body";

fn my_report_from_row(r: &rusqlite::Row<'_>) -> Result<MyReport, Error> {
    let request: NewReport = serde_json::from_str(&r.get::<_, String>(3)?)?;
    let error: Option<String> = r.get(4)?;
    let report: Option<Report> = r
        .get::<_, Option<String>>(8)?
        .map(|b| serde_json::from_str(&b))
        .transpose()?;
    let state = MyReportState::parse(&r.get::<_, String>(1)?);
    let unsent_photos: u32 = r.get(7)?;
    Ok(MyReport {
        local_id: r.get(0)?,
        state,
        server_id: r.get(2)?,
        category: request.category,
        point: request.point,
        address: request.address,
        description: request.description,
        answers: request.answers,
        photo_count: match (&report, state) {
            (Some(rep), _) => rep.photos.len() as u32,
            _ => unsent_photos,
        },
        created_at: from_ts(r.get(5)?),
        sent_at: r.get::<_, Option<i64>>(6)?.map(from_ts),
        error: error.map(|e| serde_json::from_str(&e)).transpose()?,
        status: report.as_ref().map(|r| r.status),
        report,
        // Texts and actions in the core's language: `flow::dress`.
        state_text: String::new(),
        actions: Default::default(),
    })
}

/// Newest first.
pub fn my_reports(conn: &Connection) -> Result<Vec<MyReport>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MY_REPORT_COLUMNS} FROM my_reports m LEFT JOIN reports r ON r.id = m.server_id
         ORDER BY m.created_at DESC, m.local_id DESC"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(my_report_from_row(r)?);
    }
    Ok(out)
}

pub fn my_report(conn: &Connection, local_id: i64) -> Result<MyReport, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MY_REPORT_COLUMNS} FROM my_reports m LEFT JOIN reports r ON r.id = m.server_id
         WHERE m.local_id = ?1"
    ))?;
    let mut rows = stmt.query([local_id])?;
    match rows.next()? {
        Some(r) => my_report_from_row(r),
        None => Err(my_report_not_found(local_id)),
    }
}

pub fn is_mine(conn: &Connection, server_id: i64) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM my_reports WHERE server_id = ?1)",
        [server_id],
        |r| r.get(0),
    )?)
}

// ---- following ----

pub fn set_followed(
    tx: &Transaction<'_>,
    report_id: i64,
    followed: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if followed {
        tx.execute(
            "INSERT OR IGNORE INTO followed_reports (report_id, followed_at) VALUES (?1, ?2)",
            params![report_id, ts(now)],
        )?;
    } else {
        tx.execute(
            "DELETE FROM followed_reports WHERE report_id = ?1",
            [report_id],
        )?;
    }
    Ok(())
}

pub fn is_followed(conn: &Connection, report_id: i64) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM followed_reports WHERE report_id = ?1)",
        [report_id],
        |r| r.get(0),
    )?)
}

/// Followed reports as last synced, most recently changed first.
pub fn followed(conn: &Connection) -> Result<Vec<Report>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.body FROM followed_reports f JOIN reports r ON r.id = f.report_id ORDER BY r.updated_at DESC",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|b| Ok(serde_json::from_str(&b?)?)).collect()
}
