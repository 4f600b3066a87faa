//! Adding a gmina to the deployment (`mm-server gmina add`, the demo):
//! its directory entry, its boundary read from a GeoJSON file, and its
//! first admin account, whose random password is handed back once.

use mm_protocol::auth::Role;
use mm_protocol::geo::{GeoPoint, Polygon};
use mm_protocol::gmina::{Branding, Teryt};
use mm_protocol::text::fold;
use mm_protocol::validation::Validate;
use serde_json::Value;

use crate::store::{Actor, GminaRecord, Store, StoreError};

/// Why a gmina could not be added; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Invalid(String),
    #[error("the boundary file: {0}")]
    Boundary(String),
    #[error("a gmina with TERYT {0} is already in this deployment")]
    Exists(Teryt),
    #[error("the login {0} is taken")]
    LoginTaken(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// What `gmina add` is given.
#[derive(Debug, Clone)]
pub struct NewGmina {
    pub teryt: String,
    pub name: String,
    pub powiat: String,
    pub voivodeship: String,
    pub boundary: Option<Polygon>,
    /// The first admin's login; `admin-<name>` when not given.
    pub admin_login: Option<String>,
}

/// A gmina just added, and its first admin's one-time password.
#[derive(Debug, Clone)]
pub struct Added {
    pub gmina: GminaRecord,
    pub admin_login: String,
    pub admin_password: String,
}

/// `admin-` and the name folded to ASCII letters, digits and hyphens:
/// "Czernica" → `admin-czernica`, "Kamieniec Ząbkowicki" →
/// `admin-kamieniec-zabkowicki`.
pub fn default_admin_login(name: &str) -> String {
    let folded: String = fold(name).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    format!("admin-{}", folded.split_whitespace().collect::<Vec<_>>().join("-"))
}

fn text(field: &str, v: &str) -> Result<String, SetupError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
        return Err(SetupError::Invalid(format!("--{field} must be 1 to 200 visible characters")));
    }
    Ok(v.to_owned())
}

/// Checks everything, then adds the gmina and its admin. A second gmina
/// with the same TERYT code, or a taken login, writes nothing.
pub async fn add(store: &dyn Store, new: NewGmina, now: chrono::DateTime<chrono::Utc>) -> Result<Added, SetupError> {
    let teryt = Teryt::parse(new.teryt.trim()).map_err(|e| SetupError::Invalid(format!("--teryt: {}", e.en)))?;
    let name = text("name", &new.name)?;
    let powiat = text("powiat", &new.powiat)?;
    let voivodeship = text("voivodeship", &new.voivodeship)?;
    let admin_login = match new.admin_login {
        Some(l) => text("admin", &l)?,
        None => default_admin_login(&name),
    };
    if store.gmina_record(&teryt).await?.is_some() {
        return Err(SetupError::Exists(teryt));
    }
    if store.find_user(&admin_login).await?.is_some() {
        return Err(SetupError::LoginTaken(admin_login));
    }
    let center = new.boundary.as_ref().and_then(mm_protocol::gmina::BoundingBox::of).map(|b| GeoPoint {
        lat: (b.min_lat + b.max_lat) / 2.0,
        lon: (b.min_lon + b.max_lon) / 2.0,
    });
    let password = crate::auth::password::generate();
    let for_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&for_hash))
        .await
        .map_err(|e| StoreError::backend(e.to_string()))?
        .map_err(StoreError::backend)?;
    let record = GminaRecord {
        teryt: teryt.clone(),
        name,
        powiat,
        voivodeship,
        boundary: new.boundary,
        center,
        branding: Branding { coat_of_arms_url: None, primary_color: "#1d4f91".into(), on_primary_color: "#ffffff".into() },
        settings: Default::default(),
    };
    let actor = Actor("cli".into());
    let gmina = match store.add_gmina(actor.clone(), record, now).await {
        Ok(g) => g,
        Err(StoreError::Conflict(crate::store::Conflict::GminaExists)) => return Err(SetupError::Exists(teryt)),
        Err(e) => return Err(e.into()),
    };
    store.for_gmina(&teryt).create_user(actor, &admin_login, Role::Admin, &hash).await?;
    Ok(Added { gmina, admin_login, admin_password: password })
}

/// A gmina's boundary from GeoJSON (RFC 7946): a Polygon or a
/// MultiPolygon of one polygon, bare or as a Feature, or a
/// FeatureCollection of one such Feature. A gmina is one area here; a
/// MultiPolygon of several parts (an exclave) is refused rather than cut.
pub fn boundary_from_geojson(bytes: &[u8]) -> Result<Polygon, SetupError> {
    let bad = |m: &str| SetupError::Boundary(m.to_owned());
    let v: Value = serde_json::from_slice(bytes).map_err(|e| SetupError::Boundary(format!("not JSON: {e}")))?;
    let geometry = match v.get("type").and_then(Value::as_str) {
        Some("Feature") => v.get("geometry").cloned().ok_or_else(|| bad("the Feature has no geometry"))?,
        Some("FeatureCollection") => {
            let features = v.get("features").and_then(Value::as_array).ok_or_else(|| bad("no features"))?;
            match features.as_slice() {
                [one] => one.get("geometry").cloned().ok_or_else(|| bad("the Feature has no geometry"))?,
                _ => return Err(bad("a FeatureCollection must hold exactly one Feature, the gmina")),
            }
        }
        Some(_) => v,
        None => return Err(bad("not GeoJSON (no \"type\")")),
    };
    let coords = geometry.get("coordinates").cloned().ok_or_else(|| bad("the geometry has no coordinates"))?;
    let rings: Vec<Vec<[f64; 2]>> = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => serde_json::from_value(coords).map_err(|_| bad("a Polygon's coordinates are rings of [lon, lat]"))?,
        Some("MultiPolygon") => {
            let mut polygons: Vec<Vec<Vec<[f64; 2]>>> =
                serde_json::from_value(coords).map_err(|_| bad("a MultiPolygon's coordinates are polygons of rings of [lon, lat]"))?;
            if polygons.len() != 1 {
                return Err(SetupError::Boundary(format!(
                    "a MultiPolygon of {} parts; a gmina's boundary here is one polygon (with holes)",
                    polygons.len()
                )));
            }
            polygons.remove(0)
        }
        Some(other) => return Err(SetupError::Boundary(format!("a {other}, not a Polygon or MultiPolygon"))),
        None => return Err(bad("the geometry has no type")),
    };
    let polygon = Polygon { rings };
    polygon.validate().map_err(|e| SetupError::Boundary(e.en))?;
    Ok(polygon)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = "[[17.2,51.0],[17.4,51.0],[17.4,51.1],[17.2,51.1],[17.2,51.0]]";

    #[test]
    fn every_usual_shape_of_the_file_reads() {
        for doc in [
            format!(r#"{{"type":"Polygon","coordinates":[{SQUARE}]}}"#),
            format!(r#"{{"type":"MultiPolygon","coordinates":[[{SQUARE}]]}}"#),
            format!(r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"Polygon","coordinates":[{SQUARE}]}}}}"#),
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{{"type":"MultiPolygon","coordinates":[[{SQUARE}]]}}}}]}}"#
            ),
        ] {
            let p = boundary_from_geojson(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(p.rings[0].len(), 5);
        }
    }

    #[test]
    fn a_bad_file_says_what_is_wrong() {
        let err = |doc: &str| boundary_from_geojson(doc.as_bytes()).unwrap_err().to_string();
        assert!(err("not json").contains("not JSON"));
        assert!(err(r#"{"type":"Point","coordinates":[17,51]}"#).contains("a Point"));
        assert!(err(&format!(r#"{{"type":"MultiPolygon","coordinates":[[{SQUARE}],[{SQUARE}]]}}"#)).contains("2 parts"));
        assert!(err(r#"{"type":"Polygon","coordinates":[[[17,51],[18,51],[17,51]]]}"#).contains("4 positions"));
        assert!(err(r#"{"type":"Polygon","coordinates":[[[17,51],[18,51],[18,52],[17,52.5]]]}"#).contains("closed"));
        assert!(err(r#"{"type":"Polygon","coordinates":[[[17,91],[18,51],[18,52],[17,91]]]}"#).contains("atitude"));
        assert!(err(r#"{"coordinates":[]}"#).contains("no \"type\""));
    }

    #[test]
    fn the_first_admins_login_comes_from_the_name() {
        assert_eq!(default_admin_login("Czernica"), "admin-czernica");
        assert_eq!(default_admin_login("Kamieniec Ząbkowicki"), "admin-kamieniec-zabkowicki");
        assert_eq!(default_admin_login(" Żórawina "), "admin-zorawina");
    }
}
