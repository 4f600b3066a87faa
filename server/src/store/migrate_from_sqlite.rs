//! `mm-server migrate --from-sqlite DIR --database URL`: a single-gmina
//! SQLite deployment moved into PostgreSQL without losing anything
//! (issue 13). Both schemas have the same tables and columns
//! (`migrations/postgres/0001_init.sql`), so every row is copied as it is,
//! ids included; identity counters continue after SQLite's own (so an id
//! a tombstone in the sync log names is never handed out again), and
//! before COMMIT every table is read back from both sides and compared row
//! by row. Any difference, or a PostgreSQL database that already holds
//! data, rolls everything back. Photos are files under the data dir,
//! whichever the database, and are not touched.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::OpenFlags;
use rusqlite::types::Value as SqlValue;
use tokio_postgres::types::ToSql;

use super::postgres::PostgresStore;
use super::{SqliteStore, StoreError, StoreResult};

/// One table copied: its name and how many rows it holds on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopied {
    pub table: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Default)]
pub struct MigrationReport {
    pub tables: Vec<TableCopied>,
}

/// A cell as both sides compare it.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// SQLite's BLOB, PostgreSQL's BYTEA (the budget's HMAC keys).
    Blob(Vec<u8>),
}

/// The tables migrations fill on a new database; anything else in them
/// (or in any other table) means the target is in use.
const SEEDED: &[&str] = &["report_categories", "public_items", "settings"];

/// Copies the deployment in `sqlite_dir` into the empty database at `url`.
pub async fn migrate(sqlite_dir: &Path, url: &str) -> StoreResult<MigrationReport> {
    let db = sqlite_dir.join(super::sqlite::DB_FILE);
    if !db.exists() {
        return Err(StoreError::backend(format!("no {} in {}", super::sqlite::DB_FILE, sqlite_dir.display())));
    }
    // Brings the file to this server's schema (the copy assumes it).
    let dir = sqlite_dir.to_owned();
    tokio::task::spawn_blocking(move || SqliteStore::open(&dir).map(drop))
        .await
        .map_err(|e| StoreError::backend(format!("blocking task failed: {e}")))??;
    let source = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || read_sqlite(&db))
            .await
            .map_err(|e| StoreError::backend(format!("blocking task failed: {e}")))??
    };
    // Creates the schema; this store is only used to migrate it.
    drop(PostgresStore::connect(url, sqlite_dir).await?);
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(connection);
    let out = copy(&mut client, &source).await;
    drop(client);
    let _ = driver.await;
    out
}

/// Everything the SQLite file holds: per table its columns, rows and the
/// AUTOINCREMENT counter.
struct Source {
    tables: BTreeMap<String, SourceTable>,
}

struct SourceTable {
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
    /// `sqlite_sequence`: the highest id ever handed out.
    sequence: Option<i64>,
}

fn read_sqlite(path: &Path) -> StoreResult<Source> {
    let c = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // One read transaction: one snapshot of the whole file.
    c.execute_batch("BEGIN")?;
    let names: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut sequences: BTreeMap<String, i64> = BTreeMap::new();
    let has_sequence: bool =
        c.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence')", [], |r| r.get(0))?;
    if has_sequence {
        let mut stmt = c.prepare("SELECT name, seq FROM sqlite_sequence")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (name, seq) = row?;
            sequences.insert(name, seq);
        }
    }
    let mut tables = BTreeMap::new();
    for name in names {
        let columns: Vec<String> = c
            .prepare(&format!("SELECT name FROM pragma_table_info('{name}') ORDER BY cid"))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let mut stmt = c.prepare(&format!("SELECT {list} FROM \"{name}\""))?;
        let n = columns.len();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get::<_, SqlValue>(i)? {
                            SqlValue::Null => Cell::Null,
                            SqlValue::Integer(v) => Cell::Int(v),
                            SqlValue::Real(v) => Cell::Real(v),
                            SqlValue::Text(v) => Cell::Text(v),
                            SqlValue::Blob(v) => Cell::Blob(v),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let sequence = sequences.get(&name).copied();
        tables.insert(name, SourceTable { columns, rows, sequence });
    }
    c.execute_batch("COMMIT")?;
    Ok(Source { tables })
}

/// A PostgreSQL column's type, as the copy converts to it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Real,
    Text,
    Bytes,
}

async fn copy(client: &mut tokio_postgres::Client, source: &Source) -> StoreResult<MigrationReport> {
    let tx = client.transaction().await?;
    tx.batch_execute("SET CONSTRAINTS ALL DEFERRED").await?;
    // The target's tables and their columns' types.
    let mut target: BTreeMap<String, BTreeMap<String, Kind>> = BTreeMap::new();
    for r in tx
        .query(
            "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> 'mm_schema_version'",
            &[],
        )
        .await?
    {
        let kind = match r.get::<_, &str>(2) {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "double precision" | "real" => Kind::Real,
            "bytea" => Kind::Bytes,
            _ => Kind::Text,
        };
        target.entry(r.get(0)).or_default().insert(r.get(1), kind);
    }
    // Nothing may be lost: every SQLite table and column has a place.
    for (name, t) in &source.tables {
        let columns = target
            .get(name)
            .ok_or_else(|| StoreError::backend(format!("PostgreSQL has no table {name}")))?;
        if let Some(c) = t.columns.iter().find(|c| !columns.contains_key(*c)) {
            return Err(StoreError::backend(format!("PostgreSQL has no column {name}.{c}")));
        }
    }
    ensure_empty(&tx, target.keys()).await?;
    let names: Vec<&String> = source.tables.keys().collect();
    tx.batch_execute(&format!(
        "TRUNCATE {} CASCADE",
        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
    ))
    .await?;
    let mut report = MigrationReport::default();
    for (name, t) in &source.tables {
        let kinds: Vec<Kind> = t.columns.iter().map(|c| target[name][c]).collect();
        let list = t.columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        let marks = (1..=t.columns.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let insert = tx.prepare(&format!("INSERT INTO \"{name}\" ({list}) OVERRIDING SYSTEM VALUE VALUES ({marks})")).await?;
        for row in &t.rows {
            let params = row
                .iter()
                .zip(&kinds)
                .map(|(cell, kind)| param(name, cell, *kind))
                .collect::<StoreResult<Vec<_>>>()?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
            tx.execute(&insert, &refs).await?;
        }
        // Identity counters continue after the highest id SQLite ever gave.
        let identity: Option<String> = if target[name].contains_key("id") {
            tx.query_one("SELECT pg_get_serial_sequence($1, 'id')", &[&format!("\"{name}\"")]).await?.get(0)
        } else {
            None
        };
        if let Some(seq) = identity {
            let max_id = t
                .rows
                .iter()
                .filter_map(|r| match r.get(t.columns.iter().position(|c| c == "id")?) {
                    Some(Cell::Int(v)) => Some(*v),
                    _ => None,
                })
                .max()
                .unwrap_or(0);
            let next = max_id.max(t.sequence.unwrap_or(0)) + 1;
            tx.execute("SELECT setval($1::TEXT::REGCLASS, $2, false)", &[&seq, &next]).await?;
        }
        report.tables.push(TableCopied { table: name.clone(), rows: t.rows.len() as u64 });
    }
    // Every reference checked now, then every table compared.
    tx.batch_execute("SET CONSTRAINTS ALL IMMEDIATE").await?;
    for (name, t) in &source.tables {
        let copied = read_postgres(&tx, name, &t.columns).await?;
        let mut expected = t.rows.iter().map(|r| canonical(r, &t.columns, &target[name])).collect::<Vec<_>>();
        let mut found = copied.iter().map(|r| canonical(r, &t.columns, &target[name])).collect::<Vec<_>>();
        expected.sort();
        found.sort();
        if expected != found {
            return Err(StoreError::backend(format!("table {name} differs after the copy; nothing was committed")));
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// A target only migrations have written to: no rows but their seed.
async fn ensure_empty<'a>(
    tx: &tokio_postgres::Transaction<'_>,
    tables: impl Iterator<Item = &'a String>,
) -> StoreResult<()> {
    for name in tables {
        let sql = match name.as_str() {
            "public_items" => "SELECT COUNT(*) FROM public_items WHERE collection <> 'report_categories'".to_owned(),
            "settings" => "SELECT COUNT(*) FROM settings WHERE key <> 'ezd_default_jrwa'".to_owned(),
            n if SEEDED.contains(&n) => continue,
            n => format!("SELECT COUNT(*) FROM \"{n}\""),
        };
        let n: i64 = tx.query_one(sql.as_str(), &[]).await?.get(0);
        if n > 0 {
            return Err(StoreError::backend(format!(
                "the PostgreSQL database is not empty (table {name}); migrate into a new one"
            )));
        }
    }
    Ok(())
}

fn param(table: &str, cell: &Cell, kind: Kind) -> StoreResult<Box<dyn ToSql + Sync + Send>> {
    Ok(match (cell, kind) {
        (Cell::Null, Kind::Int) => Box::new(None::<i64>),
        (Cell::Null, Kind::Real) => Box::new(None::<f64>),
        (Cell::Null, Kind::Text) => Box::new(None::<String>),
        (Cell::Null, Kind::Bytes) => Box::new(None::<Vec<u8>>),
        (Cell::Blob(v), Kind::Bytes) => Box::new(v.clone()),
        (Cell::Int(v), Kind::Int) => Box::new(*v),
        (Cell::Int(v), Kind::Real) => Box::new(*v as f64),
        (Cell::Real(v), Kind::Real) => Box::new(*v),
        (Cell::Text(v), Kind::Text) => Box::new(v.clone()),
        (Cell::Int(v), Kind::Text) => Box::new(v.to_string()),
        (Cell::Real(v), Kind::Text) => Box::new(v.to_string()),
        (other, kind) => {
            return Err(StoreError::backend(format!("table {table}: a {other:?} cannot become a {kind:?}")));
        }
    })
}

/// Every row of a PostgreSQL table, columns in the given order.
pub async fn read_postgres(
    c: &impl tokio_postgres::GenericClient,
    table: &str,
    columns: &[String],
) -> StoreResult<Vec<Vec<Cell>>> {
    let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let rows = c.query(&format!("SELECT {list} FROM \"{table}\""), &[]).await?;
    rows.iter()
        .map(|r| {
            (0..columns.len())
                .map(|i| {
                    let ty = r.columns()[i].type_().clone();
                    Ok(match ty {
                        tokio_postgres::types::Type::INT8 => r.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int),
                        tokio_postgres::types::Type::INT4 => {
                            r.get::<_, Option<i32>>(i).map_or(Cell::Null, |v| Cell::Int(i64::from(v)))
                        }
                        tokio_postgres::types::Type::FLOAT8 => r.get::<_, Option<f64>>(i).map_or(Cell::Null, Cell::Real),
                        tokio_postgres::types::Type::BYTEA => {
                            r.get::<_, Option<Vec<u8>>>(i).map_or(Cell::Null, Cell::Blob)
                        }
                        _ => r.get::<_, Option<String>>(i).map_or(Cell::Null, Cell::Text),
                    })
                })
                .collect::<StoreResult<Vec<_>>>()
        })
        .collect()
}

/// A row as text both sides agree on: what SQLite stored, converted as the
/// copy converts it, so a value that changed in the copy shows.
fn canonical(row: &[Cell], columns: &[String], kinds: &BTreeMap<String, Kind>) -> String {
    let mut out = String::new();
    for (cell, column) in row.iter().zip(columns) {
        let v = match (cell, kinds[column]) {
            (Cell::Null, _) => "∅".to_owned(),
            (Cell::Int(v), Kind::Int) => format!("i{v}"),
            (Cell::Int(v), Kind::Real) => format!("r{:?}", *v as f64),
            (Cell::Real(v), Kind::Real | Kind::Int) => format!("r{v:?}"),
            (Cell::Int(v), Kind::Text) => format!("t{:?}", v.to_string()),
            (Cell::Real(v), Kind::Text) => format!("t{:?}", v.to_string()),
            // Not copied (`param` refuses it): never compared.
            (Cell::Int(v), Kind::Bytes) => format!("i{v}"),
            (Cell::Real(v), Kind::Bytes) => format!("r{v:?}"),
            (Cell::Text(v), _) => format!("t{v:?}"),
            (Cell::Blob(v), _) => format!("b{}", v.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        };
        out.push_str(&v);
        out.push('\u{1f}');
    }
    out
}
