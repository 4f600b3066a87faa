//! Residents' reports (zgłoszenia): categories, photos, creation with
//! group commit, following, the officials' workflow. Open311 is a second
//! edge over the same store ([`crate::open311`]).

pub mod boundary;
pub mod model;
pub mod photos;
pub mod ratelimit;
pub mod routes;
pub mod service;
pub mod workflow;
