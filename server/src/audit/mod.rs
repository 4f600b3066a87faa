//! The officials' audit log: who changed what, when (docs/DESIGN.md).
//! Written by the store in each change's own transaction; read here.
//!
//! - [`model`]: an entry as the API shows it.
//! - [`chain`]: the log as a hash chain per gmina (tamper evidence).
//! - [`verify`]: `mm-server audit verify`, which walks the chains.
//! - [`routes`]: `GET /audit`.

pub mod chain;
pub mod model;
pub mod routes;
pub mod verify;
