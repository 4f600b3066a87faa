//! The strict Pabulib `.pb` writer (R§1 of the reference; pabulib.org/format,
//! pabutools `pabulib.py`, pabulib-checker 1.0.8 `fields.py`/`checker.py`).
//!
//! pabutools forgives blank lines and spaces; the checker does not, so the
//! writer emits one canonical form:
//! - `\n` line ends, no blank line, no newline after the last vote row;
//! - `;` between cells and `,` inside lists, never a space beside either;
//! - a cell is trimmed, CR/LF inside become spaces, and it is quoted (`"…"`,
//!   `""` for a quote) only when it holds `;` or `"` (the format page);
//! - amounts in złoty with a `.` before grosze when there are any;
//! - META keys in the order of the checker's `META_FIELDS_ORDER` (it warns
//!   otherwise): description, country, unit, subunit, instance,
//!   num_projects, num_votes, budget, vote_type, rule, date_begin, date_end,
//!   min_length, max_length | max_sum_cost | min_points, max_points,
//!   min_sum_points, max_sum_points, min_project_score_threshold, edition,
//!   language, currency. (docs/plans/issue-15.md listed subunit, edition,
//!   language and currency after the ballot's keys; the checker's own order
//!   wins.)
//! - PROJECTS `project_id;cost;votes[;score];name;category;selected[;latitude;longitude]`
//!   (pabulib-checker 1.0.8 warns about any other order):
//!   `name` always (checker 1.0.8 fails with a KeyError without it);
//! - VOTES `voter_id;vote[;points][;age;sex];voting_method`, voter ids
//!   `v1..vn` in the order given (the caller orders by pseudonymous key).
//!
//! `read_strict` reads only what `write` writes (it writes the instance
//! back and compares), for tests and for checking exports.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::count::CountingRule;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PbInstance {
    pub meta: PbMeta,
    pub projects: Vec<PbProject>,
    pub votes: Vec<PbVote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PbMeta {
    pub description: String,
    /// pycountry's name: `Poland`.
    pub country: String,
    /// The gmina.
    pub unit: String,
    /// The pool (a district or the whole gmina).
    pub subunit: Option<String>,
    /// The edition, e.g. `2026`.
    pub instance: String,
    /// Grosze.
    pub budget: i64,
    pub ballot: PbBallot,
    /// `rule` and, for a threshold, `min_project_score_threshold`.
    pub rule: CountingRule,
    /// The voting phase.
    pub date_begin: NaiveDate,
    pub date_end: NaiveDate,
    pub edition: Option<String>,
    /// ISO 639-1, `pl`.
    pub language: Option<String>,
    /// ISO 4217, `PLN`.
    pub currency: Option<String>,
}

/// The ballot's form: `vote_type` and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PbBallot {
    Approval { min_length: u32, max_length: u32 },
    /// Knapsack ballots are approval ballots with a cost limit (grosze).
    Knapsack { max_sum_cost: i64 },
    Cumulative { min_points: u32, max_points: u32, min_sum_points: u32, max_sum_points: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PbProject {
    pub id: i64,
    /// Grosze.
    pub cost: i64,
    pub votes: u32,
    /// Points; written for cumulative ballots only.
    pub score: u32,
    pub name: String,
    pub categories: Vec<String>,
    /// WGS84 (latitude, longitude); the columns appear when any project has one.
    pub location: Option<(f64, f64)>,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PbVote {
    /// Project ids; for cumulative ballots in decreasing points.
    pub vote: Vec<i64>,
    /// Cumulative ballots: points per entry of `vote`; empty otherwise.
    pub points: Vec<u16>,
    pub age: Option<u16>,
    pub sex: Option<Sex>,
    pub voting_method: VotingMethod,
}

/// The checker's `M|F|O`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    M,
    F,
    O,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VotingMethod {
    Internet,
    Paper,
}

/// The instance as a `.pb` file.
pub fn write(pb: &PbInstance) -> String {
    let m = &pb.meta;
    let mut lines: Vec<String> = vec!["META".into(), "key;value".into()];
    let mut meta = |k: &str, v: String| lines.push(format!("{k};{}", cell(&v)));
    meta("description", m.description.clone());
    meta("country", m.country.clone());
    meta("unit", m.unit.clone());
    if let Some(s) = &m.subunit {
        meta("subunit", s.clone());
    }
    meta("instance", m.instance.clone());
    meta("num_projects", pb.projects.len().to_string());
    meta("num_votes", pb.votes.len().to_string());
    meta("budget", zloty(m.budget));
    let cumulative = matches!(m.ballot, PbBallot::Cumulative { .. });
    meta("vote_type", if cumulative { "cumulative" } else { "approval" }.into());
    let (rule, threshold) = match m.rule {
        CountingRule::Greedy { min_votes: 0 } => ("greedy", None),
        CountingRule::Greedy { min_votes } => ("greedy-threshold", Some(min_votes)),
        CountingRule::EqualSharesAdd1 { comparison: false } => ("equalshares/add1", None),
        CountingRule::EqualSharesAdd1 { comparison: true } => ("equalshares/add1-comparison", None),
    };
    meta("rule", rule.into());
    meta("date_begin", m.date_begin.format("%d.%m.%Y").to_string());
    meta("date_end", m.date_end.format("%d.%m.%Y").to_string());
    match m.ballot {
        PbBallot::Approval { min_length, max_length } => {
            meta("min_length", min_length.to_string());
            meta("max_length", max_length.to_string());
        }
        PbBallot::Knapsack { max_sum_cost } => meta("max_sum_cost", zloty(max_sum_cost)),
        PbBallot::Cumulative { min_points, max_points, min_sum_points, max_sum_points } => {
            meta("min_points", min_points.to_string());
            meta("max_points", max_points.to_string());
            meta("min_sum_points", min_sum_points.to_string());
            meta("max_sum_points", max_sum_points.to_string());
        }
    }
    if let Some(t) = threshold {
        meta("min_project_score_threshold", t.to_string());
    }
    for (k, v) in [("edition", &m.edition), ("language", &m.language), ("currency", &m.currency)] {
        if let Some(v) = v {
            meta(k, v.clone());
        }
    }
    lines.push("PROJECTS".into());
    let located = pb.projects.iter().any(|p| p.location.is_some());
    let mut header = vec!["project_id", "cost", "votes"];
    if cumulative {
        header.push("score");
    }
    header.extend(["name", "category", "selected"]);
    if located {
        header.extend(["latitude", "longitude"]);
    }
    lines.push(header.join(";"));
    for p in &pb.projects {
        let mut row = vec![p.id.to_string(), zloty(p.cost), p.votes.to_string()];
        if cumulative {
            row.push(p.score.to_string());
        }
        row.push(cell(&p.name));
        row.push(cell(&list(p.categories.iter().map(|c| c.as_str()))));
        row.push(if p.selected { "1" } else { "0" }.into());
        if located {
            let (lat, lon) = p.location.map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or_default();
            row.extend([lat, lon]);
        }
        lines.push(row.join(";"));
    }
    lines.push("VOTES".into());
    let personal = pb.votes.iter().any(|v| v.age.is_some() || v.sex.is_some());
    let mut header = vec!["voter_id", "vote"];
    if cumulative {
        header.push("points");
    }
    if personal {
        header.extend(["age", "sex"]);
    }
    header.push("voting_method");
    lines.push(header.join(";"));
    for (i, v) in pb.votes.iter().enumerate() {
        let mut row = vec![format!("v{}", i + 1), join(&v.vote)];
        if cumulative {
            row.push(join(&v.points));
        }
        if personal {
            row.push(v.age.map(|a| a.to_string()).unwrap_or_default());
            row.push(v.sex.map(|s| format!("{s:?}")).unwrap_or_default());
        }
        row.push(match v.voting_method {
            VotingMethod::Internet => "internet".into(),
            VotingMethod::Paper => "paper".into(),
        });
        lines.push(row.join(";"));
    }
    lines.join("\n")
}

/// A cell: trimmed, CR/LF as spaces, quoted only when it must be.
fn cell(s: &str) -> String {
    let s = s.trim().replace(['\r', '\n'], " ");
    if s.contains([';', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A list cell's content: items trimmed, a comma inside an item becomes a
/// space (the comma separates items), empty items dropped.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|i| i.replace([',', '\r', '\n'], " ").trim().to_string())
        .filter(|i| !i.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

fn join<T: ToString>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// Grosze as złoty: `1500` for 150,000 grosze, `12.05` for 1,205.
fn zloty(grosze: i64) -> String {
    let sign = if grosze < 0 { "-" } else { "" };
    let g = grosze.unsigned_abs();
    if g.is_multiple_of(100) {
        format!("{sign}{}", g / 100)
    } else {
        format!("{sign}{}.{:02}", g / 100, g % 100)
    }
}

/// Why a file is not in the writer's form; `line` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct PbError {
    pub line: usize,
    pub reason: String,
}

fn err(line: usize, reason: impl Into<String>) -> PbError {
    PbError { line, reason: reason.into() }
}

/// Reads a file in exactly the form `write` produces, or says where it
/// differs.
pub fn read_strict(text: &str) -> Result<PbInstance, PbError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if l.is_empty() {
            return Err(err(i + 1, "blank line"));
        }
        rows.push(split(l).map_err(|r| err(i + 1, r))?);
    }
    let find = |name: &str| rows.iter().position(|r| r.len() == 1 && r[0] == name);
    let (Some(m0), Some(p0), Some(v0)) = (find("META"), find("PROJECTS"), find("VOTES")) else {
        return Err(err(1, "META, PROJECTS and VOTES sections needed"));
    };
    // Each section has at least its header line (found by the fuzzer:
    // PROJECTS right before VOTES sliced rows[p0 + 2..v0] backwards).
    if m0 != 0 || !(m0 + 2 <= p0 && p0 + 2 <= v0 && v0 + 1 < rows.len()) {
        return Err(err(1, "sections out of order"));
    }
    let meta: std::collections::HashMap<&str, (usize, &str)> = rows[m0 + 2..p0]
        .iter()
        .enumerate()
        .filter(|(_, r)| r.len() == 2)
        .map(|(i, r)| (r[0].as_str(), (m0 + 3 + i, r[1].as_str())))
        .collect();
    let get = |k: &str| meta.get(k).map(|v| v.1);
    let need = |k: &str| get(k).ok_or_else(|| err(1, format!("META {k} missing")));
    let num = |k: &str| -> Result<u32, PbError> {
        need(k)?.parse().map_err(|_| err(meta[k].0, format!("{k} is not a number")))
    };
    let money = |s: &str, line: usize| parse_zloty(s).ok_or_else(|| err(line, format!("{s} is not an amount")));
    let date = |k: &str| -> Result<NaiveDate, PbError> {
        NaiveDate::parse_from_str(need(k)?, "%d.%m.%Y").map_err(|_| err(meta[k].0, format!("{k} is not dd.mm.yyyy")))
    };
    let cumulative = match need("vote_type")? {
        "approval" => false,
        "cumulative" => true,
        other => return Err(err(meta["vote_type"].0, format!("vote_type {other}"))),
    };
    let ballot = if cumulative {
        PbBallot::Cumulative {
            min_points: num("min_points")?,
            max_points: num("max_points")?,
            min_sum_points: num("min_sum_points")?,
            max_sum_points: num("max_sum_points")?,
        }
    } else if let Some(c) = get("max_sum_cost") {
        PbBallot::Knapsack { max_sum_cost: money(c, meta["max_sum_cost"].0)? }
    } else {
        PbBallot::Approval { min_length: num("min_length")?, max_length: num("max_length")? }
    };
    let rule = match need("rule")? {
        "greedy" => CountingRule::Greedy { min_votes: 0 },
        "greedy-threshold" => CountingRule::Greedy { min_votes: num("min_project_score_threshold")? },
        "equalshares/add1" => CountingRule::EqualSharesAdd1 { comparison: false },
        "equalshares/add1-comparison" => CountingRule::EqualSharesAdd1 { comparison: true },
        other => return Err(err(meta["rule"].0, format!("rule {other}"))),
    };
    let opt = |k: &str| get(k).map(str::to_string);
    let m = PbMeta {
        description: need("description")?.into(),
        country: need("country")?.into(),
        unit: need("unit")?.into(),
        subunit: opt("subunit"),
        instance: need("instance")?.into(),
        budget: money(need("budget")?, meta["budget"].0)?,
        ballot,
        rule,
        date_begin: date("date_begin")?,
        date_end: date("date_end")?,
        edition: opt("edition"),
        language: opt("language"),
        currency: opt("currency"),
    };
    let header = &rows[p0 + 1];
    let col = |h: &[String], name: &str| h.iter().position(|c| c == name);
    let mut projects = Vec::new();
    for (i, r) in rows[p0 + 2..v0].iter().enumerate() {
        let line = p0 + 3 + i;
        if r.len() != header.len() {
            return Err(err(line, "wrong number of cells"));
        }
        let at = |name: &str| col(header, name).map(|c| r[c].as_str()).ok_or_else(|| err(p0 + 2, format!("no {name} column")));
        let int = |name: &str| -> Result<i64, PbError> { at(name)?.parse().map_err(|_| err(line, format!("{name} is not a number"))) };
        let location = match (col(header, "latitude"), col(header, "longitude")) {
            (Some(a), Some(b)) if !r[a].is_empty() => Some((
                r[a].parse().map_err(|_| err(line, "latitude"))?,
                r[b].parse().map_err(|_| err(line, "longitude"))?,
            )),
            _ => None,
        };
        let categories = at("category")?;
        projects.push(PbProject {
            id: int("project_id")?,
            cost: money(at("cost")?, line)?,
            votes: int("votes")? as u32,
            score: if cumulative { int("score")? as u32 } else { 0 },
            name: at("name")?.into(),
            categories: if categories.is_empty() { Vec::new() } else { categories.split(',').map(str::to_string).collect() },
            location,
            selected: at("selected")? == "1",
        });
    }
    let header = &rows[v0 + 1];
    let mut votes = Vec::new();
    for (i, r) in rows[v0 + 2..].iter().enumerate() {
        let line = v0 + 3 + i;
        if r.len() != header.len() {
            return Err(err(line, "wrong number of cells"));
        }
        let at = |name: &str| col(header, name).map(|c| r[c].as_str());
        let ints = |s: &str| -> Result<Vec<i64>, PbError> {
            s.split(',').map(|x| x.parse().map_err(|_| err(line, "not a list of numbers"))).collect()
        };
        votes.push(PbVote {
            vote: ints(at("vote").unwrap_or(""))?,
            points: if cumulative { ints(at("points").unwrap_or(""))?.into_iter().map(|x| x as u16).collect() } else { Vec::new() },
            age: at("age").filter(|a| !a.is_empty()).map(|a| a.parse().map_err(|_| err(line, "age"))).transpose()?,
            sex: match at("sex") {
                Some("M") => Some(Sex::M),
                Some("F") => Some(Sex::F),
                Some("O") => Some(Sex::O),
                _ => None,
            },
            voting_method: match at("voting_method") {
                Some("paper") => VotingMethod::Paper,
                _ => VotingMethod::Internet,
            },
        });
    }
    let pb = PbInstance { meta: m, projects, votes };
    // Strict: anything `write` would not produce byte for byte is refused
    // (key order, spaces, quoting, voter ids, counts, trailing newline).
    let canonical = write(&pb);
    if canonical != text {
        let line = canonical.split('\n').zip(text.split('\n')).position(|(a, b)| a != b).unwrap_or(lines.len() - 1);
        return Err(err(line + 1, "not in the writer's canonical form"));
    }
    Ok(pb)
}

/// Splits a line at `;` outside quotes, unquoting.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut c = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        c.push('"');
                    }
                    Some('"') => break,
                    Some(ch) => c.push(ch),
                    None => return Err("unclosed quote".into()),
                }
            }
            match chars.next() {
                None => {
                    cells.push(c);
                    return Ok(cells);
                }
                Some(';') => cells.push(c),
                Some(_) => return Err("text after a closing quote".into()),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        cells.push(c);
                        return Ok(cells);
                    }
                    Some(';') => break,
                    Some(ch) => c.push(ch),
                }
            }
            cells.push(c);
        }
    }
}

fn parse_zloty(s: &str) -> Option<i64> {
    let (whole, part) = s.split_once('.').unwrap_or((s, ""));
    let whole: i64 = whole.parse().ok()?;
    let part: i64 = match part.len() {
        0 => 0,
        2 => part.parse().ok()?,
        _ => return None,
    };
    Some(whole * 100 + if whole < 0 { -part } else { part })
}
