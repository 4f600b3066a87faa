//! `GET /healthz`: 200 when the database answers, 503 otherwise (for load
//! balancers and systemd watchdogs).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            AppError::unavailable().into_response()
        }
    }
}
