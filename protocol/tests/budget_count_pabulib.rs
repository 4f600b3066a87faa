//! The strict Pabulib writer: R§1's example byte for byte, and properties of
//! any written instance (reads back equal, no blank line, no space beside a
//! separator).

use chrono::NaiveDate;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::pabulib::{read_strict, write, PbBallot, PbInstance, PbMeta, PbProject, PbVote, Sex, VotingMethod};
use proptest::prelude::*;

/// R§1 "Minimal valid example" (VERIFIED there: pabutools parses it, the
/// checker reports no error and no warning).
const EXAMPLE: &str = r#"META
key;value
description;BO gminy Siechnice - pula ogolnogminna (przyklad)
country;Poland
unit;Siechnice
instance;2026
num_projects;4
num_votes;6
budget;500000
vote_type;approval
rule;greedy
date_begin;01.09.2025
date_end;15.09.2025
min_length;1
max_length;2
PROJECTS
project_id;cost;votes;name;category;selected
1;300000;4;"Plac zabaw; etap I";sport,education;1
2;250000;3;Sciezka rowerowa;transport;0
3;150000;3;"""Zielony"" skwer";environment;1
4;50000;1;Lawki;public space;1
VOTES
voter_id;vote;age;sex;voting_method
v1;1,2;34;F;internet
v2;1,3;51;M;paper
v3;2,3;23;M;internet
v4;1;19;F;internet
v5;1,3;62;F;paper
v6;2,4;44;M;internet"#;

fn example() -> PbInstance {
    let project = |id: i64, zloty: i64, votes: u32, name: &str, categories: &[&str], selected: bool| PbProject {
        id,
        cost: zloty * 100,
        votes,
        score: 0,
        name: name.into(),
        categories: categories.iter().map(|c| c.to_string()).collect(),
        location: None,
        selected,
    };
    let vote = |vote: &[i64], age: u16, sex: Sex, voting_method: VotingMethod| PbVote {
        vote: vote.to_vec(),
        points: vec![],
        age: Some(age),
        sex: Some(sex),
        voting_method,
    };
    use VotingMethod::{Internet, Paper};
    PbInstance {
        meta: PbMeta {
            description: "BO gminy Siechnice - pula ogolnogminna (przyklad)".into(),
            country: "Poland".into(),
            unit: "Siechnice".into(),
            subunit: None,
            instance: "2026".into(),
            budget: 500_000 * 100,
            ballot: PbBallot::Approval { min_length: 1, max_length: 2 },
            rule: CountingRule::Greedy { min_votes: 0 },
            date_begin: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
            date_end: NaiveDate::from_ymd_opt(2025, 9, 15).unwrap(),
            edition: None,
            language: None,
            currency: None,
        },
        projects: vec![
            project(1, 300_000, 4, "Plac zabaw; etap I", &["sport", "education"], true),
            project(2, 250_000, 3, "Sciezka rowerowa", &["transport"], false),
            project(3, 150_000, 3, "\"Zielony\" skwer", &["environment"], true),
            project(4, 50_000, 1, "Lawki", &["public space"], true),
        ],
        votes: vec![
            vote(&[1, 2], 34, Sex::F, Internet),
            vote(&[1, 3], 51, Sex::M, Paper),
            vote(&[2, 3], 23, Sex::M, Internet),
            vote(&[1], 19, Sex::F, Internet),
            vote(&[1, 3], 62, Sex::F, Paper),
            vote(&[2, 4], 44, Sex::M, Internet),
        ],
    }
}

#[test]
fn the_reference_example_is_written_byte_for_byte() {
    assert_eq!(write(&example()), EXAMPLE);
    assert_eq!(read_strict(EXAMPLE).unwrap(), example());
}

#[test]
fn the_rule_and_threshold_are_written_as_the_checker_reads_them() {
    let mut pb = example();
    pb.meta.rule = CountingRule::Greedy { min_votes: 2 };
    pb.meta.subunit = Some("Osiedle; Radwanice".into());
    pb.meta.language = Some("pl".into());
    pb.meta.currency = Some("PLN".into());
    pb.meta.edition = Some("2026".into());
    pb.meta.budget = 123_456;
    let text = write(&pb);
    let keys: Vec<&str> = text.lines().skip(2).take_while(|l| *l != "PROJECTS").map(|l| l.split(';').next().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "description", "country", "unit", "subunit", "instance", "num_projects", "num_votes", "budget", "vote_type",
            "rule", "date_begin", "date_end", "min_length", "max_length", "min_project_score_threshold", "edition",
            "language", "currency"
        ]
    );
    assert!(text.contains("\nrule;greedy-threshold\n"));
    assert!(text.contains("\nmin_project_score_threshold;2\n"));
    assert!(text.contains("\nsubunit;\"Osiedle; Radwanice\"\n"));
    assert!(text.contains("\nbudget;1234.56\n"));
    assert_eq!(read_strict(&text).unwrap(), pb);
    for (rule, name) in [
        (CountingRule::EqualSharesAdd1 { comparison: false }, "equalshares/add1"),
        (CountingRule::EqualSharesAdd1 { comparison: true }, "equalshares/add1-comparison"),
    ] {
        pb.meta.rule = rule;
        assert!(write(&pb).contains(&format!("\nrule;{name}\n")));
    }
}

#[test]
fn cells_are_cleaned_and_the_reader_refuses_loose_files() {
    let mut pb = example();
    pb.projects[1].name = "  Ścieżka\r\nrowerowa ".into();
    pb.projects[1].categories = vec![" transport ".into(), "a,b".into(), "".into()];
    let text = write(&pb);
    assert!(text.contains("\n2;250000;3;Ścieżka  rowerowa;transport,a b;0\n"), "{text}");
    for loose in [
        EXAMPLE.replace("key;value", "key; value"),
        EXAMPLE.replace("\nPROJECTS", "\n\nPROJECTS"),
        EXAMPLE.replace("sport,education", "sport, education"),
        EXAMPLE.replace("v2;", "voter2;"),
        EXAMPLE.replace("Sciezka rowerowa", "\"Sciezka rowerowa\""),
        EXAMPLE.replace("num_votes;6", "num_votes;7"),
        format!("{EXAMPLE}\n"),
    ] {
        assert!(read_strict(&loose).is_err(), "{loose}");
    }
}

/// A cell's text: trimmed, no CR/LF (the writer's own normal form), with
/// the characters that need quoting.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-ZąęłŻ0-9;\", .-]{0,12}".prop_map(|s| s.trim().to_string())
}

fn category() -> impl Strategy<Value = String> {
    "[a-z;\" ]{1,8}".prop_map(|s| s.trim().to_string()).prop_filter("not empty", |s| !s.is_empty())
}

fn instances() -> impl Strategy<Value = PbInstance> {
    let ballot = prop_oneof![
        (0u32..3, 1u32..9).prop_map(|(a, b)| PbBallot::Approval { min_length: a, max_length: b }),
        (0i64..1_000_000).prop_map(|c| PbBallot::Knapsack { max_sum_cost: c }),
        (0u32..3, 1u32..9, 0u32..3, 1u32..20).prop_map(|(a, b, c, d)| PbBallot::Cumulative {
            min_points: a,
            max_points: b,
            min_sum_points: c,
            max_sum_points: d
        }),
    ];
    let rule = prop_oneof![
        (0u32..5).prop_map(|min_votes| CountingRule::Greedy { min_votes }),
        any::<bool>().prop_map(|comparison| CountingRule::EqualSharesAdd1 { comparison }),
    ];
    let meta = (
        (text(), text(), proptest::option::of(text()), text()),
        (0i64..100_000_000, ballot, rule),
        (proptest::option::of(text()), proptest::option::of(Just("pl".to_string())), proptest::option::of(Just("PLN".to_string()))),
        (0i64..20_000, 0i64..30),
    )
        .prop_map(|((description, unit, subunit, instance), (budget, ballot, rule), (edition, language, currency), (d, len))| {
            let date_begin = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(d as u64);
            PbMeta {
                description,
                country: "Poland".into(),
                unit,
                subunit,
                instance,
                budget,
                ballot,
                rule,
                date_begin,
                date_end: date_begin + chrono::Days::new(len as u64),
                edition,
                language,
                currency,
            }
        });
    let project = (
        (1i64..1000, 1i64..10_000_000, 0u32..1000, 0u32..1000),
        (text(), prop::collection::vec(category(), 0..3), proptest::option::of((-90.0f64..90.0, -180.0f64..180.0)), any::<bool>()),
    )
        .prop_map(|((id, cost, votes, score), (name, categories, location, selected))| PbProject {
            id,
            cost,
            votes,
            score,
            name,
            categories,
            location,
            selected,
        });
    let vote = (
        prop::collection::vec((1i64..1000, 1u16..10), 1..5),
        proptest::option::of(1u16..100),
        proptest::option::of(prop_oneof![Just(Sex::M), Just(Sex::F), Just(Sex::O)]),
        any::<bool>(),
    );
    (meta, prop::collection::vec(project, 1..6), prop::collection::vec(vote, 1..8)).prop_map(|(meta, projects, votes)| {
        let cumulative = matches!(meta.ballot, PbBallot::Cumulative { .. });
        let personal = votes.iter().any(|v| v.1.is_some() || v.2.is_some());
        let votes = votes
            .into_iter()
            .map(|(entries, age, sex, paper)| PbVote {
                vote: entries.iter().map(|e| e.0).collect(),
                points: if cumulative { entries.iter().map(|e| e.1).collect() } else { vec![] },
                // The age and sex columns come as a pair: a vote with one
                // and not the other reads back the same.
                age: if personal { age } else { None },
                sex,
                voting_method: if paper { VotingMethod::Paper } else { VotingMethod::Internet },
            })
            .collect();
        let projects = projects
            .into_iter()
            .map(|p| PbProject { score: if cumulative { p.score } else { 0 }, ..p })
            .collect();
        PbInstance { meta, projects, votes }
    })
}

/// Each `;` (and `,` in list cells) outside quotes with no space beside it.
fn separators_are_tight(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && c == ';' {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            if before == Some(' ') || after == Some(' ') {
                return false;
            }
        }
    }
    !line.starts_with(' ') && !line.ends_with(' ')
}

proptest! {
    #[test]
    fn any_instance_reads_back_equal(pb in instances()) {
        let text = write(&pb);
        prop_assert_eq!(read_strict(&text), Ok(pb));
    }

    #[test]
    fn no_blank_line_and_no_space_beside_a_separator(pb in instances()) {
        let text = write(&pb);
        prop_assert!(!text.ends_with('\n'));
        for line in text.split('\n') {
            prop_assert!(!line.trim().is_empty());
            prop_assert!(!line.contains('\r'));
            prop_assert!(separators_are_tight(line), "{}", line);
        }
        // List cells (category; vote, points): no space beside a comma.
        let mut lists: Vec<usize> = Vec::new();
        for line in text.split('\n') {
            if line.starts_with("project_id;") || line.starts_with("voter_id;") {
                lists = line
                    .split(';')
                    .enumerate()
                    .filter(|(_, c)| ["category", "vote", "points"].contains(c))
                    .map(|(i, _)| i)
                    .collect();
                continue;
            }
            if line == "VOTES" || line.contains('"') {
                continue;
            }
            let cells: Vec<&str> = line.split(';').collect();
            for &i in &lists {
                if let Some(c) = cells.get(i) {
                    prop_assert!(!c.contains(", ") && !c.contains(" ,"), "{}", line);
                }
            }
        }
    }
}
