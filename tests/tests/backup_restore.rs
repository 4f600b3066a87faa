//! Backups and restore (issue 17, item 4; docs/OPERATIONS.md).
//!
//! SQLite: "a test restores a backup taken under load and checks every
//! acknowledged write is there". Residents keep sending reports to a real
//! server while `mm-server backup` runs as a process of its own; the
//! backup is restored into a new data directory and a server started on
//! it must have every report acknowledged before the backup began. Those
//! acknowledged while it ran or after may or may not be there (the
//! snapshot is the database as of the backup's start; a write that
//! committed after that is not in it, and a server answers a little after
//! its commit): the test counts them, asserts nothing about them. The
//! device's token still works (the key files came along) and the photo is
//! served. Then what must be refused: a cut or damaged backup (the target
//! left as it was), an existing backup file without `--force`, a
//! non-empty directory without `--force`, a directory a server uses.
//!
//! PostgreSQL: the commands docs/OPERATIONS.md gives, `pg_dump -Fc` and
//! `pg_restore`, into a new database; every table's rows compared and a
//! server started on the copy. Skipped without PostgreSQL unless
//! `MM_REQUIRE_POSTGRES` is set (run it under `pg_virtualenv`).

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mm_e2e::{Server, bin, reqwest};
use serde_json::{Value, json};

const LIMITS: &[(&str, &str)] = &[("MM_RATE_DEVICE_PER_HOUR", "1000000"), ("MM_RATE_IP_PER_HOUR", "1000000")];

/// Runs `mm-server ARGS` to its end.
fn mm_server(args: &[&str], data_dir: &Path) -> Output {
    Command::new(bin("mm-server"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("MM_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run mm-server")
}

fn ok(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, what: &str) -> String {
    assert!(!out.status.success(), "{what} should have been refused: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Registers a device; its (id, token).
fn device(url: &str) -> (String, String) {
    let v: Value = reqwest::blocking_client()
        .post(format!("{url}/api/v1/devices"))
        .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    (v["device_id"].as_str().unwrap().into(), v["token"].as_str().unwrap().into())
}

/// A small PNG (photos are content-addressed: one is enough here).
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([x as u8 * 7, y as u8 * 9, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn report_body(marker: &str, photo_ids: &[&str]) -> Value {
    json!({"category": "other", "point": {"lat": 51.0335, "lon": 17.15},
        "description": format!("Zgłoszenie w trakcie kopii ({marker})"), "photo_ids": photo_ids})
}

#[test]
fn a_backup_taken_under_load_restores_every_write_acknowledged_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Server::start_with(&data, true, LIMITS).unwrap();
    let http = reqwest::blocking_client();
    let (_, token) = device(&server.url);
    // One report with a photo, before everything: its photo must come back.
    let up: Value = http
        .post(format!("{}/api/v1/photos", server.url))
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(photo())
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    let photo_id = up["photo_id"].as_str().unwrap().to_owned();
    let with_photo: Value = http
        .post(format!("{}/api/v1/reports", server.url))
        .bearer_auth(&token)
        .header("idempotency-key", "backup-with-photo")
        .json(&report_body("photo", &[&photo_id]))
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    let with_photo = with_photo["id"].as_i64().unwrap();

    // The writers: each acknowledged report with the moment its 201 came.
    let acked = Arc::new(Mutex::new(Vec::<(i64, Instant)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let (acked, stop, url, token) = (acked.clone(), stop.clone(), server.url.clone(), token.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking_client();
                let deadline = Instant::now() + Duration::from_secs(120);
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let r = http
                        .post(format!("{url}/api/v1/reports"))
                        .bearer_auth(&token)
                        .header("idempotency-key", format!("backup-{t}-{i}"))
                        .json(&report_body(&format!("{t}-{i}"), &[]))
                        .send()
                        .unwrap();
                    assert_eq!(r.status().as_u16(), 201, "a report under load");
                    let id = r.json::<Value>().unwrap()["id"].as_i64().unwrap();
                    acked.lock().unwrap().push((id, Instant::now()));
                    i += 1;
                }
            })
        })
        .collect();
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "the writers made fewer than {n} reports in 60 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(40);

    let backup_file = tmp.path().join("mm-backup.tar");
    let began = Instant::now();
    let out = mm_server(&["backup", "--to", backup_file.to_str().unwrap()], &data);
    let ended = Instant::now();
    let printed = ok(&out, "backup under load");
    let during = acked.lock().unwrap().iter().filter(|(_, t)| *t > began && *t < ended).count();
    let so_far = acked.lock().unwrap().len();
    wait_for(so_far + 40);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    server.stop().unwrap();
    let acked = acked.lock().unwrap().clone();
    let before: Vec<i64> = acked.iter().filter(|(_, t)| *t < began).map(|(id, _)| *id).collect();
    assert!(before.len() >= 40);
    assert!(during > 0, "the server kept acknowledging writes while the backup ran ({:?})", ended - began);
    assert!(printed.contains("photos: ") && printed.contains("device-token.key"), "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup is its owner's only");
    }

    let restored = tmp.path().join("restored");
    ok(&mm_server(&["restore", "--from", backup_file.to_str().unwrap()], &restored), "restore");
    let server = Server::start_with(&restored, false, LIMITS).unwrap();
    for id in before.iter().chain([&with_photo]) {
        let status = http.get(format!("{}/api/v1/reports/{id}", server.url)).send().unwrap().status();
        assert_eq!(status.as_u16(), 200, "report {id}, acknowledged before the backup began, is not in it");
    }
    let later = acked.iter().filter(|(_, t)| *t >= began).count();
    let later_present = acked
        .iter()
        .filter(|(_, t)| *t >= began)
        .filter(|(id, _)| http.get(format!("{}/api/v1/reports/{id}", server.url)).send().unwrap().status().as_u16() == 200)
        .count();
    // The device's token is derived from device-token.key: it came along.
    let mine: Value = http
        .get(format!("{}/api/v1/reports/mine", server.url))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .error_for_status()
        .expect("the device's token still works after the restore")
        .json()
        .unwrap();
    let mine = mine.as_array().or_else(|| mine["reports"].as_array()).expect("a list of reports").len();
    // (The route lists at most 1000.)
    assert!(mine >= before.len().min(1000), "the device's own reports ({mine})");
    let report: Value = http.get(format!("{}/api/v1/reports/{with_photo}", server.url)).send().unwrap().json().unwrap();
    let photo_url = report["photos"][0]["url"].as_str().expect("the report keeps its photo");
    let photo = http.get(format!("{}{photo_url}", server.url)).send().unwrap();
    assert_eq!(photo.status().as_u16(), 200, "the photo's file came along");

    // A server holds the restored directory: a second restore is refused.
    let err = refused(&mm_server(&["restore", "--force", "--from", backup_file.to_str().unwrap()], &restored), "restore under a server");
    assert!(err.contains("a server is using"), "{err}");
    drop(server);
    eprintln!(
        "{} reports acknowledged before the backup (all restored), {during} while it ran ({:?}), \
         {later} from its start on ({later_present} of them in it)",
        before.len(),
        ended - began
    );
}

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn cut_or_damaged_backups_and_existing_targets_are_refused_and_left_as_they_were() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    Server::start(&data, false).unwrap().stop().unwrap();
    let file = tmp.path().join("b.tar");
    let f = file.to_str().unwrap();
    ok(&mm_server(&["backup", "--to", f], &data), "backup");
    let good = std::fs::read(&file).unwrap();

    // An existing backup file is not replaced without --force.
    std::fs::write(&file, b"an older backup").unwrap();
    let err = refused(&mm_server(&["backup", "--to", f], &data), "backup over a file");
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"an older backup");
    ok(&mm_server(&["backup", "--force", "--to", f], &data), "backup --force");
    assert!(std::fs::metadata(&file).unwrap().len() > 10_000);
    // No leftovers beside it.
    assert_eq!(listing(tmp.path()), ["b.tar", "data"]);
    // Not inside the data directory: each backup would hold the ones before.
    let inside = data.join("b.tar");
    let err = refused(&mm_server(&["backup", "--to", inside.to_str().unwrap()], &data), "backup inside the data directory");
    assert!(err.contains("outside the data directory"), "{err}");
    assert!(!inside.exists());

    let bad = tmp.path().join("bad.tar");
    let b = bad.to_str().unwrap();
    let cut = good[..good.len() / 2].to_vec();
    let mut flipped = good.clone();
    flipped[good.len() / 3] ^= 0x40;
    for (what, bytes) in [("cut in half", cut), ("one byte changed", flipped), ("not a backup", b"hello".repeat(1000))] {
        std::fs::write(&bad, &bytes).unwrap();
        // Into an absent directory: it stays absent, nothing beside it.
        let absent = tmp.path().join("absent");
        let err = refused(&mm_server(&["restore", "--from", b], &absent), what);
        assert!(err.contains("incomplete or damaged"), "{what}: {err}");
        assert!(!absent.exists(), "{what}");
        let stray: Vec<String> = listing(tmp.path()).into_iter().filter(|n| n.contains("absent")).collect();
        assert!(stray.is_empty(), "{what}: {stray:?}");
        // Into a directory with something in it, even with --force: as it was.
        let full = tmp.path().join("full");
        std::fs::create_dir_all(&full).unwrap();
        std::fs::write(full.join("keep.txt"), b"keep").unwrap();
        refused(&mm_server(&["restore", "--force", "--from", b], &full), what);
        assert_eq!(listing(&full), ["keep.txt"], "{what}");
        assert_eq!(std::fs::read(full.join("keep.txt")).unwrap(), b"keep");
    }

    // A good backup into a non-empty directory needs --force.
    let full = tmp.path().join("full");
    let err = refused(&mm_server(&["restore", "--from", f], &full), "restore into a non-empty directory");
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(listing(&full), ["keep.txt"]);
    let out = ok(&mm_server(&["restore", "--force", "--from", f], &full), "restore --force");
    assert!(out.contains("integrity_check ok"), "{out}");
    assert!(!full.join("keep.txt").exists());
    // An empty directory is fine, and a server starts on what was restored.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(&mm_server(&["restore", "--from", f], &empty), "restore into an empty directory");
    let server = Server::start(&empty, false).unwrap();
    let health = reqwest::blocking_client().get(format!("{}/healthz", server.url)).send().unwrap();
    assert_eq!(health.status().as_u16(), 200);
    server.stop().unwrap();
}

// ------------------------------------------------------------- PostgreSQL

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Rows per table of the `public` schema.
fn row_counts(pg: &mm_e2e::pg::Pg, db: &str) -> std::collections::BTreeMap<String, i64> {
    runtime().block_on(async {
        let c = pg.client(db).await.unwrap();
        let tables = c
            .query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", &[])
            .await
            .unwrap();
        let mut out = std::collections::BTreeMap::new();
        for t in tables {
            let name: String = t.get(0);
            let n: i64 = c.query_one(&format!("SELECT COUNT(*) FROM \"{name}\""), &[]).await.unwrap().get(0);
            out.insert(name, n);
        }
        out
    })
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn postgres_pg_dump_and_pg_restore_keep_every_row() {
    let Some(pg) = mm_e2e::pg::Pg::from_env() else {
        assert!(
            std::env::var_os("MM_REQUIRE_POSTGRES").is_none(),
            "MM_REQUIRE_POSTGRES is set but no PostgreSQL is: run under pg_virtualenv"
        );
        eprintln!("skipped: no PostgreSQL (run under pg_virtualenv, docs/OPERATIONS.md)");
        return;
    };
    let suffix = format!("{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros());
    let (source, copy) = (format!("mm_backup_src_{suffix}"), format!("mm_backup_copy_{suffix}"));
    let source_url = runtime().block_on(pg.create_database(&source)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let env = [("MM_DATABASE_URL", source_url.as_str()), LIMITS[0], LIMITS[1]];
    let server = Server::start_with(&data, true, &env).unwrap();
    let (_, token) = device(&server.url);
    let http = reqwest::blocking_client();
    let ids: Vec<i64> = (0..20)
        .map(|i| {
            http.post(format!("{}/api/v1/reports", server.url))
                .bearer_auth(&token)
                .header("idempotency-key", format!("pg-backup-{i}"))
                .json(&report_body(&format!("pg-{i}"), &[]))
                .send()
                .unwrap()
                .error_for_status()
                .unwrap()
                .json::<Value>()
                .unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    server.stop().unwrap();
    let rows = row_counts(&pg, &source);

    // docs/OPERATIONS.md, "PostgreSQL": the same commands.
    let dump = tmp.path().join("mm.dump");
    run(Command::new("pg_dump").arg("--format=custom").arg("--file").arg(&dump).arg("--dbname").arg(&source_url), "pg_dump");
    let copy_url = runtime().block_on(pg.create_database(&copy)).unwrap();
    run(
        Command::new("pg_restore").args(["--no-owner", "--exit-on-error", "--single-transaction", "--dbname"]).arg(&copy_url).arg(&dump),
        "pg_restore",
    );
    assert_eq!(row_counts(&pg, &copy), rows, "every table's rows in the copy");
    assert!(rows["reports"] >= 20, "{rows:?}");

    // A server on the copy (the same data directory: its device token key).
    let env = [("MM_DATABASE_URL", copy_url.as_str()), LIMITS[0], LIMITS[1]];
    let server = Server::start_with(&data, false, &env).unwrap();
    for id in &ids {
        let status = http.get(format!("{}/api/v1/reports/{id}", server.url)).send().unwrap().status();
        assert_eq!(status.as_u16(), 200, "report {id} in the restored database");
    }
    http.get(format!("{}/api/v1/reports/mine", server.url)).bearer_auth(&token).send().unwrap().error_for_status().unwrap();
    server.stop().unwrap();
    runtime().block_on(async {
        let c = pg.client("postgres").await.unwrap();
        for db in [&source, &copy] {
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await.unwrap();
        }
    });
}
