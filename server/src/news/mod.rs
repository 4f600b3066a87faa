//! News and alerts (aktualności, komunikaty).

pub mod routes;
