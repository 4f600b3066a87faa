//! Who is using a data directory. `serve` on SQLite holds a shared
//! flock(2) on `DATA_DIR/mm.lock` for as long as it runs; `restore` takes
//! it exclusively, so it never replaces a database a server has open, and
//! a server does not start on a directory being restored. The kernel drops
//! the lock when its process ends, even by `kill -9`, so a crash leaves no
//! stale lock behind. Shared, not exclusive, for servers: `mm-server user
//! add` and the like open the same database while a server runs, and
//! nothing that worked before should stop working.

use std::fs::File;
use std::path::Path;

pub const LOCK_FILE: &str = "mm.lock";

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// The lock a server holds; `None` when a restore holds it.
pub fn shared(data_dir: &Path) -> std::io::Result<Option<DirLock>> {
    take(data_dir, false)
}

/// The lock a restore holds; `None` when a server (or another restore)
/// holds it.
pub fn exclusive(data_dir: &Path) -> std::io::Result<Option<DirLock>> {
    take(data_dir, true)
}

fn take(data_dir: &Path, exclusive: bool) -> std::io::Result<Option<DirLock>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(data_dir.join(LOCK_FILE))?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let how = if exclusive { libc::LOCK_EX } else { libc::LOCK_SH } | libc::LOCK_NB;
        // SAFETY: flock only reads the descriptor, which `file` keeps open
        // for the duration of the call.
        if unsafe { libc::flock(file.as_raw_fd(), how) } != 0 {
            let e = std::io::Error::last_os_error();
            return if e.kind() == std::io::ErrorKind::WouldBlock { Ok(None) } else { Err(e) };
        }
    }
    #[cfg(not(unix))]
    let _ = exclusive;
    Ok(Some(DirLock { _file: file }))
}

/// A new directory only its owner may enter (0700), whatever the umask.
pub(crate) fn create_owner_only_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// A new file only its owner may read (0600); fails if it exists.
pub(crate) fn create_owner_only_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_server_s_shared_lock_keeps_a_restore_out_and_the_other_way_round() {
        let dir = tempfile::tempdir().unwrap();
        let server = super::shared(dir.path()).unwrap().expect("a free directory");
        let second = super::shared(dir.path()).unwrap().expect("servers share it");
        assert!(super::exclusive(dir.path()).unwrap().is_none(), "a restore must not start");
        drop((server, second));
        let restore = super::exclusive(dir.path()).unwrap().expect("free again");
        assert!(super::shared(dir.path()).unwrap().is_none(), "a server must not start mid-restore");
        drop(restore);
    }
}
