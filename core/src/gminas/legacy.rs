//! The single store of an install from before issue 13
//! (`data_dir/mm.sqlite3`, photos in `data_dir/photos`): it becomes the
//! store of the gmina it holds, so nothing the resident typed (a queued
//! report, a draft) is lost on the update.

use std::path::Path;

use mm_protocol::gmina::{Gmina, Teryt};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{GMINAS_DIR, STORE_FILE, Tenant};
use crate::error::Error;

/// What the old store tells before it is moved.
#[derive(Debug, Default)]
pub(crate) struct Legacy {
    /// The gmina it synced, if it ever did.
    pub gmina: Option<Teryt>,
    pub server_url: Option<String>,
}

/// `None` when there is no old store.
pub(crate) fn inspect(data_dir: &Path) -> Result<Option<Legacy>, Error> {
    let path = data_dir.join(STORE_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let value = |sql: &str| -> Result<Option<String>, Error> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, String>(0)).optional()?)
    };
    let gmina = value("SELECT body FROM gmina LIMIT 1")?
        .and_then(|b| serde_json::from_str::<Gmina>(&b).ok())
        .and_then(|g| Teryt::parse(&g.teryt).ok());
    let server_url = value("SELECT value FROM meta WHERE key = 'server_url'")?;
    Ok(Some(Legacy { gmina, server_url }))
}

/// Moves the old store (with its WAL, if a crash left one, and its photos)
/// into `teryt`'s folder, when that gmina has none yet and the old store
/// holds that gmina's data or none at all (never synced: what it queued
/// was meant for the deployment's gmina, the one now chosen).
pub(crate) fn adopt(data_dir: &Path, teryt: &Teryt) -> Result<(), Error> {
    let folder = Tenant::folder(data_dir, teryt);
    let Some(old) = inspect(data_dir)? else { return Ok(()) };
    if folder.join(STORE_FILE).exists() || old.gmina.as_ref().is_some_and(|g| g != teryt) {
        return Ok(());
    }
    // Everything into the main file first (the WAL emptied), so one atomic
    // rename moves it all: a crash before it leaves the old store whole.
    let from = data_dir.join(STORE_FILE);
    {
        let conn = Connection::open(&from)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    std::fs::create_dir_all(&folder)?;
    std::fs::rename(&from, folder.join(STORE_FILE))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data_dir.join(format!("{STORE_FILE}{suffix}")));
    }
    let photos = data_dir.join("photos");
    if photos.is_dir() {
        std::fs::rename(&photos, folder.join("photos"))?;
    }
    tracing::info!(gmina = %teryt, dir = GMINAS_DIR, "moved the install's single store to its gmina");
    Ok(())
}
