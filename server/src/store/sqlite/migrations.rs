//! Schema upgrades as a numbered list; `PRAGMA user_version` records how
//! many have run. The SQL is in numbered files, one folder per backend
//! (`server/migrations/sqlite/NNNN_*.sql`, matrix-sdk's habit), pulled in
//! at build time. Never edit a shipped migration: append a new one.

use rusqlite::{Connection, Transaction};

use crate::store::StoreResult;

/// One schema step: SQL, or Rust for steps that must also publish to the
/// sync log (which needs the wire JSON).
enum Step {
    Sql(&'static str),
    Code(fn(&Transaction<'_>) -> StoreResult<()>),
}

macro_rules! sql {
    ($file:literal) => {
        Step::Sql(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite/", $file)))
    };
}

const MIGRATIONS: &[Step] = &[
    sql!("0001_init.sql"),
    sql!("0002_reports.sql"),
    // 3: the default report categories every gmina starts with, published.
    Step::Code(super::reports::seed_default_categories),
    sql!("0004_back_office.sql"),
    sql!("0005_ezd.sql"),
    sql!("0006_places.sql"),
    sql!("0007_accounts.sql"),
    sql!("0008_maintenance.sql"),
    sql!("0009_sign_in.sql"),
    sql!("0010_report_visibility.sql"),
    sql!("0011_jobs.sql"),
    sql!("0012_rate_limits.sql"),
];

/// The schema version this server runs at.
pub const VERSION: usize = MIGRATIONS.len();

pub fn run(conn: &mut Connection) -> StoreResult<()> {
    run_until(conn, MIGRATIONS.len())
}

/// Runs the migrations up to `version` only: tests build a database as an
/// older server left it, then open it with this one.
pub fn run_until(conn: &mut Connection, version: usize) -> StoreResult<()> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, step) in MIGRATIONS.iter().enumerate().take(version).skip(done as usize) {
        let tx = conn.transaction()?;
        match step {
            Step::Sql(sql) => tx.execute_batch(sql)?,
            Step::Code(f) => f(&tx)?,
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    Ok(())
}
