use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use proptest::prelude::*;

use super::address::*;
use super::csv::*;
use super::dictionary::search;
use super::ics::*;
use super::model::*;
use super::reminders::*;
use crate::validation::Validate;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn hn(s: &str) -> HouseNumber {
    HouseNumber::parse(s).unwrap()
}

// --- model -----------------------------------------------------------------

#[test]
fn fractions_have_codes_bins_and_labels() {
    assert_eq!(Fraction::STANDARD.len(), 9);
    for f in Fraction::STANDARD {
        assert_eq!(Fraction::parse(&f.code()), Some(f.clone()));
        assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.code()));
        assert!(!f.label_pl().is_empty() && !f.label_en().is_empty());
    }
    assert_eq!(Fraction::Paper.colour(), BinColour::Blue);
    assert_eq!(Fraction::Glass.colour(), BinColour::Green);
    assert_eq!(Fraction::MetalsPlastics.colour(), BinColour::Yellow);
    assert_eq!(Fraction::Bio.colour(), BinColour::Brown);
    assert_eq!(Fraction::Mixed.colour(), BinColour::Black);
    assert_eq!(Fraction::Ash.colour(), BinColour::Grey);
    assert_eq!(BinColour::Yellow.label_pl(), "żółty");
    // Polish names as officials type them.
    assert_eq!(Fraction::parse("Szkło"), Some(Fraction::Glass));
    assert_eq!(Fraction::parse("popiół"), Some(Fraction::Ash));
    assert_eq!(Fraction::parse("Metale i tworzywa sztuczne"), Some(Fraction::MetalsPlastics));
    assert_eq!(Fraction::parse("custom:Choinki"), Some(Fraction::Custom("Choinki".into())));
    assert_eq!(Fraction::Custom("Choinki świąteczne".into()).uid_token(), "custom-choinki-swiateczne");
    assert_eq!(Fraction::parse("papeir"), None);
    assert_eq!(Fraction::parse("custom:"), None);
    assert!(serde_json::from_str::<Fraction>("\"papeir\"").is_err());
}

// --- addresses ---------------------------------------------------------------

#[test]
fn house_numbers_parse_and_order() {
    assert_eq!(hn("12"), HouseNumber::new(12));
    assert_eq!(hn("12a"), HouseNumber { number: 12, suffix: "a".into() });
    assert_eq!(hn("12 A"), hn("12a"));
    assert_eq!(hn("12/3"), hn("12"));
    assert_eq!(hn(" 12B/4 "), HouseNumber { number: 12, suffix: "b".into() });
    for bad in ["", "a12", "0", "12-14", "123456", "12abcd", "12.5", "/3"] {
        assert_eq!(HouseNumber::parse(bad), None, "{bad}");
    }
    let mut v: Vec<HouseNumber> = ["13", "12b", "2", "12", "12a", "100"].iter().map(|s| hn(s)).collect();
    v.sort();
    let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["2", "12", "12a", "12b", "13", "100"]);
}

#[test]
fn names_compare_folded_without_prefixes() {
    assert_eq!(normalise_name("ul. Świętej  Jadwigi"), "swietej jadwigi");
    assert_eq!(normalise_name("UL.Świętej Jadwigi"), "swietej jadwigi");
    assert_eq!(normalise_name("Aleja Róż"), "roz");
    assert_eq!(normalise_name("al. Róż"), normalise_name("ROZ"));
    assert_eq!(normalise_name("pl. Wolności"), "pl wolnosci");
    assert_eq!(normalise_name("Ulica"), "ulica");
}

fn rule(locality: &str, street: Option<&str>, from: Option<&str>, to: Option<&str>, parity: Parity, building: BuildingType, zone: &str) -> AddressRule {
    AddressRule {
        locality: locality.into(),
        street: street.map(Into::into),
        from: from.map(hn),
        to: to.map(hn),
        parity,
        building,
        zone: zone.into(),
    }
}

fn siechnice_rules() -> Vec<AddressRule> {
    use BuildingType::*;
    use Parity::*;
    vec![
        rule("Radwanice", None, None, None, All, Any, "B"),
        rule("Siechnice", None, None, None, All, Any, "A"),
        rule("Siechnice", Some("ul. Kolejowa"), None, None, Odd, Any, "C"),
        rule("Siechnice", Some("ul. Kolejowa"), Some("1"), Some("20"), All, Any, "D"),
        rule("Siechnice", None, None, None, All, MultiFamily, "E"),
        rule("Siechnice", Some("Świętej Jadwigi"), None, None, All, SingleFamily, "A"),
        rule("Siechnice", Some("Świętej Jadwigi"), None, None, All, MultiFamily, "E"),
    ]
}

fn addr(locality: &str, street: Option<&str>, number: &str, building: Option<BuildingType>) -> Address {
    Address { locality: locality.into(), street: street.map(Into::into), number: hn(number), building }
}

#[test]
fn the_most_specific_rule_wins() {
    let rules = siechnice_rules();
    let r = |a: Address| resolve(&rules, &a);
    use BuildingType::*;
    assert_eq!(r(addr("radwanice", Some("Główna"), "5", None)), Ok("B".into()));
    // Whole locality.
    assert_eq!(r(addr("Siechnice", Some("Lipowa"), "5", Some(SingleFamily))), Ok("A".into()));
    // Building type beats the plain locality rule.
    assert_eq!(r(addr("Siechnice", Some("Lipowa"), "5", Some(MultiFamily))), Ok("E".into()));
    // A range on the street beats one side of it, which beats the locality.
    assert_eq!(r(addr("Siechnice", Some("Kolejowa"), "5", Some(SingleFamily))), Ok("D".into()));
    assert_eq!(r(addr("Siechnice", Some("KOLEJOWA"), "20a", None)), Ok("D".into()), "\"to 20\" takes 20a");
    assert_eq!(r(addr("Siechnice", Some("Kolejowa"), "21", None)), Ok("C".into()));
    assert_eq!(r(addr("Siechnice", Some("Kolejowa"), "22", Some(SingleFamily))), Ok("A".into()));
    // Diacritics and prefix do not matter.
    assert_eq!(r(addr("Siechnice", Some("swietej jadwigi"), "3", Some(SingleFamily))), Ok("A".into()));
    assert_eq!(r(addr("Siechnice", Some("ul. Świętej Jadwigi"), "3", Some(MultiFamily))), Ok("E".into()));
    let need = r(addr("Siechnice", Some("Świętej Jadwigi"), "3", None)).unwrap_err();
    assert_eq!(need, ResolveError::BuildingTypeNeeded { zones: vec!["A".into(), "E".into()] });
    assert!(need.pl().contains("zabudowy"));
    assert_eq!(r(addr("Żórawina", None, "1", None)), Err(ResolveError::Unresolved));
    // Hand-edited rules can still be ambiguous.
    let mut bad = rules.clone();
    bad.push(rule("Radwanice", None, None, None, Parity::All, BuildingType::Any, "X"));
    assert_eq!(
        resolve(&bad, &addr("Radwanice", None, "1", None)),
        Err(ResolveError::Ambiguous { zones: vec!["B".into(), "X".into()] })
    );
}

#[test]
fn ranges_sides_and_building_types() {
    use BuildingType::*;
    use Parity::*;
    let rules = vec![
        rule("Iwiny", None, None, None, All, Any, "A"),
        rule("Iwiny", Some("Lipowa"), Some("1"), Some("9"), All, Any, "R"),
        rule("Iwiny", Some("Lipowa"), Some("10b"), Some("30"), Odd, Any, "S"),
        rule("Iwiny", Some("Lipowa"), None, None, Even, Any, "T"),
    ];
    let r = |street: &str, n: &str| resolve(&rules, &addr("Iwiny", Some(street), n, None));
    // The range's ends are in it; "to 9" takes 9a.
    assert_eq!(r("Lipowa", "1"), Ok("R".into()));
    assert_eq!(r("Lipowa", "9a"), Ok("R".into()));
    // A range with a lettered start: 10a is before it, 10b and 11 in it
    // when odd; 10a and 10b are even (the number decides the side).
    assert_eq!(r("Lipowa", "10a"), Ok("T".into()));
    assert_eq!(r("Lipowa", "11"), Ok("S".into()));
    assert_eq!(r("Lipowa", "29"), Ok("S".into()));
    assert_eq!(r("Lipowa", "31"), Ok("A".into()), "past the range, odd: the locality");
    assert_eq!(r("Lipowa", "32"), Ok("T".into()), "past the range, even: the side");
    assert_eq!(r("Brzozowa", "4"), Ok("A".into()));
    // Every building type agrees here, so any may be given.
    assert_eq!(resolve(&rules, &addr("Iwiny", Some("Lipowa"), "11", Some(MultiFamily))), Ok("S".into()));
}

#[test]
fn a_building_type_rule_over_a_plain_one_asks_which_it_is() {
    use BuildingType::*;
    use Parity::*;
    // Issue 16 §5: "whole locality → A" and "whole locality, blocks → E".
    // An address that does not say used to get E (the blocks' rule is the
    // more specific); a house owner would then put the bins out on the
    // wrong days.
    let rules = vec![
        rule("Siechnice", None, None, None, All, Any, "A"),
        rule("Siechnice", None, None, None, All, MultiFamily, "E"),
    ];
    let r = |b: Option<BuildingType>| resolve(&rules, &addr("Siechnice", Some("Lipowa"), "5", b));
    assert_eq!(r(None), Err(ResolveError::BuildingTypeNeeded { zones: vec!["A".into(), "E".into()] }));
    assert_eq!(r(Some(Any)), r(None), "`any` says nothing either");
    assert_eq!(r(Some(SingleFamily)), Ok("A".into()));
    assert_eq!(r(Some(MultiFamily)), Ok("E".into()));
    // A street rule more specific than both answers for either kind, so it
    // needs no building type.
    let mut street = rules.clone();
    street.push(rule("Siechnice", Some("Kolejowa"), None, None, Odd, Any, "C"));
    assert_eq!(resolve(&street, &addr("Siechnice", Some("Kolejowa"), "5", None)), Ok("C".into()));
    assert_eq!(
        resolve(&street, &addr("Siechnice", Some("Kolejowa"), "6", None)),
        Err(ResolveError::BuildingTypeNeeded { zones: vec!["A".into(), "E".into()] })
    );
    // Blocks only: the one zone there is.
    let blocks = vec![rule("Siechnice", None, None, None, All, MultiFamily, "E")];
    assert_eq!(resolve(&blocks, &addr("Siechnice", None, "5", None)), Ok("E".into()));
    assert_eq!(resolve(&blocks, &addr("Siechnice", None, "5", Some(SingleFamily))), Err(ResolveError::Unresolved));
    // Two building-type rules naming the same zone: no question.
    let same = vec![
        rule("Siechnice", None, None, None, All, SingleFamily, "A"),
        rule("Siechnice", None, None, None, All, MultiFamily, "A"),
    ];
    assert_eq!(resolve(&same, &addr("Siechnice", None, "5", None)), Ok("A".into()));
}

// --- CSV -------------------------------------------------------------------

const ZONES: &str = "\u{FEFF}zone;name;description\r\nA;Siechnice – zabudowa jednorodzinna;\r\nB;Radwanice;\"Wieś; także Przecławice\"\r\nC;Kolejowa nieparzyste;\r\nD;Kolejowa 1–20;\r\nE;Siechnice – bloki;\r\n";
const RULES: &str = "locality;street;from;to;parity;building;zone\nRadwanice;;;;;;B\nSiechnice;;;;;;A\nSiechnice;ul. Kolejowa;;;nieparzyste;;C\nSiechnice;ul. Kolejowa;1;20;;;D\nSiechnice;;;;;wielorodzinna;E\n";
const PICKUPS: &str = "zone;date;fraction;note\nA;2026-12-28;zmieszane;przesunięte z 25 grudnia\nA;2026-12-28;papier;\nB;2027-01-04;Szkło;\nE;2027-01-05;custom:choinki;\n";
const DICTIONARY: &str = "fraction;item;note\nszklo;słoik po dżemie;bez nakrętki\nmetale_i_tworzywa;butelka plastikowa;zgnieć\nbio;obierki;\npapier;karton;\nelektroodpady;żarówka LED;do PSZOK\n";

fn all_files() -> ImportInput<'static> {
    ImportInput {
        zones: Some(ZONES.as_bytes()),
        rules: Some(RULES.as_bytes()),
        pickups: Some(PICKUPS.as_bytes()),
        dictionary: Some(DICTIONARY.as_bytes()),
        pszok: None,
    }
}

#[test]
fn a_good_import_reads_every_file() {
    let pszok = "name;address;lat;lon;opening_hours;accepts;note\nPSZOK Siechnice;\"ul. Ogrodowa 1, Siechnice\";51,0341;17.1447;\"Tu-Fr 10:00-18:00; Sa 08:00-14:00; PH off\";\"opony, gruz, leki\";\n";
    let input = ImportInput { pszok: Some(pszok.as_bytes()), ..all_files() };
    let import = parse_import(&input).unwrap_or_else(|e| panic!("{e:#?}"));
    let zones = import.zones.unwrap();
    assert_eq!(zones.len(), 5);
    assert_eq!(zones[1].description.as_deref(), Some("Wieś; także Przecławice"));
    assert_eq!(zones[0].description, None);
    let rules = import.rules.unwrap();
    assert_eq!(rules.len(), 5);
    assert_eq!(rules[2].parity, Parity::Odd);
    assert_eq!(rules[3].to, Some(hn("20")));
    assert_eq!(rules[4].building, BuildingType::MultiFamily);
    let pickups = import.pickups.unwrap();
    assert_eq!(pickups.len(), 4);
    assert_eq!(pickups[0].note.as_deref(), Some("przesunięte z 25 grudnia"));
    assert_eq!(pickups[3].fraction, Fraction::Custom("choinki".into()));
    let dict = import.dictionary.unwrap();
    assert_eq!(dict[0].item, "słoik po dżemie");
    assert_eq!(dict[0].fraction, Fraction::Glass);
    let p = &import.pszok.unwrap()[0];
    assert_eq!(p.point.lat, 51.0341);
    assert_eq!(p.accepts, ["opony", "gruz", "leki"]);
    assert_eq!(p.opening_hours, "Tu-Fr 10:00-18:00; Sa 08:00-14:00; PH off");
    // And the rules resolve as above.
    assert_eq!(resolve(&rules, &addr("Siechnice", Some("Kolejowa"), "7", None)), Ok("D".into()));
}

fn errors_of(input: ImportInput<'_>) -> Vec<(FileKind, usize, Option<String>, ImportReason)> {
    parse_import(&input).unwrap_err().into_iter().map(|e| (e.file, e.line, e.column, e.reason)).collect()
}

#[test]
fn a_bad_import_reports_every_bad_line_and_imports_nothing() {
    let pickups = "zone;date;fraction;note\n\
        A;2026-12-28;zmieszane;\n\
        Q;2026-12-28;papier;\n\
        A;28.12.2026;papier;\n\
        A;2026-02-30;papier;\n\
        A;0226-01-01;papier;\n\
        A;2026-12-28;papeir;\n\
        A;2026-12-28;zmieszane;\n\
        ;;;\n\
        A;2027-01-01\n\
        A;;papier;\n\
        A;2026-12-29;papier;x\u{7}y\n";
    let errs = errors_of(ImportInput { pickups: Some(pickups.as_bytes()), ..all_files() });
    use ImportReason::*;
    let col = |s: &str| Some(s.to_string());
    assert_eq!(
        errs,
        vec![
            (FileKind::Pickups, 3, col("zone"), UnknownZone),
            (FileKind::Pickups, 4, col("date"), BadDate),
            (FileKind::Pickups, 5, col("date"), BadDate),
            (FileKind::Pickups, 6, col("date"), DateOutOfRange),
            (FileKind::Pickups, 7, col("fraction"), UnknownFraction),
            (FileKind::Pickups, 8, col("date"), DuplicatePickup { first_line: 2 }),
            (FileKind::Pickups, 10, None, CellCount { expected: 4, got: 2 }),
            (FileKind::Pickups, 11, col("date"), Required),
            (FileKind::Pickups, 12, col("note"), ControlCharacters),
        ]
    );
    let e = parse_import(&ImportInput { pickups: Some(pickups.as_bytes()), ..all_files() }).unwrap_err();
    assert_eq!(e[0].to_string(), "pickups.csv:3 [zone]: No such zone in zones.csv.");
    assert_eq!(e[0].pl, "Nie ma takiego rejonu w zones.csv.");
    let json = serde_json::to_value(&e[0]).unwrap();
    assert_eq!(json["file"], "pickups");
    assert_eq!(json["line"], 3);
}

#[test]
fn rules_refusals() {
    let rules = "locality;street;from;to;parity;building;zone\n\
        Siechnice;Kolejowa;1;20;;;D\n\
        Siechnice;ul. KOLEJOWA;15;40;;;C\n\
        Siechnice;Kolejowa;;;odd;;C\n\
        Siechnice;Kolejowa;;;even;;D\n\
        Siechnice;Lipowa;30;10;;;A\n\
        Siechnice;Lipowa;20a;20;;;A\n\
        Siechnice;Lipowa;x;;;;A\n\
        Siechnice;Lipowa;;;both;;A\n\
        Siechnice;Lipowa;;;;villa;A\n\
        ;Lipowa;;;;;A\n\
        Siechnice;Lipowa;;;;;Z\n\
        Radwanice;;;;;jednorodzinna;A\n\
        Radwanice;;;;;wielorodzinna;E\n";
    let errs = errors_of(ImportInput { rules: Some(rules.as_bytes()), pickups: None, dictionary: None, ..all_files() });
    use ImportReason::*;
    let col = |s: &str| Some(s.to_string());
    assert_eq!(
        errs,
        vec![
            (FileKind::Rules, 6, col("from"), RangeOrder),
            (FileKind::Rules, 8, col("from"), BadHouseNumber),
            (FileKind::Rules, 9, col("parity"), BadParity),
            (FileKind::Rules, 10, col("building"), BadBuilding),
            (FileKind::Rules, 11, col("locality"), Required),
            (FileKind::Rules, 12, col("zone"), UnknownZone),
            // Two ranges of Kolejowa that share 15–20 and name other zones.
            (FileKind::Rules, 3, None, AmbiguousRule { other_line: 2 }),
        ]
    );
    assert!(ImportReason::AmbiguousRule { other_line: 2 }.pl().contains("wiersza 2"));
}

#[test]
fn file_level_refusals() {
    use ImportReason::*;
    let only = |kind: FileKind, text: &[u8]| {
        let mut input = ImportInput::default();
        match kind {
            FileKind::Zones => input.zones = Some(text),
            FileKind::Dictionary => input.dictionary = Some(text),
            FileKind::Pszok => input.pszok = Some(text),
            FileKind::Rules => input.rules = Some(text),
            FileKind::Pickups => input.pickups = Some(text),
        }
        errors_of(input)
    };
    assert_eq!(only(FileKind::Zones, b""), [(FileKind::Zones, 0, None, Empty)]);
    assert_eq!(only(FileKind::Zones, b"zone;name\nA;\xff\n"), [(FileKind::Zones, 0, None, NotUtf8)]);
    assert_eq!(only(FileKind::Zones, b"zone;name\nA;\"open\n"), [(FileKind::Zones, 2, None, UnclosedQuote)]);
    assert_eq!(
        only(FileKind::Zones, b"zone;colour;zone\n"),
        [
            (FileKind::Zones, 1, Some("colour".into()), UnknownColumn),
            (FileKind::Zones, 1, Some("zone".into()), DuplicateColumn),
            (FileKind::Zones, 1, Some("name".into()), MissingColumn),
        ]
    );
    assert_eq!(
        only(FileKind::Zones, b"zone;name\nA;x\na b;y\nA;z\n"),
        [(FileKind::Zones, 3, Some("zone".into()), BadZoneId), (FileKind::Zones, 4, Some("zone".into()), DuplicateZone { first_line: 2 })]
    );
    assert_eq!(only(FileKind::Rules, b"locality;zone\nSiechnice;A\n"), [(FileKind::Rules, 0, None, ZonesRequired)]);
    assert_eq!(only(FileKind::Pickups, b"zone;date;fraction\n"), [(FileKind::Pickups, 0, None, ZonesRequired)]);
    let big = vec![b'a'; MAX_FILE_BYTES + 1];
    assert_eq!(only(FileKind::Dictionary, &big), [(FileKind::Dictionary, 0, None, FileTooLarge)]);
    let mut many = String::from("name;address;lat;lon;opening_hours\n");
    for i in 0..=FileKind::Pszok.max_rows() {
        many.push_str(&format!("P{i};a;51;17;Mo 08:00-10:00\n"));
    }
    assert_eq!(only(FileKind::Pszok, many.as_bytes()), [(FileKind::Pszok, 102, None, TooManyRows { max: 100 })]);
    let long = format!("item;fraction\n{};papier\n", "x".repeat(MAX_CELL_CHARS + 1));
    assert_eq!(only(FileKind::Dictionary, long.as_bytes()), [(FileKind::Dictionary, 2, Some("item".into()), TooLong)]);
    assert_eq!(
        only(FileKind::Dictionary, "item;fraction\nSłoik;szkło\nsloik;szklo\n".as_bytes()),
        [(FileKind::Dictionary, 3, Some("item".into()), DuplicateItem { first_line: 2 })]
    );
    let pszok = only(FileKind::Pszok, b"name;address;lat;lon;opening_hours\nP;a;95;x;Mo 25:00-26:00\n");
    assert_eq!(pszok.len(), 2, "{pszok:?}");
    assert_eq!(pszok[0], (FileKind::Pszok, 2, Some("lon".into()), BadCoordinate));
    assert!(matches!(&pszok[1].3, BadOpeningHours { .. }));
    let north_pole = only(FileKind::Pszok, b"name;address;lat;lon;opening_hours\nP;a;95;17;Mo 08:00-10:00\n");
    assert_eq!(north_pole, [(FileKind::Pszok, 2, Some("lat".into()), BadCoordinate)]);
    // Trailing separators and blank lines are what spreadsheets write.
    assert!(parse_import(&ImportInput { zones: Some(b"zone;name;\r\nA;x;;;\r\n\r\n;;\r\n"), ..Default::default() }).is_ok());
}

// --- ICS -------------------------------------------------------------------

#[test]
fn the_ics_feed_is_read_back_by_an_independent_parser() {
    let pickups = vec![
        Pickup { zone: "A".into(), date: date("2026-12-28"), fraction: Fraction::Mixed, note: Some("Przesunięte z 25 grudnia (Boże Narodzenie); wystaw do 6:00, proszę".into()) },
        Pickup { zone: "A".into(), date: date("2026-12-28"), fraction: Fraction::Paper, note: None },
        Pickup { zone: "A".into(), date: date("2026-12-14"), fraction: Fraction::Custom("Choinki".into()), note: None },
    ];
    let opts = WasteIcsOptions {
        calendar_name: "Odbiór odpadów: Siechnice, ul. Kolejowa 5",
        uid_domain: "0223083.mmieszkaniec",
        updated_at: utc("2026-11-30T10:00:00Z"),
    };
    let text = schedule_ics(&pickups, &opts);
    assert_eq!(text, schedule_ics(&pickups, &opts), "deterministic");
    for line in text.split_inclusive("\r\n") {
        assert!(line.ends_with("\r\n") && line.len() <= 77, "{line:?}");
    }
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = parser.next().unwrap().unwrap();
    assert_eq!(cal.events.len(), 3);
    let value = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap()
    };
    let first = &cal.events[0];
    assert_eq!(value(first, "UID"), "waste-A-20261214-custom-choinki@0223083.mmieszkaniec");
    assert_eq!(value(first, "DTSTART"), "20261214");
    assert_eq!(value(first, "DTEND"), "20261215");
    let p = first.properties.iter().find(|p| p.name == "DTSTART").unwrap();
    assert_eq!(p.params.as_ref().unwrap()[0], ("VALUE".to_string(), vec!["DATE".to_string()]));
    let mixed = &cal.events[1];
    assert_eq!(value(mixed, "UID"), "waste-A-20261228-mixed@0223083.mmieszkaniec");
    assert_eq!(value(mixed, "SUMMARY"), "Odbiór: Odpady zmieszane");
    assert_eq!(
        value(mixed, "DESCRIPTION"),
        "Pojemnik: czarny.\\nPrzesunięte z 25 grudnia (Boże Narodzenie)\\; wystaw do 6:00\\, proszę"
    );
    assert_eq!(value(mixed, "TRANSP"), "TRANSPARENT");
    assert_eq!(value(mixed, "DTSTAMP"), "20261130T100000Z");
    assert_eq!(value(&cal.events[2], "UID"), "waste-A-20261228-paper@0223083.mmieszkaniec");
}

// --- reminders -------------------------------------------------------------

fn schedule(dates: &[(&str, Fraction)]) -> Vec<AddressSchedule> {
    vec![AddressSchedule {
        address: "Siechnice, Kolejowa 5".into(),
        pickups: dates.iter().map(|(d, f)| Pickup { zone: "A".into(), date: date(d), fraction: f.clone(), note: None }).collect(),
    }]
}

fn times(r: &[Reminder]) -> Vec<String> {
    r.iter().map(|r| r.at_utc.to_rfc3339()).collect()
}

const YEAR: (&str, &str) = ("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z");

#[test]
fn reminders_are_18_00_warsaw_the_evening_before_across_dst() {
    let prefs = ReminderPrefs::default();
    assert!(prefs.validate().is_ok());
    let s = schedule(&[
        // The evening before is the Saturday before the spring change: CET.
        ("2027-03-28", Fraction::Mixed),
        // The evening before is the day of the change: CEST.
        ("2027-03-29", Fraction::Paper),
        // Autumn: the evening before is still CEST on Saturday 30th…
        ("2027-10-31", Fraction::Glass),
        // …and CET on Sunday 31st.
        ("2027-11-01", Fraction::Bio),
    ]);
    let r = reminders(&s, &prefs, utc(YEAR.0), utc(YEAR.1));
    assert_eq!(
        times(&r),
        ["2027-03-27T17:00:00+00:00", "2027-03-28T16:00:00+00:00", "2027-10-30T16:00:00+00:00", "2027-10-31T17:00:00+00:00"]
    );
    assert_eq!(r[1].fraction, Fraction::Paper);
    assert_eq!(r[1].date, date("2027-03-29"));
    assert_eq!(r[1].address, "Siechnice, Kolejowa 5");
}

#[test]
fn reminders_at_times_that_dst_skips_or_repeats() {
    let prefs = ReminderPrefs { at: NaiveTime::from_hms_opt(2, 30, 0).unwrap(), ..Default::default() };
    let s = schedule(&[("2027-03-29", Fraction::Mixed), ("2027-11-01", Fraction::Mixed)]);
    let r = reminders(&s, &prefs, utc(YEAR.0), utc(YEAR.1));
    // 02:30 does not exist on 2027-03-28: 03:30 CEST. It happens twice on
    // 2027-10-31: the first (CEST).
    assert_eq!(times(&r), ["2027-03-28T01:30:00+00:00", "2027-10-31T00:30:00+00:00"]);
}

#[test]
fn holiday_shifted_dates_are_reminded_on_their_own_eve() {
    // Friday 25 December 2026 is a holiday; the gmina moved the collection
    // to Monday the 28th, so the reminder is Sunday evening, not Thursday.
    let s = schedule(&[("2026-12-28", Fraction::Mixed), ("2027-01-02", Fraction::Bio)]);
    let r = reminders(&s, &ReminderPrefs::default(), utc(YEAR.0), utc(YEAR.1));
    assert_eq!(times(&r), ["2026-12-27T17:00:00+00:00", "2027-01-01T17:00:00+00:00"]);
}

#[test]
fn reminder_preferences() {
    let s = schedule(&[("2027-01-10", Fraction::Mixed), ("2027-01-10", Fraction::Paper), ("2027-01-20", Fraction::Glass)]);
    let three = ReminderPrefs { days_before: 3, at: NaiveTime::from_hms_opt(7, 15, 0).unwrap(), ..Default::default() };
    let r = reminders(&s, &three, utc(YEAR.0), utc(YEAR.1));
    assert_eq!(times(&r)[0], "2027-01-07T06:15:00+00:00");
    assert_eq!(r.len(), 3);
    let muted = ReminderPrefs { muted: BTreeSet::from([Fraction::Paper, Fraction::Glass]), ..Default::default() };
    let r = reminders(&s, &muted, utc(YEAR.0), utc(YEAR.1));
    assert_eq!(r.iter().map(|r| r.fraction.clone()).collect::<Vec<_>>(), [Fraction::Mixed]);
    let off = ReminderPrefs { enabled: false, ..Default::default() };
    assert!(reminders(&s, &off, utc(YEAR.0), utc(YEAR.1)).is_empty());
    // The window is [from, to).
    let r = reminders(&s, &ReminderPrefs::default(), utc("2027-01-09T17:00:00Z"), utc("2027-01-19T17:00:00Z"));
    assert_eq!(r.len(), 2);
    // Two addresses in one zone remind once each, sorted by time.
    let mut two = s.clone();
    two.push(AddressSchedule { address: "Siechnice, Kolejowa 7".into(), ..s[0].clone() });
    assert_eq!(reminders(&two, &ReminderPrefs::default(), utc(YEAR.0), utc(YEAR.1)).len(), 6);
    for bad in [0, 4] {
        assert_eq!(ReminderPrefs { days_before: bad, ..Default::default() }.validate().unwrap_err().field, "days_before");
    }
}

// --- dictionary --------------------------------------------------------------

#[test]
fn dictionary_search_ignores_diacritics_and_ranks_prefixes_first() {
    let e = |item: &str, f: Fraction| DictionaryEntry { item: item.into(), fraction: f, note: None };
    let dict = vec![
        e("Butelka po oleju", Fraction::MetalsPlastics),
        e("Słoik po dżemie", Fraction::Glass),
        e("pokrywka słoika", Fraction::MetalsPlastics),
        e("słoik", Fraction::Glass),
        e("Obierki", Fraction::Bio),
        e("Kosłoik", Fraction::Mixed),
    ];
    let items = |q: &str| search(&dict, q, 10).into_iter().map(|e| e.item.as_str()).collect::<Vec<_>>();
    assert_eq!(items("sloik"), ["słoik", "Słoik po dżemie", "pokrywka słoika", "Kosłoik"]);
    assert_eq!(items("SŁOIK dzem"), ["Słoik po dżemie"]);
    assert_eq!(items("  "), Vec::<&str>::new());
    assert_eq!(items("po"), ["pokrywka słoika", "Butelka po oleju", "Słoik po dżemie"]);
    assert_eq!(search(&dict, "sloik", 2).len(), 2);
}

// --- properties --------------------------------------------------------------

fn arb_rule() -> impl Strategy<Value = AddressRule> {
    let number = proptest::option::of((1u32..40).prop_map(HouseNumber::new));
    (
        proptest::option::of(Just("Kolejowa".to_string())),
        number.clone(),
        number,
        proptest::sample::select(vec![Parity::All, Parity::Odd, Parity::Even]),
        proptest::sample::select(vec![BuildingType::Any, BuildingType::SingleFamily, BuildingType::MultiFamily]),
        proptest::sample::select(vec!["A", "B", "C"]),
    )
        .prop_map(|(street, a, b, parity, building, zone)| {
            let (from, to) = match (a, b) {
                (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
                other => other,
            };
            AddressRule { locality: "Siechnice".into(), street, from, to, parity, building, zone: zone.into() }
        })
}

proptest! {
    /// Rules the import accepts never make `resolve` ambiguous for an
    /// address that names its building type: the import's check and the
    /// run-time rule agree.
    #[test]
    fn accepted_rules_are_never_ambiguous(rules in proptest::collection::vec(arb_rule(), 0..8)) {
        let lines: Vec<(usize, AddressRule)> = rules.iter().cloned().enumerate().collect();
        let mut errors = Vec::new();
        check_ambiguity(&lines, &mut errors);
        let accepted = errors.is_empty();
        let mut ambiguous_somewhere = false;
        for n in 1..42u32 {
            for building in [BuildingType::SingleFamily, BuildingType::MultiFamily] {
                for street in [Some("ul. Kolejowa"), Some("Lipowa"), None] {
                    let a = Address { locality: "siechnice".into(), street: street.map(Into::into), number: HouseNumber::new(n), building: Some(building) };
                    if matches!(resolve(&rules, &a), Err(ResolveError::Ambiguous { .. })) {
                        ambiguous_somewhere = true;
                    }
                }
            }
        }
        prop_assert!(!(accepted && ambiguous_somewhere));
    }

    #[test]
    fn house_numbers_print_and_parse_back(n in 1u32..=HOUSE_NUMBER_MAX, suffix in "[a-z]{0,2}") {
        let h = HouseNumber { number: n, suffix };
        prop_assert_eq!(HouseNumber::parse(&h.to_string()), Some(h.clone()));
        prop_assert_eq!(HouseNumber::parse(&format!("{} {}/7", h.number, h.suffix.to_uppercase())), Some(h));
    }

    #[test]
    fn csv_never_panics_and_reports_lines_in_the_file(text in "(zone;name\n)?[A-Za-z0-9;\"\n ]{0,200}") {
        let lines = text.lines().count().max(1);
        if let Err(errors) = parse_import(&ImportInput { zones: Some(text.as_bytes()), ..Default::default() }) {
            for e in errors {
                prop_assert!(e.line <= lines + 1, "{:?}", e);
            }
        }
    }
}

/// The examples in `docs/WASTE.md` import as they stand.
#[test]
fn the_documented_examples_import() {
    let doc = include_str!("../../../docs/WASTE.md");
    let blocks: Vec<&str> = doc.split("```csv\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
    assert_eq!(blocks.len(), 5);
    let input = ImportInput {
        zones: Some(blocks[0].as_bytes()),
        rules: Some(blocks[1].as_bytes()),
        pickups: Some(blocks[2].as_bytes()),
        dictionary: Some(blocks[3].as_bytes()),
        pszok: Some(blocks[4].as_bytes()),
    };
    let import = parse_import(&input).unwrap_or_else(|e| panic!("{e:#?}"));
    let rules = import.rules.unwrap();
    let zone = |street: &str, n: &str, b| resolve(&rules, &addr("Siechnice", Some(street), n, b)).unwrap();
    assert_eq!(zone("Kolejowa", "7", Some(BuildingType::SingleFamily)), "C");
    assert_eq!(zone("Kolejowa", "8", Some(BuildingType::SingleFamily)), "A");
    assert_eq!(zone("Lipowa", "8", Some(BuildingType::MultiFamily)), "E");
    assert_eq!(import.pszok.unwrap()[0].accepts.len(), 4);
}

#[test]
fn schedule_queries_become_addresses() {
    use super::wire::ScheduleQuery;
    let q = ScheduleQuery { locality: "Siechnice".into(), street: Some("ul. Kolejowa".into()), number: "7 B/2".into(), building: None };
    let a = q.address().unwrap();
    assert_eq!(a.number, HouseNumber { number: 7, suffix: "b".into() });
    assert_eq!(resolve(&siechnice_rules(), &a), Ok("D".into()), "7b is in Kolejowa 1–20");
    let blank_street = ScheduleQuery { street: Some(" ".into()), number: "3".into(), ..q.clone() };
    assert_eq!(blank_street.address().unwrap().street, None);
    assert_eq!(ScheduleQuery { number: "x".into(), ..q.clone() }.address().unwrap_err().field, "number");
    assert_eq!(ScheduleQuery { locality: String::new(), ..q }.address().unwrap_err().field, "locality");
}

proptest! {
    /// Whatever the day and the chosen time, a reminder falls on the
    /// Warsaw wall clock at that time `days_before` days earlier (or just
    /// after the spring gap).
    #[test]
    fn reminders_keep_their_wall_clock_time(day in 0i64..1500, minutes in 0u32..1440, before in 1u8..=3) {
        let pickup_date = date("2026-01-01") + chrono::Days::new(day as u64);
        let at = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap();
        let prefs = ReminderPrefs { days_before: before, at, ..Default::default() };
        let s = schedule(&[(&pickup_date.to_string(), Fraction::Paper)]);
        let r = reminders(&s, &prefs, utc("2025-01-01T00:00:00Z"), utc("2031-01-01T00:00:00Z"));
        prop_assert_eq!(r.len(), 1);
        let local = r[0].at_utc.with_timezone(&crate::LOCAL_TZ);
        prop_assert_eq!(local.date_naive() + chrono::Days::new(u64::from(before)), pickup_date);
        let gap = local.time() != at;
        prop_assert!(!gap || (local.time() - at) == chrono::Duration::hours(1), "{} vs {}", local, at);
    }
}
