//! Local taxes (issue 14, docs/TAXES.md): the bridge to the gmina's tax
//! system and the residents' view of what they owe. The rules (interest,
//! due dates, the QR payload) are `mm_protocol::taxes`, shared with the app.
//!
//! - [`codes`]: activation codes, made and hashed;
//! - [`cli`]: `mm-server taxes import|codes`;
//! - [`import`]: the file adapter (JSON and CSV, `mm-server taxes import`);
//! - [`pull`]: the HTTP adapter, a vendor-style REST source pulled by a job;
//! - [`routes`]: the resident API (`/api/v1/taxes/...`).

pub mod cli;
pub mod codes;
pub mod import;
pub mod pull;
pub mod routes;
