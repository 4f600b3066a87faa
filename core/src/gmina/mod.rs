//! The gmina's boundary and its localities (miejscowości), synced so the
//! core can tell offline whether a point lies inside the gmina.

use geo::{Contains, Coord, LineString};
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Gmina, Locality};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::Error;
use crate::search::fold;

pub fn upsert(tx: &Transaction<'_>, g: &Gmina) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO gmina (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
        params![g.id, serde_json::to_string(g)?],
    )?;
    Ok(())
}

pub fn delete(tx: &Transaction<'_>, id: &str) -> Result<(), Error> {
    tx.execute("DELETE FROM gmina WHERE id = ?1", [id])?;
    Ok(())
}

pub fn upsert_locality(tx: &Transaction<'_>, l: &Locality) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO localities (id, name, body) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body",
        params![l.id, l.name, serde_json::to_string(l)?],
    )?;
    Ok(())
}

pub fn delete_locality(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM localities WHERE id = ?1", [id])?;
    Ok(())
}

/// There is one gmina per deployment.
pub fn get(conn: &Connection) -> Result<Option<Gmina>, Error> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM gmina LIMIT 1", [], |r| r.get(0))
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

/// In Polish alphabetical order, near enough: by folded name, so "Łukaszowice"
/// sits among the L's rather than after "Żerniki".
pub fn localities(conn: &Connection) -> Result<Vec<Locality>, Error> {
    let mut stmt = conn.prepare_cached("SELECT body FROM localities")?;
    let mut out: Vec<Locality> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|b| Ok(serde_json::from_str(&b?)?))
        .collect::<Result<_, Error>>()?;
    out.sort_by_cached_key(|l| (fold(&l.name), l.name.clone()));
    Ok(out)
}

/// Point-in-polygon on the boundary, holes excluded (GeoJSON rings: [lon, lat]).
pub fn contains(boundary: &Polygon, point: GeoPoint) -> bool {
    let ring = |r: &Vec<[f64; 2]>| {
        LineString::from(
            r.iter()
                .map(|p| Coord { x: p[0], y: p[1] })
                .collect::<Vec<_>>(),
        )
    };
    let Some((outer, holes)) = boundary.rings.split_first() else {
        return false;
    };
    let poly = geo::Polygon::new(ring(outer), holes.iter().map(ring).collect());
    poly.contains(&geo::Point::new(point.lon, point.lat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_in_polygon_with_a_hole() {
        let square = |a: f64, b: f64| vec![[a, a], [b, a], [b, b], [a, b], [a, a]];
        let boundary = Polygon {
            rings: vec![square(0.0, 10.0), square(4.0, 6.0)],
        };
        assert!(contains(&boundary, GeoPoint { lat: 2.0, lon: 8.0 }));
        assert!(
            !contains(&boundary, GeoPoint { lat: 5.0, lon: 5.0 }),
            "inside the hole"
        );
        assert!(!contains(
            &boundary,
            GeoPoint {
                lat: 11.0,
                lon: 5.0
            }
        ));
        // lat/lon must not be swapped: a thin box along longitude.
        let strip = Polygon {
            rings: vec![vec![
                [16.0, 51.0],
                [18.0, 51.0],
                [18.0, 51.2],
                [16.0, 51.2],
                [16.0, 51.0],
            ]],
        };
        assert!(contains(
            &strip,
            GeoPoint {
                lat: 51.1,
                lon: 17.0
            }
        ));
        assert!(!contains(
            &strip,
            GeoPoint {
                lat: 17.0,
                lon: 51.1
            }
        ));
        assert!(!contains(
            &Polygon { rings: vec![] },
            GeoPoint { lat: 0.0, lon: 0.0 }
        ));
    }
}
