//! The tally of a consultation's answers: what the public summary shows
//! after it closes (`GET /api/v1/consultations/{id}/summary`, status
//! `published`) and the back office shows at any time. Counts only, in
//! integers; free texts are counted here and shown elsewhere, once a
//! moderator approved them (Decidim's published charts skip text
//! questions, R§5).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::model::{AnswerValue, Consultation, QuestionKind};
use super::rules::NormalAnswers;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub consultation: i64,
    /// Everyone who sent answers.
    pub respondents: u64,
    /// In the consultation's question order.
    pub questions: Vec<QuestionSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionSummary {
    /// The question's id.
    pub question: String,
    /// Respondents who answered it (for `multiple`: who chose at least one
    /// option, the base of its percentages).
    pub answered: u64,
    pub tally: Tally,
}

/// The counts of one question, by its kind. Indices are the question's
/// options, rows and columns, from 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tally {
    /// `counts[option]`: respondents who chose it.
    Single { counts: Vec<u64> },
    /// `counts[option]`: respondents who chose it (they sum to more than
    /// `answered` when people chose several).
    Multiple { counts: Vec<u64> },
    /// `positions[option][p]`: respondents who put the option at place
    /// `p` (0 = first), `p < rank_max`. `borda[option]`: the Borda sum
    /// `Σ (k − p)` over those placings with `k = rank_max`: the first place
    /// earns `k` points, place `k` earns 1, an unranked option 0 (the
    /// modified Borda count for partial rankings; with a full ranking it
    /// orders options as the classic `n − 1 … 0` does).
    Ranking { positions: Vec<Vec<u64>>, borda: Vec<u64> },
    /// `cells[row][column]`: respondents who ticked the cell.
    Matrix { cells: Vec<Vec<u64>> },
    /// Free text: only `answered`.
    Text {},
}

/// Tallies the answers of a consultation. Each value is checked against
/// its question first (range, duplicates, the ranking's length), and one
/// that does not fit (a stored answer the consultation no longer matches)
/// is left out of that question entirely; nothing panics.
pub fn tally<'a>(c: &Consultation, answers: impl IntoIterator<Item = &'a NormalAnswers>) -> Summary {
    let mut questions: Vec<QuestionSummary> = c
        .questions
        .iter()
        .map(|q| QuestionSummary {
            question: q.id.clone(),
            answered: 0,
            tally: match &q.kind {
                QuestionKind::Single { options } => Tally::Single { counts: vec![0; options.len()] },
                QuestionKind::Multiple { options, .. } => Tally::Multiple { counts: vec![0; options.len()] },
                QuestionKind::Ranking { options, rank_max } => Tally::Ranking {
                    positions: vec![vec![0; usize::from(*rank_max)]; options.len()],
                    borda: vec![0; options.len()],
                },
                QuestionKind::Matrix { rows, columns, .. } => Tally::Matrix { cells: vec![vec![0; columns.len()]; rows.len()] },
                QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => Tally::Text {},
            },
        })
        .collect();
    let index: HashMap<&str, usize> = c.questions.iter().enumerate().map(|(i, q)| (q.id.as_str(), i)).collect();
    let mut respondents = 0u64;
    for one in answers {
        respondents += 1;
        // One count per question per respondent, even if a stored record
        // repeats a question.
        let mut counted = vec![false; c.questions.len()];
        for a in &one.answers {
            let Some(&q) = index.get(a.question.as_str()) else { continue };
            if counted[q] {
                continue;
            }
            if add(&c.questions[q].kind, &mut questions[q].tally, &a.value) {
                counted[q] = true;
                questions[q].answered += 1;
            }
        }
    }
    Summary { consultation: c.id, respondents, questions }
}

/// Adds one value to its question's tally; false (and nothing added) when
/// it does not fit.
fn add(kind: &QuestionKind, tally: &mut Tally, value: &AnswerValue) -> bool {
    match (kind, tally, value) {
        (QuestionKind::Single { .. }, Tally::Single { counts }, AnswerValue::Single { option }) => {
            match counts.get_mut(usize::from(*option)) {
                Some(n) => {
                    *n += 1;
                    true
                }
                None => false,
            }
        }
        (QuestionKind::Multiple { max, .. }, Tally::Multiple { counts }, AnswerValue::Multiple { options }) => {
            if options.is_empty() || options.len() > usize::from(*max) || !distinct_below(options, counts.len()) {
                return false;
            }
            for &o in options {
                counts[usize::from(o)] += 1;
            }
            true
        }
        (QuestionKind::Ranking { rank_max, .. }, Tally::Ranking { positions, borda }, AnswerValue::Ranking { ranking }) => {
            let k = usize::from(*rank_max);
            if ranking.is_empty() || ranking.len() > k || !distinct_below(ranking, borda.len()) {
                return false;
            }
            for (p, &o) in ranking.iter().enumerate() {
                let o = usize::from(o);
                positions[o][p] += 1;
                borda[o] += (k - p) as u64;
            }
            true
        }
        (QuestionKind::Matrix { multiple, .. }, Tally::Matrix { cells }, AnswerValue::Matrix { cells: ticked }) => {
            if ticked.is_empty() {
                return false;
            }
            let columns = cells.first().map_or(0, Vec::len);
            let mut seen = std::collections::HashSet::with_capacity(ticked.len());
            let mut rows_seen = std::collections::HashSet::with_capacity(ticked.len());
            for t in ticked {
                let fits = usize::from(t.row) < cells.len() && usize::from(t.column) < columns;
                if !fits || !seen.insert(*t) || (!*multiple && !rows_seen.insert(t.row)) {
                    return false;
                }
            }
            for t in ticked {
                cells[usize::from(t.row)][usize::from(t.column)] += 1;
            }
            true
        }
        (QuestionKind::ShortText { .. } | QuestionKind::LongText { .. }, Tally::Text {}, AnswerValue::Text { text }) => {
            !text.trim().is_empty()
        }
        _ => false,
    }
}

fn distinct_below(list: &[u16], n: usize) -> bool {
    let mut seen = vec![false; n];
    list.iter().all(|&o| match seen.get_mut(usize::from(o)) {
        Some(s) => !std::mem::replace(s, true),
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_below_refuses_repeats_and_overflow() {
        assert!(distinct_below(&[1, 0], 2));
        assert!(!distinct_below(&[1, 1], 2));
        assert!(!distinct_below(&[2], 2));
    }
}
