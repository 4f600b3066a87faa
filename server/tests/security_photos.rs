//! Security review, findings 5 and 6: photos are decoded under a pixel
//! limit checked from the header, re-encoded without metadata, stored and
//! sent to the EZD only as that clean copy, and served so that a browser
//! cannot take them for anything but an image. Photos stored before the
//! fix are cleaned by the start-up pass.

use crate::common;

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Resp, TestApp};
use mm_server::maintenance::{Maintenance, Retention};
use mm_server::reports::ratelimit::Limits;
use mm_server::store::Store;
use serde_json::json;

/// Strings the fixtures carry in their metadata; none may survive.
const SECRETS: &[&[u8]] = &[
    b"GPSLatitude",
    b"51.0335N",
    b"CAM-SERIAL-123456",
    b"Jan Kowalski",
    b"xmpmeta",
    b"ICC_PROFILE",
    b"<html>",
];

async fn app() -> TestApp {
    let t = TestApp::new().await;
    mm_server::demo::load(t.store.as_ref(), t.state.clock.now())
        .await
        .unwrap();
    t.state.limits.configure(Limits {
        device_per_hour: 10_000,
        ip_per_hour: 10_000,
    });
    t
}

async fn device(t: &TestApp) -> String {
    let r = t
        .call(
            "POST",
            "/api/v1/devices",
            None,
            Some(json!({"platform": "android", "app_version": "1.0.0"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

async fn upload(t: &TestApp, token: &str, ct: &str, bytes: Vec<u8>) -> Resp {
    let req = Request::post("/api/v1/photos")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", ct)
        .body(Body::from(bytes))
        .unwrap();
    t.send(req).await
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn photo(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend(((payload.len() + 2) as u16).to_be_bytes());
    s.extend(payload);
    s
}

/// A camera JPEG as the review's `exif.jpg`: EXIF with a GPS position,
/// the body's serial and the owner's name, XMP, an ICC profile, a
/// comment, and HTML after the end of the image.
fn camera_jpeg() -> Vec<u8> {
    let plain = photo(640, 480, image::ImageFormat::Jpeg);
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0\0\0\0\0".to_vec();
    exif.extend(b"GPSLatitude=51.0335N GPSLongitude=17.1500E BodySerialNumber=CAM-SERIAL-123456 Owner=Jan Kowalski");
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><dc:creator>Jan Kowalski</dc:creator></x:xmpmeta>";
    let icc = b"ICC_PROFILE\0\x01\x01not-really-a-profile";
    let mut out = plain[..2].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xE1, xmp));
    out.extend(segment(0xE2, icc));
    out.extend(segment(0xFE, b"Owner: Jan Kowalski"));
    out.extend(&plain[2..]);
    out.extend(b"<html><body><script>alert(document.domain)</script></body></html>");
    out
}

/// Every segment up to the image data is one a bare encoder writes: no
/// APP1..APP15 (EXIF, XMP, ICC, ...), no comment; and no secret anywhere.
fn assert_clean_jpeg(bytes: &[u8]) {
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    let mut i = 2;
    loop {
        assert_eq!(bytes[i], 0xFF, "a marker at {i}");
        let marker = bytes[i + 1];
        assert!(
            !(0xE1..=0xEF).contains(&marker) && marker != 0xFE,
            "metadata segment {marker:#x} survived"
        );
        if marker == 0xDA {
            break;
        }
        i += 2 + u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
    }
    for s in SECRETS {
        assert!(
            !contains(bytes, s),
            "{} survived",
            String::from_utf8_lossy(s)
        );
    }
}

/// Every file under `dir` (the photos directory).
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn photo_rows(t: &TestApp) -> i64 {
    t.sql().int("SELECT COUNT(*) FROM photos", &[])
}

#[tokio::test]
async fn finding_05_uploads_are_stored_served_and_sent_to_the_ezd_without_metadata() {
    let t = app().await;
    let token = device(&t).await;
    let raw = camera_jpeg();
    for s in &SECRETS[..6] {
        assert!(
            contains(&raw, s),
            "the fixture carries {}",
            String::from_utf8_lossy(s)
        );
    }
    let r = upload(&t, &token, "image/jpeg", raw.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["photo_id"].as_str().unwrap().to_owned();

    let got = t.get(&format!("/api/v1/photos/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "image/jpeg");
    assert_ne!(got.bytes, raw);
    assert_clean_jpeg(&got.bytes);
    let img = image::load_from_memory(&got.bytes).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (640, 480),
        "the pixels are kept"
    );

    // On disk, only the clean copy.
    let stored = files(&t.dir.path().join("photos"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_clean_jpeg(&std::fs::read(&stored[0]).unwrap());

    // The EZD package gets the clean copy too.
    let report = json!({"category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15},
        "description": "Latarnia przy przystanku nie świeci od tygodnia.",
        "answers": {"kind": "not_lit"}, "photo_ids": [id]});
    let req = Request::post("/api/v1/reports")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", "report-1")
        .header("content-type", "application/json")
        .body(Body::from(report.to_string()))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let ezd_dir = tempfile::tempdir().unwrap();
    let bridge = mm_server::ezd::bridge::Bridge::new(
        t.store.clone() as Arc<dyn Store>,
        Arc::new(mm_server::ezd::package::PackageEzd::new(ezd_dir.path()).unwrap()),
        Default::default(),
        t.state.clock.clone(),
    );
    assert_eq!(bridge.deliver_due().await.unwrap(), 1);
    let sent: Vec<_> = files(ezd_dir.path())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "zdjecie-1.jpg"))
        .collect();
    assert_eq!(sent.len(), 1, "{:?}", files(ezd_dir.path()));
    assert_clean_jpeg(&std::fs::read(&sent[0]).unwrap());
}

#[tokio::test]
async fn finding_05_a_large_png_becomes_a_clean_jpeg_of_at_most_2048_px() {
    let t = app().await;
    let token = device(&t).await;
    // A PNG with a text chunk naming its author, 3000×2000 px.
    let smooth = image::RgbImage::from_fn(3000, 2000, |x, y| {
        image::Rgb([(x / 12) as u8, (y / 8) as u8, 128])
    });
    let mut png = Cursor::new(Vec::new());
    smooth.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let png = png.into_inner();
    assert!(png.len() < 10 << 20);
    let ihdr_end = 8 + 8 + 13 + 4;
    let mut with_text = png[..ihdr_end].to_vec();
    let text = b"Author\0Jan Kowalski";
    with_text.extend((text.len() as u32).to_be_bytes());
    let mut body = b"tEXt".to_vec();
    body.extend(text);
    with_text.extend(&body);
    with_text.extend(crc32(&body).to_be_bytes());
    with_text.extend(&png[ihdr_end..]);
    assert!(image::load_from_memory(&with_text).is_ok(), "a valid PNG");

    let r = upload(&t, &token, "image/png", with_text.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["photo_id"].as_str().unwrap().to_owned();
    let got = t.get(&format!("/api/v1/photos/{id}")).await;
    assert_eq!(got.headers["content-type"], "image/jpeg");
    assert_clean_jpeg(&got.bytes);
    let img = image::load_from_memory(&got.bytes).unwrap();
    assert_eq!((img.width(), img.height()), (2048, 1365));
}

#[tokio::test]
async fn finding_05_the_same_upload_keeps_its_id_after_reencoding() {
    let t = app().await;
    let token = device(&t).await;
    let raw = camera_jpeg();
    let first = upload(&t, &token, "image/jpeg", raw.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let id = first.json()["photo_id"].as_str().unwrap().to_owned();
    // The id names the upload (the core refers to it in its report).
    assert_eq!(id, mm_server::auth::token::sha256_hex(&raw));
    let served = t.get(&format!("/api/v1/photos/{id}")).await.bytes;
    let again = upload(&t, &token, "image/jpeg", raw.clone()).await;
    assert_eq!(
        (again.status, again.json()["photo_id"].as_str().unwrap()),
        (StatusCode::OK, id.as_str())
    );
    assert_eq!(
        t.get(&format!("/api/v1/photos/{id}")).await.bytes,
        served,
        "the clean copy never changes"
    );
    assert_eq!(photo_rows(&t), 1);
    // Re-encoding is deterministic: a second server stores the same bytes.
    let other = app().await;
    let token2 = device(&other).await;
    assert_eq!(
        upload(&other, &token2, "image/jpeg", raw).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        other.get(&format!("/api/v1/photos/{id}")).await.bytes,
        served
    );
}

#[tokio::test]
async fn finding_06_a_decompression_bomb_is_refused_from_its_header_and_nothing_is_stored() {
    let t = app().await;
    let token = device(&t).await;
    let bomb = bomb_png(20_000, 20_000);
    assert!(bomb.len() < 60_000, "a few KB: {}", bomb.len());
    let started = std::time::Instant::now();
    let r = upload(&t, &token, "image/png", bomb).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "image_too_large"),
        "{}",
        r.text()
    );
    let body = r.json();
    assert_eq!(body["field"], "photo");
    assert!(
        body["message"]["en"]
            .as_str()
            .unwrap()
            .contains("20000×20000 px"),
        "{body}"
    );
    assert!(
        body["message"]["pl"]
            .as_str()
            .unwrap()
            .contains("rozdzielczość"),
        "{body}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused before decoding: {:?}",
        started.elapsed()
    );
    assert_eq!(photo_rows(&t), 0);
    assert!(files(&t.dir.path().join("photos")).is_empty());
}

#[tokio::test]
async fn finding_06_png_or_jpeg_magic_followed_by_html_is_refused() {
    let t = app().await;
    let token = device(&t).await;
    let real = photo(64, 48, image::ImageFormat::Png);
    // A real signature and IHDR (so the header parses), then HTML.
    let mut fake_png = real[..8 + 8 + 13 + 4].to_vec();
    fake_png.extend(b"<html><body><script>alert(document.domain)</script></body></html>");
    let jpeg = photo(64, 48, image::ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    let mut fake_jpeg = jpeg[..sof + 2 + 17].to_vec();
    fake_jpeg.extend(b"<html><body><script>alert(document.domain)</script></body></html>");
    for (ct, bytes) in [("image/png", fake_png), ("image/jpeg", fake_jpeg)] {
        let r = upload(&t, &token, ct, bytes).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "image_unreadable"),
            "{ct}: {}",
            r.text()
        );
        let body = r.json();
        assert!(
            !body["message"]["pl"].as_str().unwrap().is_empty()
                && !body["message"]["en"].as_str().unwrap().is_empty()
        );
    }
    assert_eq!(photo_rows(&t), 0);
    assert!(files(&t.dir.path().join("photos")).is_empty());
    // A real PNG with HTML after its end is a photo: stored without the HTML.
    let mut tail = real.clone();
    tail.extend(b"<html><body><script>alert(1)</script></body></html>");
    let r = upload(&t, &token, "image/png", tail).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let got = t
        .get(&format!(
            "/api/v1/photos/{}",
            r.json()["photo_id"].as_str().unwrap()
        ))
        .await;
    assert_clean_jpeg(&got.bytes);
}

#[tokio::test]
async fn finding_06_photos_are_served_with_nosniff_and_a_csp_that_allows_nothing() {
    let t = app().await;
    let token = device(&t).await;
    let r = upload(
        &t,
        &token,
        "image/jpeg",
        photo(32, 32, image::ImageFormat::Jpeg),
    )
    .await;
    let got = t
        .get(&format!(
            "/api/v1/photos/{}",
            r.json()["photo_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["x-content-type-options"], "nosniff");
    let csp = got.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
}

/// A database as the server before the fix left it (migrations 1 to 7),
/// with a camera photo and the review's bomb stored byte for byte.
#[tokio::test]
async fn finding_05_photos_stored_before_the_fix_are_cleaned_by_the_start_up_pass() {
    if !common::backend::sqlite_only("a SQLite database of migrations 1 to 7, from before PostgreSQL existed") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let raw = camera_jpeg();
    let bomb = bomb_png(20_000, 20_000);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let ids = [
        mm_server::auth::token::sha256_hex(&raw),
        mm_server::auth::token::sha256_hex(&bomb),
    ];
    {
        let mut c = rusqlite::Connection::open(dir.path().join("mm.sqlite")).unwrap();
        mm_server::store::sqlite::migrate_until(&mut c, 7).unwrap();
        for (id, ct, ext, bytes) in [
            (&ids[0], "image/jpeg", "jpg", &raw),
            (&ids[1], "image/png", "png", &bomb),
        ] {
            c.execute(
                "INSERT INTO photos (id, content_type, bytes, width, height, created_at) VALUES (?1, ?2, ?3, 1, 1, ?4)",
                rusqlite::params![id, ct, bytes.len() as i64, now],
            )
            .unwrap();
            let path = dir
                .path()
                .join("photos")
                .join(&id[..2])
                .join(format!("{id}.{ext}"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
    }
    let t = TestApp::in_dir(dir).await;
    // Before the pass, the raw file is what is on disk.
    assert!(
        files(&t.dir.path().join("photos"))
            .iter()
            .any(|p| contains(&std::fs::read(p).unwrap(), b"CAM-SERIAL-123456"))
    );
    let maintenance = Maintenance {
        store: t.store.clone() as Arc<dyn Store>,
        clock: t.state.clock.clone(),
        retention: Retention::default(),
    };
    let done = maintenance.run_once().await.unwrap();
    assert_eq!(
        (done.photos_cleaned, done.photos_undecodable),
        (1, 1),
        "{done:?}"
    );
    let got = t.get(&format!("/api/v1/photos/{}", ids[0])).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_clean_jpeg(&got.bytes);
    assert_eq!(
        t.get(&format!("/api/v1/photos/{}", ids[1])).await.status,
        StatusCode::NOT_FOUND
    );
    let left = files(&t.dir.path().join("photos"));
    assert_eq!(left.len(), 1, "only the clean copy: {left:?}");
    assert_clean_jpeg(&std::fs::read(&left[0]).unwrap());
    // Done once: the next pass has nothing to clean.
    let again = maintenance.run_once().await.unwrap();
    assert_eq!((again.photos_cleaned, again.photos_undecodable), (0, 0));
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims `width`×`height` 1-bit grey pixels, all
/// black, compressed as tightly as DEFLATE allows (one dynamic Huffman
/// block: 2 bits per 258 zero bytes); 20000×20000 px is 48 KB, as the
/// review's `bomb.png` was. (The same fixture as the core's.)
fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn num(&mut self, v: u64, len: u32) {
            self.acc |= v << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        fn code(&mut self, code: u64, len: u32) {
            for i in (0..len).rev() {
                self.num((code >> i) & 1, 1);
            }
        }
    }
    let raw_len = u64::from(height) * (1 + u64::from(width.div_ceil(8)));
    let mut b = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        n: 0,
    };
    b.num(1, 1);
    b.num(2, 2);
    b.num(29, 5);
    b.num(0, 5);
    b.num(14, 4);
    for sym in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        b.num(
            match sym {
                18 => 1,
                1 | 2 => 2,
                _ => 0,
            },
            3,
        );
    }
    b.code(0b11, 2);
    b.code(0, 1);
    b.num(138 - 11, 7);
    b.code(0, 1);
    b.num(117 - 11, 7);
    b.code(0b11, 2);
    b.code(0, 1);
    b.num(28 - 11, 7);
    b.code(0b10, 2);
    b.code(0b10, 2);
    b.code(0b10, 2);
    let mut left = raw_len - 1;
    while left >= 258 {
        b.code(0, 1);
        b.code(0, 1);
        left -= 258;
    }
    for _ in 0..left {
        b.code(0b10, 2);
    }
    b.code(0b11, 2);
    b.num(0, 7);
    let mut z = b.out;
    z.extend(((((raw_len % 65_521) as u32) << 16) | 1).to_be_bytes());
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &z);
    chunk(&mut png, b"IEND", &[]);
    png
}
