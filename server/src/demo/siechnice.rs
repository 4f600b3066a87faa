//! Demo data for Gmina Siechnice: the gmina, its 23 localities, event
//! categories, about three months of events and three weeks of news.
//!
//! **Approximations, not survey data.** The boundary polygon and every
//! coordinate here (localities, venues) were drawn by hand to look right on
//! a map; they are not taken from the state register of boundaries (PRG) or
//! any geodetic survey. Venues, organisers and events are illustrative: the
//! town hall replaces them with its own content. Do not use this boundary to
//! decide whether a report lies inside the gmina in production.
//!
//! Everything is a pure function of `today` (a date in Europe/Warsaw), so the
//! same day always yields the same data. Times are built from local
//! wall-clock times in [`LOCAL_TZ`] and converted to UTC, never by adding a
//! fixed offset, so they stay right across a DST change.

use chrono::{DateTime, Datelike, Days, LocalResult, Months, NaiveDate, TimeDelta, TimeZone, Utc, Weekday};
use mm_protocol::LOCAL_TZ;
use mm_protocol::events::{EventCategory, EventInput};
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Gmina, Locality, LocalityKind};
use mm_protocol::news::{NewsInput, Priority};

/// Said in the data itself (the mMieszkaniec news item) as well as here.
pub const APPROXIMATION_NOTICE: &str = "Granica gminy i położenie miejsc w danych demonstracyjnych są przybliżone \
     i nie pochodzą z pomiarów geodezyjnych.";

/// What the demo loads: one gmina and its public content.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    pub gmina: Gmina,
    pub localities: Vec<Locality>,
    pub categories: Vec<EventCategory>,
    pub events: Vec<EventInput>,
    pub news: Vec<NewsInput>,
}

/// Demo data relative to `today` (a date in Europe/Warsaw): events fall over the next three months.
///
/// Every event starts in `[today + 1 day, today + 3 months]`, with one
/// deliberate exception: there is always an event on the next DST change
/// (last Sunday of March or October, on or after `today`). When that date
/// lies beyond three months (e.g. for `today` in early May or early
/// November) the event is included anyway, so the DST case is always there.
/// News items are published within the 21 days before `today`.
pub fn siechnice(today: NaiveDate) -> DemoData {
    DemoData {
        gmina: gmina(),
        localities: localities(),
        categories: categories(),
        events: events(today),
        news: news(today),
    }
}

// ---------------------------------------------------------------------------
// Geography (approximate!)

/// Approximate boundary, `[lon, lat]`, counter-clockwise (RFC 7946), closed.
/// Drawn by hand around the localities: about 98.5 km² (the real gmina has
/// 98.57 km²) south-east of Wrocław, the north-eastern edge following the
/// Oder. Not survey data.
const BOUNDARY: [[f64; 2]; 34] = [
    [17.083, 51.057], // north-west, Iwiny at the Wrocław border
    [17.068, 51.048],
    [17.058, 51.040],
    [17.057, 51.031], // Żerniki Wrocławskie
    [17.063, 51.020],
    [17.068, 51.008],
    [17.073, 51.003], // south of Biestrzyków
    [17.083, 51.003],
    [17.103, 51.009],
    [17.119, 50.993],
    [17.130, 50.987], // Ozorzyce
    [17.148, 50.983],
    [17.167, 50.979],
    [17.181, 50.977], // Grodziszów
    [17.201, 50.977],
    [17.214, 50.976], // Durok
    [17.225, 50.980],
    [17.232, 50.993],
    [17.247, 51.005],
    [17.253, 51.018], // Radomierzyce, the border with Gmina Czernica / Oława
    [17.248, 51.026],
    [17.235, 51.032],
    [17.222, 51.038], // Kotowice, the Oder
    [17.208, 51.052],
    [17.199, 51.064], // Mokry Dwór
    [17.188, 51.067],
    [17.167, 51.061],
    [17.152, 51.074],
    [17.144, 51.077], // Trestno
    [17.135, 51.075],
    [17.124, 51.068],
    [17.108, 51.061], // Radwanice
    [17.094, 51.061],
    [17.083, 51.057],
];

fn gmina() -> Gmina {
    Gmina {
        id: "gmina".into(),
        name: "Gmina Siechnice".into(),
        teryt: "0223083".into(),
        boundary: Polygon { rings: vec![BOUNDARY.to_vec()] },
        center: GeoPoint { lat: 51.0335, lon: 17.1500 },
    }
}

/// The 23 localities (DOMAIN.md), ids 1..=23; `(name, lat, lon)`, approximate.
pub(crate) const LOCALITIES: [(&str, f64, f64); 23] = [
    ("Siechnice", 51.0335, 17.1500),
    ("Biestrzyków", 51.0070, 17.0720),
    ("Blizanowice", 51.0640, 17.1390),
    ("Bogusławice", 50.9950, 17.1980),
    ("Durok", 50.9830, 17.2150),
    ("Groblice", 51.0545, 17.1690),
    ("Grodziszów", 50.9840, 17.1780),
    ("Iwiny", 51.0540, 17.0940),
    ("Kotowice", 51.0270, 17.2180),
    ("Łukaszowice", 51.0380, 17.1870),
    ("Mokry Dwór", 51.0595, 17.1915),
    ("Ozorzyce", 50.9950, 17.1255),
    ("Radomierzyce", 51.0200, 17.2430),
    ("Radwanice", 51.0615, 17.1290),
    ("Smardzów", 51.0065, 17.1105),
    ("Sulęcin", 51.0185, 17.1090),
    ("Sulimów", 51.0170, 17.0900),
    ("Święta Katarzyna", 51.0330, 17.1170),
    ("Szostakowice", 51.0035, 17.2060),
    ("Trestno", 51.0730, 17.1455),
    ("Zacharzyce", 51.0130, 17.1770),
    ("Zębice", 51.0100, 17.1480),
    ("Żerniki Wrocławskie", 51.0330, 17.0670),
];

fn localities() -> Vec<Locality> {
    LOCALITIES
        .iter()
        .zip(1..)
        .map(|(&(name, lat, lon), id)| Locality {
            id,
            name: name.into(),
            kind: if name == "Siechnice" { LocalityKind::Town } else { LocalityKind::Village },
            point: GeoPoint { lat, lon },
        })
        .collect()
}

fn categories() -> Vec<EventCategory> {
    [
        ("kultura", "Kultura", "Culture"),
        ("sport", "Sport i rekreacja", "Sport and leisure"),
        ("edukacja", "Edukacja", "Education"),
        ("dla-dzieci", "Dla dzieci", "For children"),
        ("seniorzy", "Dla seniorów", "For seniors"),
        ("ekologia", "Ekologia i przyroda", "Environment and nature"),
        ("spotkania-z-mieszkancami", "Spotkania z mieszkańcami", "Meetings with residents"),
        ("zdrowie", "Zdrowie", "Health"),
    ]
    .into_iter()
    .map(|(id, pl, en)| EventCategory { id: id.into(), name_pl: pl.into(), name_en: en.into() })
    .collect()
}

// ---------------------------------------------------------------------------
// Venues (approximate points inside the gmina)

struct Place {
    name: &'static str,
    lat: f64,
    lon: f64,
    access: Option<&'static str>,
}

const STEP_FREE: &str = "Wejście bez schodów, toaleta dostosowana do potrzeb osób z niepełnosprawnościami.";
const STEP_FREE_LOOP: &str = "Wejście bez schodów, toaleta dostosowana. Pętla indukcyjna dla osób słabosłyszących.";

const GOK: Place =
    Place { name: "Gminny Ośrodek Kultury w Siechnicach", lat: 51.0345, lon: 17.1478, access: Some(STEP_FREE_LOOP) };
const TOWN_HALL: Place = Place {
    name: "Urząd Miejski w Siechnicach, sala sesyjna",
    lat: 51.0330,
    lon: 17.1520,
    access: Some(
        "Sala na parterze, wejście bez schodów, toaleta dostosowana. Pętla indukcyjna; obrady transmitowane w internecie.",
    ),
};
const TOWN_SQUARE: Place = Place {
    name: "Plac przed Urzędem Miejskim w Siechnicach",
    lat: 51.0338,
    lon: 17.1505,
    access: Some("Równa, utwardzona nawierzchnia; miejsca parkingowe dla osób z niepełnosprawnościami przy urzędzie."),
};
const LIBRARY: Place =
    Place { name: "Biblioteka Publiczna w Siechnicach", lat: 51.0340, lon: 17.1495, access: Some(STEP_FREE) };
const LIBRARY_RADWANICE: Place = Place {
    name: "Biblioteka Publiczna, filia w Radwanicach",
    lat: 51.0622,
    lon: 17.1310,
    access: Some("Wejście z podjazdem, sala na parterze. Brak toalety dostosowanej."),
};
const HALL_SIECHNICE: Place = Place {
    name: "Hala sportowa przy Szkole Podstawowej w Siechnicach",
    lat: 51.0312,
    lon: 17.1460,
    access: Some("Wejście bez schodów, toaleta dostosowana; widownia z miejscami dla osób na wózkach."),
};
const STADIUM: Place = Place {
    name: "Stadion Miejski w Siechnicach",
    lat: 51.0298,
    lon: 17.1535,
    access: Some("Dojście utwardzoną alejką, toaleta dostosowana w budynku klubowym."),
};
const HALL_RADWANICE: Place = Place {
    name: "Hala sportowa przy Szkole Podstawowej w Radwanicach",
    lat: 51.0605,
    lon: 17.1300,
    access: Some(STEP_FREE),
};
const ST_CATHERINE: Place = Place {
    name: "Kościół pw. św. Katarzyny Aleksandryjskiej w Świętej Katarzynie",
    lat: 51.0332,
    lon: 17.1172,
    access: Some(
        "Boczne wejście z podjazdem dla wózków; przy wejściu głównym jeden stopień. Brak toalety dostosowanej.",
    ),
};
const TRESTNO_CHURCH: Place = Place {
    name: "Kościół w Trestnie",
    lat: 51.0725,
    lon: 17.1450,
    access: Some("Przy wejściu trzy stopnie, bez podjazdu; obsługa pomoże wnieść wózek."),
};
const PALACE: Place = Place {
    name: "Pałac w Bogusławicach",
    lat: 50.9955,
    lon: 17.1975,
    access: Some("Sala koncertowa na parterze, podjazd od strony parku. Toaleta dostosowana."),
};
const KOTOWICE_STATION: Place = Place {
    name: "Stacja kolejowa Kotowice (zbiórka przed budynkiem)",
    lat: 51.0265,
    lon: 17.2150,
    access: Some("Trasa po wałach przeciwpowodziowych, nawierzchnia gruntowa: ograniczona dostępność dla wózków."),
};
const MOKRY_DWOR: Place = Place {
    name: "Mokry Dwór, parking przy terenie wodociągów",
    lat: 51.0590,
    lon: 17.1900,
    access: Some("Trasa po drogach gruntowych, płaska; przy suchej pogodzie przejezdna dla wózków z pomocą."),
};
const EMBANKMENT_LUKASZOWICE: Place =
    Place { name: "Wał przeciwpowodziowy w Łukaszowicach", lat: 51.0400, lon: 17.1900, access: None };
const CZECHNICA_ESTATE: Place = Place {
    name: "Osiedle robotnicze Czechnica, Siechnice (zbiórka przy elektrowni)",
    lat: 51.0370,
    lon: 17.1555,
    access: Some("Trasa po chodnikach z obniżonymi krawężnikami; dostępna dla wózków."),
};
const ZEBICE_HALL: Place =
    Place { name: "Świetlica wiejska w Zębicach", lat: 51.0100, lon: 17.1485, access: Some(STEP_FREE) };
const ZERNIKI_HALL: Place = Place {
    name: "Świetlica wiejska w Żernikach Wrocławskich",
    lat: 51.0335,
    lon: 17.0680,
    access: Some("Wejście z podjazdem, toaleta dostosowana."),
};
const IWINY_HALL: Place =
    Place { name: "Świetlica wiejska w Iwinach", lat: 51.0540, lon: 17.0945, access: Some(STEP_FREE) };
const RADWANICE_HALL: Place =
    Place { name: "Świetlica wiejska w Radwanicach", lat: 51.0612, lon: 17.1285, access: Some(STEP_FREE) };
const SMARDZOW_HALL: Place = Place {
    name: "Świetlica wiejska w Smardzowie",
    lat: 51.0068,
    lon: 17.1110,
    access: Some("Jeden stopień przy wejściu (ok. 5 cm), sala na parterze."),
};
const KATARZYNA_SCHOOL: Place = Place {
    name: "Szkoła Podstawowa w Świętej Katarzynie, sala gimnastyczna",
    lat: 51.0318,
    lon: 17.1205,
    access: Some(STEP_FREE),
};
const TOWN_HALL_PARKING: Place = Place {
    name: "Parking przy Urzędzie Miejskim w Siechnicach",
    lat: 51.0327,
    lon: 17.1515,
    access: Some("Do mammobusu i krwiobusu prowadzą schodki; osoby na wózkach prosimy o wcześniejszy kontakt."),
};

const GOK_ORG: &str = "Gminny Ośrodek Kultury w Siechnicach";
const LIBRARY_ORG: &str = "Biblioteka Publiczna Gminy Siechnice";
const TOWN_HALL_ORG: &str = "Urząd Miejski w Siechnicach";
const IMG: &str = "https://siechnice.gmina.pl/wp-content/uploads/demo/";

// ---------------------------------------------------------------------------
// Time helpers: local wall-clock time in Europe/Warsaw -> UTC

/// `hour:min` on `day` in Europe/Warsaw, as UTC.
pub(super) fn at(day: NaiveDate, hour: u32, min: u32) -> DateTime<Utc> {
    let naive = day.and_hms_opt(hour, min, 0).expect("a valid wall-clock time");
    match LOCAL_TZ.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        // Autumn change, 03:00 -> 02:00: take the first (summer-time) instant.
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        // Spring change, 02:00 -> 03:00: a time in the gap means the same
        // reading an hour later, as clocks are moved forward.
        LocalResult::None => LOCAL_TZ
            .from_local_datetime(&(naive + TimeDelta::hours(1)))
            .earliest()
            .expect("one hour after a DST gap exists")
            .with_timezone(&Utc),
    }
}

fn plus(day: NaiveDate, days: u64) -> NaiveDate {
    day + Days::new(days)
}

fn minus(day: NaiveDate, days: u64) -> NaiveDate {
    day - Days::new(days)
}

/// The first `weekday` on or after `day`.
fn on_or_after(day: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - day.weekday().num_days_from_monday()) % 7;
    plus(day, ahead.into())
}

/// The `n`-th `weekday` of a month (n = 1..=4).
fn nth_weekday(year: i32, month: u32, n: u8, weekday: Weekday) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n).expect("n <= 4 always exists")
}

/// The first `n`-th `weekday` of a month that falls on or after `from`.
fn next_nth_weekday(from: NaiveDate, n: u8, weekday: Weekday) -> NaiveDate {
    let mut first = from.with_day(1).expect("day 1 exists");
    loop {
        let d = nth_weekday(first.year(), first.month(), n, weekday);
        if d >= from {
            return d;
        }
        first = first + Months::new(1);
    }
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let last = NaiveDate::from_ymd_opt(year, month + 1, 1).expect("month < 12") - Days::new(1);
    let back = last.weekday().num_days_from_sunday();
    minus(last, back.into())
}

/// The next change of clocks in Poland (EU rule: last Sunday of March and of
/// October), on or after `day`.
pub(crate) fn next_dst_change(day: NaiveDate) -> NaiveDate {
    (day.year()..)
        .flat_map(|y| [last_sunday(y, 3), last_sunday(y, 10)])
        .find(|d| *d >= day)
        .expect("there is always a next change")
}

/// The last day of the demo's event window.
fn horizon(today: NaiveDate) -> NaiveDate {
    today.checked_add_months(Months::new(3)).expect("a date far from the end of time")
}

/// `date` in this year or the next, if it falls in the event window.
fn in_window(today: NaiveDate, date_in_year: impl Fn(i32) -> NaiveDate) -> Option<NaiveDate> {
    [today.year(), today.year() + 1].into_iter().map(date_in_year).find(|d| *d > today && *d <= horizon(today))
}

/// RFC 5545 UNTIL for an event with a local start time: UTC, `Z` form.
fn until_end_of(day: NaiveDate) -> String {
    at(day, 23, 59).format("%Y%m%dT%H%M%SZ").to_string()
}

const MONTHS_GENITIVE: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];

/// `7 marca 2026`.
fn pl_date(day: NaiveDate) -> String {
    format!("{} {} {}", day.day(), MONTHS_GENITIVE[day.month0() as usize], day.year())
}

#[derive(Clone, Copy, PartialEq)]
enum Season {
    Winter,
    Spring,
    Summer,
    Autumn,
}

fn season(day: NaiveDate) -> Season {
    match day.month() {
        12 | 1 | 2 => Season::Winter,
        3..=5 => Season::Spring,
        6..=8 => Season::Summer,
        _ => Season::Autumn,
    }
}

// ---------------------------------------------------------------------------
// Events

fn event(
    title: &str,
    description: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    place: &Place,
    category: &str,
    organiser: &str,
) -> EventInput {
    EventInput {
        title: title.into(),
        description: description.into(),
        starts_at,
        ends_at,
        all_day: false,
        place_name: Some(place.name.into()),
        point: Some(GeoPoint { lat: place.lat, lon: place.lon }),
        category: Some(category.into()),
        organiser: Some(organiser.into()),
        image_url: None,
        accessibility: place.access.map(Into::into),
        cancelled: false,
        rrule: None,
    }
}

/// An event on `day` from `from` to `to` (local `(hour, minute)`).
#[allow(clippy::too_many_arguments)]
fn timed(
    title: &str,
    description: &str,
    day: NaiveDate,
    from: (u32, u32),
    to: (u32, u32),
    place: &Place,
    category: &str,
    organiser: &str,
) -> EventInput {
    event(title, description, at(day, from.0, from.1), at(day, to.0, to.1), place, category, organiser)
}

/// An all-day event from `first` to `last` inclusive: local midnights, end exclusive.
fn all_day(
    title: &str,
    description: &str,
    first: NaiveDate,
    last: NaiveDate,
    place: &Place,
    category: &str,
    organiser: &str,
) -> EventInput {
    let mut e = event(title, description, at(first, 0, 0), at(plus(last, 1), 0, 0), place, category, organiser);
    e.all_day = true;
    e
}

trait EventExt {
    fn image(self, file: &str) -> Self;
    fn repeat(self, rrule: &str) -> Self;
    fn cancelled(self) -> Self;
}

impl EventExt for EventInput {
    fn image(mut self, file: &str) -> Self {
        self.image_url = Some(format!("{IMG}{file}"));
        self
    }
    fn repeat(mut self, rrule: &str) -> Self {
        self.rrule = Some(rrule.into());
        self
    }
    fn cancelled(mut self) -> Self {
        self.cancelled = true;
        self
    }
}

fn events(today: NaiveDate) -> Vec<EventInput> {
    let d = |days: u64| plus(today, days);
    let next = |days: u64, wd: Weekday| on_or_after(plus(today, days), wd);
    use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};

    let klub_start = next(2, Wed);
    // --- Recurring (RRULE subset: FREQ, INTERVAL, COUNT|UNTIL, BYDAY) ---
    let mut v = vec![
    timed(
        "Sesja Rady Miejskiej w Siechnicach",
        "Zwyczajna sesja Rady Miejskiej. W porządku obrad m.in. informacja Burmistrza o pracach między sesjami, \
         projekty uchwał w sprawach budżetu gminy oraz interpelacje i zapytania radnych.\n\n\
         Obrady są jawne i transmitowane w internecie; nagrania trafiają do archiwum na stronie gminy. \
         Projekty uchwał są dostępne w Biuletynie Informacji Publicznej na tydzień przed sesją.",
        next_nth_weekday(d(1), 4, Thu),
        (13, 0),
        (17, 0),
        &TOWN_HALL,
        "spotkania-z-mieszkancami",
        "Rada Miejska w Siechnicach",
    )
    .repeat("FREQ=MONTHLY;BYDAY=4TH;COUNT=3"),
    timed(
        "Dyżur Burmistrza dla mieszkańców",
        "W każdy pierwszy poniedziałek miesiąca Burmistrz Siechnic przyjmuje mieszkańców bez wcześniejszych zapisów. \
         Można przyjść z wnioskiem, skargą lub pomysłem na zmiany w swojej miejscowości.\n\n\
         Osoby, które chcą porozmawiać o konkretnej sprawie, prosimy o zabranie jej znaku (numeru sprawy) z pisma urzędu.",
        next_nth_weekday(d(1), 1, Mon),
        (15, 0),
        (17, 0),
        &TOWN_HALL,
        "spotkania-z-mieszkancami",
        TOWN_HALL_ORG,
    )
    .repeat("FREQ=MONTHLY;BYDAY=1MO;COUNT=3"),
    timed(
        "Klub Miłośników Historii Ziemi Siechnickiej",
        "Comiesięczne spotkanie dla wszystkich, których ciekawi przeszłość naszych wsi: dawne mapy, pocztówki, \
         wspomnienia mieszkańców i historia elektrowni Czechnica. Przynieście swoje stare zdjęcia: zeskanujemy je \
         na miejscu do gminnego archiwum cyfrowego.",
        next_nth_weekday(d(1), 1, Wed),
        (18, 0),
        (19, 30),
        &LIBRARY,
        "edukacja",
        LIBRARY_ORG,
    )
    .repeat("FREQ=MONTHLY;BYDAY=1WE;COUNT=3"),
    timed(
        "Gimnastyka dla seniorów",
        "Zajęcia ruchowe dla osób 60+ prowadzone przez fizjoterapeutkę: ćwiczenia równowagi, rozciąganie \
         i wzmacnianie mięśni, w tempie dostosowanym do uczestników. Prosimy o wygodny strój i butelkę wody.\n\n\
         Udział bezpłatny, obowiązują zapisy w sekretariacie GOK (liczba miejsc ograniczona do 20 osób).",
        next(1, Tue),
        (10, 0),
        (11, 0),
        &GOK,
        "seniorzy",
        GOK_ORG,
    )
    .repeat("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=12")
    .image("gimnastyka-seniorzy.jpg"),
    timed(
        "Klub Seniora w Radwanicach",
        "Cotygodniowe spotkania przy kawie: rozmowy, gry planszowe, wspólne śpiewanie i planowanie wycieczek. \
         Zapraszamy wszystkich seniorów z Radwanic, Iwin, Blizanowic i Trestna, także tych, którzy przyjdą po raz pierwszy.",
        klub_start,
        (14, 0),
        (17, 0),
        &RADWANICE_HALL,
        "seniorzy",
        "Klub Seniora w Radwanicach",
    )
    .repeat(&format!("FREQ=WEEKLY;BYDAY=WE;UNTIL={}", until_end_of(plus(klub_start, 70)))),
    timed(
        "Bajkowa sobota w bibliotece",
        "Głośne czytanie bajek dla dzieci w wieku 3–7 lat, a po nim zajęcia plastyczne związane z przeczytaną historią. \
         Rodzice mogą w tym czasie wypożyczyć książki dla siebie. Wstęp wolny.",
        next(1, Sat),
        (10, 30),
        (11, 30),
        &LIBRARY,
        "dla-dzieci",
        LIBRARY_ORG,
    )
    .repeat("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;COUNT=6")
    .image("bajkowa-sobota.jpg"),
    timed(
        "Nordic walking z instruktorem",
        "Sobotni marsz z kijami po okolicach Siechnic, około 6 km w spokojnym tempie. Na pierwszych zajęciach \
         instruktor pokaże prawidłową technikę; kije można wypożyczyć na miejscu (prosimy o zgłoszenie dzień wcześniej).",
        next(3, Sat),
        (9, 0),
        (10, 30),
        &STADIUM,
        "sport",
        "Gminny Ośrodek Sportu i Rekreacji",
    )
    .repeat("FREQ=WEEKLY;BYDAY=SA;COUNT=10"),
    timed(
        "Klub szachowy dla dzieci i młodzieży",
        "Nauka gry od podstaw i treningi dla zaawansowanych, w grupach według poziomu. Zajęcia prowadzi instruktor \
         szachowy; dla najlepszych przygotowujemy udział w turniejach powiatowych.",
        next(1, Fri),
        (17, 0),
        (19, 0),
        &GOK,
        "dla-dzieci",
        GOK_ORG,
    )
    .repeat("FREQ=WEEKLY;BYDAY=FR;COUNT=12"),
    timed(
        "Tydzień z robotyką w bibliotece",
        "Pięć popołudni z klockami i prostymi robotami: dzieci w wieku 8–12 lat zbudują i zaprogramują własne \
         konstrukcje. Każdego dnia inny projekt, więc można przyjść na jedno lub na wszystkie spotkania.\n\n\
         Zapisy w bibliotece osobiście lub telefonicznie; sprzęt zapewniamy.",
        next(35, Mon),
        (16, 0),
        (18, 0),
        &LIBRARY_RADWANICE,
        "edukacja",
        LIBRARY_ORG,
    )
    .repeat("FREQ=DAILY;COUNT=5"),
    ];

    // --- Multi-day ---
    let exhibition = next(5, Tue);
    v.push(
        all_day(
            "Wystawa „Czechnica. Elektrownia i osiedle robotnicze”",
            "Archiwalne fotografie, plany i dokumenty opowiadające o elektrowni Czechnica i o modernistycznym osiedlu, \
             które powstało dla jej pracowników. Wystawę można oglądać w godzinach otwarcia GOK; wstęp wolny.\n\n\
             Grupy szkolne prosimy o wcześniejsze umówienie oprowadzania kuratorskiego.",
            exhibition,
            plus(exhibition, 17),
            &GOK,
            "kultura",
            GOK_ORG,
        )
        .image("wystawa-czechnica.jpg"),
    );
    let tournament = next(26, Sat);
    v.push(all_day(
        "Turniej halowej piłki nożnej o Puchar Burmistrza",
        "Dwudniowy turniej drużyn szkolnych i amatorskich: w sobotę grają roczniki młodzieżowe, w niedzielę drużyny \
         dorosłych. Mecze od 9:00 do ok. 18:00, finał i wręczenie pucharów w niedzielę po południu. Kibice mile widziani!",
        tournament,
        plus(tournament, 1),
        &HALL_SIECHNICE,
        "sport",
        "Gminny Ośrodek Sportu i Rekreacji",
    ));
    let workshop = next(37, Fri);
    v.push(event(
        "Weekendowe warsztaty teatralne dla młodzieży",
        "Trzy dni pracy z reżyserką i aktorami: improwizacja, ruch sceniczny, praca z głosem. W niedzielę o 13:00 \
         krótki pokaz dla rodziców i przyjaciół. Dla młodzieży w wieku 13–18 lat, obowiązują zapisy.",
        at(workshop, 17, 0),
        at(plus(workshop, 2), 14, 0),
        &GOK,
        "kultura",
        GOK_ORG,
    ));

    // --- Culture ---
    v.push(
        timed(
            "Koncert jazzowy w GOK",
            "Wieczór ze standardami jazzowymi w wykonaniu kwartetu muzyków z Wrocławia. Bilety w cenie 20 zł \
             do kupienia w sekretariacie GOK i przed koncertem; seniorzy i uczniowie płacą 10 zł.",
            next(3, Fri),
            (19, 0),
            (21, 0),
            &GOK,
            "kultura",
            GOK_ORG,
        )
        .image("koncert-jazz.jpg"),
    );
    v.push(
        timed(
            "Koncert kameralny w kościele św. Katarzyny",
            "W jednym z najstarszych kościołów w okolicy, wzmiankowanym już w 1257 roku, zabrzmią utwory Bacha, \
             Händla i Moniuszki na skrzypce, wiolonczelę i organy. Wstęp wolny; zbiórka na renowację zabytkowych organów.",
            next(8, Sun),
            (17, 0),
            (18, 30),
            &ST_CATHERINE,
            "kultura",
            "Parafia pw. św. Katarzyny Aleksandryjskiej",
        )
        .image("koncert-sw-katarzyna.jpg"),
    );
    v.push(timed(
        "Kino Konesera: klasyka polskiego kina",
        "Pokaz odrestaurowanej cyfrowo klasyki polskiego kina, poprzedzony krótkim wprowadzeniem krytyka filmowego. \
         Po seansie zapraszamy na rozmowę przy herbacie. Bilety 12 zł.",
        next(11, Wed),
        (19, 0),
        (21, 15),
        &GOK,
        "kultura",
        GOK_ORG,
    ));
    v.push(timed(
        "Spektakl Amatorskiej Grupy Teatralnej GOK",
        "Premiera komedii przygotowanej przez mieszkańców Siechnic i okolic: pół roku prób, własnoręcznie szyte \
         kostiumy i dużo humoru. Wstęp wolny, wejściówki do odebrania w sekretariacie GOK.",
        next(17, Sat),
        (18, 0),
        (19, 30),
        &GOK,
        "kultura",
        GOK_ORG,
    ));
    v.push(timed(
        "Wieczór poezji i piosenki literackiej",
        "Lokalni autorzy czytają swoje wiersze, a między nimi piosenki literackie przy gitarze. Każdy może \
         przynieść i przeczytać swój tekst: zapisy na listę czytających na miejscu.",
        next(24, Thu),
        (18, 0),
        (19, 30),
        &LIBRARY,
        "kultura",
        LIBRARY_ORG,
    ));
    v.push(
        timed(
            "Muzyka w pałacu: pieśni romantyczne",
            "Recital pieśni Schuberta, Chopina i Karłowicza w salonie pałacu w Bogusławicach, wzniesionego w 1910 roku. \
             Liczba miejsc ograniczona, obowiązuje bezpłatna rezerwacja w GOK.",
            next(31, Sat),
            (18, 0),
            (20, 0),
            &PALACE,
            "kultura",
            GOK_ORG,
        )
        .image("palac-boguslawice.jpg"),
    );
    v.push(
        timed(
            "Potańcówka w Zębicach",
            "Zabawa taneczna z zespołem grającym przeboje sprzed lat, z poczęstunkiem przygotowanym przez Koło \
             Gospodyń Wiejskich.\n\n\
             ODWOŁANE: z powodu awarii instalacji grzewczej w świetlicy potańcówka się nie odbędzie. \
             Nowy termin podamy w aktualnościach; zakupione cegiełki zachowują ważność.",
            next(34, Sat),
            (18, 0),
            (23, 0),
            &ZEBICE_HALL,
            "seniorzy",
            "Koło Gospodyń Wiejskich w Zębicach",
        )
        .cancelled(),
    );
    v.push(timed(
        "Koncert w kościele w Trestnie",
        "Koncert chóru i orkiestry smyczkowej w neobarokowym kościele w Trestnie z 1934 roku. Po koncercie \
         członkowie stowarzyszenia opowiedzą o historii kościoła i o odnawianym dawnym cmentarzu ewangelickim.",
        next(52, Sun),
        (16, 0),
        (17, 30),
        &TRESTNO_CHURCH,
        "kultura",
        "Parafia w Trestnie",
    ));
    v.push(timed(
        "Spotkanie autorskie w bibliotece",
        "Rozmowa z autorką powieści kryminalnych, których akcja dzieje się we Wrocławiu i okolicach. \
         Po spotkaniu podpisywanie książek; egzemplarze będzie można kupić na miejscu.",
        next(60, Tue),
        (18, 0),
        (19, 30),
        &LIBRARY,
        "kultura",
        LIBRARY_ORG,
    ));
    v.push(
        timed(
            "Koncert muzyki filmowej",
            "Orkiestra kameralna zagra najpiękniejsze tematy z polskich i zagranicznych filmów, od klasyki po współczesne \
             produkcje. Bilety 25 zł, ulgowe 15 zł, dzieci do lat 7 bezpłatnie.",
            next(66, Sat),
            (19, 0),
            (21, 0),
            &GOK,
            "kultura",
            GOK_ORG,
        )
        .image("koncert-muzyka-filmowa.jpg"),
    );
    v.push(timed(
        "Wieczór gier planszowych",
        "Przyjdź sam, z rodziną albo z przyjaciółmi: na stołach ponad sto gier, od prostych karcianek po długie \
         strategie. Animatorzy wytłumaczą zasady. Wstęp wolny.",
        next(72, Fri),
        (18, 0),
        (22, 0),
        &IWINY_HALL,
        "kultura",
        GOK_ORG,
    ));

    // --- Meetings with residents ---
    v.push(timed(
        "Aplikacja mMieszkaniec: spotkanie informacyjne",
        "Pokażemy, jak w nowej aplikacji gminy czytać komunikaty, dodawać wydarzenia do kalendarza w telefonie \
         i zgłaszać usterki, np. niedziałającą latarnię. Pomożemy zainstalować aplikację na Państwa telefonach. \
         Spotkanie szczególnie polecamy seniorom.",
        next(6, Mon),
        (17, 0),
        (18, 30),
        &GOK,
        "spotkania-z-mieszkancami",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Budżet obywatelski: jak napisać dobry projekt?",
        "Spotkanie z koordynatorką budżetu obywatelskiego: jakie projekty można zgłaszać, jak oszacować koszt, \
         ile podpisów poparcia trzeba zebrać. Przynieś swój pomysł: pomożemy go dopracować przed złożeniem.",
        next(9, Tue),
        (18, 0),
        (19, 30),
        &IWINY_HALL,
        "spotkania-z-mieszkancami",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Konsultacje społeczne planu ogólnego gminy",
        "Projektanci przedstawią projekt planu ogólnego dla północnej części gminy: Radwanic, Blizanowic, Trestna \
         i Groblic. Będzie można zadać pytania i złożyć uwagi do protokołu; uwagi przyjmujemy też elektronicznie.",
        next(14, Wed),
        (18, 0),
        (20, 0),
        &RADWANICE_HALL,
        "spotkania-z-mieszkancami",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Zebranie wiejskie sołectwa Zębice",
        "W programie: sprawozdanie sołtysa, podział funduszu sołeckiego na przyszły rok oraz sprawy bieżące \
         (oświetlenie ul. Wrocławskiej, chodnik przy szkole). Zapraszamy wszystkich pełnoletnich mieszkańców sołectwa.",
        next(19, Thu),
        (18, 0),
        (20, 0),
        &ZEBICE_HALL,
        "spotkania-z-mieszkancami",
        "Sołtys wsi Zębice",
    ));
    v.push(timed(
        "Zebranie wiejskie sołectwa Smardzów",
        "Zebranie w sprawie funduszu sołeckiego i planu zagospodarowania placu zabaw. Obecni będą przedstawiciele \
         Urzędu Miejskiego, którzy odpowiedzą na pytania o remont drogi gminnej.",
        next(62, Tue),
        (18, 0),
        (20, 0),
        &SMARDZOW_HALL,
        "spotkania-z-mieszkancami",
        "Sołtys wsi Smardzów",
    ));

    // --- Sport ---
    v.push(timed(
        "Gminny turniej szachowy",
        "Turniej w tempie 15 minut na partię, w kategoriach: dzieci do lat 12, młodzież i open. Zapisy do czwartku \
         poprzedzającego turniej; dla najlepszych w każdej kategorii puchary i nagrody rzeczowe.",
        next(21, Sat),
        (10, 0),
        (16, 0),
        &GOK,
        "sport",
        GOK_ORG,
    ));
    v.push(timed(
        "Amatorska liga siatkówki: kolejka rozgrywek",
        "Kolejna kolejka amatorskiej ligi siatkówki z udziałem drużyn z Siechnic, Radwanic, Iwin i Świętej Katarzyny. \
         Wstęp wolny, kibicowanie bardzo wskazane.",
        next(29, Sun),
        (10, 0),
        (15, 0),
        &HALL_RADWANICE,
        "sport",
        "Gminny Ośrodek Sportu i Rekreacji",
    ));
    v.push(
        timed(
            "Bieg przełajowy „Siechnicka Piątka”",
            "Bieg na 5 km ścieżkami wokół stadionu i osiedla Czechnica oraz biegi dzieci na krótszych dystansach. \
             Zapisy internetowe i w biurze zawodów do 9:30; pakiet startowy dla pierwszych 200 osób.",
            next(41, Sun),
            (10, 0),
            (13, 0),
            &STADIUM,
            "sport",
            "Gminny Ośrodek Sportu i Rekreacji",
        )
        .image("bieg-siechnicka-piatka.jpg"),
    );
    v.push(timed(
        "Turniej tenisa stołowego",
        "Otwarty turniej dla mieszkańców gminy w kategoriach: szkoły podstawowe, młodzież, dorośli i 50+. \
         Własne rakietki mile widziane, kilka kompletów będzie do wypożyczenia.",
        next(75, Sat),
        (9, 30),
        (15, 0),
        &KATARZYNA_SCHOOL,
        "sport",
        "Gminny Ośrodek Sportu i Rekreacji",
    ));

    // --- Education, children, seniors ---
    v.push(timed(
        "Dzień otwarty nowego żłobka w Radwanicach",
        "Rodzice mogą obejrzeć sale, poznać opiekunki i zapytać o zasady rekrutacji. Dla dzieci przygotowaliśmy \
         kącik zabaw, a dla rodziców krótką prezentację o karcie dobrego startu w żłobku.",
        next(10, Sat),
        (10, 0),
        (13, 0),
        &RADWANICE_HALL,
        "dla-dzieci",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Bezpieczny senior w internecie",
        "Praktyczne warsztaty: jak rozpoznać fałszywy SMS o dopłacie do paczki, jak bezpiecznie płacić BLIK-iem \
         i jak korzystać z aplikacji mObywatel. Prosimy zabrać własny telefon; udział bezpłatny.",
        next(12, Thu),
        (11, 0),
        (13, 0),
        &LIBRARY,
        "seniorzy",
        LIBRARY_ORG,
    ));
    v.push(timed(
        "Wykład: Święta Katarzyna przez osiem wieków",
        "Historyk opowie o dziejach wsi od pierwszej wzmianki o kościele w 1257 roku, przez czasy, gdy była siedzibą \
         gminy (do 2010 roku gmina nosiła nazwę Święta Katarzyna), po dzień dzisiejszy.",
        next(15, Tue),
        (18, 0),
        (19, 30),
        &KATARZYNA_SCHOOL,
        "edukacja",
        LIBRARY_ORG,
    ));
    v.push(timed(
        "Teatrzyk kukiełkowy dla najmłodszych",
        "Przedstawienie teatru lalek dla dzieci w wieku 3–8 lat, a po nim spotkanie z aktorami i lalkami. \
         Bilety 10 zł, opiekunowie wchodzą bezpłatnie.",
        next(23, Sun),
        (11, 0),
        (12, 0),
        &GOK,
        "dla-dzieci",
        GOK_ORG,
    ));
    v.push(timed(
        "Kurs pierwszej pomocy dla mieszkańców",
        "Czterogodzinny kurs z ratownikami medycznymi: resuscytacja dorosłych i dzieci, użycie defibrylatora AED, \
         pozycja boczna ustalona. Zajęcia praktyczne na fantomach, zaświadczenie o ukończeniu.",
        next(25, Sat),
        (10, 0),
        (14, 0),
        &HALL_SIECHNICE,
        "zdrowie",
        "Ochotnicza Straż Pożarna w Siechnicach",
    ));
    v.push(timed(
        "Warsztaty plastyczne: drukujemy na tkaninie",
        "Dzieci w wieku 6–12 lat zaprojektują i wydrukują własną torbę z motywami z naszej gminy. Materiały zapewnia \
         organizator, prosimy tylko o ubranie, które może się pobrudzić.",
        next(32, Wed),
        (16, 30),
        (18, 0),
        &ZERNIKI_HALL,
        "dla-dzieci",
        GOK_ORG,
    ));
    v.push(timed(
        "Kino dla seniorów",
        "Popołudniowy seans dla seniorów z kawą i ciastem. Tytuł filmu wybrali uczestnicy klubów seniora. \
         Wstęp 5 zł.",
        next(69, Thu),
        (15, 0),
        (17, 30),
        &GOK,
        "seniorzy",
        GOK_ORG,
    ));
    v.push(timed(
        "Warsztaty ceramiczne dla dorosłych",
        "Toczenie na kole i lepienie z gliny pod okiem ceramiczki. Wyroby po wypaleniu w piecu GOK będzie można \
         odebrać po dwóch tygodniach. Koszt materiałów 40 zł, zapisy w sekretariacie.",
        next(78, Tue),
        (17, 30),
        (20, 0),
        &GOK,
        "kultura",
        GOK_ORG,
    ));

    // --- Environment ---
    let walk = next(13, Sat);
    let (walk_title, walk_text) = match season(walk) {
        Season::Winter => (
            "Zimowe obserwacje ptaków na stawach w Kotowicach",
            "Na niezamarzniętych fragmentach stawów i na Odrze zimują kaczki, łabędzie i nurogęsi, a nad wałami można \
             zobaczyć bieliki.",
        ),
        Season::Spring => (
            "Wiosenny spacer przyrodniczy po stawach w Kotowicach",
            "Wiosną na stawy wracają ptaki wodne, słychać rechot żab i pierwsze trzciniaki w szuwarach.",
        ),
        Season::Summer => (
            "Letni spacer przyrodniczy po stawach w Kotowicach",
            "Latem na stawach wodzą młode perkozy i łabędzie, a nad wodą polują ważki i jaskółki.",
        ),
        Season::Autumn => (
            "Jesienny spacer przyrodniczy po stawach w Kotowicach",
            "Jesienią na stawach zatrzymują się przelotne gęsi i kaczki, a nad doliną Odry ciągną klucze żurawi.",
        ),
    };
    v.push(
        timed(
            walk_title,
            &format!(
                "{walk_text}\n\nPrzyrodnik poprowadzi nas około 5 km wzdłuż wałów nad Odrą, odcinkiem Odrzańskiej \
                 Trasy Rowerowej. Zabierzcie lornetki i buty na nierówny teren; zbiórka przy stacji Kotowice, \
                 gdzie zatrzymują się pociągi z Wrocławia."
            ),
            walk,
            (9, 0),
            (12, 0),
            &KOTOWICE_STATION,
            "ekologia",
            "Urząd Miejski w Siechnicach, Referat Ochrony Środowiska",
        )
        .image("stawy-kotowice.jpg"),
    );
    v.push(timed(
        "Sprzątanie wałów nad Odrą",
        "Wspólnie sprzątamy wały przeciwpowodziowe i brzeg Odry między Łukaszowicami a Kotowicami. Worki, \
         rękawice i poczęstunek zapewnia gmina, zebrane odpady odbierze firma komunalna.",
        next(39, Sat),
        (10, 0),
        (13, 0),
        &EMBANKMENT_LUKASZOWICE,
        "ekologia",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Mobilny punkt zbiórki elektroodpadów",
        "Oddaj zużyty sprzęt elektryczny i elektroniczny, baterie i żarówki. Za każde 5 kg elektroodpadów \
         sadzonka drzewa lub krzewu, do wyczerpania zapasów. Nie przyjmujemy odpadów budowlanych ani opon.",
        next(44, Sat),
        (9, 0),
        (14, 0),
        &TOWN_SQUARE,
        "ekologia",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Warsztaty kompostowania przydomowego",
        "Jak założyć kompostownik, co do niego wrzucać i jak uniknąć przykrego zapachu. Uczestnicy mogą złożyć \
         wniosek o bezpłatny kompostownik i zniżkę w opłacie za odpady.",
        next(49, Wed),
        (17, 30),
        (19, 0),
        &ZERNIKI_HALL,
        "ekologia",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Spacer po obszarze chronionym w Mokrym Dworze",
        "Tereny wokół ujęcia wody w Mokrym Dworze to starorzecza, łęgi i łąki, na których żyją rzadkie gatunki \
         ptaków i roślin. Spacer z przyrodnikiem, ok. 4 km po płaskim terenie.",
        next(57, Sun),
        (10, 0),
        (12, 30),
        &MOKRY_DWOR,
        "ekologia",
        "Urząd Miejski w Siechnicach, Referat Ochrony Środowiska",
    ));
    v.push(timed(
        "Spacer architektoniczny po osiedlu Czechnica",
        "Przewodnik pokaże modernistyczne domy robotnicze z lat 20. XX wieku, zbudowane dla pracowników elektrowni \
         Czechnica, i opowie, jak zmieniały się przez sto lat.",
        next(46, Sun),
        (11, 0),
        (13, 0),
        &CZECHNICA_ESTATE,
        "edukacja",
        GOK_ORG,
    ));

    // --- Health ---
    v.push(timed(
        "Bezpłatna mammografia w mammobusie",
        "Badanie dla kobiet w wieku 45–74 lat, które nie miały mammografii w ciągu ostatnich dwóch lat, \
         finansowane przez NFZ. Wystarczy dowód osobisty; zalecamy wcześniejszą rejestrację telefoniczną.",
        next(16, Fri),
        (9, 0),
        (16, 0),
        &TOWN_HALL_PARKING,
        "zdrowie",
        TOWN_HALL_ORG,
    ));
    v.push(timed(
        "Honorowe oddawanie krwi: krwiobus w Siechnicach",
        "Regionalne Centrum Krwiodawstwa zaprasza pełnoletnich, zdrowych mieszkańców. Przed oddaniem krwi \
         prosimy zjeść lekki posiłek i zabrać dokument tożsamości.",
        next(30, Mon),
        (10, 0),
        (14, 0),
        &TOWN_HALL_PARKING,
        "zdrowie",
        "Klub Honorowych Dawców Krwi w Siechnicach",
    ));
    v.push(timed(
        "Bezpłatne badania ciśnienia, cukru i słuchu",
        "Pielęgniarki i protetyk słuchu zbadają ciśnienie, poziom cukru we krwi i słuch. Bez zapisów, \
         wyniki z krótką konsultacją na miejscu.",
        next(82, Wed),
        (10, 0),
        (13, 0),
        &GOK,
        "zdrowie",
        "Ośrodek Pomocy Społecznej w Siechnicach",
    ));

    // --- The next DST change: always present, see the doc of `siechnice` ---
    let dst = next_dst_change(today);
    let spring = dst.month() == 3;
    let (ride_title, clock_note) = if spring {
        ("Wiosenny rajd rowerowy wzdłuż Odry", "Tej nocy przestawiamy zegarki z 2:00 na 3:00 — śpimy godzinę krócej!")
    } else {
        ("Jesienny rajd rowerowy wzdłuż Odry", "Tej nocy przestawiamy zegarki z 3:00 na 2:00 — śpimy godzinę dłużej.")
    };
    v.push(
        timed(
            ride_title,
            &format!(
                "Rodzinny rajd Odrzańską Trasą Rowerową, pętla Lipki–Kotowice, około 25 km w spokojnym tempie. \
                 Start przy stacji Kotowice, po drodze przerwa na ognisko.\n\n{clock_note} Start o 10:00 \
                 według nowego czasu."
            ),
            dst,
            (10, 0),
            (14, 0),
            &KOTOWICE_STATION,
            "sport",
            "Gminny Ośrodek Sportu i Rekreacji",
        )
        .image("rajd-rowerowy.jpg"),
    );
    let eve = minus(dst, 1);
    if eve > today {
        // Spans the change of clocks: 8 hours on the wall clock are 9 (autumn) or 7 (spring) real hours.
        v.push(event(
            "Nocny maraton filmowy",
            &format!(
                "Trzy filmy przez całą noc, z przerwami na kawę i pizzę, dla widzów od 16 lat. {clock_note} \
                 Maraton kończy się o 4:00 według nowego czasu."
            ),
            at(eve, 20, 0),
            at(dst, 4, 0),
            &GOK,
            "kultura",
            GOK_ORG,
        ));
    }

    // --- Seasonal, only when the date falls in the window ---
    if let Some(nov11) = in_window(today, |y| NaiveDate::from_ymd_opt(y, 11, 11).expect("11 Nov")) {
        v.push(
            timed(
                "Bieg Niepodległości",
                "Z okazji Narodowego Święta Niepodległości zapraszamy na bieg na 11 km ulicami Siechnic i Świętej Katarzyny \
                 oraz na rodzinny marsz z flagami. Po biegu wspólne śpiewanie pieśni patriotycznych i grochówka.",
                nov11,
                (11, 0),
                (14, 0),
                &STADIUM,
                "sport",
                "Gminny Ośrodek Sportu i Rekreacji",
            )
            .image("bieg-niepodleglosci.jpg"),
        );
    }
    if let Some(fair) = in_window(today, |y| on_or_after(NaiveDate::from_ymd_opt(y, 12, 6).expect("6 Dec"), Sat)) {
        v.push(
            all_day(
                "Jarmark Bożonarodzeniowy w Siechnicach",
                "Dwa dni świątecznego jarmarku w godzinach 12:00–19:00: rękodzieło lokalnych twórców, pierniki, \
                 ozdoby choinkowe i potrawy przygotowane przez koła gospodyń wiejskich. Na scenie kolędy w wykonaniu \
                 szkolnych chórów, a w niedzielę o 16:00 przyjedzie Mikołaj.",
                fair,
                plus(fair, 1),
                &TOWN_SQUARE,
                "kultura",
                GOK_ORG,
            )
            .image("jarmark-bozonarodzeniowy.jpg"),
        );
    }
    if let Some(jan6) = in_window(today, |y| NaiveDate::from_ymd_opt(y, 1, 6).expect("6 Jan")) {
        v.push(timed(
            "Orszak Trzech Króli",
            "Barwny orszak przejdzie spod kościoła do Gminnego Ośrodka Kultury. Korony rozdajemy przed startem; \
             na mecie jasełka, kolędy i ciepła herbata.",
            jan6,
            (12, 0),
            (14, 0),
            &TOWN_SQUARE,
            "kultura",
            "Parafia w Siechnicach i Gminny Ośrodek Kultury",
        ));
    }
    if let Some(days) = in_window(today, |y| nth_weekday(y, 6, 2, Sat)) {
        v.push(
            all_day(
                "Dni Siechnic",
                "Dwudniowe święto gminy: koncerty na scenie przy stadionie, strefa dla dzieci, stoiska organizacji \
                 pozarządowych i kół gospodyń wiejskich. W niedzielę wieczorem koncert gwiazdy i pokaz świateł.",
                days,
                plus(days, 1),
                &STADIUM,
                "kultura",
                GOK_ORG,
            )
            .image("dni-siechnic.jpg"),
        );
    }
    if let Some(harvest) = in_window(today, |y| nth_weekday(y, 9, 1, Sun)) {
        v.push(timed(
            "Dożynki gminne w Zębicach",
            "Msza dziękczynna, korowód z wieńcami dożynkowymi ze wszystkich sołectw, konkurs na najpiękniejszy wieniec, \
             a wieczorem zabawa taneczna. Zapraszają rolnicy i koła gospodyń wiejskich z całej gminy.",
            harvest,
            (12, 0),
            (22, 0),
            &ZEBICE_HALL,
            "kultura",
            TOWN_HALL_ORG,
        ));
    }

    v
}

// ---------------------------------------------------------------------------
// News

fn news_item(title: &str, body: String, priority: Priority, published: DateTime<Utc>) -> NewsInput {
    NewsInput { title: title.into(), body, priority, published_at: Some(published), expires_at: None }
}

fn news(today: NaiveDate) -> Vec<NewsInput> {
    let ago = |days: u64, hour: u32, min: u32| at(minus(today, days), hour, min);
    let mut v = Vec::new();

    let outage_day = plus(today, 1);
    let mut water = news_item(
        "Przerwa w dostawie wody w Zębicach",
        format!(
            "W związku z przełączeniem sieci wodociągowej do nowej magistrali {} w godzinach 8:00–15:00 nastąpi \
             przerwa w dostawie wody w Zębicach (ulice: Wrocławska, Polna, Lipowa, Ogrodowa i Słoneczna).\n\n\
             Beczkowóz z wodą pitną stanie przy świetlicy wiejskiej i przy kościele. Po przywróceniu dostaw woda \
             może być przez krótki czas mętna: wystarczy odkręcić kran na kilka minut.\n\n\
             Przepraszamy za utrudnienia. Informacji udziela całodobowe pogotowie wodociągowe.",
            pl_date(outage_day)
        ),
        Priority::Alert,
        ago(1, 14, 30),
    );
    water.expires_at = Some(at(outage_day, 16, 0));
    v.push(water);

    let mut oder = news_item(
        "Ostrzeżenie hydrologiczne: wzrost stanu wody na Odrze",
        "Instytut Meteorologii i Gospodarki Wodnej wydał ostrzeżenie hydrologiczne pierwszego stopnia dla Odry \
         na odcinku od Oławy do Wrocławia. Prognozowany jest wzrost stanu wody w strefie stanów wysokich, \
         bez przekroczenia stanów alarmowych.\n\n\
         Mieszkańców Kotowic, Łukaszowic, Groblic, Mokrego Dworu i Trestna prosimy o śledzenie komunikatów \
         i niewchodzenie na tereny zalewowe między wałami. Wały są na bieżąco kontrolowane przez służby \
         i strażaków OSP.\n\n\
         Worki z piaskiem można odebrać w bazie OSP w Siechnicach. W razie zagrożenia prosimy dzwonić pod numer 112; \
         komunikaty będziemy publikować w aplikacji mMieszkaniec na bieżąco."
            .into(),
        Priority::Alert,
        ago(2, 9, 15),
    );
    oder.expires_at = Some(at(plus(today, 3), 12, 0));
    v.push(oder);

    v.push(news_item(
        "Ruszył nabór projektów do budżetu obywatelskiego",
        "Mieszkańcy gminy mogą zgłaszać projekty do kolejnej edycji budżetu obywatelskiego. Pula środków jest \
         podzielona na projekty ogólnogminne i projekty dla poszczególnych sołectw i osiedli, tak aby każda \
         miejscowość miała swoją szansę.\n\n\
         Projekt może zgłosić każdy mieszkaniec; do wniosku trzeba dołączyć listę podpisów poparcia. \
         Formularze są dostępne w Urzędzie Miejskim, w bibliotekach i w aplikacji mMieszkaniec.\n\n\
         Na spotkaniach konsultacyjnych pomożemy oszacować koszt projektu i sprawdzić, czy można go zrealizować \
         na gruncie gminnym. Głosowanie odbędzie się po weryfikacji wniosków."
            .into(),
        Priority::Important,
        ago(6, 10, 0),
    ));
    let change = on_or_after(plus(today, 3), Weekday::Mon);
    v.push(news_item(
        "Zmiana harmonogramu odbioru odpadów w Radwanicach i Iwinach",
        format!(
            "Od {} zmieniają się dni odbioru odpadów biodegradowalnych w Radwanicach i Iwinach: \
             brązowe pojemniki będą opróżniane w czwartki zamiast w środy. Pozostałe frakcje odbierane są bez zmian.\n\n\
             Pojemniki prosimy wystawiać przed posesję do godziny 6:00 w dniu odbioru. Aktualny harmonogram \
             dla każdej miejscowości można pobrać ze strony gminy i znaleźć w aplikacji mMieszkaniec.",
            pl_date(change)
        ),
        Priority::Important,
        ago(4, 12, 0),
    ));
    // Search tests rely on a title with "żłobek": keep this one.
    v.push(news_item(
        "Nowy żłobek gminny w Radwanicach przyjmie pierwsze dzieci",
        "Budowa żłobka w Radwanicach dobiegła końca. W nowym budynku jest miejsce dla 75 dzieci w wieku od 20 tygodni \
         do 3 lat, w pięciu salach z własnymi łazienkami, z placem zabaw i ogrodem sensorycznym.\n\n\
         Rekrutacja prowadzona jest elektronicznie; pierwszeństwo mają dzieci rodziców mieszkających i rozliczających \
         podatek w Gminie Siechnice. Opłata za pobyt może zostać pokryta ze świadczenia „aktywnie w żłobku”.\n\n\
         Zapraszamy na dzień otwarty: rodzice będą mogli obejrzeć sale i poznać opiekunki."
            .into(),
        Priority::Important,
        ago(3, 11, 0),
    ));
    v.push(news_item(
        "Remont drogi Siechnice–Zębice: utrudnienia w ruchu",
        "Rozpoczął się remont drogi łączącej Siechnice z Zębicami. Wykonawca wymieni nawierzchnię, zbuduje \
         chodnik i ścieżkę rowerową oraz nowe oświetlenie.\n\n\
         Przez około sześć tygodni ruch będzie odbywał się wahadłowo, z sygnalizacją świetlną. Autobusy kursują \
         bez zmian, ale mogą mieć kilkuminutowe opóźnienia. Prosimy o ostrożność i stosowanie się do oznakowania."
            .into(),
        Priority::Normal,
        ago(8, 8, 0),
    ));
    v.push(news_item(
        "Gmina w telefonie: aplikacja mMieszkaniec już dostępna",
        format!(
            "Komunikaty, wydarzenia, zgłoszenia usterek i sprawy podatkowe w jednym miejscu: aplikacja mMieszkaniec \
             jest już dostępna na telefony z Androidem i iPhone'y. Działa także bez internetu: treści zapisują się \
             w telefonie, a zgłoszenia zostaną wysłane, gdy tylko pojawi się zasięg.\n\n\
             W aplikacji zgłosisz np. niedziałającą latarnię lub dziurę w drodze: wystarczy zaznaczyć miejsce \
             na mapie i dodać zdjęcie. Każde zgłoszenie trafia do elektronicznego systemu urzędu, a w aplikacji \
             widać jego znak sprawy i status.\n\n\
             Uwaga: to wersja demonstracyjna. {APPROXIMATION_NOTICE}"
        ),
        Priority::Normal,
        ago(10, 9, 0),
    ));
    v.push(news_item(
        "Urząd Miejski w pełni elektroniczny: wszystkie sprawy w EZD",
        "Urząd Miejski w Siechnicach prowadzi już całą dokumentację w elektronicznym systemie zarządzania \
         dokumentacją (EZD). Każde pismo, także złożone na papierze, jest skanowane i rejestrowane, \
         a sprawa otrzymuje znak, po którym można ją łatwo odnaleźć.\n\n\
         Dla mieszkańców oznacza to szybsze załatwianie spraw i mniej wizyt w urzędzie. Pisma można składać \
         przez ePUAP, a zgłoszenia usterek przez aplikację mMieszkaniec."
            .into(),
        Priority::Normal,
        ago(15, 13, 0),
    ));
    v.push(news_item(
        "Jakość powietrza: sprawdź, zanim wyjdziesz na spacer",
        "Na terenie gminy działa sieć czujników jakości powietrza: w Siechnicach, Radwanicach, Świętej Katarzynie \
         i Zębicach. Wyniki pomiarów pyłów PM10 i PM2,5 są dostępne na stronie gminy.\n\n\
         Przypominamy, że na Dolnym Śląsku obowiązuje uchwała antysmogowa: nie wolno palić węglem złej jakości, \
         mułami ani drewnem o wilgotności powyżej 20%. Na wymianę starego pieca można otrzymać dofinansowanie \
         z programu „Czyste Powietrze”; punkt konsultacyjny działa w Urzędzie Miejskim."
            .into(),
        Priority::Normal,
        ago(5, 15, 30),
    ));
    v.push(news_item(
        "Rekrutacja do przedszkoli i szkół podstawowych",
        "Zbliża się rekrutacja do gminnych przedszkoli i klas pierwszych szkół podstawowych na nowy rok szkolny. \
         Wnioski składa się elektronicznie; rodzice, którzy nie mają dostępu do internetu, mogą złożyć je \
         w sekretariacie wybranej placówki.\n\n\
         Harmonogram rekrutacji, kryteria i listę dokumentów opublikowaliśmy na stronie gminy. Dzieci z obwodu \
         szkoły są przyjmowane do klasy pierwszej na podstawie zgłoszenia."
            .into(),
        Priority::Normal,
        ago(12, 10, 30),
    ));
    v.push(news_item(
        "Ścieżka rowerowa Siechnice–Blizanowice–Trestno: podpisano umowę",
        "Burmistrz podpisał umowę na budowę ścieżki rowerowej z Siechnic przez Blizanowice do Trestna, \
         w kierunku Wrocławia. Trasa połączy się z Odrzańską Trasą Rowerową i z planowaną trasą Blue Velo \
         biegnącą wałem nad Odrą.\n\n\
         Ścieżka będzie oświetlona, a przy skrzyżowaniach z drogami powstaną przejazdy z obniżonymi krawężnikami. \
         Zakończenie prac zaplanowano na przyszły rok."
            .into(),
        Priority::Normal,
        ago(18, 11, 0),
    ));
    v.push(news_item(
        "Bezpłatna mammografia w Siechnicach",
        "Na parking przy Urzędzie Miejskim przyjedzie mammobus. Z bezpłatnego badania mogą skorzystać kobiety \
         w wieku 45–74 lat, które nie miały mammografii w ciągu ostatnich dwóch lat.\n\n\
         Badanie jest finansowane przez NFZ i nie wymaga skierowania. Termin znajdziesz w kalendarzu wydarzeń."
            .into(),
        Priority::Normal,
        ago(7, 9, 30),
    ));
    v.push(news_item(
        "Stypendia sportowe Burmistrza: wnioski do końca miesiąca",
        "Młodzi sportowcy z gminy, którzy osiągają wysokie wyniki we współzawodnictwie sportowym, mogą ubiegać \
         się o stypendium Burmistrza. Wnioski składają kluby sportowe lub rodzice niepełnoletnich zawodników.\n\n\
         Regulamin i formularz wniosku są dostępne na stronie gminy i w sekretariacie Urzędu Miejskiego."
            .into(),
        Priority::Normal,
        ago(20, 12, 0),
    ));
    v.push(news_item(
        "Dyżury radnych w sołectwach",
        "Radni Rady Miejskiej w Siechnicach pełnią dyżury dla mieszkańców w świetlicach wiejskich i w Urzędzie \
         Miejskim. Harmonogram dyżurów na najbliższe miesiące opublikowaliśmy w Biuletynie Informacji Publicznej.\n\n\
         Na dyżur można przyjść bez zapisów, z każdą sprawą dotyczącą gminy i swojej miejscowości."
            .into(),
        Priority::Normal,
        ago(14, 16, 0),
    ));

    v
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use mm_protocol::validation::Validate;

    /// Dates across two years, with both DST changes and year ends in between.
    fn sample_days() -> Vec<NaiveDate> {
        let mut days: Vec<NaiveDate> =
            (0..80).map(|i| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(i * 9)).collect();
        days.extend(
            [
                (2026, 3, 29),
                (2026, 3, 28),
                (2026, 10, 25),
                (2026, 10, 24),
                (2026, 12, 31),
                (2027, 2, 28),
                (2028, 2, 29),
            ]
            .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
        );
        days
    }

    /// Ray casting over the outer ring, `[lon, lat]`.
    fn inside(ring: &[[f64; 2]], p: GeoPoint) -> bool {
        let (x, y) = (p.lon, p.lat);
        let mut inside = false;
        for w in ring.windows(2) {
            let ([x1, y1], [x2, y2]) = (w[0], w[1]);
            if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
                inside = !inside;
            }
        }
        inside
    }

    /// Shoelace area in km² on a local equirectangular projection; positive = counter-clockwise.
    fn signed_area_km2(ring: &[[f64; 2]]) -> f64 {
        let lat0 = 51.03_f64.to_radians();
        let (kx, ky) = (111.32 * lat0.cos(), 110.57);
        ring.windows(2).map(|w| (w[0][0] * kx) * (w[1][1] * ky) - (w[1][0] * kx) * (w[0][1] * ky)).sum::<f64>() / 2.0
    }

    /// The RRULE subset the protocol supports (events.rs), checked independently of the parser.
    fn assert_supported_rrule(rule: &str) {
        let mut freq = false;
        let (mut count, mut until) = (false, false);
        for part in rule.split(';') {
            let (k, val) = part.split_once('=').unwrap_or_else(|| panic!("{rule}: {part}"));
            match k {
                "FREQ" => {
                    assert!(["DAILY", "WEEKLY", "MONTHLY"].contains(&val), "{rule}");
                    freq = true;
                }
                "INTERVAL" => assert!(val.parse::<u32>().unwrap() >= 1, "{rule}"),
                "COUNT" => {
                    assert!(val.parse::<u32>().unwrap() >= 1, "{rule}");
                    count = true;
                }
                "UNTIL" => {
                    chrono::NaiveDateTime::parse_from_str(val, "%Y%m%dT%H%M%SZ").unwrap();
                    until = true;
                }
                "BYDAY" => {
                    for day in val.split(',') {
                        let code = &day[day.len() - 2..];
                        assert!(["MO", "TU", "WE", "TH", "FR", "SA", "SU"].contains(&code), "{rule}");
                        let n = &day[..day.len() - 2];
                        assert!(n.is_empty() || (1..=4).contains(&n.parse::<i32>().unwrap()), "{rule}");
                    }
                }
                _ => panic!("unsupported RRULE part in {rule}"),
            }
        }
        assert!(freq && (count ^ until), "{rule}");
    }

    fn local_day(t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&LOCAL_TZ).date_naive()
    }

    #[test]
    fn boundary_is_a_closed_counter_clockwise_ring_of_plausible_size() {
        let g = gmina();
        g.boundary.validate().unwrap();
        assert_eq!(g.boundary.rings.len(), 1);
        let ring = &g.boundary.rings[0];
        assert!((25..=51).contains(&ring.len()), "{} positions", ring.len());
        assert_eq!(ring.first(), ring.last());
        let area = signed_area_km2(ring);
        assert!(area > 0.0, "the exterior ring must be counter-clockwise (RFC 7946)");
        assert!((90.0..=107.0).contains(&area), "area {area:.1} km², Siechnice has 98.57 km²");
        assert!(inside(ring, g.center));
        assert_eq!((g.id.as_str(), g.teryt.as_str()), ("gmina", "0223083"));
    }

    #[test]
    fn all_23_localities_lie_inside_the_boundary() {
        let ring = &gmina().boundary.rings[0];
        let locs = localities();
        assert_eq!(locs.len(), 23);
        assert_eq!(locs.iter().map(|l| l.id).collect::<Vec<_>>(), (1..=23).collect::<Vec<_>>());
        for l in &locs {
            l.point.validate().unwrap();
            assert!(inside(ring, l.point), "{} lies outside the boundary", l.name);
            let town = l.name == "Siechnice";
            assert_eq!(l.kind == LocalityKind::Town, town, "{}", l.name);
        }
        let mut names: Vec<_> = locs.iter().map(|l| l.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 23);
        // A point just outside (Wrocław's centre) must not count as inside.
        assert!(!inside(ring, GeoPoint { lat: 51.110, lon: 17.032 }));
    }

    #[test]
    fn every_event_validates_and_lies_inside_for_days_across_the_year() {
        let ring = &gmina().boundary.rings[0];
        let slugs: Vec<String> = categories().into_iter().map(|c| c.id).collect();
        for today in sample_days() {
            let data = siechnice(today);
            let ev = &data.events;
            assert!(ev.len() >= 35, "{today}: {} events", ev.len());
            let dst = next_dst_change(today);
            for e in ev {
                e.validate().unwrap_or_else(|err| panic!("{today}: {}: {err}", e.title));
                let p = e.point.expect("every demo event has a place");
                assert!(inside(ring, p), "{today}: {} outside the gmina", e.title);
                assert!(slugs.contains(e.category.as_ref().unwrap()), "{}", e.title);
                if let Some(r) = &e.rrule {
                    assert_supported_rrule(r);
                }
                let start = local_day(e.starts_at);
                let in_range = start > today && start <= horizon(today);
                let dst_event = start == dst || local_day(e.ends_at) == dst;
                assert!(in_range || dst_event, "{today}: {} starts {start}", e.title);
            }
            assert!(ev.iter().filter(|e| e.rrule.is_some()).count() >= 5, "{today}");
            let multi_day = |e: &&EventInput| local_day(e.starts_at) < local_day(e.ends_at - TimeDelta::seconds(1));
            assert!(ev.iter().filter(multi_day).count() >= 3, "{today}");
            assert!(ev.iter().filter(multi_day).any(|e| e.all_day), "{today}");
            assert!(ev.iter().any(|e| e.cancelled), "{today}");
            assert!(ev.iter().any(|e| local_day(e.starts_at) == dst), "{today}: nothing on {dst}");
            assert!(ev.iter().filter(|e| e.accessibility.is_some()).count() >= 20);
            assert!(ev.iter().filter(|e| e.image_url.is_some()).count() >= 5);
        }
    }

    #[test]
    fn recurring_events_start_on_an_instance_and_keep_their_wall_clock_time() {
        use mm_protocol::calendar::rrule::occurrences;
        for today in sample_days() {
            for e in siechnice(today).events.into_iter().filter(|e| e.rrule.is_some()) {
                let rule = e.rrule.clone().unwrap();
                let event = e.into_event(1, Utc::now());
                let all = occurrences(&event, event.starts_at, event.starts_at + TimeDelta::days(400), 100);
                if let Some(count) = rule.split(';').find_map(|p| p.strip_prefix("COUNT=")) {
                    assert_eq!(all.len(), count.parse::<usize>().unwrap(), "{today}: {rule}");
                } else {
                    assert!(all.len() >= 5, "{today}: {rule}");
                }
                assert_eq!(all[0].starts_at, event.starts_at, "{rule}");
                let wall = |t: DateTime<Utc>| t.with_timezone(&LOCAL_TZ).time();
                for o in &all {
                    assert_eq!(wall(o.starts_at), wall(event.starts_at), "{today}: {}: {rule}", event.title);
                    // DTSTART is the first instance: weekdays match BYDAY (RFC 5545 §3.8.5.3).
                    let wd = o.starts_at.with_timezone(&LOCAL_TZ).weekday();
                    let code = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][wd.num_days_from_monday() as usize];
                    if let Some(by) = rule.split(';').find_map(|p| p.strip_prefix("BYDAY=")) {
                        assert!(by.split(',').any(|d| d.ends_with(code)), "{today}: {rule} on {wd}");
                    }
                }
            }
        }
    }

    #[test]
    fn dst_dates_and_local_times() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(next_dst_change(d(2026, 1, 10)), d(2026, 3, 29));
        assert_eq!(next_dst_change(d(2026, 3, 29)), d(2026, 3, 29));
        assert_eq!(next_dst_change(d(2026, 3, 30)), d(2026, 10, 25));
        assert_eq!(next_dst_change(d(2026, 11, 1)), d(2027, 3, 28));
        // Wall-clock times, not fixed offsets: CET in winter, CEST in summer.
        assert_eq!(at(d(2026, 1, 10), 10, 0).to_rfc3339(), "2026-01-10T09:00:00+00:00");
        assert_eq!(at(d(2026, 7, 10), 10, 0).to_rfc3339(), "2026-07-10T08:00:00+00:00");
        assert_eq!(at(d(2026, 3, 29), 2, 30).to_rfc3339(), "2026-03-29T01:30:00+00:00"); // gap -> 03:30 CEST
        // The film night spans the change: 20:00 -> 04:00 is 9 real hours in October, 7 in March.
        for (today, hours) in [(d(2026, 10, 1), 9), (d(2026, 3, 1), 7)] {
            let night = siechnice(today).events.into_iter().find(|e| e.title == "Nocny maraton filmowy").unwrap();
            assert_eq!((night.ends_at - night.starts_at).num_hours(), hours);
        }
    }

    #[test]
    fn seasonal_events_appear_in_their_season() {
        let titles = |y, m, dd| -> Vec<String> {
            siechnice(NaiveDate::from_ymd_opt(y, m, dd).unwrap()).events.into_iter().map(|e| e.title).collect()
        };
        let nov = titles(2026, 11, 1);
        assert!(nov.iter().any(|t| t.starts_with("Jarmark Bożonarodzeniowy")));
        assert!(nov.iter().any(|t| t == "Bieg Niepodległości"));
        assert!(nov.iter().any(|t| t == "Orszak Trzech Króli"));
        assert!(!titles(2026, 4, 1).iter().any(|t| t.starts_with("Jarmark")));
    }

    #[test]
    fn news_are_recent_valid_and_include_alerts_and_the_nursery() {
        for today in sample_days() {
            let news = siechnice(today).news;
            assert!(news.len() >= 12);
            let start_of_today = at(today, 0, 0);
            for n in &news {
                n.validate().unwrap_or_else(|err| panic!("{}: {err}", n.title));
                let p = n.published_at.unwrap();
                assert!(p < start_of_today && p >= at(minus(today, 21), 0, 0), "{}", n.title);
                assert!(n.body.contains("\n\n"), "{} needs paragraphs", n.title);
            }
            let alerts: Vec<_> = news.iter().filter(|n| n.priority == Priority::Alert).collect();
            assert!(alerts.len() >= 2);
            assert!(alerts.iter().all(|n| n.expires_at.is_some_and(|e| e > start_of_today)));
            assert!(news.iter().filter(|n| n.priority == Priority::Important).count() >= 2);
            assert!(news.iter().any(|n| n.title.to_lowercase().contains("żłobek")));
            assert!(news.iter().any(|n| n.body.contains(APPROXIMATION_NOTICE)));
        }
    }

    #[test]
    fn deterministic_for_a_given_day() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 14).unwrap();
        assert_eq!(siechnice(day), siechnice(day));
        assert_ne!(siechnice(day).events, siechnice(day.succ_opt().unwrap()).events);
    }
}
