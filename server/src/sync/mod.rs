//! Delta sync of the public collections (docs/DESIGN.md, "Sync").

pub mod routes;
