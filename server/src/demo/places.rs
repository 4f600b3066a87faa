//! Demo places for Gmina Siechnice: municipal infrastructure, attractions,
//! monuments and bike paths, with accessibility data.
//!
//! **Approximations, not survey data.** Every coordinate here was placed by
//! hand near the locality it belongs to, to look right on a map; none comes
//! from a survey or from OpenStreetMap. Names of institutions, addresses,
//! opening hours and accessibility details are illustrative: the town hall
//! replaces them with its own (or imports them from OSM). Where a fact is
//! not known (a monument's register number, a building's toilets) it is
//! left unknown, never guessed. The sights and routes are those listed in
//! `shared/reference/DOMAIN.md`.

use std::collections::BTreeMap;

use mm_protocol::geo::GeoPoint;
use mm_protocol::places::{Accessibility, Layer, Monument, PlaceContact, PlaceGeometry, PlaceInput, Tri, Wheelchair};

/// Said in every demo place's description as well as here.
pub const PLACES_NOTICE_PL: &str = "Położenie i dane miejsca są przybliżone (dane demonstracyjne).";
pub const PLACES_NOTICE_EN: &str = "Location and details are approximate (demo data).";

const UM_HOURS: &str = "Mo 07:30-17:00; Tu-Th 07:30-15:30; Fr 07:30-14:00; PH off";
const OFFICE_HOURS: &str = "Mo-Fr 07:30-15:30; PH off";
const SCHOOL_HOURS: &str = "Mo-Fr 07:00-17:00; PH off";
const KINDERGARTEN_HOURS: &str = "Mo-Fr 06:30-17:00; PH off";
const LIBRARY_HOURS: &str = "Mo,We,Fr 10:00-18:00; Tu,Th 08:00-16:00; Sa 09:00-13:00; PH off";
const CLINIC_HOURS: &str = "Mo-Fr 08:00-18:00; PH off";
const SPORTS_HOURS: &str = "Mo-Fr 08:00-22:00; Sa,Su 09:00-21:00";
const PLAYGROUND_HOURS: &str = "08:00-20:00";
const TOILET_HOURS: &str = "Mo-Su 07:00-21:00";
const ALWAYS: &str = "24/7";
/// The demo PSZOK, also imported with the waste schedule (`demo::waste`),
/// which links it to this place by name.
pub(crate) const PSZOK_HOURS: &str = "Tu-Fr 10:00-18:00; Sa 08:00-14:00; PH off";
pub(crate) const PSZOK_NAME: &str = "PSZOK – Punkt Selektywnej Zbiórki Odpadów Komunalnych";
pub(crate) const PSZOK_POINT: (f64, f64) = (51.0270, 17.1620);

/// A place under construction.
struct P(PlaceInput);

fn place(layer: Layer, category: &str, name: &str, lat: f64, lon: f64) -> P {
    P(PlaceInput {
        layer,
        category: category.into(),
        name: name.into(),
        geometry: PlaceGeometry::Point { point: GeoPoint { lat, lon } },
        address: None,
        opening_hours: None,
        contact: PlaceContact::default(),
        description_pl: PLACES_NOTICE_PL.into(),
        description_en: PLACES_NOTICE_EN.into(),
        photos: vec![],
        accessibility: Accessibility::default(),
        monument: None,
        osm_id: None,
        extra_tags: BTreeMap::new(),
    })
}

fn infra(category: &str, name: &str, lat: f64, lon: f64) -> P {
    place(Layer::Infrastructure, category, name, lat, lon)
}

fn line(name: &str, points: &[(f64, f64)]) -> P {
    let mut p = place(Layer::BikePaths, "bike_path", name, 0.0, 0.0);
    p.0.geometry = PlaceGeometry::Line { points: points.iter().map(|&(lat, lon)| GeoPoint { lat, lon }).collect() };
    p
}

impl P {
    fn addr(mut self, a: &str) -> Self {
        self.0.address = Some(a.into());
        self
    }
    fn hours(mut self, h: &str) -> Self {
        self.0.opening_hours = Some(h.into());
        self
    }
    fn web(mut self, w: &str) -> Self {
        self.0.contact.website = Some(w.into());
        self
    }
    /// Description; the approximation notice is appended.
    fn desc(mut self, pl: &str, en: &str) -> Self {
        self.0.description_pl = format!("{pl} {PLACES_NOTICE_PL}");
        self.0.description_en = format!("{en} {PLACES_NOTICE_EN}");
        self
    }
    fn acc(mut self, a: Accessibility) -> Self {
        self.0.accessibility = a;
        self
    }
    fn note(mut self, key: &str, text: &str) -> Self {
        self.0.accessibility.notes.insert(key.into(), text.into());
        self
    }
    fn monument(mut self, period: Option<&str>) -> Self {
        // Register numbers are left unknown: not guessed.
        self.0.monument = Some(Monument { register_number: None, period: period.map(Into::into) });
        self
    }
    fn tag(mut self, k: &str, v: &str) -> Self {
        self.0.extra_tags.insert(k.into(), v.into());
        self
    }
}

/// A new public building: step-free, accessible toilet, lowered kerb.
fn accessible() -> Accessibility {
    Accessibility {
        wheelchair: Wheelchair::Yes,
        toilets_wheelchair: Tri::Yes,
        entrance_step_count: Some(0),
        kerb_lowered: Tri::Yes,
        ..Default::default()
    }
}

/// An older building: one low step or a steep ramp.
fn limited() -> Accessibility {
    Accessibility { wheelchair: Wheelchair::Limited, entrance_step_count: Some(1), ..Default::default() }
}

fn not_accessible(steps: u32) -> Accessibility {
    Accessibility { wheelchair: Wheelchair::No, entrance_step_count: Some(steps), ramp: Tri::No, ..Default::default() }
}

fn parking(spaces: u32) -> Accessibility {
    Accessibility { wheelchair: Wheelchair::Yes, disabled_parking_spaces: Some(spaces), kerb_lowered: Tri::Yes, ..Default::default() }
}

/// At least 60 places across all layers (see the module docs: approximate).
pub fn siechnice_places() -> Vec<PlaceInput> {
    use Layer::*;
    let v = vec![
        // --- Town hall and offices --------------------------------------
        infra("town_hall", "Urząd Miejski w Siechnicach", 51.0346, 17.1488)
            .addr("ul. Jana Pawła II 12, 55-011 Siechnice")
            .hours(UM_HOURS)
            .web("https://www.umsiechnice.pl")
            .desc("Urząd Miejski: sprawy obywatelskie, podatki, odpady, USC.", "Town hall: residents' affairs, taxes, waste, registry office.")
            .acc(Accessibility {
                ramp: Tri::Yes,
                disabled_parking_spaces: Some(2),
                hearing_loop: Tri::Yes,
                tactile_paving: Tri::Yes,
                sign_language: Tri::Yes,
                changing_table: Tri::Yes,
                ..accessible()
            })
            .note("wheelchair:description:pl", "Wejście główne bez progów, winda na piętro, toaleta dla osób z niepełnosprawnościami na parterze.")
            .note("wheelchair:description:en", "Step-free main entrance, lift to the first floor, accessible toilet on the ground floor.")
            .note("deaf:description:pl", "Pętla indukcyjna w biurze obsługi; tłumacz PJM po wcześniejszym zgłoszeniu (3 dni robocze).")
            .note("blind:description:pl", "Ścieżka prowadząca od wejścia do biura obsługi klienta."),
        infra("office", "Ośrodek Pomocy Społecznej w Siechnicach", 51.0338, 17.1472)
            .addr("ul. Jana Pawła II, 55-011 Siechnice")
            .hours(OFFICE_HOURS)
            .desc("Pomoc społeczna, świadczenia, asystent osoby z niepełnosprawnością.", "Social welfare, benefits, personal assistance for people with disabilities.")
            .acc(Accessibility { sign_language: Tri::Yes, ..limited() })
            .note("wheelchair:description:pl", "Jeden stopień (ok. 5 cm) przy wejściu; dzwonek przywołujący pracownika."),
        infra("office", "Gminne Centrum Kultury i Sportu w Siechnicach", 51.0329, 17.1521)
            .addr("ul. Księcia Henryka Probusa, 55-011 Siechnice")
            .hours("Mo-Fr 08:00-20:00; Sa 09:00-14:00; PH off")
            .desc("Zajęcia kulturalne i sportowe, sala widowiskowa.", "Cultural and sports activities, auditorium.")
            .acc(Accessibility { hearing_loop: Tri::Unknown, ..accessible() }),
        infra("office", "Punkt obsługi mieszkańców w Radwanicach", 51.0612, 17.1302)
            .addr("ul. Szkolna, 55-010 Radwanice")
            .hours("Tu 10:00-16:00; Th 10:00-16:00; PH off")
            .desc("Punkt konsultacyjny urzędu (dyżury).", "The town hall's consultation desk (set hours).")
            .acc(limited()),
        // --- Schools -----------------------------------------------------
        infra("school", "Szkoła Podstawowa w Siechnicach", 51.0362, 17.1455)
            .addr("Siechnice")
            .hours(SCHOOL_HOURS)
            .desc("Szkoła podstawowa z oddziałami integracyjnymi.", "Primary school with integration classes.")
            .acc(Accessibility { ramp: Tri::Yes, tactile_paving: Tri::Yes, ..accessible() }),
        infra("school", "Szkoła Podstawowa w Radwanicach", 51.0627, 17.1275)
            .addr("Radwanice")
            .hours(SCHOOL_HOURS)
            .desc("Szkoła podstawowa.", "Primary school.")
            .acc(accessible()),
        infra("school", "Szkoła Podstawowa w Świętej Katarzynie", 51.0318, 17.1190)
            .addr("Święta Katarzyna")
            .hours(SCHOOL_HOURS)
            .desc("Szkoła podstawowa.", "Primary school.")
            .acc(limited())
            .note("wheelchair:description:pl", "Starsza część budynku bez windy; nowa część dostępna."),
        infra("school", "Szkoła Podstawowa w Żernikach Wrocławskich", 51.0340, 17.0690)
            .addr("Żerniki Wrocławskie")
            .hours(SCHOOL_HOURS)
            .desc("Szkoła podstawowa.", "Primary school.")
            .acc(accessible()),
        infra("school", "Szkoła Podstawowa w Zębicach", 51.0112, 17.1465)
            .addr("Zębice")
            .hours(SCHOOL_HOURS)
            .desc("Szkoła podstawowa.", "Primary school."),
        // --- Kindergartens -----------------------------------------------
        infra("kindergarten", "Przedszkole w Siechnicach", 51.0320, 17.1440)
            .addr("Siechnice")
            .hours(KINDERGARTEN_HOURS)
            .desc("Przedszkole samorządowe.", "Municipal kindergarten.")
            .acc(Accessibility { changing_table: Tri::Yes, ..accessible() }),
        infra("kindergarten", "Przedszkole w Radwanicach", 51.0600, 17.1320)
            .addr("Radwanice")
            .hours(KINDERGARTEN_HOURS)
            .desc("Przedszkole samorządowe.", "Municipal kindergarten.")
            .acc(accessible()),
        infra("kindergarten", "Przedszkole w Świętej Katarzynie", 51.0342, 17.1150)
            .addr("Święta Katarzyna")
            .hours(KINDERGARTEN_HOURS)
            .desc("Przedszkole samorządowe.", "Municipal kindergarten.")
            .acc(limited()),
        infra("kindergarten", "Przedszkole w Iwinach", 51.0530, 17.0960)
            .addr("Iwiny")
            .hours(KINDERGARTEN_HOURS)
            .desc("Przedszkole samorządowe.", "Municipal kindergarten."),
        infra("kindergarten", "Przedszkole w Żernikach Wrocławskich", 51.0322, 17.0705)
            .addr("Żerniki Wrocławskie")
            .hours(KINDERGARTEN_HOURS)
            .desc("Przedszkole samorządowe.", "Municipal kindergarten.")
            .acc(accessible()),
        // --- Libraries ---------------------------------------------------
        infra("library", "Biblioteka Publiczna w Siechnicach", 51.0333, 17.1508)
            .addr("Siechnice")
            .hours(LIBRARY_HOURS)
            .desc("Biblioteka, czytelnia, audiobooki i książki z dużą czcionką.", "Library, reading room, audiobooks and large-print books.")
            .acc(Accessibility { braille: Tri::Yes, hearing_loop: Tri::No, ..accessible() })
            .note("blind:description:pl", "Książki mówione i wybrane tytuły w brajlu; czytak do wypożyczenia."),
        infra("library", "Biblioteka, filia w Radwanicach", 51.0620, 17.1310)
            .addr("Radwanice")
            .hours(LIBRARY_HOURS)
            .desc("Filia biblioteki publicznej.", "Branch of the public library.")
            .acc(not_accessible(4))
            .note("wheelchair:description:pl", "Cztery stopnie przy wejściu, brak podjazdu; bibliotekarz wydaje książki przy wejściu."),
        infra("library", "Biblioteka, filia w Świętej Katarzynie", 51.0325, 17.1175)
            .addr("Święta Katarzyna")
            .hours(LIBRARY_HOURS)
            .desc("Filia biblioteki publicznej.", "Branch of the public library.")
            .acc(limited()),
        infra("library", "Biblioteka, filia w Żernikach Wrocławskich", 51.0335, 17.0680)
            .addr("Żerniki Wrocławskie")
            .hours("Tu,Th 12:00-18:00; PH off")
            .desc("Filia biblioteki publicznej.", "Branch of the public library."),
        // --- Health ------------------------------------------------------
        infra("health_centre", "Przychodnia w Siechnicach", 51.0352, 17.1530)
            .addr("Siechnice")
            .hours(CLINIC_HOURS)
            .desc("Podstawowa opieka zdrowotna.", "Primary health care.")
            .acc(Accessibility { disabled_parking_spaces: Some(2), ..accessible() }),
        infra("health_centre", "Przychodnia w Radwanicach", 51.0605, 17.1285)
            .addr("Radwanice")
            .hours(CLINIC_HOURS)
            .desc("Podstawowa opieka zdrowotna.", "Primary health care.")
            .acc(limited()),
        infra("health_centre", "Przychodnia w Świętej Katarzynie", 51.0335, 17.1200)
            .addr("Święta Katarzyna")
            .hours(CLINIC_HOURS)
            .desc("Podstawowa opieka zdrowotna.", "Primary health care.")
            .acc(accessible()),
        // --- Sports ------------------------------------------------------
        infra("sports", "Stadion Miejski w Siechnicach", 51.0370, 17.1560)
            .addr("Siechnice")
            .hours(SPORTS_HOURS)
            .desc("Stadion piłkarski z bieżnią.", "Football stadium with a running track.")
            .acc(Accessibility { toilets_wheelchair: Tri::Unknown, ..limited() })
            .tag("leisure", "stadium"),
        infra("sports", "Hala sportowa w Siechnicach", 51.0358, 17.1465)
            .addr("Siechnice")
            .hours(SPORTS_HOURS)
            .desc("Hala sportowa przy szkole.", "Sports hall by the school.")
            .acc(accessible()),
        infra("sports", "Boisko Orlik w Radwanicach", 51.0635, 17.1260)
            .addr("Radwanice")
            .hours("Mo-Su 08:00-21:00")
            .desc("Boisko wielofunkcyjne.", "Multi-purpose pitch.")
            .acc(Accessibility { wheelchair: Wheelchair::Yes, ..Default::default() }),
        infra("sports", "Boisko Orlik w Świętej Katarzynie", 51.0305, 17.1210)
            .addr("Święta Katarzyna")
            .hours("Mo-Su 08:00-21:00")
            .desc("Boisko wielofunkcyjne.", "Multi-purpose pitch."),
        infra("sports", "Siłownia plenerowa w Iwinach", 51.0545, 17.0925)
            .addr("Iwiny")
            .hours(ALWAYS)
            .desc("Urządzenia do ćwiczeń na świeżym powietrzu.", "Outdoor fitness equipment.")
            .acc(Accessibility { wheelchair: Wheelchair::Limited, ..Default::default() })
            .note("wheelchair:description:pl", "Nawierzchnia żwirowa; dwa urządzenia dostępne z wózka."),
        // --- Playgrounds -------------------------------------------------
        infra("playground", "Plac zabaw w parku w Siechnicach", 51.0315, 17.1525)
            .addr("Siechnice")
            .hours(PLAYGROUND_HOURS)
            .desc("Plac zabaw z huśtawką integracyjną.", "Playground with an inclusive swing.")
            .acc(Accessibility { wheelchair: Wheelchair::Yes, ..Default::default() })
            .note("wheelchair:description:pl", "Nawierzchnia bezpieczna, równa; huśtawka dla dziecka na wózku."),
        infra("playground", "Plac zabaw w Radwanicach", 51.0598, 17.1270)
            .addr("Radwanice")
            .hours(PLAYGROUND_HOURS)
            .desc("Plac zabaw.", "Playground.")
            .acc(Accessibility { wheelchair: Wheelchair::Limited, ..Default::default() }),
        infra("playground", "Plac zabaw w Żernikach Wrocławskich", 51.0318, 17.0660)
            .addr("Żerniki Wrocławskie")
            .hours(PLAYGROUND_HOURS)
            .desc("Plac zabaw.", "Playground."),
        infra("playground", "Plac zabaw w Zacharzycach", 51.0135, 17.1760)
            .addr("Zacharzyce")
            .hours(ALWAYS)
            .desc("Wiejski plac zabaw.", "Village playground.")
            .acc(Accessibility { wheelchair: Wheelchair::No, ..Default::default() })
            .note("wheelchair:description:pl", "Piaszczysta nawierzchnia, wejście przez krawężnik."),
        infra("playground", "Plac zabaw w Kotowicach", 51.0280, 17.2165)
            .addr("Kotowice")
            .hours(ALWAYS)
            .desc("Wiejski plac zabaw.", "Village playground."),
        infra("playground", "Plac zabaw w Blizanowicach", 51.0632, 17.1395)
            .addr("Blizanowice")
            .hours(PLAYGROUND_HOURS)
            .desc("Wiejski plac zabaw.", "Village playground."),
        // --- Public toilets ----------------------------------------------
        infra("toilets", "Toaleta publiczna w parku w Siechnicach", 51.0318, 17.1515)
            .addr("Siechnice")
            .hours(TOILET_HOURS)
            .desc("Bezpłatna toaleta publiczna.", "Free public toilet.")
            .acc(Accessibility { changing_table: Tri::Yes, ..accessible() })
            .tag("fee", "no"),
        infra("toilets", "Toaleta przy stacji Kotowice", 51.0242, 17.2155)
            .addr("Kotowice")
            .hours(ALWAYS)
            .desc("Toaleta dla rowerzystów przy stacji.", "Toilet for cyclists by the station.")
            .acc(Accessibility { wheelchair: Wheelchair::Limited, toilets_wheelchair: Tri::No, ..Default::default() }),
        infra("toilets", "Toaleta publiczna w Świętej Katarzynie", 51.0328, 17.1160)
            .addr("Święta Katarzyna")
            .hours(TOILET_HOURS)
            .desc("Bezpłatna toaleta publiczna.", "Free public toilet.")
            .acc(accessible()),
        infra("toilets", "Toaleta publiczna w parku w Radwanicach", 51.0608, 17.1262)
            .addr("Radwanice")
            .hours("Apr-Oct Mo-Su 08:00-20:00")
            .desc("Toaleta sezonowa.", "Seasonal toilet."),
        // --- Parking -----------------------------------------------------
        infra("parking", "Parking przy Urzędzie Miejskim", 51.0349, 17.1495)
            .addr("ul. Jana Pawła II, 55-011 Siechnice")
            .hours(ALWAYS)
            .desc("Parking dla interesantów urzędu.", "Parking for the town hall's visitors.")
            .acc(parking(2)),
        infra("parking", "Parkuj i jedź Siechnice (stacja)", 51.0300, 17.1470)
            .addr("Siechnice")
            .hours(ALWAYS)
            .desc("Parking przy stacji kolejowej Siechnice.", "Park and ride at Siechnice railway station.")
            .acc(parking(4)),
        infra("parking", "Parkuj i jedź Święta Katarzyna (stacja)", 51.0300, 17.1150)
            .addr("Święta Katarzyna")
            .hours(ALWAYS)
            .desc("Parking przy stacji kolejowej.", "Park and ride at the railway station.")
            .acc(parking(2)),
        infra("parking", "Parking przy stacji Kotowice", 51.0238, 17.2170)
            .addr("Kotowice")
            .hours(ALWAYS)
            .desc("Parking dla rowerzystów i turystów, start pętli Szlaku Odry.", "Parking for cyclists and visitors, start of the Oder route loop.")
            .acc(Accessibility { disabled_parking_spaces: Some(1), ..Default::default() }),
        infra("parking", "Parking przy wale w Trestnie", 51.0712, 17.1445)
            .addr("Trestno")
            .hours(ALWAYS)
            .desc("Nieutwardzony parking przy wale przeciwpowodziowym.", "Unpaved parking by the flood embankment.")
            .acc(Accessibility { wheelchair: Wheelchair::No, disabled_parking_spaces: Some(0), ..Default::default() }),
        // --- EV chargers -------------------------------------------------
        infra("ev_charger", "Stacja ładowania przy Urzędzie Miejskim", 51.0350, 17.1498)
            .addr("ul. Jana Pawła II, 55-011 Siechnice")
            .hours(ALWAYS)
            .desc("Dwa punkty ładowania AC 22 kW.", "Two AC 22 kW charging points.")
            .acc(parking(1))
            .tag("socket:type2", "2"),
        infra("ev_charger", "Stacja ładowania w Radwanicach", 51.0618, 17.1295)
            .addr("Radwanice")
            .hours(ALWAYS)
            .desc("Punkt ładowania AC.", "AC charging point.")
            .tag("socket:type2", "2"),
        infra("ev_charger", "Stacja ładowania w Świętej Katarzynie", 51.0308, 17.1158)
            .addr("Święta Katarzyna")
            .hours(ALWAYS)
            .desc("Punkt ładowania AC przy parkingu stacyjnym.", "AC charging point at the station car park.")
            .tag("socket:type2", "2"),
        // --- Waste -------------------------------------------------------
        infra("waste_point", PSZOK_NAME, PSZOK_POINT.0, PSZOK_POINT.1)
            .addr("Siechnice")
            .hours(PSZOK_HOURS)
            .desc(
                "Bezpłatne oddawanie odpadów wielkogabarytowych, elektroodpadów, gruzu i odpadów niebezpiecznych (mieszkańcy gminy).",
                "Free drop-off of bulky waste, electronics, rubble and hazardous waste (for residents).",
            )
            .acc(Accessibility { wheelchair: Wheelchair::Limited, ..Default::default() }),
        // --- Monuments (DOMAIN.md sights) ---------------------------------
        place(Monuments, "monument", "Elektrociepłownia Czechnica", 51.0410, 17.1600)
            .addr("Siechnice")
            .desc(
                "Elektrownia Czechnica – jeden z symboli Siechnic, zabytek techniki; zwiedzanie tylko z zewnątrz.",
                "The Czechnica power plant, a landmark of Siechnice and an industrial monument; seen from outside only.",
            )
            .monument(None)
            .tag("historic", "industrial"),
        place(Monuments, "monument", "Osiedle robotnicze Czechnica", 51.0385, 17.1545)
            .addr("Siechnice")
            .desc(
                "Modernistyczne osiedle robotnicze wybudowane dla pracowników elektrowni.",
                "Modernist workers' estate built for the power plant's staff.",
            )
            .monument(None)
            .acc(Accessibility { wheelchair: Wheelchair::Yes, kerb_lowered: Tri::Unknown, ..Default::default() }),
        place(Monuments, "monument", "Kościół św. Katarzyny w Świętej Katarzynie", 51.0335, 17.1168)
            .addr("Święta Katarzyna")
            .desc(
                "Kościół, od którego wzięła nazwę wieś; pierwsza wzmianka w 1257 r.",
                "The church that gave the village its name; first mentioned in 1257.",
            )
            .monument(Some("XIII w. (pierwsza wzmianka 1257)"))
            .acc(limited())
            .note("wheelchair:description:pl", "Próg przy głównym wejściu; boczne wejście bez stopni (zwykle zamknięte)."),
        place(Monuments, "monument", "Pałac w Bogusławicach", 50.9955, 17.1995)
            .addr("Bogusławice")
            .desc("Pałac z 1910 r. z parkiem.", "Palace of 1910 with its park.")
            .monument(Some("1910")),
        place(Monuments, "monument", "Kościół w Trestnie", 51.0722, 17.1460)
            .addr("Trestno")
            .desc("Kościół z 1934 r.", "Church of 1934.")
            .monument(Some("1934"))
            .acc(not_accessible(3)),
        place(Monuments, "monument", "Stary cmentarz ewangelicki w Trestnie", 51.0715, 17.1475)
            .addr("Trestno")
            .desc("Dawny cmentarz ewangelicki, ślad dawnych mieszkańców wsi.", "Former Evangelical cemetery, a trace of the village's earlier inhabitants.")
            .monument(None)
            .acc(Accessibility { wheelchair: Wheelchair::No, ..Default::default() })
            .note("wheelchair:description:pl", "Nierówne, trawiaste alejki."),
        place(Monuments, "monument", "Zakład wodociągowy Mokry Dwór", 51.0590, 17.1930)
            .addr("Mokry Dwór")
            .desc(
                "Historyczne ujęcie wody dla Wrocławia; teren chroniony, zwiedzanie tylko w dni otwarte.",
                "Historic water works supplying Wrocław; a protected area, visits on open days only.",
            )
            .monument(None),
        // --- Attractions -------------------------------------------------
        place(Attractions, "attraction", "Stawy rybne w Kotowicach", 51.0300, 17.2280)
            .addr("Kotowice")
            .desc(
                "Stawy rybne przy wałach Odry; obserwacja ptaków.",
                "Fish ponds by the Oder embankments; bird watching.",
            )
            .tag("tourism", "attraction"),
        place(Attractions, "attraction", "Obszar chroniony Mokry Dwór", 51.0565, 17.1960)
            .addr("Mokry Dwór")
            .desc("Łąki i lasy łęgowe wokół ujęcia wody.", "Meadows and riparian forest around the water works.")
            .tag("tourism", "attraction"),
        place(Attractions, "attraction", "Punkt widokowy na Odrę w Kotowicach", 51.0335, 17.2235)
            .addr("Kotowice")
            .desc("Widok na Odrę z wału przeciwpowodziowego.", "View of the Oder from the flood embankment.")
            .acc(Accessibility { wheelchair: Wheelchair::Limited, ..Default::default() })
            .note("wheelchair:description:pl", "Wjazd na wał utwardzoną rampą o nachyleniu ok. 8%.")
            .tag("tourism", "viewpoint"),
        place(Attractions, "attraction", "Punkt widokowy na wale w Trestnie", 51.0705, 17.1500)
            .addr("Trestno")
            .desc("Widok na dolinę Odry.", "View over the Oder valley.")
            .tag("tourism", "viewpoint"),
        place(Attractions, "attraction", "Park miejski w Siechnicach", 51.0312, 17.1532)
            .addr("Siechnice")
            .hours(ALWAYS)
            .desc("Park z alejkami spacerowymi i stawem.", "Park with footpaths and a pond.")
            .acc(Accessibility { wheelchair: Wheelchair::Yes, tactile_paving: Tri::No, ..Default::default() }),
        place(Attractions, "attraction", "Park przy pałacu w Bogusławicach", 50.9945, 17.2010)
            .addr("Bogusławice")
            .desc("Park przypałacowy.", "The palace park."),
        // --- Bike paths (lines; the gmina's part of each route) -----------
        line(
            "Szlak Odry – pętla Lipki–Kotowice (od stacji Kotowice)",
            &[
                (51.0240, 17.2160),
                (51.0285, 17.2240),
                (51.0262, 17.2380),
                (51.0205, 17.2445),
                (51.0150, 17.2385),
                (51.0178, 17.2250),
                (51.0240, 17.2160),
            ],
        )
        .desc(
            "Pętla Szlaku Odry z Kotowic w stronę Lipek, wałami i drogami polnymi; na mapie odcinek w granicach gminy.",
            "The Oder Cycle Route loop from Kotowice towards Lipki along embankments and field roads; the part within the gmina is shown.",
        )
        .tag("surface", "compacted"),
        line(
            "Trasa rowerowa Siechnice–Blizanowice–Trestno (w stronę Wrocławia)",
            &[(51.0335, 17.1500), (51.0450, 17.1460), (51.0560, 17.1420), (51.0640, 17.1390), (51.0722, 17.1440)],
        )
        .desc(
            "Droga rowerowa z Siechnic przez Blizanowice do Trestna i dalej do Wrocławia.",
            "Cycle path from Siechnice through Blizanowice to Trestno and on to Wrocław.",
        )
        .tag("surface", "asphalt"),
        line(
            "Blue Velo wzdłuż wału (planowana)",
            &[(51.0710, 17.1470), (51.0630, 17.1600), (51.0560, 17.1720), (51.0590, 17.1880), (51.0500, 17.2050), (51.0330, 17.2200)],
        )
        .desc(
            "Planowany przebieg trasy Blue Velo koroną wału przeciwpowodziowego; jeszcze nie istnieje w terenie.",
            "Planned course of the Blue Velo route along the flood embankment; not yet built.",
        )
        .tag("state", "proposed"),
    ];
    v.into_iter().map(|p| p.0).collect()
}

