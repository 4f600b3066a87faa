//! Schema upgrades as a numbered list; `PRAGMA user_version` records how
//! many have run. The SQL is in numbered files, one folder per backend
//! (`server/migrations/sqlite/NNNN_*.sql`, matrix-sdk's habit), pulled in
//! at build time. Never edit a shipped migration: append a new one.

use rusqlite::{Connection, Transaction};

use crate::store::StoreResult;

/// One schema step: SQL, or Rust for steps that must also publish to the
/// sync log (which needs the wire JSON) or compute what SQL cannot.
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
    Step::Code(seed_default_categories_v3),
    sql!("0004_back_office.sql"),
    sql!("0005_ezd.sql"),
    sql!("0006_places.sql"),
    sql!("0007_accounts.sql"),
    sql!("0008_maintenance.sql"),
    sql!("0009_sign_in.sql"),
    sql!("0010_report_visibility.sql"),
    sql!("0011_jobs.sql"),
    sql!("0012_gminas.sql"),
    sql!("0013_rate_limits.sql"),
    sql!("0014_taxes.sql"),
    sql!("0015_budget.sql"),
    sql!("0016_budget_ballots.sql"),
    sql!("0017_consultations.sql"),
    sql!("0018_budget_ballot_speed.sql"),
    sql!("0019_consultation_sms.sql"),
    sql!("0020_notifications.sql"),
    sql!("0021_waste.sql"),
    sql!("0022_report_notifications.sql"),
    sql!("0023_notification_reach.sql"),
    // 24: the audit log's chain columns, and the rows already there
    // chained in Rust (SQLite has no SHA-256).
    Step::Code(audit_chain_v24),
    sql!("0025_delivery_queue.sql"),
    sql!("0026_officials_two_factor.sql"),
];

/// Migration 24: `0024_audit_chain.sql`, then every existing entry chained
/// (`publish::chain_unchained`, the encoding version 1 of `audit::chain`).
fn audit_chain_v24(tx: &Transaction<'_>) -> StoreResult<()> {
    tx.execute_batch(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite/0024_audit_chain.sql")))?;
    let chained = super::publish::chain_unchained(tx)?;
    tracing::info!(entries = chained, "audit log chained");
    Ok(())
}

/// Migration 3 as it shipped, on the schema of its time (before tables had
/// a `gmina`): the default categories, published to the sync log. A new
/// gmina gets them from `add_gmina` (`reports::seed_default_categories`).
fn seed_default_categories_v3(tx: &Transaction<'_>) -> StoreResult<()> {
    use mm_protocol::sync::Item;
    for c in crate::reports::model::default_categories() {
        let exists: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM report_categories WHERE id = ?1)", [&c.id], |r| r.get(0))?;
        if exists {
            continue;
        }
        tx.execute(
            "INSERT INTO report_categories (id, position, data)
             VALUES (?1, (SELECT COALESCE(MAX(position), 0) + 1 FROM report_categories), ?2)",
            rusqlite::params![c.id, serde_json::to_string(&c)?],
        )?;
        let item = Item::ReportCategories(c.clone());
        tx.execute(
            "INSERT INTO public_items (collection, id, seq, body)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM public_items), ?3)
             ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
            rusqlite::params![item.collection().as_str(), item.id(), serde_json::to_string(&item)?],
        )?;
    }
    Ok(())
}

/// The schema version this server runs at.
pub const VERSION: usize = MIGRATIONS.len();

pub fn run(conn: &mut Connection) -> StoreResult<()> {
    run_until(conn, MIGRATIONS.len())
}

/// Runs the migrations up to `version` only: tests build a database as an
/// older server left it, then open it with this one.
///
/// Foreign keys are off while a step runs (a step may rebuild a table that
/// others reference, SQLite's documented procedure for schema changes) and
/// checked before it commits: a step that leaves a dangling reference
/// fails and changes nothing.
pub fn run_until(conn: &mut Connection, version: usize) -> StoreResult<()> {
    let done: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if done as usize >= version {
        return Ok(());
    }
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let out = run_steps(conn, done as usize, version);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    out
}

fn run_steps(conn: &mut Connection, done: usize, version: usize) -> StoreResult<()> {
    for (i, step) in MIGRATIONS.iter().enumerate().take(version).skip(done) {
        let tx = conn.transaction()?;
        match step {
            Step::Sql(sql) => tx.execute_batch(sql)?,
            Step::Code(f) => f(&tx)?,
        }
        let dangling: i64 = tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if dangling > 0 {
            return Err(crate::store::StoreError::backend(format!(
                "migration {} leaves {dangling} rows referencing nothing",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    Ok(())
}
