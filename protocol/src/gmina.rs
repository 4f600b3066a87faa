//! The gmina itself: its boundary and its localities (miejscowości).
//! Synced to the core so reports can be checked against the boundary offline.

use serde::{Deserialize, Serialize};

use crate::geo::{GeoPoint, Polygon};
use crate::validation::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gmina {
    /// Always `"gmina"`: there is one per deployment.
    pub id: String,
    pub name: String,
    /// TERYT code of the gmina, e.g. `0223083` for Siechnice.
    pub teryt: String,
    pub boundary: Polygon,
    /// Where the map opens.
    pub center: GeoPoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocalityKind {
    /// miasto
    Town,
    /// wieś
    Village,
    /// osada, część wsi
    Settlement,
}

/// A locality (miejscowość) of the gmina.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Locality {
    pub id: i64,
    pub name: String,
    pub kind: LocalityKind,
    pub point: GeoPoint,
}

// ---------------------------------------------------------------------------
// Many gminas in one deployment (issue 13).

/// The request header a resident's app names its gmina with (its TERYT
/// code). Links that cannot carry a header (an ICS subscription, a shared
/// URL) put the same code in the query as [`GMINA_QUERY`]; Open311 uses its
/// own `jurisdiction_id`. A deployment with one gmina accepts requests that
/// name none.
pub const GMINA_HEADER: &str = "MM-Gmina";
pub const GMINA_QUERY: &str = "gmina";

/// A gmina's TERYT code (TERC): 2 digits of the voivodeship, 2 of the
/// powiat, 2 of the gmina and its kind (1 urban, 2 rural, 3 urban-rural,
/// 4 and 5 the town and the rural area of an urban-rural gmina, 8 a
/// district of Warszawa), as GUS publishes it: Siechnice is `0223083`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Teryt(String);

impl Teryt {
    /// Seven digits, the voivodeship code even and 02..=32, the kind digit
    /// one GUS assigns; anything else is not a gmina's code.
    pub fn parse(code: &str) -> Result<Teryt, FieldError> {
        let bad = || {
            FieldError::new(
                "teryt",
                "Kod TERYT gminy to 7 cyfr, np. 0223083.",
                "A gmina's TERYT code is 7 digits, e.g. 0223083.",
            )
        };
        let b = code.as_bytes();
        if b.len() != 7 || !b.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let voivodeship = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !voivodeship.is_multiple_of(2) || !(2..=32).contains(&voivodeship) {
            return Err(bad());
        }
        if !matches!(b[6], b'1'..=b'5' | b'8' | b'9') {
            return Err(bad());
        }
        Ok(Teryt(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Teryt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Teryt {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Teryt, FieldError> {
        Teryt::parse(&s)
    }
}

impl From<Teryt> for String {
    fn from(t: Teryt) -> String {
        t.0
    }
}

/// A box around a boundary, in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoundingBox {
    pub min_lat: f64,
    pub min_lon: f64,
    pub max_lat: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    /// The box of every position of the polygon's outer ring (`None` for
    /// an empty polygon).
    pub fn of(polygon: &Polygon) -> Option<BoundingBox> {
        let ring = polygon.rings.first()?;
        let mut it = ring.iter();
        let first = it.next()?;
        let mut b = BoundingBox { min_lat: first[1], min_lon: first[0], max_lat: first[1], max_lon: first[0] };
        for p in it {
            b.min_lon = b.min_lon.min(p[0]);
            b.max_lon = b.max_lon.max(p[0]);
            b.min_lat = b.min_lat.min(p[1]);
            b.max_lat = b.max_lat.max(p[1]);
        }
        Some(b)
    }

    pub fn contains(&self, p: GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat) && (self.min_lon..=self.max_lon).contains(&p.lon)
    }
}

/// How a gmina looks in the app: its coat of arms and colours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branding {
    /// An image URL of the coat of arms (herb), if the gmina gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coat_of_arms_url: Option<String>,
    /// `#RRGGBB`: bars and buttons.
    pub primary_color: String,
    /// `#RRGGBB`: text and icons drawn on the primary colour.
    pub on_primary_color: String,
}

/// One gmina of the deployment's directory (`GET /api/v1/gminas`), enough
/// to pick it: no personal data, nothing that changes often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GminaSummary {
    pub teryt: Teryt,
    /// Its name as the directory shows it, e.g. "Gmina Siechnice".
    pub name: String,
    /// "wrocławski"
    pub powiat: String,
    /// "dolnośląskie"
    pub voivodeship: String,
    /// The box around its boundary (the boundary itself is in
    /// `GET /api/v1/gmina` once picked).
    pub bbox: BoundingBox,
    pub center: GeoPoint,
    pub branding: Branding,
}

/// `GET /api/v1/gminas?q=…` (name, powiat or TERYT; without diacritics
/// too: "zorawina" finds Żórawina) or `?lat=…&lon=…` (the gminas whose
/// boundary contains the point: "use my location").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GminaDirectory {
    pub gminas: Vec<GminaSummary>,
}

#[cfg(test)]
mod teryt_tests {
    use super::*;

    #[test]
    fn gus_codes_parse_and_others_do_not() {
        for ok in ["0223083", "0223011", "1465011", "0264011", "3262011", "1465108"] {
            assert!(Teryt::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "022308", "02230833", "0123083", "3423083", "022308a", "0223086", " 223083"] {
            assert!(Teryt::parse(bad).is_err(), "{bad}");
        }
        let t: Teryt = serde_json::from_str("\"0223083\"").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"0223083\"");
        assert!(serde_json::from_str::<Teryt>("\"9999999\"").is_err());
    }

    #[test]
    fn the_box_holds_every_corner_of_the_ring() {
        let p = Polygon { rings: vec![vec![[17.0, 51.0], [17.2, 51.0], [17.2, 51.1], [17.0, 51.0]]] };
        let b = BoundingBox::of(&p).unwrap();
        assert_eq!((b.min_lon, b.max_lon, b.min_lat, b.max_lat), (17.0, 17.2, 51.0, 51.1));
        assert!(b.contains(GeoPoint { lat: 51.05, lon: 17.1 }));
        assert!(!b.contains(GeoPoint { lat: 51.2, lon: 17.1 }));
    }
}
