//! Residents' reports (zgłoszenia): a dark street lamp, a pothole.
//!
//! - `model`: the records shells get.
//! - `photos`: normalisation on the device (JPEG, ≤ 2048 px, no metadata).
//! - `store`: persistence (synced categories and reports with an R*Tree,
//!   drafts, photos, my reports, follows).
//! - `sync`: what sync brings (and the notifications it raises) and how the
//!   outbox sends a report.
//!
//! The life of a report on the device: a draft (persisted at every change)
//! → `submit` turns it, in one transaction, into a row of `my_reports` plus
//! an outbox item with a fresh idempotency key (`queued`) → the outbox
//! uploads the photos (content-addressed: a retry never duplicates) and
//! posts the report with that key (`sending` while it retries) → the
//! server's 201 makes it `sent` with the server's id, and only then are the
//! local photo files deleted. A 4xx makes it `failed`, kept with the
//! server's reason until the resident discards it or edits and resends it.
//!
//! The public view of every report arrives by sync (republished on every
//! status change), and this device knows its own reports' server ids and
//! the ids it follows, so "my reports" is a join in the local store and
//! works offline. One exception: a report of mine that the town hall
//! withheld from the public reaches the public feed as a tombstone or a
//! redacted view; the sync keeps my copy and then fetches the reporter's
//! view from `GET /api/v1/reports/mine` with the device token
//! (`sync::refresh_mine`), so the resident still follows it, marked as
//! hidden from the public.

mod api;
pub mod flow;
pub mod model;

pub use api::ReportsApi;
pub(crate) mod photos;
pub(crate) mod store;
pub(crate) mod sync;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use mm_protocol::error::Message;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{DUPLICATE_RADIUS_M, MAX_PHOTOS};
use rusqlite::Connection;

use crate::error::Error;
use crate::gmina;
use crate::outbox;
use crate::store::Store;
use model::{MyReport, PhotoInfo, ReportDraft, ReportDraftUpdate, ReportSummary};
use store::DraftFields;

pub use sync::KIND_REPORT_STATUS;

fn invalid(field: &str, pl: impl Into<String>, en: impl Into<String>) -> Error {
    Error::InvalidInput {
        field: field.into(),
        message: Message::new(pl, en),
    }
}

pub fn create_draft(
    store: &Store,
    data_dir: &Path,
    category: &str,
    now: DateTime<Utc>,
) -> Result<ReportDraft, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let fields = DraftFields {
        category: category.to_owned(),
        point: None,
        location_source: Default::default(),
        accuracy_m: None,
        address: None,
        description: String::new(),
        answers: Default::default(),
        contact: None,
    };
    store.write(|tx| store::insert_draft(tx, &id, &fields, now))?;
    store.read(|c| store::draft(c, data_dir, &id))
}

pub fn update_draft(
    store: &Store,
    data_dir: &Path,
    id: &str,
    u: ReportDraftUpdate,
    now: DateTime<Utc>,
) -> Result<ReportDraft, Error> {
    store.write(|tx| {
        let mut f = store::draft_fields(tx, id)?;
        if let Some(c) = u.category {
            f.category = c;
        }
        if let Some(p) = u.point {
            f.point = Some(p);
            f.accuracy_m = u.accuracy_m;
        } else if u.accuracy_m.is_some() {
            f.accuracy_m = u.accuracy_m;
        }
        if let Some(s) = u.location_source {
            f.location_source = s;
        }
        if let Some(a) = u.address {
            f.address = Some(a).filter(|a| !a.trim().is_empty());
        }
        if let Some(d) = u.description {
            f.description = d;
        }
        if let Some(a) = u.answers {
            f.answers = normalise_answers(a);
        }
        if let Some(c) = u.contact {
            f.contact = Some(c);
        }
        store::save_draft(tx, id, &f, now)
    })?;
    store.read(|c| store::draft(c, data_dir, id))
}

/// Answers as stored: trimmed, and a blank answer is no answer (both
/// shells did this, one without trimming).
fn normalise_answers(answers: BTreeMap<String, String>) -> BTreeMap<String, String> {
    answers
        .into_iter()
        .filter_map(|(code, value)| {
            let v = value.trim();
            (!v.is_empty()).then(|| (code, v.to_owned()))
        })
        .collect()
}

/// Normalises and stores a photo on the draft. The same photo twice is
/// kept once.
pub fn add_photo(
    store: &Store,
    data_dir: &Path,
    draft_id: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<PhotoInfo, Error> {
    // Fail fast on a missing draft or a full one before the costly decode.
    let existing = store.read(|c| {
        store::draft_fields(c, draft_id)?;
        store::draft_photos(c, data_dir, draft_id)
    })?;
    if existing.len() >= MAX_PHOTOS {
        return Err(too_many_photos());
    }
    let n = photos::normalise(bytes)?;
    if let Some(p) = existing.iter().find(|p| p.id == n.id) {
        return Ok(p.clone());
    }
    let path = photos::save(data_dir, &n)?;
    let info = PhotoInfo {
        id: n.id.clone(),
        path: path.to_string_lossy().into_owned(),
        width: n.width,
        height: n.height,
        bytes: n.jpeg.len() as u64,
    };
    store.write(|tx| {
        let f = store::draft_fields(tx, draft_id)?;
        if store::draft_photos(tx, data_dir, draft_id)?.len() >= MAX_PHOTOS {
            return Err(too_many_photos());
        }
        store::add_draft_photo(tx, draft_id, &info)?;
        store::save_draft(tx, draft_id, &f, now)
    })?;
    Ok(info)
}

fn too_many_photos() -> Error {
    invalid(
        "photo",
        format!("Można dołączyć najwyżej {MAX_PHOTOS} zdjęć."),
        format!("At most {MAX_PHOTOS} photos."),
    )
}

pub fn remove_photo(
    store: &Store,
    data_dir: &Path,
    draft_id: &str,
    photo_id: &str,
) -> Result<(), Error> {
    store.write(|tx| store::remove_draft_photo(tx, draft_id, photo_id))?;
    delete_unused_files(store, data_dir, &[photo_id.to_owned()]);
    Ok(())
}

pub fn delete_draft(store: &Store, data_dir: &Path, id: &str) -> Result<(), Error> {
    let photos = store.write(|tx| store::delete_draft(tx, id))?;
    delete_unused_files(store, data_dir, &photos);
    Ok(())
}

/// Deletes photo files no draft or unsent report needs any more. Runs after
/// the commit: a crash in between leaves a stray file, never a lost one.
pub(crate) fn delete_unused_files(store: &Store, data_dir: &Path, ids: &[String]) {
    for id in ids {
        if let Ok(false) = store.read(|c| store::photo_in_use(c, id)) {
            let _ = std::fs::remove_file(photos::path_of(data_dir, id));
        }
    }
}

/// Everything the core can check before sending: the protocol's rules
/// (texts, category and its questions) and the point inside the synced
/// gmina boundary. Without a synced boundary the server alone decides.
pub fn validate(conn: &Connection, id: &str) -> Result<(), Error> {
    let f = store::draft_fields(conn, id)?;
    let Some(request) = f.to_new_report() else {
        return Err(invalid(
            "point",
            "Wskaż miejsce na mapie.",
            "Choose the place on the map.",
        ));
    };
    let category = store::category(conn, &request.category)?;
    request
        .validate_against(category.as_ref())
        .map_err(|e| Error::InvalidInput {
            field: e.field,
            message: Message::new(e.pl, e.en),
        })?;
    if let Some(g) = gmina::get(conn)?
        && !gmina::contains(&g.boundary, request.point)
    {
        return Err(invalid(
            "point",
            "To miejsce leży poza gminą: zgłoszenie przyjmie tylko gmina, na której terenie jest problem.",
            "This place lies outside the municipality: only the municipality where the problem is can take the report.",
        ));
    }
    Ok(())
}

/// Open reports of the draft's category within [`DUPLICATE_RADIUS_M`],
/// nearest first; empty while the draft has no point.
pub fn possible_duplicates(
    conn: &Connection,
    draft_id: &str,
) -> Result<Vec<ReportSummary>, Error> {
    let f = store::draft_fields(conn, draft_id)?;
    match f.point {
        Some(p) => store::near(conn, p, DUPLICATE_RADIUS_M, Some(&f.category), true),
        None => Ok(vec![]),
    }
}

pub fn near(
    conn: &Connection,
    point: GeoPoint,
    radius_m: f64,
    category: Option<&str>,
    open_only: bool,
) -> Result<Vec<ReportSummary>, Error> {
    if !(radius_m.is_finite() && radius_m > 0.0 && radius_m <= 50_000.0) {
        return Err(invalid(
            "radius_m",
            "Promień musi mieć od 1 m do 50 km.",
            "The radius must be between 1 m and 50 km.",
        ));
    }
    store::near(conn, point, radius_m, category, open_only)
}

/// Validates, then in one transaction turns the draft into a queued report
/// with its outbox item (fresh idempotency key) and deletes the draft.
pub fn submit(store: &Store, id: &str, now: DateTime<Utc>) -> Result<MyReport, Error> {
    let local_id = store.write(|tx| {
        validate(tx, id)?;
        let f = store::draft_fields(tx, id)?;
        let request = f
            .to_new_report()
            .ok_or_else(|| Error::internal("validated draft without a point"))?;
        let local_id = store::insert_my_report(tx, id, &request, now)?;
        let outbox_id = outbox::enqueue(
            tx,
            outbox::Kind::SubmitReport,
            &sync::SubmitPayload { local_id },
            now,
        )?;
        store::set_outbox_id(tx, local_id, outbox_id)?;
        Ok(local_id)
    })?;
    store.read(|c| store::my_report(c, local_id))
}

/// Drops a report the server refused (or one still queued: the resident
/// changed their mind before it left the phone).
pub fn discard(store: &Store, data_dir: &Path, local_id: i64) -> Result<(), Error> {
    let photos = store.write(|tx| {
        let (state, outbox_id) = store::state_of(tx, local_id)?;
        if !matches!(state, model::MyReportState::Failed | model::MyReportState::Queued) {
            return Err(invalid(
                "local_id",
                "Tego zgłoszenia nie można już wycofać: zostało wysłane lub jest w trakcie wysyłania.",
                "This report can no longer be withdrawn: it has been sent or is being sent.",
            ));
        }
        if let Some(o) = outbox_id {
            outbox::remove(tx, o)?;
        }
        store::delete_my_report(tx, local_id)
    })?;
    delete_unused_files(store, data_dir, &photos);
    Ok(())
}

/// Edit and resend: a failed report becomes a draft again (with its
/// photos); submitting it queues it anew with a new key.
pub fn failed_to_draft(
    store: &Store,
    data_dir: &Path,
    local_id: i64,
    now: DateTime<Utc>,
) -> Result<ReportDraft, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    store.write(|tx| {
        let (state, outbox_id) = store::state_of(tx, local_id)?;
        if state != model::MyReportState::Failed {
            return Err(invalid(
                "local_id",
                "Poprawić można tylko zgłoszenie odrzucone przez serwer.",
                "Only a report the server refused can be edited.",
            ));
        }
        let r = store::request_of(tx, local_id)?;
        let fields = DraftFields {
            category: r.category,
            point: Some(r.point),
            location_source: r.location_source,
            accuracy_m: r.accuracy_m,
            address: r.address,
            description: r.description,
            answers: r.answers,
            contact: r.contact,
        };
        store::insert_draft(tx, &id, &fields, now)?;
        store::photos_to_draft(tx, local_id, &id)?;
        if let Some(o) = outbox_id {
            outbox::remove(tx, o)?;
        }
        store::delete_my_report(tx, local_id)?;
        Ok(())
    })?;
    store.read(|c| store::draft(c, data_dir, &id))
}

/// Follows (or stops) through the outbox; the local mark is immediate so
/// status changes notify from the next sync on.
pub fn set_followed(
    store: &Store,
    report_id: i64,
    followed: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    store.write(|tx| {
        if store::is_followed(tx, report_id)? == followed {
            return Ok(());
        }
        store::set_followed(tx, report_id, followed, now)?;
        let kind = if followed {
            outbox::Kind::FollowReport
        } else {
            outbox::Kind::UnfollowReport
        };
        outbox::enqueue(tx, kind, &sync::FollowPayload { report_id }, now)?;
        Ok(())
    })
}
