//! The map's places (issue 7): CRUD with roles, audit and sync publication;
//! the RFC 7946 GeoJSON export checked by an independent parser (`geojson`)
//! and its filters; the OpenStreetMap import of the extract we ship; the
//! Siechnice demo places.

use crate::common;

use std::collections::BTreeSet;
use std::str::FromStr;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use common::TestApp;
use geo::{Contains, Coord, LineString, Point, Polygon};
use mm_protocol::LOCAL_TZ;
use mm_protocol::auth::Role;
use mm_protocol::places::{Layer, Place, PlaceGeometry, Wheelchair};
use mm_protocol::validation::Validate;
use mm_server::demo::places::siechnice_places;
use serde_json::{Value, json};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/siechnice-sample.osm");

fn place_input(name: &str) -> Value {
    json!({
        "layer": "infrastructure",
        "category": "toilets",
        "name": name,
        "geometry": {"type": "point", "point": {"lat": 51.0318, "lon": 17.1515}},
        "opening_hours": "24/7",
        "accessibility": {
            "wheelchair": "yes",
            "toilets_wheelchair": "yes",
            "notes": {"wheelchair:description:pl": "Bez progów."}
        },
        "extra_tags": {"fee": "no"}
    })
}

async fn demo(t: &TestApp) {
    mm_server::demo::load(t.store.as_ref(), Utc::now()).await.unwrap();
}

fn boundary() -> Polygon<f64> {
    let today = Utc::now().with_timezone(&LOCAL_TZ).date_naive();
    let b = mm_server::demo::siechnice(today).gmina.boundary;
    let ring = |r: &Vec<[f64; 2]>| LineString::new(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
    Polygon::new(ring(&b.rings[0]), vec![])
}

async fn places(t: &TestApp, query: &str) -> Vec<Place> {
    let r = t.get(&format!("/api/v1/places{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    serde_json::from_slice(&r.bytes).unwrap()
}

/// The sync changes after `cursor`.
async fn changes_since(t: &TestApp, cursor: u64) -> Vec<Value> {
    let r = t.get(&format!("/api/v1/sync?cursor={cursor}&limit=2000")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["changes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn officials_manage_places_with_audit_and_sync() {
    let t = TestApp::new().await;
    let editor = t.official(Role::Editor).await;
    let admin = t.official(Role::Admin).await;
    let dispatcher = t.official(Role::Dispatcher).await;

    // Roles: nobody, then a dispatcher, may not create; nothing changes.
    let (seq0, audit0) = (t.max_seq(), t.audit_len().await);
    let r = t.call("POST", "/api/v1/places", None, Some(place_input("Toaleta"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t.call("POST", "/api/v1/places", Some(&dispatcher), Some(place_input("Toaleta"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!((t.max_seq(), t.audit_len().await), (seq0, audit0));

    // Bad input: 400 naming the field, nothing stored.
    let mut bad = place_input("Toaleta");
    bad["geometry"] = json!({"type": "line", "points": [{"lat": 51.03, "lon": 17.15}]});
    let r = t.call("POST", "/api/v1/places", Some(&editor), Some(bad)).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_field".into()));
    assert_eq!(r.json()["field"], "geometry.points");
    let mut bad = place_input("Toaleta");
    bad["surprise"] = json!(true);
    let r = t.call("POST", "/api/v1/places", Some(&editor), Some(bad)).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "malformed_json".into()));
    let r = t.call("POST", "/api/v1/places", Some(&editor), Some(place_input(" "))).await;
    assert_eq!(r.json()["field"], "name");
    assert_eq!((t.max_seq(), t.audit_len().await), (seq0, audit0));

    // Create (editor): published to sync and audited.
    let r = t.call("POST", "/api/v1/places", Some(&editor), Some(place_input("Toaleta w parku"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created: Place = serde_json::from_slice(&r.bytes).unwrap();
    assert_eq!(created.accessibility.wheelchair, Wheelchair::Yes);
    assert_eq!(created.accessibility.hearing_loop, mm_protocol::places::Tri::Unknown, "not given: unknown");
    assert_eq!(t.max_seq(), seq0 + 1);
    assert_eq!(t.audit_len().await, audit0 + 1);
    let ch = changes_since(&t, seq0).await;
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0]["op"], "upsert");
    assert_eq!(ch[0]["item"]["collection"], "places");
    assert_eq!(ch[0]["item"]["data"]["id"], created.id);
    assert_eq!(ch[0]["item"]["data"]["accessibility"]["notes"]["wheelchair:description:pl"], "Bez progów.");

    // Read back.
    let r = t.get(&format!("/api/v1/places/{}", created.id)).await;
    assert_eq!(serde_json::from_slice::<Place>(&r.bytes).unwrap(), created);
    assert_eq!(places(&t, "?category=toilets").await.len(), 1);
    assert_eq!(places(&t, "?layer=monuments").await.len(), 0);
    let r = t.get("/api/v1/places?layer=castles").await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_query".into()));

    // Update (admin).
    let mut input = place_input("Toaleta publiczna w parku");
    input["osm_id"] = json!("node/77");
    let r = t.call("PUT", &format!("/api/v1/places/{}", created.id), Some(&admin), Some(input)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["name"], "Toaleta publiczna w parku");
    assert_eq!(t.max_seq(), seq0 + 2);
    let r = t.call("PUT", "/api/v1/places/99999", Some(&admin), Some(place_input("x"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The OSM id is unique.
    let mut dup = place_input("Druga");
    dup["osm_id"] = json!("node/77");
    let r = t.call("POST", "/api/v1/places", Some(&editor), Some(dup)).await;
    assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "conflict".into()));
    assert_eq!(t.max_seq(), seq0 + 2);

    // Delete: a tombstone, audited; then 404.
    let r = t.call("DELETE", &format!("/api/v1/places/{}", created.id), Some(&dispatcher), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.call("DELETE", &format!("/api/v1/places/{}", created.id), Some(&editor), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let ch = changes_since(&t, seq0 + 2).await;
    assert_eq!(ch, vec![json!({"op": "delete", "seq": seq0 + 3, "collection": "places", "id": created.id.to_string()})]);
    let actions: Vec<String> = {
        t.store.list_audit(10).await.unwrap().into_iter().map(|e| e.action).collect()
    };
    assert_eq!(&actions[..3], ["place.delete", "place.update", "place.create"]);
    assert_eq!(t.get(&format!("/api/v1/places/{}", created.id)).await.status, StatusCode::NOT_FOUND);
}

fn geojson_of(r: &common::Resp) -> geojson::FeatureCollection {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/geo+json");
    match geojson::GeoJson::from_str(&r.text()).expect("valid GeoJSON") {
        geojson::GeoJson::FeatureCollection(fc) => fc,
        other => panic!("not a FeatureCollection: {other:?}"),
    }
}

fn in_gmina_range(p: &geojson::Position) {
    assert_eq!(p.len(), 2, "positions are [lon, lat]");
    let (lon, lat) = (p[0], p[1]);
    assert!((16.9..=17.4).contains(&lon), "longitude first: {lon}");
    assert!((50.9..=51.2).contains(&lat), "latitude second: {lat}");
}

fn ids(fc: &geojson::FeatureCollection) -> BTreeSet<i64> {
    fc.features
        .iter()
        .map(|f| match f.id.as_ref().expect("every feature has an id") {
            geojson::feature::Id::Number(n) => n.as_i64().unwrap(),
            geojson::feature::Id::String(s) => panic!("id should be the numeric place id, got {s}"),
        })
        .collect()
}

fn prop<'a>(f: &'a geojson::Feature, k: &str) -> Option<&'a str> {
    f.properties.as_ref()?.get(k)?.as_str()
}

#[tokio::test]
async fn geojson_is_rfc7946_and_filters_give_the_expected_subsets() {
    let t = TestApp::new().await;
    demo(&t).await;
    let all = places(&t, "").await;
    assert!(all.len() >= 60);

    let fc = geojson_of(&t.get("/api/v1/map/places.geojson").await);
    assert_eq!(fc.features.len(), all.len());
    assert_eq!(ids(&fc), all.iter().map(|p| p.id).collect());
    for f in &fc.features {
        let g = f.geometry.as_ref().expect("geometry");
        match &g.value {
            geojson::GeometryValue::Point { coordinates } => in_gmina_range(coordinates),
            geojson::GeometryValue::LineString { coordinates } => {
                assert!(coordinates.len() >= 2);
                coordinates.iter().for_each(in_gmina_range);
            }
            geojson::GeometryValue::Polygon { coordinates } => {
                for ring in coordinates {
                    assert!(ring.len() >= 4 && ring.first() == ring.last(), "rings are closed");
                    ring.iter().for_each(in_gmina_range);
                }
            }
            other => panic!("unexpected geometry {}", other.type_name()),
        }
        for k in ["name", "category", "layer"] {
            assert!(prop(f, k).is_some_and(|v| !v.is_empty()), "property {k}");
        }
    }
    // The geometry matches the place's own coordinates, in [lon, lat] order.
    let town_hall = all.iter().find(|p| p.category == "town_hall").unwrap();
    let f = fc.features.iter().find(|f| f.id == Some(geojson::feature::Id::Number(town_hall.id.into()))).unwrap();
    let PlaceGeometry::Point { point } = town_hall.geometry else { panic!() };
    assert_eq!(
        f.geometry.as_ref().unwrap().value,
        geojson::GeometryValue::new_point([point.lon, point.lat])
    );
    // OSM-style keys from to_osm_tags, plus our fields.
    assert_eq!(prop(f, "wheelchair"), Some("yes"));
    assert_eq!(prop(f, "toilets:wheelchair"), Some("yes"));
    assert_eq!(prop(f, "hearing_loop"), Some("yes"));
    assert_eq!(prop(f, "opening_hours"), town_hall.opening_hours.as_deref());
    assert!(prop(f, "wheelchair:description:pl").is_some());
    // Unknown is no tag, as in OSM.
    let unknown = all.iter().find(|p| p.accessibility.wheelchair == Wheelchair::Unknown).expect("some unknown");
    let f = fc.features.iter().find(|f| f.id == Some(geojson::feature::Id::Number(unknown.id.into()))).unwrap();
    assert_eq!(prop(f, "wheelchair"), None);

    // layer
    let fc = geojson_of(&t.get("/api/v1/map/places.geojson?layer=bike_paths").await);
    assert_eq!(fc.features.len(), 3);
    assert!(fc.features.iter().all(|f| matches!(
        f.geometry.as_ref().unwrap().value,
        geojson::GeometryValue::LineString { .. }
    )));
    // category
    let expected: BTreeSet<i64> = all.iter().filter(|p| p.category == "toilets").map(|p| p.id).collect();
    assert!(expected.len() >= 3);
    assert_eq!(ids(&geojson_of(&t.get("/api/v1/map/places.geojson?category=toilets").await)), expected);
    // wheelchair
    let expected: BTreeSet<i64> = all
        .iter()
        .filter(|p| matches!(p.accessibility.wheelchair, Wheelchair::Yes | Wheelchair::Limited))
        .map(|p| p.id)
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    let fc = geojson_of(&t.get("/api/v1/map/places.geojson?wheelchair=yes,limited").await);
    assert_eq!(ids(&fc), expected);
    assert!(fc.features.iter().all(|f| matches!(prop(f, "wheelchair"), Some("yes" | "limited"))));
    let unknown: BTreeSet<i64> =
        all.iter().filter(|p| p.accessibility.wheelchair == Wheelchair::Unknown).map(|p| p.id).collect();
    assert_eq!(ids(&geojson_of(&t.get("/api/v1/map/places.geojson?wheelchair=unknown").await)), unknown);
    // Combined: layer and wheelchair.
    let expected: BTreeSet<i64> = all
        .iter()
        .filter(|p| p.layer == Layer::Infrastructure && p.accessibility.wheelchair == Wheelchair::No)
        .map(|p| p.id)
        .collect();
    assert!(!expected.is_empty());
    let fc = geojson_of(&t.get("/api/v1/map/places.geojson?layer=infrastructure&wheelchair=no").await);
    assert_eq!(ids(&fc), expected);

    // bbox around Kotowice station: the points in it (edges included) and
    // the Oder loop, which starts there.
    let (min_lon, min_lat, max_lon, max_lat) = (17.21, 51.02, 17.22, 51.03);
    let in_box = |lat: f64, lon: f64| (min_lon..=max_lon).contains(&lon) && (min_lat..=max_lat).contains(&lat);
    let expected: BTreeSet<i64> = all
        .iter()
        .filter(|p| p.geometry.points().iter().any(|q| in_box(q.lat, q.lon)))
        .map(|p| p.id)
        .collect();
    assert!(expected.len() >= 3, "{expected:?}");
    let fc = geojson_of(&t.get(&format!("/api/v1/map/places.geojson?bbox={min_lon},{min_lat},{max_lon},{max_lat}")).await);
    assert_eq!(ids(&fc), expected);
    // A box that a bike path crosses between two vertices, with no vertex in it.
    let crossing = all.iter().find(|p| p.name.starts_with("Trasa rowerowa Siechnice")).unwrap();
    let fc = geojson_of(&t.get("/api/v1/map/places.geojson?bbox=17.147,51.038,17.149,51.040").await);
    assert!(ids(&fc).contains(&crossing.id), "a line crossing the box is in it");
    assert!(!crossing.geometry.points().iter().any(|q| (17.147..=17.149).contains(&q.lon) && (51.038..=51.040).contains(&q.lat)));
    // Far away: nothing.
    let fc = geojson_of(&t.get("/api/v1/map/places.geojson?bbox=20,52,20.1,52.1").await);
    assert!(fc.features.is_empty());

    // Bad queries: 400 invalid_query, naming the parameter.
    for (q, field) in [
        ("bbox=17.1,51.0,17.2", "bbox"),
        ("bbox=17.2,51.0,17.1,51.1", "bbox"),
        ("bbox=17.1,51.1,17.2,51.0", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=17.1,51.0,17.2,51.1,3", "bbox"),
        ("bbox=17.1,95,17.2,96", "bbox"),
        ("wheelchair=maybe", "wheelchair"),
        ("layer=castles", "layer"),
        ("category=Town%20Hall", "category"),
    ] {
        let r = t.get(&format!("/api/v1/map/places.geojson?{q}")).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_query".into()), "{q}");
        assert_eq!(r.json()["field"], field, "{q}");
    }
}

async fn import(t: &TestApp, token: &str, body: Vec<u8>) -> common::Resp {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/places/import")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/xml")
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

fn by_osm<'a>(all: &'a [Place], id: &str) -> &'a Place {
    all.iter().find(|p| p.osm_id.as_deref() == Some(id)).unwrap_or_else(|| panic!("{id} imported"))
}

#[tokio::test]
async fn osm_import_maps_tags_is_idempotent_and_reports_skips() {
    let t = TestApp::new().await;
    demo(&t).await; // the gmina boundary
    let admin = t.official(Role::Admin).await;
    let editor = t.official(Role::Editor).await;
    let sample = std::fs::read(SAMPLE).unwrap();
    let before = places(&t, "").await.len();

    let r = import(&t, &editor, sample.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "admins only");

    let r = import(&t, &admin, sample.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert_eq!(report["created"], 9, "{report}");
    assert_eq!(report["updated"], 0);
    let skipped: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["element"].as_str().unwrap().to_owned(), s["reason"].as_str().unwrap().to_owned()))
        .collect();
    let reason = |el: &str| skipped.iter().find(|(e, _)| e == el).map(|(_, r)| r.clone()).unwrap_or_default();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert!(reason("node/1007").contains("no tag"), "{skipped:?}");
    assert!(reason("node/1008").contains("outside the gmina"), "{skipped:?}");
    assert!(reason("way/2003").contains("missing"), "{skipped:?}");
    assert!(reason("relation/4001").contains("relations"), "{skipped:?}");

    let all = places(&t, "").await;
    assert_eq!(all.len(), before + 9);
    // Tags mapped.
    let th = by_osm(&all, "node/1001");
    assert_eq!((th.layer, th.category.as_str()), (Layer::Infrastructure, "town_hall"));
    assert_eq!(th.name, "Urząd Miejski w Siechnicach");
    assert_eq!(th.address.as_deref(), Some("Jana Pawła II 12, 55-011 Siechnice"));
    assert_eq!(th.opening_hours.as_deref(), Some("Mo 07:30-17:00; Tu-Th 07:30-15:30; Fr 07:30-14:00; PH off"));
    assert_eq!(th.contact.website.as_deref(), Some("https://www.umsiechnice.pl"));
    let a = &th.accessibility;
    assert_eq!(a.wheelchair, Wheelchair::Yes);
    assert_eq!(a.toilets_wheelchair, mm_protocol::places::Tri::Yes);
    assert_eq!(a.entrance_step_count, Some(0));
    assert_eq!(a.hearing_loop, mm_protocol::places::Tri::Yes);
    assert_eq!(a.braille, mm_protocol::places::Tri::Unknown, "missing tag: unknown");
    assert_eq!(a.notes["wheelchair:description:pl"], "Winda na piętro.");
    assert_eq!(th.extra_tags.get("check_date").map(String::as_str), Some("2024-05-01"), "unknown tag kept");
    assert!(!th.extra_tags.contains_key("wheelchair") && !th.extra_tags.contains_key("name"));
    let wc = by_osm(&all, "node/1002");
    assert_eq!((wc.category.as_str(), wc.name.as_str()), ("toilets", "Toaleta publiczna"));
    assert_eq!(wc.accessibility.wheelchair, Wheelchair::Limited);
    assert_eq!(wc.accessibility.changing_table, mm_protocol::places::Tri::Yes);
    assert_eq!(wc.extra_tags.get("fee").map(String::as_str), Some("no"));
    assert_eq!(wc.extra_tags.get("toilets:disposal").map(String::as_str), Some("flush"));
    let ev = by_osm(&all, "node/1003");
    assert_eq!(ev.category, "ev_charger");
    assert_eq!(ev.accessibility.wheelchair, Wheelchair::Unknown);
    assert_eq!(by_osm(&all, "node/1004").category, "playground");
    let church = by_osm(&all, "node/1005");
    assert_eq!((church.layer, church.category.as_str()), (Layer::Monuments, "monument"));
    let m = church.monument.as_ref().unwrap();
    assert_eq!((m.register_number.as_deref(), m.period.as_deref()), (Some("A/0000/TEST"), Some("1257")));
    assert_eq!(church.accessibility.ramp, mm_protocol::places::Tri::No);
    assert_eq!(by_osm(&all, "node/1006").layer, Layer::Attractions);
    assert_eq!(by_osm(&all, "node/1009").accessibility.disabled_parking_spaces, Some(4));
    let path = by_osm(&all, "way/2001");
    assert_eq!((path.layer, path.category.as_str()), (Layer::BikePaths, "bike_path"));
    let PlaceGeometry::Line { points } = &path.geometry else { panic!("a bike path is a line") };
    assert_eq!(points.len(), 4);
    assert_eq!((points[0].lat, points[0].lon), (51.0335, 17.15));
    let school = by_osm(&all, "way/2002");
    assert_eq!(school.category, "school");
    let PlaceGeometry::Point { point } = school.geometry else { panic!("a building becomes a point") };
    assert!((point.lat - 51.0363).abs() < 1e-6 && (point.lon - 17.1455).abs() < 1e-6, "centroid {point:?}");
    assert_eq!(school.extra_tags.get("tactile_paving").map(String::as_str), Some("incorrect"), "unmappable value kept");
    assert_eq!(school.accessibility.tactile_paving, mm_protocol::places::Tri::Unknown);

    // Re-import: nothing changes, not even the sync sequence.
    let seq = t.max_seq();
    let r = import(&t, &admin, sample.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    let report = r.json();
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64(), report["unchanged"].as_u64()), (Some(0), Some(0), Some(9)));
    assert_eq!(t.max_seq(), seq);
    assert_eq!(places(&t, "").await, all);

    // A changed element updates its place, in place.
    let changed = String::from_utf8(sample).unwrap().replace("Widok na Odrę", "Widok na Odrę z wału");
    let report = import(&t, &admin, changed.into_bytes()).await.json();
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64()), (Some(0), Some(1)));
    assert_eq!(t.max_seq(), seq + 1);
    let all = places(&t, "").await;
    assert_eq!(by_osm(&all, "node/1006").name, "Widok na Odrę z wału");

    // Malformed input: 400 with a clear message, nothing changes.
    let seq = t.max_seq();
    for (body, says) in [
        (&b"<osm version=\"0.6\"><node id=\"1\" lat=\"51\" lon=\"17\">"[..], "Malformed OSM XML"),
        (b"<gpx></gpx>", "<osm>"),
        (b"<osm><node id=\"5\" lat=\"x\" lon=\"17\"/></osm>", "lat/lon"),
        (b"PK\x03\x04 zip", "Expected an OSM XML"),
        (b"{\"type\": \"FeatureCollection\", ", "Malformed GeoJSON"),
    ] {
        let r = import(&t, &admin, body.to_vec()).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_field".into()), "{}", r.text());
        let en = r.json()["message"]["en"].as_str().unwrap().to_owned();
        assert!(en.contains(says), "{en}");
        assert!(!r.json()["message"]["pl"].as_str().unwrap().is_empty());
    }
    assert_eq!(t.max_seq(), seq);

    // GeoJSON (as overpass-turbo exports it) goes the same way.
    let gj = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "node/5001", "geometry": {"type": "Point", "coordinates": [17.1500, 51.0340]},
         "properties": {"amenity": "toilets", "wheelchair": "yes", "fee": "no"}},
        {"type": "Feature", "id": "node/5002", "geometry": {"type": "Point", "coordinates": [17.1510, 51.0341]},
         "properties": {"amenity": "library", "name": "Filia biblioteki", "opening_hours": "pn-pt 8-16; sob 9-13"}},
        {"type": "Feature", "id": "node/5003", "geometry": {"type": "Point", "coordinates": [17.1520, 51.0342]},
         "properties": {"amenity": "townhall", "name": "Punkt konsultacyjny", "opening_hours": "po uzgodnieniu telefonicznym"}},
        {"type": "Feature", "id": "node/5004", "geometry": {"type": "Point", "coordinates": [17.1530, 51.0343]},
         "properties": {"amenity": "clinic", "name": "Gabinet", "opening_hours": "Mo-Fr 08:00-18:00; Dec 24 08:00-12:00; PH off"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [17.15, 51.034]},
         "properties": {"amenity": "toilets"}}
    ]});
    let report = import(&t, &admin, gj.to_string().into_bytes()).await.json();
    assert_eq!(report["created"], 4, "{report}");
    assert_eq!(report["skipped"][0]["element"], "feature/4");
    // Opening hours: all kept as written; one read after a correction, one unreadable.
    assert_eq!((report["opening_hours"].as_u64(), report["opening_hours_corrected"].as_u64()), (Some(3), Some(1)), "{report}");
    let unread = report["opening_hours_unread"].as_array().unwrap();
    assert_eq!(unread.len(), 1, "{report}");
    assert_eq!((unread[0]["element"].as_str(), unread[0]["value"].as_str()), (Some("node/5003"), Some("po uzgodnieniu telefonicznym")));
    let all_now = places(&t, "").await;
    assert_eq!(by_osm(&all_now, "node/5002").opening_hours.as_deref(), Some("pn-pt 8-16; sob 9-13"), "kept as written");
    assert_eq!(by_osm(&all_now, "node/5003").opening_hours.as_deref(), Some("po uzgodnieniu telefonicznym"), "kept as text");
    let all = places(&t, "").await;
    let p = by_osm(&all, "node/5001");
    assert_eq!((p.accessibility.wheelchair, p.extra_tags["fee"].as_str()), (Wheelchair::Yes, "no"));
    let PlaceGeometry::Point { point } = p.geometry else { panic!() };
    assert_eq!((point.lat, point.lon), (51.034, 17.15), "GeoJSON [lon, lat] read in order");
}

#[test]
fn cli_import_reports_and_rejects_malformed_files() {
    let dir = tempfile::tempdir().unwrap();
    // The boundary comes from the demo gmina.
    let guard = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let (store, guard) = common::backend::open_store(dir.path()).await;
            mm_server::demo::load(store.as_ref(), Utc::now()).await.unwrap();
            guard
        })
    };
    let bin = env!("CARGO_BIN_EXE_mm-server");
    let run = |file: &str| {
        let mut command = std::process::Command::new(bin);
        guard.point_at_database(&mut command);
        command
            .args(["places", "import", file, "--data-dir"])
            .arg(dir.path())
            .env("MM_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(SAMPLE);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("created 9, updated 0, unchanged 0, skipped 4"), "{stdout}");
    assert!(stdout.contains("skipped node/1008: outside the gmina boundary"), "{stdout}");
    assert!(stdout.contains("opening_hours: 1 values, 0 read after a correction, 0 unreadable"), "{stdout}");
    let out = run(SAMPLE);
    assert!(String::from_utf8_lossy(&out.stdout).contains("created 0, updated 0, unchanged 9"));

    let bad = dir.path().join("bad.osm");
    std::fs::write(&bad, "<osm><node id=\"1\"").unwrap();
    let out = run(bad.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Malformed OSM XML"), "{stderr}");
}

#[test]
fn demo_places_cover_every_layer_inside_the_gmina() {
    let places = siechnice_places();
    assert!(places.len() >= 60, "{}", places.len());
    for p in &places {
        p.validate().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(p.description_pl.contains("przybliżone"), "{}: says it is approximate", p.name);
    }
    let count = |l: Layer| places.iter().filter(|p| p.layer == l).count();
    assert!(count(Layer::Monuments) + count(Layer::Attractions) >= 8);
    assert!(count(Layer::Monuments) >= 1 && count(Layer::Attractions) >= 1);
    let bike: Vec<_> = places.iter().filter(|p| p.layer == Layer::BikePaths).collect();
    assert_eq!(bike.len(), 3);
    assert!(bike.iter().all(|p| matches!(&p.geometry, PlaceGeometry::Line { points } if points.len() >= 2)));
    for name in ["Szlak Odry", "Blizanowice", "Blue Velo"] {
        assert!(bike.iter().any(|p| p.name.contains(name)), "{name}");
    }
    for cat in [
        "town_hall", "office", "school", "kindergarten", "library", "health_centre", "sports", "playground", "toilets",
        "parking", "ev_charger", "waste_point",
    ] {
        assert!(places.iter().any(|p| p.category == cat), "{cat}");
    }
    for sight in ["Czechnica", "Osiedle robotnicze", "św. Katarzyny", "Bogusławicach", "Kościół w Trestnie", "ewangelicki", "Mokry Dwór", "Stawy rybne"] {
        assert!(
            places.iter().any(|p| matches!(p.layer, Layer::Monuments | Layer::Attractions) && p.name.contains(sight)),
            "{sight}"
        );
    }
    // Realistic accessibility: every value occurs, unknown included.
    for w in [Wheelchair::Yes, Wheelchair::Limited, Wheelchair::No, Wheelchair::Unknown] {
        assert!(places.iter().any(|p| p.accessibility.wheelchair == w), "{w:?}");
    }
    assert!(places.iter().any(|p| p.opening_hours.as_deref() == Some("24/7")));
    let b = boundary();
    for p in &places {
        for q in p.geometry.points() {
            assert!(b.contains(&Point::new(q.lon, q.lat)), "{} at {q:?} is outside the gmina", p.name);
        }
    }
}

#[tokio::test]
async fn demo_loads_places_once_and_syncs_them() {
    let t = TestApp::new().await;
    demo(&t).await;
    let all = places(&t, "").await;
    assert_eq!(all.len(), siechnice_places().len());
    let ch = changes_since(&t, 0).await;
    assert_eq!(ch.iter().filter(|c| c["item"]["collection"] == "places").count(), all.len());
    let seq = t.max_seq();
    demo(&t).await;
    assert_eq!(t.max_seq(), seq, "loaded once");
    assert_eq!(places(&t, "?layer=bike_paths").await.len(), 3);
}
