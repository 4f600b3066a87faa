//! The gmina itself (`GET /api/v1/gmina`: boundary and localities) and
//! the deployment's directory of gminas (`GET /api/v1/gminas`).

pub mod directory;
pub mod routes;
