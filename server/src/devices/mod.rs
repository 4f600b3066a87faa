//! Residents' app installs (`POST /api/v1/devices`) and the extractor that
//! authenticates their writes.

pub mod auth;
pub mod idempotency;
pub mod routes;
pub mod tokens;

pub use auth::Device;
