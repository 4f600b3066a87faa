//! The living office: about 60 residents' reports over the last four
//! months, in every state (new, accepted, in progress, resolved, rejected
//! with the reason, duplicate), with photos, public replies, internal
//! notes, departments and EZD case references, so the triage list, the
//! maps and `/transparency` are not empty on the first `make run`.
//!
//! Everything goes through the store's public traits, as the back office
//! and the apps do (reports, status moves, assignments, photos), and the
//! case references through the real EZD bridge into the demo's own EZD
//! ([`super::ezd::DemoEzd`]). The reports are a pure function of `now`
//! ([`reports`]); loading them is [`load`], once per database.
//!
//! Places are kept away from the spot the test suites report from
//! (Siechnice's centre), so a resident's report in a test is never offered
//! a demo report as a possible duplicate.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{Contact, LocationSource, NewReport, ReportStatus, StatusChangeRequest};

use super::ezd::DemoEzd;
use super::pictures;
use crate::ezd::bridge::{Bridge, BridgeConfig};
use crate::jobs::RetryPolicy;
use crate::reports::model::PhotoMeta;
use crate::state::Clock;
use crate::store::{Actor, Created, NewReportRecord, Store, StoreError, StoreResult};

/// In `settings` once the office is loaded (a restart loads nothing again).
pub const LOADED_KEY: &str = "demo_office_loaded";

/// The demo's officials, as the audit log and the notes name them.
const DISPATCHER: &str = "a.kowalczyk";
const CREW: &str = "m.nowak";

/// The demo's departments: name and the symbol their cases carry.
pub const DEPARTMENTS: [(&str, &str); 3] = [
    ("Wydział Gospodarki Komunalnej", "GKM"),
    ("Wydział Dróg i Inwestycji", "DI"),
    ("Pełnomocnik ds. Dostępności", "DOS"),
];

/// Which department handles a category.
fn department_of(category: &str) -> usize {
    match category {
        "road_damage" => 1,
        "barrier" => 2,
        _ => 0,
    }
}

/// What became of a report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fate {
    New,
    Accepted,
    InProgress,
    /// Resolved this many hours after it came in.
    Resolved(u32),
    /// Rejected with this reason (the resident is owed it).
    Rejected(&'static str),
    /// A duplicate of the seed at this index.
    Duplicate(usize),
}

/// One demo report before it is stored.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub category: &'static str,
    pub point: GeoPoint,
    pub address: String,
    pub description: &'static str,
    pub kind: Option<&'static str>,
    pub created_at: DateTime<Utc>,
    pub photos: u32,
    pub contact: Option<Contact>,
    pub fate: Fate,
}

/// Where (a locality's centre, then metres north and east of it), when
/// (days ago, Warsaw hour), what and what became of it.
struct Seed {
    category: &'static str,
    locality: &'static str,
    north_m: f64,
    east_m: f64,
    street: &'static str,
    description: &'static str,
    kind: Option<&'static str>,
    days_ago: u32,
    hour: u32,
    fate: Fate,
}

// One row of the table below: its columns, in the order they read.
#[allow(clippy::too_many_arguments)]
const fn seed(
    category: &'static str,
    locality: &'static str,
    (north_m, east_m): (f64, f64),
    street: &'static str,
    description: &'static str,
    kind: Option<&'static str>,
    (days_ago, hour): (u32, u32),
    fate: Fate,
) -> Seed {
    Seed { category, locality, north_m, east_m, street, description, kind, days_ago, hour, fate }
}

use Fate::*;

const LAMP: &str = "street_lamp";
const ROAD: &str = "road_damage";
const BARRIER: &str = "barrier";
const OTHER: &str = "other";

const NOT_LIT: Option<&str> = Some("not_lit");
const FLICKERS: Option<&str> = Some("flickers");
const BY_DAY: Option<&str> = Some("lit_by_day");
const POLE: Option<&str> = Some("damaged_pole");
const POTHOLE: Option<&str> = Some("pothole");
const KERB: Option<&str> = Some("pavement_or_kerb");
const MANHOLE: Option<&str> = Some("manhole_cover");
const SIGN: Option<&str> = Some("road_sign");

const OUT_OF_OUR_HANDS: &str = "Droga wojewódzka nr 395 należy do Dolnośląskiej Służby Dróg i Kolei; przekazaliśmy jej zgłoszenie. / Provincial road 395 is managed by the province's road service; we passed the report on.";

/// The reports, oldest first. Indices matter: duplicates name their original.
const SEEDS: [Seed; 60] = [
    seed(LAMP, "Radwanice", (250.0, 120.0), "ul. Przedszkolna", "Latarnia przed przedszkolem nie świeci od kilku dni, wieczorem jest tu zupełnie ciemno.", NOT_LIT, (121, 18), Resolved(52)),
    seed(ROAD, "Iwiny", (-180.0, 200.0), "ul. Szkolna", "Wyrwa w asfalcie po zimie, z każdym tygodniem większa.", POTHOLE, (118, 8), Resolved(160)),
    seed(OTHER, "Trestno", (150.0, -300.0), "droga do wału", "Dzikie wysypisko w lasku przy drodze na wał: opony, gruz, worki.", None, (116, 11), Resolved(98)),
    seed(BARRIER, "Święta Katarzyna", (90.0, 260.0), "ul. Żeromskiego 12", "Brak podjazdu do wejścia do ośrodka zdrowia, wózkiem nie da się wjechać.", None, (114, 10), Resolved(400)),
    seed(LAMP, "Żerniki Wrocławskie", (210.0, -150.0), "ul. Polna", "Przekrzywiony słup oświetleniowy po wichurze, oprawa wisi na kablu.", POLE, (112, 7), Resolved(20)),
    seed(ROAD, "Radwanice", (-200.0, 300.0), "ul. Opolska", "Głęboka dziura w jezdni przy wjeździe na osiedle, samochody omijają ją po chodniku.", POTHOLE, (109, 17), Resolved(140)),
    seed(LAMP, "Groblice", (-120.0, 90.0), "ul. Główna, przystanek", "Trzy kolejne latarnie przy przystanku autobusowym nie działają.", NOT_LIT, (106, 19), Resolved(70)),
    seed(OTHER, "Radwanice", (60.0, -250.0), "park przy ul. Parkowej", "Złamana ławka w parku, wystają gwoździe.", None, (104, 13), Resolved(45)),
    seed(ROAD, "Kotowice", (180.0, -120.0), "droga do Kotowic", "Seria dziur na drodze do Kotowic, trudno przejechać rowerem.", POTHOLE, (101, 9), Rejected(OUT_OF_OUR_HANDS)),
    seed(LAMP, "Łukaszowice", (-90.0, 140.0), "ul. Lipowa, plac zabaw", "Latarnia przy placu zabaw mruga i buczy.", FLICKERS, (99, 20), Resolved(30)),
    seed(ROAD, "Święta Katarzyna", (-260.0, -90.0), "ul. Grota-Roweckiego", "Brak pokrywy studzienki na poboczu, niebezpieczne dla rowerzystów.", MANHOLE, (96, 15), Resolved(6)),
    seed(BARRIER, "Radwanice", (130.0, 180.0), "ul. Główna 5", "Samochody parkują na chodniku i zastawiają przejście; z wózkiem trzeba iść jezdnią.", None, (94, 12), Resolved(210)),
    seed(LAMP, "Zębice", (200.0, 260.0), "ul. Wrocławska 40", "Nie świeci lampa na końcu ulicy, przy ostatnim domu.", NOT_LIT, (91, 21), Resolved(90)),
    seed(OTHER, "Siechnice", (520.0, -380.0), "park nad Oławą", "Przepełnione kosze na śmieci przy placu zabaw w parku.", None, (88, 16), Resolved(26)),
    seed(ROAD, "Żerniki Wrocławskie", (-140.0, 230.0), "ul. Wrocławska / ul. Polna", "Znak „ustąp pierwszeństwa” przewrócony na skrzyżowaniu.", SIGN, (86, 8), Resolved(12)),
    seed(LAMP, "Sulęcin", (100.0, -200.0), "ul. Kwiatowa", "Oprawa latarni pęknięta, szkło leży na chodniku.", POLE, (83, 18), Resolved(75)),
    seed(LAMP, "Siechnice", (-420.0, 520.0), "ul. Kolejowa, przejazd", "Latarnia przy przejeździe kolejowym nie świeci.", NOT_LIT, (80, 22), Rejected("Oświetlenie przy torach należy do PKP Polskich Linii Kolejowych; przekazaliśmy im zgłoszenie. / The lighting by the railway belongs to the rail infrastructure manager; we passed the report on.")),
    seed(ROAD, "Siechnice", (460.0, 300.0), "ul. Żeromskiego, przejście", "Wystający krawężnik na przejściu dla pieszych, potknęło się już kilka osób.", KERB, (78, 10), Resolved(180)),
    seed(OTHER, "Łukaszowice", (240.0, -60.0), "staw", "Powalone drzewo blokuje ścieżkę nad stawem.", None, (75, 7), Resolved(18)),
    seed(BARRIER, "Siechnice", (-380.0, -460.0), "rondo przy ul. Opolskiej", "Wysoki krawężnik na przejściu przy rondzie, brak obniżenia dla wózków.", None, (72, 14), Resolved(500)),
    seed(LAMP, "Kotowice", (-60.0, 160.0), "ul. Kościelna", "Latarnia przy kościele nie świeci.", NOT_LIT, (70, 19), Resolved(40)),
    seed(ROAD, "Sulimów", (140.0, 90.0), "przystanek Sulimów", "Ruchoma płyta chodnikowa przy przystanku, można skręcić kostkę.", KERB, (67, 11), Resolved(120)),
    seed(OTHER, "Szostakowice", (80.0, 70.0), "przy świetlicy", "Zniszczona tablica ogłoszeń sołectwa, szyba wybita.", None, (64, 9), Rejected("Tablica należy do parafii, nie do gminy; przekazaliśmy informację sołtysowi. / The notice board belongs to the parish, not the gmina; we told the village head.")),
    seed(LAMP, "Trestno", (-160.0, 220.0), "ścieżka wzdłuż wału", "Od tygodnia nie działa oświetlenie na ścieżce rowerowej wzdłuż wału.", NOT_LIT, (61, 20), Resolved(230)),
    seed(ROAD, "Biestrzyków", (120.0, 150.0), "ul. Główna", "Pęknięta pokrywa studzienki na środku jezdni, głośno stuka przy każdym aucie.", MANHOLE, (58, 6), Resolved(36)),
    seed(LAMP, "Siechnice", (610.0, 250.0), "ul. Jana Pawła II, parking", "Latarnia przy parkingu przy sklepie świeci w dzień.", BY_DAY, (55, 13), Resolved(28)),
    seed(OTHER, "Iwiny", (-220.0, -80.0), "plac zabaw", "Zepsuta huśtawka na placu zabaw, brak jednego łańcucha.", None, (52, 15), Resolved(60)),
    seed(BARRIER, "Iwiny", (160.0, 140.0), "przystanek Iwiny – Szkoła", "Ławka na przystanku tak postawiona, że wózek nie mieści się pod wiatą.", None, (49, 10), Resolved(300)),
    seed(ROAD, "Radwanice", (300.0, -180.0), "ul. Parkowa", "Dziura przy studzience kanalizacyjnej, koła wpadają.", POTHOLE, (46, 17), Resolved(96)),
    seed(LAMP, "Ozorzyce", (-100.0, 180.0), "przystanek szkolny", "Zgaszona latarnia przy przystanku, dzieci czekają rano po ciemku.", NOT_LIT, (43, 7), Resolved(15)),
    seed(OTHER, "Groblice", (220.0, 160.0), "skrzyżowanie z drogą do Trestna", "Nieprzycięte krzaki zasłaniają widoczność na skrzyżowaniu.", None, (40, 12), Resolved(150)),
    seed(ROAD, "Święta Katarzyna", (180.0, -220.0), "ul. Parkowa", "Chodnik rozsadzony przez korzenie drzew, nierówne płyty.", KERB, (37, 14), InProgress),
    seed(LAMP, "Radwanice", (-250.0, -160.0), "ul. Parkowa / ul. Główna", "Miga latarnia przy skrzyżowaniu, kierowcy się mylą.", FLICKERS, (34, 21), Resolved(48)),
    seed(OTHER, "Święta Katarzyna", (-150.0, 210.0), "wiata przystankowa", "Graffiti z wulgaryzmami na wiacie przystankowej.", None, (31, 9), Resolved(22)),
    seed(BARRIER, "Żerniki Wrocławskie", (-200.0, -180.0), "przejście przy szkole", "Brak ścieżki dotykowej przy przejściu koło szkoły.", None, (28, 11), InProgress),
    seed(ROAD, "Groblice", (-230.0, -160.0), "ul. Szkolna", "Uszkodzony znak ograniczenia prędkości przy szkole, nieczytelny.", SIGN, (25, 8), Resolved(30)),
    seed(LAMP, "Blizanowice", (120.0, -140.0), "cała ulica", "Brak światła na całej ulicy od wczoraj wieczorem.", NOT_LIT, (22, 6), Resolved(10)),
    seed(ROAD, "Zacharzyce", (160.0, 200.0), "pobocze przy polu", "Rozjechane pobocze i błoto na jezdni po pracach polowych.", POTHOLE, (20, 16), Rejected("Błoto naniosły maszyny rolnicze z pola prywatnego; wezwaliśmy właściciela do sprzątnięcia jezdni. / Farm machines from a private field left the mud; we called on the owner to clean the road.")),
    seed(OTHER, "Radwanice", (80.0, -300.0), "park przy ul. Parkowej", "Znowu złamana ławka w parku, ta obok fontanny.", None, (18, 10), InProgress),
    seed(BARRIER, "Radwanice", (-120.0, 330.0), "biblioteka, ul. Główna", "Stopnie przed biblioteką bez poręczy, starszym osobom trudno wejść.", None, (16, 12), Accepted),
    seed(LAMP, "Smardzów", (90.0, -130.0), "ul. Leśna", "Lampa świeci bardzo słabo, prawie nic nie widać.", FLICKERS, (14, 20), InProgress),
    seed(ROAD, "Siechnice", (-520.0, 180.0), "ul. Opolska, przychodnia", "Dziury na parkingu przy przychodni, kałuże po deszczu.", POTHOLE, (12, 9), Accepted),
    seed(ROAD, "Radwanice", (-195.0, 305.0), "ul. Opolska", "Dziura przy wjeździe na osiedle znowu się pojawiła, tym razem głębsza.", POTHOLE, (11, 8), InProgress),
    seed(LAMP, "Święta Katarzyna", (230.0, 140.0), "ul. Żeromskiego, bloki", "Lampa miga całą noc, bardzo męczące dla mieszkańców bloku.", FLICKERS, (10, 22), Accepted),
    seed(ROAD, "Radwanice", (-190.0, 310.0), "ul. Opolska", "Ta sama dziura przy wjeździe na osiedle, ktoś uszkodził w niej oponę.", POTHOLE, (9, 18), Duplicate(42)),
    seed(BARRIER, "Zębice", (-150.0, -120.0), "przystanek Zębice", "Przystanek bez utwardzonego dojścia, po deszczu błoto po kostki.", None, (8, 13), Accepted),
    seed(LAMP, "Iwiny", (260.0, -110.0), "ul. Stawowa", "Latarnia świeci w dzień, w nocy zresztą też.", BY_DAY, (7, 11), InProgress),
    seed(OTHER, "Siechnice", (-460.0, -520.0), "las przy ul. Sportowej", "Porzucone meble i worki ze śmieciami przy ścieżce w lesie.", None, (6, 15), Accepted),
    seed(ROAD, "Żerniki Wrocławskie", (260.0, 60.0), "ul. Główna 18", "Zapadnięty chodnik przed domem, kałuża po każdym deszczu.", KERB, (5, 9), New),
    seed(LAMP, "Święta Katarzyna", (235.0, 145.0), "ul. Żeromskiego, bloki", "Latarnia pod blokiem mruga od tygodnia.", FLICKERS, (5, 21), Duplicate(43)),
    seed(LAMP, "Groblice", (-130.0, 95.0), "ul. Główna, przystanek", "Znowu ciemno przy przystanku, nie świeci latarnia.", NOT_LIT, (4, 8), New),
    seed(OTHER, "Siechnice", (-455.0, -515.0), "las przy ul. Sportowej", "Ktoś wyrzucił kanapę i worki w lesie przy ścieżce.", None, (4, 19), Duplicate(47)),
    seed(BARRIER, "Siechnice", (-560.0, -300.0), "Urząd Miejski, ul. Jana Pawła II", "Drzwi do urzędu są ciężkie i bez automatu, osoba na wózku sama ich nie otworzy.", None, (3, 12), New),
    seed(ROAD, "Sulęcin", (-120.0, 160.0), "ul. Kwiatowa", "Głęboka dziura na środku jezdni, rano wpadł w nią autobus szkolny.", POTHOLE, (3, 15), New),
    seed(LAMP, "Mokry Dwór", (100.0, 120.0), "ul. Wrocławska", "Latarnia przy przejściu dla pieszych nie świeci.", NOT_LIT, (2, 9), New),
    seed(OTHER, "Kotowice", (150.0, 200.0), "boisko", "Wywrócony kosz na śmieci i rozrzucone butelki przy boisku.", None, (2, 20), New),
    seed(ROAD, "Radomierzyce", (-90.0, -150.0), "droga do Kotowic", "Brak znaku „strefa zamieszkania” na wjeździe do wsi.", SIGN, (1, 14), New),
    seed(LAMP, "Żerniki Wrocławskie", (215.0, -145.0), "ul. Polna", "Słup latarni znowu przekrzywiony po wichurze.", POLE, (1, 18), Duplicate(4)),
    seed(BARRIER, "Święta Katarzyna", (-120.0, -260.0), "przejście przy stacji", "Winda na kładce przy stacji nie działa, z wózkiem nie da się przejść.", None, (0, 9), New),
    seed(ROAD, "Łukaszowice", (-140.0, -200.0), "ul. Lipowa", "Ubytek w asfalcie przy posesji nr 7, coraz większy.", POTHOLE, (0, 10), New),
];

/// Some residents leave a contact (seen only by officials); illustrative.
fn contact(i: usize) -> Option<Contact> {
    match i % 7 {
        0 => Some(Contact { name: Some("Anna Wiśniewska".into()), email: Some("anna.w@example.org".into()), phone: None }),
        3 => Some(Contact { name: Some("Tomasz Zieliński".into()), email: None, phone: Some("+48 600 000 123".into()) }),
        5 => Some(Contact { name: None, email: Some("mieszkaniec@example.org".into()), phone: None }),
        _ => None,
    }
}

/// The point `north_m`, `east_m` metres from a locality's centre.
fn place(localities: &HashMap<String, GeoPoint>, s: &Seed) -> GeoPoint {
    let c = localities.get(s.locality).copied().unwrap_or(GeoPoint { lat: 51.0335, lon: 17.15 });
    let lat = c.lat + s.north_m / 111_320.0;
    let lon = c.lon + s.east_m / (111_320.0 * c.lat.to_radians().cos());
    GeoPoint { lat: (lat * 1e6).round() / 1e6, lon: (lon * 1e6).round() / 1e6 }
}

/// Warsaw wall-clock `hour` on the day `days_ago` before `now`, never
/// later than `now` (today's later reports keep their order, a minute apart).
fn at(now: DateTime<Utc>, days_ago: u32, hour: u32, i: usize) -> DateTime<Utc> {
    let day: NaiveDate = now.with_timezone(&LOCAL_TZ).date_naive() - Duration::days(i64::from(days_ago));
    let minute = (i * 17 % 60) as u32;
    let t = day
        .and_hms_opt(hour.min(23), minute, 0)
        .and_then(|t| LOCAL_TZ.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    t.min(now - Duration::minutes(40 + (SEEDS.len() - i) as i64))
}

/// The demo's reports relative to `now`, oldest first.
pub fn reports(now: DateTime<Utc>) -> Vec<DemoReport> {
    let today = now.with_timezone(&LOCAL_TZ).date_naive();
    let localities: HashMap<String, GeoPoint> = super::siechnice(today).localities.into_iter().map(|l| (l.name, l.point)).collect();
    SEEDS
        .iter()
        .enumerate()
        .map(|(i, s)| DemoReport {
            category: s.category,
            point: place(&localities, s),
            address: format!("{}, {}", s.street, s.locality),
            description: s.description,
            kind: s.kind,
            created_at: at(now, s.days_ago, s.hour, i),
            // Most reports come with a photo, a few with two, some with none.
            photos: [1, 0, 1, 2, 0, 1, 0][i % 7],
            contact: contact(i),
            fate: s.fate,
        })
        .collect()
}

/// A resolution's public reply, by category.
fn resolved_reply(category: &str) -> &'static str {
    match category {
        LAMP => "Latarnia naprawiona: wymieniono źródło światła i sprawdzono zasilanie. Dziękujemy za zgłoszenie.",
        ROAD => "Ubytek został naprawiony przez wykonawcę utrzymania dróg. Dziękujemy za zgłoszenie.",
        BARRIER => "Przeszkoda została usunięta. Dziękujemy, że pomagają Państwo nam ją zauważyć.",
        _ => "Sprawa załatwiona przez służby komunalne. Dziękujemy za zgłoszenie.",
    }
}

const NOTES: [&str; 6] = [
    "Zlecenie przekazane firmie Energo-Serwis (umowa ramowa).",
    "Sprawdzić w terenie, zdjęcie nie pokazuje całego miejsca.",
    "Wykonawca potwierdził termin na ten tydzień.",
    "Pilne: okolice szkoły.",
    "Zamówiono części, czas oczekiwania ok. 10 dni.",
    "Skontaktować się z zarządcą sąsiedniej nieruchomości.",
];

fn change(status: ReportStatus, reply: Option<&str>, note: Option<&str>) -> StatusChangeRequest {
    StatusChangeRequest { status, public_reply: reply.map(str::to_owned), internal_note: note.map(str::to_owned), duplicate_of: None }
}

/// The dispatcher accepts a report and hands it to its department.
async fn accept(store: &dyn Store, id: i64, department: (i64, &str), note: &str, at: DateTime<Utc>) -> StoreResult<()> {
    let reply = format!("Dziękujemy za zgłoszenie. Przekazaliśmy je do: {}.", department.1);
    store.change_report_status(Actor(DISPATCHER.into()), id, change(ReportStatus::Accepted, Some(&reply), None), at).await?;
    store.assign_report(Actor(DISPATCHER.into()), id, Some(department.0), Some(note.to_owned()), at + Duration::minutes(3)).await
}

/// Loads the office into `store` unless it was loaded before; true when
/// it loaded now.
pub async fn load(store: Arc<dyn Store>, clock: Clock) -> StoreResult<bool> {
    if store.setting(LOADED_KEY).await?.is_some() {
        return Ok(false);
    }
    let now = clock.now();
    let started = std::time::Instant::now();
    let demo = Actor("demo".into());
    let (dispatcher, crew) = (Actor(DISPATCHER.into()), Actor(CREW.into()));
    let mut departments = Vec::new();
    for (name, _) in DEPARTMENTS {
        let existing = store.list_departments().await?.into_iter().find(|d| d.name == name);
        departments.push(match existing {
            Some(d) => d.id,
            None => store.create_department(demo.clone(), name, now).await?.id,
        });
    }
    let reports = reports(now);
    let mut pictures = draw_pictures(&reports).await?.into_iter();
    let mut ids: Vec<i64> = Vec::new();
    let mut symbols = HashMap::new();
    let mut refuse = None;
    for (i, r) in reports.into_iter().enumerate() {
        let mut photo_ids = Vec::new();
        for jpeg in pictures.by_ref().take(r.photos as usize) {
            photo_ids.push(save_photo(store.as_ref(), jpeg, r.created_at).await?);
        }
        let input = NewReport {
            category: r.category.into(),
            point: r.point,
            location_source: if i % 3 == 0 { LocationSource::Pin } else { LocationSource::Gps },
            accuracy_m: (i % 3 != 0).then_some(8.0 + (i % 5) as f64 * 3.0),
            address: Some(r.address.clone()),
            description: r.description.into(),
            answers: r.kind.map(|k| ("kind".to_owned(), k.to_owned())).into_iter().collect(),
            photo_ids,
            contact: r.contact.clone(),
        };
        let stored = store
            .create_report(NewReportRecord { device_id: None, idempotency: None, input, now: r.created_at })
            .await?;
        // No idempotency key: always a new report.
        let Created::New(report) = stored else {
            return Err(StoreError::backend("a demo report was replayed"));
        };
        let id = report.id;
        ids.push(id);
        let d = department_of(r.category);
        let department = (departments[d], DEPARTMENTS[d].0);
        symbols.insert(id, DEPARTMENTS[d].1);
        let step = |minutes: i64| (r.created_at + Duration::minutes(minutes)).min(now - Duration::minutes(5));
        let note = NOTES[i % NOTES.len()];
        let s = store.as_ref();
        match r.fate {
            New => {
                // One new report never reached the EZD: a dead letter to retry.
                if refuse.is_none() && i >= 50 {
                    refuse = Some(id);
                }
            }
            Accepted => accept(s, id, department, note, step(95)).await?,
            InProgress => {
                accept(s, id, department, note, step(60)).await?;
                let reply = "Prace zaplanowane, wykonawca jest już umówiony.";
                s.change_report_status(crew.clone(), id, change(ReportStatus::InProgress, Some(reply), Some(note)), step(60 * 26)).await?;
            }
            Resolved(hours) => {
                let total = i64::from(hours) * 60;
                accept(s, id, department, note, step((total / 6).clamp(20, 60 * 20))).await?;
                if hours > 24 {
                    s.change_report_status(crew.clone(), id, change(ReportStatus::InProgress, None, Some("Ekipa w terenie.")), step(total / 2)).await?;
                }
                s.change_report_status(crew.clone(), id, change(ReportStatus::Resolved, Some(resolved_reply(r.category)), None), step(total)).await?;
            }
            Rejected(reason) => {
                s.change_report_status(dispatcher.clone(), id, change(ReportStatus::Rejected, Some(reason), Some("Poza właściwością gminy.")), step(240)).await?;
            }
            Duplicate(of) => {
                let original = ids.get(of).copied().ok_or_else(|| StoreError::backend(format!("demo duplicate of a later report ({of})")))?;
                let request = StatusChangeRequest {
                    status: ReportStatus::Duplicate,
                    public_reply: Some(format!("To miejsce zgłoszono już wcześniej (zgłoszenie nr {original}); o postępach informujemy tam.")),
                    internal_note: None,
                    duplicate_of: Some(original),
                };
                s.change_report_status(dispatcher.clone(), id, request, step(150)).await?;
            }
        }
    }
    let stored = started.elapsed();
    register_in_demo_ezd(store.clone(), clock, symbols, refuse).await?;
    store.put_setting(demo, LOADED_KEY, Some(now.to_rfc3339()), now).await?;
    tracing::info!(
        reports = ids.len(),
        stored_ms = stored.as_millis() as u64,
        with_ezd_ms = started.elapsed().as_millis() as u64,
        "demo office loaded"
    );
    Ok(true)
}

/// Every report's pictures in order, drawn off the async threads, on two
/// threads at once.
async fn draw_pictures(reports: &[DemoReport]) -> StoreResult<Vec<Vec<u8>>> {
    let wanted: Vec<(&'static str, u64)> = reports
        .iter()
        .enumerate()
        .flat_map(|(i, r)| (0..r.photos).map(move |p| (r.category, (i as u64) << 8 | u64::from(p))))
        .collect();
    let draw = |part: &[(&'static str, u64)]| part.iter().map(|(c, seed)| pictures::photo(c, *seed)).collect::<Vec<_>>();
    tokio::task::spawn_blocking(move || {
        let (a, b) = wanted.split_at(wanted.len() / 2);
        std::thread::scope(|s| {
            let first = s.spawn(|| draw(a));
            let second = draw(b);
            first.join().map(|mut all| {
                all.extend(second);
                all
            })
        })
    })
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| StoreError::backend("drawing the demo pictures failed"))
}

/// A photo as an upload stores it, named by the SHA-256 of its bytes. The
/// pictures are drawn here as plain JPEGs within the upload limits, with no
/// metadata, so they need no cleaning (`reports::photos::clean`).
pub(super) async fn save_photo(store: &dyn Store, jpeg: Vec<u8>, at: DateTime<Utc>) -> StoreResult<String> {
    let id = crate::auth::token::sha256_hex(&jpeg);
    let (width, height) = pictures::SIZE;
    let meta = PhotoMeta { id: id.clone(), content_type: "image/jpeg".into(), bytes: jpeg.len() as u64, width, height, created_at: at };
    store.save_photo(meta, jpeg).await?;
    Ok(id)
}

/// Delivers every registration and case the reports put in the outbox to
/// the demo's EZD, through the real bridge, before any configured EZD
/// starts: none of them reaches a real one.
async fn register_in_demo_ezd(store: Arc<dyn Store>, clock: Clock, symbols: HashMap<i64, &'static str>, refuse: Option<i64>) -> StoreResult<()> {
    // One attempt: the refused registration becomes a dead letter at once.
    let cfg = BridgeConfig { retry: RetryPolicy { max_attempts: 1, ..Default::default() }, ..Default::default() };
    let bridge = Bridge::new(store, Arc::new(DemoEzd::new(symbols, refuse)), cfg, clock);
    for _ in 0..100 {
        if bridge.deliver_due().await? == 0 {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metres(a: GeoPoint, b: GeoPoint) -> f64 {
        let dy = (a.lat - b.lat) * 111_320.0;
        let dx = (a.lon - b.lon) * 111_320.0 * a.lat.to_radians().cos();
        (dx * dx + dy * dy).sqrt()
    }

    #[test]
    fn reports_cover_every_state_over_four_months_inside_the_gmina() {
        let now = Utc::now();
        let all = reports(now);
        assert!((55..=65).contains(&all.len()));
        for fate in [|f: &Fate| *f == New, |f: &Fate| *f == Accepted, |f: &Fate| *f == InProgress, |f: &Fate| matches!(f, Resolved(_)), |f: &Fate| matches!(f, Rejected(_)), |f: &Fate| matches!(f, Duplicate(_))] {
            assert!(all.iter().filter(|r| fate(&r.fate)).count() >= 3);
        }
        let oldest = all.iter().map(|r| r.created_at).min().unwrap();
        assert!(now - oldest > Duration::days(110) && now - oldest < Duration::days(130), "{oldest}");
        let boundary = super::super::siechnice(now.date_naive()).gmina.boundary;
        let ring: Vec<(f64, f64)> = boundary.rings[0].iter().map(|p| (p[0], p[1])).collect();
        let polygon = geo::Polygon::new(geo::LineString::from(ring), vec![]);
        let categories = crate::reports::model::default_categories();
        for (i, r) in all.iter().enumerate() {
            use geo::Contains;
            // Every required question answered, with one of its choices.
            let c = categories.iter().find(|c| c.id == r.category).expect("a default category");
            for a in c.attributes.iter().filter(|a| a.required) {
                assert!(a.code == "kind" && a.values.iter().any(|v| Some(v.key.as_str()) == r.kind), "report {i}: {}", a.code);
            }
            assert!(polygon.contains(&geo::Point::new(r.point.lon, r.point.lat)), "report {i} outside the gmina: {:?}", r.point);
            // Where the test suites report from (the CLI, the Kotlin tests).
            for spot in [GeoPoint { lat: 51.0335, lon: 17.15 }, GeoPoint { lat: 51.0355, lon: 17.148 }] {
                assert!(metres(r.point, spot) > 250.0, "report {i} too close to {spot:?}");
            }
            if let Resolved(h) = r.fate {
                assert!(r.created_at + Duration::hours(i64::from(h)) < now, "report {i} resolved in the future");
            }
            if let Duplicate(of) = r.fate {
                assert!(of < i && all[of].created_at < r.created_at && !matches!(all[of].fate, Duplicate(_) | Rejected(_)), "report {i}");
                assert_eq!(all[of].category, r.category);
            }
        }
    }
}
