//! What the waste-collection schedule keeps (issue 16, docs/WASTE.md,
//! docs/plans/issue-16.md §2): per gmina, the zones, the address rules, the
//! dated pickups, the "what goes where" dictionary and the PSZOK, as the
//! last import stated them, and when that import was.
//!
//! The rules themselves are `protocol::waste`'s (pure, shared with the
//! core): the store keeps rows and gives them back; the server resolves an
//! address with `protocol::waste::resolve`. An import replaces each kind it
//! carries in ONE transaction, audited like every official write, and in
//! that same transaction writes the notifications of the zones whose
//! coming dates it changed ([`change_notifications`]), so residents are
//! never left unwarned by a crash between the two.
//!
//! Scoped to the handle's gmina like every tenant table.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::gmina::Locality;
use mm_protocol::notifications::{Area, NotificationClass, Target, Topic};
use mm_protocol::waste::{
    AddressRule, BuildingType, DictionaryEntry, Fraction, Parity, Pickup, Pszok, WasteImport, Zone,
    ZoneId, normalise_name,
};

use super::notifications::NewNotification;
use super::{Actor, StoreResult};
use crate::notifications::fanout::FanOutJob;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasteImported {
    /// Rows stored now, per kind given (`None`: the kind was not in the
    /// import and stays as it was).
    pub zones: Option<usize>,
    pub rules: Option<usize>,
    pub pickups: Option<usize>,
    pub dictionary: Option<usize>,
    pub pszok: Option<usize>,
    /// Zones whose coming pickups changed (each notified).
    pub changed_zones: Vec<ZoneId>,
    /// The notifications written for them.
    pub notifications: Vec<i64>,
}

#[async_trait]
pub trait WasteStore: Send + Sync {
    /// Replaces each kind `import` carries, in one transaction: zones no
    /// longer listed take their rules and pickups with them; writes the
    /// import time ([`waste_updated_at`](Self::waste_updated_at)), the
    /// audit entry `waste.import` (counts only) and a Waste notification per
    /// zone whose coming dates changed ([`change_notifications`], with
    /// `localities` for their areas).
    async fn import_waste(
        &self,
        actor: Actor,
        import: WasteImport,
        localities: Vec<Locality>,
        now: DateTime<Utc>,
    ) -> StoreResult<WasteImported>;
    /// When the gmina's schedule was last imported (`None`: never).
    async fn waste_updated_at(&self) -> StoreResult<Option<DateTime<Utc>>>;
    /// In code order.
    async fn waste_zones(&self) -> StoreResult<Vec<Zone>>;
    /// The rules of one locality (compared by `normalise_name`), or all
    /// of them, in import order.
    async fn waste_rules(&self, locality: Option<&str>) -> StoreResult<Vec<AddressRule>>;
    /// A zone's pickups dated `from..=to`, by date then fraction.
    async fn waste_pickups(
        &self,
        zone: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<Pickup>>;
    /// In import order.
    async fn waste_dictionary(&self) -> StoreResult<Vec<DictionaryEntry>>;
    async fn waste_pszok(&self) -> StoreResult<Vec<Pszok>>;
}

/// Today on the Warsaw calendar: pickups before it are history.
pub fn local_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&LOCAL_TZ).date_naive()
}

/// The zones whose pickups from `today` on differ between `old` and `new`,
/// among those that had some (a zone's first dates are news to nobody:
/// nobody could have planned by them). Past dates do not count: next
/// year's import drops this year's, which changes nothing for anyone.
pub fn changed_zones(old: &[Pickup], new: &[Pickup], today: NaiveDate) -> Vec<ZoneId> {
    let by_zone = |ps: &[Pickup]| {
        let mut m: BTreeMap<ZoneId, BTreeSet<(NaiveDate, Fraction)>> = BTreeMap::new();
        for p in ps.iter().filter(|p| p.date >= today) {
            m.entry(p.zone.clone())
                .or_default()
                .insert((p.date, p.fraction.clone()));
        }
        m
    };
    let (old, new) = (by_zone(old), by_zone(new));
    old.iter()
        .filter(|(zone, dates)| new.get(*zone) != Some(dates))
        .map(|(zone, _)| zone.clone())
        .collect()
}

/// The localities (of the gmina's list) the rules of `zone` name, by id.
fn zone_localities(zone: &str, rules: &[AddressRule], localities: &[Locality]) -> Vec<i64> {
    let names: BTreeSet<String> = rules
        .iter()
        .filter(|r| r.zone == zone)
        .map(|r| normalise_name(&r.locality))
        .collect();
    let mut ids: Vec<i64> = localities
        .iter()
        .filter(|l| names.contains(&normalise_name(&l.name)))
        .map(|l| l.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// One Waste notification per changed zone (class Normal: a schedule is no
/// emergency), to the localities its rules cover (`rules` and `zones` as
/// they are after the import). A zone whose rules name no known locality
/// goes to the whole gmina: its residents must hear of it, and the
/// gmina's list of localities is the only map of names the server has.
pub fn change_notifications(
    changed: &[ZoneId],
    zones: &[Zone],
    rules: &[AddressRule],
    localities: &[Locality],
    now: DateTime<Utc>,
) -> Vec<NewNotification> {
    changed
        .iter()
        .map(|zone| {
            let name = zones.iter().find(|z| &z.id == zone).map_or(zone.as_str(), |z| z.name.as_str());
            let areas = zone_localities(zone, rules, localities).into_iter().map(|id| Area::Locality { id }).collect();
            NewNotification {
                class: NotificationClass::Normal,
                target: Target { topic: Topic::Waste, event_category: None, areas },
                title: "Zmiana harmonogramu odbioru odpadów".into(),
                body: format!(
                    "Gmina zmieniła terminy odbioru odpadów w rejonie „{}”. Sprawdź nowe daty w aplikacji.",
                    name.chars().take(100).collect::<String>()
                ),
                link: None,
                report: None,
                send_at: now,
                now,
                fan_out_job: FanOutJob::for_notification,
            }
        })
        .collect()
}

// The stored words of the rule columns, shared by both backends.

pub fn parity_str(p: Parity) -> &'static str {
    match p {
        Parity::Odd => "odd",
        Parity::Even => "even",
        Parity::All => "all",
    }
}

pub fn parse_parity(s: &str) -> Option<Parity> {
    match s {
        "odd" => Some(Parity::Odd),
        "even" => Some(Parity::Even),
        "all" => Some(Parity::All),
        _ => None,
    }
}

pub fn building_str(b: BuildingType) -> &'static str {
    match b {
        BuildingType::SingleFamily => "single",
        BuildingType::MultiFamily => "multi",
        BuildingType::Any => "any",
    }
}

pub fn parse_building(s: &str) -> Option<BuildingType> {
    match s {
        "single" => Some(BuildingType::SingleFamily),
        "multi" => Some(BuildingType::MultiFamily),
        "any" => Some(BuildingType::Any),
        _ => None,
    }
}

/// The audit entry's details: counts only (the schedule is public, but an
/// audit line has no use for its contents).
pub fn audit_details(imported: &WasteImported) -> serde_json::Value {
    serde_json::json!({
        "zones": imported.zones,
        "rules": imported.rules,
        "pickups": imported.pickups,
        "dictionary": imported.dictionary,
        "pszok": imported.pszok,
        "changed_zones": imported.changed_zones,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(zone: &str, date: &str, f: Fraction) -> Pickup {
        Pickup {
            zone: zone.into(),
            date: date.parse().unwrap(),
            fraction: f,
            note: None,
        }
    }

    #[test]
    fn only_coming_dates_of_zones_that_had_some_count() {
        let today: NaiveDate = "2027-01-10".parse().unwrap();
        let old = vec![
            p("A", "2027-01-05", Fraction::Mixed),
            p("A", "2027-01-12", Fraction::Mixed),
            p("B", "2027-01-12", Fraction::Paper),
            p("C", "2027-01-02", Fraction::Glass),
        ];
        let new = vec![
            // A: a past date gone, the coming one the same: unchanged.
            p("A", "2027-01-12", Fraction::Mixed),
            // B: moved a day.
            p("B", "2027-01-13", Fraction::Paper),
            // C had only past dates; D is new: nobody planned by them.
            p("C", "2027-01-20", Fraction::Glass),
            p("D", "2027-01-20", Fraction::Glass),
        ];
        assert_eq!(changed_zones(&old, &new, today), vec!["B".to_string()]);
        // A zone that lost every coming date changed too.
        assert_eq!(
            changed_zones(&old, &[], today),
            vec!["A".to_string(), "B".to_string()]
        );
    }
}
