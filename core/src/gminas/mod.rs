//! Many gminas in one deployment (issue 13): the directory the resident
//! picks from, the gmina chosen, and one store per gmina.
//!
//! Layout under `data_dir`:
//! - `install.sqlite3`: what belongs to the install, not to a gmina: the
//!   server's address, the chosen gmina, the directory as last seen
//!   ([`install`]);
//! - `gminas/<teryt>/mm.sqlite3` and `gminas/<teryt>/photos/`: everything
//!   of one gmina (its synced copy, drafts, outbox, device token,
//!   notifications). Switching to another gmina leaves this untouched, so
//!   switching back finds it as it was.
//!
//! A gmina's store only ever meets the HTTP client that names that gmina
//! ([`Tenant`]): its outbox cannot go out under another gmina's
//! `MM-Gmina` header, whatever the resident has chosen since.
//!
//! The outbox of a gmina the resident switched away from is flushed in the
//! background, under its own header and device token, by every
//! `flush_outbox`/`sync` (see `Core::flush_others`), rather than kept until
//! that gmina is chosen again: a resident who moved house and switched for
//! good must not find the report they typed before the move still unsent
//! months later, and the gmina it was meant for is known and unchanged.
//! Only pending writes go; writes the server refused wait in that gmina's
//! store for the resident to look at them there.

pub(crate) mod api;
pub(crate) mod directory;
pub(crate) mod install;
pub(crate) mod legacy;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::Utc;
use mm_protocol::devices::RegisterDevice;
use mm_protocol::gmina::Teryt;
use rusqlite::{Connection, Transaction};

use crate::error::Error;
use crate::store::{Store, meta};
use crate::sync::client::Http;
use crate::{devices, sync};

/// The folder of the per-gmina stores inside `data_dir`.
pub(crate) const GMINAS_DIR: &str = "gminas";
/// A gmina's store file inside its folder (the name the single store had).
pub(crate) const STORE_FILE: &str = "mm.sqlite3";

/// One gmina on this device: its folder, its store, and the client that
/// names it in every request.
pub(crate) struct Tenant {
    pub teryt: Teryt,
    /// `data_dir/gminas/<teryt>`: the store and the photos of its drafts.
    pub dir: PathBuf,
    pub store: Store,
    /// Sends `MM-Gmina: <teryt>` with every request.
    pub http: Http,
}

impl Tenant {
    pub fn folder(data_dir: &Path, teryt: &Teryt) -> PathBuf {
        data_dir.join(GMINAS_DIR).join(teryt.as_str())
    }

    /// Opens (creating and migrating) the gmina's store.
    pub fn open(data_dir: &Path, teryt: &Teryt, app_version: &str, platform: mm_protocol::devices::Platform) -> Result<Tenant, Error> {
        let dir = Tenant::folder(data_dir, teryt);
        std::fs::create_dir_all(&dir)?;
        let store = Store::open(&dir.join(STORE_FILE))?;
        let http = Http::new(app_version, platform, Some(teryt))?;
        Ok(Tenant { teryt: teryt.clone(), dir, store, http })
    }

    /// Points this gmina's copy at `server_url`, and makes sure a device
    /// registration is queued when the copy has none. When the address is
    /// one the resident set (`compare`), a copy made from another server
    /// starts over: its cursor, content and device token mean nothing
    /// there; its queued writes stay and go to the new server. An address
    /// from the configuration alone is not compared (as before issue 13: a
    /// shell's changing default never wiped a copy). Whether it started over.
    pub fn follow_server(&self, server_url: &str, compare: bool, registration: &RegisterDevice) -> Result<bool, Error> {
        self.store.write(|tx| {
            let from = meta::get(tx, meta::SERVER_URL)?;
            let moved = compare && from.as_deref().is_some_and(|from| from != server_url);
            if moved {
                sync::forget_synced(tx)?;
                devices::forget(tx)?;
            }
            if from.as_deref() != Some(server_url) {
                meta::set(tx, meta::SERVER_URL, server_url)?;
            }
            devices::ensure_queued(tx, registration, Utc::now())?;
            Ok(moved)
        })
    }

    /// Writes waiting to be sent (not the refused ones).
    pub fn pending_writes(&self) -> Result<u32, Error> {
        self.store.read(|c| Ok(crate::outbox::counts(c)?.0))
    }
}

/// The chosen gmina's store, or `gmina_not_chosen` while there is none.
/// Reads and writes go to the gmina chosen at the moment of the call; work
/// of several steps (a sync, a flush) takes the [`Tenant`] once with
/// [`Chosen::get`] and keeps to it, so a switch half-way cannot mix two
/// gminas' data.
#[derive(Default)]
pub(crate) struct Chosen(RwLock<Option<Arc<Tenant>>>);

impl Chosen {
    pub fn get(&self) -> Result<Arc<Tenant>, Error> {
        self.current().ok_or(Error::GminaNotChosen)
    }

    pub fn current(&self) -> Option<Arc<Tenant>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, tenant: Arc<Tenant>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(tenant);
    }

    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        self.get()?.store.read(f)
    }

    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, Error>) -> Result<T, Error> {
        self.get()?.store.write(f)
    }
}

/// The gminas with a folder under `data_dir/gminas` (whatever their state).
pub(crate) fn on_device(data_dir: &Path) -> Vec<Teryt> {
    let Ok(entries) = std::fs::read_dir(data_dir.join(GMINAS_DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<Teryt> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join(STORE_FILE).is_file())
        .filter_map(|e| Teryt::parse(e.file_name().to_str()?).ok())
        .collect();
    out.sort();
    out
}
