//! `core.waste()`: the resident's addresses, their next collections and
//! ICS, the dictionary and the reminders. Everything reads the local
//! store; only `add_address`, `refresh` (and the sync) ask the server.

use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::validation::Validate;
use mm_protocol::waste::{ReminderPrefs, WasteIcsOptions, normalise_name, schedule_ics};

use super::addresses::{self, StoredAddress};
use super::model::{
    AddressCheck, AddressPickups, DictionaryHit, WasteAddress, WasteAddressInput, WasteIcs, WastePickup, WasteReminder,
    WasteScreen, address_text,
};
use super::schedule::{self, Answer};
use super::{dictionary, reminders};
use crate::Core;
use crate::display::Language;
use crate::error::{CoreError, Error};
use crate::gminas::Tenant;

/// A device keeps a handful of addresses (home, a parent's, a summer
/// house); the cap only stops a runaway script.
pub const MAX_ADDRESSES: usize = 20;
/// Longest label kept.
pub const MAX_LABEL: usize = 60;

/// The waste-collection schedule; from `Core::waste`.
pub struct WasteApi<'a> {
    pub(crate) core: &'a Core,
}

impl WasteApi<'_> {
    /// Adds an address. Online, the server's schedule route checks it first:
    /// no zone covers it → `waste_address_unknown`; a house and a block
    /// there are in different zones and `building` is not given →
    /// `waste_building_type_needed` (nothing stored either way). Offline (or
    /// the server failing), it is kept `unchecked` and checked by the next
    /// sync. A malformed field: `invalid_input` naming it.
    pub async fn add_address(&self, input: &WasteAddressInput) -> Result<WasteAddress, CoreError> {
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        let mut a = checked(input)?;
        let existing = tenant.store.read(addresses::list)?;
        if existing.len() >= MAX_ADDRESSES {
            return Err(Error::invalid(
                "address",
                format!("Można zapisać najwyżej {MAX_ADDRESSES} adresów."),
                format!("At most {MAX_ADDRESSES} addresses can be kept."),
            )
            .into());
        }
        if existing.iter().any(|e| same_place(e, &a)) {
            return Err(Error::invalid("address", "Ten adres już jest na liście.", "This address is on the list already.")
                .into());
        }
        let answer = match schedule::fetch(&tenant.http, &base, &a.query()).await {
            Ok(answer) => Some(answer),
            Err(e) if e.is_transient() => {
                tracing::info!(code = CoreError::from(&Error::from(e)).code(), "waste: the address is kept unchecked");
                None
            }
            Err(e) => return Err(Error::from(e).into()),
        };
        let now = Utc::now();
        let id = match answer {
            Some(Answer::Unknown) => return Err(CoreError::WasteAddressUnknown),
            Some(Answer::BuildingTypeNeeded) => return Err(CoreError::WasteBuildingTypeNeeded),
            Some(Answer::Schedule(s)) => {
                a.check = AddressCheck::Known;
                tenant.store.write(|tx| {
                    let id = addresses::insert(tx, &a)?;
                    schedule::save(tx, id, &s, now)?;
                    Ok(id)
                })?
            }
            None => tenant.store.write(|tx| addresses::insert(tx, &a))?,
        };
        // The first address brings the dictionary, for searching offline.
        if tenant.store.read(dictionary::fetched_at)?.is_none()
            && let Err(e) = refresh_dictionary(&tenant, &base).await
        {
            tracing::info!(code = CoreError::from(&e).code(), "waste: the dictionary waits for the next sync");
        }
        self.address(id)
    }

    /// The resident's addresses, in the order they were added.
    pub fn addresses(&self) -> Result<Vec<WasteAddress>, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| {
            addresses::list(c)?.into_iter().map(|a| view(c, a, lang)).collect::<Result<Vec<_>, Error>>()
        })?)
    }

    pub fn address(&self, id: i64) -> Result<WasteAddress, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| {
            let a = addresses::get(c, id)?.ok_or_else(|| Error::not_found(format!("waste address {id}")))?;
            view(c, a, lang)
        })?)
    }

    /// Forgets an address and its cached schedule (this device only: the
    /// server never had it).
    pub fn remove_address(&self, id: i64) -> Result<(), CoreError> {
        Ok(self.core.store.write(|tx| addresses::remove(tx, id))?)
    }

    /// Every address with its next `limit` collections from `today`
    /// (Warsaw) on, soonest first (one day's fractions in the protocol's
    /// order: mixed, paper, glass…), from the cache.
    pub fn screen(&self, today: NaiveDate, limit: u32) -> Result<WasteScreen, CoreError> {
        let lang = self.core.language();
        let out = self.core.store.read(|c| {
            let mut out = Vec::new();
            for a in addresses::list(c)? {
                let mut pickups = schedule::get(c, a.id)?.map(|(s, _)| s.pickups).unwrap_or_default();
                pickups.retain(|p| p.date >= today);
                pickups.sort_by(|x, y| (x.date, &x.fraction).cmp(&(y.date, &y.fraction)));
                let pickups = pickups.iter().take(limit as usize).map(|p| WastePickup::of(p, today, lang)).collect();
                out.push(AddressPickups { address: view(c, a, lang)?, pickups });
            }
            Ok(out)
        })?;
        Ok(WasteScreen { today, addresses: out })
    }

    /// One address's collections as an iCalendar file (RFC 5545), built
    /// from the cache with the server's own writer and UIDs, so it works
    /// offline and a calendar that also subscribes to `url` sees the same
    /// events, not doubles. `url`: the server's feed of the address, for a
    /// calendar app to subscribe to (it then follows the gmina's changes).
    pub fn ics(&self, id: i64) -> Result<WasteIcs, CoreError> {
        let tenant = self.core.store.get()?;
        let (a, cached) = tenant.store.read(|c| {
            let a = addresses::get(c, id)?.ok_or_else(|| Error::not_found(format!("waste address {id}")))?;
            Ok((a.clone(), schedule::get(c, a.id)?))
        })?;
        let Some((s, _)) = cached else {
            return Err(not_fetched());
        };
        let place = address_text(&a.locality, a.street.as_deref(), &a.number);
        let name = format!("Odbiór odpadów: {place}");
        // docs/WASTE.md: UIDs `…@<gmina TERYT>.mmieszkaniec`, as the server's.
        let uid_domain = format!("{}.mmieszkaniec", tenant.teryt.as_str());
        let ics = schedule_ics(&s.pickups, &WasteIcsOptions { calendar_name: &name, uid_domain: &uid_domain, updated_at: s.updated_at });
        let mut url = reqwest::Url::parse(&format!("{}{}/waste/schedule.ics", self.core.server_url(), mm_protocol::API_PREFIX))
            .map_err(Error::internal)?;
        url.query_pairs_mut().extend_pairs(schedule::pairs(&a.query()));
        Ok(WasteIcs { address_id: a.id, url: url.to_string(), ics })
    }

    /// "What goes where", offline: every word of `text` in the item,
    /// without diacritics or case ("szklo" finds "szkło"), best first.
    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<DictionaryHit>, CoreError> {
        let lang = self.core.language();
        let entries = self.core.store.read(dictionary::entries)?;
        Ok(dictionary::search(&entries, text, limit as usize, lang))
    }

    /// Whether the dictionary was ever fetched (an empty search before it
    /// means "not yet", not "nothing").
    pub fn dictionary_fetched_at(&self) -> Result<Option<DateTime<Utc>>, CoreError> {
        Ok(self.core.store.read(dictionary::fetched_at)?)
    }

    pub fn reminder_prefs(&self) -> Result<ReminderPrefs, CoreError> {
        Ok(self.core.store.read(reminders::prefs)?)
    }

    /// Days before outside 1–3: `invalid_input` on `days_before`.
    pub fn set_reminder_prefs(&self, prefs: &ReminderPrefs) -> Result<(), CoreError> {
        Ok(self.core.store.write(|tx| reminders::set_prefs(tx, prefs))?)
    }

    /// The local notifications due in `[from, to)`, by time: what a shell
    /// schedules (AlarmManager, `UNCalendarNotificationTrigger`), again after
    /// every sync and change of preferences (the `key`s say which replace
    /// which).
    pub fn reminders(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<WasteReminder>, CoreError> {
        let lang = self.core.language();
        Ok(self.core.store.read(|c| {
            let prefs = reminders::prefs(c)?;
            let mut schedules = Vec::new();
            for a in addresses::list(c)? {
                if let Some((s, _)) = schedule::get(c, a.id)? {
                    schedules.push((a, s.pickups));
                }
            }
            Ok(reminders::compute(&schedules, &prefs, from, to, lang))
        })?)
    }

    /// Fetches every address's schedule and the dictionary now (the sync
    /// does it too). An address the server no longer knows is marked so
    /// and its cached dates dropped. Offline: `network`, the cache kept.
    pub async fn refresh(&self) -> Result<(), CoreError> {
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        refresh_schedules(&tenant, &base).await?;
        Ok(refresh_dictionary(&tenant, &base).await?)
    }
}

/// Called by `sync` when the resident keeps an address: the schedules,
/// and the dictionary once a day. Never fails the sync: the cache serves
/// meanwhile. Without addresses nothing is asked (no request the resident
/// has no use for).
pub(crate) async fn refresh_if_any(tenant: &Tenant, base: &str) {
    if !tenant.store.read(addresses::any).unwrap_or(false) {
        return;
    }
    if let Err(e) = refresh_schedules(tenant, base).await {
        tracing::warn!(code = CoreError::from(&e).code(), "waste: schedule refresh during sync failed");
        return;
    }
    if tenant.store.read(|c| dictionary::is_stale(c, Utc::now())).unwrap_or(true)
        && let Err(e) = refresh_dictionary(tenant, base).await
    {
        tracing::warn!(code = CoreError::from(&e).code(), "waste: dictionary refresh during sync failed");
    }
}

async fn refresh_schedules(tenant: &Tenant, base: &str) -> Result<(), Error> {
    for a in tenant.store.read(addresses::list)? {
        let answer = schedule::fetch(&tenant.http, base, &a.query()).await?;
        let now = Utc::now();
        tenant.store.write(|tx| match &answer {
            Answer::Schedule(s) => {
                schedule::save(tx, a.id, s, now)?;
                addresses::set_check(tx, a.id, AddressCheck::Known)
            }
            Answer::Unknown => {
                schedule::forget(tx, a.id)?;
                addresses::set_check(tx, a.id, AddressCheck::Unknown)
            }
            Answer::BuildingTypeNeeded => {
                schedule::forget(tx, a.id)?;
                addresses::set_check(tx, a.id, AddressCheck::BuildingTypeNeeded)
            }
        })?;
    }
    Ok(())
}

async fn refresh_dictionary(tenant: &Tenant, base: &str) -> Result<(), Error> {
    let entries = dictionary::fetch(&tenant.http, base).await?;
    tenant.store.write(|tx| dictionary::save(tx, &entries, Utc::now()))
}

/// The input checked as the server's route checks it (`ScheduleQuery`),
/// with its label; not yet stored.
fn checked(input: &WasteAddressInput) -> Result<StoredAddress, Error> {
    let street = input.street.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let query = mm_protocol::waste::ScheduleQuery {
        locality: input.locality.trim().to_owned(),
        street: street.clone(),
        number: input.number.trim().to_owned(),
        building: input.building,
    };
    query.validate().map_err(|e| Error::invalid(&e.field, e.pl, e.en))?;
    query.address().map_err(|e| Error::invalid(&e.field, e.pl, e.en))?;
    let label = match input.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) if l.chars().count() > MAX_LABEL || l.chars().any(char::is_control) => {
            return Err(Error::invalid(
                "label",
                format!("Nazwa adresu: najwyżej {MAX_LABEL} znaków."),
                format!("The address's name: at most {MAX_LABEL} characters."),
            ));
        }
        Some(l) => l.to_owned(),
        None => address_text(&query.locality, street.as_deref(), &query.number),
    };
    Ok(StoredAddress {
        id: 0,
        label,
        locality: query.locality,
        street,
        number: query.number,
        building: input.building.filter(|b| *b != mm_protocol::waste::BuildingType::Any),
        check: AddressCheck::Unchecked,
        created_at: Utc::now(),
    })
}

/// The same building of the same place, however it was typed ("ul.
/// Kolejowa 5" = "kolejowa 5/2").
fn same_place(a: &StoredAddress, b: &StoredAddress) -> bool {
    let street = |s: &Option<String>| s.as_deref().map(normalise_name).unwrap_or_default();
    let number = |n: &str| mm_protocol::waste::HouseNumber::parse(n);
    normalise_name(&a.locality) == normalise_name(&b.locality)
        && street(&a.street) == street(&b.street)
        && number(&a.number) == number(&b.number)
        && a.building == b.building
}

fn view(c: &rusqlite::Connection, a: StoredAddress, lang: Language) -> Result<WasteAddress, Error> {
    let cached = schedule::get(c, a.id)?;
    Ok(WasteAddress {
        check_text: a.check.text(lang).to_owned(),
        zone: cached.as_ref().map(|(s, _)| s.zone.id.clone()),
        zone_name: cached.as_ref().map(|(s, _)| s.zone.name.clone()),
        fetched_at: cached.as_ref().map(|(_, at)| *at),
        updated_at: cached.as_ref().map(|(s, _)| s.updated_at),
        id: a.id,
        label: a.label,
        locality: a.locality,
        street: a.street,
        number: a.number,
        building: a.building,
        check: a.check,
    })
}

fn not_fetched() -> CoreError {
    CoreError::InvalidInput {
        field: "address".into(),
        message: mm_protocol::error::Message::new(
            "Harmonogram tego adresu nie został jeszcze pobrany: zsynchronizuj aplikację.",
            "This address's schedule has not been fetched yet: sync the app.",
        ),
    }
}
