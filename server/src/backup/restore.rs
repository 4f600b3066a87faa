//! `mm-server restore --from FILE`: a backup into a data directory that is
//! absent or empty (or any, with `--force`), never while a server uses it.
//!
//! Order: refuse what must be refused (a non-empty directory without
//! `--force`, a directory whose lock a server holds), unpack into a
//! staging directory and check everything there (the manifest's sizes and
//! hashes, `PRAGMA integrity_check`, the schema version, the row counts),
//! and only then move the files in. Any failure before the move removes
//! the staging directory and leaves the target as it was.
//!
//! The staging directory is inside the target when the target exists (a
//! data directory is often a mount point: a rename out of it would cross
//! file systems), else beside it, renamed into place at the end.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OpenFlags};

use super::{archive, lock, snapshot};
use crate::store::sqlite::DB_FILE;

/// Staging directories' names begin with this (backups skip them).
pub const STAGING_PREFIX: &str = ".mm-restore-";

/// What restore put in place: counts, nothing about anyone.
#[derive(Debug)]
pub struct RestoreReport {
    pub data_dir: PathBuf,
    pub created_at: String,
    pub schema_version: i64,
    pub tables: usize,
    pub rows: u64,
    pub photos: usize,
    pub other_files: usize,
    pub bytes: u64,
    /// Entries of the target removed first (with `--force`).
    pub replaced: usize,
}

pub fn restore(from: &Path, target: &Path, force: bool) -> Result<RestoreReport> {
    if !from.is_file() {
        bail!("nie ma pliku {} / no file {}", from.display(), from.display());
    }
    let exists = match std::fs::metadata(target) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => bail!("{} nie jest katalogiem / is not a directory", target.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e).with_context(|| format!("cannot look at {}", target.display())),
    };
    let old = if exists { entries(target)? } else { Vec::new() };
    if !old.is_empty() && !force {
        bail!(
            "{} nie jest pusty; --force zastąpi jego zawartość / {} is not empty; --force replaces what it holds",
            target.display(),
            target.display()
        );
    }
    let had_lock_file = target.join(lock::LOCK_FILE).exists();
    let _lock = if exists {
        match lock::exclusive(target).with_context(|| format!("cannot lock {}", target.display()))? {
            Some(l) => Some(l),
            None => bail!(
                "serwer używa {} — zatrzymaj go najpierw / a server is using {}: stop it first",
                target.display(),
                target.display()
            ),
        }
    } else {
        None
    };
    let staging = if exists {
        target.join(format!("{STAGING_PREFIX}{}", uuid::Uuid::new_v4()))
    } else {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target.file_name().context("the data directory needs a name")?.to_string_lossy().into_owned();
        parent.join(format!(".{name}{STAGING_PREFIX}{}", uuid::Uuid::new_v4()))
    };
    lock::create_owner_only_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let checked = unpack_and_check(from, &staging);
    let manifest = match checked {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            if exists && !had_lock_file {
                let _ = std::fs::remove_file(target.join(lock::LOCK_FILE));
            }
            return Err(e.context(format!(
                "kopia {} jest niepełna lub uszkodzona; {} bez zmian / the backup is incomplete or damaged; {} is unchanged",
                from.display(),
                target.display(),
                target.display()
            )));
        }
    };
    // Checked: now the move.
    if exists {
        for name in &old {
            let path = target.join(name);
            let gone = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            gone.with_context(|| format!("cannot remove {}", path.display()))?;
        }
        for name in entries(&staging)? {
            std::fs::rename(staging.join(&name), target.join(&name))
                .with_context(|| format!("cannot move {name} into {}", target.display()))?;
        }
        std::fs::remove_dir(&staging)?;
    } else {
        std::fs::rename(&staging, target).with_context(|| format!("cannot move the restored files to {}", target.display()))?;
    }
    std::fs::File::open(target).and_then(|d| d.sync_all()).ok();
    let photos = manifest.files.iter().filter(|f| f.path.starts_with("photos/")).count();
    Ok(RestoreReport {
        data_dir: target.to_owned(),
        created_at: manifest.created_at.clone(),
        schema_version: manifest.schema_version,
        tables: manifest.tables.len(),
        rows: manifest.tables.values().sum(),
        photos,
        other_files: manifest.files.len() - photos - 1,
        bytes: manifest.files.iter().map(|f| f.size).sum(),
        replaced: old.len(),
    })
}

/// The archive into `staging`, then the database checked and compared
/// with the manifest.
fn unpack_and_check(from: &Path, staging: &Path) -> Result<archive::Manifest> {
    let manifest = archive::unpack(from, staging)?;
    let db = Connection::open_with_flags(staging.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let checked = snapshot::check(&db)?;
    db.close().map_err(|(_, e)| e)?;
    if checked.schema_version != manifest.schema_version || checked.tables != manifest.tables {
        bail!("the database differs from the manifest (schema version or rows per table)");
    }
    Ok(manifest)
}

/// A directory's entries, but for the lock file and staging directories
/// (a target holding only those counts as empty).
fn entries(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name != lock::LOCK_FILE && !name.starts_with(STAGING_PREFIX) {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}
