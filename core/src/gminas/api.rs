//! `core.gminas(…)`, `core.choose_gmina(…)`: the directory, the choice and
//! the switch.

use std::sync::Arc;

use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::Teryt;
use serde::{Deserialize, Serialize};

use super::directory::{self, GminaList, Query};
use super::{Tenant, legacy};
use crate::app::registration;
use crate::error::{CoreError, Error};
use crate::{Core, gmina, outbox};

/// Which gmina the app shows: the shells render `NotChosen` as the picker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GminaChoice {
    /// A fresh install of a deployment with several gminas (or one whose
    /// directory could not be fetched yet): nothing to show but the picker.
    NotChosen,
    Chosen {
        teryt: Teryt,
        /// "Siechnice", from the directory or the synced record; `None`
        /// until either has been seen (chosen by code, not synced yet).
        name: Option<String>,
    },
}

impl Core {
    /// The directory: gminas whose name, powiat or TERYT code starts with
    /// `query` (diacritics optional; empty: all). Offline: from the gminas
    /// seen before on this device, `offline` set.
    pub async fn gminas(&self, query: &str) -> Result<GminaList, CoreError> {
        Ok(self.directory(Query::Text(query.to_owned())).await?)
    }

    /// "Użyj mojej lokalizacji": the gminas whose boundary holds `point`.
    pub async fn gminas_at(&self, point: GeoPoint) -> Result<GminaList, CoreError> {
        Ok(self.directory(Query::At(point)).await?)
    }

    async fn directory(&self, query: Query) -> Result<GminaList, Error> {
        match directory::fetch(&self.http, &self.server_url(), &query).await {
            Ok(gminas) => {
                self.install.remember(&gminas)?;
                Ok(GminaList { gminas, offline: false })
            }
            Err(e) => {
                let e = Error::from(e);
                let seen = self.install.remembered()?;
                if !directory::offline_worthy(&e) || seen.is_empty() {
                    return Err(e);
                }
                tracing::info!(error = %e, "gmina directory unreachable; answering from the last answers");
                let gminas = seen.into_iter().filter(|g| directory::matches(g, &query)).collect();
                Ok(GminaList { gminas: directory::sorted(gminas), offline: true })
            }
        }
    }

    /// Chooses (or switches to) the gmina with this TERYT code, remembered
    /// across restarts. Its store opens as it was left; the gmina left
    /// behind keeps its store, and its queued writes are still sent, under
    /// its own name (see the module's comment). No network.
    pub fn choose_gmina(&self, teryt: &str) -> Result<GminaChoice, CoreError> {
        let teryt = Teryt::parse(teryt.trim()).map_err(|e| Error::invalid(&e.field, e.pl, e.en))?;
        self.choose(&teryt)?;
        self.gmina_choice()
    }

    /// When nothing is chosen yet and the deployment lists exactly one
    /// gmina, chooses it (what `sync` does by itself). Needs the network
    /// for the directory; otherwise the choice as it is.
    pub async fn choose_sole_gmina(&self) -> Result<GminaChoice, CoreError> {
        match self.chosen_or_sole().await {
            Ok(_) | Err(Error::GminaNotChosen) => self.gmina_choice(),
            Err(e) => Err(e.into()),
        }
    }

    /// The gmina the app shows, or `NotChosen` (the picker).
    pub fn gmina_choice(&self) -> Result<GminaChoice, CoreError> {
        let Some(tenant) = self.store.current() else {
            return Ok(GminaChoice::NotChosen);
        };
        let name = match self.install.remembered_one(&tenant.teryt)? {
            Some(g) => Some(g.name),
            None => tenant
                .store
                .read(gmina::get)?
                .and_then(|g| directory::summary_of(&g))
                .map(|g| g.name),
        };
        Ok(GminaChoice::Chosen { teryt: tenant.teryt.clone(), name })
    }

    /// The chosen gmina's code, if any.
    pub fn current_gmina(&self) -> Option<Teryt> {
        self.store.current().map(|t| t.teryt.clone())
    }

    pub(crate) fn choose(&self, teryt: &Teryt) -> Result<Arc<Tenant>, Error> {
        let tenant = self.tenant(teryt)?;
        self.install.set_chosen(teryt)?;
        self.store.set(tenant.clone());
        Ok(tenant)
    }

    /// The chosen gmina; none chosen, the only one the server lists.
    pub(crate) async fn chosen_or_sole(&self) -> Result<Arc<Tenant>, Error> {
        if let Some(t) = self.store.current() {
            return Ok(t);
        }
        let all = directory::fetch(&self.http, &self.server_url(), &Query::Text(String::new())).await?;
        self.install.remember(&all)?;
        match all.as_slice() {
            [only] => self.choose(&only.teryt),
            _ => Err(Error::GminaNotChosen),
        }
    }

    /// The gmina's store, opened once per process (two writers on one file
    /// would only wait for each other), following the current server.
    pub(crate) fn tenant(&self, teryt: &Teryt) -> Result<Arc<Tenant>, Error> {
        let mut open = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        let tenant = match open.get(teryt) {
            Some(t) => t.clone(),
            None => {
                legacy::adopt(&self.config.data_dir, teryt)?;
                let t = Arc::new(Tenant::open(&self.config.data_dir, teryt, &self.config.app_version, self.config.platform)?);
                open.insert(teryt.clone(), t.clone());
                t
            }
        };
        let explicit = self.install.server_url()?.is_some();
        tenant.follow_server(&self.server_url(), explicit, &registration(&self.config))?;
        Ok(tenant)
    }

    /// Opens, at start, the other gminas on the device that still hold
    /// writes to send, so `flush_others` sends them.
    pub(crate) fn open_others_with_writes(&self) {
        let chosen = self.current_gmina();
        for teryt in super::on_device(&self.config.data_dir) {
            if chosen.as_ref() == Some(&teryt) {
                continue;
            }
            let opened = Tenant::open(&self.config.data_dir, &teryt, &self.config.app_version, self.config.platform)
                .and_then(|t| Ok((t.pending_writes()?, t)));
            match opened {
                Ok((0, _)) => {}
                Ok((_, t)) => {
                    self.tenants.lock().unwrap_or_else(|p| p.into_inner()).insert(teryt, Arc::new(t));
                }
                // Not fatal: the chosen gmina works; that one is tried
                // again at the next start or when chosen.
                Err(e) => tracing::warn!(gmina = %teryt, error = %e, "cannot open a gmina's store"),
            }
        }
    }

    /// Pending writes of the other open gminas (a store that cannot be
    /// read counts none: its writes stay, and the next start opens it again).
    pub(crate) fn pending_writes_elsewhere(&self) -> u32 {
        let current = self.current_gmina();
        let open = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        open.values()
            .filter(|t| Some(&t.teryt) != current.as_ref())
            .map(|t| t.pending_writes().unwrap_or(0))
            .sum()
    }

    /// The server answered: the other gminas' writes held back only because
    /// it could not be reached are due now too; how many.
    pub(crate) fn wake_others(&self, current: &Teryt) -> usize {
        let open = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        open.values()
            .filter(|t| &t.teryt != current)
            .map(|t| {
                t.store.write(|tx| outbox::retry_network_failures(tx, chrono::Utc::now())).unwrap_or_else(|e| {
                    tracing::warn!(gmina = %t.teryt, error = %e, "cannot wake another gmina's writes");
                    0
                })
            })
            .sum()
    }

    /// Sends the queued writes of every other open gmina, each under its
    /// own `MM-Gmina` and its own device token. Their failures are theirs:
    /// logged, retried by the next flush, never the current sync's error.
    pub(crate) async fn flush_others(&self, base: &str, current: &Teryt) {
        let others: Vec<Arc<Tenant>> = {
            let open = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            open.values().filter(|t| &t.teryt != current).cloned().collect()
        };
        for t in others {
            match t.pending_writes() {
                Ok(0) => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(gmina = %t.teryt, error = %e, "cannot read a gmina's outbox");
                    continue;
                }
            }
            let explicit = self.install.server_url().ok().flatten().is_some();
            let sent = match t.follow_server(base, explicit, &registration(&self.config)) {
                Ok(_) => outbox::flush(&t.store, &t.http, base).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(f) => tracing::info!(gmina = %t.teryt, sent = f.sent, pending = f.pending, "sent another gmina's writes"),
                Err(e) => tracing::warn!(gmina = %t.teryt, error = %e, "another gmina's writes wait"),
            }
        }
    }
}
