//! A fresh PostgreSQL database per test, on the server that
//! `MM_TEST_DATABASE_URL` names or that Debian's `pg_virtualenv` started
//! (it sets PGHOST, PGPORT, PGUSER, PGPASSWORD): `make test-postgres`.
//!
//! Without either, a test skips, saying so, unless `MM_REQUIRE_POSTGRES`
//! is set (as `make test-postgres` and CI set it): then it fails, so a
//! PostgreSQL suite can never pass by silently running nothing.
#![allow(dead_code)]

use std::str::FromStr;

/// A database that exists for one test and is dropped after it.
pub struct TestDatabase {
    pub url: String,
    name: String,
    admin: String,
}

impl TestDatabase {
    /// A new empty database with a random name; `None` (skip) only when no
    /// PostgreSQL is configured and none is required.
    pub async fn create() -> Option<TestDatabase> {
        let Some(admin) = server_url() else {
            assert!(
                std::env::var_os("MM_REQUIRE_POSTGRES").is_none(),
                "MM_REQUIRE_POSTGRES is set but no PostgreSQL is: set MM_TEST_DATABASE_URL, or run under pg_virtualenv"
            );
            eprintln!("skipped: no PostgreSQL (run `make test-postgres`, or set MM_TEST_DATABASE_URL)");
            return None;
        };
        Some(Self::create_on(admin).await)
    }

    /// A new empty database, PostgreSQL being required (the test backend
    /// is PostgreSQL): none configured fails the test.
    pub async fn create_required() -> TestDatabase {
        let admin = server_url()
            .expect("MM_TEST_BACKEND=postgres, but no PostgreSQL: run under pg_virtualenv or set MM_TEST_DATABASE_URL");
        Self::create_on(admin).await
    }

    async fn create_on(admin: String) -> TestDatabase {
        let name = format!("mm_test_{}", uuid::Uuid::new_v4().simple());
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL: {e}"));
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
        let mut config = tokio_postgres::Config::from_str(&admin).expect("a valid server URL");
        config.dbname(&name);
        TestDatabase { url: key_values(&config), name, admin }
    }
}

impl Drop for TestDatabase {
    /// Dropped on a thread of its own: the test's runtime may be gone.
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.ok()?;
                tokio::spawn(connection);
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()
            })
        })
        .join();
    }
}

/// The server to create test databases on, as a connection string.
fn server_url() -> Option<String> {
    if let Ok(url) = std::env::var("MM_TEST_DATABASE_URL") {
        return Some(url);
    }
    let host = std::env::var("PGHOST").ok()?;
    let mut config = tokio_postgres::Config::new();
    config.host(&host).dbname("postgres");
    if let Some(port) = std::env::var("PGPORT").ok().and_then(|p| p.parse().ok()) {
        config.port(port);
    }
    config.user(std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into()));
    if let Ok(password) = std::env::var("PGPASSWORD") {
        config.password(password);
    }
    Some(key_values(&config))
}

/// `Config` as a `key='value' ...` connection string (libpq's format,
/// which `tokio_postgres::Config::from_str` reads).
fn key_values(c: &tokio_postgres::Config) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut parts = Vec::new();
    if let Some(tokio_postgres::config::Host::Tcp(h)) = c.get_hosts().first() {
        parts.push(format!("host={}", quote(h)));
    }
    #[cfg(unix)]
    if let Some(tokio_postgres::config::Host::Unix(p)) = c.get_hosts().first() {
        parts.push(format!("host={}", quote(&p.to_string_lossy())));
    }
    if let Some(port) = c.get_ports().first() {
        parts.push(format!("port={port}"));
    }
    if let Some(user) = c.get_user() {
        parts.push(format!("user={}", quote(user)));
    }
    if let Some(pw) = c.get_password() {
        parts.push(format!("password={}", quote(&String::from_utf8_lossy(pw))));
    }
    if let Some(db) = c.get_dbname() {
        parts.push(format!("dbname={}", quote(db)));
    }
    parts.join(" ")
}

/// A `PostgresStore` on a fresh database, photos under a temp dir; `None`
/// as [`TestDatabase::create`].
pub async fn store() -> Option<(mm_server::store::PostgresStore, TestDatabase, tempfile::TempDir)> {
    let db = TestDatabase::create().await?;
    let dir = tempfile::tempdir().unwrap();
    let store = mm_server::store::PostgresStore::connect(&db.url, dir.path()).await.expect("connect and migrate");
    Some((store, db, dir))
}
