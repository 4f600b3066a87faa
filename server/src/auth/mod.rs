//! Officials' sign-in: Argon2id passwords behind a bounded gate
//! ([`password`]) under one policy ([`password_policy`]), the one sign-in
//! service with its lock-out and limits ([`signin`]), the second factor
//! (TOTP per RFC 6238, [`totp`]; its secrets and recovery codes kept under
//! a server key, [`factor_key`]; who must have one and the checks,
//! [`second_factor`]), opaque bearer tokens stored as SHA-256
//! (docs/DESIGN.md), and the extractor that checks them.

pub mod extract;
pub mod factor_key;
pub mod password;
pub mod password_policy;
pub mod routes;
pub mod second_factor;
pub mod signin;
pub mod token;
pub mod totp;

pub use extract::Official;
