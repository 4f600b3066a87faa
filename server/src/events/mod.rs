//! Events (wydarzenia), their categories, and the ICS feeds.

pub mod ics;
pub mod model;
pub mod routes;
