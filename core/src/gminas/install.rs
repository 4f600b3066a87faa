//! What belongs to the install rather than to one gmina, in
//! `data_dir/install.sqlite3`: the server's address, the chosen gmina (so
//! a restart opens the same one), and every gmina of the directory seen so
//! far (so the picker works offline).

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use mm_protocol::gmina::{GminaSummary, Teryt};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Error;

pub(crate) const FILE: &str = "install.sqlite3";

const SERVER_URL: &str = "server_url";
const CHOSEN_GMINA: &str = "chosen_gmina";

/// Versions in `PRAGMA user_version`, as the gmina stores keep theirs.
const MIGRATIONS: &[&str] = &[
    // 1: first schema.
    r#"
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    -- The directory as last seen: one row per gmina, its wire JSON.
    CREATE TABLE directory (teryt TEXT PRIMARY KEY, body TEXT NOT NULL);
    "#,
];

/// One small file, one connection: it is written when the resident
/// chooses or the directory is fetched, and read at start.
pub(crate) struct Install {
    conn: Mutex<Connection>,
}

impl Install {
    pub fn open(data_dir: &Path) -> Result<Install, Error> {
        let mut conn = Connection::open(data_dir.join(FILE))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            return Err(Error::Storage { detail: format!("install store version {version} is newer than this build") });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Install { conn: Mutex::new(conn) })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, Error>) -> Result<T, Error> {
        // SQLite rolls back what a panicking holder left: safe to reuse.
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        self.with(|c| Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?))
    }

    fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        self.with(|c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    pub fn server_url(&self) -> Result<Option<String>, Error> {
        self.get(SERVER_URL)
    }

    pub fn set_server_url(&self, url: &str) -> Result<(), Error> {
        self.set(SERVER_URL, url)
    }

    /// The gmina chosen last; a code this build no longer accepts counts
    /// as none (the picker shows again rather than the app failing).
    pub fn chosen(&self) -> Result<Option<Teryt>, Error> {
        Ok(self.get(CHOSEN_GMINA)?.and_then(|t| Teryt::parse(&t).ok()))
    }

    pub fn set_chosen(&self, teryt: &Teryt) -> Result<(), Error> {
        self.set(CHOSEN_GMINA, teryt.as_str())
    }

    /// Keeps every gmina of a directory answer (newer rows replace older).
    pub fn remember(&self, gminas: &[GminaSummary]) -> Result<(), Error> {
        self.with(|c| {
            let tx = c.transaction()?;
            for g in gminas {
                tx.execute(
                    "INSERT INTO directory (teryt, body) VALUES (?1, ?2)
                     ON CONFLICT(teryt) DO UPDATE SET body = excluded.body",
                    params![g.teryt.as_str(), serde_json::to_string(g)?],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Every gmina seen in a directory answer so far.
    pub fn remembered(&self) -> Result<Vec<GminaSummary>, Error> {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT body FROM directory")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for body in rows {
                // A row this build cannot read is skipped, not fatal: the
                // next answer from the server replaces it.
                if let Ok(g) = serde_json::from_str::<GminaSummary>(&body?) {
                    out.push(g);
                }
            }
            Ok(out)
        })
    }

    pub fn remembered_one(&self, teryt: &Teryt) -> Result<Option<GminaSummary>, Error> {
        let body: Option<String> = self.with(|c| {
            Ok(c.query_row("SELECT body FROM directory WHERE teryt = ?1", [teryt.as_str()], |r| r.get(0)).optional()?)
        })?;
        Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
    }
}
