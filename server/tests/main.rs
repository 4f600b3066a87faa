//! The server's integration tests in one binary: a module per suite, each
//! file here. Every file used to be a test binary of its own; ~60 binaries
//! of ~150 MB each (the whole server linked into every one) filled the CI
//! machine's disk and spent minutes linking. `security_amplifiers` stays a
//! binary of its own: it counts decoded reports with a per-process counter
//! that the other suites would move.
//!
//! One suite alone: `cargo test -p mm-server --test integration budget_api::`.

// First: its store contract's macros are used by the suites below.
#[macro_use]
mod common;
mod budget_support;
mod security_support;
mod taxes_support;
#[path = "../../tests/src/fake_p24.rs"]
mod fake_p24;
#[path = "../../tests/src/fake_sms.rs"]
mod fake_sms;
#[path = "../../tests/src/fake_apns.rs"]
mod fake_apns;
#[path = "../../tests/src/fake_fcm.rs"]
mod fake_fcm;
#[path = "../../tests/src/fake_webpush.rs"]
mod fake_webpush;

mod admin;
mod admin_budget;
mod admin_budget_forms;
mod admin_consultations;
mod admin_notifications;
mod accessibility_statement;
mod admin_department_settings;
mod admin_sms_settings;
mod admin_forms;
mod admin_pages;
mod admin_taxes;
mod api;
mod audit_chain;
mod bad_input;
mod budget_api;
mod budget_ballot_device;
mod budget_bad_input;
mod budget_paper;
mod budget_pb;
mod budget_register_race;
mod budget_results;
mod budget_results_page;
mod budget_store;
mod consultations_api;
mod consultations_store;
mod consultations_verified;
mod demo;
mod demo_budget;
mod devices;
mod ezd_package;
mod jobs;
mod jobs_postgres;
mod limits_postgres;
mod maintenance_sms_codes;
mod migrate_from_sqlite;
mod migrations;
mod notifications_api;
mod notifications_store;
mod open311;
mod openapi;
mod payments;
mod photos_s3;
mod places;
mod push_deliver;
mod push_transports;
mod reports;
mod security_auth;
mod security_devices;
mod security_headers;
mod security_integrity;
mod security_photos;
mod security_privacy;
mod serve_postgres;
mod shared_limits;
mod sms;
mod store_contract;
mod store_contract_postgres;
mod sync;
mod waste_api;
mod waste_import;
mod sync_race_postgres;
mod taxes_api;
mod taxes_import;
mod taxes_store;
mod tenancy;
mod two_factor;
