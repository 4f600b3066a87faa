//! What the consultations (surveys) keep (issue 15, docs/plans/issue-15.md
//! §4): the gmina's consultations, who has answered each, the answers, and
//! the free-text answers an official moderates before they are published.
//!
//! One answer per respondent: `consultation_respondents`' primary key is
//! the only arbiter (INSERT ... ON CONFLICT DO NOTHING), so concurrent
//! answers of one respondent store exactly one. A respondent is a key the
//! caller computed (HMAC of the device id under the consultation's key),
//! never a device id. In anonymous mode (LimeSurvey's "anonymized
//! responses", R§5) the answer carries no respondent key and no time, only
//! the date, and the respondent row carries no time either.
//!
//! Scoped to the handle's gmina like every tenant table; every official's
//! write writes the audit log in the same transaction, with ids only.
//! The caller validates what it hands in (`validate_consultation`,
//! `check_answers`); the store enforces what depends on stored state
//! (status, dates, answers already given).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use mm_protocol::consultations::{Consultation, ConsultationStatus, NormalAnswers};

use super::ballots::SmsUse;
use super::{Actor, IdempotencyKey, StoreResult};

/// An answer to store (`answer`).
#[derive(Clone)]
pub struct NewResponse {
    pub consultation: i64,
    /// HMAC of the device id (or verified identity) under the
    /// consultation's key, computed by the caller.
    pub respondent_key: Vec<u8>,
    /// Already checked against the consultation (`check_answers`).
    pub answers: NormalAnswers,
    pub now: DateTime<Utc>,
    /// The device's Idempotency-Key and its request's hash: the same
    /// request again is a replay, not a second answer. The hash is of the
    /// respondent key and the answers, never of an identity as typed.
    pub idempotency: Option<IdempotencyKey>,
    /// A verified person's SMS code (`Verification::sms`), checked against
    /// the code issued for `respondent_key` and used once.
    pub sms: Option<SmsUse>,
}

/// The key is personal data's stand-in: not printed.
impl std::fmt::Debug for NewResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewResponse")
            .field("consultation", &self.consultation)
            .field("respondent_key", &"***")
            .field("now", &self.now)
            .field("sms", &self.sms)
            .finish_non_exhaustive()
    }
}

/// What `answer` did. Whether the consultation is anonymous is read from
/// the stored consultation in the same transaction, never from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answered {
    /// Stored under this id (a random UUID v4).
    New { id: String },
    /// The same request (Idempotency-Key and body) came before: nothing
    /// stored. The first answer's id, except in anonymous mode, where
    /// nothing leads from the respondent to the answer.
    Replayed { id: Option<String> },
    /// The SMS code did not pass (a wrong try is counted): nothing else
    /// written, the respondent may try again.
    Sms(SmsRefusal),
}

/// Why an SMS code of a consultation did not pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsRefusal {
    /// Wrong: tries left before the request locks.
    Wrong { left: u32 },
    /// Too many wrong tries: ask for a new code (after `until` at the latest).
    Locked { until: DateTime<Utc> },
    /// Expired, used, unknown, or issued for another person.
    Expired,
}

/// An SMS code to keep (its hash) for a verified person of a consultation.
#[derive(Clone)]
pub struct NewSmsCode {
    /// The request id (a UUID), sent back with the code.
    pub request_id: String,
    pub consultation: i64,
    /// The person's key under the consultation's secret.
    pub respondent_key: Vec<u8>,
    /// `budget::identity::sms_code_hash(request_id, code)`.
    pub code_hash: String,
    pub now: DateTime<Utc>,
}

impl std::fmt::Debug for NewSmsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSmsCode")
            .field("request_id", &self.request_id)
            .field("consultation", &self.consultation)
            .field("respondent_key", &"***")
            .field("code_hash", &"***")
            .field("now", &self.now)
            .finish()
    }
}

/// A stored answer, for the CSV export and the tally.
#[derive(Clone, PartialEq)]
pub struct ConsultationResponse {
    pub id: String,
    /// The local date (Europe/Warsaw) it came on.
    pub submitted_on: NaiveDate,
    /// Not anonymous only.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Not anonymous only.
    pub respondent_key: Option<Vec<u8>>,
    pub answers: NormalAnswers,
}

impl std::fmt::Debug for ConsultationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsultationResponse")
            .field("id", &self.id)
            .field("submitted_on", &self.submitted_on)
            .field("submitted_at", &self.submitted_at)
            .field("respondent_key", &self.respondent_key.as_ref().map(|_| "***"))
            .field("answers", &self.answers)
            .finish()
    }
}

/// Where a free-text answer is in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModerationState {
    Pending,
    Approved,
    Rejected,
}

impl ModerationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationState::Pending => "pending",
            ModerationState::Approved => "approved",
            ModerationState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ModerationState> {
        [ModerationState::Pending, ModerationState::Approved, ModerationState::Rejected]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A free-text answer, as moderation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextAnswer {
    /// A random UUID v4.
    pub id: String,
    pub consultation: i64,
    pub response: String,
    /// The question's id (`Question::id`).
    pub question: String,
    pub text: String,
    pub state: ModerationState,
    pub moderated_by: Option<String>,
    pub moderated_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ConsultationStore: Send + Sync {
    /// The gmina's consultations, newest opening first; drafts only when
    /// `include_drafts` (the back office), never for residents.
    async fn consultations(&self, include_drafts: bool) -> StoreResult<Vec<Consultation>>;
    /// One consultation, drafts included (the caller hides them from residents).
    async fn consultation(&self, id: i64) -> StoreResult<Option<Consultation>>;
    /// Creates (`id <= 0`; stored as a draft whatever `status` says) or
    /// updates (the stored status stays: it moves with `set_status`) a
    /// consultation, already validated. Refused with
    /// `Conflict::ConsultationLocked` once it has answers. Audited.
    async fn save_consultation(&self, actor: Actor, c: Consultation, now: DateTime<Utc>) -> StoreResult<Consultation>;
    /// Moves the status as `Consultation::may_move_at` allows
    /// (`Conflict::ConsultationStatus` otherwise; back to draft also
    /// `ConsultationLocked` once answered). Audited.
    async fn set_status(
        &self,
        actor: Actor,
        id: i64,
        to: ConsultationStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<Consultation>;
    /// Stores one answer in one transaction: the respondent row decides
    /// (the same request again: `Replayed`, before anything else is
    /// checked; `Conflict::AlreadyAnswered` when it exists for another
    /// request), then the SMS code when given (`Sms`: the respondent row
    /// is taken back, a wrong try stays counted), then the response and
    /// its free-text answers (pending). Refused with
    /// `Conflict::ConsultationClosed` unless the consultation accepts
    /// answers at `now`; `NotFound` for no such consultation of the gmina.
    async fn answer(&self, response: NewResponse) -> StoreResult<Answered>;
    /// Keeps a new SMS code's hash for 10 minutes (`SMS_CODE_MINUTES`) and
    /// deletes the gmina's codes a day past their expiry. `NotFound` for
    /// no such consultation.
    async fn issue_consultation_sms_code(&self, code: NewSmsCode) -> StoreResult<()>;
    /// Deletes the gmina's codes a day past their expiry (`SMS_KEEP_HOURS`),
    /// for the maintenance pass: without it the last codes of a closed
    /// consultation would stay, as no new code comes to clear them.
    async fn purge_consultation_sms_codes(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Every answer of the consultation (date, then time, then id order).
    async fn responses(&self, consultation: i64) -> StoreResult<Vec<ConsultationResponse>>;
    /// The free-text answers of the consultation in `state`.
    async fn text_answers(&self, consultation: i64, state: ModerationState) -> StoreResult<Vec<TextAnswer>>;
    /// Approves or rejects a free-text answer (again: a decision may be
    /// changed). Audited.
    async fn moderate(&self, actor: Actor, text: &str, approve: bool, now: DateTime<Utc>) -> StoreResult<TextAnswer>;
}

/// The local date of an answer (the only time an anonymous one keeps).
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&mm_protocol::LOCAL_TZ).date_naive()
}

/// What the store may check before writing: the stored definition with the
/// row's id and status.
pub(crate) fn with_row(mut c: Consultation, id: i64, status: ConsultationStatus) -> Consultation {
    c.id = id;
    c.status = status;
    c
}
