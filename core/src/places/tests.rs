//! The map in the core: places arrive by sync (a fake server on loopback,
//! a real store file), then the screens' queries: box with accessibility
//! needs, nearest, open now with Polish holidays, search without
//! diacritics, bike paths crossing a box.

use chrono::{DateTime, Utc};
use mm_protocol::devices::Platform;
use mm_protocol::places::{Layer, Wheelchair};
use serde_json::{Value, json};

use super::card::CardLineKind;
use super::model::*;
use super::store;
use crate::{Core, CoreConfig, SyncOptions};
use crate::store::Store;
use crate::testing::*;
use mm_protocol::geo::GeoPoint;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn place(id: i64, layer: &str, category: &str, name: &str, lat: f64, lon: f64, access: Value) -> Value {
    json!({"id": id, "layer": layer, "category": category, "name": name,
        "geometry": {"type": "point", "point": {"lat": lat, "lon": lon}},
        "accessibility": access, "updated_at": "2026-01-01T00:00:00Z"})
}

fn line(id: i64, name: &str, points: &[(f64, f64)]) -> Value {
    let pts: Vec<Value> = points.iter().map(|(lat, lon)| json!({"lat": lat, "lon": lon})).collect();
    json!({"id": id, "layer": "bike_paths", "category": "bike_path", "name": name,
        "geometry": {"type": "line", "points": pts},
        "description_pl": "Wzdłuż wału.", "updated_at": "2026-01-01T00:00:00Z"})
}

/// Siechnice-ish fixtures: ids 1..=9 points, 20/21 lines.
fn fixtures() -> Vec<Value> {
    let mut hall = place(1, "infrastructure", "town_hall", "Urząd Miejski w Siechnicach", 51.0335, 17.1500,
        json!({"wheelchair": "yes", "toilets_wheelchair": "yes", "hearing_loop": "yes", "disabled_parking_spaces": 2}));
    hall["opening_hours"] = json!("Mo 08:00-17:00; Tu-Th 07:30-15:30; Fr 07:30-14:00; PH off");
    hall["address"] = json!("ul. Jana Pawła II 12, 55-011 Siechnice");
    let mut church = place(2, "monuments", "monument", "Kościół św. Katarzyny", 51.0330, 17.1170,
        json!({"wheelchair": "limited", "entrance_step_count": 1}));
    church["monument"] = json!({"register_number": "A/1234/56", "period": "XIII w."});
    church["description_pl"] = json!("Kościół parafialny w Świętej Katarzynie, wzmiankowany w 1257 r.");
    let mut library = place(3, "infrastructure", "library", "Biblioteka Publiczna", 51.0340, 17.1520,
        json!({"wheelchair": "unknown", "entrance_step_count": 0}));
    library["opening_hours"] = json!("Mo-Fr 10:00-18:00; Sa 09:00-13:00; PH off");
    let school = place(4, "infrastructure", "school", "Szkoła Podstawowa", 51.0360, 17.1450,
        json!({"wheelchair": "no", "ramp": "yes"}));
    let mut toilets = place(5, "infrastructure", "toilets", "Toaleta w parku", 51.0320, 17.1510, json!({"wheelchair": "yes"}));
    // As a mapper might write it: read as Mo-Su 07:00-21:00.
    toilets["opening_hours"] = json!("pn-nd 7-21");
    let unknown = place(6, "attractions", "attraction", "Stawy w Kotowicach", 51.0150, 17.2000, json!({}));
    let ramp = place(7, "infrastructure", "health_centre", "Przychodnia", 51.0338, 17.1490,
        json!({"ramp": "yes", "changing_table": "yes", "braille": "yes", "tactile_paving": "yes", "sign_language": "yes"}));
    let mut bad_hours = place(8, "infrastructure", "sports", "Hala sportowa", 51.0400, 17.1400, json!({"wheelchair": "yes"}));
    bad_hours["opening_hours"] = json!("po uzgodnieniu telefonicznym");
    let mut sun = place(10, "attractions", "attraction", "Punkt widokowy", 51.0500, 17.1900, json!({}));
    sun["opening_hours"] = json!("sunrise-sunset");
    let far = place(9, "attractions", "attraction", "Pałac w Bogusławicach", 51.0700, 17.2300, json!({"wheelchair": "no"}));
    // A path that crosses the test box with no vertex inside it.
    let crossing = line(20, "Wał przeciwpowodziowy", &[(51.030, 17.100), (51.030, 17.200)]);
    let far_path = line(21, "Trasa do Trestna", &[(51.060, 17.100), (51.070, 17.150), (51.080, 17.200)]);
    vec![hall, church, library, school, toilets, unknown, ramp, bad_hours, far, sun, crossing, far_path]
}

fn sync_page() -> Value {
    let changes = fixtures().into_iter().enumerate().map(|(i, p)| upsert(i as u64 + 1, "places", p)).collect();
    page(changes, "100", false)
}

async fn synced_core(dir: &tempfile::TempDir) -> (Core, FakeServer) {
    let server = FakeServer::start().await;
    server.reply(Reply::Json(201, json!({"device_id": "dev-1", "token": "tok-1"})));
    server.reply(Reply::Json(200, sync_page()));
    let core = Core::open(CoreConfig {
        data_dir: dir.path().join("data"),
        gmina: Some(crate::testing::siechnice()),
        server_url: Some(server.url.clone()),
        platform: Platform::Cli,
        app_version: "1.0.0".into(),
        locale: None,
    })
    .unwrap();
    let summary = core.sync(SyncOptions::default(), None).await.unwrap();
    assert_eq!(summary.skipped, 0, "places are applied, not skipped");
    (core, server)
}

/// Centred on the town hall, not reaching Święta Katarzyna (17.117).
fn town_box() -> BoundingBox {
    BoundingBox { min_lat: 51.0235, min_lon: 17.130, max_lat: 51.0435, max_lon: 17.170 }
}

fn ids(v: &[PlaceSummary]) -> Vec<i64> {
    let mut ids: Vec<i64> = v.iter().map(|s| s.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn box_query_filters_by_layer_category_and_needs() {
    let dir = tempfile::tempdir().unwrap();
    let (core, _s) = synced_core(&dir).await;
    assert_eq!(core.places().count().unwrap(), 12);

    let all = core.places().in_box(town_box(), &PlaceFilter::default()).unwrap();
    assert_eq!(ids(&all), vec![1, 3, 4, 5, 7, 8, 20], "points inside, and the path crossing the box");
    assert_eq!(all[0].id, 1, "nearest the centre first");
    let hall = &all[0];
    assert_eq!(hall.category_name_pl, "Urząd gminy");
    assert_eq!(hall.wheelchair, Wheelchair::Yes);
    assert!(hall.needs_met.contains(&AccessNeed::DisabledParking));

    let step_free = PlaceFilter { needs: vec![AccessNeed::StepFree], ..Default::default() };
    // 1 wheelchair=yes, 3 zero steps (wheelchair unknown), 5 yes, 7 ramp, 8 yes;
    // not 4 (wheelchair=no despite a ramp) and not the path (unknown).
    assert_eq!(ids(&core.places().in_box(town_box(), &step_free).unwrap()), vec![1, 3, 5, 7, 8]);

    let toilet = PlaceFilter { needs: vec![AccessNeed::StepFree, AccessNeed::AccessibleToilet], ..Default::default() };
    assert_eq!(ids(&core.places().in_box(town_box(), &toilet).unwrap()), vec![1, 5], "the public toilet counts by its own wheelchair tag");

    for (need, expect) in [
        (AccessNeed::HearingLoop, vec![1]),
        (AccessNeed::TactilePaving, vec![7]),
        (AccessNeed::Braille, vec![7]),
        (AccessNeed::SignLanguage, vec![7]),
        (AccessNeed::ChangingTable, vec![7]),
        (AccessNeed::DisabledParking, vec![1]),
    ] {
        let f = PlaceFilter { needs: vec![need], ..Default::default() };
        assert_eq!(ids(&core.places().in_box(town_box(), &f).unwrap()), expect, "{need:?}");
    }

    let layer = PlaceFilter { layers: Some(vec![Layer::BikePaths]), ..Default::default() };
    assert_eq!(ids(&core.places().in_box(town_box(), &layer).unwrap()), vec![20]);
    // Both shells asked for nothing when every toggle was off, since an
    // empty list meant "any": now `Some([])` is none and `None` is any.
    let off = PlaceFilter { layers: Some(vec![]), ..Default::default() };
    assert!(core.places().in_box(town_box(), &off).unwrap().is_empty());
    assert!(core.places().nearest(GeoPoint { lat: 51.0335, lon: 17.15 }, 5, &off).unwrap().is_empty());
    let cat = PlaceFilter { categories: vec!["library".into(), "school".into()], ..Default::default() };
    assert_eq!(ids(&core.places().in_box(town_box(), &cat).unwrap()), vec![3, 4]);
    let limited = PlaceFilter { limit: Some(2), ..Default::default() };
    let two = core.places().in_box(town_box(), &limited).unwrap();
    assert_eq!(two.iter().map(|s| s.id).collect::<Vec<_>>(), vec![1, 7], "the two nearest the centre");

    // Limited (one 7 cm step) is not step-free; the church is left out.
    let church_box = BoundingBox { min_lat: 51.03, min_lon: 17.11, max_lat: 51.04, max_lon: 17.12 };
    assert!(core.places().in_box(church_box, &step_free).unwrap().iter().all(|s| s.id != 2));
    assert!(core.places().in_box(church_box, &PlaceFilter::default()).unwrap().iter().any(|s| s.id == 2));

    let err = core
        .places().in_box(BoundingBox { min_lat: 52.0, min_lon: 17.0, max_lat: 51.0, max_lon: 18.0 }, &PlaceFilter::default())
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[tokio::test]
async fn open_now_uses_warsaw_time_and_polish_holidays() {
    let dir = tempfile::tempdir().unwrap();
    let (core, _s) = synced_core(&dir).await;
    // Monday 4 May 2026, 10:00 CEST: the town hall (1) and the library (3) are open.
    let monday = t("2026-05-04T08:00:00Z");
    let open = PlaceFilter { open_at: Some(monday), ..Default::default() };
    let found = core.places().in_box(town_box(), &open).unwrap();
    assert_eq!(ids(&found), vec![1, 3, 5], "places without or with unreadable hours are not 'open'");
    assert!(found.iter().all(|s| s.open_now == Some(true)));
    // Sunday 3 May 2026 (a holiday and a Sunday) and Friday 1 May (Święto Pracy): closed.
    for at in ["2026-05-03T08:00:00Z", "2026-05-01T08:00:00Z", "2026-12-24T09:00:00Z"] {
        let f = PlaceFilter { open_at: Some(t(at)), ..Default::default() };
        let open = ids(&core.places().in_box(town_box(), &f).unwrap());
        assert_eq!(open, vec![5], "{at}: only the toilets, which do not close on holidays");
    }
    // At night: nothing (the toilets close at 21:00).
    let night = PlaceFilter { open_at: Some(t("2026-05-04T21:30:00Z")), ..Default::default() };
    assert!(core.places().in_box(town_box(), &night).unwrap().is_empty());

    let d = core.places().detail(1, t("2026-04-30T12:00:00Z")).unwrap(); // Thursday 14:00 CEST
    assert_eq!(d.open_now, Some(true));
    assert_eq!(d.next_change, Some(t("2026-04-30T13:30:00Z")), "closes 15:30 CEST");
    assert_eq!(d.hours_today, vec!["07:30-15:30".to_string()]);
    let d = core.places().detail(1, t("2026-04-30T14:00:00Z")).unwrap();
    assert_eq!(d.open_now, Some(false));
    // Fri 1 May and Sun 3 May are holidays, Sat closed: next opening Monday 4 May 08:00 CEST.
    assert_eq!(d.next_change, Some(t("2026-05-04T06:00:00Z")));
    assert_eq!(d.category_name_en, "Town hall");
    assert!(d.needs_met.contains(&AccessNeed::AccessibleToilet));
    // Easter Monday 2026 is 6 April.
    assert_eq!(core.places().detail(1, t("2026-04-06T08:00:00Z")).unwrap().open_now, Some(false));
    assert_eq!(core.places().detail(1, t("2026-04-07T08:00:00Z")).unwrap().open_now, Some(true));

    // Hours neither the crate nor a correction can read: kept as text, unknown.
    let bad = core.places().detail(8, t("2026-05-04T08:00:00Z")).unwrap();
    assert_eq!(bad.open_now, None);
    assert_eq!(bad.place.opening_hours.as_deref(), Some("po uzgodnieniu telefonicznym"));
    assert!(bad.opening_hours_error.unwrap().contains("po uzgodnieniu"));
    // Hours read after a correction: evaluated, the reading shown beside the raw text.
    let corrected = core.places().detail(5, t("2026-05-04T19:30:00Z")).unwrap(); // Monday 21:30 CEST
    assert_eq!(corrected.place.opening_hours.as_deref(), Some("pn-nd 7-21"));
    assert_eq!(corrected.opening_hours_reading.as_deref(), Some("Mo-Su 07:00-21:00"));
    assert_eq!((corrected.open_now, corrected.next_change), (Some(false), Some(t("2026-05-05T05:00:00Z"))));
    assert_eq!(core.places().detail(1, t("2026-05-04T08:00:00Z")).unwrap().opening_hours_reading, None, "read as written");
    // Sun times at the place (Siechnice, 4 May: sunrise about 05:10, sunset about 20:25 CEST).
    let sun = core.places().detail(10, t("2026-05-04T12:00:00Z")).unwrap();
    assert_eq!(sun.open_now, Some(true));
    let sunset = sun.next_change.unwrap().with_timezone(&mm_protocol::LOCAL_TZ);
    assert!(sunset.format("%H").to_string() == "20", "sunset at {sunset}");
    let none = core.places().detail(6, t("2026-05-04T08:00:00Z")).unwrap();
    assert_eq!((none.open_now, none.opening_hours_error), (None, None));
    assert_eq!(core.places().detail(999, t("2026-05-04T08:00:00Z")).unwrap_err().code(), "not_found");
}

#[tokio::test]
async fn nearest_search_and_bike_paths() {
    let dir = tempfile::tempdir().unwrap();
    let (core, _s) = synced_core(&dir).await;
    let centre = GeoPoint { lat: 51.0335, lon: 17.15 };
    let near = core.places().nearest(centre, 5, &PlaceFilter::default()).unwrap();
    assert_eq!(near.len(), 5);
    assert_eq!(near[0].id, 1);
    assert!(near[0].distance_m.unwrap() < 1.0);
    assert!(near.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
    // The embankment path at 51.030 is ~390 m south: by its closest point, not its ends.
    let path = core.places().nearest(centre, 20, &PlaceFilter { layers: Some(vec![Layer::BikePaths]), ..Default::default() }).unwrap();
    assert_eq!(path[0].id, 20);
    let d = path[0].distance_m.unwrap();
    assert!((d - 389.0).abs() < 5.0, "{d}");
    // Far away: the expanding search still finds the n nearest.
    let far = core.places().nearest(GeoPoint { lat: 52.2297, lon: 21.0122 }, 3, &PlaceFilter::default()).unwrap();
    assert_eq!(far.len(), 3);
    assert!(far[0].distance_m.unwrap() > 250_000.0);
    let step_free = PlaceFilter { needs: vec![AccessNeed::StepFree], ..Default::default() };
    let sf = core.places().nearest(centre, 100, &step_free).unwrap();
    assert_eq!(ids(&sf), vec![1, 3, 5, 7, 8]);

    let hits = core.places().search("swietej katarzyny", 10).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2]);
    assert_eq!(core.places().search("KOSCIOL sw", 10).unwrap()[0].id, 2);
    assert_eq!(core.places().search("bibliot", 10).unwrap()[0].id, 3, "prefix");
    assert_eq!(core.places().search("zabytek", 10).unwrap()[0].id, 2, "by category name");
    assert!(core.places().search("  \"( ", 10).unwrap().is_empty());

    let paths = core.places().bike_paths_in_box(town_box()).unwrap();
    assert_eq!(paths.iter().map(|p| p.id).collect::<Vec<_>>(), vec![20], "crosses the box with no vertex in it");
    // 0.1° of longitude at 51.03° N ≈ 7.0 km.
    assert!((paths[0].length_m - 6_996.0).abs() < 20.0, "{}", paths[0].length_m);
    let all = core.places().bike_paths_in_box(BoundingBox { min_lat: 51.0, min_lon: 17.0, max_lat: 51.1, max_lon: 17.3 }).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|p| p.length_m > 0.0));
    let trestno = all.iter().find(|p| p.id == 21).unwrap();
    assert_eq!(all[0].id, 21, "longest first");
    assert_eq!(core.places().detail(21, t("2026-05-04T08:00:00Z")).unwrap().length_m.map(|l| l.round()), Some(trestno.length_m.round()));
}

#[tokio::test]
async fn a_cards_point_is_the_place_or_where_its_line_starts_never_zero_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (core, _server) = synced_core(&dir).await;
    let at = t("2026-05-04T08:00:00Z");
    let path = core.places().detail(21, at).unwrap();
    assert_eq!(path.point, GeoPoint { lat: 51.060, lon: 17.100 }, "a bike path's card points where it starts");
    let point = core.places().detail(1, at).unwrap();
    assert_eq!(Some(point.point), point.place.geometry.anchor());
    assert_ne!(point.point, GeoPoint { lat: 0.0, lon: 0.0 });

    // A stored body that lost its points (damage: the store refuses such a
    // place) is an error, not a pin in the Gulf of Guinea.
    core.store
        .write(|tx| {
            tx.execute(
                "UPDATE place_bodies SET body = json_set(body, '$.geometry.points', json('[]')) WHERE id = 21",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(core.places().detail(21, at).unwrap_err().code(), "internal");
}

#[test]
fn deletes_and_updates_reach_the_index_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("mm.sqlite3")).unwrap();
    let now = t("2026-05-04T08:00:00Z");
    let p = parse_page(sync_page());
    store.write(|tx| crate::sync::apply_page(tx, &p, now)).unwrap();
    // The library moves out of the box and is renamed; the school is deleted.
    let moved = place(3, "infrastructure", "library", "Filia biblioteczna", 51.0700, 17.2500, json!({}));
    let p = parse_page(page(vec![upsert(101, "places", moved), delete(102, "places", "4")], "102", false));
    store.write(|tx| crate::sync::apply_page(tx, &p, now)).unwrap();
    let in_box = store.read(|c| store::in_box(c, &town_box(), &PlaceFilter::default())).unwrap();
    assert_eq!(ids(&in_box), vec![1, 5, 7, 8, 20]);
    assert!(store.read(|c| store::search(c, "biblioteka publiczna", 10)).unwrap().is_empty());
    assert_eq!(store.read(|c| store::search(c, "filia", 10)).unwrap()[0].id, 3);
    assert!(store.read(|c| store::search(c, "szkola", 10)).unwrap().is_empty());
    store.write(crate::sync::forget_synced).unwrap();
    assert_eq!(store.read(store::count).unwrap(), 0);
    assert!(store.read(|c| store::search(c, "filia", 10)).unwrap().is_empty());
}

/// The expanding R-tree search gives exactly the brute-force order.
#[test]
fn nearest_matches_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("mm.sqlite3")).unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let wheel = ["yes", "limited", "no", "unknown"];
    let mut changes = Vec::new();
    let mut points = Vec::new();
    for i in 1..=2_000i64 {
        let (lat, lon) = (51.0 + 0.1 * rnd(), 17.05 + 0.2 * rnd());
        let w = wheel[(rnd() * 4.0) as usize];
        points.push((i, GeoPoint { lat, lon }, w));
        changes.push(upsert(i as u64, "places", place(i, "infrastructure", "office", &format!("P{i}"), lat, lon, json!({"wheelchair": w}))));
    }
    let p = parse_page(page(changes, "2000", false));
    store.write(|tx| crate::sync::apply_page(tx, &p, t("2026-01-01T00:00:00Z"))).unwrap();
    let step_free = PlaceFilter { needs: vec![AccessNeed::StepFree], ..Default::default() };
    for _ in 0..30 {
        let from = GeoPoint { lat: 50.95 + 0.2 * rnd(), lon: 17.0 + 0.3 * rnd() };
        for (filter, only_yes) in [(PlaceFilter::default(), false), (step_free.clone(), true)] {
            let got = store.read(|c| store::nearest(c, from, 20, &filter)).unwrap();
            let mut want: Vec<(f64, i64)> = points
                .iter()
                .filter(|(_, _, w)| !only_yes || *w == "yes")
                .map(|(id, p, _)| (mm_protocol::reports::distance_m(from, *p), *id))
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<i64> = want.into_iter().take(20).map(|(_, id)| id).collect();
            assert_eq!(got.iter().map(|s| s.id).collect::<Vec<_>>(), want);
        }
    }
}

#[test]
fn needs_parse_both_spellings() {
    assert_eq!(AccessNeed::parse("step-free"), Some(AccessNeed::StepFree));
    assert_eq!(AccessNeed::parse("accessible_toilet"), Some(AccessNeed::AccessibleToilet));
    assert_eq!(AccessNeed::parse("ramp"), None);
    for n in AccessNeed::ALL {
        assert_eq!(AccessNeed::parse(n.as_str()), Some(n));
        assert_eq!(serde_json::to_value(n).unwrap(), json!(n.as_str()));
    }
}

/// The place card in words (from Android's `PlaceWords` and its tests in
/// `MapModelTest.kt`; iOS left out half of these lines).
#[tokio::test]
async fn the_card_reads_accessibility_in_words_unknown_as_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let (core, server) = synced_core(&dir).await;
    let tuesday10 = t("2027-01-05T09:00:00Z");
    let card: Vec<String> = core.places().card(1, tuesday10).unwrap().into_iter().map(|l| l.text).collect();
    assert_eq!(
        card,
        [
            "Urząd Miejski w Siechnicach",
            "Urząd gminy",
            "Otwarte teraz (dziś 07:30-15:30)",
            "Dostępne dla wózków",
            "Toaleta dla osób z niepełnosprawnościami: tak",
            "Stopnie przy wejściu: brak danych, podjazd: brak danych",
            "Pętla indukcyjna: tak",
            "Miejsca parkingowe dla osób z niepełnosprawnościami: 2",
            "Adres: ul. Jana Pawła II 12, 55-011 Siechnice",
        ]
    );
    let evening = core.places().card(1, t("2027-01-05T19:00:00Z")).unwrap();
    assert!(evening[2].text.starts_with("Teraz zamknięte (dziś "), "{evening:?}");

    let unknown = core.places().detail(6, tuesday10).unwrap();
    let texts: Vec<&str> = unknown.card.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.contains(&"Dostępność dla wózków: brak danych"), "{texts:?}");
    assert!(texts.contains(&"Godziny otwarcia: brak danych"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.starts_with("Ścieżka dotykowa")), "unknown aids are left out");

    let clinic = core.places().card(7, tuesday10).unwrap();
    let kinds: Vec<CardLineKind> = clinic.iter().map(|l| l.kind).collect();
    for k in [CardLineKind::TactilePaving, CardLineKind::Braille, CardLineKind::SignLanguage, CardLineKind::ChangingTable] {
        assert!(kinds.contains(&k), "known aids are read: {clinic:?}");
    }
    assert!(clinic.iter().any(|l| l.text == "Stopnie przy wejściu: brak danych, podjazd: tak"));

    let church = core.places().card(2, tuesday10).unwrap();
    let church: Vec<&str> = church.iter().map(|l| l.text.as_str()).collect();
    assert!(church.contains(&"Nr w rejestrze zabytków: A/1234/56") && church.contains(&"Okres: XIII w."));
    assert_eq!(church.last(), Some(&"Kościół parafialny w Świętej Katarzynie, wzmiankowany w 1257 r."));
    assert!(church.contains(&"Stopnie przy wejściu: 1, podjazd: brak danych"));

    // Hours written another way are shown with how the app read them;
    // hours it cannot read say so, never a guess.
    let toilets = core.places().detail(5, tuesday10).unwrap();
    let reading = toilets.card.iter().find(|l| l.kind == CardLineKind::HoursReading).expect("a reading line");
    assert_eq!(reading.text, format!("Godziny: pn-nd 7-21, czyli {}", toilets.opening_hours_reading.as_deref().unwrap()));
    let hall = core.places().card(8, tuesday10).unwrap();
    assert!(hall.iter().any(|l| l.kind == CardLineKind::HoursReading && l.text.contains("godziny nieznane")));

    let path = core.places().card(20, tuesday10).unwrap();
    assert_eq!(path[2].kind, CardLineKind::Length, "a bike path has no hours nor accessibility: {path:?}");
    assert_eq!(path.len(), 4, "name, category, length, description: {path:?}");

    // Rows and paths as one sentence each.
    let rows = core.places().in_box(town_box(), &PlaceFilter::default()).unwrap();
    let library = rows.iter().find(|p| p.id == 3).unwrap();
    assert_eq!(library.spoken_text, "Biblioteka Publiczna, Biblioteka, dostępność dla wózków: brak danych");
    let near = core.places().nearest(GeoPoint { lat: 51.0335, lon: 17.15 }, 1, &PlaceFilter::default()).unwrap();
    assert_eq!(near[0].spoken_text, "Urząd Miejski w Siechnicach, Urząd gminy, dostępne dla wózków, 0 m, ul. Jana Pawła II 12, 55-011 Siechnice");
    let paths = core.places().bike_paths_in_box(town_box()).unwrap();
    assert_eq!(paths[0].spoken_text, format!("Wał przeciwpowodziowy, ścieżka rowerowa, {}", paths[0].length_text));
    assert!(paths[0].length_text.ends_with(" km") && paths[0].length_text.contains(','), "{}", paths[0].length_text);
    drop(core);

    let english = Core::open(CoreConfig {
        data_dir: dir.path().join("data"),
        gmina: Some(crate::testing::siechnice()),
        server_url: Some(server.url.clone()),
        platform: Platform::Cli,
        app_version: "1.0.0".into(),
        locale: Some("en-GB".into()),
    })
    .unwrap();
    let card = english.places().card(1, tuesday10).unwrap();
    assert_eq!(card[2].text, "Open now (today 07:30-15:30)");
    assert_eq!(card[3].text, "Wheelchair accessible");
}

/// "Zgłoś barierę" from the card: the core picks the category and fills in
/// the pin, the description and the address (both shells did it by hand).
#[tokio::test]
async fn a_barrier_report_starts_from_a_places_card() {
    let dir = tempfile::tempdir().unwrap();
    let (core, _server) = synced_core(&dir).await;
    let d = core.reports().start_barrier_report(1).unwrap();
    assert_eq!(d.category, crate::BARRIER_CATEGORY);
    assert_eq!(d.point, Some(GeoPoint { lat: 51.0335, lon: 17.15 }));
    assert_eq!((d.location_source, d.accuracy_m), (mm_protocol::reports::LocationSource::Pin, None));
    assert_eq!(d.description, "Urząd Miejski w Siechnicach");
    assert_eq!(d.address.as_deref(), Some("ul. Jana Pawła II 12, 55-011 Siechnice"));
    assert_eq!(d.resume_step(), crate::ReportStep::Review);
    let no_address = core.reports().start_barrier_report(6).unwrap();
    assert_eq!(no_address.address.as_deref(), Some("Stawy w Kotowicach"), "the name when there is no address");
    assert_eq!(core.reports().start_barrier_report(-1).unwrap_err().code(), "not_found");
    assert_eq!(core.reports().drafts().unwrap().len(), 2, "nothing left behind by the failed one");
}
