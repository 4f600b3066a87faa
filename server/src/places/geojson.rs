//! Places as an RFC 7946 GeoJSON FeatureCollection for any web map:
//! positions `[lon, lat]` (RFC 7946 §3.1.1), `Point` or `LineString`
//! geometries, the place id as the feature `id`, and properties carrying
//! the OSM-style keys (`wheelchair`, `toilets:wheelchair`, …) so that
//! OSM-aware tools read them as they are.

use geo::{Coord, Intersects, LineString, Point, Rect};
use mm_protocol::places::{Place, PlaceGeometry, PlaceMapQuery, Wheelchair};
use serde_json::{Map, Value, json};

use crate::error::AppError;

/// A parsed `GET /map/places.geojson` query.
#[derive(Debug, Clone, Default)]
pub struct MapFilter {
    pub bbox: Option<[f64; 4]>,
    pub layer: Option<mm_protocol::places::Layer>,
    pub category: Option<String>,
    /// Empty: any.
    pub wheelchair: Vec<Wheelchair>,
}

pub fn parse_layer(s: &str) -> Result<mm_protocol::places::Layer, AppError> {
    mm_protocol::places::Layer::parse(s).ok_or_else(|| {
        AppError::invalid_query("layer", "layer must be infrastructure, attractions, monuments or bike_paths")
    })
}

pub fn parse_category(s: &str) -> Result<String, AppError> {
    if mm_protocol::places::is_slug(s) {
        Ok(s.to_string())
    } else {
        Err(AppError::invalid_query("category", "category must be a slug such as school"))
    }
}

impl MapFilter {
    pub fn parse(q: &PlaceMapQuery) -> Result<MapFilter, AppError> {
        let bbox = q
            .bbox
            .as_deref()
            .map(|s| {
                let bad = || {
                    AppError::invalid_query(
                        "bbox",
                        "bbox must be minlon,minlat,maxlon,maxlat: four numbers, min <= max, within -180..180 / -90..90",
                    )
                };
                let n: Vec<f64> = s.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad())?;
                let [a, b, c, d] = n[..] else { return Err(bad()) };
                let lon_ok = |x: f64| x.is_finite() && (-180.0..=180.0).contains(&x);
                let lat_ok = |x: f64| x.is_finite() && (-90.0..=90.0).contains(&x);
                if !(lon_ok(a) && lon_ok(c) && lat_ok(b) && lat_ok(d)) || a > c || b > d {
                    return Err(bad());
                }
                Ok([a, b, c, d])
            })
            .transpose()?;
        let wheelchair = match q.wheelchair.as_deref() {
            None => vec![],
            Some(s) => s
                .split(',')
                .map(|w| {
                    Wheelchair::parse(w.trim()).ok_or_else(|| {
                        AppError::invalid_query("wheelchair", "wheelchair takes a comma list of yes, limited, no, unknown")
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(MapFilter {
            bbox,
            layer: q.layer.as_deref().map(parse_layer).transpose()?,
            category: q.category.as_deref().map(parse_category).transpose()?,
            wheelchair,
        })
    }

    /// The exact checks SQL's bounding-box pre-filter cannot make.
    pub fn keeps(&self, p: &Place) -> bool {
        if !self.wheelchair.is_empty() && !self.wheelchair.contains(&p.accessibility.wheelchair) {
            return false;
        }
        let Some([a, b, c, d]) = self.bbox else { return true };
        // Edges count as inside (a point on the box's edge is in it).
        let rect = Rect::new(Coord { x: a, y: b }, Coord { x: c, y: d });
        match &p.geometry {
            PlaceGeometry::Point { point } => rect.intersects(&Point::new(point.lon, point.lat)),
            PlaceGeometry::Line { points } => {
                rect.intersects(&LineString::new(points.iter().map(|q| Coord { x: q.lon, y: q.lat }).collect()))
            }
        }
    }
}

fn position(p: &mm_protocol::geo::GeoPoint) -> Value {
    json!([p.lon, p.lat])
}

/// One place as a GeoJSON Feature.
pub fn feature(p: &Place) -> Value {
    let geometry = match &p.geometry {
        PlaceGeometry::Point { point } => json!({"type": "Point", "coordinates": position(point)}),
        PlaceGeometry::Line { points } => {
            json!({"type": "LineString", "coordinates": points.iter().map(position).collect::<Vec<_>>()})
        }
    };
    let mut props = Map::new();
    // Tags we do not map first, so that our own fields win on a clash.
    for (k, v) in &p.extra_tags {
        props.insert(k.clone(), Value::from(v.as_str()));
    }
    for (k, v) in p.accessibility.to_osm_tags() {
        props.insert(k, Value::from(v));
    }
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            props.insert(k.to_string(), Value::from(v));
        }
    };
    put("name", Some(&p.name));
    put("layer", Some(p.layer.as_str()));
    put("category", Some(&p.category));
    put("opening_hours", p.opening_hours.as_deref());
    put("address", p.address.as_deref());
    put("phone", p.contact.phone.as_deref());
    put("email", p.contact.email.as_deref());
    put("website", p.contact.website.as_deref());
    put("description:pl", Some(&p.description_pl));
    put("description:en", Some(&p.description_en));
    put("osm_id", p.osm_id.as_deref());
    if let Some(m) = &p.monument {
        put("heritage", Some("yes"));
        put("ref:zabytek", m.register_number.as_deref());
        put("start_date", m.period.as_deref());
    }
    // As in OSM, no `wheelchair` key means unknown.
    props.insert("updated_at".into(), Value::from(p.updated_at.to_rfc3339()));
    if !p.photos.is_empty() {
        props.insert("photos".into(), json!(p.photos));
    }
    json!({"type": "Feature", "id": p.id, "geometry": geometry, "properties": props})
}

pub fn feature_collection(places: &[Place]) -> Value {
    json!({"type": "FeatureCollection", "features": places.iter().map(feature).collect::<Vec<_>>()})
}
