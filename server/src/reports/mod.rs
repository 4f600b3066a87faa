//! Residents' reports (zgłoszenia): categories, photos, creation with
//! group commit, following, the officials' workflow. Open311 is a second
//! edge over the same store ([`crate::open311`]).
//!
//! - [`workflow`]: the rules, as pure functions the store calls;
//! - [`service`]: what the edges share (checks, charging, creation);
//! - [`routes`]: `/api/v1/reports*`; [`photos`]: uploads and serving;
//! - [`model`]: officials' view and the default categories;
//! - [`boundary`], [`ratelimit`]: the gmina boundary, residents' write limits;
//! - [`reference`]: the categories and the gmina's name, cached for listings.

pub mod boundary;
pub mod model;
pub mod photos;
pub mod ratelimit;
pub mod reference;
pub mod routes;
pub mod service;
pub mod workflow;
