//! Consultations: the answer rules per question kind (a table of valid and
//! invalid answers), properties of `check_answers` and `tally` over
//! arbitrary and over valid answers, and the CSV export's escaping.

use chrono::{TimeZone, Utc};
use mm_protocol::consultations::csv::{csv_cell_escape, csv_header, csv_line, csv_line_with, csv_row};
use mm_protocol::consultations::model::{LONG_TEXT_MAX, SHORT_TEXT_MAX};
use mm_protocol::consultations::*;
use mm_protocol::validation::FieldError;
use proptest::prelude::*;
use serde_json::json;

fn q(id: &str, required: bool, kind: QuestionKind) -> Question {
    Question { id: id.into(), text: format!("Pytanie {id}"), help: String::new(), required, kind }
}

fn labels(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

/// One question of each kind; indices 0..=6.
fn consultation() -> Consultation {
    Consultation {
        id: 42,
        title: "Rewitalizacja rynku w Siechnicach".into(),
        description: "Konsultacje w sprawie zagospodarowania rynku.".into(),
        opens_at: Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap(),
        closes_at: Utc.with_ymd_and_hms(2026, 6, 30, 21, 59, 59).unwrap(),
        area: None,
        attachments: vec![],
        questions: vec![
            q("single", true, QuestionKind::Single { options: labels(&["Fontanna", "Zieleń", "Parking"]) }),
            q("multi", false, QuestionKind::Multiple { options: labels(&["Ławki", "Drzewa", "Stojaki", "Toaleta"]), max: 2 }),
            q("rank", false, QuestionKind::Ranking { options: labels(&["A", "B", "C", "D"]), rank_max: 3 }),
            q(
                "matrix",
                true,
                QuestionKind::Matrix { rows: labels(&["Czystość", "Oświetlenie"]), columns: labels(&["Źle", "Średnio", "Dobrze"]), multiple: false },
            ),
            q(
                "mmulti",
                false,
                QuestionKind::Matrix { rows: labels(&["Rano", "Wieczór"]), columns: labels(&["Pieszo", "Rowerem", "Autem"]), multiple: true },
            ),
            q("short", false, QuestionKind::ShortText { max_chars: 10 }),
            q("long", false, QuestionKind::LongText { max_chars: 30 }),
        ],
        respondents: RespondentRule::PerDevice,
        verification: Default::default(),
        anonymous: false,
        status: ConsultationStatus::Open,
    }
}

/// The least a respondent must send: the two required questions.
fn base() -> Vec<serde_json::Value> {
    vec![
        json!({"question": "single", "value": {"type": "single", "option": 1}}),
        json!({"question": "matrix", "value": {"type": "matrix", "cells": [{"row": 0, "column": 2}, {"row": 1, "column": 0}]}}),
    ]
}

fn answers(extra: serde_json::Value) -> Answers {
    let mut list = base();
    list.push(extra);
    serde_json::from_value(json!({ "answers": list })).unwrap()
}

fn cells(xs: &[(u16, u16)]) -> Vec<MatrixCell> {
    xs.iter().map(|&(row, column)| MatrixCell { row, column }).collect()
}

#[test]
fn the_fixture_is_a_valid_consultation() {
    assert_eq!(validate_consultation(&consultation()), Ok(()));
}

#[test]
fn answer_table() {
    use AnswerReason::*;
    let c = consultation();
    // (what, extra answer, expected: None = accepted, Some((question index, reason))).
    type Row = (&'static str, serde_json::Value, Option<(usize, AnswerReason)>);
    let table: Vec<Row> = vec![
        ("multiple within max", json!({"question": "multi", "value": {"type": "multiple", "options": [3, 0]}}), None),
        ("multiple empty = unanswered", json!({"question": "multi", "value": {"type": "multiple", "options": []}}), None),
        ("multiple over max", json!({"question": "multi", "value": {"type": "multiple", "options": [0, 1, 2]}}), Some((1, TooMany { max: 2 }))),
        ("multiple duplicate", json!({"question": "multi", "value": {"type": "multiple", "options": [1, 1]}}), Some((1, DuplicateOption))),
        ("multiple out of range", json!({"question": "multi", "value": {"type": "multiple", "options": [4]}}), Some((1, OptionOutOfRange))),
        ("ranking prefix", json!({"question": "rank", "value": {"type": "ranking", "ranking": [3, 1]}}), None),
        ("ranking full rank_max", json!({"question": "rank", "value": {"type": "ranking", "ranking": [2, 0, 1]}}), None),
        ("ranking too long", json!({"question": "rank", "value": {"type": "ranking", "ranking": [0, 1, 2, 3]}}), Some((2, RankingTooLong { max: 3 }))),
        ("ranking duplicate", json!({"question": "rank", "value": {"type": "ranking", "ranking": [1, 1]}}), Some((2, DuplicateOption))),
        ("ranking out of range", json!({"question": "rank", "value": {"type": "ranking", "ranking": [9]}}), Some((2, OptionOutOfRange))),
        ("matrix multiple two per row", json!({"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 0, "column": 0}, {"row": 0, "column": 1}]}}), None),
        ("matrix multiple duplicate cell", json!({"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 1, "column": 1}, {"row": 1, "column": 1}]}}), Some((4, DuplicateCell))),
        ("matrix row out of range", json!({"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 2, "column": 0}]}}), Some((4, RowOutOfRange))),
        ("matrix column out of range", json!({"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 0, "column": 3}]}}), Some((4, ColumnOutOfRange))),
        ("short text", json!({"question": "short", "value": {"type": "text", "text": "  Żółć  "}}), None),
        ("short text 10 chars of 2 bytes", json!({"question": "short", "value": {"type": "text", "text": "żżżżżżżżżż"}}), None),
        ("short text too long", json!({"question": "short", "value": {"type": "text", "text": "żżżżżżżżżżż"}}), Some((5, TextTooLong { max: 10 }))),
        ("short text newline", json!({"question": "short", "value": {"type": "text", "text": "a\nb"}}), Some((5, ControlCharacter))),
        ("short text blank = unanswered", json!({"question": "short", "value": {"type": "text", "text": " \t "}}), None),
        ("long text newlines", json!({"question": "long", "value": {"type": "text", "text": "a\r\nb\n\nc"}}), None),
        ("long text NUL", json!({"question": "long", "value": {"type": "text", "text": "a\u{0}b"}}), Some((6, ControlCharacter))),
        ("long text escape", json!({"question": "long", "value": {"type": "text", "text": "a\u{1b}[31m"}}), Some((6, ControlCharacter))),
        ("long text noncharacter", json!({"question": "long", "value": {"type": "text", "text": "a\u{FFFF}"}}), Some((6, Noncharacter))),
        ("long text too long", json!({"question": "long", "value": {"type": "text", "text": "x".repeat(31)}}), Some((6, TextTooLong { max: 30 }))),
        ("wrong kind", json!({"question": "short", "value": {"type": "single", "option": 0}}), Some((5, WrongKind))),
        ("text for a choice", json!({"question": "multi", "value": {"type": "text", "text": "Ławki"}}), Some((1, WrongKind))),
        ("unknown question", json!({"question": "nope", "value": {"type": "single", "option": 0}}), Some((2, UnknownQuestion))),
        ("answered twice", json!({"question": "single", "value": {"type": "single", "option": 0}}), Some((0, DuplicateAnswer))),
    ];
    for (what, extra, expected) in table {
        let got = check_answers(&c, &answers(extra));
        match expected {
            None => assert!(got.is_ok(), "{what}: {got:?}"),
            Some((question, reason)) => assert_eq!(got, Err(AnswerError { question, reason }), "{what}"),
        }
    }
}

#[test]
fn required_questions_and_the_single_choice_matrix() {
    use AnswerReason::*;
    let c = consultation();
    let check = |list: serde_json::Value| check_answers(&c, &serde_json::from_value(json!({ "answers": list })).unwrap());
    assert_eq!(check(json!([])), Err(AnswerError { question: 0, reason: Required }));
    let single = json!({"question": "single", "value": {"type": "single", "option": 2}});
    assert_eq!(check(json!([single.clone()])), Err(AnswerError { question: 3, reason: Required }));
    let out_of_range = json!({"question": "single", "value": {"type": "single", "option": 3}});
    assert_eq!(check(json!([out_of_range])), Err(AnswerError { question: 0, reason: OptionOutOfRange }));
    let one_row = json!({"question": "matrix", "value": {"type": "matrix", "cells": [{"row": 0, "column": 0}]}});
    assert_eq!(check(json!([single.clone(), one_row])), Err(AnswerError { question: 3, reason: RowsMissing }));
    let two_in_a_row =
        json!({"question": "matrix", "value": {"type": "matrix", "cells": [{"row": 0, "column": 0}, {"row": 0, "column": 1}, {"row": 1, "column": 0}]}});
    assert_eq!(check(json!([single.clone(), two_in_a_row])), Err(AnswerError { question: 3, reason: OnePerRow }));
    let empty = json!({"question": "matrix", "value": {"type": "matrix", "cells": []}});
    assert_eq!(check(json!([single, empty])), Err(AnswerError { question: 3, reason: Required }));
}

#[test]
fn accepted_answers_come_back_in_canonical_form() {
    let c = consultation();
    let a: Answers = serde_json::from_value(json!({"answers": [
        {"question": "long", "value": {"type": "text", "text": "  Za mało\r\nzieleni \u{2003}"}},
        {"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 1, "column": 2}, {"row": 0, "column": 1}, {"row": 1, "column": 0}]}},
        {"question": "multi", "value": {"type": "multiple", "options": [3, 0]}},
        {"question": "matrix", "value": {"type": "matrix", "cells": [{"row": 1, "column": 0}, {"row": 0, "column": 2}]}},
        {"question": "short", "value": {"type": "text", "text": "   "}},
        {"question": "single", "value": {"type": "single", "option": 0}},
        {"question": "rank", "value": {"type": "ranking", "ranking": [2, 0]}},
    ]}))
    .unwrap();
    let n = check_answers(&c, &a).unwrap();
    let ids: Vec<&str> = n.answers.iter().map(|a| a.question.as_str()).collect();
    assert_eq!(ids, ["single", "multi", "rank", "matrix", "mmulti", "long"], "question order, blank short text left out");
    assert_eq!(n.get("multi"), Some(&AnswerValue::Multiple { options: vec![0, 3] }));
    assert_eq!(n.get("rank"), Some(&AnswerValue::Ranking { ranking: vec![2, 0] }), "a ranking keeps its order");
    assert_eq!(n.get("matrix"), Some(&AnswerValue::Matrix { cells: cells(&[(0, 2), (1, 0)]) }));
    assert_eq!(n.get("mmulti"), Some(&AnswerValue::Matrix { cells: cells(&[(0, 1), (1, 0), (1, 2)]) }));
    assert_eq!(n.get("long"), Some(&AnswerValue::Text { text: "Za mało\nzieleni".into() }));
    assert_eq!(n.texts().collect::<Vec<_>>(), [("long", "Za mało\nzieleni")]);
    // Canonical answers pass again unchanged.
    assert_eq!(check_answers(&c, &Answers { answers: n.answers.clone() }), Ok(n.clone()));
    // Stored as JSON and read back.
    let back: NormalAnswers = serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
    assert_eq!(back, n);
}

#[test]
fn errors_name_the_field_in_both_languages() {
    let c = consultation();
    let e = check_answers(&c, &answers(json!({"question": "multi", "value": {"type": "multiple", "options": [0, 1, 2]}}))).unwrap_err();
    let f: FieldError = e.into();
    assert_eq!(f.field, "questions[1]");
    assert!(f.pl.contains('2') && f.en.contains('2'), "{f:?}");
    let e = check_answers(&c, &answers(json!({"question": "x", "value": {"type": "text", "text": "tajne dane"}}))).unwrap_err();
    assert_eq!(e.field(), "answers[2]");
    let f: FieldError = e.into();
    assert!(!f.pl.contains("tajne") && !f.en.contains("tajne"), "no answered value in errors");
    let mut all = Vec::new();
    for r in [AnswerReason::Required, AnswerReason::WrongKind, AnswerReason::RowsMissing, AnswerReason::TextTooLong { max: 5 }] {
        all.push((r.pl(), r.en()));
    }
    assert!(all.iter().all(|(pl, en)| !pl.is_empty() && !en.is_empty() && pl != en));
}

#[test]
fn consultation_validation_table() {
    type Edit = Box<dyn Fn(&mut Consultation)>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|c| c.title = "  ".into()), "title"),
        (Box::new(|c| c.closes_at = c.opens_at - chrono::Duration::seconds(1)), "closes_at"),
        (Box::new(|c| c.area = Some(ConsultationArea::Localities(vec![]))), "area"),
        (Box::new(|c| c.area = Some(ConsultationArea::Localities(vec![3, 3]))), "area[1]"),
        (
            Box::new(|c| {
                c.attachments.push(Attachment { name: "Mapa".into(), url: "/blobs/1".into(), bytes: 11 * 1024 * 1024, media_type: "application/pdf".into() })
            }),
            "attachments[0].bytes",
        ),
        (
            Box::new(|c| c.attachments.push(Attachment { name: "x".into(), url: "/blobs/1".into(), bytes: 1, media_type: "text/html".into() })),
            "attachments[0].media_type",
        ),
        (
            Box::new(|c| c.attachments.push(Attachment { name: "x".into(), url: "javascript:alert(1)".into(), bytes: 1, media_type: "application/pdf".into() })),
            "attachments[0].url",
        ),
        (Box::new(|c| c.questions.clear()), "questions"),
        (Box::new(|c| c.questions[2].id = "Rank".into()), "questions[2].id"),
        (Box::new(|c| c.questions[2].id = "single".into()), "questions[2].id"),
        (Box::new(|c| c.questions[0].text = String::new()), "questions[0].text"),
        (Box::new(|c| c.questions[0].kind = QuestionKind::Single { options: labels(&["Tylko jedna"]) }), "questions[0].options"),
        (Box::new(|c| c.questions[0].kind = QuestionKind::Single { options: labels(&["A", ""]) }), "questions[0].options[1]"),
        (Box::new(|c| c.questions[0].kind = QuestionKind::Single { options: labels(&["A", "B\nC"]) }), "questions[0].options[1]"),
        (Box::new(|c| c.questions[1].kind = QuestionKind::Multiple { options: labels(&["A", "B"]), max: 0 }), "questions[1].max"),
        (Box::new(|c| c.questions[2].kind = QuestionKind::Ranking { options: labels(&["A", "B"]), rank_max: 3 }), "questions[2].rank_max"),
        (
            Box::new(|c| c.questions[3].kind = QuestionKind::Matrix { rows: vec![], columns: labels(&["A", "B"]), multiple: false }),
            "questions[3].rows",
        ),
        (
            Box::new(|c| c.questions[3].kind = QuestionKind::Matrix { rows: labels(&["r"]), columns: labels(&["A", "a"]), multiple: false }),
            "questions[3].columns[1]",
        ),
        (Box::new(|c| c.questions[5].kind = QuestionKind::ShortText { max_chars: SHORT_TEXT_MAX + 1 }), "questions[5].max_chars"),
        (Box::new(|c| c.questions[6].kind = QuestionKind::LongText { max_chars: LONG_TEXT_MAX + 1 }), "questions[6].max_chars"),
        (Box::new(|c| c.questions[6].kind = QuestionKind::LongText { max_chars: 0 }), "questions[6].max_chars"),
    ];
    for (edit, field) in cases {
        let mut c = consultation();
        edit(&mut c);
        let e = validate_consultation(&c).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        let f: FieldError = e.into();
        assert!(!f.pl.is_empty() && !f.en.is_empty());
    }
    let mut c = consultation();
    c.attachments.push(Attachment { name: "Uchwała".into(), url: "https://siechnice.gmina.pl/u.pdf".into(), bytes: 1, media_type: "application/pdf".into() });
    c.area = Some(ConsultationArea::Localities(vec![1, 2]));
    assert_eq!(validate_consultation(&c), Ok(()));
}

// ---- tally ----

fn normal(c: &Consultation, list: serde_json::Value) -> NormalAnswers {
    check_answers(c, &serde_json::from_value(json!({ "answers": list })).unwrap()).unwrap()
}

#[test]
fn tally_counts_each_kind() {
    let c = consultation();
    let single = |o: u16| json!({"question": "single", "value": {"type": "single", "option": o}});
    let matrix = json!({"question": "matrix", "value": {"type": "matrix", "cells": [{"row": 0, "column": 2}, {"row": 1, "column": 0}]}});
    let all = [
        normal(&c, json!([single(0), matrix, {"question": "multi", "value": {"type": "multiple", "options": [0, 1]}},
            {"question": "rank", "value": {"type": "ranking", "ranking": [3, 0, 1]}},
            {"question": "long", "value": {"type": "text", "text": "Więcej ławek"}}])),
        normal(&c, json!([single(0), matrix, {"question": "multi", "value": {"type": "multiple", "options": [1]}},
            {"question": "rank", "value": {"type": "ranking", "ranking": [0]}},
            {"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 0, "column": 0}, {"row": 0, "column": 1}]}}])),
        normal(&c, json!([single(2), matrix])),
    ];
    let s = tally(&c, &all);
    assert_eq!(s.consultation, 42);
    assert_eq!(s.respondents, 3);
    let t = |i: usize| (&s.questions[i].tally, s.questions[i].answered);
    assert_eq!(t(0), (&Tally::Single { counts: vec![2, 0, 1] }, 3));
    assert_eq!(t(1), (&Tally::Multiple { counts: vec![1, 2, 0, 0] }, 2));
    // k = 3: first place 3 points, second 2, third 1.
    assert_eq!(
        t(2),
        (&Tally::Ranking { positions: vec![vec![1, 1, 0], vec![0, 0, 1], vec![0, 0, 0], vec![1, 0, 0]], borda: vec![5, 1, 0, 3] }, 2)
    );
    assert_eq!(t(3), (&Tally::Matrix { cells: vec![vec![0, 0, 3], vec![3, 0, 0]] }, 3));
    assert_eq!(t(4), (&Tally::Matrix { cells: vec![vec![1, 1, 0], vec![0, 0, 0]] }, 1));
    assert_eq!(t(5), (&Tally::Text {}, 0));
    assert_eq!(t(6), (&Tally::Text {}, 1));
    let wire = serde_json::to_value(&s).unwrap();
    assert_eq!(wire["questions"][2]["tally"]["type"], "ranking");
    assert!(!wire.to_string().contains("Więcej"), "the summary carries no texts");
    let back: Summary = serde_json::from_value(wire).unwrap();
    assert_eq!(back, s);
}

#[test]
fn tally_skips_values_that_do_not_fit() {
    let c = consultation();
    let bad = NormalAnswers {
        answers: vec![
            Answer { question: "single".into(), value: AnswerValue::Single { option: 9 } },
            Answer { question: "multi".into(), value: AnswerValue::Multiple { options: vec![1, 1] } },
            Answer { question: "rank".into(), value: AnswerValue::Ranking { ranking: vec![0, 1, 2, 3] } },
            Answer { question: "matrix".into(), value: AnswerValue::Matrix { cells: cells(&[(0, 0), (0, 1)]) } },
            Answer { question: "short".into(), value: AnswerValue::Single { option: 0 } },
            Answer { question: "gone".into(), value: AnswerValue::Text { text: "x".into() } },
        ],
    };
    let s = tally(&c, [&bad]);
    assert_eq!(s.respondents, 1);
    assert!(s.questions.iter().all(|q| q.answered == 0), "{s:?}");
}

// ---- CSV ----

#[test]
fn csv_layout() {
    let c = consultation();
    let h = csv_header(&c);
    assert_eq!(
        h,
        [
            "respondent",
            "submitted",
            "single: Pytanie single",
            "multi[1]: Ławki",
            "multi[2]: Drzewa",
            "multi[3]: Stojaki",
            "multi[4]: Toaleta",
            "rank[1]: A",
            "rank[2]: B",
            "rank[3]: C",
            "rank[4]: D",
            "matrix[1]: Czystość",
            "matrix[2]: Oświetlenie",
            "mmulti[1]: Rano",
            "mmulti[2]: Wieczór",
            "short: Pytanie short",
            "long: Pytanie long",
        ]
    );
    let n = normal(
        &c,
        json!([
            {"question": "single", "value": {"type": "single", "option": 1}},
            {"question": "multi", "value": {"type": "multiple", "options": [2]}},
            {"question": "rank", "value": {"type": "ranking", "ranking": [3, 0]}},
            {"question": "matrix", "value": {"type": "matrix", "cells": [{"row": 0, "column": 2}, {"row": 1, "column": 0}]}},
            {"question": "mmulti", "value": {"type": "matrix", "cells": [{"row": 1, "column": 2}, {"row": 1, "column": 0}]}},
            {"question": "long", "value": {"type": "text", "text": "=HYPERLINK(\"http://x\",\"k\")\nbo"}},
        ]),
    );
    let row = csv_row(&c, &n, Some("k1"), "2026-06-02T10:00:00Z");
    assert_eq!(row.len(), h.len());
    assert_eq!(
        row,
        [
            "k1",
            "2026-06-02T10:00:00Z",
            "Zieleń",
            "0",
            "0",
            "1",
            "0",
            "2",
            "",
            "",
            "1",
            "Dobrze",
            "Źle",
            "",
            "Pieszo; Autem",
            "",
            "'=HYPERLINK(\"http://x\",\"k\")\nbo",
        ]
    );
    let line = csv_line(&row);
    assert!(line.ends_with("\"'=HYPERLINK(\"\"http://x\"\",\"\"k\"\")\nbo\"\r\n"), "{line}");
    // Unanswered multiple: empty cells, not zeros.
    let minimal = normal(&c, serde_json::Value::Array(base()));
    let row = csv_row(&c, &minimal, Some("k2"), "d");
    assert_eq!(&row[3..7], ["", "", "", ""]);
}

#[test]
fn anonymous_exports_have_no_respondent_column() {
    let c = Consultation { anonymous: true, ..consultation() };
    let h = csv_header(&c);
    assert_eq!(h[0], "submitted");
    let n = normal(&c, serde_json::Value::Array(base()));
    let row = csv_row(&c, &n, Some("device-key"), "2026-06-02");
    assert_eq!(row.len(), h.len());
    assert!(!row.iter().any(|cell| cell.contains("device-key")));
}

#[test]
fn officials_labels_are_escaped_too() {
    let mut c = consultation();
    c.questions[0].kind = QuestionKind::Single { options: labels(&["-1 drzewo", "@admin", "+48 123"]) };
    c.questions[0].text = "=cmd|' /C calc'!A0".into();
    let h = csv_header(&c);
    assert_eq!(h[2], "single: =cmd|' /C calc'!A0", "the id comes first, so the header is safe");
    let n = normal(&c, json!([{"question": "single", "value": {"type": "single", "option": 1}}, base()[1]]));
    assert_eq!(csv_row(&c, &n, None, "@2026")[..3], ["", "'@2026", "'@admin"]);
}

#[test]
fn formula_injection_table() {
    for (cell, escaped) in [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\tzwykły", "'\tzwykły"),
        ("   =1", "'   =1"),
        ("\n=1", "'\n=1"),
        ("＝1", "'＝1"),
        ("Ławki=tak", "Ławki=tak"),
        ("'=już", "'=już"),
        ("", ""),
        ("Park 1", "Park 1"),
    ] {
        assert_eq!(csv_cell_escape(cell), escaped, "{cell:?}");
    }
}

#[test]
fn rfc4180_quoting() {
    let cells = labels(&["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "", " spaced "]);
    assert_eq!(csv_line(&cells), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",, spaced \r\n");
    assert_eq!(csv_line_with(&labels(&["a;b", "a,b"]), ';'), "\"a;b\";a,b\r\n");
}

/// A strict RFC 4180 reader of one record, to check the writer against.
fn parse_record(line: &str, sep: char) -> Vec<String> {
    let body = line.strip_suffix("\r\n").expect("CRLF");
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        let mut cell = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next().expect("closing quote") {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => break,
                    c => cell.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == sep {
                    break;
                }
                assert!(c != '"' && c != '\n' && c != '\r', "unquoted special in {line:?}");
                cell.push(c);
                chars.next();
            }
        }
        out.push(cell);
        match chars.next() {
            None => return out,
            Some(c) => assert_eq!(c, sep),
        }
    }
}

// ---- properties ----

/// Any answer value, mostly not fitting: small numbers so that some do.
fn any_value() -> impl Strategy<Value = AnswerValue> {
    let list = || prop::collection::vec(0u16..6, 0..7);
    prop_oneof![
        (0u16..5).prop_map(|option| AnswerValue::Single { option }),
        Just(AnswerValue::Single { option: u16::MAX }),
        list().prop_map(|options| AnswerValue::Multiple { options }),
        list().prop_map(|ranking| AnswerValue::Ranking { ranking }),
        prop::collection::vec((0u16..3, 0u16..4), 0..8).prop_map(|xs| AnswerValue::Matrix { cells: cells(&xs) }),
        any::<String>().prop_map(|text| AnswerValue::Text { text }),
        "[ a-zżółć\\n\\r\\t=+-]{0,40}".prop_map(|text| AnswerValue::Text { text }),
    ]
}

fn any_answers() -> impl Strategy<Value = Answers> {
    let ids = prop_oneof![
        Just("single".to_string()),
        Just("multi".to_string()),
        Just("rank".to_string()),
        Just("matrix".to_string()),
        Just("mmulti".to_string()),
        Just("short".to_string()),
        Just("long".to_string()),
        "[a-z]{0,6}",
    ];
    prop::collection::vec((ids, any_value()), 0..10)
        .prop_map(|xs| Answers { answers: xs.into_iter().map(|(question, value)| Answer { question, value }).collect() })
}

/// A valid answer to every question of [`consultation`] (optional ones
/// sometimes left out).
fn valid_answers() -> impl Strategy<Value = Answers> {
    let maybe = |s: BoxedStrategy<AnswerValue>| prop::option::weighted(0.7, s);
    (
        (0u16..3).prop_map(|option| AnswerValue::Single { option }),
        maybe(prop::sample::subsequence(vec![0u16, 1, 2, 3], 1..=2).prop_shuffle().prop_map(|options| AnswerValue::Multiple { options }).boxed()),
        maybe(
            (prop::sample::subsequence(vec![0u16, 1, 2, 3], 1..=3).prop_shuffle())
                .prop_map(|ranking| AnswerValue::Ranking { ranking })
                .boxed(),
        ),
        (0u16..3, 0u16..3).prop_map(|(a, b)| AnswerValue::Matrix { cells: cells(&[(1, b), (0, a)]) }),
        maybe(
            prop::sample::subsequence(vec![(0u16, 0u16), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)], 1..=6)
                .prop_map(|xs| AnswerValue::Matrix { cells: cells(&xs) })
                .boxed(),
        ),
        maybe("[a-zA-Ząęż ]{1,10}".prop_map(|text| AnswerValue::Text { text }).boxed()),
        maybe("[a-ząęż \\n]{1,30}".prop_map(|text| AnswerValue::Text { text }).boxed()),
    )
        .prop_map(|(s, m, r, x, mm, st, lt)| {
            let ids = ["single", "multi", "rank", "matrix", "mmulti", "short", "long"];
            let values = [Some(s), m, r, Some(x), mm, st, lt];
            Answers {
                answers: ids
                    .iter()
                    .zip(values)
                    .filter_map(|(id, v)| v.map(|value| Answer { question: id.to_string(), value }))
                    .rev()
                    .collect(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary answers never panic; what is accepted is canonical (it
    /// passes again unchanged) and answers every required question.
    #[test]
    fn check_answers_never_panics(a in any_answers()) {
        let c = consultation();
        if let Ok(n) = check_answers(&c, &a) {
            prop_assert_eq!(check_answers(&c, &Answers { answers: n.answers.clone() }), Ok(n.clone()));
            prop_assert!(n.get("single").is_some() && n.get("matrix").is_some());
        }
    }

    /// A valid answer set with one value replaced by anything: never a
    /// panic; a refusal names the replaced answer's question (or, for a
    /// value that says nothing, a required question it leaves empty).
    #[test]
    fn one_bad_value_is_pinned_to_its_question(a in valid_answers(), which in any::<prop::sample::Index>(), value in any_value()) {
        let c = consultation();
        let mut a = a;
        let i = which.index(a.answers.len());
        a.answers[i].value = value;
        let target = c.questions.iter().position(|q| q.id == a.answers[i].question).unwrap();
        match check_answers(&c, &a) {
            Ok(n) => prop_assert_eq!(check_answers(&c, &Answers { answers: n.answers.clone() }), Ok(n)),
            Err(e) => prop_assert_eq!(e.question, target, "{:?}", e),
        }
    }

    /// Valid answers are accepted, and the tally's counts add up to what
    /// the canonical answers hold, whatever their order.
    #[test]
    fn tally_counts_add_up(all in prop::collection::vec(valid_answers(), 0..40)) {
        let c = consultation();
        let normal: Vec<NormalAnswers> = all.iter().map(|a| check_answers(&c, a)).collect::<Result<_, _>>().unwrap();
        let s = tally(&c, &normal);
        prop_assert_eq!(s.respondents, normal.len() as u64);
        let answered = |id: &str| normal.iter().filter(|n| n.get(id).is_some()).count() as u64;
        for (q, qs) in c.questions.iter().zip(&s.questions) {
            prop_assert_eq!(qs.answered, answered(&q.id));
        }
        let Tally::Single { counts } = &s.questions[0].tally else { panic!() };
        prop_assert_eq!(counts.iter().sum::<u64>(), normal.len() as u64);
        let Tally::Multiple { counts } = &s.questions[1].tally else { panic!() };
        let chosen: usize = normal.iter().map(|n| match n.get("multi") { Some(AnswerValue::Multiple { options }) => options.len(), _ => 0 }).sum();
        prop_assert_eq!(counts.iter().sum::<u64>(), chosen as u64);
        let Tally::Matrix { cells: m } = &s.questions[3].tally else { panic!() };
        for row in m {
            prop_assert_eq!(row.iter().sum::<u64>(), normal.len() as u64, "one per row, every row");
        }
        let mut reversed = normal.clone();
        reversed.reverse();
        prop_assert_eq!(tally(&c, &reversed), s);
    }

    /// Borda sums: recomputed from the rankings themselves, and from the
    /// position counts; the first place is worth `rank_max`.
    #[test]
    fn ranking_borda_sums(all in prop::collection::vec(valid_answers(), 0..40)) {
        let c = consultation();
        let normal: Vec<NormalAnswers> = all.iter().map(|a| check_answers(&c, a).unwrap()).collect();
        let Tally::Ranking { positions, borda } = &tally(&c, &normal).questions[2].tally else { panic!() };
        let k = 3u64;
        let mut expected = [0u64; 4];
        let mut ranked_at = [0u64; 3];
        for n in &normal {
            if let Some(AnswerValue::Ranking { ranking }) = n.get("rank") {
                for (p, &o) in ranking.iter().enumerate() {
                    expected[usize::from(o)] += k - p as u64;
                    ranked_at[p] += 1;
                }
            }
        }
        prop_assert_eq!(borda.as_slice(), expected.as_slice());
        for (o, row) in positions.iter().enumerate() {
            let from_positions: u64 = row.iter().enumerate().map(|(p, n)| n * (k - p as u64)).sum();
            prop_assert_eq!(from_positions, borda[o]);
        }
        for (p, &ranked) in ranked_at.iter().enumerate() {
            prop_assert_eq!(positions.iter().map(|row| row[p]).sum::<u64>(), ranked);
        }
    }

    /// A tally over anything at all (accepted or not) never panics and
    /// counts each question at most once per respondent.
    #[test]
    fn tally_never_panics(all in prop::collection::vec(any_answers(), 0..20)) {
        let c = consultation();
        let raw: Vec<NormalAnswers> = all.into_iter().map(|a| NormalAnswers { answers: a.answers }).collect();
        let s = tally(&c, &raw);
        prop_assert!(s.questions.iter().all(|q| q.answered <= s.respondents));
    }

    /// No escaped cell starts a formula; escaping is idempotent.
    #[test]
    fn escaped_cells_are_inert(cell in any::<String>()) {
        let e = csv_cell_escape(&cell);
        let prefixed = format!("'{}", cell);
        prop_assert!(e == cell || e == prefixed);
        prop_assert!(!e.starts_with(['=', '+', '-', '@', '\t', '\r']));
        prop_assert!(!e.trim_start_matches([' ', '\n']).starts_with(['=', '+', '-', '@']));
        prop_assert_eq!(csv_cell_escape(&e), e);
    }

    /// The writer's records read back, cell for cell, with either separator.
    #[test]
    fn csv_lines_round_trip(cells in prop::collection::vec("[a-z,;\"\r\n =]{0,8}", 1..6), semicolon in any::<bool>()) {
        let sep = if semicolon { ';' } else { ',' };
        let line = csv_line_with(&cells, sep);
        prop_assert_eq!(parse_record(&line, sep), cells);
    }

    /// Every row is as long as the header, whatever is stored.
    #[test]
    fn csv_rows_fit_the_header(a in any_answers(), anonymous in any::<bool>()) {
        let c = Consultation { anonymous, ..consultation() };
        let raw = NormalAnswers { answers: a.answers };
        let row = csv_row(&c, &raw, Some("=k"), "+d");
        prop_assert_eq!(row.len(), csv_header(&c).len());
        prop_assert!(row.iter().all(|cell| csv_cell_escape(cell) == *cell));
    }
}
