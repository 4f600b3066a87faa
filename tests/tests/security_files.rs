//! The real `mm-server`'s files are its owner's only (security review
//! 2026-12, finding 24): the data directory 0700, the database and its
//! -wal/-shm 0600, photos and EZD package folders owner-only, including a
//! data directory that already existed with looser modes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use mm_e2e::{Server, reqwest};
use serde_json::{Value, json};

/// A small, valid PNG (stored deflate blocks).
fn png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend([(x * 7) as u8, (y * 5) as u8, 90]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let len = raw.len() as u16;
    z.push(1);
    z.extend(len.to_le_bytes());
    z.extend((!len).to_le_bytes());
    z.extend(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + byte as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A resident's report with one photo, through the API.
fn report_with_photo(url: &str) -> Result<()> {
    let http = reqwest::blocking_client();
    let dev: Value = http
        .post(format!("{url}/api/v1/devices"))
        .json(&json!({"platform": "android", "app_version": "1.0.0"}))
        .send()?
        .error_for_status()?
        .json()?;
    let token = dev["token"].as_str().context("device token")?;
    let photo: Value = http
        .post(format!("{url}/api/v1/photos"))
        .bearer_auth(token)
        .header("content-type", "image/png")
        .body(png(40, 30))
        .send()?
        .error_for_status()?
        .json()?;
    let report = json!({
        "category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15}, "location_source": "gps",
        "description": "Latarnia nie świeci od tygodnia.", "answers": {"kind": "not_lit"},
        "contact": {"name": "Jan Kowalski", "phone": "+48600100200"},
        "photo_ids": [photo["photo_id"]],
    });
    http.post(format!("{url}/api/v1/reports"))
        .bearer_auth(token)
        .header("idempotency-key", "6f1c9a7e-7f3e-4e0a-9d7a-2b1d5c3e8f10")
        .json(&report)
        .send()?
        .error_for_status()?;
    Ok(())
}

/// `ls -la`-style: the mode bits of a path.
fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).map(|m| m.permissions().mode() & 0o7777).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn listing(dir: &Path) -> String {
    std::process::Command::new("ls")
        .arg("-laR")
        .arg(dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Every entry under `dir` (and `dir` itself) with group or other bits set.
fn loose_entries(dir: &Path) -> Vec<String> {
    let mut loose = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if mode(&p) & 0o077 != 0 {
            loose.push(format!("{:o} {}", mode(&p), p.display()));
        }
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    loose
}

/// Waits until the EZD package adapter has written a folder for the report.
fn wait_for_package(ezd: &Path) -> Result<std::path::PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(dir) = std::fs::read_dir(ezd).ok().into_iter().flatten().flatten().map(|e| e.path()).find(|p| {
            p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("MM-"))
        }) {
            return Ok(dir);
        }
        ensure!(Instant::now() < deadline, "no EZD package under {} after 30 s:\n{}", ezd.display(), listing(ezd));
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn finding_24_a_new_data_directory_is_owner_only() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let server = Server::start(&data, true)?;
    report_with_photo(&server.url)?;
    let package = wait_for_package(&data.join("ezd"))?;

    let ls = listing(&data);
    ensure!(mode(&data) == 0o700, "data dir {:o}\n{ls}", mode(&data));
    for f in ["mm.sqlite", "mm.sqlite-wal", "mm.sqlite-shm"] {
        let p = data.join(f);
        ensure!(p.exists(), "{f} missing\n{ls}");
        ensure!(mode(&p) == 0o600, "{f} is {:o}\n{ls}", mode(&p));
    }
    ensure!(mode(&data.join("photos")) == 0o700, "photos/ {:o}\n{ls}", mode(&data.join("photos")));
    ensure!(mode(&data.join("ezd")) == 0o700, "ezd/ {:o}\n{ls}", mode(&data.join("ezd")));
    ensure!(mode(&package) == 0o700, "{} {:o}\n{ls}", package.display(), mode(&package));
    let loose = loose_entries(&data);
    ensure!(loose.is_empty(), "readable by others: {loose:#?}\n{ls}");
    server.stop()?;
    Ok(())
}

#[test]
fn finding_24_an_existing_data_directory_is_tightened() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    // As a first start with an older server (or `mkdir data`) left it.
    std::fs::create_dir(&data)?;
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755))?;
    let first = Server::start(&data, false)?;
    first.stop()?;
    std::fs::set_permissions(data.join("mm.sqlite"), std::fs::Permissions::from_mode(0o644))?;
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755))?;

    let server = Server::start(&data, true)?;
    let ls = listing(&data);
    ensure!(mode(&data) == 0o700, "the existing data dir stayed {:o}\n{ls}", mode(&data));
    ensure!(mode(&data.join("mm.sqlite")) == 0o600, "the existing database stayed {:o}\n{ls}", mode(&data.join("mm.sqlite")));
    report_with_photo(&server.url)?;
    wait_for_package(&data.join("ezd"))?;
    // Files made by this run are owner-only too.
    let loose: Vec<String> = loose_entries(&data);
    ensure!(loose.is_empty(), "readable by others: {loose:#?}\n{}", listing(&data));
    server.stop()?;
    Ok(())
}
