//! The CSV export of a consultation's answers, for the office (one row per
//! respondent).
//!
//! Layout, left to right:
//! - `respondent`: the respondent key (never a device id or a name); the
//!   column is left out of an anonymous consultation's export, whatever the
//!   caller passes;
//! - `submitted`: as the caller gives it (a date for an anonymous
//!   consultation, which stores no time of day);
//! - then each question in order:
//!   - `single`: one column `id: text`, the chosen option's label;
//!   - `multiple`: one column per option `id[n]: label` (`n` from 1),
//!     `1` chosen, `0` not chosen, empty when the question is unanswered;
//!   - `ranking`: one column per option `id[n]: label`, the place the
//!     respondent gave it (`1` best), empty when unranked: a number per
//!     option sorts and averages in a spreadsheet, a joined list would
//!     need parsing;
//!   - `matrix`: one column per row `id[n]: row label`, the ticked
//!     column's label; several (a `multiple` matrix) joined by `"; "` in
//!     column order;
//!   - `short_text`, `long_text`: one column `id: text`, the text as
//!     answered (line breaks kept, the writer quotes them).
//!
//! Every cell, headers included, goes through [`csv_cell_escape`]: the
//! texts are residents' and officials' and would otherwise run as formulas
//! when the file is opened in a spreadsheet (OWASP "CSV Injection").
//! [`csv_line`] writes RFC 4180 records (`,`, CRLF); Excel in a Polish
//! locale expects `;` ([`csv_line_with`]) and a UTF-8 BOM ([`UTF8_BOM`])
//! to read the Polish letters right.

use super::model::{AnswerValue, Consultation, QuestionKind};
use super::rules::NormalAnswers;

/// Put first in the file so that Excel reads it as UTF-8.
pub const UTF8_BOM: &str = "\u{FEFF}";

/// The header row (see the module's doc for the layout).
pub fn csv_header(c: &Consultation) -> Vec<String> {
    let mut out = Vec::new();
    if !c.anonymous {
        out.push("respondent".to_string());
    }
    out.push("submitted".to_string());
    for q in &c.questions {
        let per_item = |labels: &[String], out: &mut Vec<String>| {
            for (n, label) in labels.iter().enumerate() {
                out.push(csv_cell_escape(&format!("{}[{}]: {}", q.id, n + 1, label)));
            }
        };
        match &q.kind {
            QuestionKind::Multiple { options, .. } | QuestionKind::Ranking { options, .. } => per_item(options, &mut out),
            QuestionKind::Matrix { rows, .. } => per_item(rows, &mut out),
            QuestionKind::Single { .. } | QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                out.push(csv_cell_escape(&format!("{}: {}", q.id, q.text)));
            }
        }
    }
    out
}

/// One respondent's row, as long as the header. A stored value that does
/// not fit its question leaves its cells empty (or shows what fits).
pub fn csv_row(c: &Consultation, answers: &NormalAnswers, respondent: Option<&str>, submitted: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !c.anonymous {
        out.push(csv_cell_escape(respondent.unwrap_or("")));
    }
    out.push(csv_cell_escape(submitted));
    for q in &c.questions {
        let value = answers.get(&q.id);
        match &q.kind {
            QuestionKind::Single { options } => {
                let label = match value {
                    Some(AnswerValue::Single { option }) => options.get(usize::from(*option)).map_or("", String::as_str),
                    _ => "",
                };
                out.push(csv_cell_escape(label));
            }
            QuestionKind::Multiple { options, .. } => {
                let chosen = match value {
                    Some(AnswerValue::Multiple { options }) => Some(options.as_slice()),
                    _ => None,
                };
                for o in 0..options.len() {
                    out.push(match chosen {
                        None => String::new(),
                        Some(list) if list.iter().any(|&x| usize::from(x) == o) => "1".into(),
                        Some(_) => "0".into(),
                    });
                }
            }
            QuestionKind::Ranking { options, .. } => {
                let ranking = match value {
                    Some(AnswerValue::Ranking { ranking }) => ranking.as_slice(),
                    _ => &[],
                };
                for o in 0..options.len() {
                    let place = ranking.iter().position(|&x| usize::from(x) == o);
                    out.push(place.map_or_else(String::new, |p| (p + 1).to_string()));
                }
            }
            QuestionKind::Matrix { rows, columns, .. } => {
                let cells = match value {
                    Some(AnswerValue::Matrix { cells }) => cells.as_slice(),
                    _ => &[],
                };
                for r in 0..rows.len() {
                    let mut ticked: Vec<u16> =
                        cells.iter().filter(|c| usize::from(c.row) == r).map(|c| c.column).collect();
                    ticked.sort_unstable();
                    ticked.dedup();
                    let labels: Vec<&str> =
                        ticked.iter().filter_map(|&col| columns.get(usize::from(col)).map(String::as_str)).collect();
                    out.push(csv_cell_escape(&labels.join("; ")));
                }
            }
            QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => {
                let text = match value {
                    Some(AnswerValue::Text { text }) => text.as_str(),
                    _ => "",
                };
                out.push(csv_cell_escape(text));
            }
        }
    }
    out
}

/// Neutralises spreadsheet formula injection (OWASP "CSV Injection"): a
/// cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return,
/// or with one of `= + - @` after leading spaces and line feeds, or with
/// their full-width forms (which some spreadsheets fold to ASCII), gets a
/// leading `'`, so the spreadsheet shows it as text. Anything else is
/// returned as is; escaping twice changes nothing.
pub fn csv_cell_escape(cell: &str) -> String {
    const TRIGGERS: [char; 8] = ['=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];
    let risky = match cell.chars().next() {
        Some('\t' | '\r') => true,
        Some(_) => cell.trim_start_matches([' ', '\n']).starts_with(TRIGGERS),
        None => false,
    };
    if risky {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// One RFC 4180 record: cells separated by `,`, a cell in double quotes
/// (inner quotes doubled) when it holds `,`, `"`, CR or LF, ended by CRLF.
pub fn csv_line(cells: &[String]) -> String {
    csv_line_with(cells, ',')
}

/// [`csv_line`] with another separator (`;` for Excel in a Polish locale).
pub fn csv_line_with(cells: &[String], separator: char) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        if cell.contains([separator, '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_quote() {
        assert_eq!(csv_cell_escape("=1+1"), "'=1+1");
        assert_eq!(csv_cell_escape("  @SUM(A1)"), "'  @SUM(A1)");
        assert_eq!(csv_cell_escape("Park"), "Park");
        assert_eq!(csv_cell_escape(&csv_cell_escape("-2")), "'-2");
        assert_eq!(csv_line(&["a,b".into(), "say \"hi\"".into(), "x".into()]), "\"a,b\",\"say \"\"hi\"\"\",x\r\n");
    }
}
