//! The end-to-end tests in one binary: a module per suite, each file here
//! (each used to be a binary of its own, linking the server and the core
//! again; together they filled the CI machine's disk).
//!
//! One suite alone: `cargo test -p mm-e2e --test e2e scale_out::`.

mod audit_verify_e2e;
mod backup_restore;
mod budget_core_e2e;
mod budget_demo_pb;
mod budget_privacy_e2e;
mod calendar_feeds;
mod consultations_verified_e2e;
mod ezd_bridge;
mod ezd_dead_letters;
mod fuzz_replay;
mod gminas_e2e;
mod killed_sync;
mod notifications_e2e;
mod offline_and_delta;
mod payments_e2e;
mod places_e2e;
mod push_fanout_e2e;
mod reports_core_e2e;
mod reports_server_kill9;
mod scale_out;
mod security_files;
mod security_login_flood;
mod security_photos_e2e;
mod security_privacy_e2e;
mod security_reliability;
mod taxes_e2e;
mod taxes_pull;
mod waste_e2e;
