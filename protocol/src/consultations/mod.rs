//! Public consultations (konsultacje społeczne): a survey's questions, the
//! rules an answer must follow, and the tally of answers. Pure rules.
//!
//! - [`model`]: the consultation, its questions and the answers on the
//!   wire; `validate_consultation` for the back office.
//! - [`rules`]: `check_answers`, run by the core and again by the server.
//! - [`summary`]: `tally`, the counts the summary shows.
//! - [`csv`]: the office's CSV export, safe to open in a spreadsheet.
//! - [`wire`]: the answers of the residents' routes the core reads.

pub mod model;
pub mod rules;
pub mod summary;
pub mod csv;
pub mod wire;

pub use model::{
    validate_consultation, Answer, AnswerSubmission, AnswerValue, Answers, Attachment, Consultation, ConsultationArea, ConsultationError,
    ConsultationReason, ConsultationStatus, MatrixCell, Question, QuestionKind, RespondentRule, Verification,
};
pub use rules::{check_answers, AnswerError, AnswerReason, NormalAnswers};
pub use summary::{tally, QuestionSummary, Summary, Tally};
