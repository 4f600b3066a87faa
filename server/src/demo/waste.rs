//! The demo's waste-collection schedule (issue 16 §7, plan §6), written as
//! the CSV files of docs/WASTE.md and loaded through the same importer as
//! `mm-server waste import` (`waste::import`), so the demo exercises it.
//!
//! Siechnice: the 23 localities in 4 zones. A: Siechnice's houses, with
//! the even side of ul. Kolejowa; B: the odd side of ul. Kolejowa, ul.
//! Fabryczna and the northern villages; C: the southern and western
//! villages; D: blocks of flats (Siechnice, Radwanice, Iwiny, Święta
//! Katarzyna), which say their building type. A year of dates from
//! 2026-12-01: mixed and bio weekly April–October and fortnightly
//! otherwise, paper and metals/plastics fortnightly, glass monthly, bulky
//! twice a year, ash November–March (not for blocks: they are on the
//! district heating), electronics and textiles a few times. A pickup that
//! falls on a public holiday (or a Sunday) moves a day, to the nearest
//! free day (next first), with a note: the demo has them around
//! 2026-12-25, 2026-12-26 and 2027-01-01. The PSZOK is the demo map's
//! (`demo::places`), and about 150 "what goes where" entries.
//!
//! All of it is demo data: the zones and dates are made up, not the
//! gmina's published schedule.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

use super::places::{PSZOK_HOURS, PSZOK_NAME, PSZOK_POINT};
use crate::store::{Actor, Store, StoreError, StoreResult};
use crate::waste::import::{ImportFailure, ImportFiles, import};

/// The first day of the demo schedule.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
/// The last day (a year).
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2027, 11, 30).unwrap();

/// Polish public holidays in the schedule's year (ustawa o dniach wolnych
/// od pracy, art. 1): a collection never falls on one.
const HOLIDAYS: [(i32, u32, u32, &str); 15] = [
    (2026, 12, 25, "Boże Narodzenie"),
    (2026, 12, 26, "drugi dzień Bożego Narodzenia"),
    (2027, 1, 1, "Nowy Rok"),
    (2027, 1, 6, "Trzech Króli"),
    (2027, 3, 28, "Wielkanoc"),
    (2027, 3, 29, "Poniedziałek Wielkanocny"),
    (2027, 5, 1, "Święto Pracy"),
    (2027, 5, 3, "Święto Konstytucji 3 Maja"),
    (2027, 5, 16, "Zielone Świątki"),
    (2027, 5, 27, "Boże Ciało"),
    (2027, 8, 15, "Wniebowzięcie NMP"),
    (2027, 11, 1, "Wszystkich Świętych"),
    (2027, 11, 11, "Narodowe Święto Niepodległości"),
    (2027, 12, 24, "Wigilia"),
    (2027, 12, 25, "Boże Narodzenie"),
];

fn holiday(d: NaiveDate) -> Option<&'static str> {
    HOLIDAYS
        .iter()
        .find(|&&(y, m, day, _)| NaiveDate::from_ymd_opt(y, m, day) == Some(d))
        .map(|h| h.3)
}

/// The Siechnice zones: code, name, description, collection weekday.
const ZONES: [(&str, &str, &str, Weekday); 4] = [
    (
        "A",
        "Siechnice – domy jednorodzinne",
        "Siechnice bez bloków, ul. Fabrycznej i nieparzystej strony ul. Kolejowej",
        Weekday::Mon,
    ),
    (
        "B",
        "Siechnice – ul. Kolejowa (nieparzyste), ul. Fabryczna i wsie północne",
        "Radwanice, Blizanowice, Trestno, Groblice, Mokry Dwór, Łukaszowice, Kotowice, Iwiny, Żerniki Wrocławskie",
        Weekday::Wed,
    ),
    (
        "C",
        "Wsie południowe i zachodnie",
        "Biestrzyków, Bogusławice, Durok, Grodziszów, Ozorzyce, Radomierzyce, Smardzów, Sulęcin, Sulimów, Święta Katarzyna, Szostakowice, Zacharzyce, Zębice",
        Weekday::Fri,
    ),
    (
        "D",
        "Budynki wielorodzinne",
        "Bloki w Siechnicach, Radwanicach, Iwinach i Świętej Katarzynie",
        Weekday::Sat,
    ),
];

const NORTH: [&str; 9] = [
    "Radwanice",
    "Blizanowice",
    "Trestno",
    "Groblice",
    "Mokry Dwór",
    "Łukaszowice",
    "Kotowice",
    "Iwiny",
    "Żerniki Wrocławskie",
];
/// Villages with blocks of flats: their houses and their blocks differ.
const WITH_BLOCKS: [&str; 3] = ["Radwanice", "Iwiny", "Święta Katarzyna"];

/// A CSV cell (docs/WASTE.md: quoted when it holds `;`, `"` or a line break).
fn cell(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn zones_csv() -> String {
    let mut out = String::from("zone;name;description\n");
    for (code, name, description, _) in ZONES {
        let _ = writeln!(out, "{code};{};{}", cell(name), cell(description));
    }
    out
}

fn rules_csv(localities: &[&str]) -> String {
    let mut out = String::from("locality;street;from;to;parity;building;zone\n");
    let mut rule = |locality: &str, street: &str, parity: &str, building: &str, zone: &str| {
        let _ = writeln!(
            out,
            "{};{};;;{parity};{building};{zone}",
            cell(locality),
            cell(street)
        );
    };
    // Siechnice: houses A, blocks D (so an address that does not say is
    // asked), one street in B, and ul. Kolejowa split by side.
    rule("Siechnice", "", "", "jednorodzinna", "A");
    rule("Siechnice", "", "", "wielorodzinna", "D");
    rule("Siechnice", "ul. Fabryczna", "", "", "B");
    rule("Siechnice", "ul. Kolejowa", "nieparzyste", "", "B");
    rule("Siechnice", "ul. Kolejowa", "parzyste", "", "A");
    for &l in localities.iter().filter(|&&l| l != "Siechnice") {
        let zone = if NORTH.contains(&l) { "B" } else { "C" };
        if WITH_BLOCKS.contains(&l) {
            rule(l, "", "", "jednorodzinna", zone);
            rule(l, "", "", "wielorodzinna", "D");
        } else {
            rule(l, "", "", "", zone);
        }
    }
    out
}

/// Every `weekday` from FIRST_DAY to LAST_DAY.
fn weekdays(weekday: Weekday) -> Vec<NaiveDate> {
    FIRST_DAY
        .iter_days()
        .take_while(|d| *d <= LAST_DAY)
        .filter(|d| d.weekday() == weekday)
        .collect()
}

fn summer(d: NaiveDate) -> bool {
    (4..=10).contains(&d.month())
}

/// The regular dates of a zone's fraction, before holidays move them.
fn regular(fraction: &str, weekday: Weekday, blocks: bool) -> Vec<NaiveDate> {
    let days = weekdays(weekday);
    let every_other = |offset: usize| {
        days.iter()
            .enumerate()
            .filter(move |(i, _)| i % 2 == offset)
            .map(|(_, d)| *d)
    };
    match fraction {
        // Weekly in summer, fortnightly otherwise; blocks weekly all year.
        "zmieszane" | "bio" => days
            .iter()
            .enumerate()
            .filter(|(i, d)| blocks || summer(**d) || i % 2 == 0)
            .map(|(_, d)| *d)
            .collect(),
        "papier" => every_other(1).collect(),
        "metale i tworzywa sztuczne" => every_other(0).collect(),
        // The first collection day of each month.
        "szkło" => {
            let mut seen = BTreeSet::new();
            days.iter()
                .filter(|d| seen.insert((d.year(), d.month())))
                .copied()
                .collect()
        }
        "gabaryty" => nth_in_months(&days, &[4, 10], 2),
        "popiół" if !blocks => every_other(0)
            .filter(|d| d.month() >= 11 || d.month() <= 3)
            .collect(),
        "elektroodpady" => nth_in_months(&days, &[3, 6, 9], 3),
        "tekstylia" => nth_in_months(&days, &[5, 11], 3),
        _ => Vec::new(),
    }
}

/// The `n`th (1-based) of `days` in each of `months`.
fn nth_in_months(days: &[NaiveDate], months: &[u32], n: usize) -> Vec<NaiveDate> {
    months
        .iter()
        .filter_map(|&m| days.iter().filter(|d| d.month() == m).nth(n - 1).copied())
        .collect()
}

const FRACTIONS: [&str; 9] = [
    "zmieszane",
    "bio",
    "papier",
    "metale i tworzywa sztuczne",
    "szkło",
    "gabaryty",
    "popiół",
    "elektroodpady",
    "tekstylia",
];

/// A date moved off a holiday or a Sunday: a day later, else a day
/// earlier, then two days, ..., never onto a day the zone already has
/// this fraction.
fn moved(d: NaiveDate, taken: &BTreeSet<NaiveDate>) -> NaiveDate {
    let free =
        |x: NaiveDate| holiday(x).is_none() && x.weekday() != Weekday::Sun && !taken.contains(&x);
    for k in 1..=5u64 {
        for x in [
            d.checked_add_days(Days::new(k)),
            d.checked_sub_days(Days::new(k)),
        ]
        .into_iter()
        .flatten()
        {
            if free(x) {
                return x;
            }
        }
    }
    d
}

fn pickups_csv() -> String {
    let mut out = String::from("zone;date;fraction;note\n");
    for (code, _, _, weekday) in ZONES {
        for fraction in FRACTIONS {
            let regular = regular(fraction, weekday, code == "D");
            let mut taken: BTreeSet<NaiveDate> = regular
                .iter()
                .copied()
                .filter(|d| holiday(*d).is_none())
                .collect();
            let mut rows: Vec<(NaiveDate, String)> = Vec::new();
            for d in regular {
                match holiday(d) {
                    None => rows.push((d, String::new())),
                    Some(name) => {
                        let to = moved(d, &taken);
                        taken.insert(to);
                        rows.push((to, format!("przesunięte z {} ({name})", d.format("%d.%m"))));
                    }
                }
            }
            rows.sort();
            for (d, note) in rows {
                let _ = writeln!(
                    out,
                    "{code};{};{fraction};{}",
                    d.format("%Y-%m-%d"),
                    cell(&note)
                );
            }
        }
    }
    out
}

fn pszok_csv() -> String {
    format!(
        "name;address;lat;lon;opening_hours;accepts;note\n{};{};{};{};{};{};{}\n",
        cell(PSZOK_NAME),
        cell("ul. Kolejowa, 55-011 Siechnice"),
        PSZOK_POINT.0,
        PSZOK_POINT.1,
        cell(PSZOK_HOURS),
        cell(
            "odpady wielkogabarytowe, elektroodpady, zużyte baterie i akumulatory, przeterminowane leki, \
              chemikalia i farby, opony, gruz i odpady budowlane z remontów, odpady zielone, tekstylia, świetlówki"
        ),
        cell(
            "Bezpłatnie dla mieszkańców gminy. Dane demonstracyjne: położenie i godziny przybliżone."
        ),
    )
}

/// "What goes where": (item, fraction, note).
const DICTIONARY: &[(&str, &str, &str)] = &[
    // Papier
    ("gazeta", "papier", ""),
    ("czasopismo", "papier", ""),
    ("ulotka reklamowa", "papier", ""),
    ("karton", "papier", "złożony, bez folii i taśmy"),
    ("tektura falista", "papier", ""),
    ("pudełko kartonowe", "papier", "złożone"),
    ("zeszyt", "papier", "bez okładki foliowej"),
    (
        "książka",
        "papier",
        "bez twardej okładki; w dobrym stanie lepiej oddać do biblioteki",
    ),
    ("torba papierowa", "papier", ""),
    ("koperta", "papier", "bez okienka foliowego"),
    ("papier biurowy", "papier", ""),
    ("katalog", "papier", ""),
    ("tekturowe opakowanie po jajkach", "papier", ""),
    ("rolka po papierze toaletowym", "papier", ""),
    ("papier pakowy", "papier", ""),
    ("kalendarz papierowy", "papier", "bez spirali metalowej"),
    // Metale i tworzywa sztuczne
    (
        "karton po mleku",
        "metale i tworzywa sztuczne",
        "opakowanie wielomateriałowe",
    ),
    (
        "karton po soku",
        "metale i tworzywa sztuczne",
        "opakowanie wielomateriałowe",
    ),
    (
        "butelka plastikowa",
        "metale i tworzywa sztuczne",
        "zgnieć przed wyrzuceniem",
    ),
    (
        "butelka po wodzie",
        "metale i tworzywa sztuczne",
        "zgnieć, nakrętkę zostaw",
    ),
    ("nakrętka plastikowa", "metale i tworzywa sztuczne", ""),
    (
        "puszka po napoju",
        "metale i tworzywa sztuczne",
        "zgnieciona",
    ),
    (
        "puszka po konserwie",
        "metale i tworzywa sztuczne",
        "opróżniona",
    ),
    ("folia aluminiowa", "metale i tworzywa sztuczne", "czysta"),
    ("kapsel", "metale i tworzywa sztuczne", ""),
    ("reklamówka", "metale i tworzywa sztuczne", ""),
    ("folia spożywcza", "metale i tworzywa sztuczne", ""),
    (
        "kubek po jogurcie",
        "metale i tworzywa sztuczne",
        "opróżniony, bez mycia",
    ),
    ("opakowanie po serku", "metale i tworzywa sztuczne", ""),
    ("butelka po szamponie", "metale i tworzywa sztuczne", ""),
    (
        "butelka po płynie do naczyń",
        "metale i tworzywa sztuczne",
        "",
    ),
    ("opakowanie po chipsach", "metale i tworzywa sztuczne", ""),
    (
        "tacka styropianowa",
        "metale i tworzywa sztuczne",
        "po mięsie: do zmieszanych",
    ),
    ("plastikowe sztućce", "metale i tworzywa sztuczne", ""),
    (
        "garnek metalowy",
        "metale i tworzywa sztuczne",
        "mały; duży do PSZOK",
    ),
    (
        "puszka po farbie",
        "custom:odpady niebezpieczne",
        "z resztkami farby: do PSZOK",
    ),
    (
        "aerozol pusty",
        "metale i tworzywa sztuczne",
        "całkowicie opróżniony",
    ),
    ("wieczko od słoika", "metale i tworzywa sztuczne", ""),
    ("tubka po paście do zębów", "metale i tworzywa sztuczne", ""),
    (
        "doniczka plastikowa",
        "metale i tworzywa sztuczne",
        "bez ziemi",
    ),
    (
        "zabawka plastikowa",
        "metale i tworzywa sztuczne",
        "bez baterii i elektroniki",
    ),
    ("wiaderko plastikowe", "metale i tworzywa sztuczne", ""),
    ("skrzynka plastikowa", "metale i tworzywa sztuczne", ""),
    (
        "opakowanie po mięsie",
        "metale i tworzywa sztuczne",
        "opróżnione",
    ),
    ("torebka po mrożonkach", "metale i tworzywa sztuczne", ""),
    (
        "karton po napoju",
        "metale i tworzywa sztuczne",
        "opakowanie wielomateriałowe",
    ),
    // Szkło
    ("słoik po dżemie", "szkło", "bez nakrętki"),
    ("butelka szklana", "szkło", "bez nakrętki"),
    ("butelka po piwie", "szkło", ""),
    ("butelka po winie", "szkło", "bez korka"),
    ("słoik", "szkło", "bez wieczka"),
    ("szklany flakon po perfumach", "szkło", "bez atomizera"),
    (
        "butelka po oleju",
        "szkło",
        "szklana; plastikowa do metali i tworzyw",
    ),
    ("szklane opakowanie po kosmetyku", "szkło", ""),
    ("buteleczka po syropie", "szkło", "bez resztek leku"),
    ("szyba okienna", "custom:odpady budowlane", "do PSZOK"),
    ("lustro", "zmieszane", "duże do PSZOK"),
    (
        "szklanka",
        "zmieszane",
        "szkło żaroodporne i naczyniowe to nie opakowanie",
    ),
    ("kieliszek", "zmieszane", ""),
    ("ceramika", "zmieszane", "talerze, kubki, doniczki gliniane"),
    ("porcelana", "zmieszane", ""),
    ("naczynie żaroodporne", "zmieszane", ""),
    ("kryształ", "zmieszane", ""),
    ("żarówka tradycyjna", "zmieszane", ""),
    // Bio
    ("obierki", "bio", ""),
    ("skórka od banana", "bio", ""),
    ("resztki warzyw", "bio", ""),
    ("resztki owoców", "bio", ""),
    ("fusy z kawy", "bio", ""),
    ("torebka herbaty", "bio", ""),
    ("skorupki jajek", "bio", ""),
    ("liście", "bio", ""),
    ("skoszona trawa", "bio", "duże ilości do PSZOK"),
    ("kwiaty cięte", "bio", ""),
    ("gałęzie", "bio", "drobne; grube do PSZOK"),
    ("trociny", "bio", "z nielakierowanego drewna"),
    ("chleb", "bio", "bez mięsa i tłuszczu"),
    ("resztki roślin doniczkowych", "bio", ""),
    ("chwasty", "bio", ""),
    (
        "choinka",
        "custom:choinki",
        "bez ozdób, w styczniu w dniu odbioru choinek",
    ),
    ("pestki", "bio", ""),
    ("łupiny orzechów", "bio", ""),
    ("kości", "zmieszane", ""),
    ("mięso", "zmieszane", ""),
    ("ryby", "zmieszane", ""),
    (
        "olej spożywczy",
        "zmieszane",
        "w zamkniętej butelce; większe ilości do PSZOK",
    ),
    ("odchody zwierząt", "zmieszane", ""),
    ("żwirek dla kota", "zmieszane", ""),
    // Zmieszane
    ("pieluchy", "zmieszane", ""),
    ("podpaski", "zmieszane", ""),
    ("chusteczki higieniczne", "zmieszane", ""),
    (
        "ręcznik papierowy",
        "zmieszane",
        "zabrudzony papier to nie surowiec",
    ),
    ("papier do pieczenia", "zmieszane", ""),
    ("paragon", "zmieszane", "papier termiczny"),
    ("tapeta", "zmieszane", ""),
    ("zatłuszczony papier", "zmieszane", ""),
    (
        "pudełko po pizzy",
        "zmieszane",
        "zatłuszczone; czyste do papieru",
    ),
    ("niedopałki", "zmieszane", ""),
    ("worek od odkurzacza", "zmieszane", ""),
    ("gąbka kuchenna", "zmieszane", ""),
    ("szczoteczka do zębów", "zmieszane", ""),
    ("maszynka do golenia", "zmieszane", ""),
    (
        "kosmetyki",
        "zmieszane",
        "resztki; puste opakowania do metali i tworzyw",
    ),
    (
        "popiół z kominka",
        "popiół",
        "wystudzony; w sezonie grzewczym",
    ),
    (
        "popiół z pieca",
        "popiół",
        "wystudzony; w sezonie grzewczym",
    ),
    ("węgiel drzewny po grillu", "popiół", "wystudzony"),
    ("wata", "zmieszane", ""),
    ("plaster", "zmieszane", ""),
    ("zapalniczka", "zmieszane", "pusta"),
    ("długopis", "zmieszane", ""),
    ("kredki", "zmieszane", ""),
    ("guma do żucia", "zmieszane", ""),
    ("zużyta świeca", "zmieszane", ""),
    ("fotografie", "zmieszane", ""),
    ("płyta CD", "custom:odpady niebezpieczne", "do PSZOK"),
    ("kaseta wideo", "zmieszane", ""),
    // Gabaryty
    ("meble", "gabaryty", "w dniu odbioru gabarytów lub do PSZOK"),
    ("kanapa", "gabaryty", ""),
    ("materac", "gabaryty", ""),
    ("dywan", "gabaryty", ""),
    ("wózek dziecięcy", "gabaryty", ""),
    ("rower", "gabaryty", ""),
    ("krzesło", "gabaryty", ""),
    ("szafa", "gabaryty", "rozłożona"),
    ("deska do prasowania", "gabaryty", ""),
    ("duża zabawka", "gabaryty", ""),
    ("suszarka na pranie", "gabaryty", ""),
    // Elektroodpady
    (
        "zużyte baterie",
        "elektroodpady",
        "do PSZOK albo pojemnika w sklepie lub szkole",
    ),
    ("akumulator", "elektroodpady", "do PSZOK"),
    ("telefon komórkowy", "elektroodpady", ""),
    ("ładowarka", "elektroodpady", ""),
    ("laptop", "elektroodpady", ""),
    (
        "telewizor",
        "elektroodpady",
        "także do sklepu przy zakupie nowego",
    ),
    (
        "lodówka",
        "elektroodpady",
        "także do sklepu przy zakupie nowej",
    ),
    ("pralka", "elektroodpady", ""),
    ("czajnik elektryczny", "elektroodpady", ""),
    ("suszarka do włosów", "elektroodpady", ""),
    ("żarówka LED", "elektroodpady", "do PSZOK"),
    ("świetlówka", "elektroodpady", "do PSZOK; nie tłucz"),
    ("kabel", "elektroodpady", ""),
    ("drukarka", "elektroodpady", ""),
    ("odkurzacz", "elektroodpady", ""),
    ("termometr elektroniczny", "elektroodpady", ""),
    (
        "zabawka na baterie",
        "elektroodpady",
        "baterie wyjmij osobno",
    ),
    // Tekstylia
    (
        "ubrania",
        "tekstylia",
        "czyste; w dobrym stanie do kontenera PCK",
    ),
    ("buty", "tekstylia", "w parach, związane"),
    ("pościel", "tekstylia", ""),
    ("ręczniki", "tekstylia", ""),
    ("firany", "tekstylia", ""),
    ("torebka materiałowa", "tekstylia", ""),
    // Odpady niebezpieczne i remontowe: do PSZOK
    (
        "przeterminowane leki",
        "custom:odpady niebezpieczne",
        "do apteki z pojemnikiem lub do PSZOK",
    ),
    (
        "strzykawki i igły",
        "custom:odpady niebezpieczne",
        "w zamkniętym pojemniku do PSZOK",
    ),
    (
        "termometr rtęciowy",
        "custom:odpady niebezpieczne",
        "do PSZOK",
    ),
    ("farby i lakiery", "custom:odpady niebezpieczne", "do PSZOK"),
    ("rozpuszczalnik", "custom:odpady niebezpieczne", "do PSZOK"),
    ("olej silnikowy", "custom:odpady niebezpieczne", "do PSZOK"),
    (
        "środki ochrony roślin",
        "custom:odpady niebezpieczne",
        "do PSZOK",
    ),
    (
        "opony",
        "custom:opony",
        "do PSZOK (cztery na gospodarstwo rocznie)",
    ),
    (
        "gruz",
        "custom:odpady budowlane",
        "do PSZOK (z remontów prowadzonych samodzielnie)",
    ),
    ("płytki ceramiczne", "custom:odpady budowlane", "do PSZOK"),
    ("okno", "custom:odpady budowlane", "do PSZOK"),
    ("drzwi", "custom:odpady budowlane", "do PSZOK"),
    ("wełna mineralna", "custom:odpady budowlane", "do PSZOK"),
    ("styropian budowlany", "custom:odpady budowlane", "do PSZOK"),
    (
        "papa",
        "custom:odpady niebezpieczne",
        "do PSZOK, w ograniczonej ilości",
    ),
];

fn dictionary_csv() -> String {
    let mut out = String::from("item;fraction;note\n");
    for (item, fraction, note) in DICTIONARY {
        let _ = writeln!(out, "{};{};{}", cell(item), cell(fraction), cell(note));
    }
    out
}

/// The Siechnice import's files, as an official would upload them.
pub fn siechnice_files() -> ImportFiles {
    let names: Vec<&str> = super::siechnice::LOCALITIES.iter().map(|l| l.0).collect();
    ImportFiles {
        zones: Some(zones_csv().into_bytes()),
        rules: Some(rules_csv(&names).into_bytes()),
        pickups: Some(pickups_csv().into_bytes()),
        dictionary: Some(dictionary_csv().into_bytes()),
        pszok: Some(pszok_csv().into_bytes()),
    }
}

/// Czernica's small schedule (the demo's second gmina, so that tenancy is
/// visible): one zone, mixed waste and paper monthly on Thursdays, a few
/// dictionary entries of its own.
pub fn czernica_files() -> ImportFiles {
    let mut rules = String::from("locality;street;from;to;parity;building;zone\n");
    for (name, _, _) in super::czernica::LOCALITIES {
        let _ = writeln!(rules, "{};;;;;;CZ", cell(name));
    }
    let mut pickups = String::from("zone;date;fraction;note\n");
    let thursdays = weekdays(Weekday::Thu);
    let mut months = BTreeSet::new();
    for d in thursdays
        .iter()
        .filter(|d| holiday(**d).is_none() && months.insert((d.year(), d.month())))
    {
        let _ = writeln!(pickups, "CZ;{};zmieszane;", d.format("%Y-%m-%d"));
        let _ = writeln!(pickups, "CZ;{};papier;", d.format("%Y-%m-%d"));
    }
    ImportFiles {
        zones: Some("zone;name;description\nCZ;Gmina Czernica;wszystkie miejscowości (dane demonstracyjne)\n".into()),
        rules: Some(rules.into_bytes()),
        pickups: Some(pickups.into_bytes()),
        dictionary: Some(
            "item;fraction;note\nkarton po mleku;metale i tworzywa;w Czernicy też do żółtego\nbutelka szklana;szkło;\n".into(),
        ),
        pszok: None,
    }
}

/// Imports `files` into the handle's gmina unless it has a schedule; true
/// when it loaded now.
async fn load_files(
    store: &dyn Store,
    files: ImportFiles,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if store.waste_updated_at().await?.is_some() {
        return Ok(false);
    }
    match import(store, Actor("demo".into()), files, now).await {
        Ok(_) => Ok(true),
        Err(ImportFailure::Store(e)) => Err(e),
        // The demo's own files: a bad line is a bug of this module
        // (the unit test below catches it first).
        Err(ImportFailure::Refused(errors)) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            Err(StoreError::backend(format!(
                "the demo waste schedule was refused: {}",
                lines.join("; ")
            )))
        }
    }
}

/// Siechnice's schedule (after its places: the PSZOK links to the map's).
pub async fn load_siechnice(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<bool> {
    load_files(store, siechnice_files(), now).await
}

/// Czernica's (a handle scoped to Czernica).
pub async fn load_czernica(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<bool> {
    load_files(store, czernica_files(), now).await
}

#[cfg(test)]
mod tests {
    use mm_protocol::waste::{
        Address, Fraction, HouseNumber, ImportInput, ResolveError, parse_import, resolve,
    };

    use super::*;

    fn parsed(files: &ImportFiles) -> mm_protocol::waste::WasteImport {
        let input = ImportInput {
            zones: files.zones.as_deref(),
            rules: files.rules.as_deref(),
            pickups: files.pickups.as_deref(),
            dictionary: files.dictionary.as_deref(),
            pszok: files.pszok.as_deref(),
        };
        parse_import(&input).unwrap_or_else(|e| {
            panic!(
                "{}",
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    #[test]
    fn the_demo_files_pass_the_importer() {
        let s = parsed(&siechnice_files());
        assert_eq!(s.zones.as_ref().unwrap().len(), 4);
        let n = s.dictionary.as_ref().unwrap().len();
        assert!(
            (140..=170).contains(&n),
            "about 150 dictionary entries, got {n}"
        );
        parsed(&czernica_files());
    }

    #[test]
    fn no_pickup_on_a_holiday_and_the_christmas_ones_moved() {
        let s = parsed(&siechnice_files());
        let pickups = s.pickups.unwrap();
        for p in &pickups {
            assert!(holiday(p.date).is_none(), "{p:?} on a holiday");
            assert_ne!(p.date.weekday(), Weekday::Sun, "{p:?} on a Sunday");
            assert!(p.date >= FIRST_DAY && p.date <= LAST_DAY + Days::new(5));
        }
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let moved: Vec<_> = pickups
            .iter()
            .filter(|p| {
                p.note
                    .as_deref()
                    .is_some_and(|n| n.starts_with("przesunięte"))
            })
            .collect();
        for from in ["25.12", "26.12", "01.01"] {
            assert!(
                moved
                    .iter()
                    .any(|p| p.note.as_deref().unwrap().contains(from)),
                "a pickup moved from {from}"
            );
        }
        // Zone C collects on Fridays: its paper of 2026-12-25 moves to
        // Thursday the 24th (the 26th is a holiday too), its mixed waste of
        // 2027-01-01 to Saturday the 2nd; zone D's (Saturdays) of
        // 2026-12-26 to Monday the 28th (the 27th is a Sunday).
        let at = |zone: &str, date: &str, f: Fraction| {
            pickups
                .iter()
                .any(|p| p.zone == zone && p.date == day(date) && p.fraction == f)
        };
        assert!(at("C", "2026-12-24", Fraction::Paper));
        assert!(at("C", "2027-01-02", Fraction::Mixed));
        assert!(at("D", "2026-12-28", Fraction::Mixed));
        // Ash only November to March, never for blocks.
        assert!(
            pickups
                .iter()
                .filter(|p| p.fraction == Fraction::Ash)
                .all(|p| p.zone != "D" && !summer(p.date))
        );
        // Mixed weekly in summer for houses.
        let july = pickups
            .iter()
            .filter(|p| p.zone == "A" && p.fraction == Fraction::Mixed && p.date.month() == 7)
            .count();
        assert!(july >= 4);
    }

    #[test]
    fn siechnice_addresses_resolve_by_street_side_and_building() {
        let s = parsed(&siechnice_files());
        let rules = s.rules.unwrap();
        let at = |locality: &str, street: Option<&str>, n: u32, building| {
            let a = Address {
                locality: locality.into(),
                street: street.map(Into::into),
                number: HouseNumber::new(n),
                building,
            };
            resolve(&rules, &a)
        };
        use mm_protocol::waste::BuildingType::*;
        assert_eq!(
            at("Siechnice", Some("ul. Kolejowa"), 5, None),
            Ok("B".into())
        );
        assert_eq!(at("Siechnice", Some("Kolejowa"), 6, None), Ok("A".into()));
        assert_eq!(at("Siechnice", Some("Fabryczna"), 6, None), Ok("B".into()));
        assert_eq!(
            at("Siechnice", Some("Szkolna"), 1, Some(SingleFamily)),
            Ok("A".into())
        );
        assert_eq!(
            at("Siechnice", Some("Szkolna"), 1, Some(MultiFamily)),
            Ok("D".into())
        );
        assert!(matches!(
            at("Siechnice", Some("Szkolna"), 1, None),
            Err(ResolveError::BuildingTypeNeeded { .. })
        ));
        assert_eq!(at("Zębice", None, 3, None), Ok("C".into()));
        assert_eq!(at("Radwanice", None, 3, Some(SingleFamily)), Ok("B".into()));
        assert_eq!(at("Radwanice", None, 3, Some(MultiFamily)), Ok("D".into()));
    }
}
