//! Which gmina a request is for (issue 13; docs/DESIGN.md "Tenancy").
//!
//! A request names its gmina by the `MM-Gmina` header or the `gmina`
//! query (links that cannot carry a header: the ICS feed,
//! `/transparency`), Open311 by its `jurisdiction_id`; one that names none
//! is for the gmina of its credential (a device token, an official's
//! session), or for the deployment's only gmina. Several gminas and none
//! named is 400 `gmina_required`, a code the deployment does not serve 404
//! `unknown_gmina`, one that is not a TERYT code 400 `invalid_gmina`.
//!
//! [`Tenant`] hands the handler an `AppState` whose `store` is scoped to
//! that gmina, so every query the handler makes is the gmina's and
//! another gmina's id is simply "not found". The credential extractors
//! (`devices::auth::Device`, `auth::extract::Official`,
//! `admin::session::Staff`) check that their credential belongs to the
//! same gmina: a device token of another gmina is 401, an official's
//! session of another gmina 404 (the official's gmina has no such page).
//!
//! The answer is worked out once per request and kept in its extensions,
//! so a handler that takes `Tenant` and `Device` looks the token up once.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use mm_protocol::error::ErrorCode;
use mm_protocol::gmina::{GMINA_HEADER, GMINA_QUERY, Teryt};

use crate::admin::session::{Cookies, SESSION_COOKIE};
use crate::auth::extract::bearer;
use crate::auth::token::hash_token;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{KnownDevice, SessionKind, SessionRecord};

/// The handler's state, its store scoped to the request's gmina.
pub struct Tenant(pub AppState);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Tenant(resolve(parts, state).await?.state.clone()))
    }
}

/// A request's gmina, worked out once.
#[derive(Clone)]
pub struct Resolved {
    pub gmina: Teryt,
    /// The state with the store scoped to `gmina`.
    pub state: AppState,
    /// The credential, when resolving had to look it up (a request that
    /// named no gmina in a deployment of several).
    pub credential: Option<Credential>,
}

/// What a request's token or cookie stands for.
#[derive(Debug, Clone)]
pub enum Credential {
    Device(KnownDevice),
    Session(SessionRecord),
}

impl Credential {
    fn gmina(&self) -> &Teryt {
        match self {
            Credential::Device(d) => &d.gmina,
            Credential::Session(s) => &s.gmina,
        }
    }
}

/// Which of the rules applies to a path: the back office and its public
/// pages take the official's session; Open311 also reads `jurisdiction_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Api,
    Open311,
    BackOffice,
}

impl Surface {
    fn of(path: &str) -> Surface {
        if path.starts_with("/open311") {
            Surface::Open311
        } else if path.starts_with("/admin") {
            Surface::BackOffice
        } else {
            Surface::Api
        }
    }
}

pub fn invalid_gmina() -> AppError {
    AppError::new(
        ErrorCode::InvalidGmina,
        "Kod gminy to jej 7-cyfrowy kod TERYT, np. 0223083.",
        "A gmina is named by its 7-digit TERYT code, e.g. 0223083.",
    )
    .with_field("gmina")
}

pub fn unknown_gmina() -> AppError {
    AppError::new(
        ErrorCode::UnknownGmina,
        "Ta gmina nie korzysta z tego serwera.",
        "This server does not serve that gmina.",
    )
    .with_field("gmina")
}

pub fn gmina_required() -> AppError {
    AppError::new(
        ErrorCode::GminaRequired,
        "Wybierz gminę: ten serwer obsługuje kilka gmin (nagłówek MM-Gmina lub parametr gmina).",
        "Choose a gmina: this server serves several (the MM-Gmina header or the gmina parameter).",
    )
    .with_field("gmina")
}

/// The gmina a request names, if any: the header, else the query's
/// `gmina` (Open311: `jurisdiction_id`). Two different names are an error,
/// not a choice between them.
fn named(parts: &Parts, surface: Surface) -> Result<Option<Teryt>, AppError> {
    let header = match parts.headers.get(GMINA_HEADER) {
        Some(v) => Some(v.to_str().map_err(|_| invalid_gmina())?.trim().to_owned()),
        None => None,
    };
    let mut from_query = None;
    if let Some(q) = parts.uri.query() {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            let ours = k == GMINA_QUERY || (surface == Surface::Open311 && k == "jurisdiction_id");
            // An empty `jurisdiction_id=` is what Open311 clients send when
            // they have none to name.
            if ours && !v.trim().is_empty() {
                if from_query.as_ref().is_some_and(|q: &String| q != v.trim()) {
                    return Err(invalid_gmina());
                }
                from_query = Some(v.trim().to_owned());
            }
        }
    }
    let code = match (header, from_query) {
        (Some(h), Some(q)) if h != q => return Err(invalid_gmina()),
        (h, q) => h.or(q),
    };
    code.map(|c| Teryt::parse(&c).map_err(|_| invalid_gmina())).transpose()
}

/// The request's credential (a bearer token: a device's or an API
/// session's; in the back office the session cookie), looked up only when
/// the gmina has to come from it.
async fn credential(parts: &Parts, state: &AppState, surface: Surface) -> Result<Option<Credential>, AppError> {
    if surface == Surface::BackOffice {
        let Some(token) = Cookies::of(state).get(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let session = state.store.find_session(&hash_token(&token), SessionKind::BackOffice).await?;
        return Ok(session.map(Credential::Session));
    }
    let Some(token) = bearer(&parts.headers) else { return Ok(None) };
    let hash = hash_token(token);
    if let Some(d) = state.store.find_device(&hash).await? {
        return Ok(Some(Credential::Device(d)));
    }
    Ok(state.store.find_session(&hash, SessionKind::Api).await?.map(Credential::Session))
}

/// Works out the request's gmina (once: later calls read the request's
/// extensions).
pub async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Arc<Resolved>, AppError> {
    if let Some(r) = parts.extensions.get::<Arc<Resolved>>() {
        return Ok(r.clone());
    }
    let surface = Surface::of(parts.uri.path());
    let named = named(parts, surface)?;
    let mut looked_up = None;
    let gmina = match named {
        Some(t) => known(state, t).await?,
        None => {
            let gminas = state.gminas.list(state.store.as_ref()).await?;
            match gminas.as_slice() {
                // A deployment before its first gmina works as its default.
                [] => state.store.gmina_scope().clone(),
                [only] => only.teryt.clone(),
                _ => {
                    looked_up = credential(parts, state, surface).await?;
                    match (&looked_up, surface) {
                        (Some(c), _) => c.gmina().clone(),
                        // Not signed in: the page sends the browser to the
                        // sign-in form, which needs no gmina.
                        (None, Surface::BackOffice) => state.store.gmina_scope().clone(),
                        (None, _) => return Err(gmina_required()),
                    }
                }
            }
        }
    };
    let resolved = Arc::new(Resolved { state: scoped(state, &gmina), gmina, credential: looked_up });
    parts.extensions.insert(resolved.clone());
    Ok(resolved)
}

/// `teryt` when the deployment serves it, else 404 `unknown_gmina`.
pub async fn known(state: &AppState, teryt: Teryt) -> Result<Teryt, AppError> {
    if state.gminas.find(state.store.as_ref(), &teryt).await?.is_some() {
        return Ok(teryt);
    }
    // Before its first gmina a deployment answers for its default one.
    if state.gminas.list(state.store.as_ref()).await?.is_empty() && &teryt == state.store.gmina_scope() {
        return Ok(teryt);
    }
    Err(unknown_gmina())
}

/// The state with its store scoped to `gmina`.
pub fn scoped(state: &AppState, gmina: &Teryt) -> AppState {
    let mut s = state.clone();
    if s.store.gmina_scope() != gmina {
        s.store = state.store.for_gmina(gmina);
    }
    s
}

/// For a request that names its gmina outside the URL and headers (an
/// Open311 POST's form body): that gmina, else the credential's, else the
/// deployment's only one.
pub async fn resolve_named(
    state: &AppState,
    name: Option<&str>,
    credential_gmina: Option<&Teryt>,
) -> Result<AppState, AppError> {
    let gmina = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => known(state, Teryt::parse(n).map_err(|_| invalid_gmina())?).await?,
        None => match credential_gmina {
            Some(t) => t.clone(),
            None => match state.gminas.list(state.store.as_ref()).await?.as_slice() {
                [] => state.store.gmina_scope().clone(),
                [only] => only.teryt.clone(),
                _ => return Err(gmina_required()),
            },
        },
    };
    Ok(scoped(state, &gmina))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, header: Option<&str>) -> Parts {
        let mut b = Request::builder().uri(uri);
        if let Some(h) = header {
            b = b.header(GMINA_HEADER, h);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn name(uri: &str, header: Option<&str>) -> Result<Option<String>, ErrorCode> {
        let p = parts(uri, header);
        named(&p, Surface::of(p.uri.path())).map(|t| t.map(|t| t.to_string())).map_err(|e| e.code())
    }

    #[test]
    fn a_request_names_its_gmina_by_header_or_query() {
        assert_eq!(name("/api/v1/news", None), Ok(None));
        assert_eq!(name("/api/v1/news", Some("0223083")), Ok(Some("0223083".into())));
        assert_eq!(name("/api/v1/events.ics?gmina=0223032", None), Ok(Some("0223032".into())));
        assert_eq!(name("/api/v1/news?gmina=0223032", Some("0223032")), Ok(Some("0223032".into())));
        assert_eq!(name("/open311/v2/services.json?jurisdiction_id=0223032", None), Ok(Some("0223032".into())));
        assert_eq!(name("/open311/v2/services.json?jurisdiction_id=", None), Ok(None));
    }

    #[test]
    fn a_malformed_or_contradictory_name_is_invalid_gmina() {
        assert_eq!(name("/api/v1/news", Some("siechnice")), Err(ErrorCode::InvalidGmina));
        assert_eq!(name("/api/v1/news?gmina=123", None), Err(ErrorCode::InvalidGmina));
        assert_eq!(name("/api/v1/news?gmina=0223083", Some("0223032")), Err(ErrorCode::InvalidGmina));
        assert_eq!(name("/api/v1/news?gmina=0223083&gmina=0223032", None), Err(ErrorCode::InvalidGmina));
        // Only Open311 reads jurisdiction_id; elsewhere it is just a parameter.
        assert_eq!(name("/api/v1/news?jurisdiction_id=x", None), Ok(None));
        assert_eq!(name("/open311/v2/services.json?jurisdiction_id=x", None), Err(ErrorCode::InvalidGmina));
    }
}
