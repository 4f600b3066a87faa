//! Fuzzing entry points (issue 17) for the parsers the server owns; see
//! `mm_protocol::fuzzing` for the arrangement (cargo-fuzz targets in
//! `fuzz/`, replayed on stable by `tests/fuzz_replay.rs`).
//!
//! No cargo feature: the binary never calls these, so the linker leaves
//! them out of `mm-server`.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use geo::{Contains, LineString, Point, Polygon};
use mm_protocol::error::ErrorCode;
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Teryt;
use mm_protocol::places::PlaceGeometry;
use mm_protocol::reports::{PHOTO_MAX_EDGE, PHOTO_MAX_PIXELS};
use mm_protocol::validation::Validate;
use reqwest::StatusCode;

use crate::admin::session::Form;
use crate::admin::waste::multipart;
use crate::ezd::rp_api;
use crate::open311::format::Format;
use crate::open311::routes::PostForm;
use crate::places::osm;
use crate::reports::photos;
use crate::taxes::import::Reader;

/// A fuzz target: its name (the file in `fuzz/fuzz_targets/`) and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// The targets of this crate.
pub const TARGETS: &[Target] = &[
    ("sync_cursor", sync_cursor),
    ("open311_form", open311_form),
    ("admin_form", admin_form),
    ("osm", osm),
    ("geojson", geojson),
    ("ezd_response", ezd_response),
    ("tax_json", tax_json),
    ("tax_csv", tax_csv),
    ("photo", photo),
];

/// The `cursor` of `GET /api/v1/sync`: plain digits or refused; a cursor
/// taken is written back as the same number, and reads back to it.
pub fn sync_cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Some(n) = crate::sync::routes::digits(&text) else {
        assert!(
            text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.trim_start_matches('0').len() >= 20,
            "{text:?}: plain digits of a u64 refused"
        );
        return;
    };
    assert!(text.bytes().all(|b| b.is_ascii_digit()), "{text:?} taken");
    let written = n.to_string();
    assert_eq!(crate::sync::routes::digits(&written), Some(n));
    assert_eq!(text.trim_start_matches('0'), written.trim_start_matches('0'), "{text:?} read as {n}");
}

/// GeoReport v2 `POST requests` (form-encoded) and its attributes
/// (`attribute[code]=value`): never panics; a report read from it has its
/// answers from the `attribute[...]` fields only, only our own photo ids,
/// and its validation (the same as the app's) never panics either.
pub fn open311_form(data: &[u8]) {
    let (query, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (Some(String::from_utf8_lossy(&data[..at]).into_owned()), &data[at + 1..]),
        None => (None, data),
    };
    let form = PostForm::read(body, query.as_deref(), Format::Json);
    for v in [&form.api_key, &form.jurisdiction].into_iter().flatten() {
        assert!(!v.trim().is_empty() && v.trim() == v, "a blank or untrimmed field: {v:?}");
    }
    let Ok(report) = form.report else { return };
    assert!(!report.category.is_empty());
    for id in &report.photo_ids {
        assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "photo id {id:?}");
    }
    let raw = String::from_utf8_lossy(body);
    if !report.answers.is_empty() {
        assert!(raw.contains("attribute"), "answers without an attribute field");
    }
    let _ = report.validate();
    // Every category a gmina starts with, with its questions.
    for category in crate::reports::model::default_categories() {
        let _ = report.validate_against(Some(&category));
    }
    let _ = report.validate_against(None);
}

/// The back office's bodies: `application/x-www-form-urlencoded` (every
/// form) and `multipart/form-data` (the waste and tax imports). The first
/// line is the multipart content type. Never panics; every part lies
/// inside the body.
pub fn admin_form(data: &[u8]) {
    let form = Form::parse(data);
    for (k, _) in &form.0 {
        let _ = form.text(k);
        let _ = form.flag(k);
        let _ = form.all(k);
    }
    let (content_type, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (String::from_utf8_lossy(&data[..at]).into_owned(), &data[at + 1..]),
        None => ("multipart/form-data; boundary=x".to_owned(), data),
    };
    if let Some(parts) = multipart::parse(&content_type, body) {
        let range = body.as_ptr_range();
        for p in parts {
            let r = p.data.as_ptr_range();
            assert!(range.start <= r.start && r.end <= range.end, "part {:?} outside the body", p.name);
        }
    }
}

/// A square around Siechnice ([lon, lat]), for the import's boundary.
fn boundary() -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(16.9, 50.9), (17.3, 50.9), (17.3, 51.2), (16.9, 51.2), (16.9, 50.9)]),
        vec![],
    )
}

fn inside(b: &Polygon<f64>, p: GeoPoint) -> bool {
    // The import keeps what touches the boundary's edge too.
    use geo::Intersects;
    b.contains(&Point::new(p.lon, p.lat)) || b.intersects(&Point::new(p.lon, p.lat))
}

fn places_import(bytes: &[u8]) {
    let _ = osm::parse(bytes, None);
    let b = boundary();
    let Ok(parsed) = osm::parse(bytes, Some(&b)) else { return };
    for p in &parsed.places {
        if let Err(e) = p.validate() {
            panic!("an imported place fails validation: {} {}", e.field, e.en);
        }
        let points: Vec<GeoPoint> = match &p.geometry {
            PlaceGeometry::Point { point } => vec![*point],
            PlaceGeometry::Line { points } => points.clone(),
            #[allow(unreachable_patterns, reason = "future shapes")]
            _ => vec![],
        };
        assert!(points.iter().any(|q| inside(&b, *q)), "a place wholly outside the boundary: {p:?}");
    }
}

/// The places import as OSM XML (`.osm`): what it maps is a valid place
/// and lies at least partly within the gmina's boundary.
pub fn osm(data: &[u8]) {
    if data.first() == Some(&b'<') {
        places_import(data);
    } else {
        let mut v = Vec::with_capacity(data.len() + 1);
        v.push(b'<');
        v.extend_from_slice(data);
        places_import(&v);
    }
}

/// The places import as GeoJSON: as [`osm`].
pub fn geojson(data: &[u8]) {
    if data.first() == Some(&b'{') {
        places_import(data);
    } else {
        let mut v = Vec::with_capacity(data.len() + 1);
        v.push(b'{');
        v.extend_from_slice(data);
        places_import(&v);
    }
}

/// EZD RP answers: the first line is the status code and a `Retry-After`
/// value (`503 120`), the rest the body. Never panics; a 2xx answer is
/// JSON or an error, a wait is at most a day, and the case's state and
/// the RPW search read whatever JSON came.
pub fn ezd_response(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once('\n').unwrap_or((&text, ""));
    let mut head = head.split_whitespace();
    let status = head
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().expect("a valid time");
    let wait = head.next().and_then(|v| rp_api::retry_after(v, now));
    if let Some(w) = wait {
        assert!(w <= Duration::from_secs(24 * 3600), "a wait of {w:?}");
    }
    match rp_api::answer(status, body, wait) {
        Ok(v) => {
            assert!(status.is_success());
            let _ = rp_api::case_state_of(&v);
            if let Ok(Some((numer, _, _))) = rp_api::rpw_in_page(&v, "MM/2026/3/1") {
                let _ = rp_api::rpw_parts(&numer);
            }
            if let Some(n) = v["numerRpw"].as_str()
                && let Some((n, y)) = rp_api::rpw_parts(n)
            {
                assert!(!n.contains('/') && !y.contains('/'));
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn tax_reader(known: &HashSet<String>) -> Reader<'_> {
    Reader {
        gmina: Teryt::parse("0223083").expect("Siechnice's TERYT"),
        known,
        now: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).single().expect("a valid time"),
    }
}

/// What every tax batch read promises: a liability names a taxpayer of
/// the batch or one already stored, and a refusal names a line.
fn tax_batch_checks(parsed: crate::taxes::import::Parsed, known: &HashSet<String>) {
    match parsed {
        Ok(batch) => {
            let ids: HashSet<&str> = batch.taxpayers.iter().map(|t| t.taxpayer.id.as_str()).collect();
            for l in &batch.liabilities {
                let owner = l.taxpayer.as_str();
                assert!(ids.contains(owner) || known.contains(owner), "a liability of an unknown taxpayer");
                assert!(l.amount_grosze >= 0, "a negative amount");
            }
        }
        Err(errors) => assert!(!errors.is_empty(), "refused without a reason"),
    }
}

/// The tax-system import, JSON (`{"taxpayers": [...], "liabilities": [...]}`,
/// also the HTTP adapter's pages).
pub fn tax_json(data: &[u8]) {
    let known: HashSet<String> = ["tp-known".to_owned()].into();
    let reader = tax_reader(&known);
    let (parsed, _next) = reader.json_page(data);
    tax_batch_checks(parsed, &known);
}

/// The tax-system import, CSV.
pub fn tax_csv(data: &[u8]) {
    let known: HashSet<String> = ["tp-known".to_owned()].into();
    let reader = tax_reader(&known);
    tax_batch_checks(reader.csv(data), &known);
}

/// A photo upload: a header that declares more than [`PHOTO_MAX_PIXELS`]
/// (or an edge over JPEG's 65,535) is refused as too large by
/// [`photos::sniff`], which reads the header only, and so before any
/// pixel is decoded; what is accepted comes out a JPEG within
/// [`PHOTO_MAX_EDGE`].
pub fn photo(data: &[u8]) {
    // An independent reading of the header: the `image` crate's own.
    let declared = image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok());
    let sniffed = photos::sniff(data);
    if let Some((w, h)) = declared
        && (u64::from(w) * u64::from(h) > PHOTO_MAX_PIXELS || w > 65_535 || h > 65_535)
    {
        match &sniffed {
            Err(e) if e.0.code == ErrorCode::ImageTooLarge => {}
            // Another reason to refuse from the header (not JPEG or PNG
            // by its magic bytes, a header imagesize cannot read) is
            // also before decoding.
            Err(e) if e.0.code == ErrorCode::UnsupportedMediaType => {}
            other => panic!("a {w}×{h} header was not refused from the header: {other:?}"),
        }
        return;
    }
    if sniffed.is_err() {
        return;
    }
    if let Ok(clean) = photos::clean(data) {
        assert!(clean.width.max(clean.height) <= PHOTO_MAX_EDGE, "{}×{}", clean.width, clean.height);
        assert!(clean.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "not a JPEG");
    }
}
