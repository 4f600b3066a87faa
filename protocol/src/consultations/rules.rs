//! The rules an answer must follow, run by the core before it queues the
//! answers and by the server again before it stores them (400
//! `invalid_answer`, field `questions[i]`).

use serde::{Deserialize, Serialize};
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::model::{Answer, AnswerValue, Answers, Consultation, MatrixCell, QuestionKind, LONG_TEXT_MAX, SHORT_TEXT_MAX};
use crate::validation::{is_noncharacter, FieldError};

/// Answers that passed [`check_answers`], in canonical form: in the
/// consultation's question order, each question at most once, unanswered
/// questions left out (an empty list or a blank text counts as
/// unanswered); multiple choices ascending, matrix cells by row then
/// column, texts NFC, trimmed, line ends `\n`. Stored as is (JSON): same
/// shape as [`Answers`].
///
/// [`super::summary::tally`] and [`super::csv::csv_row`] read stored
/// values without trusting them: a value that does not fit its question is
/// skipped, never a panic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NormalAnswers {
    pub answers: Vec<Answer>,
}

impl NormalAnswers {
    /// The answer to the question with this id.
    pub fn get(&self, question: &str) -> Option<&AnswerValue> {
        self.answers.iter().find(|a| a.question == question).map(|a| &a.value)
    }

    /// The free texts, `(question id, text)`, for moderation.
    pub fn texts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.answers.iter().filter_map(|a| match &a.value {
            AnswerValue::Text { text } => Some((a.question.as_str(), text.as_str())),
            _ => None,
        })
    }
}

/// What is wrong with one answer. `question` is the position of the
/// question in [`Consultation::questions`], except for
/// [`AnswerReason::UnknownQuestion`], where it is the position of the
/// answer in [`Answers::answers`] (there is no such question).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: {}", self.field(), reason.en())]
pub struct AnswerError {
    pub question: usize,
    pub reason: AnswerReason,
}

impl AnswerError {
    /// The field of the 400 `invalid_answer`: `questions[i]` (`answers[i]`
    /// for an unknown question).
    pub fn field(&self) -> String {
        match self.reason {
            AnswerReason::UnknownQuestion => format!("answers[{}]", self.question),
            _ => format!("questions[{}]", self.question),
        }
    }
}

impl From<AnswerError> for FieldError {
    fn from(e: AnswerError) -> FieldError {
        FieldError::new(e.field(), e.reason.pl(), e.reason.en())
    }
}

/// Errors carry no answered value: a text may be personal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerReason {
    /// A required question has no answer.
    Required,
    /// No question of this consultation has the answer's id.
    UnknownQuestion,
    /// The question is answered twice.
    DuplicateAnswer,
    /// The value's type is not the question's kind.
    WrongKind,
    /// An option number past the question's options.
    OptionOutOfRange,
    /// The same option twice in one answer.
    DuplicateOption,
    /// More choices than the question's `max`.
    TooMany { max: u16 },
    /// More ranked options than the question's `rank_max`.
    RankingTooLong { max: u16 },
    RowOutOfRange,
    ColumnOutOfRange,
    /// The same matrix cell twice.
    DuplicateCell,
    /// Two columns in one row of a single-choice matrix.
    OnePerRow,
    /// A required matrix with a row left empty.
    RowsMissing,
    /// Longer than the question's `max_chars`, counted in characters.
    TextTooLong { max: u16 },
    /// A control character (a line break in a short answer).
    ControlCharacter,
    /// A Unicode noncharacter (U+FFFE and the like).
    Noncharacter,
}

impl AnswerReason {
    pub fn pl(&self) -> String {
        match self {
            AnswerReason::Required => "To pytanie wymaga odpowiedzi.".into(),
            AnswerReason::UnknownQuestion => "Nie ma takiego pytania w tych konsultacjach.".into(),
            AnswerReason::DuplicateAnswer => "Na to pytanie odpowiedziano dwa razy.".into(),
            AnswerReason::WrongKind => "Odpowiedź nie pasuje do rodzaju pytania.".into(),
            AnswerReason::OptionOutOfRange => "Nie ma takiej odpowiedzi do wyboru.".into(),
            AnswerReason::DuplicateOption => "Tę samą odpowiedź wybrano dwa razy.".into(),
            AnswerReason::TooMany { max } => format!("Wybrano za dużo odpowiedzi (limit: {max})."),
            AnswerReason::RankingTooLong { max } => format!("Uszeregowano za dużo odpowiedzi (limit: {max})."),
            AnswerReason::RowOutOfRange => "Nie ma takiego wiersza.".into(),
            AnswerReason::ColumnOutOfRange => "Nie ma takiej kolumny.".into(),
            AnswerReason::DuplicateCell => "To samo pole zaznaczono dwa razy.".into(),
            AnswerReason::OnePerRow => "W każdym wierszu można zaznaczyć tylko jedno pole.".into(),
            AnswerReason::RowsMissing => "Odpowiedz w każdym wierszu.".into(),
            AnswerReason::TextTooLong { max } => format!("Odpowiedź jest za długa (najwyżej {max} znaków)."),
            AnswerReason::ControlCharacter => "Odpowiedź zawiera niedozwolone znaki sterujące.".into(),
            AnswerReason::Noncharacter => "Odpowiedź zawiera niedozwolone znaki (np. U+FFFE).".into(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            AnswerReason::Required => "This question must be answered.".into(),
            AnswerReason::UnknownQuestion => "This consultation has no such question.".into(),
            AnswerReason::DuplicateAnswer => "The question is answered twice.".into(),
            AnswerReason::WrongKind => "The answer does not fit the kind of question.".into(),
            AnswerReason::OptionOutOfRange => "There is no such option.".into(),
            AnswerReason::DuplicateOption => "The same option is chosen twice.".into(),
            AnswerReason::TooMany { max } => format!("Too many options chosen (at most {max})."),
            AnswerReason::RankingTooLong { max } => format!("Too many options ranked (at most {max})."),
            AnswerReason::RowOutOfRange => "There is no such row.".into(),
            AnswerReason::ColumnOutOfRange => "There is no such column.".into(),
            AnswerReason::DuplicateCell => "The same cell is ticked twice.".into(),
            AnswerReason::OnePerRow => "Tick one cell per row.".into(),
            AnswerReason::RowsMissing => "Answer every row.".into(),
            AnswerReason::TextTooLong { max } => format!("The answer is too long (at most {max} characters)."),
            AnswerReason::ControlCharacter => "The answer contains control characters.".into(),
            AnswerReason::Noncharacter => "The answer contains Unicode noncharacters (such as U+FFFE).".into(),
        }
    }
}

/// Checks one respondent's answers against the consultation and returns
/// them in canonical form. Errors come in the answers' order, then missing
/// required questions in the questions' order; the first one is returned.
///
/// Never panics, and stops at the first problem: an answer list longer than
/// the questions must repeat or invent a question, so the work is bounded
/// by the consultation, not by the request (list values likewise stop at
/// the first duplicate or out-of-range number).
pub fn check_answers(c: &Consultation, answers: &Answers) -> Result<NormalAnswers, AnswerError> {
    let mut slots: Vec<Option<AnswerValue>> = vec![None; c.questions.len()];
    let mut seen = vec![false; c.questions.len()];
    for (i, a) in answers.answers.iter().enumerate() {
        let Some(q) = c.question_index(&a.question) else {
            return Err(AnswerError { question: i, reason: AnswerReason::UnknownQuestion });
        };
        if std::mem::replace(&mut seen[q], true) {
            return Err(AnswerError { question: q, reason: AnswerReason::DuplicateAnswer });
        }
        slots[q] = check_value(&c.questions[q].kind, &a.value).map_err(|reason| AnswerError { question: q, reason })?;
    }
    for (q, question) in c.questions.iter().enumerate() {
        if question.required && slots[q].is_none() {
            return Err(AnswerError { question: q, reason: AnswerReason::Required });
        }
        if let (true, QuestionKind::Matrix { rows, .. }, Some(AnswerValue::Matrix { cells })) =
            (question.required, &question.kind, &slots[q])
            && !every_row(cells, rows.len())
        {
            return Err(AnswerError { question: q, reason: AnswerReason::RowsMissing });
        }
    }
    let answers = c
        .questions
        .iter()
        .zip(slots)
        .filter_map(|(q, v)| v.map(|value| Answer { question: q.id.clone(), value }))
        .collect();
    Ok(NormalAnswers { answers })
}

/// One value against its question's kind: `Ok(None)` when it says nothing
/// (an empty list, a blank text).
fn check_value(kind: &QuestionKind, value: &AnswerValue) -> Result<Option<AnswerValue>, AnswerReason> {
    match (kind, value) {
        (QuestionKind::Single { options }, AnswerValue::Single { option }) => {
            if usize::from(*option) >= options.len() {
                return Err(AnswerReason::OptionOutOfRange);
            }
            Ok(Some(AnswerValue::Single { option: *option }))
        }
        (QuestionKind::Multiple { options, max }, AnswerValue::Multiple { options: chosen }) => {
            let mut chosen = distinct(chosen, options.len())?;
            if chosen.is_empty() {
                return Ok(None);
            }
            if chosen.len() > usize::from(*max) {
                return Err(AnswerReason::TooMany { max: *max });
            }
            chosen.sort_unstable();
            Ok(Some(AnswerValue::Multiple { options: chosen }))
        }
        (QuestionKind::Ranking { options, rank_max }, AnswerValue::Ranking { ranking }) => {
            let ranking = distinct(ranking, options.len())?;
            if ranking.is_empty() {
                return Ok(None);
            }
            if ranking.len() > usize::from(*rank_max) {
                return Err(AnswerReason::RankingTooLong { max: *rank_max });
            }
            Ok(Some(AnswerValue::Ranking { ranking }))
        }
        (QuestionKind::Matrix { rows, columns, multiple }, AnswerValue::Matrix { cells }) => {
            let cells = matrix(cells, rows.len(), columns.len(), *multiple)?;
            Ok((!cells.is_empty()).then_some(AnswerValue::Matrix { cells }))
        }
        (QuestionKind::ShortText { max_chars }, AnswerValue::Text { text }) => {
            let t = normal_text(text, (*max_chars).min(SHORT_TEXT_MAX), false)?;
            Ok((!t.is_empty()).then_some(AnswerValue::Text { text: t }))
        }
        (QuestionKind::LongText { max_chars }, AnswerValue::Text { text }) => {
            let t = normal_text(text, (*max_chars).min(LONG_TEXT_MAX), true)?;
            Ok((!t.is_empty()).then_some(AnswerValue::Text { text: t }))
        }
        _ => Err(AnswerReason::WrongKind),
    }
}

/// The numbers in order, each below `n` and none twice. Stops at the first
/// bad number, so at most `n + 1` are looked at.
fn distinct(list: &[u16], n: usize) -> Result<Vec<u16>, AnswerReason> {
    let mut seen = vec![false; n];
    let mut out = Vec::with_capacity(list.len().min(n));
    for &o in list {
        let slot = seen.get_mut(usize::from(o)).ok_or(AnswerReason::OptionOutOfRange)?;
        if std::mem::replace(slot, true) {
            return Err(AnswerReason::DuplicateOption);
        }
        out.push(o);
    }
    Ok(out)
}

/// Cells within the matrix, none twice, one per row unless `multiple`;
/// returned by row, then column.
fn matrix(cells: &[MatrixCell], rows: usize, columns: usize, multiple: bool) -> Result<Vec<MatrixCell>, AnswerReason> {
    for cell in cells {
        if usize::from(cell.row) >= rows {
            return Err(AnswerReason::RowOutOfRange);
        }
        if usize::from(cell.column) >= columns {
            return Err(AnswerReason::ColumnOutOfRange);
        }
    }
    let mut sorted = cells.to_vec();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        if pair[0] == pair[1] {
            return Err(AnswerReason::DuplicateCell);
        }
        if !multiple && pair[0].row == pair[1].row {
            return Err(AnswerReason::OnePerRow);
        }
    }
    Ok(sorted)
}

/// Whether sorted, in-range cells tick every one of `rows` rows.
fn every_row(cells: &[MatrixCell], rows: usize) -> bool {
    let mut answered = vec![false; rows];
    for c in cells {
        if let Some(r) = answered.get_mut(usize::from(c.row)) {
            *r = true;
        }
    }
    answered.into_iter().all(|r| r)
}

/// A text answer as stored: NFC (an "ó" typed as o + combining acute is
/// one character, as it is counted), line ends `\n` (long text only; a
/// short answer is one line), trimmed; then no control characters but
/// those line breaks, no noncharacters, and at most `max` characters.
fn normal_text(text: &str, max: u16, multiline: bool) -> Result<String, AnswerReason> {
    let nfc: String = if multiline {
        text.replace("\r\n", "\n").replace('\r', "\n").nfc().collect()
    } else {
        text.nfc().collect()
    };
    let t = nfc.trim();
    for c in t.chars() {
        if c.is_control() && !(multiline && c == '\n') {
            return Err(AnswerReason::ControlCharacter);
        }
        if is_noncharacter(c) {
            return Err(AnswerReason::Noncharacter);
        }
    }
    if t.chars().count() > usize::from(max) {
        return Err(AnswerReason::TextTooLong { max });
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_before_it_is_counted() {
        // "ó" as o + U+0301: two code points, one character after NFC.
        let decomposed = "o\u{301}".repeat(5);
        assert_eq!(normal_text(&decomposed, 5, false), Ok("ó".repeat(5)));
        assert_eq!(normal_text("  a\r\nb\rc  ", 10, true), Ok("a\nb\nc".into()));
        assert_eq!(normal_text("a\nb", 10, false), Err(AnswerReason::ControlCharacter));
        assert_eq!(normal_text("a\tb", 10, true), Err(AnswerReason::ControlCharacter));
        assert_eq!(normal_text("a\u{FFFE}", 10, true), Err(AnswerReason::Noncharacter));
        assert_eq!(normal_text(" \n ", 10, true), Ok(String::new()));
    }

    #[test]
    fn distinct_stops_at_the_first_problem() {
        assert_eq!(distinct(&[2, 0], 3), Ok(vec![2, 0]));
        assert_eq!(distinct(&[0, 0], 3), Err(AnswerReason::DuplicateOption));
        assert_eq!(distinct(&[3], 3), Err(AnswerReason::OptionOutOfRange));
        assert_eq!(distinct(&[], 0), Ok(vec![]));
    }
}
