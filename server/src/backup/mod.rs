//! Backups of a SQLite deployment and their restore (issue 17, item 4):
//! `mm-server backup --to FILE` and `mm-server restore --from FILE`
//! (docs/OPERATIONS.md, "Kopie zapasowe / Backups"). A PostgreSQL
//! deployment is backed up with `pg_dump -Fc` instead (the same document).
//!
//! A backup is one tar file (so `tar tf FILE` lists it) holding:
//!
//! - `mm.sqlite`: a consistent snapshot of the database, taken with
//!   SQLite's online backup API while the server keeps serving
//!   ([`snapshot`]);
//! - every other file of the data directory, taken after the snapshot: the
//!   keys a restored server must have to keep its residents' devices and
//!   voters (`device-token.key`, `budget-identity.key`), the credentials
//!   files gminas' settings name, `push-state/`, the EZD packages, and the
//!   photos (`photos/`, or the directory `--photos` names, stored under
//!   `photos/`). Photos in an S3 bucket are not in it: the bucket's own
//!   versioning or replication keeps them;
//! - `mm-backup.json` last: the manifest ([`archive::Manifest`]), with each
//!   file's size and SHA-256 and the database's row count per table, so a
//!   truncated or damaged file is refused before anything is replaced.
//!
//! The snapshot comes first: a photo acknowledged before the backup began
//! has its file before its row, so every photo the snapshot names is then
//! copied (unless it was deleted in between, which only the clean-up of
//! unused photos does). Files written after the snapshot may be in the
//! archive too; a photo without a row is removed by the next clean-up.
//!
//! [`restore`] unpacks into a staging directory, checks the manifest, runs
//! `PRAGMA integrity_check` and the schema version, and only then moves
//! the files into the data directory. A server holds [`lock::LOCK_FILE`]
//! while it serves, and restore refuses a data directory whose lock it
//! cannot take.

pub mod archive;
pub mod lock;
pub mod restore;
pub mod snapshot;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub use restore::{RestoreReport, restore};

use crate::store::sqlite::DB_FILE;

/// What `backup` needs to know about the deployment.
pub struct BackupOptions {
    pub data_dir: PathBuf,
    /// Where photos' files are when they are not under the data directory
    /// (`--photos DIR`); `None` for `DATA_DIR/photos` or an S3 bucket.
    pub photos_elsewhere: Option<PathBuf>,
    pub to: PathBuf,
    /// Replace `to` if it exists.
    pub force: bool,
}

/// What `backup` wrote: counts and sizes, nothing about anyone.
#[derive(Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    pub database_bytes: u64,
    pub schema_version: i64,
    pub tables: usize,
    pub rows: u64,
    pub photos: usize,
    pub photo_bytes: u64,
    /// The other files, by name relative to the data directory (key
    /// files, credentials files: names, never contents).
    pub other_files: Vec<String>,
}

/// Files of the data directory a backup never copies: the live database
/// (its snapshot is taken instead), the lock, and files being written
/// (photos and keys go through a temporary name first).
fn skipped(name: &str) -> bool {
    matches!(name, "mm.sqlite" | "mm.sqlite-wal" | "mm.sqlite-shm" | "mm.sqlite-journal" | lock::LOCK_FILE)
        || name == archive::MANIFEST
        || name.ends_with(".tmp")
        || name.starts_with(restore::STAGING_PREFIX)
}

/// Writes the backup `options` describe (module docs). The archive is
/// written under a temporary name beside `to` and renamed into place once
/// complete and on disk, so `to` is either absent, the old file (with
/// `force`) or the whole new backup.
pub fn backup(options: &BackupOptions) -> Result<BackupReport> {
    let to = &options.to;
    if !options.force && std::fs::symlink_metadata(to).is_ok() {
        bail!("{} już istnieje; --force, aby go zastąpić / {} exists already; --force replaces it", to.display(), to.display());
    }
    let db = options.data_dir.join(DB_FILE);
    if !db.is_file() {
        bail!("brak bazy {} / no database at {}", db.display(), db.display());
    }
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = to.file_name().context("--to must name a file")?.to_string_lossy().into_owned();
    // Inside, every later backup would hold the earlier ones.
    let canonical = |p: &Path| std::fs::canonicalize(p).with_context(|| format!("cannot find {}", p.display()));
    if canonical(&dir)?.starts_with(canonical(&options.data_dir)?) {
        bail!("kopia nie może leżeć w katalogu danych / write the backup outside the data directory");
    }
    let work = dir.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4()));
    lock::create_owner_only_dir(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = write_backup(options, &db, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn write_backup(options: &BackupOptions, db: &Path, work: &Path) -> Result<BackupReport> {
    let copy = work.join(DB_FILE);
    let snap = snapshot::take(db, &copy).context("the database snapshot failed")?;
    let tar_path = work.join("backup.tar");
    let mut out = archive::Writer::create(&tar_path)?;
    let database_bytes = out.add_file(DB_FILE, &copy)?;
    // Photos kept outside the data directory go in as `photos/`, where
    // restore puts them.
    let mut files = Vec::new();
    let skip_photos = options.photos_elsewhere.is_some();
    collect(&options.data_dir, &options.data_dir, "", skip_photos, &mut files)?;
    if let Some(photos) = &options.photos_elsewhere {
        collect(photos, photos, "photos/", false, &mut files)?;
    }
    files.sort();
    let (mut photos, mut photo_bytes, mut other_files) = (0, 0, Vec::new());
    for (name, path) in &files {
        // A file removed since it was listed (a photo the clean-up
        // deleted, a temporary file) is simply not in the backup.
        let Some(n) = out.add_small_file(name, path)? else { continue };
        if name.starts_with("photos/") {
            photos += 1;
            photo_bytes += n;
        } else {
            other_files.push(name.clone());
        }
    }
    let tables = snap.tables.len();
    let rows = snap.tables.values().sum();
    out.finish(snap.schema_version, snap.tables)?;
    let bytes = std::fs::metadata(&tar_path)?.len();
    publish(&tar_path, &options.to, options.force)?;
    Ok(BackupReport {
        file: options.to.clone(),
        bytes,
        database_bytes,
        schema_version: snap.schema_version,
        tables,
        rows,
        photos,
        photo_bytes,
        other_files,
    })
}

/// Regular files under `dir`, as (name in the archive, path); symbolic
/// links are not followed (a data directory holds none of its own).
fn collect(root: &Path, dir: &Path, prefix: &str, skip_photos: bool, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else { continue };
        let Some(rel) = rel.to_str() else {
            tracing::warn!(path = %path.display(), "not in the backup: the name is not UTF-8");
            continue;
        };
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if dir == root && (skipped(&file_name) || (skip_photos && file_name == "photos")) {
            continue;
        }
        if file_name.ends_with(".tmp") || file_name.ends_with(".partial") {
            continue;
        }
        if kind.is_dir() {
            collect(root, &path, prefix, skip_photos, out)?;
        } else if kind.is_file() {
            out.push((format!("{prefix}{rel}"), path));
        } else {
            tracing::warn!(path = %path.display(), "not in the backup: not a regular file");
        }
    }
    Ok(())
}

/// Moves the finished archive to `to`: never over an existing file unless
/// `force` (a hard link fails when the name exists, so two backups racing
/// for one name cannot both win), then the directory is synced.
fn publish(tmp: &Path, to: &Path, force: bool) -> Result<()> {
    if force {
        std::fs::rename(tmp, to).with_context(|| format!("cannot write {}", to.display()))?;
    } else {
        match std::fs::hard_link(tmp, to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                bail!("{} już istnieje; --force, aby go zastąpić / {} exists already; --force replaces it", to.display(), to.display())
            }
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", to.display())),
        }
    }
    if let Some(dir) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).ok();
    }
    Ok(())
}
