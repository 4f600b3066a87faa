//! Demo data (`--demo`): Gmina Siechnice and its neighbour Czernica,
//! loaded once per database.
//!
//! - [`siechnice`]: the gmina, its localities, events and news; [`places`]:
//!   its map places ([`load`]);
//! - [`czernica`]: the second gmina, with a little content, places and
//!   reports of its own and its own admin (`admin-czernica`);
//! - [`office`]: about 60 residents' reports in every state, with photos
//!   ([`pictures`]) and EZD case references from the demo's own EZD
//!   ([`ezd`]);
//! - [`taxes`]: the tax register of both gminas (issue 14), the tax
//!   department's official and an activation code to try;
//! - [`budget`]: the participatory budget (issue 15): a finished edition
//!   with its ballots and published results, one open for voting;
//! - [`waste`]: the waste-collection schedule of both gminas (issue 16),
//!   loaded through the importer; [`notifications`]: a few sent ones, which
//!   a device finds in its feed when it registers;
//! - [`start`]: what `mm-server --demo` does: the above, and on the first
//!   start a demo admin account (login `admin`) with a random password
//!   that only this start knows; then [`start_neighbour`]: Czernica.

pub mod budget;
pub mod consultations;
pub mod czernica;
mod ezd;
pub mod notifications;
pub mod office;
mod pictures;
pub mod places;
mod siechnice;
pub mod taxes;
pub mod waste;

use std::sync::Arc;

pub use siechnice::{DemoData, siechnice};

use chrono::{DateTime, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::auth::Role;

use crate::budget::identity::BudgetKeys;
use crate::state::Clock;
use crate::store::{Actor, Store, StoreError, StoreResult};

/// The demo admin's login.
pub const ADMIN_LOGIN: &str = "admin";

/// Loads the Siechnice data dated around today (Warsaw) unless this
/// database already has it; true when it loaded now.
pub async fn load(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<bool> {
    let today = now.with_timezone(&LOCAL_TZ).date_naive();
    let data = tokio::task::spawn_blocking(move || siechnice(today))
        .await
        .map_err(|e| StoreError::backend(e.to_string()))?;
    let loaded = store.load_demo(data, now).await?;
    // Places have their own flag, so older demo databases gain them too.
    let places = store.load_demo_places(places::siechnice_places(), now).await?;
    // After the places: its PSZOK links to the map's. Once per database
    // (a schedule already there stays), through the importer.
    waste::load_siechnice(store, now).await?;
    Ok(loaded || places)
}

/// What a `--demo` start did.
#[derive(Debug, Default)]
pub struct Started {
    /// The Siechnice content or the office was loaded now (a first start).
    pub loaded: bool,
    /// The demo admin's password, when this start created the account:
    /// shown once, stored only as its Argon2 hash.
    pub admin_password: Option<String>,
    /// The taxes' code to try and the tax official's one-time password.
    pub taxes: taxes::Started,
}

/// `mm-server --demo`: the content, then on the first start the demo
/// admin, then the office. `with_office` is false beside a real EZD
/// (`--ezd rp-api`): the demo's reports and their stand-in cases must never
/// be asked about there.
///
/// `keys` are the deployment's budget keys (`AppState.budget_keys`): the
/// demo's register and respondents are keyed as real ones are.
pub async fn start(store: Arc<dyn Store>, clock: Clock, keys: &BudgetKeys, with_office: bool) -> StoreResult<Started> {
    // Siechnice first: the first gmina added is the deployment's default.
    let siechnice = czernica::siechnice_record();
    if store.gmina_record(&siechnice.teryt).await?.is_none() {
        match store.add_gmina(Actor("demo".into()), siechnice.clone(), clock.now()).await {
            Ok(_) | Err(StoreError::Conflict(crate::store::Conflict::GminaExists)) => {}
            Err(e) => return Err(e),
        }
    }
    let store = if store.gmina_scope() == &siechnice.teryt { store } else { store.for_gmina(&siechnice.teryt) };
    let content = load(store.as_ref(), clock.now()).await?;
    let office_due = with_office && store.setting(office::LOADED_KEY).await?.is_none();
    let admin_password = if content || office_due { create_admin(store.as_ref(), ADMIN_LOGIN).await? } else { None };
    let office = with_office && office::load(store.clone(), clock.clone()).await?;
    let taxes = taxes::load_siechnice(store.as_ref(), clock.now()).await?;
    budget::load_siechnice(store.clone(), keys, clock.now()).await?;
    consultations::load(store.as_ref(), keys, clock.now()).await?;
    // After the content they link to.
    notifications::load_siechnice(store.as_ref(), clock.now()).await?;
    Ok(Started { loaded: content || office, admin_password, taxes })
}

/// `mm-server --demo`'s second gmina, after [`start`]: Czernica with its
/// content (reports only when `with_reports`, as the office), and its
/// admin's one-time password when this call created the account. Apart
/// from `start` so that a deployment of the demo's first gmina alone
/// (the tests') stays a single-gmina one, which needs no gmina named.
pub async fn start_neighbour(store: Arc<dyn Store>, clock: Clock, with_reports: bool) -> StoreResult<Option<String>> {
    let password = czernica::load(store.as_ref(), clock.now(), with_reports).await?;
    let czernica = store.for_gmina(&czernica::record().teryt);
    taxes::load_czernica(czernica.as_ref(), clock.now()).await?;
    budget::load_czernica(czernica.as_ref(), clock.now()).await?;
    waste::load_czernica(czernica.as_ref(), clock.now()).await?;
    Ok(password)
}

/// Creates a demo admin unless an account with that login exists; its
/// random password (`auth::password::generate`) is returned, never stored.
async fn create_admin(store: &dyn Store, login: &str) -> StoreResult<Option<String>> {
    create_account(store, login, Role::Admin).await
}

/// Creates a demo account of `role` unless the login exists; its random
/// password is returned, never stored.
async fn create_account(store: &dyn Store, login: &str, role: Role) -> StoreResult<Option<String>> {
    if store.find_user(login).await?.is_some() {
        return Ok(None);
    }
    let password = crate::auth::password::generate();
    let for_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&for_hash))
        .await
        .map_err(|e| StoreError::backend(e.to_string()))?
        .map_err(StoreError::backend)?;
    match store.create_user(Actor("demo".into()), login, role, &hash).await {
        Ok(_) => Ok(Some(password)),
        // Another instance starting over the same database made it first
        // (and announced its password): this one announces nothing.
        Err(StoreError::Conflict(crate::store::Conflict::LoginTaken)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AuthStore;

    /// Two instances starting together over one database (issue 13): both
    /// find no admin, both try to make one; one does, neither fails.
    #[tokio::test]
    async fn instances_creating_the_admin_together_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(dir.path()).unwrap();
        let (a, b) = tokio::join!(create_admin(&store, ADMIN_LOGIN), create_admin(&store, ADMIN_LOGIN));
        let made = [a.unwrap(), b.unwrap()].into_iter().flatten().count();
        assert_eq!(made, 1, "one password announced");
        assert!(store.find_user(ADMIN_LOGIN).await.unwrap().is_some());
    }
}
