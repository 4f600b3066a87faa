//! Demo data (`--demo`): Gmina Siechnice, loaded once per database; its
//! map places live in [`places`].

pub mod places;
mod siechnice;

pub use siechnice::{DemoData, siechnice};

use chrono::{DateTime, Utc};
use mm_protocol::LOCAL_TZ;

use crate::store::{Store, StoreResult};

/// Loads the Siechnice data dated around today (Warsaw) unless this
/// database already has it; true when it loaded now.
pub async fn load(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<bool> {
    let today = now.with_timezone(&LOCAL_TZ).date_naive();
    let data = tokio::task::spawn_blocking(move || siechnice(today))
        .await
        .map_err(|e| crate::store::StoreError::backend(e.to_string()))?;
    let loaded = store.load_demo(data, now).await?;
    // Places have their own flag, so older demo databases gain them too.
    let places = store.load_demo_places(places::siechnice_places(), now).await?;
    Ok(loaded || places)
}
