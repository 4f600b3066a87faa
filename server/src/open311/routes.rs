//! The GeoReport v2 endpoints. `{file}` is `name.json` or `name.xml`.
//! A request POSTed here goes through the same creation code as the app's
//! (`reports::service::submit`), so each is an ordinary report of the other.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use mm_protocol::error::ErrorCode;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{Contact, NewReport, Report, ReportStatus};

use super::format::{Format, Open311Error, respond, split};
use super::model::{
    Discovery, Endpoint, Joined, Posted, Service, ServiceDefinition, ServiceRequest, Text,
    TokenAnswer,
};
use crate::devices::auth::device_by_token;
use crate::error::AppError;
use crate::reports::ratelimit::{ClientIp, WriteError};
use crate::reports::reference::Reference;
use crate::reports::service::{charge, precheck, submit};
use crate::state::AppState;
use crate::tenant;
use crate::store::{Created, ReportFilter};

type O311 = Result<Response, Open311Error>;

/// The handler's state scoped to the request's gmina: GeoReport v2's
/// `jurisdiction_id` is its TERYT code (or `MM-Gmina`, as everywhere);
/// the deployment's only gmina when none is named. Refused in Open311's
/// own error form.
pub struct Jurisdiction(AppState);

impl FromRequestParts<AppState> for Jurisdiction {
    type Rejection = Open311Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Open311Error> {
        let format = if parts.uri.path().ends_with(".xml") { Format::Xml } else { Format::Json };
        match tenant::resolve(parts, state).await {
            Ok(r) => Ok(Jurisdiction(r.state.clone())),
            Err(e) => Err(from_app(e, format)),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/{file}", get(discovery))
        .route("/open311/v2/{file}", get(list).post(post_request))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

/// The format from the file name; anything else is an unknown resource.
fn format_of(file: &str) -> Result<(&str, Format), Open311Error> {
    split(file).ok_or_else(|| {
        Open311Error::not_found("Unknown resource; use .json or .xml.", Format::Json)
    })
}

fn internal(format: Format) -> impl Fn(crate::store::StoreError) -> Open311Error {
    move |e| {
        tracing::error!(error = %e, "open311 storage failed");
        Open311Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server failed. Nothing was changed.",
            format,
        )
    }
}

/// Our `ApiError`s in Open311 terms.
fn from_app(e: AppError, format: Format) -> Open311Error {
    let status = match e.code() {
        ErrorCode::NotFound | ErrorCode::UnknownGmina => StatusCode::NOT_FOUND,
        ErrorCode::Unauthorized | ErrorCode::Forbidden | ErrorCode::TokenExpired => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::Unknown => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let api = e.into_api();
    let en = &api.message.en;
    let description = match &api.field {
        Some(f) => format!("{f}: {en} / {}", api.message.pl),
        None => format!("{en} / {}", api.message.pl),
    };
    Open311Error::new(status, description, format)
}

/// The configured public URL (`--public-url`), for absolute URLs: never
/// the request's `Host` or `X-Forwarded-Proto`, which a client chooses and
/// a shared cache would then serve to everyone.
fn base_url(state: &AppState) -> &str {
    state.public_url.base()
}

/// The categories and the gmina's name, from memory
/// (`reports::reference`: reloaded when the store reports a change).
async fn reference(state: &AppState, format: Format) -> Result<Arc<Reference>, Open311Error> {
    state
        .reference
        .get(state.store.as_ref())
        .await
        .map_err(internal(format))
}

/// `GET /open311/discovery.json|xml`: an endpoint per gmina, each with
/// its `jurisdiction_id`.
async fn discovery(State(state): State<AppState>, Path(file): Path<String>) -> O311 {
    let (stem, format) = format_of(&file)?;
    if stem != "discovery" {
        return Err(Open311Error::not_found("Unknown resource.", format));
    }
    let gminas = state.gminas.list(state.store.as_ref()).await.map_err(internal(format))?;
    let mut jurisdictions: Vec<&str> = gminas.iter().map(|g| g.teryt.as_str()).collect();
    if jurisdictions.is_empty() {
        jurisdictions.push(state.store.gmina_scope().as_str());
    }
    let changeset = "2026-01-01T00:00:00+00:00";
    let v = Discovery {
        changeset,
        contact: "Urząd Gminy — zgłoszenia przez aplikację mMieszkaniec",
        endpoints: jurisdictions
            .into_iter()
            .map(|jurisdiction_id| Endpoint {
                changeset,
                formats: ["text/xml", "application/json"],
                jurisdiction_id,
                specification: "http://wiki.open311.org/GeoReport_v2",
                kind: "production",
                url: Text(Joined(base_url(&state), "/open311/v2")),
            })
            .collect(),
        key_service: "api_key = the device token from POST /api/v1/devices",
    };
    Ok(respond(StatusCode::OK, format, "discovery", &v))
}

/// `GET /open311/v2/services.json|xml` and `requests.json|xml`.
async fn list(
    Jurisdiction(state): Jurisdiction,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> O311 {
    let (stem, format) = format_of(&file)?;
    match stem {
        "services" => services(&state, format).await,
        "requests" => requests(&state, format, q.as_deref().unwrap_or("")).await,
        _ => Err(Open311Error::not_found("Unknown resource.", format)),
    }
}

async fn services(state: &AppState, format: Format) -> O311 {
    let reference = reference(state, format).await?;
    let v: Vec<Service<'_>> = reference
        .categories
        .iter()
        .filter(|c| c.active)
        .map(Service::of)
        .collect();
    Ok(respond(StatusCode::OK, format, "services", &v))
}

/// `GET /open311/v2/services/{code}.json|xml`: the attributes.
async fn service_definition(Jurisdiction(state): Jurisdiction, Path(file): Path<String>) -> O311 {
    let (code, format) = format_of(&file)?;
    let reference = reference(&state, format).await?;
    let cat = reference
        .category(code)
        .filter(|c| c.active)
        .ok_or_else(|| Open311Error::not_found(format!("Unknown service_code {code}."), format))?;
    let v = ServiceDefinition::of(cat);
    Ok(respond(StatusCode::OK, format, "service_definition", &v))
}

fn parse_query(q: &str) -> HashMap<String, String> {
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn parse_date(name: &str, v: &str, format: Format) -> Result<DateTime<Utc>, Open311Error> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Open311Error::bad(
                format!("{name} must be an ISO 8601 date-time with a zone."),
                format,
            )
        })
}

/// Reports as GeoReport v2's service requests, answered in `format`.
async fn respond_requests(state: &AppState, reports: &[Report], format: Format) -> O311 {
    let reference = reference(state, format).await?;
    let agency = match &reference.gmina_name {
        Some(name) => format!("Urząd Gminy {name}"),
        None => "Urząd Gminy".to_owned(),
    };
    let base = base_url(state);
    let v: Vec<ServiceRequest<'_>> = reports
        .iter()
        .map(|r| ServiceRequest::of(r, reference.category(&r.category), &agency, base, state.store.gmina_scope().as_str()))
        .collect();
    Ok(respond(StatusCode::OK, format, "service_requests", &v))
}

/// `GET /open311/v2/requests.json|xml` with the spec's filters plus the
/// `page`/`page_size` extension. Without dates, the last 90 days (spec).
async fn requests(state: &AppState, format: Format, q: &str) -> O311 {
    let q = parse_query(q);
    let mut filter = ReportFilter::default();
    let (offset, limit) = crate::reports::service::parse_page(
        q.get("page").map(String::as_str),
        q.get("page_size").map(String::as_str),
        100,
        1000,
    )
    .map_err(|e| from_app(e, format))?;
    filter.offset = offset;
    filter.limit = limit;
    if let Some(ids) = q.get("service_request_id").filter(|s| !s.is_empty()) {
        // The spec: with ids, the other parameters are ignored.
        let ids = ids
            .split(',')
            .map(|s| s.trim().parse::<i64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                Open311Error::bad(
                    "service_request_id must be a comma-separated list of ids.",
                    format,
                )
            })?;
        filter.ids = Some(ids);
    } else {
        if let Some(code) = q.get("service_code").filter(|s| !s.is_empty()) {
            filter.category = Some(code.clone());
        }
        if let Some(s) = q.get("status").filter(|s| !s.is_empty()) {
            for part in s.split(',') {
                let open = match part.trim() {
                    "open" => true,
                    "closed" => false,
                    _ => return Err(Open311Error::bad("status must be open or closed.", format)),
                };
                use ReportStatus::*;
                filter.statuses.extend(
                    [New, Accepted, InProgress, Resolved, Rejected, Duplicate]
                        .into_iter()
                        .filter(|x| x.is_open() == open),
                );
            }
        }
        let end = q
            .get("end_date")
            .map(|v| parse_date("end_date", v, format))
            .transpose()?;
        let start = q
            .get("start_date")
            .map(|v| parse_date("start_date", v, format))
            .transpose()?;
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(Open311Error::bad(
                "start_date must not be after end_date.",
                format,
            ));
        }
        filter.start = Some(
            start.unwrap_or_else(|| end.unwrap_or_else(|| state.clock.now()) - Duration::days(90)),
        );
        filter.end = end;
    }
    let reports = state
        .store
        .list_reports(filter)
        .await
        .map_err(internal(format))?;
    respond_requests(state, &reports, format).await
}

/// `GET /open311/v2/requests/{id}.json|xml`.
async fn one_request(
    Jurisdiction(state): Jurisdiction,
    Path(file): Path<String>,
) -> O311 {
    let (id, format) = format_of(&file)?;
    let report = match id.parse::<i64>() {
        Ok(id) => state.store.get_report(id).await.map_err(internal(format))?,
        Err(_) => None,
    };
    let report = report
        .ok_or_else(|| Open311Error::not_found(format!("No service request {id}."), format))?;
    respond_requests(&state, &[report], format).await
}

/// `GET /open311/v2/tokens/{token}.json|xml`. Requests get their id at
/// once, so a token is the request id itself.
async fn token(Jurisdiction(state): Jurisdiction, Path(file): Path<String>) -> O311 {
    let (token, format) = format_of(&file)?;
    let found = match token.parse::<i64>() {
        Ok(id) => state.store.get_report(id).await.map_err(internal(format))?,
        Err(_) => None,
    };
    let r =
        found.ok_or_else(|| Open311Error::not_found(format!("Unknown token {token}."), format))?;
    let v = [TokenAnswer {
        service_request_id: Text(r.id),
        token,
    }];
    Ok(respond(StatusCode::OK, format, "service_requests", &v))
}

/// A GeoReport v2 `POST requests` body (`application/x-www-form-urlencoded`)
/// as read before anything is looked up: the key, the jurisdiction named,
/// and the report, or why the form does not make one. The report's error
/// waits until the key has been checked, so an unknown caller learns
/// nothing about the form.
pub struct PostForm {
    pub api_key: Option<String>,
    /// The form's (GeoReport v2 posts it in the body), else the query's.
    pub jurisdiction: Option<String>,
    pub report: Result<NewReport, Open311Error>,
}

impl PostForm {
    pub fn read(body: &[u8], query: Option<&str>, format: Format) -> PostForm {
        let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let jurisdiction = field("jurisdiction_id").or_else(|| {
            // Trimmed as the form's fields are (found by the fuzzer: a
            // query's ` 0223083` named no gmina).
            parse_query(query.unwrap_or(""))
                .remove("jurisdiction_id")
                .map(|j| j.trim().to_owned())
                .filter(|j| !j.is_empty())
        });
        PostForm { api_key: field("api_key"), jurisdiction, report: Self::report(&form, &field, format) }
    }

    fn report(
        form: &[(String, String)],
        field: &dyn Fn(&str) -> Option<String>,
        format: Format,
    ) -> Result<NewReport, Open311Error> {
        let service_code = field("service_code")
            .ok_or_else(|| Open311Error::bad("service_code is required.", format))?;
        let coord = |name: &str| -> Result<f64, Open311Error> {
            field(name)
                .ok_or_else(|| {
                    Open311Error::bad(
                        format!("{name} is required (lat and long locate the problem)."),
                        format,
                    )
                })?
                .parse::<f64>()
                .map_err(|_| Open311Error::bad(format!("{name} must be a number."), format))
        };
        let point = GeoPoint {
            lat: coord("lat")?,
            lon: coord("long")?,
        };
        let mut answers = BTreeMap::new();
        for (k, v) in form {
            if let Some(code) = k
                .strip_prefix("attribute[")
                .and_then(|r| r.strip_suffix(']'))
            {
                answers.insert(code.to_owned(), v.trim().to_owned());
            }
        }
        // Only our own photos can be attached (we do not fetch foreign URLs).
        let photo_ids = field("media_url")
            .and_then(|u| {
                u.rsplit_once("/api/v1/photos/")
                    .map(|(_, id)| id.split('?').next().unwrap_or_default().to_owned())
            })
            .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .into_iter()
            .collect();
        let name = [field("first_name"), field("last_name")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let contact = Contact {
            name: Some(name).filter(|n| !n.is_empty()),
            email: field("email"),
            phone: field("phone"),
        };
        Ok(NewReport {
            category: service_code,
            point,
            location_source: Default::default(),
            accuracy_m: None,
            address: field("address_string"),
            description: field("description").unwrap_or_default(),
            answers,
            photo_ids,
            contact: (contact != Contact::default()).then_some(contact),
        })
    }
}

/// `POST /open311/v2/requests.json|xml`, form-encoded.
async fn post_request(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    Path(file): Path<String>,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> O311 {
    let (stem, format) = format_of(&file)?;
    if stem != "requests" {
        return Err(Open311Error::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Only requests take a POST.",
            format,
        ));
    }
    let form = PostForm::read(&body, query.as_deref(), format);
    let api_key = form
        .api_key
        .ok_or_else(|| Open311Error::new(StatusCode::FORBIDDEN, "api_key is required.", format))?;
    let device_gmina = state
        .store
        .find_device(&crate::auth::token::hash_token(&api_key))
        .await
        .map_err(internal(format))?
        .map(|d| d.gmina);
    let state = tenant::resolve_named(&state, form.jurisdiction.as_deref(), device_gmina.as_ref())
        .await
        .map_err(|e| from_app(e, format))?;
    // A device of another gmina than the named one: its key is not valid here.
    let device = device_by_token(&state, &api_key)
        .await
        .map_err(|e| from_app(e, format))?
        .ok_or_else(|| Open311Error::new(StatusCode::FORBIDDEN, "Invalid api_key.", format))?;
    let input = form.report?;
    precheck(&state, &input)
        .await
        .map_err(|e| from_app(e, format))?;
    match charge(&state, Some(&device.id), ip, None).await {
        Ok(()) => {}
        Err(WriteError::RateLimited(wait)) => {
            let mut e = Open311Error::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests; try again later.",
                format,
            );
            e.retry_after = Some(wait.as_secs().max(1));
            return Err(e);
        }
        Err(WriteError::App(e)) => return Err(from_app(e, format)),
    }
    let report_id = match submit(&state, Some(device.id), None, input)
        .await
        .map_err(|e| from_app(e, format))?
    {
        Created::New(report) => report.id,
        // Open311 sends no Idempotency-Key, so nothing is ever replayed here.
        Created::Replayed(_) => {
            return Err(Open311Error::new(StatusCode::INTERNAL_SERVER_ERROR, "The server failed.", format));
        }
    };
    let v = [Posted {
        account_id: (),
        service_notice: "",
        service_request_id: Text(report_id),
    }];
    Ok(respond(StatusCode::CREATED, format, "service_requests", &v))
}
