//! `mm-server migrate --from-sqlite`: the demo deployment (content, the
//! office's reports, photos' rows, jobs, accounts, the sync and audit logs)
//! moved from SQLite into PostgreSQL, then every table read back from both
//! sides and compared row by row, independently of the migration's own
//! check; the moved deployment keeps working (ids and seqs continue, a
//! tombstoned id is never handed out again), and a database in use is
//! refused. Needs PostgreSQL (`common/postgres.rs`).

use crate::common::postgres;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use mm_protocol::news::NewsInput;
use mm_server::state::Clock;
use mm_server::store::{Actor, PostgresStore, SqliteStore, Store};

/// A cell, typed by what each side stores.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum V {
    Null,
    I(i64),
    R(f64),
    T(String),
    /// Keys (HMACs) of the budget's register and signatures: BLOB / BYTEA.
    B(Vec<u8>),
}

fn sqlite_tables(path: &std::path::Path) -> BTreeMap<String, (Vec<String>, Vec<Vec<V>>)> {
    let c = rusqlite::Connection::open(path.join("mm.sqlite")).unwrap();
    let names: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = BTreeMap::new();
    for name in names {
        let mut stmt = c.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let n = columns.len();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get::<_, rusqlite::types::Value>(i).unwrap() {
                        rusqlite::types::Value::Null => V::Null,
                        rusqlite::types::Value::Integer(v) => V::I(v),
                        rusqlite::types::Value::Real(v) => V::R(v),
                        rusqlite::types::Value::Text(v) => V::T(v),
                        rusqlite::types::Value::Blob(v) => V::B(v),
                    })
                    .collect::<Vec<_>>())
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        out.insert(name, (columns, rows));
    }
    out
}

async fn postgres_rows(url: &str, table: &str, columns: &[String]) -> Vec<Vec<V>> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let rows = client.query(&format!("SELECT {list} FROM \"{table}\""), &[]).await.unwrap_or_else(|e| panic!("{table}: {e}"));
    rows.iter()
        .map(|r| {
            (0..columns.len())
                .map(|i| match *r.columns()[i].type_() {
                    tokio_postgres::types::Type::INT8 => r.get::<_, Option<i64>>(i).map_or(V::Null, V::I),
                    tokio_postgres::types::Type::FLOAT8 => r.get::<_, Option<f64>>(i).map_or(V::Null, V::R),
                    tokio_postgres::types::Type::TEXT => r.get::<_, Option<String>>(i).map_or(V::Null, V::T),
                    tokio_postgres::types::Type::BYTEA => r.get::<_, Option<Vec<u8>>>(i).map_or(V::Null, V::B),
                    ref other => panic!("{table}.{}: unexpected type {other}", columns[i]),
                })
                .collect()
        })
        .collect()
}

fn sorted(mut rows: Vec<Vec<V>>) -> Vec<Vec<V>> {
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_moves_into_postgres_table_by_table() {
    let Some(db) = postgres::TestDatabase::create().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let tombstoned;
    {
        // The demo on SQLite, as `mm-server --demo` leaves it, and a news
        // item deleted (its id is a tombstone in the sync log).
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        mm_server::demo::start(store.clone(), Clock::system(), &mm_server::budget::identity::BudgetKeys::ephemeral(), true).await.unwrap();
        let news = NewsInput { title: "Usunięty".into(), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None };
        tombstoned = store.create_news(Actor("test".into()), news, Utc::now()).await.unwrap().id;
        store.delete_news(Actor("test".into()), tombstoned, Utc::now()).await.unwrap();
        store.close().await.unwrap();
    }
    let report = mm_server::store::migrate_from_sqlite::migrate(dir.path(), &db.url).await.unwrap();
    let source = sqlite_tables(dir.path());
    assert_eq!(report.tables.len(), source.len(), "every table is reported");
    for must in ["reports", "public_items", "audit_log", "users", "jobs", "news", "events", "places", "report_categories"] {
        assert!(!source[must].1.is_empty(), "the demo fills {must}");
    }
    for (table, (columns, rows)) in &source {
        let copied = postgres_rows(&db.url, table, columns).await;
        assert_eq!(copied.len(), rows.len(), "{table}: row count");
        // SQLite may keep a whole number in a REAL column as an integer.
        let normalise = |rows: Vec<Vec<V>>, like: &[Vec<V>]| -> Vec<Vec<V>> {
            rows.into_iter()
                .map(|r| {
                    r.into_iter()
                        .enumerate()
                        .map(|(i, v)| match (v, like.first().map(|l| &l[i])) {
                            (V::I(n), Some(V::R(_))) => V::R(n as f64),
                            (v, _) => v,
                        })
                        .collect()
                })
                .collect()
        };
        assert_eq!(sorted(normalise(rows.clone(), &copied)), sorted(copied), "{table}: contents");
    }

    // The moved deployment works on: the same sync log, and new ids and
    // seqs after the old ones.
    let pg = PostgresStore::connect(&db.url, dir.path()).await.unwrap();
    let (columns, rows) = &source["public_items"];
    let seq = columns.iter().position(|c| c == "seq").unwrap();
    let sqlite_max: u64 = rows.iter().map(|r| match r[seq] { V::I(s) => s as u64, _ => 0 }).max().unwrap();
    use mm_server::store::{ContentStore, SyncStore};
    assert_eq!(pg.max_seq(), sqlite_max);
    let (log, more) = pg.log_page(0, 100_000).await.unwrap();
    assert!(!more);
    assert_eq!(log.len(), rows.len(), "the demo's gmina's feed is the whole log");
    let news = NewsInput { title: "Po migracji".into(), body: "Treść.".into(), priority: Default::default(), published_at: None, expires_at: None };
    let created = pg.create_news(Actor("test".into()), news, Utc::now()).await.unwrap();
    assert!(created.id > tombstoned, "a tombstoned id ({tombstoned}) is never handed out again: got {}", created.id);
    assert!(pg.max_seq() > sqlite_max);
    // The audit chains SQLite wrote verify on PostgreSQL (the hash covers
    // the rows as stored), and its news entry went on from their heads.
    let pg_store: Arc<dyn Store> = Arc::new(pg.clone());
    let audit = mm_server::audit::verify::verify(pg_store, None, &[]).await.unwrap();
    assert!(audit.intact() && audit.chains.iter().all(|c| c.checked > 0), "{audit}");

    // A database in use is refused, and left as it was.
    let again = mm_server::store::migrate_from_sqlite::migrate(dir.path(), &db.url).await.unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");
    assert!(pg.get_news(created.id).await.unwrap().is_some());
}
