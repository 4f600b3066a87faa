//! The waste-collection schedule (harmonogram odbioru odpadów, issue 16,
//! docs/WASTE.md): the server half. The rules are `protocol::waste`'s, the
//! rows `store::waste`'s; here only the edges.
//!
//! - [`routes`]: the residents' public reads (`/api/v1/waste/...`: streets,
//!   an address's schedule as JSON or ICS, the dictionary);
//! - [`import`]: one import of the CSV files, shared by `mm-server waste
//!   import DIR`, the back office (`admin::waste`) and the demo: parsed and
//!   checked whole by `protocol::waste::parse_import`, stored in one
//!   transaction, then the PSZOK shown on the map as a place;
//! - [`cli`]: `mm-server waste import DIR [--gmina TERYT]`.

pub mod cli;
pub mod import;
pub mod routes;
