//! The reference data a report listing reads beside the reports: the
//! categories (names, target times, attributes) and the gmina's name,
//! kept in memory. Open311 read them from the database and parsed them
//! again on every request, which cost more than the reports themselves
//! (issue 11, step 6).
//!
//! **When it is loaded again.** Before serving, the cache asks the store
//! for its [`reference_version`](crate::store::ReportStore::reference_version),
//! a number that differs after every committed change to the categories
//! or the gmina; a different number loads them again. The version is
//! read before the data, so data loaded while a change commits is tagged
//! with the older number and replaced at the next request. SQLite answers
//! the version from memory (one process writes the file), so a request
//! pays nothing for it; a database several instances share answers it in
//! one small read, and every instance sees every other's change at once,
//! which an invalidation on the writing instance plus a time to live
//! would not give. [`MAX_AGE`] bounds what no store can see: a hand edit
//! of the file, or another process writing it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use mm_protocol::gmina::Teryt;
use mm_protocol::reports::ReportCategory;

use crate::store::{Store, StoreResult};

/// How long loaded data is served without a change the store reported.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// The categories and the gmina's name as one snapshot.
#[derive(Debug)]
pub struct Reference {
    /// Every category, inactive ones too, in the store's order.
    pub categories: Vec<ReportCategory>,
    by_id: HashMap<String, usize>,
    /// `None` until a gmina is loaded.
    pub gmina_name: Option<String>,
}

impl Reference {
    pub fn new(categories: Vec<ReportCategory>, gmina_name: Option<String>) -> Reference {
        let by_id = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        Reference {
            categories,
            by_id,
            gmina_name,
        }
    }

    pub fn category(&self, id: &str) -> Option<&ReportCategory> {
        self.by_id.get(id).map(|&i| &self.categories[i])
    }
}

struct Loaded {
    version: u64,
    at: Instant,
    data: Arc<Reference>,
}

/// Per gmina, by the TERYT code of the store handle asked with.
#[derive(Default)]
pub struct ReferenceCache {
    loaded: RwLock<HashMap<Teryt, Loaded>>,
}

impl ReferenceCache {
    /// The current snapshot, loaded from the store when the store's
    /// version moved on or [`MAX_AGE`] passed.
    pub async fn get(&self, store: &dyn Store) -> StoreResult<Arc<Reference>> {
        let teryt = store.gmina_scope();
        let version = store.reference_version().await?;
        if let Some(l) = self.loaded.read().unwrap_or_else(|e| e.into_inner()).get(teryt)
            && l.version == version
            && l.at.elapsed() < MAX_AGE
        {
            return Ok(l.data.clone());
        }
        let (categories, gmina) = tokio::try_join!(store.report_categories(), store.gmina())?;
        let data = Arc::new(Reference::new(categories, gmina.0.map(|g| g.name)));
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        // Two requests may load at once: keep the one of the newer version.
        if loaded.get(teryt).is_none_or(|l| l.version <= version) {
            loaded.insert(teryt.clone(), Loaded {
                version,
                at: Instant::now(),
                data: data.clone(),
            });
        }
        Ok(data)
    }
}
