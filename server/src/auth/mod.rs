//! Officials' sign-in: Argon2id passwords, opaque bearer tokens stored as
//! SHA-256 (docs/DESIGN.md), and the extractor that checks them.

pub mod extract;
pub mod password;
pub mod routes;
pub mod token;

pub use extract::Official;
