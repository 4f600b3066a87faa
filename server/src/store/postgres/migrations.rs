//! Schema upgrades as a numbered list, as for SQLite
//! (`server/migrations/postgres/NNNN_*.sql`); the table `mm_schema_version`
//! records how many have run. All pending steps run in one transaction
//! under an advisory lock, so instances starting together migrate once.
//! Never edit a shipped migration: append a new one.

use deadpool_postgres::Client;

use super::Tx;
use crate::store::directory::FALLBACK_GMINA;
use crate::store::StoreResult;

/// One schema step: SQL, or Rust for steps that must also publish to the
/// sync log (which needs the wire JSON) or compute in Rust.
enum Step {
    Sql(&'static str),
    Seed,
    /// SQL, then the audit entries already there chained in Rust
    /// (`publish::chain_unchained`): PostgreSQL's SHA-256 would do, but
    /// the encoding is the Rust code's (`audit::chain`), kept in one place.
    AuditChain(&'static str),
}

macro_rules! sql {
    ($file:literal) => {
        Step::Sql(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres/", $file)))
    };
}

const MIGRATIONS: &[Step] = &[
    sql!("0001_init.sql"),
    // 2: the default report categories, published, for the gmina a
    // database that never named one works as (SQLite's migrations 3 and
    // 12 leave the same); `add_gmina` gives every other its own.
    Step::Seed,
    sql!("0003_rate_limits.sql"),
    sql!("0004_taxes.sql"),
    sql!("0005_budget.sql"),
    sql!("0006_budget_ballots.sql"),
    sql!("0007_consultations.sql"),
    sql!("0008_budget_ballot_speed.sql"),
    sql!("0009_consultation_sms.sql"),
    sql!("0010_notifications.sql"),
    sql!("0011_waste.sql"),
    sql!("0012_report_notifications.sql"),
    sql!("0013_notification_reach.sql"),
    // 14: the audit log's chain columns, existing rows chained.
    Step::AuditChain(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres/0014_audit_chain.sql"))),
    sql!("0015_delivery_queue.sql"),
    sql!("0016_officials_two_factor.sql"),
];

/// The schema version this server runs at.
pub const VERSION: usize = MIGRATIONS.len();

/// `pg_advisory_xact_lock` key of the migrations ("mm_mig").
const MIGRATION_LOCK: i64 = 0x6d6d_5f6d_6967;

pub async fn run(client: &mut Client) -> StoreResult<()> {
    let tx = Tx::new(client.transaction().await?);
    tx.c.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.c.batch_execute("CREATE TABLE IF NOT EXISTS mm_schema_version (version BIGINT NOT NULL)").await?;
    let done: i64 = match tx.c.query_opt("SELECT version FROM mm_schema_version", &[]).await? {
        Some(r) => r.get(0),
        None => {
            tx.c.execute("INSERT INTO mm_schema_version (version) VALUES (0)", &[]).await?;
            0
        }
    };
    for (i, step) in MIGRATIONS.iter().enumerate().skip(usize::try_from(done).unwrap_or(0)) {
        match step {
            Step::Sql(sql) => tx.c.batch_execute(sql).await?,
            Step::Seed => super::reports::seed_default_categories(&tx, FALLBACK_GMINA).await?,
            Step::AuditChain(sql) => {
                tx.c.batch_execute(sql).await?;
                let chained = super::publish::chain_unchained(&tx).await?;
                tracing::info!(entries = chained, "audit log chained");
            }
        }
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        tx.c.execute("UPDATE mm_schema_version SET version = $1", &[&version]).await?;
        tracing::info!(version, "database migrated");
    }
    tx.commit().await?;
    Ok(())
}
