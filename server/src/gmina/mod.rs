//! The gmina itself (`GET /api/v1/gmina`: boundary and localities) and
//! the deployment's directory of gminas (`GET /api/v1/gminas`); adding
//! a gmina (`setup`: `mm-server gmina add`).

pub mod directory;
pub mod routes;
pub mod setup;
