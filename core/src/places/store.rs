//! Persistence of places: one row per place with the columns the map
//! queries need (so a box query decodes no JSON), an R*Tree over each
//! geometry's bounding box (a point is a degenerate box), and an FTS5 table
//! of folded names for search. Writers take a `&Transaction`, readers a
//! `&Connection`.

use geo::{Closest, HaversineClosestPoint, Intersects, Length, Haversine, LineString, Point, Rect, coord};
use mm_protocol::geo::GeoPoint;
use mm_protocol::places::{Layer, Place, PlaceGeometry, Wheelchair};
use mm_protocol::reports::distance_m;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::model::{AccessNeed, BikePathSummary, BoundingBox, PlaceFilter, PlaceSummary};
use super::{category_names, open_state};
use crate::error::Error;
use crate::search::{fold, match_expression};

pub fn layer_code(l: Layer) -> i64 {
    match l {
        Layer::Infrastructure => 0,
        Layer::Attractions => 1,
        Layer::Monuments => 2,
        Layer::BikePaths => 3,
    }
}

fn layer_of(code: i64) -> Layer {
    match code {
        1 => Layer::Attractions,
        2 => Layer::Monuments,
        3 => Layer::BikePaths,
        _ => Layer::Infrastructure,
    }
}

fn geo_line(points: &[GeoPoint]) -> LineString<f64> {
    LineString::from(points.iter().map(|p| coord! { x: p.lon, y: p.lat }).collect::<Vec<_>>())
}

/// Haversine length of a line, in metres; 0 for a point.
pub fn length_m(g: &PlaceGeometry) -> f64 {
    match g {
        PlaceGeometry::Point { .. } => 0.0,
        PlaceGeometry::Line { points } => Haversine.length(&geo_line(points)),
    }
}

/// Metres from `from` to the geometry (a line: its closest point).
pub fn distance_to(from: GeoPoint, g: &PlaceGeometry) -> f64 {
    match g {
        PlaceGeometry::Point { point } => distance_m(from, *point),
        PlaceGeometry::Line { points } => {
            let p = Point::new(from.lon, from.lat);
            match geo_line(points).haversine_closest_point(&p) {
                Closest::Intersection(c) | Closest::SinglePoint(c) => distance_m(from, GeoPoint { lat: c.y(), lon: c.x() }),
                Closest::Indeterminate => points.iter().map(|q| distance_m(from, *q)).fold(f64::INFINITY, f64::min),
            }
        }
    }
}

/// Whether a line crosses (or lies in) the box, not only with a vertex inside.
pub fn line_intersects(points: &[GeoPoint], b: &BoundingBox) -> bool {
    let rect = Rect::new(coord! { x: b.min_lon, y: b.min_lat }, coord! { x: b.max_lon, y: b.max_lat });
    geo_line(points).intersects(&rect)
}

pub fn upsert(tx: &Transaction<'_>, p: &Place) -> Result<(), Error> {
    let anchor = p.geometry.anchor().ok_or_else(|| Error::internal(format!("place {} has no geometry", p.id)))?;
    let is_line = matches!(p.geometry, PlaceGeometry::Line { .. });
    let needs = AccessNeed::mask_of(&p.accessibility, &p.category);
    tx.prepare_cached(
        "INSERT INTO places (id, layer, category, name, lat, lon, is_line, wheelchair, needs, address,
                             opening_hours, length_m)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET layer = excluded.layer, category = excluded.category,
             name = excluded.name, lat = excluded.lat, lon = excluded.lon, is_line = excluded.is_line,
             wheelchair = excluded.wheelchair, needs = excluded.needs, address = excluded.address,
             opening_hours = excluded.opening_hours, length_m = excluded.length_m",
    )?
    .execute(params![
        p.id,
        layer_code(p.layer),
        p.category,
        p.name,
        anchor.lat,
        anchor.lon,
        is_line,
        p.accessibility.wheelchair.as_str(),
        needs,
        p.address,
        p.opening_hours,
        length_m(&p.geometry),
    ])?;
    tx.prepare_cached("INSERT OR REPLACE INTO place_bodies (id, body) VALUES (?1, ?2)")?
        .execute(params![p.id, serde_json::to_string(p)?])?;
    // R*Tree keeps 32-bit floats rounded outwards, so the box always holds
    // the exact geometry; queries refine with the exact values.
    let [min_lon, min_lat, max_lon, max_lat] = p.geometry.bbox();
    tx.prepare_cached("DELETE FROM places_rtree WHERE id = ?1")?.execute([p.id])?;
    tx.prepare_cached(
        "INSERT INTO places_rtree (id, min_lat, max_lat, min_lon, max_lon, needs, layer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![p.id, min_lat, max_lat, min_lon, max_lon, needs, layer_code(p.layer)])?;
    let (cat_pl, cat_en) = category_names(&p.category);
    let title = format!("{} {} {}", p.name, cat_pl, cat_en);
    let body = format!(
        "{} {} {}",
        p.address.as_deref().unwrap_or(""),
        p.description_pl,
        p.monument.as_ref().and_then(|m| m.period.as_deref()).unwrap_or("")
    );
    tx.prepare_cached("DELETE FROM places_fts WHERE rowid = ?1")?.execute([p.id])?;
    tx.prepare_cached("INSERT INTO places_fts (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![p.id, fold(&title), fold(&body)])?;
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM places WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM place_bodies WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM places_rtree WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM places_fts WHERE rowid = ?1", [id])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Place>, Error> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM place_bodies WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub fn count(conn: &Connection) -> Result<u32, Error> {
    Ok(conn.query_row("SELECT count(*) FROM places", [], |r| r.get(0))?)
}

/// The columns of a summary, in this order, from `places p`.
const SUMMARY_COLUMNS: &str =
    "p.id, p.layer, p.category, p.name, p.lat, p.lon, p.is_line, p.wheelchair, p.needs, p.address, p.opening_hours";

struct Row0 {
    summary: PlaceSummary,
    opening_hours: Option<String>,
}

fn summary_row(r: &Row<'_>) -> rusqlite::Result<Row0> {
    let category: String = r.get(2)?;
    let (pl, en) = category_names(&category);
    let wheelchair: String = r.get(7)?;
    Ok(Row0 {
        summary: PlaceSummary {
            id: r.get(0)?,
            layer: layer_of(r.get(1)?),
            category_name_pl: pl.to_string(),
            category_name_en: en.to_string(),
            category,
            name: r.get(3)?,
            point: GeoPoint { lat: r.get(4)?, lon: r.get(5)? },
            is_line: r.get(6)?,
            wheelchair: Wheelchair::parse(&wheelchair).unwrap_or_default(),
            needs_met: AccessNeed::from_mask(r.get(8)?),
            address: r.get(9)?,
            open_now: None,
            distance_m: None,
            spoken_text: String::new(),
        },
        opening_hours: r.get(10)?,
    })
}

fn masks(filter: &PlaceFilter) -> (i64, i64) {
    let needs = filter.needs.iter().fold(0, |m, n| m | n.bit());
    // 0: any layer (`None`); an empty list never gets here (`candidates`).
    let layers = filter.layers.iter().flatten().fold(0, |m, l| m | (1 << layer_code(*l)));
    (needs, layers)
}

/// Candidates whose bounding box meets `b` and that pass the layer and
/// needs filters (in SQL), then the category and open filters (here).
/// Lines are returned with their geometry for the caller to refine.
fn candidates(
    conn: &Connection,
    b: &BoundingBox,
    filter: &PlaceFilter,
    mut keep: impl FnMut(&mut PlaceSummary, Option<&PlaceGeometry>) -> bool,
) -> Result<Vec<PlaceSummary>, Error> {
    if filter.layers.as_ref().is_some_and(Vec::is_empty) {
        // Every layer switched off: nothing, not "any layer".
        return Ok(Vec::new());
    }
    let (needs, layers) = masks(filter);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS}, CASE WHEN p.is_line THEN (SELECT body FROM place_bodies b WHERE b.id = p.id) END
         FROM places_rtree t JOIN places p ON p.id = t.id
         WHERE t.max_lat >= ?1 AND t.min_lat <= ?2 AND t.max_lon >= ?3 AND t.min_lon <= ?4
           AND (t.needs & ?5) = ?5 AND (?6 = 0 OR ((1 << t.layer) & ?6) != 0)"
    ))?;
    let mut rows = stmt.query(params![b.min_lat, b.max_lat, b.min_lon, b.max_lon, needs, layers])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = summary_row(r)?;
        if !filter.categories.is_empty() && !filter.categories.contains(&row.summary.category) {
            continue;
        }
        if let Some(at) = filter.open_at {
            match open_state(row.opening_hours.as_deref(), row.summary.point, at) {
                Some(true) => row.summary.open_now = Some(true),
                _ => continue,
            }
        }
        let geometry = match r.get::<_, Option<String>>(11)? {
            Some(body) => Some(serde_json::from_str::<Place>(&body)?.geometry),
            None => None,
        };
        if keep(&mut row.summary, geometry.as_ref()) {
            out.push(row.summary);
        }
    }
    Ok(out)
}

/// Places whose geometry is in or crosses `b`, nearest the box's centre
/// first, at most `filter.limit`.
pub fn in_box(conn: &Connection, b: &BoundingBox, filter: &PlaceFilter) -> Result<Vec<PlaceSummary>, Error> {
    let mut out = candidates(conn, b, filter, |s, g| match g {
        Some(PlaceGeometry::Line { points }) => line_intersects(points, b),
        _ => b.contains(s.point),
    })?;
    let c = b.center();
    // Nearest the centre first (an equirectangular key is enough to order a screen).
    let cos = c.lat.to_radians().cos();
    let key = |s: &PlaceSummary| {
        let (dy, dx) = (s.point.lat - c.lat, (s.point.lon - c.lon) * cos);
        dy * dy + dx * dx
    };
    if let Some(limit) = filter.limit {
        let limit = limit as usize;
        if out.len() > limit {
            out.select_nth_unstable_by(limit, |a, b| key(a).total_cmp(&key(b)));
            out.truncate(limit);
        }
    }
    out.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Metres per degree of latitude, a little low so a box of `r / M_PER_DEG`
/// degrees always holds the circle of radius `r`.
const M_PER_DEG: f64 = 111_000.0;
const FIRST_RADIUS_M: f64 = 250.0;
/// Half the Earth's circumference: a box this big holds everything.
const MAX_RADIUS_M: f64 = 20_100_000.0;

/// The `n` places nearest `from` (exact haversine distance; a line by its
/// closest point), nearest first. An expanding search: a box holding the
/// circle of radius r gives every place within r, so once `n` candidates
/// lie within r the answer is exact; otherwise r grows fourfold.
pub fn nearest(conn: &Connection, from: GeoPoint, n: u32, filter: &PlaceFilter) -> Result<Vec<PlaceSummary>, Error> {
    let n = n as usize;
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut r = FIRST_RADIUS_M;
    loop {
        let dlat = r / M_PER_DEG;
        let max_abs_lat = (from.lat.abs() + dlat).min(89.9);
        let dlon = (r / (M_PER_DEG * max_abs_lat.to_radians().cos())).min(360.0);
        let b = BoundingBox {
            min_lat: (from.lat - dlat).max(-90.0),
            max_lat: (from.lat + dlat).min(90.0),
            min_lon: from.lon - dlon,
            max_lon: from.lon + dlon,
        };
        let whole_world = r >= MAX_RADIUS_M;
        let b = if whole_world { BoundingBox { min_lat: -90.0, max_lat: 90.0, min_lon: -540.0, max_lon: 540.0 } } else { b };
        let mut found = candidates(conn, &b, filter, |s, g| {
            s.distance_m = Some(match g {
                Some(g) => distance_to(from, g),
                None => distance_m(from, s.point),
            });
            true
        })?;
        let within = found.iter().filter(|s| s.distance_m.unwrap_or(f64::INFINITY) <= r).count();
        if within >= n || whole_world {
            found.sort_by(|a, b| a.distance_m.unwrap_or(0.0).total_cmp(&b.distance_m.unwrap_or(0.0)).then(a.id.cmp(&b.id)));
            found.truncate(n);
            return Ok(found);
        }
        // Grow faster when the box was nearly empty.
        r *= if within == 0 && found.is_empty() { 8.0 } else { 4.0 };
        r = r.min(MAX_RADIUS_M);
    }
}

/// Places matching `text` (folded, the last word a prefix): names and
/// category names weigh more than address and description.
pub fn search(conn: &Connection, text: &str, limit: u32) -> Result<Vec<PlaceSummary>, Error> {
    let Some(expr) = match_expression(text) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM places_fts f JOIN places p ON p.id = f.rowid
         WHERE places_fts MATCH ?1 ORDER BY bm25(places_fts, 10.0, 1.0), p.id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![expr, limit], summary_row)?;
    Ok(rows.map(|r| r.map(|r| r.summary)).collect::<Result<_, _>>()?)
}

/// Bike paths and trails (lines of the bike-path layer) crossing `b`, longest first.
pub fn bike_paths_in_box(conn: &Connection, b: &BoundingBox) -> Result<Vec<BikePathSummary>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.length_m, b.body FROM places_rtree t JOIN places p ON p.id = t.id JOIN place_bodies b ON b.id = p.id
         WHERE t.max_lat >= ?1 AND t.min_lat <= ?2 AND t.max_lon >= ?3 AND t.min_lon <= ?4
           AND t.layer = ?5 AND p.is_line = 1",
    )?;
    let rows = stmt.query_map(
        params![b.min_lat, b.max_lat, b.min_lon, b.max_lon, layer_code(Layer::BikePaths)],
        |r| Ok((r.get::<_, f64>(0)?, r.get::<_, String>(1)?)),
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (length_m, body) = row?;
        let p: Place = serde_json::from_str(&body)?;
        let PlaceGeometry::Line { points } = p.geometry else { continue };
        if !line_intersects(&points, b) {
            continue;
        }
        out.push(BikePathSummary {
            id: p.id,
            name: p.name,
            category: p.category,
            length_m,
            points,
            description_pl: p.description_pl,
            description_en: p.description_en,
            length_text: String::new(),
            spoken_text: String::new(),
        });
    }
    out.sort_by(|a, b| b.length_m.total_cmp(&a.length_m).then(a.id.cmp(&b.id)));
    Ok(out)
}
