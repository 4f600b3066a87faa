//! Open311 GeoReport v2 (open311.org): categories are services, reports
//! are service requests. JSON and XML, errors in Open311's own format.

pub mod format;
pub mod model;
pub mod routes;
pub mod xml;
