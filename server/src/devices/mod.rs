//! Residents' app installs (`POST /api/v1/devices`).

pub mod idempotency;
pub mod routes;
