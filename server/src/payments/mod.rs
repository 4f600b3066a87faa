//! Paying a liability through the gmina's payment gateway (issue 14,
//! docs/TAXES.md "Payments"): the Przelewy24 REST protocol, the built-in
//! sandbox gateway `make run` uses, the status notifications, receipts.
//!
//! - [`p24`]: the Przelewy24 REST v1 client (register, verify, `sign`);
//! - [`sandbox`]: a gateway inside the server speaking the same protocol;
//! - [`routes`]: creating and reading payments, the gateway's notification;
//! - [`receipt`]: the printable confirmation.

pub mod p24;
pub mod receipt;
pub mod routes;
pub mod sandbox;
