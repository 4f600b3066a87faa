//! Officials' sign-in: Argon2id passwords behind a bounded gate, the one
//! sign-in service with its lock-out and limits ([`signin`]), opaque bearer
//! tokens stored as SHA-256 (docs/DESIGN.md), and the extractor that checks
//! them.

pub mod extract;
pub mod password;
pub mod routes;
pub mod signin;
pub mod token;

pub use extract::Official;
