//! Reports made through the core (`mm report new`), end to end against the
//! real server: offline then delivered exactly once; the client killed
//! between the server's commit and the answer; an official's status
//! changes and public replies coming back by sync as notifications.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use mm_e2e::proxy::SlowProxy;
use mm_e2e::{Mm, Server, reqwest};
use serde_json::{Value, json};

// Siechnice, inside the demo gmina.
const LAT: &str = "51.0335";
const LON: &str = "17.15";

/// A small, valid PNG written by hand (stored deflate blocks), different per `seed`.
fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
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
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend([
                (x as u8).wrapping_mul(seed),
                (y as u8).wrapping_add(seed),
                seed,
            ]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend(len.to_le_bytes());
        z.extend((!len).to_le_bytes());
        z.extend(*block);
    }
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
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn photo_files(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let (a, b) = (dir.join("lampa1.png"), dir.join("lampa2.png"));
    std::fs::write(&a, png(120, 80, 3))?;
    std::fs::write(&b, png(90, 160, 7))?;
    Ok((a, b))
}

fn new_report_args<'a>(description: &'a str, a: &'a Path, b: &'a Path) -> Vec<String> {
    [
        "report",
        "new",
        "--category",
        "street_lamp",
        "--lat",
        LAT,
        "--lon",
        LON,
        "--accuracy",
        "8",
        "--description",
        description,
        "--answer",
        "kind=not_lit",
        "--yes",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        "--photo".into(),
        a.display().to_string(),
        "--photo".into(),
        b.display().to_string(),
    ])
    .collect()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Every public report with this description, straight from the API.
fn server_reports_with(url: &str, description: &str) -> Result<Vec<Value>> {
    let all: Vec<Value> = reqwest::blocking_client()
        .get(format!(
            "{url}/api/v1/reports/near?lat={LAT}&lon={LON}&radius_m=200"
        ))
        .send()?
        .error_for_status()?
        .json()?;
    Ok(all
        .into_iter()
        .filter(|r| r["description"] == description)
        .collect())
}

fn mine_with(mm: &Mm, description: &str) -> Result<Vec<Value>> {
    let mine = mm.json(&["reports"])?;
    Ok(mine
        .as_array()
        .context("reports is a list")?
        .iter()
        .filter(|m| m["description"] == description)
        .cloned()
        .collect())
}

#[test]
fn made_offline_then_delivered_exactly_once_with_two_photos() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let server = Server::start(&server_dir, true)?;
    let addr = server.addr();
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    mm.json(&["sync"])?; // categories, the boundary, the device's registration
    ensure!(
        mm.json(&["report-categories"])?
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    ensure!(server.stop()?.success());

    let (a, b) = photo_files(&tmp.path().join("photos"))?;
    let description = "Latarnia przy ul. Jana Pawła II nie świeci od tygodnia (offline).";
    let queued = mm.json(&args(&new_report_args(description, &a, &b)))?;
    ensure!(queued["server_id"].is_null(), "{queued}");
    ensure!(
        queued["state"] == "queued" || queued["state"] == "sending",
        "{queued}"
    );
    ensure!(queued["photo_count"] == 2, "{queued}");
    let shown = mm.json(&["report", "--local", &queued["local_id"].to_string()])?;
    ensure!(shown["local_id"] == queued["local_id"]);

    // The same server comes back on the same address.
    let server = Server::start_at(&server_dir, true, &addr, &[])?;
    mm.json(&["sync"])?;
    mm.json(&["sync"])?;

    let on_server = server_reports_with(&server.url, description)?;
    ensure!(
        on_server.len() == 1,
        "exactly one report, got {on_server:?}"
    );
    let report = &on_server[0];
    let photos = report["photos"].as_array().context("photos")?;
    ensure!(photos.len() == 2, "{report}");
    for p in photos {
        let resp = reqwest::blocking_client()
            .get(format!("{}{}", server.url, p["url"].as_str().unwrap()))
            .send()?
            .error_for_status()?;
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        ensure!(ct.starts_with("image/jpeg"), "served as {ct}");
        let bytes = resp.bytes()?;
        ensure!(
            bytes.starts_with(&[0xFF, 0xD8]),
            "a JPEG, normalised on the device"
        );
    }

    let mine = mine_with(&mm, description)?;
    ensure!(mine.len() == 1, "{mine:?}");
    ensure!(mine[0]["state"] == "sent", "{}", mine[0]);
    ensure!(mine[0]["server_id"] == report["id"], "{}", mine[0]);
    ensure!(mine[0]["status"] == "new", "{}", mine[0]);
    // The photo files left the device once acknowledged.
    let left = std::fs::read_dir(tmp.path().join("app/photos"))
        .map(|d| d.count())
        .unwrap_or(0);
    ensure!(left == 0, "{left} photo files still on the device");
    Ok(())
}

#[test]
fn killed_between_the_servers_commit_and_the_answer_still_one_report() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    // Every answer chunk held back 1.5 s: the report is on the server long
    // before its 201 reaches the client.
    let proxy = SlowProxy::start(&server.url, Duration::from_millis(1500))?;
    let mm = Mm::new(&tmp.path().join("app"), &proxy.url);
    mm.json(&["sync", "--page-size", "2000"])?;

    let (a, b) = photo_files(&tmp.path().join("photos"))?;
    let description = "Latarnia przy szkole miga całą noc (klient zabity).";
    let mut child = mm
        .command(&args(&new_report_args(description, &a, &b)))
        .spawn()?;
    let started = Instant::now();
    loop {
        if !server_reports_with(&server.url, description)?.is_empty() {
            break;
        }
        ensure!(
            child.try_wait()?.is_none(),
            "mm finished before the server had the report"
        );
        ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the report never reached the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    ensure!(
        child.try_wait()?.is_none(),
        "the answer got through before the kill"
    );
    child.kill()?;
    child.wait()?;

    let before = mine_with(&mm, description)?;
    ensure!(
        before.len() == 1 && before[0]["state"] != "sent",
        "{before:?}"
    );
    ensure!(before[0]["server_id"].is_null());

    mm.json(&["sync"])?;
    let on_server = server_reports_with(&server.url, description)?;
    ensure!(
        on_server.len() == 1,
        "exactly one report, got {}",
        on_server.len()
    );
    ensure!(on_server[0]["photos"].as_array().map(Vec::len) == Some(2));
    let mine = mine_with(&mm, description)?;
    ensure!(mine.len() == 1, "{mine:?}");
    ensure!(mine[0]["state"] == "sent", "{}", mine[0]);
    ensure!(
        mine[0]["server_id"] == on_server[0]["id"],
        "{} vs {}",
        mine[0],
        on_server[0]
    );
    Ok(())
}

#[test]
fn status_changes_and_public_replies_come_back_as_notifications() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    mm.json(&["sync"])?;
    let (a, b) = photo_files(&tmp.path().join("photos"))?;
    let description = "Dziura w jezdni przed przejściem dla pieszych, latarnia obok nie świeci.";
    let sent = mm.json(&args(&new_report_args(description, &a, &b)))?;
    ensure!(sent["state"] == "sent", "online: sent at once: {sent}");
    let id = sent["server_id"].as_i64().context("server id")?;

    let official = server.official("dyspozytor", "dispatcher")?;
    for (status, reply) in [
        ("accepted", "Przyjęto, przekazano wykonawcy."),
        ("resolved", "Wymieniono oprawę lampy."),
    ] {
        let (code, body) = official.request(
            reqwest::Method::POST,
            &format!("/api/v1/reports/{id}/status"),
            Some(json!({"status": status, "public_reply": reply, "internal_note": "ekipa nr 2"})),
        )?;
        ensure!(code == 200 || code == 201, "{status}: {code} {body}");
    }
    mm.json(&["sync"])?;

    let detail = mm.json(&["report", &id.to_string()])?;
    ensure!(detail["status"] == "resolved", "{detail}");
    let history = detail["report"]["history"].as_array().context("history")?;
    let statuses: Vec<&str> = history
        .iter()
        .filter_map(|h| h["status"].as_str())
        .collect();
    ensure!(statuses == ["new", "accepted", "resolved"], "{statuses:?}");
    ensure!(history[1]["public_reply"] == "Przyjęto, przekazano wykonawcy.");
    ensure!(history[2]["public_reply"] == "Wymieniono oprawę lampy.");
    ensure!(
        !detail.to_string().contains("ekipa nr 2"),
        "internal notes stay internal"
    );

    // The sync raised the step it saw (resolved); the server's feed tells
    // both steps (its fan-out runs as a job, so a sync or two later): the
    // resolved one joins the raised one, the accepted one is its own.
    let step = |notes: &Value, title: &str| -> Vec<Value> {
        notes.as_array().unwrap().iter().filter(|n| n["title"] == json!(title)).cloned().collect()
    };
    let (accepted, resolved) = (format!("Zgłoszenie nr {id}: Przyjęte"), format!("Zgłoszenie nr {id}: Załatwione"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let notes = loop {
        let notes = mm.json(&["notifications"])?;
        let told = [&accepted, &resolved].iter().all(|t| step(&notes, t).iter().any(|n| n["feed_id"].is_i64()));
        if told {
            break notes;
        }
        ensure!(Instant::now() < deadline, "the server's feed never told both steps: {notes}");
        std::thread::sleep(Duration::from_millis(200));
        mm.json(&["sync"])?;
    };
    ensure!(step(&notes, &accepted).len() == 1 && step(&notes, &resolved).len() == 1, "each step once: {notes}");
    let raised = &step(&notes, &resolved)[0];
    ensure!(raised["kind"] == "report_status", "{raised}");
    ensure!(raised["entity_id"].as_str().is_some_and(|e| e.starts_with(&format!("{id}:"))), "{raised}");
    // Nothing changed since: no second notification.
    mm.json(&["sync"])?;
    let again = mm.json(&["notifications"])?;
    ensure!(again.as_array().unwrap().len() == notes.as_array().unwrap().len());
    // Human output names each step and the replies.
    let out = std::process::Command::new(mm_e2e::bin("mm"))
        .env("MM_GMINA", mm_e2e::DEMO_GMINA)
        .args(["--server", &server.url, "--data-dir"])
        .arg(&mm.data_dir)
        .args(["report", &id.to_string()])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["Przyjęte", "Załatwione", "Wymieniono oprawę lampy."] {
        ensure!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    Ok(())
}
