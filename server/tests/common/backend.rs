//! Which store the server's tests run on (issue 13): SQLite by default,
//! PostgreSQL when `MM_TEST_BACKEND=postgres` (`make test-rust-postgres`).
//! The variable is read here and nowhere else; a test opens its store with
//! [`open_store`] and keeps the [`StoreGuard`] for as long as it runs.
//!
//! Under PostgreSQL each test gets a database of its own
//! ([`super::postgres::TestDatabase`]); photos stay under the test's dir,
//! as `PostgresStore::connect` keeps them. A test that is about SQLite
//! itself (its file, its migrations, its counters) calls [`sqlite_only`]
//! first and is skipped under PostgreSQL, saying why.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mm_server::store::{PostgresStore, SqliteStore, Store};

use super::postgres::TestDatabase;

/// The store the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `MM_TEST_BACKEND`: `postgres` or `sqlite` (the default). Anything else
/// fails the test: a typo must not quietly test SQLite again.
pub fn backend() -> Backend {
    match std::env::var("MM_TEST_BACKEND").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("MM_TEST_BACKEND={other}: expected `sqlite` or `postgres`"),
    }
}

/// Whether the test may go on: `true` on SQLite; on PostgreSQL `false`,
/// after printing `why` the test is SQLite's alone (cargo shows it with
/// `--nocapture`; the list of such tests is kept short on purpose).
#[must_use]
pub fn sqlite_only(why: &str) -> bool {
    if backend() == Backend::Sqlite {
        return true;
    }
    eprintln!("skipped under MM_TEST_BACKEND=postgres, SQLite only: {why}");
    false
}

/// What keeps a test's store alive: the PostgreSQL database (dropped with
/// the guard), or nothing for SQLite, whose file lives in the test's dir.
pub struct StoreGuard {
    database: Option<TestDatabase>,
}

/// The store of a test whose data lives in `dir`: SQLite's file there, or
/// a fresh PostgreSQL database (photos under `dir`).
pub async fn open_store(dir: &Path) -> (Arc<dyn Store>, StoreGuard) {
    match backend() {
        Backend::Sqlite => (Arc::new(SqliteStore::open(dir).unwrap()), StoreGuard { database: None }),
        Backend::Postgres => {
            // Asked for PostgreSQL: none is a failure, never a skip.
            let database = TestDatabase::create_required().await;
            let guard = StoreGuard { database: Some(database) };
            (guard.reopen(dir).await, guard)
        }
    }
}

impl StoreGuard {
    /// Another store over the same data, as a restarted server opens it.
    pub async fn reopen(&self, dir: &Path) -> Arc<dyn Store> {
        match &self.database {
            None => Arc::new(SqliteStore::open(dir).unwrap()),
            Some(db) => Arc::new(PostgresStore::connect(&db.url, dir).await.expect("connect and migrate")),
        }
    }

    /// The PostgreSQL database's connection string, if the test runs there.
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_ref().map(|db| db.url.as_str())
    }

    /// `command` (an `mm-server` subcommand on the test's data dir) pointed
    /// at the test's database too.
    pub fn point_at_database(&self, command: &mut std::process::Command) {
        if let Some(url) = self.database_url() {
            command.env("MM_DATABASE_URL", url);
        }
    }

    /// The test's database, for SQL a test runs behind the store's back.
    pub fn sql(&self, dir: &Path) -> Sql {
        match &self.database {
            None => Sql::Sqlite(dir.join("mm.sqlite")),
            Some(db) => Sql::Postgres(db.url.clone()),
        }
    }
}

/// A value bound to a `?N` parameter of [`Sql`]'s statements; the two
/// schemas use only these types (INTEGER/BIGINT, REAL/DOUBLE, TEXT).
#[derive(Debug, Clone)]
pub enum SqlValue {
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}
impl From<f64> for SqlValue {
    fn from(v: f64) -> Self {
        SqlValue::Real(v)
    }
}
impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        SqlValue::Text(v.clone())
    }
}

/// The test's database, reached directly: statements in the SQL both
/// backends speak, parameters written `?1`, `?2`... (SQLite's way; turned
/// into `$1`, `$2`... for PostgreSQL). Blocking, on a connection of its own.
pub enum Sql {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Sql {
    /// Runs `sql` with `params`; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[SqlValue]) -> u64 {
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                let values: Vec<rusqlite::types::Value> = params.iter().map(sqlite_value).collect();
                c.execute(sql, rusqlite::params_from_iter(values)).unwrap_or_else(|e| panic!("{sql}: {e}")) as u64
            }
            Sql::Postgres(url) => {
                let (url, sql, params) = (url.clone(), dollar_params(sql), params.to_vec());
                on_own_runtime(move || async move {
                    let client = connect(&url).await;
                    let values = pg_values(&params);
                    client.execute(&sql, &values).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
                })
            }
        }
    }

    /// `sql` once for each row of `rows`, all in one transaction.
    pub fn execute_many(&self, sql: &str, rows: Vec<Vec<SqlValue>>) {
        match self {
            Sql::Sqlite(path) => {
                let mut c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                let tx = c.transaction().unwrap();
                for row in rows {
                    let values: Vec<rusqlite::types::Value> = row.iter().map(sqlite_value).collect();
                    tx.execute(sql, rusqlite::params_from_iter(values)).unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                tx.commit().unwrap();
            }
            Sql::Postgres(url) => {
                let (url, sql) = (url.clone(), dollar_params(sql));
                on_own_runtime(move || async move {
                    let mut client = connect(&url).await;
                    let tx = client.transaction().await.unwrap();
                    let statement = tx.prepare(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    for row in rows {
                        tx.execute(&statement, &pg_values(&row)).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    }
                    tx.commit().await.unwrap();
                })
            }
        }
    }

    /// Several statements without parameters, in one go.
    pub fn batch(&self, sql: &str) {
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                c.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Sql::Postgres(url) => {
                let (url, sql) = (url.clone(), sql.to_owned());
                on_own_runtime(move || async move {
                    connect(&url).await.batch_execute(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
                })
            }
        }
    }

    /// The single integer `sql` selects (a `COUNT(*)`, say).
    pub fn int(&self, sql: &str, params: &[SqlValue]) -> i64 {
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                let values: Vec<rusqlite::types::Value> = params.iter().map(sqlite_value).collect();
                c.query_row(sql, rusqlite::params_from_iter(values), |r| r.get(0))
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Sql::Postgres(url) => {
                let (url, sql, params) = (url.clone(), dollar_params(sql), params.to_vec());
                on_own_runtime(move || async move {
                    let client = connect(&url).await;
                    let values = pg_values(&params);
                    let row = client.query_one(&sql, &values).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    row.get::<_, i64>(0)
                })
            }
        }
    }

    /// The text column `sql` selects, row by row.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                let mut s = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                s.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
            }
            Sql::Postgres(url) => {
                let (url, sql) = (url.clone(), sql.to_owned());
                on_own_runtime(move || async move {
                    let rows = connect(&url).await.query(&sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    rows.iter().map(|r| r.get(0)).collect()
                })
            }
        }
    }

    /// The single text (or NULL) `sql` selects.
    pub fn text(&self, sql: &str, params: &[SqlValue]) -> Option<String> {
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                let values: Vec<rusqlite::types::Value> = params.iter().map(sqlite_value).collect();
                c.query_row(sql, rusqlite::params_from_iter(values), |r| r.get(0))
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Sql::Postgres(url) => {
                let (url, sql, params) = (url.clone(), dollar_params(sql), params.to_vec());
                on_own_runtime(move || async move {
                    let client = connect(&url).await;
                    let values = pg_values(&params);
                    let row = client.query_one(&sql, &values).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    row.get::<_, Option<String>>(0)
                })
            }
        }
    }

    /// The tables with `needle` in a text cell of some row.
    pub fn tables_containing(&self, needle: &str) -> Vec<String> {
        let mut found = Vec::new();
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                for table in self.tables_named("") {
                    let mut stmt = c.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
                    let n = stmt.column_count();
                    let mut rows = stmt.query([]).unwrap();
                    while let Some(row) = rows.next().unwrap() {
                        let has = (0..n).any(|i| {
                            matches!(row.get::<_, Option<String>>(i), Ok(Some(text)) if text.contains(needle))
                        });
                        if has && !found.contains(&table) {
                            found.push(table.clone());
                        }
                    }
                }
            }
            Sql::Postgres(url) => {
                let (url, needle, tables) = (url.clone(), needle.to_owned(), self.tables_named(""));
                found = on_own_runtime(move || async move {
                    let client = connect(&url).await;
                    let mut found = Vec::new();
                    for table in tables {
                        // A row as text holds every cell of it.
                        let sql = format!("SELECT COUNT(*) FROM \"{table}\" AS r WHERE strpos(r::text, $1) > 0");
                        let n: i64 = client.query_one(&sql, &[&needle]).await.unwrap().get(0);
                        if n > 0 {
                            found.push(table);
                        }
                    }
                    found
                });
            }
        }
        found
    }

    /// The names of the tables whose names begin with `prefix`.
    pub fn tables_named(&self, prefix: &str) -> Vec<String> {
        let like = format!("{prefix}%");
        match self {
            Sql::Sqlite(path) => {
                let c = rusqlite::Connection::open(path).unwrap();
                let mut s = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?1").unwrap();
                s.query_map([like], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
            }
            Sql::Postgres(url) => {
                let url = url.clone();
                on_own_runtime(move || async move {
                    let rows = connect(&url)
                        .await
                        .query(
                            "SELECT table_name::text FROM information_schema.tables
                             WHERE table_schema = current_schema() AND table_name LIKE $1",
                            &[&like],
                        )
                        .await
                        .unwrap();
                    rows.iter().map(|r| r.get(0)).collect()
                })
            }
        }
    }
}

fn sqlite_value(v: &SqlValue) -> rusqlite::types::Value {
    match v {
        SqlValue::Int(i) => rusqlite::types::Value::Integer(*i),
        SqlValue::Real(f) => rusqlite::types::Value::Real(*f),
        SqlValue::Text(s) => rusqlite::types::Value::Text(s.clone()),
    }
}

fn pg_values(params: &[SqlValue]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| match v {
            SqlValue::Int(i) => i as &(dyn tokio_postgres::types::ToSql + Sync),
            SqlValue::Real(f) => f as _,
            SqlValue::Text(s) => s as _,
        })
        .collect()
}

/// `?N` parameters as PostgreSQL's `$N`.
fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
    tokio::spawn(connection);
    client
}

/// Runs `f` to completion on a runtime of its own thread, so synchronous
/// helpers work inside a test's runtime without blocking its other tasks' I/O.
fn on_own_runtime<T: Send + 'static, F: std::future::Future<Output = T>>(f: impl FnOnce() -> F + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f())
    })
    .join()
    .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
