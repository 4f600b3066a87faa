//! The backup file: a tar archive (POSIX ustar with GNU long names, what
//! the `tar` crate writes), the database first, the manifest last.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::{Component, Path};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::sqlite::DB_FILE;

/// The manifest's name in the archive, its last entry.
pub const MANIFEST: &str = "mm-backup.json";
/// The manifest's format; restore refuses any other.
pub const FORMAT: &str = "mm-backup/1";
/// Files other than the database are read whole before they are written
/// (their size must not change between the header and the bytes); photos
/// and keys are far smaller.
const SMALL_FILE_MAX: u64 = 256 << 20;

/// What the archive holds, checked by restore before anything moves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub server_version: String,
    pub schema_version: i64,
    /// Rows per table of `mm.sqlite`.
    pub tables: BTreeMap<String, u64>,
    /// Every other entry, in the archive's order.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Writes an archive: entries, then [`finish`](Writer::finish).
pub struct Writer {
    builder: tar::Builder<std::io::BufWriter<std::fs::File>>,
    files: Vec<FileEntry>,
}

impl Writer {
    /// A new file (mode 0600; it must not exist).
    pub fn create(path: &Path) -> Result<Writer> {
        let file = super::lock::create_owner_only_file(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut builder = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, file));
        builder.mode(tar::HeaderMode::Deterministic);
        Ok(Writer { builder, files: Vec::new() })
    }

    /// Streams a file that does not change while it is read (the
    /// snapshot); its size.
    pub fn add_file(&mut self, name: &str, path: &Path) -> Result<u64> {
        let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let size = file.metadata()?.len();
        let mut reader = Hashing::new(BufReader::with_capacity(1 << 20, file));
        self.append(name, size, &mut reader)?;
        if reader.n != size {
            bail!("{} changed while it was archived", path.display());
        }
        self.files.push(FileEntry { path: name.into(), size, sha256: reader.hex() });
        Ok(size)
    }

    /// A file of the data directory, read whole first; `None` when it was
    /// removed since it was listed.
    pub fn add_small_file(&mut self, name: &str, path: &Path) -> Result<Option<u64>> {
        let bytes = match std::fs::File::open(path) {
            Ok(f) => {
                let mut bytes = Vec::new();
                f.take(SMALL_FILE_MAX + 1).read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
                bytes
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if bytes.len() as u64 > SMALL_FILE_MAX {
            bail!("{} is larger than {} MiB: not a file the server writes", path.display(), SMALL_FILE_MAX >> 20);
        }
        let size = bytes.len() as u64;
        let mut reader = Hashing::new(&bytes[..]);
        self.append(name, size, &mut reader)?;
        self.files.push(FileEntry { path: name.into(), size, sha256: reader.hex() });
        Ok(Some(size))
    }

    fn append(&mut self, name: &str, size: u64, data: &mut impl Read) -> Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o600);
        header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
        self.builder.append_data(&mut header, name, data).with_context(|| format!("cannot archive {name}"))
    }

    /// Appends the manifest, ends the archive and syncs it to disk.
    pub fn finish(mut self, schema_version: i64, tables: BTreeMap<String, u64>) -> Result<()> {
        let manifest = Manifest {
            format: FORMAT.into(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            server_version: env!("CARGO_PKG_VERSION").into(),
            schema_version,
            tables,
            files: std::mem::take(&mut self.files),
        };
        let json = serde_json::to_vec_pretty(&manifest)?;
        self.append(MANIFEST, json.len() as u64, &mut &json[..])?;
        let out = self.builder.into_inner()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(())
    }
}

/// Unpacks the archive `from` into the empty directory `into` (files
/// 0600, directories 0700) and checks every file against the manifest:
/// the same names, sizes and SHA-256, nothing missing, nothing more, the
/// manifest last. Any difference is an error: the file is truncated,
/// damaged or not a backup. `into` is then the caller's to remove.
pub fn unpack(from: &Path, into: &Path) -> Result<Manifest> {
    let file = std::fs::File::open(from).with_context(|| format!("cannot read {}", from.display()))?;
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 20, file));
    let mut unpacked: Vec<FileEntry> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries().context("not a tar archive")? {
        let mut entry = entry.context("a damaged entry")?;
        if manifest.is_some() {
            bail!("entries after the manifest");
        }
        let name = match entry.header().entry_type() {
            tar::EntryType::Regular => checked_name(&entry.path()?)?,
            tar::EntryType::Directory => continue,
            other => bail!("an entry of type {other:?}, which backups do not hold"),
        };
        if name == MANIFEST {
            let mut json = Vec::new();
            (&mut entry).take(64 << 20).read_to_end(&mut json)?;
            manifest = Some(serde_json::from_slice(&json).context("the manifest is not readable")?);
            continue;
        }
        if name == super::lock::LOCK_FILE || name.starts_with(&format!("{DB_FILE}-")) {
            bail!("{name} has no place in a backup");
        }
        let size = entry.header().size()?;
        let path = into.join(&name);
        if let Some(parent) = path.parent() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(parent)?;
        }
        let mut out = super::lock::create_owner_only_file(&path).with_context(|| format!("{name} twice, or cannot be written"))?;
        let mut reader = Hashing::new(&mut entry);
        let n = std::io::copy(&mut reader, &mut out).with_context(|| format!("{name} is cut short"))?;
        if n != size {
            bail!("{name} is cut short");
        }
        out.flush()?;
        out.sync_all()?;
        let sha256 = reader.hex();
        unpacked.push(FileEntry { path: name, size, sha256 });
    }
    let manifest = manifest.context("no manifest at the end: the file is cut short, or not a backup")?;
    if manifest.format != FORMAT {
        bail!("a backup of format {:?}, not {FORMAT}", manifest.format);
    }
    if manifest.files != unpacked {
        let differ = manifest
            .files
            .iter()
            .zip(&unpacked)
            .find(|(a, b)| a != b)
            .map(|(a, _)| a.path.clone())
            .unwrap_or_else(|| format!("{} files listed, {} found", manifest.files.len(), unpacked.len()));
        bail!("the files differ from the manifest ({differ})");
    }
    if manifest.files.first().map(|f| f.path.as_str()) != Some(DB_FILE) {
        bail!("no {DB_FILE} in the backup");
    }
    Ok(manifest)
}

/// An entry's name as a relative path of plain components only (no `..`,
/// no root, no `.`), with `/` between them.
fn checked_name(path: &Path) -> Result<String> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().context("an entry's name is not UTF-8")?),
            _ => bail!("an entry named {:?} would leave the data directory", path.display()),
        }
    }
    if parts.is_empty() {
        bail!("an entry without a name");
    }
    Ok(parts.join("/"))
}

/// Counts and hashes what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    n: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing { inner, hasher: Sha256::new(), n: 0 }
    }

    fn hex(self) -> String {
        self.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(dir: &Path) -> std::path::PathBuf {
        std::fs::write(dir.join("db"), b"database bytes").unwrap();
        std::fs::write(dir.join("key"), b"secret").unwrap();
        let tar = dir.join("b.tar");
        let mut w = Writer::create(&tar).unwrap();
        w.add_file(DB_FILE, &dir.join("db")).unwrap();
        w.add_small_file("photos/ab/ab1.jpg", &dir.join("key")).unwrap();
        assert_eq!(w.add_small_file("gone", &dir.join("gone")).unwrap(), None);
        w.finish(7, BTreeMap::from([("t".into(), 3)])).unwrap();
        tar
    }

    #[test]
    fn what_is_written_unpacks_and_checks_out() {
        let dir = tempfile::tempdir().unwrap();
        let tar = archive(dir.path());
        let into = dir.path().join("into");
        std::fs::create_dir(&into).unwrap();
        let m = unpack(&tar, &into).unwrap();
        assert_eq!((m.schema_version, m.files.len()), (7, 2));
        assert_eq!(std::fs::read(into.join("photos/ab/ab1.jpg")).unwrap(), b"secret");
    }

    #[test]
    fn a_cut_or_changed_archive_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let tar = archive(dir.path());
        let bytes = std::fs::read(&tar).unwrap();
        for (i, bad) in [bytes[..bytes.len() / 2].to_vec(), bytes[..1536].to_vec(), {
            let mut b = bytes.clone();
            b[512] ^= 1; // the database's first byte: its hash differs
            b
        }]
        .into_iter()
        .enumerate()
        {
            let (file, into) = (dir.path().join(format!("bad{i}")), dir.path().join(format!("into{i}")));
            std::fs::write(&file, bad).unwrap();
            std::fs::create_dir(&into).unwrap();
            assert!(unpack(&file, &into).is_err(), "case {i}");
        }
    }

    #[test]
    fn names_that_leave_the_directory_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../x", "./"] {
            assert!(checked_name(Path::new(bad)).is_err(), "{bad}");
        }
        assert_eq!(checked_name(Path::new("photos/ab/x.jpg")).unwrap(), "photos/ab/x.jpg");
    }
}
