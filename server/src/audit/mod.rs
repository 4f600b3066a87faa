//! The officials' audit log: who changed what, when (docs/DESIGN.md).
//! Written by the store in each change's own transaction; read here.

pub mod model;
pub mod routes;
