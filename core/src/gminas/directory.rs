//! The directory of the deployment's gminas (`GET /api/v1/gminas`), and
//! the same questions answered from the last answers kept on the device
//! when the server cannot be reached.

use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{BoundingBox, Branding, Gmina, GminaDirectory, GminaSummary};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::search::fold;
use crate::sync::client::{Http, HttpError};

/// What the picker asks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Query {
    /// Name, powiat or TERYT code, diacritics optional; empty: all.
    Text(String),
    /// "Użyj mojej lokalizacji": the gminas whose boundary holds the point.
    At(GeoPoint),
}

/// A directory answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GminaList {
    /// By name (folded), then TERYT.
    pub gminas: Vec<GminaSummary>,
    /// Answered from the gminas seen before on this device: the server
    /// could not be reached. A location search then goes by the boxes
    /// around the boundaries, so it may list a neighbour too.
    pub offline: bool,
}

/// Asks the server. A server from before the directory (it answers the
/// route with 404) serves exactly one gmina: its `GET /api/v1/gmina`
/// stands in as a directory of one, filtered here.
pub(crate) async fn fetch(http: &Http, base: &str, query: &Query) -> Result<Vec<GminaSummary>, HttpError> {
    let params: Vec<(&str, String)> = match query {
        Query::Text(q) if q.trim().is_empty() => vec![],
        Query::Text(q) => vec![("q", q.trim().to_owned())],
        Query::At(p) => vec![("lat", p.lat.to_string()), ("lon", p.lon.to_string())],
    };
    match http.get(base, "/gminas", &params).await {
        Ok(body) => {
            let d: GminaDirectory =
                serde_json::from_str(&body).map_err(|e| HttpError::Network(format!("bad gmina directory: {e}")))?;
            Ok(d.gminas)
        }
        Err(HttpError::Status { status: 404, .. }) => {
            /// `GET /api/v1/gmina`: the gmina with its localities.
            #[derive(Deserialize)]
            struct Info {
                gmina: Gmina,
            }
            let body = http.get(base, "/gmina", &[]).await?;
            let info: Info = serde_json::from_str(&body).map_err(|e| HttpError::Network(format!("bad gmina: {e}")))?;
            Ok(summary_of(&info.gmina).into_iter().filter(|s| matches(s, query)).collect())
        }
        Err(e) => Err(e),
    }
}

/// The directory entry of a synced gmina record (a server without the
/// directory): no powiat or voivodeship to tell, the default colours.
pub(crate) fn summary_of(g: &Gmina) -> Option<GminaSummary> {
    let teryt = mm_protocol::gmina::Teryt::parse(&g.teryt).ok()?;
    let bbox = BoundingBox::of(&g.boundary).unwrap_or(BoundingBox {
        min_lat: g.center.lat,
        min_lon: g.center.lon,
        max_lat: g.center.lat,
        max_lon: g.center.lon,
    });
    Some(GminaSummary {
        teryt,
        name: g.name.strip_prefix("Gmina ").unwrap_or(&g.name).to_owned(),
        powiat: String::new(),
        voivodeship: String::new(),
        bbox,
        center: g.center,
        branding: Branding::default(),
    })
}

/// The server's rule, near enough, for answering offline: a text matches
/// the start of a word of the name or the powiat, or the start of the
/// TERYT code, without diacritics; a point matches the box.
pub(crate) fn matches(g: &GminaSummary, query: &Query) -> bool {
    match query {
        Query::Text(q) => {
            let q = fold(q.trim());
            if q.is_empty() {
                return true;
            }
            let words = |s: &str| fold(s).split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(&q))
                || fold(s).starts_with(&q);
            words(&g.name) || words(&g.powiat) || g.teryt.as_str().starts_with(&q)
        }
        Query::At(p) => g.bbox.contains(*p),
    }
}

pub(crate) fn sorted(mut gminas: Vec<GminaSummary>) -> Vec<GminaSummary> {
    gminas.sort_by_cached_key(|g| (fold(&g.name), g.teryt.clone()));
    gminas
}

/// Whether the answer can stand in for the server's: only when the server
/// could not be reached, or failed through no fault of the question.
pub(crate) fn offline_worthy(e: &Error) -> bool {
    matches!(e, Error::Http(h) if h.is_transient())
}
