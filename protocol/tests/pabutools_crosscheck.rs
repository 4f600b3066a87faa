//! Our count against pabutools 1.2.3 (the oracle pinned in
//! docs/plans/issue-15.md §0 and §5; R§2, R§6 of the reference).
//!
//! `counts_as_pabutools_does`: seeded random instances, 250 per rule
//! (greedy, greedy with a threshold, MES+Add1, MES+Add1 with the comparison
//! step), each written with our strict `.pb` writer plus a sidecar JSON
//! (lot, threshold, increment) into one directory; ONE Python process
//! (`tests/pabutools/crosscheck.py`) counts them all; the selected SETS
//! must be equal. A mismatch keeps the instance in `target/pabu-fail/` and
//! names it. `MM_PABU_PYTHON` is the venv's python (`make test-rust` sets
//! it, scripts/pabu-venv.sh builds it); without it the test says so and
//! passes, unless `MM_REQUIRE_PABUTOOLS=1`. `MM_PABU_SEED` repeats a run.
//! `MM_PABU_FIXTURES=1` also rewrites the committed fixtures.
//!
//! `replays_the_committed_pabutools_answers`: 50 of those instances with
//! pabutools' answers, committed under `tests/data/pabutools/` (the
//! takahashim/equalshares pattern, R§6), counted again without Python.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use mm_protocol::budget::count::{count, CountBallot, CountInput, CountProject, CountingRule, DEFAULT_TIE};
use mm_protocol::budget::pabulib::{write, PbBallot, PbInstance, PbMeta, PbProject, PbVote, VotingMethod};
use serde::{Deserialize, Serialize};

const PER_RULE: usize = 250;
const FIXTURES_PER_RULE: usize = 13;

/// splitmix64: reproducible instances without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// In `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// One instance: what we count and what pabutools is asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Case {
    name: String,
    /// The `.pb` rule name, as the Python side dispatches on it.
    rule: String,
    input: CountInput,
    /// pabutools' selected project ids, sorted (fixtures only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pabutools_selected: Vec<i64>,
}

/// 2–25 projects, costs 10–200 zł in steps of 10 (many ties), 1–120
/// voters approving 1..max projects, the pool 20–80 % of the total cost,
/// lot ranks a random permutation (plan §5).
fn random_case(rng: &mut Rng, name: String, rule: CountingRule) -> Case {
    let n = rng.range(2, 25) as usize;
    let mut lot: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        lot.swap(i, rng.range(0, i as u64) as usize);
    }
    let projects: Vec<CountProject> = (0..n)
        .map(|i| CountProject { id: i as i64 + 1, cost: rng.range(1, 20) as i64 * 10 * 100, lot_rank: lot[i] })
        .collect();
    let max_length = rng.range(1, n as u64) as usize;
    let voters = rng.range(1, 120);
    let ballots = (0..voters)
        .map(|_| {
            let len = rng.range(1, max_length as u64) as usize;
            let mut approvals: Vec<u16> = Vec::new();
            while approvals.len() < len {
                let p = rng.range(0, n as u64 - 1) as u16;
                if !approvals.contains(&p) {
                    approvals.push(p);
                }
            }
            CountBallot { weight: 1, approvals, points: Vec::new() }
        })
        .collect();
    let total: i64 = projects.iter().map(|p| p.cost).sum();
    // Whole złoty (plan §0).
    let budget = total * rng.range(20, 80) as i64 / 100 / 100 * 100;
    let rule_name = match rule {
        CountingRule::Greedy { min_votes: 0 } => "greedy",
        CountingRule::Greedy { .. } => "greedy-threshold",
        CountingRule::EqualSharesAdd1 { comparison: false } => "equalshares/add1",
        CountingRule::EqualSharesAdd1 { comparison: true } => "equalshares/add1-comparison",
    };
    Case {
        name,
        rule: rule_name.into(),
        input: CountInput { budget, projects, ballots, tie: DEFAULT_TIE.to_vec(), rule, increment: 100 },
        pabutools_selected: Vec::new(),
    }
}

fn cases(seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for i in 0..PER_RULE {
        let rules = [
            CountingRule::Greedy { min_votes: 0 },
            CountingRule::Greedy { min_votes: rng.range(1, 5) as u32 },
            CountingRule::EqualSharesAdd1 { comparison: false },
            CountingRule::EqualSharesAdd1 { comparison: true },
        ];
        for (r, rule) in rules.into_iter().enumerate() {
            out.push(random_case(&mut rng, format!("r{r}-{i:03}"), rule));
        }
    }
    out
}

/// The instance as a `.pb` file through our writer, `selected` from our count.
fn pb_text(case: &Case, selected: &[i64]) -> String {
    let input = &case.input;
    let mut votes = vec![0u32; input.projects.len()];
    for b in &input.ballots {
        for &p in &b.approvals {
            votes[usize::from(p)] += 1;
        }
    }
    let pb = PbInstance {
        meta: PbMeta {
            description: format!("pabutools cross-check {}", case.name),
            country: "Poland".into(),
            unit: "Test".into(),
            subunit: None,
            instance: case.name.clone(),
            budget: input.budget,
            ballot: PbBallot::Approval {
                min_length: 1,
                max_length: input.ballots.iter().map(|b| b.approvals.len() as u32).max().unwrap_or(1),
            },
            rule: input.rule.clone(),
            date_begin: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            date_end: NaiveDate::from_ymd_opt(2026, 9, 15).unwrap(),
            edition: None,
            language: Some("pl".into()),
            currency: Some("PLN".into()),
        },
        projects: input
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| PbProject {
                id: p.id,
                cost: p.cost,
                votes: votes[i],
                score: 0,
                name: format!("Projekt {}", p.id),
                categories: Vec::new(),
                location: None,
                selected: selected.contains(&p.id),
            })
            .collect(),
        votes: input
            .ballots
            .iter()
            .map(|b| PbVote {
                vote: b.approvals.iter().map(|&p| input.projects[usize::from(p)].id).collect(),
                points: Vec::new(),
                age: None,
                sex: None,
                voting_method: VotingMethod::Internet,
            })
            .collect(),
    };
    write(&pb)
}

fn sidecar(case: &Case) -> serde_json::Value {
    let min_votes = match case.input.rule {
        CountingRule::Greedy { min_votes } => min_votes,
        CountingRule::EqualSharesAdd1 { .. } => 0,
    };
    let lot: BTreeMap<String, u32> = case.input.projects.iter().map(|p| (p.id.to_string(), p.lot_rank)).collect();
    // pabutools reads the file's amounts in złoty: one złoty per round.
    serde_json::json!({ "rule": case.rule, "min_votes": min_votes, "increment": case.input.increment / 100, "lot": lot })
}

fn ours(case: &Case) -> Vec<i64> {
    let mut s = count(&case.input).unwrap_or_else(|e| panic!("{}: {e}", case.name)).selected;
    s.sort_unstable();
    s
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn counts_as_pabutools_does() {
    let Some(python) = std::env::var_os("MM_PABU_PYTHON") else {
        assert!(
            std::env::var("MM_REQUIRE_PABUTOOLS").as_deref() != Ok("1"),
            "MM_REQUIRE_PABUTOOLS=1 but MM_PABU_PYTHON is not set (scripts/pabu-venv.sh builds the venv)"
        );
        eprintln!("pabutools cross-check skipped: MM_PABU_PYTHON not set (make test-rust sets it)");
        return;
    };
    let seed = std::env::var("MM_PABU_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    eprintln!("pabutools cross-check: MM_PABU_SEED={seed}");
    let cases = cases(seed);
    let dir = std::env::temp_dir().join(format!("mm-pabu-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut answers: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for case in &cases {
        let selected = ours(case);
        std::fs::write(dir.join(format!("{}.pb", case.name)), pb_text(case, &selected)).unwrap();
        std::fs::write(dir.join(format!("{}.json", case.name)), sidecar(case).to_string()).unwrap();
        answers.insert(case.name.clone(), selected);
    }
    let started = Instant::now();
    let output = Command::new(&python)
        .arg(repo().join("tests/pabutools/crosscheck.py"))
        .arg(&dir)
        .output()
        .expect("MM_PABU_PYTHON runs");
    let took = started.elapsed();
    assert!(output.status.success(), "crosscheck.py failed: {}", String::from_utf8_lossy(&output.stderr));
    #[derive(Deserialize)]
    struct Line {
        name: String,
        selected: Vec<i64>,
    }
    let theirs: BTreeMap<String, Vec<i64>> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Line>(l).expect("a JSON line"))
        .map(|l| (l.name, l.selected))
        .collect();
    assert_eq!(theirs.len(), cases.len(), "pabutools answered every instance");
    let mut failed = Vec::new();
    for case in &cases {
        if theirs[&case.name] != answers[&case.name] {
            let keep = repo().join("target/pabu-fail");
            std::fs::create_dir_all(&keep).unwrap();
            for ext in ["pb", "json"] {
                let file = format!("{}.{ext}", case.name);
                std::fs::copy(dir.join(&file), keep.join(format!("{seed}-{file}"))).unwrap();
            }
            failed.push(format!(
                "{} ({}): ours {:?}, pabutools {:?}; kept as target/pabu-fail/{seed}-{}.pb",
                case.name, case.rule, answers[&case.name], theirs[&case.name], case.name
            ));
        }
    }
    if std::env::var("MM_PABU_FIXTURES").as_deref() == Ok("1") && failed.is_empty() {
        let data = repo().join("protocol/tests/data/pabutools");
        std::fs::create_dir_all(&data).unwrap();
        for case in cases.iter().filter(|c| c.name[3..].parse::<usize>().is_ok_and(|i| i < FIXTURES_PER_RULE)) {
            let fixture = Case { pabutools_selected: theirs[&case.name].clone(), ..case.clone() };
            let name = case.name.clone();
            std::fs::write(data.join(format!("{name}.json")), serde_json::to_string(&fixture).unwrap() + "\n").unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    // How much the random instances exercise: MES outcomes unlike greedy's,
    // and comparisons won by greedy.
    let differs = |rule: &str| {
        cases
            .iter()
            .filter(|c| c.rule == rule)
            .filter(|c| {
                let mut g: Case = (*c).clone();
                g.input.rule = CountingRule::Greedy { min_votes: 0 };
                ours(&g) != answers[&c.name]
            })
            .count()
    };
    eprintln!(
        "pabutools cross-check: {} instances ({PER_RULE} per rule), Python took {:.1} s, {} mismatches; \
         MES+Add1 unlike greedy in {}, MES+Add1+comparison unlike greedy in {}",
        cases.len(),
        took.as_secs_f64(),
        failed.len(),
        differs("equalshares/add1"),
        differs("equalshares/add1-comparison"),
    );
    assert!(failed.is_empty(), "seed {seed}: ours and pabutools differ:\n{}", failed.join("\n"));
}

#[test]
fn replays_the_committed_pabutools_answers() {
    let data = repo().join("protocol/tests/data/pabutools");
    let mut replayed = BTreeMap::<String, usize>::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let case: Case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(ours(&case), case.pabutools_selected, "{}", path.display());
        *replayed.entry(case.rule).or_default() += 1;
    }
    assert_eq!(replayed.values().sum::<usize>(), 4 * FIXTURES_PER_RULE, "{replayed:?}");
}
