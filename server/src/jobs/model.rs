//! What a job is: its kind, how it runs, how it fails.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mm_protocol::gmina::Teryt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::jobs::NewJob;

/// Every kind of job, in one place: the stored `kind` is
/// [`JobKind::as_str`], and anything else found in the table is never run
/// (the worker claims only the kinds it has a handler for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A report registered in the EZD's register of incoming mail (RPW).
    EzdRegister,
    /// A case (sprawa) opened in the EZD for an accepted report.
    EzdOpenCase,
    /// A gmina's tax system pulled for what changed (`taxes::pull`), once
    /// per time slot.
    TaxesPull,
    /// A notification's recipients chosen and its deliveries written
    /// (`notifications::fanout`), at its send time.
    PushFanout,
    /// A notification's pushes sent through the push services
    /// (`notifications::deliver`), when due.
    PushDeliver,
}

impl JobKind {
    pub const ALL: [JobKind; 5] =
        [JobKind::EzdRegister, JobKind::EzdOpenCase, JobKind::TaxesPull, JobKind::PushFanout, JobKind::PushDeliver];

    /// `<system>.<what>`: the system before the dot names the outside
    /// system (the audit log's `<system>.retry`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::EzdRegister => "ezd.register",
            JobKind::EzdOpenCase => "ezd.open_case",
            JobKind::TaxesPull => "taxes.pull",
            JobKind::PushFanout => "push.fanout",
            JobKind::PushDeliver => "push.deliver",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// For the back office: (Polish, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            JobKind::EzdRegister => ("EZD: rejestracja zgłoszenia", "EZD: registering a report"),
            JobKind::EzdOpenCase => ("EZD: założenie sprawy", "EZD: opening a case"),
            JobKind::TaxesPull => ("Podatki: pobranie z systemu dziedzinowego", "Taxes: pulling the tax system"),
            JobKind::PushFanout => ("Powiadomienia: wybór odbiorców", "Notifications: choosing the recipients"),
            JobKind::PushDeliver => ("Powiadomienia: wysyłka push", "Notifications: sending the pushes"),
        }
    }
}

/// Why an attempt failed. Both kinds are retried with backoff until the
/// kind's last attempt (an official may fix the cause of a rejection, as
/// with the EZD bridge before), then the job is a dead letter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// Worth retrying soon: the other side is down, slow, or said so; no
    /// sooner than `retry_after` when it named a time (`Retry-After`).
    #[error("temporary: {message}")]
    Temporary { message: String, retry_after: Option<Duration> },
    /// The other side refused the request as it is.
    #[error("rejected: {0}")]
    Rejected(String),
}

impl JobError {
    pub fn temporary(message: impl Into<String>) -> JobError {
        JobError::Temporary { message: message.into(), retry_after: None }
    }
}

/// What a kind's jobs run against, for one gmina: the worker hands each
/// job the context of the gmina whose write enqueued it (the store scoped
/// to that gmina, that gmina's outside systems), so a job reads and
/// writes its own gmina's rows only (docs/DESIGN.md "Tenancy").
#[async_trait]
pub trait JobContext: Send + Sync + 'static {
    async fn for_gmina(&self, gmina: &Teryt) -> Result<Arc<Self>, JobError>;
}

/// A job, in the `BackgroundJob` style of crates.io: plain data (its
/// payload) that knows its kind and how to run against a context.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    const KIND: JobKind;
    /// One job ever per [`Job::dedupe_key`] (e.g. one registration per
    /// report), whatever its state.
    const DEDUPLICATED: bool;
    /// What `run` needs: the store, an outside system's client, the clock;
    /// the worker runs each job with its gmina's ([`JobContext::for_gmina`]).
    type Context: JobContext;

    /// Unique among this kind's jobs; the payload by default.
    fn dedupe_key(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The full dedupe key of a job that must be done before this one runs.
    fn waits_for(&self) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Self::Context) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// The full dedupe key: `<kind>:<key>`.
pub fn dedupe_key(kind: JobKind, key: &str) -> String {
    format!("{}:{key}", kind.as_str())
}

/// `job` as the store enqueues it.
pub fn new_job<J: Job>(job: &J) -> NewJob {
    NewJob {
        kind: J::KIND.as_str(),
        payload: serde_json::to_string(job).expect("a job's payload serialises"),
        dedupe_key: J::DEDUPLICATED.then(|| dedupe_key(J::KIND, &job.dedupe_key())),
        waits_for: job.waits_for(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_name_their_system() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
            assert!(k.as_str().split_once('.').is_some_and(|(s, w)| !s.is_empty() && !w.is_empty()));
        }
        assert_eq!(JobKind::parse("register"), None);
    }
}
