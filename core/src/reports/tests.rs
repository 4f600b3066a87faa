//! Reports in the core: photo normalisation, drafts that survive a reopen,
//! the duplicate check, and the outbox flow against a fake server.

use std::path::Path;

use chrono::{DateTime, Utc};
use image::{ImageEncoder, RgbImage};
use serde_json::{Value, json};

use super::model::*;
use super::*;
use crate::store::Store;
use crate::sync::client::Http;
use crate::testing::*;

fn now() -> DateTime<Utc> {
    "2026-03-10T12:00:00Z".parse().unwrap()
}

// ---- fixtures ----

fn lamp_category() -> Value {
    json!({"id": "street_lamp", "name_pl": "Awaria latarni", "name_en": "Street lamp failure",
        "attributes": [{"code": "kind", "label_pl": "Rodzaj awarii", "label_en": "Kind of failure",
            "datatype": "single_choice", "required": true,
            "values": [{"key": "not_lit", "name_pl": "Nie świeci", "name_en": "Not lit"}]}],
        "target_hours": 72, "active": true})
}

fn road_category() -> Value {
    json!({"id": "road_damage", "name_pl": "Uszkodzenie drogi", "name_en": "Road damage", "active": true})
}

fn report_json(id: i64, category: &str, lat: f64, lon: f64, status: &str) -> Value {
    json!({"id": id, "category": category, "point": {"lat": lat, "lon": lon},
        "description": format!("Zgłoszenie testowe numer {id}."), "status": status,
        "created_at": "2026-03-01T10:00:00Z", "updated_at": "2026-03-01T10:00:00Z",
        "history": [{"status": "new", "at": "2026-03-01T10:00:00Z"}], "followers": 0})
}

fn seeded_store(dir: &Path) -> Store {
    let store = Store::open(&dir.join("mm.sqlite3")).unwrap();
    let p = parse_page(page(
        vec![
            upsert(1, "gmina", gmina()),
            upsert(2, "report_categories", lamp_category()),
            upsert(3, "report_categories", road_category()),
        ],
        "3",
        false,
    ));
    store
        .write(|tx| crate::sync::apply_page(tx, &p, now()))
        .unwrap();
    store
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A camera-like JPEG: an APP1 Exif segment (orientation 6 = rotate 90°
/// clockwise, and a GPS IFD with a position) inserted after SOI by hand.
fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| {
        image::Rgb([if x < w / 2 { 255 } else { 0 }, 0, 0])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&img)
        .unwrap();
    // TIFF, little endian: IFD0 at 8 with Orientation and a GPS IFD pointer.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    // Orientation (0x0112), SHORT, 1, value 6.
    tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    // GPSInfo (0x8825), LONG, 1, offset 38 (8 + 2 + 24 + 4).
    tiff.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0]);
    tiff.extend(38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD: GPSLatitudeRef "N", GPSLatitude 51/1 2/1 0/1 (offset 68).
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend([0x02, 0x00, 5, 0, 3, 0, 0, 0]);
    tiff.extend(68u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len(), 68);
    for (n, d) in [(51u32, 1u32), (2, 1), (0, 1)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(&payload);
    out.extend(&plain[2..]);
    out
}

// ---- normalisation ----

#[test]
fn a_camera_jpeg_loses_exif_and_gps_and_is_turned_upright() {
    let input = jpeg_with_exif(64, 48);
    // The fixture really carries what must go.
    let before = photos::jpeg_segments(&input);
    assert!(
        before
            .iter()
            .any(|(m, p)| *m == 0xE1 && p.starts_with(b"Exif"))
    );
    assert!(contains(&input, b"Exif"));

    let n = photos::normalise(&input).unwrap();
    let decoded = image::load_from_memory_with_format(&n.jpeg, image::ImageFormat::Jpeg).unwrap();
    // Orientation 6: the 64x48 landscape becomes a 48x64 portrait.
    assert_eq!((decoded.width(), decoded.height()), (48, 64));
    assert_eq!((n.width, n.height), (48, 64));
    let segments = photos::jpeg_segments(&n.jpeg);
    assert!(segments.iter().any(|(m, _)| *m == 0xDA), "has image data");
    for (marker, payload) in &segments {
        assert!(
            *marker != 0xE1 && !(0xE2..=0xEF).contains(marker) && *marker != 0xFE,
            "metadata segment {marker:#x} survived"
        );
        assert!(!contains(payload, b"Exif") && !contains(payload, b"GPS"));
    }
    assert!(!contains(&n.jpeg, b"Exif"));
    assert_eq!(n.id, photos::sha256_hex(&n.jpeg));
}

#[test]
fn a_large_png_is_scaled_to_2048_and_becomes_a_jpeg() {
    let n = photos::normalise(&png(4000, 3000)).unwrap();
    let decoded = image::load_from_memory_with_format(&n.jpeg, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (2048, 1536));
    assert_eq!(&n.jpeg[..2], &[0xFF, 0xD8]);
    assert!(
        photos::jpeg_segments(&n.jpeg)
            .iter()
            .all(|(m, _)| *m != 0xE1)
    );
    // Small ones keep their size.
    let small = photos::normalise(&png(300, 200)).unwrap();
    assert_eq!((small.width, small.height), (300, 200));
}

#[test]
fn non_images_are_rejected_with_a_clear_error() {
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let mut truncated = jpeg_with_exif(64, 48);
    truncated.truncate(truncated.len() / 2);
    for bad in [
        b"hello, not a photo".to_vec(),
        gif,
        vec![],
        truncated,
        b"%PDF-1.4\n".to_vec(),
    ] {
        let e = photos::normalise(&bad).err().expect("rejected");
        assert_eq!(e.code(), "invalid_input", "{e:?}");
        assert!(matches!(&e, Error::InvalidInput { field, .. } if field == "photo"));
        assert!(!e.message().pl.is_empty() && !e.message().en.is_empty());
    }
    let huge = vec![0u8; photos::INPUT_MAX_BYTES + 1];
    assert_eq!(
        photos::normalise(&huge).err().unwrap().code(),
        "invalid_input"
    );
}

// ---- drafts ----

#[test]
fn drafts_persist_across_a_reopen_and_take_at_most_five_photos() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::CoreConfig {
        data_dir: dir.path().join("data"),
        gmina: Some(crate::testing::siechnice()),
        server_url: Some("http://127.0.0.1:9".into()),
        platform: crate::Platform::Cli,
        app_version: "1.0.0".into(),
        locale: None,
    };
    let (id, photo) = {
        let core = crate::Core::open(config.clone()).unwrap();
        let d = core.reports().create_draft("street_lamp").unwrap();
        core.reports().update_draft(
            &d.id,
            ReportDraftUpdate {
                point: Some(GeoPoint {
                    lat: 51.03,
                    lon: 17.15,
                }),
                accuracy_m: Some(6.0),
                location_source: Some(mm_protocol::reports::LocationSource::Gps),
                description: Some("Latarnia przy szkole nie świeci.".into()),
                answers: Some([("kind".to_string(), "not_lit".to_string())].into()),
                ..Default::default()
            },
        )
        .unwrap();
        let photo = core.reports().add_photo(&d.id, png(40, 30)).unwrap();
        assert!(Path::new(&photo.path).exists());
        assert!(
            photo
                .path
                .starts_with(config.data_dir.join("gminas/0223083/photos").to_str().unwrap())
        );
        // The same photo twice is one photo.
        assert_eq!(core.reports().add_photo(&d.id, png(40, 30)).unwrap(), photo);
        (d.id, photo)
    };
    let core = crate::Core::open(config.clone()).unwrap();
    let d = core.reports().draft(&id).unwrap();
    assert_eq!(d.category, "street_lamp");
    assert_eq!(
        d.point,
        Some(GeoPoint {
            lat: 51.03,
            lon: 17.15
        })
    );
    assert_eq!(d.accuracy_m, Some(6.0));
    assert_eq!(d.description, "Latarnia przy szkole nie świeci.");
    assert_eq!(d.answers.get("kind").map(String::as_str), Some("not_lit"));
    assert_eq!(d.photos, vec![photo.clone()]);
    assert_eq!(core.reports().drafts().unwrap().len(), 1);
    // A moved pin has no accuracy.
    let d = core
        .reports().update_draft(
            &id,
            ReportDraftUpdate {
                point: Some(GeoPoint {
                    lat: 51.031,
                    lon: 17.15,
                }),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(d.accuracy_m, None);

    for i in 1..5 {
        core.reports().add_photo(&id, png(40 + i, 30)).unwrap();
    }
    let e = core.reports().add_photo(&id, png(99, 30)).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(core.reports().draft(&id).unwrap().photos.len(), 5);
    let e = core
        .reports().add_photo(&id, b"not an image".to_vec())
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");

    core.reports().remove_photo(&id, &photo.id).unwrap();
    assert!(!Path::new(&photo.path).exists(), "an unused file goes");
    core.reports().delete_draft(&id).unwrap();
    assert!(core.reports().drafts().unwrap().is_empty());
    assert_eq!(core.reports().draft(&id).unwrap_err().code(), "not_found");
    assert_eq!(
        std::fs::read_dir(config.data_dir.join("gminas/0223083/photos"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn validation_names_the_field_and_checks_the_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let d = create_draft(&store, dir.path(), "street_lamp", now()).unwrap();
    let field = |store: &Store| match store.read(|c| validate(c, &d.id)) {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(&store), "point");
    let up = |u: ReportDraftUpdate| update_draft(&store, dir.path(), &d.id, u, now()).unwrap();
    up(ReportDraftUpdate {
        point: Some(GeoPoint {
            lat: 51.05,
            lon: 17.1,
        }),
        description: Some("Ciemno".into()),
        ..Default::default()
    });
    assert_eq!(field(&store), "description");
    up(ReportDraftUpdate {
        description: Some("Latarnia nie świeci od tygodnia.".into()),
        ..Default::default()
    });
    assert_eq!(field(&store), "answers.kind");
    up(ReportDraftUpdate {
        answers: Some([("kind".to_string(), "not_lit".to_string())].into()),
        ..Default::default()
    });
    store.read(|c| validate(c, &d.id)).unwrap();
    // Anywhere in the (test) gmina's box is fine; north of it is not.
    up(ReportDraftUpdate {
        point: Some(GeoPoint {
            lat: 51.11,
            lon: 17.032,
        }),
        ..Default::default()
    });
    store.read(|c| validate(c, &d.id)).unwrap();
    up(ReportDraftUpdate {
        point: Some(GeoPoint {
            lat: 51.25,
            lon: 17.1,
        }),
        ..Default::default()
    });
    assert_eq!(field(&store), "point");
    // Submitting an invalid draft changes nothing.
    assert!(submit(&store, &d.id, now()).is_err());
    assert!(store.read(|c| store::draft_fields(c, &d.id)).is_ok());
    assert!(store.read(store::my_reports).unwrap().is_empty());
}

// ---- duplicates ----

#[test]
fn duplicates_are_open_reports_of_the_same_category_within_30_m_nearest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let base = GeoPoint {
        lat: 51.05,
        lon: 17.1,
    };
    // 1 m of latitude ≈ 1/111195 degree.
    let north = |m: f64| base.lat + m / 111_195.0;
    let p = parse_page(page(
        vec![
            upsert(
                4,
                "reports",
                report_json(1, "street_lamp", north(20.0), base.lon, "new"),
            ),
            upsert(
                5,
                "reports",
                report_json(2, "street_lamp", north(5.0), base.lon, "accepted"),
            ),
            upsert(
                6,
                "reports",
                report_json(3, "street_lamp", north(28.0), base.lon, "in_progress"),
            ),
            upsert(
                7,
                "reports",
                report_json(4, "street_lamp", north(35.0), base.lon, "new"),
            ),
            upsert(
                8,
                "reports",
                report_json(5, "road_damage", north(1.0), base.lon, "new"),
            ),
            upsert(
                9,
                "reports",
                report_json(6, "street_lamp", north(2.0), base.lon, "resolved"),
            ),
            // East-west: 15 m of longitude at 51° is ~0.000215°.
            upsert(
                10,
                "reports",
                report_json(7, "street_lamp", base.lat, base.lon + 0.000215, "new"),
            ),
            upsert(
                11,
                "reports",
                report_json(8, "street_lamp", base.lat, base.lon + 0.000572, "new"),
            ),
        ],
        "11",
        false,
    ));
    store
        .write(|tx| crate::sync::apply_page(tx, &p, now()))
        .unwrap();
    let d = create_draft(&store, dir.path(), "street_lamp", now()).unwrap();
    assert!(
        store
            .read(|c| possible_duplicates(c, &d.id))
            .unwrap()
            .is_empty(),
        "no point yet"
    );
    update_draft(
        &store,
        dir.path(),
        &d.id,
        ReportDraftUpdate {
            point: Some(base),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    let dups = store.read(|c| possible_duplicates(c, &d.id)).unwrap();
    let ids: Vec<i64> = dups.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![2, 7, 1, 3]);
    assert!(
        (dups[0].distance_m - 5.0).abs() < 0.5,
        "{}",
        dups[0].distance_m
    );
    assert!(dups.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));

    // A report resolved later, or deleted, stops being a duplicate.
    let p = parse_page(page(
        vec![
            upsert(
                12,
                "reports",
                report_json(2, "street_lamp", north(5.0), base.lon, "resolved"),
            ),
            delete(13, "reports", "1"),
        ],
        "13",
        false,
    ));
    store
        .write(|tx| crate::sync::apply_page(tx, &p, now()))
        .unwrap();
    let ids: Vec<i64> = store
        .read(|c| possible_duplicates(c, &d.id))
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![7, 3]);
    // "Near me" with every status and category.
    let all = store.read(|c| near(c, base, 100.0, None, false)).unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all[0].id, 5);
    assert!(store.read(|c| near(c, base, 0.0, None, false)).is_err());
}

// ---- the outbox flow ----

fn photo_answer(id: &str) -> Reply {
    Reply::Json(
        201,
        json!({"photo_id": id, "url": format!("/api/v1/photos/{id}")}),
    )
}

fn valid_draft(store: &Store, dir: &Path, description: &str) -> (String, PhotoInfo) {
    let d = create_draft(store, dir, "street_lamp", now()).unwrap();
    update_draft(
        store,
        dir,
        &d.id,
        ReportDraftUpdate {
            point: Some(GeoPoint {
                lat: 51.05,
                lon: 17.1,
            }),
            description: Some(description.into()),
            answers: Some([("kind".to_string(), "not_lit".to_string())].into()),
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    let photo = add_photo(store, dir, &d.id, &png(64, 64), now()).unwrap();
    (d.id, photo)
}

fn make_due(store: &Store) {
    store
        .write(|tx| Ok(tx.execute("UPDATE outbox SET next_attempt_at = 0", [])?))
        .unwrap();
}

#[tokio::test]
async fn a_report_is_retried_with_the_same_key_and_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    store
        .write(|tx| {
            crate::devices::save(
                tx,
                &serde_json::from_value(json!({"device_id": "d", "token": "tok"})).unwrap(),
                now(),
            )
        })
        .unwrap();
    let (draft_id, photo) = valid_draft(&store, dir.path(), "Latarnia przy szkole nie świeci.");
    let mine = submit(&store, &draft_id, now()).unwrap();
    assert_eq!(mine.state, MyReportState::Queued);
    assert_eq!(mine.photo_count, 1);
    assert!(
        store.read(|c| store::draft_fields(c, &draft_id)).is_err(),
        "the draft is gone"
    );
    assert!(Path::new(&photo.path).exists());

    let server = FakeServer::start().await;
    server
        .reply(photo_answer(&photo.id))
        .reply(Reply::Status(500));
    let http = Http::new("1.0.0", mm_protocol::devices::Platform::Cli, None).unwrap();
    let f = outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    assert_eq!((f.sent, f.pending, f.failed), (0, 1, 0));
    let mine = store.read(|c| store::my_report(c, mine.local_id)).unwrap();
    assert_eq!(mine.state, MyReportState::Sending);
    assert_eq!(mine.error.as_ref().unwrap().code, "internal");
    assert!(Path::new(&photo.path).exists(), "kept until acknowledged");

    let mut report = report_json(41, "street_lamp", 51.05, 17.1, "new");
    report["photos"] = json!([{"id": photo.id, "url": format!("/api/v1/photos/{}", photo.id)}]);
    server.reply(Reply::Json(201, report));
    make_due(&store);
    let f = outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    assert_eq!((f.sent, f.pending, f.failed), (1, 0, 0));

    let reqs = server.requests();
    let paths: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("POST", "/api/v1/photos"),
            ("POST", "/api/v1/reports"),
            ("POST", "/api/v1/reports")
        ],
        "the photo is uploaded once"
    );
    assert_eq!(reqs[0].header("content-type"), Some("image/jpeg"));
    assert_eq!(reqs[0].header("authorization"), Some("Bearer tok"));
    let (k1, k2) = (
        reqs[1].header("idempotency-key").unwrap(),
        reqs[2].header("idempotency-key").unwrap(),
    );
    assert_eq!(k1, k2, "a retry carries the same key");
    assert_eq!(reqs[1].body, reqs[2].body, "and the same body");
    let body: Value = serde_json::from_str(&reqs[1].body).unwrap();
    assert_eq!(body["photo_ids"], json!([photo.id]));
    assert_eq!(body["answers"]["kind"], "not_lit");

    let mine = store.read(|c| store::my_report(c, mine.local_id)).unwrap();
    assert_eq!(mine.state, MyReportState::Sent);
    assert_eq!(mine.server_id, Some(41));
    assert_eq!(mine.status, Some(mm_protocol::reports::ReportStatus::New));
    assert_eq!(mine.photo_count, 1);
    assert!(mine.error.is_none());
    assert!(
        !Path::new(&photo.path).exists(),
        "deleted after the acknowledgement"
    );

    // A status change by sync notifies, once.
    let mut accepted = report_json(41, "street_lamp", 51.05, 17.1, "accepted");
    accepted["history"] = json!([{"status": "new", "at": "2026-03-01T10:00:00Z"},
        {"status": "accepted", "at": "2026-03-02T10:00:00Z", "public_reply": "Przekazano do naprawy."}]);
    accepted["updated_at"] = json!("2026-03-02T10:00:00Z");
    let p = parse_page(page(
        vec![
            upsert(20, "reports", accepted.clone()),
            upsert(21, "reports", accepted),
        ],
        "21",
        false,
    ));
    let out = store
        .write(|tx| crate::sync::apply_page(tx, &p, now()))
        .unwrap();
    assert_eq!(out.notifications.len(), 1);
    let note = &out.notifications[0];
    assert_eq!(note.kind, KIND_REPORT_STATUS);
    assert_eq!(note.body, "Przekazano do naprawy.");
    assert_eq!(note.entity_id.as_deref(), Some("41:2"));
    assert_eq!(note.link(), crate::NotificationLink::Report { report_id: 41 });
    let mine = store.read(|c| store::my_report(c, mine.local_id)).unwrap();
    assert_eq!(mine.report.unwrap().history.len(), 2);
    // Someone else's report changing status is no news to this device.
    let p = parse_page(page(
        vec![upsert(
            22,
            "reports",
            report_json(77, "street_lamp", 51.05, 17.1, "accepted"),
        )],
        "22",
        false,
    ));
    assert!(
        store
            .write(|tx| crate::sync::apply_page(tx, &p, now()))
            .unwrap()
            .notifications
            .is_empty()
    );
}

#[tokio::test]
async fn a_refused_report_fails_with_the_servers_message_and_can_be_edited_or_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    store
        .write(|tx| {
            crate::devices::save(
                tx,
                &serde_json::from_value(json!({"device_id": "d", "token": "tok"})).unwrap(),
                now(),
            )
        })
        .unwrap();
    let (draft_id, photo) = valid_draft(&store, dir.path(), "Latarnia przy szkole nie świeci.");
    let mine = submit(&store, &draft_id, now()).unwrap();
    let server = FakeServer::start().await;
    server.reply(photo_answer(&photo.id)).reply(Reply::Json(
        400,
        json!({"code": "invalid_field", "field": "point",
            "message": {"pl": "Punkt leży poza gminą.", "en": "The point lies outside the gmina."}}),
    ));
    let http = Http::new("1.0.0", mm_protocol::devices::Platform::Cli, None).unwrap();
    let f = outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    assert_eq!((f.sent, f.pending, f.failed), (0, 0, 1));
    let failed = store.read(|c| store::my_report(c, mine.local_id)).unwrap();
    assert_eq!(failed.state, MyReportState::Failed);
    let err = failed.error.unwrap();
    assert_eq!(err.code, "invalid_field");
    assert_eq!(err.field.as_deref(), Some("point"));
    assert_eq!(err.message.pl, "Punkt leży poza gminą.");
    assert!(Path::new(&photo.path).exists());
    // Not retried.
    make_due(&store);
    outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    // Edit and resend: back to a draft with its photo, then a new key.
    let draft = failed_to_draft(&store, dir.path(), mine.local_id, now()).unwrap();
    assert_eq!(draft.photos.len(), 1);
    assert_eq!(draft.description, "Latarnia przy szkole nie świeci.");
    assert!(store.read(store::my_reports).unwrap().is_empty());
    assert_eq!(store.read(outbox::counts).unwrap(), (0, 0));
    let again = submit(&store, &draft.id, now()).unwrap();
    server.reply(photo_answer(&photo.id)).reply(Reply::Json(
        422,
        json!({"code": "invalid_field", "field": "description", "message": {"pl": "Nie.", "en": "No."}}),
    ));
    outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    let reqs = server.requests();
    assert_ne!(
        reqs[1].header("idempotency-key"),
        reqs[3].header("idempotency-key")
    );
    assert_eq!(
        store
            .read(|c| store::my_report(c, again.local_id))
            .unwrap()
            .state,
        MyReportState::Failed
    );
    discard(&store, dir.path(), again.local_id).unwrap();
    assert!(store.read(store::my_reports).unwrap().is_empty());
    assert!(!Path::new(&photo.path).exists());
    assert_eq!(store.read(outbox::counts).unwrap(), (0, 0));
}

#[tokio::test]
async fn offline_leaves_it_queued_and_follow_goes_through_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    store
        .write(|tx| {
            crate::devices::save(
                tx,
                &serde_json::from_value(json!({"device_id": "d", "token": "tok"})).unwrap(),
                now(),
            )
        })
        .unwrap();
    let (draft_id, _) = valid_draft(&store, dir.path(), "Latarnia przy szkole nie świeci.");
    let mine = submit(&store, &draft_id, now()).unwrap();
    let http = Http::new("1.0.0", mm_protocol::devices::Platform::Cli, None).unwrap();
    // Nothing listens on port 9.
    let f = outbox::flush(&store, &http, "http://127.0.0.1:9")
        .await
        .unwrap();
    assert_eq!((f.sent, f.pending), (0, 1));
    let m = store.read(|c| store::my_report(c, mine.local_id)).unwrap();
    assert_eq!(m.state, MyReportState::Sending);
    assert_eq!(m.error.unwrap().code, "network");
    discard(&store, dir.path(), mine.local_id).unwrap_err();

    let server = FakeServer::start().await;
    set_followed(&store, 9, true, now()).unwrap();
    set_followed(&store, 9, true, now()).unwrap();
    store
        .write(|tx| Ok(tx.execute("DELETE FROM outbox WHERE kind = 'submit_report'", [])?))
        .unwrap();
    server.reply(Reply::Status(204));
    let f = outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    assert_eq!(f.sent, 1, "following twice is one request");
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/api/v1/reports/9/follow")
    );
    set_followed(&store, 9, false, now()).unwrap();
    server.reply(Reply::Status(204));
    outbox::flush(&store, &http, &server.url)
        .await
        .unwrap();
    let r = &server.requests()[1];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("DELETE", "/api/v1/reports/9/follow")
    );
}

/// The review and detail screens, answer normalisation and my reports'
/// words come from the core (the bindings and both shells composed them).
#[tokio::test]
async fn the_review_names_the_step_to_fix_and_answers_are_normalised() {
    let server = FakeServer::start().await;
    server.reply(Reply::Json(201, json!({"device_id": "dev-1", "token": "tok-1"}))).reply(Reply::Json(
        200,
        page(
            vec![
                upsert(1, "gmina", gmina()),
                upsert(2, "report_categories", lamp_category()),
                upsert(3, "reports", report_json(50, "street_lamp", 51.1, 17.1, "new")),
            ],
            "3",
            false,
        ),
    ));
    let dir = tempfile::tempdir().unwrap();
    let core = crate::Core::open(crate::CoreConfig {
        data_dir: dir.path().join("data"),
        gmina: Some(crate::testing::siechnice()),
        server_url: Some(server.url.clone()),
        platform: mm_protocol::devices::Platform::Cli,
        app_version: "1.0.0".into(),
        locale: Some("pl_PL".into()),
    })
    .unwrap();
    core.sync(crate::SyncOptions::default(), None).await.unwrap();
    let reports = core.reports();

    let d = reports.create_draft("street_lamp").unwrap();
    assert_eq!(d.resume_step(), flow::ReportStep::Location);
    assert_eq!(d.photo_slots_left(), 5);
    let answers = [("kind", "  not_lit "), ("lamp_number", "   ")].map(|(k, v)| (k.to_owned(), v.to_owned()));
    let d = reports.update_draft(&d.id, ReportDraftUpdate { answers: Some(answers.into()), ..Default::default() }).unwrap();
    assert_eq!(d.answers, [("kind".to_owned(), "not_lit".to_owned())].into(), "trimmed; a blank answer is none");

    let review = reports.review(&d.id).unwrap();
    let problem = review.problem.expect("no point yet");
    assert_eq!((problem.code.as_str(), problem.field.as_str(), problem.step), ("invalid_input", "point", flow::ReportStep::Location));
    assert_eq!(review.category.map(|c| c.id).as_deref(), Some("street_lamp"));
    let update = ReportDraftUpdate {
        point: Some(GeoPoint { lat: 51.1001, lon: 17.1 }),
        description: Some("Latarnia nie świeci od trzech dni.".into()),
        ..Default::default()
    };
    reports.update_draft(&d.id, update).unwrap();
    let review = reports.review(&d.id).unwrap();
    assert_eq!(review.problem, None);
    assert_eq!(review.possible_duplicates.iter().map(|r| r.id).collect::<Vec<_>>(), [50]);

    let detail = reports.detail(50).unwrap();
    assert!(!detail.followed);
    assert_eq!(detail.category.map(|c| c.id).as_deref(), Some("street_lamp"));
    reports.follow(50).unwrap();
    assert!(reports.detail(50).unwrap().followed);
    assert_eq!(reports.detail(51).unwrap_err().code(), "not_found");

    let mine = reports.submit_draft(&d.id).unwrap();
    assert_eq!(mine.state_text, "Czeka na wysłanie");
    assert!(mine.actions.can_discard && !mine.actions.can_edit);
    assert_eq!(reports.mine().unwrap()[0].state_text, "Czeka na wysłanie");
    assert_eq!(reports.rules().max_photos, 5);
}

#[test]
fn a_status_change_is_raised_only_if_the_devices_topics_want_it() {
    use mm_protocol::notifications::{Lang, Topic};

    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    // Report 61 is mine (sent from here), 62 a followed one.
    store
        .write(|tx| {
            tx.execute(
                "INSERT INTO my_reports (state, server_id, request, created_at) VALUES ('sent', 61, '{}', 0)",
                [],
            )?;
            store::set_followed(tx, 62, true, now())
        })
        .unwrap();
    let step = |seq: u64, id: i64, status: &str| {
        let mut r = report_json(id, "street_lamp", 51.05, 17.1, status);
        r["history"] = json!([{"status": "new", "at": "2026-03-01T10:00:00Z"}, {"status": status, "at": "2026-03-02T10:00:00Z"}]);
        let p = parse_page(page(vec![upsert(seq, "reports", r)], &seq.to_string(), false));
        store.write(|tx| crate::sync::apply_page(tx, &p, now())).unwrap().notifications
    };
    let settings = |topics: Vec<Topic>| {
        let edit = crate::SubscriptionEdit {
            topics,
            event_categories: vec![],
            areas: vec![],
            quiet_hours: None,
            lang: Lang::Pl,
        };
        store.write(|tx| crate::notifications::subscription::queue(tx, &edit, now())).unwrap();
    };

    // "My reports" off, "followed reports" on: only the followed one.
    settings(vec![Topic::News, Topic::FollowedReports]);
    assert!(step(10, 61, "accepted").is_empty(), "mine, muted");
    let raised = step(11, 62, "accepted");
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].entity_id.as_deref(), Some("62:2"));

    // The other way round.
    settings(vec![Topic::MyReports]);
    assert_eq!(step(12, 61, "in_progress").len(), 1, "mine");
    assert!(step(13, 62, "in_progress").is_empty(), "followed, muted");

    // Muting kept the status: the report shows its step all the same.
    let shown = store.read(store::followed).unwrap();
    assert_eq!(shown.iter().find(|r| r.id == 62).map(|r| r.status), Some(mm_protocol::reports::ReportStatus::InProgress));
}
