//! What `core.consultations()` hands the shells: statuses and dates in
//! words, each question with its hint, the draft and its problems, my
//! response's state, the summary with option labels and percentages.

use chrono::{DateTime, Utc};
use mm_protocol::budget::model::IdentityMode;
use mm_protocol::consultations::{AnswerValue, Attachment, ConsultationStatus, QuestionKind, RespondentRule};
use mm_protocol::error::Message;
use serde::{Deserialize, Serialize};

use crate::display::Language;

/// The consultations screen (`mm consultations`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationList {
    /// Open ones first (closing soonest first), then upcoming, then closed.
    pub consultations: Vec<ConsultationCard>,
    pub fetched_at: Option<DateTime<Utc>>,
    /// "Stan na …", or that nothing was fetched yet.
    pub fetched_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationCard {
    pub id: i64,
    pub title: String,
    /// As of now (an open one past `closes_at` is closed).
    pub status: ConsultationStatus,
    /// "Trwa do pt 30 maj 2026, 23:59" / "Zakończone" / "Wyniki opublikowane".
    pub status_text: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// Answers are taken now.
    pub accepts_answers: bool,
    pub questions: u32,
    /// This device's response, if one was made.
    pub response: Option<ResponseState>,
    pub summary_published: bool,
}

/// One consultation (`mm consultations show ID`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationDetail {
    pub card: ConsultationCard,
    pub description: String,
    pub attachments: Vec<Attachment>,
    pub anonymous: bool,
    pub respondents: RespondentRule,
    /// What identifies the respondent of a per-person consultation (PESEL
    /// and names, or names and address); `None`: one answer per device,
    /// and no personal data is sent.
    pub identity: Option<IdentityMode>,
    /// A code by SMS (`request_sms_code`) must come with the answers.
    pub sms_required: bool,
    /// What to give before sending, in words ("Podaj imię, nazwisko i
    /// PESEL oraz kod z SMS-a."); empty per device.
    pub identity_text: String,
    /// "Jedna odpowiedź z urządzenia; odpowiedzi są anonimowe."
    pub rules_text: String,
    pub questions: Vec<QuestionView>,
    /// The draft's answers, and what stops sending it.
    pub draft: AnswersDraft,
    pub response: Option<MyResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionView {
    /// Its position (answers' `questions[i]` fields name it).
    pub index: u32,
    pub id: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub kind: QuestionKind,
    /// "Wybierz jedną odpowiedź.", "Wybierz najwyżej 3.", "Najwyżej 100 znaków."
    pub hint_text: String,
    /// The draft's answer to it.
    pub answer: Option<AnswerValue>,
}

/// The answers being prepared (`set_answer`, `clear_answer`, `draft`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswersDraft {
    pub consultation: i64,
    pub answered: u32,
    /// Nothing stops sending (answers taken now, nothing sent before).
    pub ok: bool,
    pub problems: Vec<AnswerProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerProblem {
    /// `questions[i]`, `answers[i]`, or `None` for the whole consultation.
    pub field: Option<String>,
    pub message: Message,
    pub text: String,
}

/// Where my response stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseState {
    /// In the outbox: sent when the server can be reached.
    Queued,
    /// The server took it.
    Sent,
    /// The server refused it for good (`error_code` says why).
    Refused,
}

impl ResponseState {
    pub(crate) fn parse(s: &str) -> ResponseState {
        match s {
            "sent" => ResponseState::Sent,
            "refused" => ResponseState::Refused,
            _ => ResponseState::Queued,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match self {
            ResponseState::Queued => lang.pick(
                "Odpowiedzi czekają na wysłanie (zostaną wysłane po połączeniu z serwerem).",
                "The answers wait to be sent (they go once the server can be reached).",
            ),
            ResponseState::Sent => lang.pick("Odpowiedzi wysłane. Dziękujemy!", "Answers sent. Thank you!"),
            ResponseState::Refused => lang.pick("Odpowiedzi nie zostały przyjęte.", "The answers were not accepted."),
        }
    }
}

/// My response (`submit`, `response`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MyResponse {
    pub consultation: i64,
    pub state: ResponseState,
    pub state_text: String,
    pub answered: u32,
    pub created_at: DateTime<Utc>,
    /// The server's id of the response (absent for an anonymous replay).
    pub receipt_id: Option<String>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
}

/// The published summary (`summary`), with labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationSummary {
    pub consultation: i64,
    pub respondents: u64,
    /// "42 osoby odpowiedziały".
    pub respondents_text: String,
    pub questions: Vec<QuestionSummaryView>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub fetched_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionSummaryView {
    pub question: String,
    pub text: String,
    pub answered: u64,
    /// One per option (single, multiple, ranking: by Borda points) or per
    /// matrix cell ("Czystość: Dobrze").
    pub lines: Vec<SummaryLine>,
    /// Free texts a moderator approved.
    pub texts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryLine {
    pub label: String,
    /// Respondents (ranking: Borda points).
    pub count: u64,
    /// Of those who answered the question, in tenths of a percent.
    pub permille: u32,
    /// "12 (40,0%)".
    pub text: String,
}
