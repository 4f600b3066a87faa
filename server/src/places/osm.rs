//! Import of an OpenStreetMap extract (`.osm` XML, API 0.6 format, or
//! GeoJSON as overpass-turbo exports it) into places.
//!
//! Pure: bytes in, places and skip reasons out; the store upserts them by
//! OSM id. Mapping (OSM wiki, Map Features):
//! - `amenity=townhall` → town_hall; `office=government` → office;
//!   `amenity=school|kindergarten|library`; `amenity=doctors|clinic|hospital`
//!   → health_centre; `amenity=toilets|parking`; `amenity=charging_station`
//!   → ev_charger; `amenity=recycling` + `recycling_type=centre` and
//!   `amenity=waste_transfer_station` → waste_point;
//! - `leisure=playground`; `leisure=sports_centre|pitch|stadium|swimming_pool`
//!   → sports;
//! - `historic=*`, `heritage=*`, `ref:zabytek`, `heritage:ref` → monument
//!   (register number from `ref:zabytek`, else `heritage:ref`; period from
//!   `start_date`); infrastructure wins the layer when both apply (a school
//!   in a listed building is still a school), the register number is kept;
//! - `tourism=attraction|museum|viewpoint` → attraction;
//! - `highway=cycleway`, `route=bicycle`, `highway=path|track` with
//!   `bicycle=designated` → bike_path, a line (ways only);
//! - other ways become points at their centroid.
//!
//! Every tag that is not mapped to a field stays in `extra_tags` (the
//! feature tag too, e.g. `amenity=toilets`, and `historic=church`), so
//! nothing is lost and an export writes the element back whole.
//!
//! `opening_hours` is kept as written, whatever it says; the import report
//! counts the values read only after a correction and lists those that
//! cannot be read (the app shows them as text, hours unknown).

use std::collections::{BTreeMap, HashMap};

use geo::{Centroid, Contains, Coord, LineString, Point, Polygon};
use mm_protocol::geo::GeoPoint;
use mm_protocol::opening_hours::OpeningHours;
use mm_protocol::places::{
    Accessibility, ImportSkip, Layer, Monument, PlaceContact, PlaceGeometry, PlaceImportReport, PlaceInput, UnreadHours,
    is_osm_id,
};
use mm_protocol::validation::Validate;

/// The input could not be read at all: nothing is imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{en}")]
pub struct MalformedInput {
    pub pl: String,
    pub en: String,
}

fn malformed(pl: impl Into<String>, en: impl Into<String>) -> MalformedInput {
    MalformedInput { pl: pl.into(), en: en.into() }
}

/// What an extract yields: places to upsert and what was left out, why.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub places: Vec<PlaceInput>,
    pub skipped: Vec<ImportSkip>,
    /// How the places' `opening_hours` read (for the import report).
    pub hours: HoursCount,
}

/// The `opening_hours` values of an import, as the app will read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoursCount {
    pub values: u32,
    /// Read only after a case or format correction.
    pub corrected: u32,
    /// Not readable: kept as text, "hours unknown".
    pub unread: Vec<UnreadHours>,
}

impl HoursCount {
    /// Counts one imported place's value.
    fn count(&mut self, element: &str, value: Option<&str>) {
        let Some(value) = value else { return };
        self.values += 1;
        match OpeningHours::parse(value) {
            Ok(h) if h.reading().is_some() => self.corrected += 1,
            Ok(_) => {}
            Err(e) => self.unread.push(UnreadHours {
                element: element.to_string(),
                value: value.to_string(),
                reason: e.to_string(),
            }),
        }
    }

    /// Into the import report.
    pub fn report(self, report: &mut PlaceImportReport) {
        report.opening_hours = self.values;
        report.opening_hours_corrected = self.corrected;
        report.opening_hours_unread = self.unread;
    }
}

/// One OSM element with its tags and coordinates, whatever the format.
struct Element {
    id: String,
    tags: BTreeMap<String, String>,
    shape: Shape,
}

enum Shape {
    Point(GeoPoint),
    /// A way's or LineString's vertices; `closed` for areas.
    Path { points: Vec<GeoPoint>, closed: bool },
    /// Could not be placed (why).
    Broken(String),
}

/// Parses `.osm` XML or GeoJSON (told apart by the first character) and
/// maps it; `boundary` (the gmina's, `[lon, lat]` rings) leaves out what lies
/// outside it.
pub fn parse(bytes: &[u8], boundary: Option<&Polygon<f64>>) -> Result<Parsed, MalformedInput> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| malformed("Plik nie jest tekstem UTF-8.", "The file is not UTF-8 text."))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let elements = match trimmed.chars().next() {
        Some('<') => parse_xml(trimmed)?,
        Some('{') => parse_geojson(trimmed)?,
        _ => {
            return Err(malformed(
                "Oczekiwano pliku OSM XML (.osm) albo GeoJSON.",
                "Expected an OSM XML (.osm) or GeoJSON file.",
            ));
        }
    };
    let mut out = Parsed::default();
    for e in elements {
        match map(&e, boundary) {
            Ok(p) => {
                // Kept whatever its hours: an unreadable value stays as text.
                out.hours.count(&e.id, p.opening_hours.as_deref());
                out.places.push(p)
            }
            Err(reason) => out.skipped.push(ImportSkip { element: e.id.clone(), reason }),
        }
    }
    Ok(out)
}

fn parse_xml(text: &str) -> Result<Vec<Element>, MalformedInput> {
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        malformed(format!("Nieprawidłowy plik OSM XML: {e}."), format!("Malformed OSM XML: {e}."))
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "osm" {
        return Err(malformed(
            format!("Element główny to <{}>, a plik OSM zaczyna się od <osm>.", root.tag_name().name()),
            format!("The root element is <{}>; an OSM file has <osm>.", root.tag_name().name()),
        ));
    }
    let tags_of = |n: roxmltree::Node<'_, '_>| -> BTreeMap<String, String> {
        n.children()
            .filter(|c| c.has_tag_name("tag"))
            .filter_map(|t| Some((t.attribute("k")?.to_string(), t.attribute("v")?.to_string())))
            .collect()
    };
    let mut nodes: HashMap<&str, GeoPoint> = HashMap::new();
    let mut elements = Vec::new();
    for n in root.children().filter(|n| n.has_tag_name("node")) {
        let id = n.attribute("id").ok_or_else(|| malformed("Węzeł bez atrybutu id.", "A <node> without an id."))?;
        let coord = |a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
        let (Some(lat), Some(lon)) = (coord("lat"), coord("lon")) else {
            return Err(malformed(
                format!("Węzeł {id} nie ma poprawnych lat/lon."),
                format!("Node {id} has no valid lat/lon."),
            ));
        };
        let point = GeoPoint { lat, lon };
        nodes.insert(id, point);
        let tags = tags_of(n);
        if !tags.is_empty() {
            elements.push(Element { id: format!("node/{id}"), tags, shape: Shape::Point(point) });
        }
    }
    for w in root.children().filter(|n| n.has_tag_name("way")) {
        let id = w.attribute("id").ok_or_else(|| malformed("Droga bez atrybutu id.", "A <way> without an id."))?;
        let refs: Vec<&str> = w.children().filter(|c| c.has_tag_name("nd")).filter_map(|c| c.attribute("ref")).collect();
        let missing: Vec<&str> = refs.iter().copied().filter(|r| !nodes.contains_key(r)).collect();
        let shape = if !missing.is_empty() {
            Shape::Broken(format!("references nodes missing from the file: {}", missing.join(", ")))
        } else if refs.len() < 2 {
            Shape::Broken("a way needs at least two nodes".into())
        } else {
            let closed = refs.len() >= 4 && refs.first() == refs.last();
            Shape::Path { points: refs.iter().map(|r| nodes[r]).collect(), closed }
        };
        elements.push(Element { id: format!("way/{id}"), tags: tags_of(w), shape });
    }
    for r in root.children().filter(|n| n.has_tag_name("relation")) {
        let id = r.attribute("id").unwrap_or("?");
        elements.push(Element {
            id: format!("relation/{id}"),
            tags: tags_of(r),
            shape: Shape::Broken("relations are not imported; import their ways".into()),
        });
    }
    Ok(elements)
}

fn parse_geojson(text: &str) -> Result<Vec<Element>, MalformedInput> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        malformed(format!("Nieprawidłowy GeoJSON: {e}."), format!("Malformed GeoJSON: {e}."))
    })?;
    let not_fc = || {
        malformed(
            "Oczekiwano GeoJSON FeatureCollection.",
            "Expected a GeoJSON FeatureCollection.",
        )
    };
    if v["type"] != "FeatureCollection" {
        return Err(not_fc());
    }
    let features = v["features"].as_array().ok_or_else(not_fc)?;
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let props = f["properties"].as_object().cloned().unwrap_or_default();
        // overpass-turbo: feature "id" and property "@id" are "node/123".
        let id = [f.get("id"), props.get("@id"), props.get("id")]
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .find(|s| is_osm_id(s))
            .map(str::to_string);
        let tags: BTreeMap<String, String> = props
            .iter()
            .filter(|(k, _)| !k.starts_with('@') && k.as_str() != "id")
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k.clone(), s.clone())),
                serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
                _ => None,
            })
            .collect();
        let Some(id) = id else {
            out.push(Element {
                id: format!("feature/{i}"),
                tags,
                shape: Shape::Broken("no OSM id (node/…, way/…): cannot be imported idempotently".into()),
            });
            continue;
        };
        let pos = |p: &serde_json::Value| -> Option<GeoPoint> {
            let a = p.as_array()?;
            Some(GeoPoint { lon: a.first()?.as_f64()?, lat: a.get(1)?.as_f64()? })
        };
        let list = |c: &serde_json::Value| -> Option<Vec<GeoPoint>> { c.as_array()?.iter().map(pos).collect() };
        let g = &f["geometry"];
        let c = &g["coordinates"];
        let shape = match g["type"].as_str() {
            Some("Point") => pos(c).map(Shape::Point),
            Some("LineString") => list(c).map(|points| Shape::Path { points, closed: false }),
            Some("Polygon") => c
                .as_array()
                .and_then(|rings| rings.first())
                .and_then(list)
                .map(|points| Shape::Path { points, closed: true }),
            other => Some(Shape::Broken(format!("geometry type {} is not imported", other.unwrap_or("(none)")))),
        }
        .unwrap_or_else(|| Shape::Broken("malformed coordinates".into()));
        out.push(Element { id, tags, shape });
    }
    Ok(out)
}

/// The layer and category an element's tags say, or why it has none.
fn classify(t: &BTreeMap<String, String>) -> Option<(Layer, &'static str)> {
    let is = |k: &str, vs: &[&str]| t.get(k).is_some_and(|v| vs.contains(&v.as_str()));
    use Layer::*;
    let infra = if is("amenity", &["townhall"]) {
        Some("town_hall")
    } else if is("office", &["government"]) {
        Some("office")
    } else if is("amenity", &["school"]) {
        Some("school")
    } else if is("amenity", &["kindergarten"]) {
        Some("kindergarten")
    } else if is("amenity", &["library"]) {
        Some("library")
    } else if is("amenity", &["doctors", "clinic", "hospital"]) {
        Some("health_centre")
    } else if is("leisure", &["sports_centre", "pitch", "stadium", "swimming_pool"]) {
        Some("sports")
    } else if is("leisure", &["playground"]) {
        Some("playground")
    } else if is("amenity", &["toilets"]) {
        Some("toilets")
    } else if is("amenity", &["parking"]) {
        Some("parking")
    } else if is("amenity", &["charging_station"]) {
        Some("ev_charger")
    } else if is("amenity", &["waste_transfer_station"]) || (is("amenity", &["recycling"]) && is("recycling_type", &["centre"])) {
        Some("waste_point")
    } else {
        None
    };
    if let Some(c) = infra {
        return Some((Infrastructure, c));
    }
    if is("highway", &["cycleway"]) || is("route", &["bicycle"]) || (is("highway", &["path", "track"]) && is("bicycle", &["designated"])) {
        return Some((BikePaths, "bike_path"));
    }
    let monument = t.get("historic").is_some_and(|v| v != "no")
        || t.get("heritage").is_some_and(|v| v != "no")
        || t.contains_key("ref:zabytek")
        || t.contains_key("heritage:ref");
    if monument {
        return Some((Monuments, "monument"));
    }
    if is("tourism", &["attraction", "museum", "viewpoint"]) {
        return Some((Attractions, "attraction"));
    }
    None
}

/// Keys mapped to fields (so not kept as extra tags).
fn mapped_key(k: &str) -> bool {
    matches!(
        k,
        "name" | "opening_hours" | "phone" | "contact:phone" | "email" | "contact:email" | "website" | "contact:website"
            | "description" | "description:pl" | "description:en" | "ref:zabytek" | "heritage:ref" | "start_date"
    ) || k.starts_with("addr:")
}

fn default_name(category: &str) -> &'static str {
    match category {
        "toilets" => "Toaleta publiczna",
        "parking" => "Parking",
        "ev_charger" => "Stacja ładowania pojazdów",
        "playground" => "Plac zabaw",
        "sports" => "Obiekt sportowy",
        "bike_path" => "Droga rowerowa",
        "waste_point" => "Punkt zbiórki odpadów",
        _ => "",
    }
}

fn address(t: &BTreeMap<String, String>) -> Option<String> {
    let g = |k: &str| t.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let street = g("addr:street").or(g("addr:place"));
    let first = match (street, g("addr:housenumber")) {
        (Some(s), Some(n)) => Some(format!("{s} {n}")),
        (Some(s), None) => Some(s.to_string()),
        (None, Some(n)) => Some(n.to_string()),
        (None, None) => None,
    };
    let second = match (g("addr:postcode"), g("addr:city")) {
        (Some(p), Some(c)) => Some(format!("{p} {c}")),
        (p, c) => p.or(c).map(str::to_string),
    };
    match (first, second) {
        (Some(a), Some(b)) => Some(format!("{a}, {b}")),
        (a, b) => a.or(b),
    }
}

fn inside(boundary: Option<&Polygon<f64>>, p: &GeoPoint) -> bool {
    boundary.is_none_or(|b| b.contains(&Point::new(p.lon, p.lat)))
}

fn map(e: &Element, boundary: Option<&Polygon<f64>>) -> Result<PlaceInput, String> {
    let t = &e.tags;
    if t.is_empty() {
        return Err("no tags".into());
    }
    let Some((layer, category)) = classify(t) else {
        let shown: Vec<String> = t.iter().take(3).map(|(k, v)| format!("{k}={v}")).collect();
        return Err(format!("no tag this map uses ({})", shown.join(", ")));
    };
    let geometry = match (&e.shape, layer) {
        (Shape::Broken(why), _) => return Err(why.clone()),
        (Shape::Point(_), Layer::BikePaths) => return Err("a bike path must be a way (a line), not a node".into()),
        (Shape::Path { points, .. }, Layer::BikePaths) => PlaceGeometry::Line { points: points.clone() },
        (Shape::Point(p), _) => PlaceGeometry::Point { point: *p },
        (Shape::Path { points, closed }, _) => {
            let ls = LineString::new(points.iter().map(|p| Coord { x: p.lon, y: p.lat }).collect());
            let c = if *closed { Polygon::new(ls, vec![]).centroid() } else { ls.centroid() };
            let c = c.ok_or("the way has no centroid")?;
            PlaceGeometry::Point { point: GeoPoint { lat: c.y(), lon: c.x() } }
        }
    };
    if !geometry.points().iter().any(|p| inside(boundary, p)) {
        return Err("outside the gmina boundary".into());
    }
    let name = t
        .get("name")
        .cloned()
        .or_else(|| Some(default_name(category).to_string()).filter(|s| !s.is_empty()))
        .ok_or("no name, and the category has no default name")?;
    let accessibility = Accessibility::from_osm_tags(t);
    let written = accessibility.to_osm_tags();
    let get = |k: &str| t.get(k).cloned();
    let register_number = get("ref:zabytek").or(get("heritage:ref"));
    let monument = (layer == Layer::Monuments || register_number.is_some())
        .then(|| Monument { register_number, period: get("start_date") });
    let extra_tags = t
        .iter()
        .filter(|(k, v)| {
            // An accessibility tag is dropped only when the model writes it back unchanged.
            let acc = Accessibility::reads_osm_key(k) && written.get(*k) == Some(*v);
            let start_date_used = k.as_str() == "start_date" && monument.is_some();
            !(acc || (mapped_key(k) && k.as_str() != "start_date") || start_date_used)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let input = PlaceInput {
        layer,
        category: category.into(),
        name,
        geometry,
        address: address(t),
        opening_hours: get("opening_hours"),
        contact: PlaceContact {
            phone: get("phone").or(get("contact:phone")),
            email: get("email").or(get("contact:email")),
            website: get("website").or(get("contact:website")),
        },
        description_pl: get("description:pl").or(get("description")).unwrap_or_default(),
        description_en: get("description:en").unwrap_or_default(),
        photos: vec![],
        accessibility,
        monument,
        osm_id: Some(e.id.clone()),
        extra_tags,
    };
    input.validate().map_err(|f| format!("invalid {}: {}", f.field, f.en))?;
    Ok(input)
}

/// The gmina boundary (`[lon, lat]` rings) as a geo polygon.
pub fn boundary_polygon(b: &mm_protocol::geo::Polygon) -> Polygon<f64> {
    let ring = |r: &Vec<[f64; 2]>| LineString::new(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
    let mut rings = b.rings.iter();
    let outer = rings.next().map(ring).unwrap_or_else(|| LineString::new(vec![]));
    Polygon::new(outer, rings.map(ring).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_tags_and_keeps_the_rest() {
        let xml = r#"<osm version="0.6">
          <node id="1" lat="51.03" lon="17.15">
            <tag k="amenity" v="toilets"/><tag k="wheelchair" v="yes"/><tag k="kerb" v="flush"/>
            <tag k="fee" v="no"/>
          </node>
          <node id="2" lat="51.03" lon="17.15"><tag k="amenity" v="bench"/></node>
        </osm>"#;
        let p = parse(xml.as_bytes(), None).unwrap();
        assert_eq!(p.places.len(), 1);
        let t = &p.places[0];
        assert_eq!(t.category, "toilets");
        assert_eq!(t.name, "Toaleta publiczna");
        assert_eq!(t.extra_tags.get("fee").map(String::as_str), Some("no"));
        assert_eq!(t.extra_tags.get("kerb").map(String::as_str), Some("flush"), "not written back as-is, so kept");
        assert!(!t.extra_tags.contains_key("wheelchair"));
        // The feature tag itself is kept too: an export writes it back.
        assert_eq!(t.extra_tags.get("amenity").map(String::as_str), Some("toilets"));
        assert_eq!(p.skipped[0].element, "node/2");
    }

    #[test]
    fn malformed() {
        assert!(parse(b"<osm><node id='1'", None).unwrap_err().en.contains("Malformed OSM XML"));
        assert!(parse(b"<gpx/>", None).unwrap_err().en.contains("<osm>"));
        assert!(parse(b"hello", None).is_err());
        assert!(parse(b"{\"type\":\"Feature\"}", None).is_err());
    }
}
