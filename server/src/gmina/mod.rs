//! The gmina itself: boundary and localities (`GET /api/v1/gmina`).

pub mod routes;
