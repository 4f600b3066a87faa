//! `GET /api/v1/openapi.json`: OpenAPI 3.1, generated from the handlers'
//! `#[utoipa::path]` attributes. Routes are registered through
//! utoipa-axum's `routes!`, which takes each route's path from the same
//! attribute, so the document and the router cannot drift.

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "mMieszkaniec API", description = "The app API of mMieszkaniec, a gmina in your phone."),
    paths(crate::events::routes::event_ics_doc),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Officials' sign-in"),
        (name = "devices", description = "Residents' app installs"),
        (name = "news", description = "News and alerts"),
        (name = "events", description = "Events, categories, ICS feeds"),
        (name = "sync", description = "Delta sync of public collections"),
        (name = "reports", description = "Residents' reports, photos, categories, workflow"),
        (name = "taxes", description = "Local taxes: a household's liabilities, activation codes, payments through the gateway"),
        (name = "budget", description = "Participatory budget (budżet obywatelski): editions, projects, ballots, published results"),
        (name = "consultations", description = "Consultations (surveys): questions, one answer per device or per verified person, published summaries"),
        (name = "notifications", description = "Notifications: a device's subscription (alerts always on), push registration (APNs, FCM, Web Push) and feed"),
        (name = "waste", description = "Waste-collection schedule (harmonogram odbioru odpadów): streets, an address's pickups as JSON or ICS, the \"what goes where\" dictionary"),
    )
)]
pub struct ApiDoc;

/// `official`: a token from /auth/login; `device`: a token from /devices.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, what) in [
            ("official", "Official's session token"),
            ("device", "App install's device token"),
        ] {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.description = Some(what.into());
            components.add_security_scheme(name, SecurityScheme::Http(http));
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The document, built once from the same routers the app serves.
pub fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = crate::api_router().split_for_parts().1;
        name_the_gmina(&mut doc);
        the_edge_answers(&mut doc);
        doc
    })
}

/// The paths that are the deployment's, not a gmina's (`tenant`).
const DEPLOYMENT_PATHS: [&str; 3] = ["/api/v1/gminas", "/api/v1/openapi.json", "/api/v1/auth/login"];

/// Every other path takes the `MM-Gmina` header (or `?gmina=`, which the
/// endpoints' own parameters do not list): a deployment of several gminas
/// needs it; a device's or official's token names its own gmina.
fn name_the_gmina(doc: &mut Document) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    let header = ParameterBuilder::new()
        .name(mm_protocol::gmina::GMINA_HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The gmina's TERYT code, e.g. 0223083 (or the query parameter `gmina`). Needed when the server serves \
             several gminas and the request carries no device or official token: 400 gmina_required without it, \
             404 unknown_gmina for a gmina the server does not serve, 400 invalid_gmina for a malformed code.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[0-9]{7}$"))))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if !DEPLOYMENT_PATHS.contains(&path.as_str()) {
            item.parameters.get_or_insert_with(Vec::new).push(header.clone());
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    axum::Json(document()).into_response()
}

/// The answers that come from the edge before a handler runs, added to
/// every operation they can come from (where the handler's own attribute
/// does not list them already): the gmina's resolution (400
/// `gmina_required`/`invalid_gmina`, 404 `unknown_gmina`) on every
/// gmina-scoped path, and the JSON body's rejections (400 `malformed_json`,
/// 413 `payload_too_large`, 415 `unsupported_media_type`,
/// `AppError: From<JsonRejection>`) on every operation that takes one.
/// Schemathesis found them missing (docs/SECURITY.md, "Schema-driven API
/// testing").
fn the_edge_answers(doc: &mut Document) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let answer = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let scoped = !DEPLOYMENT_PATHS.contains(&path.as_str());
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let json_body = op
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.keys().any(|k| k.starts_with("application/json")));
            let mut add = |status: &str, what: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| answer(what).into());
            };
            if scoped {
                add("400", "gmina_required, invalid_gmina (the MM-Gmina header), or the request is not valid");
                add("404", "unknown_gmina: the server does not serve that gmina");
            }
            if json_body {
                add("400", "malformed_json: the body is not the JSON this operation takes");
                add("413", "payload_too_large");
                add("415", "unsupported_media_type: the body must be application/json");
            }
        }
    }
}
