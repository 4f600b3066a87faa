//! The demo's second gmina: Czernica (TERYT 0223032, powiat wrocławski),
//! Siechnice's neighbour across the Oder, with a little content of its own
//! and its own admin (`admin-czernica`), so that `make run` shows two
//! gminas kept apart: pick either in the app, sign in as either admin.
//!
//! **Approximations, not survey data**, as for Siechnice: the boundary
//! was drawn by hand east and north of Siechnice's Oder edge (sharing it,
//! not overlapping it), the points are near the real villages, the content
//! is illustrative.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::events::{EventCategory, EventInput};
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Branding, Gmina, Locality, LocalityKind, Teryt};
use mm_protocol::news::{NewsInput, Priority};
use mm_protocol::places::{Layer, PlaceContact, PlaceGeometry, PlaceInput};
use mm_protocol::reports::{NewReport, ReportStatus, StatusChangeRequest};

use super::DemoData;
use super::siechnice::at;
use crate::store::{Actor, Conflict, Created, GminaRecord, NewReportRecord, Store, StoreError, StoreResult};

pub const TERYT: &str = "0223032";
pub const NAME: &str = "Czernica";
/// Its demo admin's login.
pub const ADMIN_LOGIN: &str = "admin-czernica";

/// `[lon, lat]`, counter-clockwise, closed: from Trestno along Siechnice's
/// Oder edge to Radomierzyce, then around Czernica, Łany, Chrząstawa and
/// Jeszkowice back to the Oder. About 100 km² (the real gmina: 84 km²).
const BOUNDARY: [[f64; 2]; 18] = [
    [17.144, 51.077], // the Oder at Trestno (Siechnice's edge from here…)
    [17.152, 51.074],
    [17.167, 51.061],
    [17.188, 51.067],
    [17.199, 51.064],
    [17.208, 51.052],
    [17.222, 51.038],
    [17.235, 51.032],
    [17.248, 51.026],
    [17.253, 51.018], // …to Radomierzyce
    [17.290, 51.020],
    [17.330, 51.040],
    [17.335, 51.075],
    [17.310, 51.110],
    [17.250, 51.125],
    [17.190, 51.115],
    [17.150, 51.098],
    [17.144, 51.077],
];

/// `(name, lat, lon)`, approximate; ids from 101, apart from Siechnice's.
pub(crate) const LOCALITIES: [(&str, f64, f64); 8] = [
    ("Czernica", 51.0480, 17.2440),
    ("Jeszkowice", 51.0850, 17.1650),
    ("Dobrzykowice", 51.0900, 17.2050),
    ("Kamieniec Wrocławski", 51.0750, 17.1750),
    ("Chrząstawa Wielka", 51.1000, 17.2500),
    ("Łany", 51.0550, 17.2800),
    ("Ratowice", 51.0600, 17.3100),
    ("Gajków", 51.0700, 17.2900),
];

pub fn record() -> GminaRecord {
    GminaRecord {
        teryt: Teryt::parse(TERYT).expect("Czernica's code is a TERYT code"),
        name: NAME.into(),
        powiat: "wrocławski".into(),
        voivodeship: "dolnośląskie".into(),
        boundary: Some(Polygon { rings: vec![BOUNDARY.to_vec()] }),
        center: Some(GeoPoint { lat: 51.0480, lon: 17.2440 }),
        branding: Branding { coat_of_arms_url: None, primary_color: "#2e7d32".into(), on_primary_color: "#ffffff".into() },
        settings: Default::default(),
    }
}

/// Siechnice's entry in the directory (its content is `super::siechnice`).
pub fn siechnice_record() -> GminaRecord {
    let data = super::siechnice::siechnice(Utc::now().with_timezone(&LOCAL_TZ).date_naive());
    GminaRecord {
        teryt: Teryt::parse("0223083").expect("Siechnice's code is a TERYT code"),
        name: "Siechnice".into(),
        powiat: "wrocławski".into(),
        voivodeship: "dolnośląskie".into(),
        boundary: Some(data.gmina.boundary),
        center: Some(data.gmina.center),
        branding: Branding { coat_of_arms_url: None, primary_color: "#1d4f91".into(), on_primary_color: "#ffffff".into() },
        settings: crate::store::GminaSettings { accessibility: Some(crate::accessibility::demo::siechnice()), ..Default::default() },
    }
}

/// The gmina, its localities, three event categories, a few events and
/// news items, dated around `today` (Warsaw).
pub fn czernica(today: NaiveDate) -> DemoData {
    let day = |d: u64| today + chrono::Days::new(d);
    let ago = |d: u64| today - chrono::Days::new(d);
    let event = |title: &str, description: &str, start: DateTime<Utc>, hours: i64, place: &str, (lat, lon): (f64, f64), category: &str| EventInput {
        title: title.into(),
        description: description.into(),
        starts_at: start,
        ends_at: start + Duration::hours(hours),
        all_day: false,
        place_name: Some(place.into()),
        point: Some(GeoPoint { lat, lon }),
        category: Some(category.into()),
        organiser: Some("Gmina Czernica".into()),
        image_url: None,
        accessibility: None,
        cancelled: false,
        rrule: None,
    };
    let news = |title: &str, body: &str, priority, published| NewsInput {
        title: title.into(),
        body: body.into(),
        priority,
        published_at: Some(published),
        expires_at: None,
    };
    DemoData {
        gmina: Gmina {
            id: "gmina".into(),
            name: "Gmina Czernica".into(),
            teryt: TERYT.into(),
            boundary: Polygon { rings: vec![BOUNDARY.to_vec()] },
            center: GeoPoint { lat: 51.0480, lon: 17.2440 },
        },
        localities: LOCALITIES
            .iter()
            .zip(101..)
            .map(|(&(name, lat, lon), id)| Locality {
                id,
                name: name.into(),
                kind: LocalityKind::Village,
                point: GeoPoint { lat, lon },
            })
            .collect(),
        categories: [
            ("imprezy", "Imprezy gminne", "Community events"),
            ("rekreacja", "Rekreacja nad Odrą", "Leisure by the Oder"),
            ("rada-gminy", "Rada Gminy", "Municipal council"),
        ]
        .into_iter()
        .map(|(id, pl, en)| EventCategory { id: id.into(), name_pl: pl.into(), name_en: en.into() })
        .collect(),
        events: vec![
            event(
                "Dożynki Gminy Czernica",
                "Korowód dożynkowy, wieńce z sołectw, koncert i poczęstunek.",
                at(day(9), 14, 0),
                6,
                "Boisko w Czernicy",
                (51.0485, 17.2425),
                "imprezy",
            ),
            event(
                "Rajd rowerowy wałami Odry",
                "Trasa 25 km z Kamieńca Wrocławskiego do Ratowic i z powrotem.",
                at(day(4), 10, 0),
                4,
                "Kamieniec Wrocławski, parking przy kościele",
                (51.0755, 17.1760),
                "rekreacja",
            ),
            event(
                "Sesja Rady Gminy Czernica",
                "Porządek obrad w Biuletynie Informacji Publicznej.",
                at(day(12), 15, 0),
                3,
                "Urząd Gminy Czernica, sala sesyjna",
                (51.0478, 17.2448),
                "rada-gminy",
            ),
            event(
                "Festyn rodzinny w Jeszkowicach",
                "Gry i zabawy dla dzieci, stoiska kół gospodyń wiejskich.",
                at(day(18), 13, 0),
                5,
                "Świetlica wiejska w Jeszkowicach",
                (51.0852, 17.1655),
                "imprezy",
            ),
        ],
        news: vec![
            news(
                "Nowy chodnik w Dobrzykowicach",
                "Zakończyliśmy budowę chodnika wzdłuż ul. Wrocławskiej w Dobrzykowicach. Dziękujemy za cierpliwość.",
                Priority::Normal,
                at(ago(2), 9, 0),
            ),
            news(
                "Harmonogram odbioru odpadów wielkogabarytowych",
                "Odbiór odpadów wielkogabarytowych w sołectwach Czernica, Łany i Gajków odbędzie się w przyszłym tygodniu.",
                Priority::Important,
                at(ago(5), 12, 0),
            ),
            news(
                "Utrudnienia na moście w Ratowicach",
                "Z powodu prac remontowych ruch na moście przez Odrę w Ratowicach odbywa się wahadłowo.",
                Priority::Alert,
                at(ago(1), 7, 30),
            ),
        ],
    }
}

fn places() -> Vec<PlaceInput> {
    let place = |layer, category: &str, name: &str, lat, lon, address: &str| PlaceInput {
        layer,
        category: category.into(),
        name: name.into(),
        geometry: PlaceGeometry::Point { point: GeoPoint { lat, lon } },
        address: Some(address.into()),
        opening_hours: None,
        contact: PlaceContact::default(),
        description_pl: super::places::PLACES_NOTICE_PL.into(),
        description_en: super::places::PLACES_NOTICE_EN.into(),
        photos: vec![],
        accessibility: Default::default(),
        monument: None,
        osm_id: None,
        extra_tags: Default::default(),
    };
    vec![
        place(Layer::Infrastructure, "town_hall", "Urząd Gminy Czernica", 51.0478, 17.2448, "ul. Kolejowa 3, 55-003 Czernica"),
        place(Layer::Infrastructure, "school", "Szkoła Podstawowa w Czernicy", 51.0470, 17.2410, "ul. Szkolna, 55-003 Czernica"),
        place(Layer::Infrastructure, "library", "Gminna Biblioteka Publiczna w Czernicy", 51.0482, 17.2460, "ul. Kolejowa, 55-003 Czernica"),
        place(Layer::Infrastructure, "playground", "Plac zabaw w Kamieńcu Wrocławskim", 51.0748, 17.1745, "Kamieniec Wrocławski"),
        place(Layer::Attractions, "attraction", "Punkt widokowy na wale w Ratowicach", 51.0605, 17.3080, "Ratowice"),
    ]
}

/// `(category, kind, description, address, point, status)`.
type DemoReport = (&'static str, &'static str, &'static str, &'static str, (f64, f64), ReportStatus);
const REPORTS: [DemoReport; 5] = [
    ("street_lamp", "not_lit", "Nie świeci latarnia przy przystanku.", "ul. Wrocławska, Czernica", (51.0490, 17.2430), ReportStatus::New),
    ("road_damage", "pothole", "Duża dziura w jezdni przed mostem.", "ul. Odrzańska, Ratowice", (51.0598, 17.3070), ReportStatus::Accepted),
    ("street_lamp", "flickers", "Migocząca latarnia przy szkole.", "ul. Szkolna, Czernica", (51.0468, 17.2412), ReportStatus::Resolved),
    ("road_damage", "manhole_cover", "Brak pokrywy studzienki na chodniku.", "ul. Wrocławska, Dobrzykowice", (51.0902, 17.2048), ReportStatus::InProgress),
    ("street_lamp", "damaged_pole", "Przewrócony słup oświetleniowy.", "Jeszkowice", (51.0848, 17.1660), ReportStatus::New),
];

/// Adds Czernica to the deployment with its content, unless it is there;
/// its admin's one-time password when this call created the account.
/// `with_reports` is false beside a real EZD (`demo::start`): the demo's
/// reports would be registered there.
pub async fn load(store: &dyn Store, now: DateTime<Utc>, with_reports: bool) -> StoreResult<Option<String>> {
    let teryt = record().teryt;
    if store.gmina_record(&teryt).await?.is_none() {
        match store.add_gmina(Actor("demo".into()), record(), now).await {
            Ok(_) | Err(StoreError::Conflict(Conflict::GminaExists)) => {}
            Err(e) => return Err(e),
        }
    }
    let scoped = store.for_gmina(&teryt);
    let demo = Actor("demo".into());
    let today = now.with_timezone(&LOCAL_TZ).date_naive();
    let data = czernica(today);
    let loaded = scoped.load_demo(data, now).await?;
    scoped.load_demo_places(places(), now).await?;
    // A new gmina starts with the default report categories (the store's
    // `add_gmina`).
    if loaded && with_reports {
        for (i, (category, kind, description, address, (lat, lon), status)) in REPORTS.into_iter().enumerate() {
            let created_at = now - Duration::hours(30 * (i as i64 + 1));
            let input = NewReport {
                category: category.into(),
                point: GeoPoint { lat, lon },
                location_source: Default::default(),
                accuracy_m: Some(10.0),
                address: Some(address.into()),
                description: description.into(),
                answers: [("kind".to_owned(), kind.to_owned())].into_iter().collect(),
                photo_ids: vec![],
                contact: None,
            };
            let Created::New(report) =
                scoped.create_report(NewReportRecord { device_id: None, idempotency: None, input, now: created_at }).await?
            else {
                return Err(StoreError::backend("a demo report was replayed"));
            };
            let path: &[ReportStatus] = match status {
                ReportStatus::Accepted => &[ReportStatus::Accepted],
                ReportStatus::InProgress => &[ReportStatus::Accepted, ReportStatus::InProgress],
                ReportStatus::Resolved => &[ReportStatus::Accepted, ReportStatus::InProgress, ReportStatus::Resolved],
                _ => &[],
            };
            for (step, s) in path.iter().enumerate() {
                let change = StatusChangeRequest { status: *s, public_reply: None, internal_note: None, duplicate_of: None };
                scoped.change_report_status(demo.clone(), report.id, change, created_at + Duration::hours(step as i64 + 1)).await?;
            }
        }
    }
    super::create_admin(scoped.as_ref(), ADMIN_LOGIN).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Intersects};

    fn poly(rings: &[[f64; 2]]) -> geo::Polygon<f64> {
        crate::gmina::directory::to_geo(&Polygon { rings: vec![rings.to_vec()] })
    }

    #[test]
    fn czernica_lies_beside_siechnice_and_holds_its_villages() {
        let ours = poly(&BOUNDARY);
        let siechnice = crate::gmina::directory::to_geo(&siechnice_record().boundary.unwrap());
        for (name, lat, lon) in LOCALITIES {
            let p = geo::Point::new(lon, lat);
            assert!(ours.contains(&p), "{name} lies in Czernica");
            assert!(!siechnice.contains(&p), "{name} is not in Siechnice");
        }
        for (_, _, _, _, (lat, lon), _) in REPORTS {
            assert!(ours.contains(&geo::Point::new(lon, lat)));
        }
        // Neighbours share an edge; neither holds the other's inside.
        assert!(ours.intersects(&siechnice));
        assert!(!ours.contains(&geo::Point::new(17.15, 51.0335)), "Siechnice's town is not Czernica's");
        let data = czernica(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert!(data.events.iter().all(|e| e.starts_at > at(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), 0, 0)));
    }
}
