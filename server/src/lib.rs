//! mm-server: the mMieszkaniec backend. Contents, in the order a request
//! meets them:
//!
//! - [`app`]: the router (`/healthz`, `/api/v1/*`) with its layers;
//! - [`headers`]: security headers on every response;
//! - [`tenant`]: which gmina a request is for, and its store scoped to it;
//! - [`error`]: every failure as the wire's `ApiError`;
//! - [`gmina`]: the gmina and the deployment's directory of gminas;
//! - [`auth`], [`devices`], [`news`], [`events`], [`sync`],
//!   [`audit`], [`reports`], [`places`]: one module per feature, each with its routes;
//! - [`taxes`], [`payments`]: local taxes from the gmina's tax system, paid by QR transfer or a gateway;
//! - [`notifications`], [`push`]: notifications to phones (subscriptions, feed, fan-out; APNs, FCM, Web Push);
//! - [`waste`]: the waste-collection schedule (zones, address rules, dated pickups, ICS, dictionary, import);
//! - [`open311`]: Open311 GeoReport v2 over the same reports;
//! - [`admin`]: the officials' web back office (`/admin`) and `/transparency`;
//! - [`accessibility`]: the gmina's accessibility statement (`/deklaracja-dostepnosci`);
//! - [`jobs`]: the one persisted job queue for outside systems and its worker;
//! - [`ezd`]: the EZD bridge (its jobs, case polling, Integrator API and package adapters);
//! - [`store`]: persistence behind async traits, SQLite today;
//! - [`blobs`]: where photo bytes live (a directory, or an S3-compatible store);
//! - [`maintenance`]: the periodic clean-up (raw photos, orphans, old rows);
//! - [`backup`]: `mm-server backup|restore` of a SQLite deployment, and the data directory's lock;
//! - [`demo`]: the demo data (Siechnice and its neighbour Czernica); [`openapi`]: the generated document.

// A library logs (tracing) or returns; its binaries and tests print.
#![cfg_attr(not(test), warn(clippy::print_stdout, clippy::print_stderr))]

pub mod config;
pub mod error;
pub mod state;
pub mod store;

pub mod accessibility;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod budget;
pub mod consultations;
pub mod demo;
pub mod devices;
pub mod events;
pub mod ezd;
pub mod gmina;
pub mod headers;
pub mod health;
pub mod jobs;
pub mod maintenance;
pub mod news;
pub mod notifications;
pub mod open311;
pub mod openapi;
pub mod payments;
pub mod places;
pub mod push;
pub mod reports;
pub mod sms;
pub mod sync;
pub mod taxes;
pub mod tenant;
pub mod waste;

#[doc(hidden)]
pub mod fuzzing;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use error::AppError;
use state::AppState;

/// Largest request body any endpoint takes.
pub const MAX_BODY: usize = 1 << 20;

/// Answers up to this size are sent uncompressed: they fit one TCP
/// segment either way.
const COMPRESS_ABOVE: u16 = 1024;

/// Every `/api/v1` route with its OpenAPI path, one router per feature.
pub fn api_router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(auth::routes::router())
        .merge(devices::routes::router())
        .merge(news::routes::router())
        .merge(events::routes::router())
        .merge(gmina::routes::router())
        .merge(sync::routes::router())
        .merge(audit::routes::router())
        .merge(reports::routes::router())
        .merge(places::routes::router())
        .merge(taxes::routes::router())
        .merge(payments::routes::router())
        .merge(consultations::routes::router())
        .merge(budget::routes::router())
        .merge(budget::results::router())
        .merge(notifications::routes::router())
        .merge(notifications::official::router())
        .merge(waste::routes::router())
        .merge(openapi::router());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).nest(mm_protocol::API_PREFIX, v1)
}

/// The whole HTTP app.
pub fn app(state: AppState) -> Router {
    let (api, _doc) = api_router().split_for_parts();
    api.route("/healthz", get(health::healthz))
        .merge(open311::routes::router())
        .merge(payments::routes::pages())
        .merge(payments::sandbox::router())
        .merge(admin::router())
        .merge(accessibility::page::router())
        .fallback(admin::view::not_found)
        .method_not_allowed_fallback(|| async { AppError::method_not_allowed() })
        .layer(middleware::from_fn(error::log_app_errors))
        .layer(middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // The fastest level, as nginx's default (gzip_comp_level 1): pages
        // are made per request, and level 6 cost the soak's largest page
        // (the map, 170 KB) 2.5 ms of CPU where level 1 costs 0.9 ms, for
        // 21.8 KB sent instead of 18.3 KB. Bodies under 1 KB go as they
        // are: an up-to-date phone's sync answer (51 bytes, half the
        // soak's requests) came out of gzip as 71, after allocating the
        // encoder's whole state for it.
        .layer(
            CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE))),
        )
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
