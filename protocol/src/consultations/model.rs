//! A consultation on the wire: what an official types in the back office,
//! what residents see and answer. The question kinds are Decidim's
//! `Question::QUESTION_TYPES` (short_answer, long_answer, single_option,
//! multiple_option with max choices, sorting, matrix_single,
//! matrix_multiple) as LimeSurvey also has them (list, multiple choice,
//! ranking, array, short/long free text): R§5 of
//! `../shared/reference/BUDGET-CONSULTATIONS.md`. Files, separators and
//! "title and description" items are left out: attachments belong to the
//! consultation, not to a question.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::budget::model::{IdentityInput, IdentityMode, SmsProof};
use crate::geo::Polygon;
use crate::validation::{http_url, optional_text, required_text, FieldError, Validate};

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const MAX_QUESTIONS: usize = 100;
/// A question's id: `[a-z0-9_]`, at most this long (it names CSV columns).
pub const QUESTION_ID_MAX: usize = 32;
pub const QUESTION_TEXT_MAX: usize = 1_000;
pub const HELP_MAX: usize = 2_000;
/// Options of a single, multiple or ranking question, and a matrix's rows.
pub const MAX_OPTIONS: usize = 50;
pub const MAX_MATRIX_COLUMNS: usize = 20;
/// An option's, row's or column's label.
pub const LABEL_MAX: usize = 300;
/// The longest a short answer may be allowed to be (one line).
pub const SHORT_TEXT_MAX: u16 = 200;
/// The longest a long answer may be allowed to be.
pub const LONG_TEXT_MAX: u16 = 5_000;
pub const MAX_ATTACHMENTS: usize = 20;
pub const ATTACHMENT_NAME_MAX: usize = 200;
/// Attachments go through the server's blobs (docs/plans/issue-15.md §4).
pub const ATTACHMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// What an attachment may be: a PDF, or a photo as the blobs store keeps them.
pub const ATTACHMENT_MEDIA_TYPES: [&str; 4] = ["application/pdf", "image/jpeg", "image/png", "image/webp"];
pub const MAX_LOCALITIES: usize = 500;

/// A consultation (konsultacje społeczne, art. 5a ust. 1–2 of the act on
/// gmina self-government): its rules are in a council resolution; the
/// results are not binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consultation {
    pub id: i64,
    pub title: String,
    /// Aim, participants, responsible unit, as the resolution states them.
    pub description: String,
    /// Answers are taken from this instant (inclusive)…
    pub opens_at: DateTime<Utc>,
    /// …until this one (exclusive).
    pub closes_at: DateTime<Utc>,
    /// Whom it concerns; `None`: the whole gmina.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<ConsultationArea>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// In display order.
    pub questions: Vec<Question>,
    pub respondents: RespondentRule,
    /// How a person proves who they are when `respondents` is
    /// `PerVerifiedPerson` (ignored per device). Absent in JSON written
    /// before it existed: name and address, no SMS.
    #[serde(default)]
    pub verification: Verification,
    /// LimeSurvey's "anonymized responses" (R§5): the stored answers carry
    /// no respondent key and no time of day, so they cannot be linked back
    /// to a device or person, even by an administrator.
    pub anonymous: bool,
    /// As stored; see [`Consultation::status_at`] for what it means now.
    pub status: ConsultationStatus,
}

/// The part of the gmina a consultation concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsultationArea {
    /// Localities (miejscowości, sołectwa) of the gmina, by id.
    Localities(Vec<i64>),
    /// A drawn area, WGS84 (GeoJSON rings).
    Polygon(Polygon),
}

/// A document or photo attached to the consultation (the resolution, a plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub name: String,
    /// An http(s) URL or a path on the server (`/blobs/...`).
    pub url: String,
    pub bytes: u64,
    /// One of [`ATTACHMENT_MEDIA_TYPES`].
    pub media_type: String,
}

/// Who may answer, once each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RespondentRule {
    /// One answer per device (the respondent key is an HMAC of the device).
    PerDevice,
    /// One answer per person, verified as for the participatory budget's
    /// ballot (identity and, if set, SMS).
    PerVerifiedPerson,
}

/// How a respondent of a `PerVerifiedPerson` consultation proves who
/// they are: as a participatory budget edition's voter does
/// (`budget::identity::normalise` with `identity`, then a code by SMS when
/// `sms`). The person is kept as an HMAC only, never in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    pub identity: IdentityMode,
    /// A code sent by SMS (`POST .../sms-codes`) must come with the answer.
    #[serde(default)]
    pub sms: bool,
}

impl Default for Verification {
    /// Name and address (no PESEL: R§3, voivodes annulled PESEL clauses),
    /// no SMS, as a budget edition's default.
    fn default() -> Self {
        Verification { identity: IdentityMode::NameAddress, sms: false }
    }
}

/// A consultation's status as the back office stores it.
///
/// Only the step from `Open` to `Closed` follows from the dates, so that
/// one is derived ([`Consultation::status_at`]) and needs no job at
/// midnight; every other step is an official's act:
/// - `Draft`: being prepared; residents do not see it.
/// - `Open`: announced; residents see it, and may answer from `opens_at`
///   until `closes_at` ([`Consultation::accepts_answers_at`]). Before
///   `opens_at` it is listed as upcoming ([`Consultation::upcoming_at`]).
/// - `Closed`: no more answers: `closes_at` has passed, or the official
///   ended it early.
/// - `Published`: closed, and the summary (counts, charts, approved texts)
///   is public (Decidim's `PublishAnswersHelper`, R§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsultationStatus {
    Draft,
    Open,
    Closed,
    Published,
}

impl ConsultationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsultationStatus::Draft => "draft",
            ConsultationStatus::Open => "open",
            ConsultationStatus::Closed => "closed",
            ConsultationStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<ConsultationStatus> {
        [
            ConsultationStatus::Draft,
            ConsultationStatus::Open,
            ConsultationStatus::Closed,
            ConsultationStatus::Published,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The steps an official may take: announce a draft, take an announced
    /// one back to draft (the server also requires that nobody has answered),
    /// close early, and publish the summary of a closed one. Publishing an
    /// `Open` one is allowed only once its `closes_at` has passed, which
    /// [`Consultation::may_move_at`] checks.
    pub fn may_move(self, to: ConsultationStatus) -> bool {
        use ConsultationStatus::*;
        matches!((self, to), (Draft, Open) | (Open, Draft) | (Open, Closed) | (Open, Published) | (Closed, Published))
    }
}

impl Consultation {
    /// The status at `now`: an `Open` consultation whose `closes_at` has
    /// passed is `Closed`; every other status is as stored.
    pub fn status_at(&self, now: DateTime<Utc>) -> ConsultationStatus {
        match self.status {
            ConsultationStatus::Open if now >= self.closes_at => ConsultationStatus::Closed,
            s => s,
        }
    }

    /// Whether an answer sent at `now` is taken (else 409 `phase_closed`).
    pub fn accepts_answers_at(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == ConsultationStatus::Open && now >= self.opens_at
    }

    /// Announced but not open yet: listed with its opening date.
    pub fn upcoming_at(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == ConsultationStatus::Open && now < self.opens_at
    }

    /// Whether residents see it at all (drafts are the office's only).
    pub fn is_public(&self) -> bool {
        self.status != ConsultationStatus::Draft
    }

    /// Whether an official may move it to `to` at `now`: the step is one of
    /// [`ConsultationStatus::may_move`]'s and publishing waits for
    /// `closes_at`.
    pub fn may_move_at(&self, to: ConsultationStatus, now: DateTime<Utc>) -> bool {
        if !self.status.may_move(to) {
            return false;
        }
        !(to == ConsultationStatus::Published && now < self.closes_at)
    }

    /// The position of the question with this id.
    pub fn question_index(&self, id: &str) -> Option<usize> {
        self.questions.iter().position(|q| q.id == id)
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Unique within the consultation, `[a-z0-9_]`, at most
    /// [`QUESTION_ID_MAX`] characters; answers and CSV columns name it.
    pub id: String,
    pub text: String,
    /// A hint under the question; may be empty.
    #[serde(default)]
    pub help: String,
    /// Must be answered (a text: not blank; a matrix: every row).
    pub required: bool,
    pub kind: QuestionKind,
}

/// What kind of answer a question takes. Options, rows and columns are
/// named by their position (from 0) in answers: a consultation cannot be
/// edited once anyone may answer it, so positions are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of the options (Decidim single_option).
    Single { options: Vec<String> },
    /// Up to `max` of the options (Decidim multiple_option, max_choices).
    Multiple { options: Vec<String>, max: u16 },
    /// The options the resident ranks, best first, at most `rank_max` of
    /// them (Decidim sorting; LimeSurvey ranking).
    Ranking { options: Vec<String>, rank_max: u16 },
    /// A column for each row (Decidim matrix_single), or any columns per
    /// row when `multiple` (matrix_multiple).
    Matrix { rows: Vec<String>, columns: Vec<String>, multiple: bool },
    /// One line, at most `max_chars` (≤ [`SHORT_TEXT_MAX`]) characters.
    ShortText { max_chars: u16 },
    /// Paragraphs, at most `max_chars` (≤ [`LONG_TEXT_MAX`]) characters.
    LongText { max_chars: u16 },
}

impl QuestionKind {
    /// The options of a single, multiple or ranking question.
    pub fn options(&self) -> &[String] {
        match self {
            QuestionKind::Single { options } | QuestionKind::Multiple { options, .. } | QuestionKind::Ranking { options, .. } => {
                options
            }
            _ => &[],
        }
    }

    /// Text questions: their answers are moderated before anyone else reads
    /// them, and the public summary counts them only.
    pub fn is_text(&self) -> bool {
        matches!(self, QuestionKind::ShortText { .. } | QuestionKind::LongText { .. })
    }
}

/// `POST /api/v1/consultations/{id}/responses` (with an `Idempotency-Key`):
/// the answers of one respondent. Questions left out are unanswered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub answers: Vec<Answer>,
}

/// What `POST /api/v1/consultations/{id}/responses` takes: the answers
/// (as [`Answers`], which a per-device respondent sends alone) and, for a
/// `PerVerifiedPerson` consultation, who answers (as
/// [`Consultation::verification`] asks) and the SMS code when it asks for
/// one. The identity is checked and turned into an HMAC by the server,
/// never stored; `Debug` prints `***` for it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerSubmission {
    pub answers: Vec<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsProof>,
}

impl std::fmt::Debug for AnswerSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerSubmission")
            .field("answers", &self.answers)
            .field("identity", &self.identity)
            .field("sms", &self.sms)
            .finish()
    }
}

impl AnswerSubmission {
    /// The answers alone, for `check_answers`.
    pub fn answers(&self) -> Answers {
        Answers { answers: self.answers.clone() }
    }
}

impl From<Answers> for AnswerSubmission {
    fn from(a: Answers) -> Self {
        AnswerSubmission { answers: a.answers, identity: None, sms: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The question's id.
    pub question: String,
    pub value: AnswerValue,
}

/// An answer, shaped by the question's kind. Options, rows and columns by
/// position, from 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerValue {
    /// For `single`.
    Single { option: u16 },
    /// For `multiple`: the chosen options (any order; normalised ascending).
    Multiple { options: Vec<u16> },
    /// For `ranking`: the options best first.
    Ranking { ranking: Vec<u16> },
    /// For `matrix`: the ticked cells (normalised by row, then column).
    Matrix { cells: Vec<MatrixCell> },
    /// For `short_text` and `long_text`.
    Text { text: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixCell {
    pub row: u16,
    pub column: u16,
}

/// What is wrong in a consultation as the office typed it; `field` is a
/// path such as `questions[2].options[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {}", reason.en())]
pub struct ConsultationError {
    pub field: String,
    pub reason: ConsultationReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultationReason {
    /// A text field's own problem (required, too long, control characters),
    /// worded by [`crate::validation`].
    Text { pl: String, en: String },
    DatesOrder,
    NoLocalities,
    BadLocality,
    DuplicateLocality,
    TooManyLocalities,
    TooManyAttachments,
    AttachmentSize,
    AttachmentType,
    NoQuestions,
    TooManyQuestions,
    QuestionId,
    DuplicateQuestionId,
    TooFewOptions { min: usize },
    TooManyOptions { max: usize },
    DuplicateLabel,
    MaxOutOfRange { options: usize },
    TextLimit { max: u16 },
}

impl ConsultationReason {
    pub fn pl(&self) -> String {
        match self {
            ConsultationReason::Text { pl, .. } => pl.clone(),
            ConsultationReason::DatesOrder => "Koniec konsultacji musi być później niż ich początek.".into(),
            ConsultationReason::NoLocalities => "Wybierz co najmniej jedną miejscowość.".into(),
            ConsultationReason::BadLocality => "Nieprawidłowy identyfikator miejscowości.".into(),
            ConsultationReason::DuplicateLocality => "Miejscowość podano dwa razy.".into(),
            ConsultationReason::TooManyLocalities => format!("Za dużo miejscowości (najwyżej {MAX_LOCALITIES})."),
            ConsultationReason::TooManyAttachments => format!("Za dużo załączników (najwyżej {MAX_ATTACHMENTS})."),
            ConsultationReason::AttachmentSize => "Załącznik musi mieć od 1 bajta do 10 MB.".into(),
            ConsultationReason::AttachmentType => "Załącznik musi być plikiem PDF, JPEG, PNG lub WebP.".into(),
            ConsultationReason::NoQuestions => "Dodaj co najmniej jedno pytanie.".into(),
            ConsultationReason::TooManyQuestions => format!("Za dużo pytań (najwyżej {MAX_QUESTIONS})."),
            ConsultationReason::QuestionId => format!(
                "Identyfikator pytania: od 1 do {QUESTION_ID_MAX} znaków, małe litery a–z, cyfry i podkreślenia."
            ),
            ConsultationReason::DuplicateQuestionId => "Dwa pytania mają ten sam identyfikator.".into(),
            ConsultationReason::TooFewOptions { min } => format!("Podaj co najmniej {min} odpowiedzi do wyboru."),
            ConsultationReason::TooManyOptions { max } => format!("Za dużo odpowiedzi do wyboru (najwyżej {max})."),
            ConsultationReason::DuplicateLabel => "Dwie odpowiedzi do wyboru mają tę samą treść.".into(),
            ConsultationReason::MaxOutOfRange { options } => {
                format!("Limit musi wynosić od 1 do liczby odpowiedzi do wyboru ({options}).")
            }
            ConsultationReason::TextLimit { max } => format!("Limit znaków musi wynosić od 1 do {max}."),
        }
    }

    pub fn en(&self) -> String {
        match self {
            ConsultationReason::Text { en, .. } => en.clone(),
            ConsultationReason::DatesOrder => "The consultation must close after it opens.".into(),
            ConsultationReason::NoLocalities => "Choose at least one locality.".into(),
            ConsultationReason::BadLocality => "Invalid locality id.".into(),
            ConsultationReason::DuplicateLocality => "A locality is listed twice.".into(),
            ConsultationReason::TooManyLocalities => format!("Too many localities (at most {MAX_LOCALITIES})."),
            ConsultationReason::TooManyAttachments => format!("Too many attachments (at most {MAX_ATTACHMENTS})."),
            ConsultationReason::AttachmentSize => "An attachment must be from 1 byte to 10 MB.".into(),
            ConsultationReason::AttachmentType => "An attachment must be a PDF, JPEG, PNG or WebP file.".into(),
            ConsultationReason::NoQuestions => "Add at least one question.".into(),
            ConsultationReason::TooManyQuestions => format!("Too many questions (at most {MAX_QUESTIONS})."),
            ConsultationReason::QuestionId => {
                format!("A question id is 1 to {QUESTION_ID_MAX} characters: lower-case a-z, digits and underscores.")
            }
            ConsultationReason::DuplicateQuestionId => "Two questions have the same id.".into(),
            ConsultationReason::TooFewOptions { min } => format!("Give at least {min} options."),
            ConsultationReason::TooManyOptions { max } => format!("Too many options (at most {max})."),
            ConsultationReason::DuplicateLabel => "Two options have the same label.".into(),
            ConsultationReason::MaxOutOfRange { options } => {
                format!("The limit must be from 1 to the number of options ({options}).")
            }
            ConsultationReason::TextLimit { max } => format!("The character limit must be from 1 to {max}."),
        }
    }
}

impl From<ConsultationError> for FieldError {
    fn from(e: ConsultationError) -> FieldError {
        FieldError::new(e.field, e.reason.pl(), e.reason.en())
    }
}

fn err(field: impl Into<String>, reason: ConsultationReason) -> ConsultationError {
    ConsultationError { field: field.into(), reason }
}

/// A text check of [`crate::validation`], with the field path.
fn text(field: String, r: Result<(), FieldError>) -> Result<(), ConsultationError> {
    r.map_err(|e| err(field, ConsultationReason::Text { pl: e.pl, en: e.en }))
}

/// What the back office checks before it saves a consultation: the texts'
/// lengths, dates in order, the area, attachments, and questions an
/// answer can satisfy (options present and distinct, limits within the
/// options, unique ids). The first problem found, in field order.
pub fn validate_consultation(c: &Consultation) -> Result<(), ConsultationError> {
    text("title".into(), required_text("title", &c.title, TITLE_MAX))?;
    text("description".into(), optional_text("description", &c.description, DESCRIPTION_MAX))?;
    if c.closes_at <= c.opens_at {
        return Err(err("closes_at", ConsultationReason::DatesOrder));
    }
    match &c.area {
        None => {}
        Some(ConsultationArea::Localities(ids)) => {
            if ids.is_empty() {
                return Err(err("area", ConsultationReason::NoLocalities));
            }
            if ids.len() > MAX_LOCALITIES {
                return Err(err("area", ConsultationReason::TooManyLocalities));
            }
            for (i, id) in ids.iter().enumerate() {
                if *id <= 0 {
                    return Err(err(format!("area[{i}]"), ConsultationReason::BadLocality));
                }
                if ids[..i].contains(id) {
                    return Err(err(format!("area[{i}]"), ConsultationReason::DuplicateLocality));
                }
            }
        }
        Some(ConsultationArea::Polygon(p)) => {
            p.validate().map_err(|e| err("area", ConsultationReason::Text { pl: e.pl, en: e.en }))?;
        }
    }
    if c.attachments.len() > MAX_ATTACHMENTS {
        return Err(err("attachments", ConsultationReason::TooManyAttachments));
    }
    for (i, a) in c.attachments.iter().enumerate() {
        let f = |name: &str| format!("attachments[{i}].{name}");
        text(f("name"), required_text("name", &a.name, ATTACHMENT_NAME_MAX))?;
        if !is_server_path(&a.url) {
            text(f("url"), http_url("url", &a.url))?;
        }
        if a.bytes == 0 || a.bytes > ATTACHMENT_MAX_BYTES {
            return Err(err(f("bytes"), ConsultationReason::AttachmentSize));
        }
        if !ATTACHMENT_MEDIA_TYPES.contains(&a.media_type.as_str()) {
            return Err(err(f("media_type"), ConsultationReason::AttachmentType));
        }
    }
    if c.questions.is_empty() {
        return Err(err("questions", ConsultationReason::NoQuestions));
    }
    if c.questions.len() > MAX_QUESTIONS {
        return Err(err("questions", ConsultationReason::TooManyQuestions));
    }
    for (i, q) in c.questions.iter().enumerate() {
        let f = |name: &str| format!("questions[{i}].{name}");
        if !valid_question_id(&q.id) {
            return Err(err(f("id"), ConsultationReason::QuestionId));
        }
        if c.questions[..i].iter().any(|p| p.id == q.id) {
            return Err(err(f("id"), ConsultationReason::DuplicateQuestionId));
        }
        text(f("text"), required_text("text", &q.text, QUESTION_TEXT_MAX))?;
        text(f("help"), optional_text("help", &q.help, HELP_MAX))?;
        validate_kind(&f, &q.kind)?;
    }
    Ok(())
}

/// A path on our own server (`/blobs/...`): not `//host` (a
/// scheme-relative URL to somewhere else), no spaces or control characters.
fn is_server_path(url: &str) -> bool {
    url.starts_with('/')
        && !url.starts_with("//")
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// `[a-z0-9_]{1,32}`: safe in a CSV header, a URL and a form field name.
pub fn valid_question_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= QUESTION_ID_MAX
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn validate_kind(f: &dyn Fn(&str) -> String, kind: &QuestionKind) -> Result<(), ConsultationError> {
    match kind {
        QuestionKind::Single { options } => labels(&f("options"), options, 2, MAX_OPTIONS),
        QuestionKind::Multiple { options, max } => {
            labels(&f("options"), options, 2, MAX_OPTIONS)?;
            limit(&f("max"), *max, options.len())
        }
        QuestionKind::Ranking { options, rank_max } => {
            labels(&f("options"), options, 2, MAX_OPTIONS)?;
            limit(&f("rank_max"), *rank_max, options.len())
        }
        QuestionKind::Matrix { rows, columns, .. } => {
            labels(&f("rows"), rows, 1, MAX_OPTIONS)?;
            labels(&f("columns"), columns, 2, MAX_MATRIX_COLUMNS)
        }
        QuestionKind::ShortText { max_chars } => text_limit(&f("max_chars"), *max_chars, SHORT_TEXT_MAX),
        QuestionKind::LongText { max_chars } => text_limit(&f("max_chars"), *max_chars, LONG_TEXT_MAX),
    }
}

/// Option, row or column labels: `min..=max` of them, each present, one
/// line, and no two the same (after trimming, ignoring case and Polish
/// letters: "Boisko" and "boisko " would read as one option).
fn labels(field: &str, labels: &[String], min: usize, max: usize) -> Result<(), ConsultationError> {
    if labels.len() < min {
        return Err(err(field, ConsultationReason::TooFewOptions { min }));
    }
    if labels.len() > max {
        return Err(err(field, ConsultationReason::TooManyOptions { max }));
    }
    let mut seen: Vec<String> = Vec::with_capacity(labels.len());
    for (i, l) in labels.iter().enumerate() {
        let path = format!("{field}[{i}]");
        text(path.clone(), required_text("label", l, LABEL_MAX))?;
        if l.contains(['\n', '\r']) {
            text(path.clone(), Err(FieldError::new("label", "Etykieta musi mieścić się w jednym wierszu.", "A label must be one line.")))?;
        }
        let key = crate::text::fold(l.trim());
        if seen.contains(&key) {
            return Err(err(path, ConsultationReason::DuplicateLabel));
        }
        seen.push(key);
    }
    Ok(())
}

fn limit(field: &str, value: u16, options: usize) -> Result<(), ConsultationError> {
    if value == 0 || usize::from(value) > options {
        return Err(err(field, ConsultationReason::MaxOutOfRange { options }));
    }
    Ok(())
}

fn text_limit(field: &str, value: u16, max: u16) -> Result<(), ConsultationError> {
    if value == 0 || value > max {
        return Err(err(field, ConsultationReason::TextLimit { max }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Consultation {
        Consultation {
            id: 7,
            title: "Park przy ul. Kościuszki".into(),
            description: "Co ma powstać w parku?".into(),
            opens_at: Utc.with_ymd_and_hms(2026, 5, 1, 6, 0, 0).unwrap(),
            closes_at: Utc.with_ymd_and_hms(2026, 5, 31, 22, 0, 0).unwrap(),
            area: Some(ConsultationArea::Localities(vec![1, 2])),
            attachments: vec![Attachment {
                name: "Uchwała".into(),
                url: "/blobs/abc".into(),
                bytes: 1000,
                media_type: "application/pdf".into(),
            }],
            questions: vec![
                Question {
                    id: "q1".into(),
                    text: "Co wolisz?".into(),
                    help: String::new(),
                    required: true,
                    kind: QuestionKind::Single { options: vec!["Plac zabaw".into(), "Siłownia".into()] },
                },
                Question {
                    id: "q2".into(),
                    text: "Uwagi".into(),
                    help: String::new(),
                    required: false,
                    kind: QuestionKind::LongText { max_chars: 2000 },
                },
            ],
            respondents: RespondentRule::PerDevice,
            verification: Verification::default(),
            anonymous: true,
            status: ConsultationStatus::Open,
        }
    }

    #[test]
    fn verification_defaults_when_absent_and_submission_hides_the_identity() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json.as_object_mut().unwrap().remove("verification");
        let c: Consultation = serde_json::from_value(json).unwrap();
        assert_eq!(c.verification, Verification { identity: IdentityMode::NameAddress, sms: false });
        let s: AnswerSubmission = serde_json::from_str(
            r#"{"answers":[],"identity":{"first_name":"Jan","last_name":"Kowalski","pesel":"44051401359"},
                "sms":{"request_id":"r","code":"123456"}}"#,
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("Kowalski") && !printed.contains("44051401359") && !printed.contains("123456"), "{printed}");
        // What a per-device app sends (`Answers`) is a submission too.
        let plain: AnswerSubmission = serde_json::from_str(r#"{"answers":[]}"#).unwrap();
        assert_eq!(plain, AnswerSubmission::from(Answers::default()));
        assert!(serde_json::from_str::<AnswerSubmission>(r#"{"answers":[],"extra":1}"#).is_err());
    }

    #[test]
    fn status_follows_closes_at_only_when_open() {
        let c = sample();
        let before = c.opens_at - chrono::Duration::hours(1);
        assert_eq!(c.status_at(before), ConsultationStatus::Open);
        assert!(c.upcoming_at(before) && !c.accepts_answers_at(before));
        assert!(c.accepts_answers_at(c.opens_at));
        assert!(!c.accepts_answers_at(c.closes_at));
        assert_eq!(c.status_at(c.closes_at), ConsultationStatus::Closed);
        for s in [ConsultationStatus::Draft, ConsultationStatus::Closed, ConsultationStatus::Published] {
            let d = Consultation { status: s, ..sample() };
            assert_eq!(d.status_at(c.opens_at), s);
            assert!(!d.accepts_answers_at(c.opens_at));
            assert_eq!(ConsultationStatus::parse(s.as_str()), Some(s));
        }
        assert!(!c.may_move_at(ConsultationStatus::Published, c.opens_at));
        assert!(c.may_move_at(ConsultationStatus::Published, c.closes_at));
        assert!(!ConsultationStatus::Published.may_move(ConsultationStatus::Open));
    }

    #[test]
    fn the_sample_is_valid_and_each_mistake_names_its_field() {
        assert_eq!(validate_consultation(&sample()), Ok(()));
        let field = |c: Consultation| validate_consultation(&c).unwrap_err().field;
        let mut c = sample();
        c.closes_at = c.opens_at;
        assert_eq!(field(c), "closes_at");
        let mut c = sample();
        c.questions[1].id = "q1".into();
        assert_eq!(field(c), "questions[1].id");
        let mut c = sample();
        c.questions[0].kind = QuestionKind::Multiple { options: vec!["A".into(), "b".into()], max: 3 };
        assert_eq!(field(c), "questions[0].max");
        let mut c = sample();
        c.questions[0].kind = QuestionKind::Single { options: vec!["Żłobek".into(), " zlobek".into()] };
        assert_eq!(field(c), "questions[0].options[1]");
        let mut c = sample();
        c.attachments[0].url = "//evil.example/x".into();
        assert_eq!(field(c), "attachments[0].url");
        let mut c = sample();
        c.questions[1].kind = QuestionKind::ShortText { max_chars: 201 };
        assert_eq!(field(c), "questions[1].max_chars");
    }

    #[test]
    fn wire_shape() {
        let v = serde_json::to_value(QuestionKind::Multiple { options: vec!["a".into()], max: 1 }).unwrap();
        assert_eq!(v, serde_json::json!({"type": "multiple", "options": ["a"], "max": 1}));
        let a: Answer = serde_json::from_str(r#"{"question":"q1","value":{"type":"matrix","cells":[{"row":0,"column":1}]}}"#).unwrap();
        assert_eq!(a.value, AnswerValue::Matrix { cells: vec![MatrixCell { row: 0, column: 1 }] });
        let area = serde_json::to_value(ConsultationArea::Localities(vec![3])).unwrap();
        assert_eq!(area, serde_json::json!({"localities": [3]}));
        let c = sample();
        let back: Consultation = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
