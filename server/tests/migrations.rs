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
