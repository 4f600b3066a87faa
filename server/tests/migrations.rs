//! The schema the numbered `.sql` files build (`server/migrations/sqlite/`)
//! is the one the old in-code migrations built, object for object, and a
//! database at any older version migrates on to the current one.
//!
//! `data/schema-v10.txt` is `sqlite_master` of a fresh database at version
//! 10 as the in-code migrations left it (written by this test with
//! `MM_WRITE_SCHEMA=1` before the migrations moved into files).

use std::path::Path;

use rusqlite::Connection;

const FIXTURE: &str = "tests/data/schema-v10.txt";

/// Every schema object with its SQL, in name order (the sequence table's
/// rows and anything SQLite makes for itself included).
fn schema(c: &Connection) -> String {
    let mut stmt = c
        .prepare("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} {} ON {}\n{}\n",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows.join("\n")
}

fn at_version(dir: &Path, version: usize) -> Connection {
    let mut c = Connection::open(dir.join("mm.sqlite")).unwrap();
    mm_server::store::sqlite::migrate_until(&mut c, version).unwrap();
    c
}

#[test]
fn the_sql_files_build_the_schema_the_code_built() {
    let dir = tempfile::tempdir().unwrap();
    let c = at_version(dir.path(), 10);
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 10);
    let got = schema(&c);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("MM_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert!(got == want, "the schema at version 10 differs from {FIXTURE}:\n{got}");
}

#[test]
fn the_ezd_outbox_becomes_the_job_queue_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let c = at_version(dir.path(), 10);
    c.execute_batch(
        "INSERT INTO reports (id, category, status, lat, lon, created_at, updated_at, private, data)
           VALUES (1, 'other', 'accepted', 51.0, 17.1, '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z', '{}', '{}'),
                  (2, 'other', 'new', 51.0, 17.1, '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:00.000000Z', '{}', '{}');
         INSERT INTO ezd_outbox (id, report_id, kind, state, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES
           (7, 1, 'register', 'done', 1, '2026-03-01T10:00:00.000000Z', NULL, '2026-03-01T10:00:00.000000Z', '2026-03-01T10:00:01.000000Z'),
           (8, 1, 'case', 'pending', 3, '2026-03-01T11:00:00.000000Z', 'HTTP 503', '2026-03-01T10:05:00.000000Z', '2026-03-01T10:06:00.000000Z'),
           (9, 2, 'register', 'dead', 12, '2026-03-01T12:00:00.000000Z', 'HTTP 500 x', '2026-03-01T10:00:00.000000Z', '2026-03-01T12:00:00.000000Z');",
    )
    .unwrap();
    drop(c);
    let c = at_version(dir.path(), mm_server::store::sqlite::SCHEMA_VERSION);
    type Row = (i64, String, String, String, i64, String, Option<String>, String, Option<String>, String);
    let rows: Vec<Row> = c
        .prepare("SELECT id, kind, payload, state, attempts, next_attempt_at, last_error, dedupe_key, waits_for, updated_at FROM jobs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let t = |s: &str| s.to_owned();
    assert_eq!(
        rows,
        vec![
            (7, t("ezd.register"), t(r#"{"report_id":1}"#), t("done"), 1, t("2026-03-01T10:00:00.000000Z"), None, t("ezd.register:1"), None, t("2026-03-01T10:00:01.000000Z")),
            (8, t("ezd.open_case"), t(r#"{"report_id":1}"#), t("pending"), 3, t("2026-03-01T11:00:00.000000Z"), Some(t("HTTP 503")), t("ezd.open_case:1"), Some(t("ezd.register:1")), t("2026-03-01T10:06:00.000000Z")),
            (9, t("ezd.register"), t(r#"{"report_id":2}"#), t("dead"), 12, t("2026-03-01T12:00:00.000000Z"), Some(t("HTTP 500 x")), t("ezd.register:2"), None, t("2026-03-01T12:00:00.000000Z")),
        ]
    );
    let outbox: i64 = c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ezd_outbox'", [], |r| r.get(0)).unwrap();
    assert_eq!(outbox, 0);
    // A new job continues after the carried-over ids.
    c.execute("INSERT INTO jobs (kind, payload, next_attempt_at, created_at, updated_at) VALUES ('x', '{}', 'a', 'a', 'a')", []).unwrap();
    assert_eq!(c.last_insert_rowid(), 10);
}

#[test]
fn a_database_at_every_older_version_opens_and_migrates_on() {
    for version in 0..mm_server::store::sqlite::SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        drop(at_version(dir.path(), version));
        let store = mm_server::store::SqliteStore::open(dir.path()).unwrap();
        drop(store);
        let c = Connection::open(dir.path().join("mm.sqlite")).unwrap();
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v as usize, mm_server::store::sqlite::SCHEMA_VERSION, "from {version}");
    }
}
