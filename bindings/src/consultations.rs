//! Consultations (konsultacje społeczne) across the boundary: the records
//! and the `MmCore` methods, one call per screen:
//!
//! | screen | call |
//! |---|---|
//! | list | `consultations_refresh()` (online), `consultations()` (offline) |
//! | one, with its questions and my draft | `consultation(id)` |
//! | answering | `consultation_set_answer(id, question, value)`, `consultation_clear(id, question)`, `consultation_draft(id)` |
//! | send | `consultation_submit(id)` → queued or sent (through the outbox) |
//! | send as a person (per-person consultations) | `consultation_request_sms_code(id, identity, phone)` (online, when `sms_required`), `consultation_submit_as(id, identity, sms)` |
//! | my response, the summary | `consultation_response(id)`, `consultation_summary(id)` |
//!
//! Mapping only: statuses, hints, problems, labels and percentages are the core's.

use mm_core as core;
use mm_protocol::consultations as pc;

use crate::budget::{BudgetIdentity, BudgetIdentityMode, BudgetSmsProof, BudgetSmsRequest};
use crate::error::MmError;
use crate::object::{MmCore, one};
use crate::records::ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsultationStatus {
    Draft,
    Open,
    Closed,
    Published,
}

impl From<pc::ConsultationStatus> for ConsultationStatus {
    fn from(s: pc::ConsultationStatus) -> Self {
        match s {
            pc::ConsultationStatus::Draft => ConsultationStatus::Draft,
            pc::ConsultationStatus::Open => ConsultationStatus::Open,
            pc::ConsultationStatus::Closed => ConsultationStatus::Closed,
            pc::ConsultationStatus::Published => ConsultationStatus::Published,
        }
    }
}

/// Who may answer, once each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RespondentRule {
    PerDevice,
    PerVerifiedPerson,
}

impl From<pc::RespondentRule> for RespondentRule {
    fn from(r: pc::RespondentRule) -> Self {
        match r {
            pc::RespondentRule::PerDevice => RespondentRule::PerDevice,
            pc::RespondentRule::PerVerifiedPerson => RespondentRule::PerVerifiedPerson,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ResponseState {
    Queued,
    Sent,
    Refused,
}

impl From<core::ResponseState> for ResponseState {
    fn from(s: core::ResponseState) -> Self {
        match s {
            core::ResponseState::Queued => ResponseState::Queued,
            core::ResponseState::Sent => ResponseState::Sent,
            core::ResponseState::Refused => ResponseState::Refused,
        }
    }
}

/// What a question asks for (its options, limits).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum QuestionKind {
    Single { options: Vec<String> },
    Multiple { options: Vec<String>, max: u16 },
    Ranking { options: Vec<String>, rank_max: u16 },
    Matrix { rows: Vec<String>, columns: Vec<String>, multiple: bool },
    ShortText { max_chars: u16 },
    LongText { max_chars: u16 },
}

impl From<pc::QuestionKind> for QuestionKind {
    fn from(k: pc::QuestionKind) -> Self {
        match k {
            pc::QuestionKind::Single { options } => QuestionKind::Single { options },
            pc::QuestionKind::Multiple { options, max } => QuestionKind::Multiple { options, max },
            pc::QuestionKind::Ranking { options, rank_max } => QuestionKind::Ranking { options, rank_max },
            pc::QuestionKind::Matrix { rows, columns, multiple } => QuestionKind::Matrix { rows, columns, multiple },
            pc::QuestionKind::ShortText { max_chars } => QuestionKind::ShortText { max_chars },
            pc::QuestionKind::LongText { max_chars } => QuestionKind::LongText { max_chars },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct MatrixCell {
    pub row: u16,
    pub column: u16,
}

/// An answer as given (options by their index).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerValue {
    Single { option: u16 },
    Multiple { options: Vec<u16> },
    Ranking { ranking: Vec<u16> },
    Matrix { cells: Vec<MatrixCell> },
    Text { text: String },
}

impl From<pc::AnswerValue> for AnswerValue {
    fn from(v: pc::AnswerValue) -> Self {
        match v {
            pc::AnswerValue::Single { option } => AnswerValue::Single { option },
            pc::AnswerValue::Multiple { options } => AnswerValue::Multiple { options },
            pc::AnswerValue::Ranking { ranking } => AnswerValue::Ranking { ranking },
            pc::AnswerValue::Matrix { cells } => AnswerValue::Matrix {
                cells: cells.into_iter().map(|c| MatrixCell { row: c.row, column: c.column }).collect(),
            },
            pc::AnswerValue::Text { text } => AnswerValue::Text { text },
        }
    }
}

impl From<AnswerValue> for pc::AnswerValue {
    fn from(v: AnswerValue) -> Self {
        match v {
            AnswerValue::Single { option } => pc::AnswerValue::Single { option },
            AnswerValue::Multiple { options } => pc::AnswerValue::Multiple { options },
            AnswerValue::Ranking { ranking } => pc::AnswerValue::Ranking { ranking },
            AnswerValue::Matrix { cells } => pc::AnswerValue::Matrix {
                cells: cells.into_iter().map(|c| pc::MatrixCell { row: c.row, column: c.column }).collect(),
            },
            AnswerValue::Text { text } => pc::AnswerValue::Text { text },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attachment {
    pub name: String,
    pub url: String,
    pub bytes: u64,
    pub media_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsultationCard {
    pub id: i64,
    pub title: String,
    pub status: ConsultationStatus,
    /// "Trwa do …" / "Zakończone" / "Wyniki opublikowane".
    pub status_text: String,
    pub opens_at_ms: i64,
    pub closes_at_ms: i64,
    pub accepts_answers: bool,
    pub questions: u32,
    pub response: Option<ResponseState>,
    pub summary_published: bool,
}

impl From<core::ConsultationCard> for ConsultationCard {
    fn from(c: core::ConsultationCard) -> Self {
        ConsultationCard {
            id: c.id,
            title: c.title,
            status: c.status.into(),
            status_text: c.status_text,
            opens_at_ms: ms(c.opens_at),
            closes_at_ms: ms(c.closes_at),
            accepts_answers: c.accepts_answers,
            questions: c.questions,
            response: c.response.map(Into::into),
            summary_published: c.summary_published,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsultationList {
    /// Open ones first (closing soonest first), then upcoming, then closed.
    pub consultations: Vec<ConsultationCard>,
    pub fetched_at_ms: Option<i64>,
    pub fetched_text: String,
}

impl From<core::ConsultationList> for ConsultationList {
    fn from(l: core::ConsultationList) -> Self {
        ConsultationList {
            consultations: l.consultations.into_iter().map(Into::into).collect(),
            fetched_at_ms: l.fetched_at.map(ms),
            fetched_text: l.fetched_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuestionView {
    pub index: u32,
    pub id: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub kind: QuestionKind,
    /// "Wybierz jedną odpowiedź.", "Najwyżej 100 znaków."
    pub hint_text: String,
    pub answer: Option<AnswerValue>,
}

impl From<core::QuestionView> for QuestionView {
    fn from(q: core::QuestionView) -> Self {
        QuestionView {
            index: q.index,
            id: q.id,
            text: q.text,
            help: q.help,
            required: q.required,
            kind: q.kind.into(),
            hint_text: q.hint_text,
            answer: q.answer.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AnswerProblem {
    /// `questions[i]`, `answers[i]`, or none for the whole consultation.
    pub field: Option<String>,
    pub message_pl: String,
    pub message_en: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AnswersDraft {
    pub consultation: i64,
    pub answered: u32,
    /// Nothing stops sending.
    pub ok: bool,
    pub problems: Vec<AnswerProblem>,
}

impl From<core::AnswersDraft> for AnswersDraft {
    fn from(d: core::AnswersDraft) -> Self {
        AnswersDraft {
            consultation: d.consultation,
            answered: d.answered,
            ok: d.ok,
            problems: d
                .problems
                .into_iter()
                .map(|p| AnswerProblem {
                    field: p.field,
                    message_pl: p.message.pl,
                    message_en: p.message.en,
                    text: p.text,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MyResponse {
    pub consultation: i64,
    pub state: ResponseState,
    pub state_text: String,
    pub answered: u32,
    pub created_at_ms: i64,
    pub receipt_id: Option<String>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
}

impl From<core::MyResponse> for MyResponse {
    fn from(r: core::MyResponse) -> Self {
        MyResponse {
            consultation: r.consultation,
            state: r.state.into(),
            state_text: r.state_text,
            answered: r.answered,
            created_at_ms: ms(r.created_at),
            receipt_id: r.receipt_id,
            error_code: r.error_code,
            error_text: r.error_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsultationDetail {
    pub card: ConsultationCard,
    pub description: String,
    pub attachments: Vec<Attachment>,
    pub anonymous: bool,
    pub respondents: RespondentRule,
    /// What identifies a respondent (per-person consultations); `None`:
    /// one answer per device, and no personal data is asked.
    pub identity: Option<BudgetIdentityMode>,
    /// A code by SMS must come with the answers.
    pub sms_required: bool,
    /// What to give before sending, in words; empty per device.
    pub identity_text: String,
    /// "Jedna odpowiedź z urządzenia; odpowiedzi są anonimowe."
    pub rules_text: String,
    pub questions: Vec<QuestionView>,
    pub draft: AnswersDraft,
    pub response: Option<MyResponse>,
}

impl From<core::ConsultationDetail> for ConsultationDetail {
    fn from(d: core::ConsultationDetail) -> Self {
        ConsultationDetail {
            card: d.card.into(),
            description: d.description,
            attachments: d
                .attachments
                .into_iter()
                .map(|a| Attachment { name: a.name, url: a.url, bytes: a.bytes, media_type: a.media_type })
                .collect(),
            anonymous: d.anonymous,
            respondents: d.respondents.into(),
            identity: d.identity.map(Into::into),
            sms_required: d.sms_required,
            identity_text: d.identity_text,
            rules_text: d.rules_text,
            questions: d.questions.into_iter().map(Into::into).collect(),
            draft: d.draft.into(),
            response: d.response.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SummaryLine {
    pub label: String,
    pub count: u64,
    /// Tenths of a percent of those who answered the question.
    pub permille: u32,
    /// "12 (40,0%)".
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuestionSummaryView {
    pub question: String,
    pub text: String,
    pub answered: u64,
    pub lines: Vec<SummaryLine>,
    /// Free texts a moderator approved.
    pub texts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsultationSummary {
    pub consultation: i64,
    pub respondents: u64,
    pub respondents_text: String,
    pub questions: Vec<QuestionSummaryView>,
    pub fetched_at_ms: Option<i64>,
    pub fetched_text: String,
}

impl From<core::ConsultationSummary> for ConsultationSummary {
    fn from(s: core::ConsultationSummary) -> Self {
        ConsultationSummary {
            consultation: s.consultation,
            respondents: s.respondents,
            respondents_text: s.respondents_text,
            questions: s
                .questions
                .into_iter()
                .map(|q| QuestionSummaryView {
                    question: q.question,
                    text: q.text,
                    answered: q.answered,
                    lines: q
                        .lines
                        .into_iter()
                        .map(|l| SummaryLine { label: l.label, count: l.count, permille: l.permille, text: l.text })
                        .collect(),
                    texts: q.texts,
                })
                .collect(),
            fetched_at_ms: s.fetched_at.map(ms),
            fetched_text: s.fetched_text,
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MmCore {
    /// Fetches the consultations and published summaries (online).
    pub async fn consultations_refresh(&self) -> Result<(), MmError> {
        Ok(self.core.consultations().refresh().await?)
    }

    /// As last fetched (offline).
    pub fn consultations(&self) -> Result<ConsultationList, MmError> {
        one(self.core.consultations().list())
    }

    pub fn consultation(&self, id: i64) -> Result<ConsultationDetail, MmError> {
        one(self.core.consultations().detail(id))
    }

    /// Answers one question of the draft (the core checks it as given).
    pub fn consultation_set_answer(
        &self,
        id: i64,
        question: String,
        value: AnswerValue,
    ) -> Result<AnswersDraft, MmError> {
        one(self.core.consultations().set_answer(id, &question, value.into()))
    }

    /// Clears one answer (`None`: all).
    pub fn consultation_clear(&self, id: i64, question: Option<String>) -> Result<AnswersDraft, MmError> {
        one(self.core.consultations().clear(id, question))
    }

    pub fn consultation_draft(&self, id: i64) -> Result<AnswersDraft, MmError> {
        one(self.core.consultations().draft(id))
    }

    /// Sends the draft through the outbox (once); offline: queued.
    pub async fn consultation_submit(&self, id: i64) -> Result<MyResponse, MmError> {
        one(self.core.consultations().submit(id).await)
    }

    /// Asks the server to text a one-time code to `phone` for this person
    /// (online; per-person consultations with `sms_required`). The
    /// identity and the phone are checked first (`invalid_identity`).
    pub async fn consultation_request_sms_code(
        &self,
        id: i64,
        identity: BudgetIdentity,
        phone: String,
    ) -> Result<BudgetSmsRequest, MmError> {
        one(self.core.consultations().request_sms_code(id, identity.into(), &phone).await)
    }

    /// Sends the draft of a per-person consultation with who answers:
    /// checked first (`invalid_identity` with the field, `invalid_input`
    /// on `sms`), then queued and sent once; the identity is kept only in
    /// the outbox item until the server answers.
    pub async fn consultation_submit_as(
        &self,
        id: i64,
        identity: BudgetIdentity,
        sms: Option<BudgetSmsProof>,
    ) -> Result<MyResponse, MmError> {
        one(self.core.consultations().submit_as(id, identity.into(), sms.map(Into::into)).await)
    }

    pub fn consultation_response(&self, id: i64) -> Result<Option<MyResponse>, MmError> {
        Ok(self.core.consultations().response(id)?.map(Into::into))
    }

    /// The published summary as last fetched; `None` before publication.
    pub fn consultation_summary(&self, id: i64) -> Result<Option<ConsultationSummary>, MmError> {
        Ok(self.core.consultations().summary(id)?.map(Into::into))
    }
}
