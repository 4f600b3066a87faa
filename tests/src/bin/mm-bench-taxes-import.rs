//! `mm-bench-taxes-import`: the tax-system file import at the size of a
//! whole gmina (issue 14): 25,000 taxpayers with 100,000 liabilities,
//! target under 10 s. The release `mm-server taxes import FILE --gmina`
//! on a fresh data dir (the gmina added first with `mm-server gmina add`,
//! not timed), end to end as an official runs it: the process starts,
//! opens the store, reads and checks every row, writes the batch in one
//! transaction and records the run.
//!
//! Timed, each over `runs()` fresh data dirs (JSON and CSV alternating):
//! 1. the first import of the JSON export;
//! 2. the same file again, which must change nothing: its printed counts
//!    must be all `unchanged`, and a digest of the tax tables is compared
//!    before and after;
//! 3. both again with the same register written as CSV.
//!
//! Beside them, the reading alone (`taxes::import::Reader`, in this
//! process, no store), so the figures split into parse and store; and a
//! file of no rows, the process's fixed cost. Under `pg_virtualenv`
//! (PGHOST set) the same imports run on the PostgreSQL store too.
//!
//! The register is synthetic but shaped like a real one (docs/TAXES.md,
//! "Import"): natural persons with property tax in four instalments (one
//! sum up to 100 zł, art. 6 ust. 7 upol), farmers with agricultural and
//! forest tax, firms paying property tax monthly and transport tax in two
//! instalments, waste fees quarterly, last year's arrears; individual
//! NRBs with valid mod-97 check digits; booked payments (whole, partial,
//! late, split) on most past instalments, a few naming an app payment.
//! Deterministic (a fixed seed). Asserts nothing about speed.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{Duration, NaiveDate, Utc};
use mm_e2e::bin;
use mm_e2e::pg::Pg;
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::CODE_ALPHABET;
use mm_protocol::taxes::checksums::{nrb_check_digits, nrb_valid};
use mm_server::taxes::import::Reader;
use serde_json::json;

const TAXPAYERS: usize = 25_000;
const LIABILITIES: usize = 100_000;
/// Runs of each figure (`MM_BENCH_RUNS` for a quick look).
fn runs() -> usize {
    std::env::var("MM_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(5)
}
const TARGET_SECS: f64 = 10.0;
/// Siechnice (the demo's gmina), added fresh for every run.
const GMINA: &str = "0223083";
const YEAR: i32 = 2026;
/// Instalments due before this day carry the payments booked on them.
fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, 12, 1).unwrap()
}

// ---------------------------------------------------------------- the register

/// SplitMix64: a fixed seed gives the same register on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - p
    }
    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.below(of.len() as u64) as usize]
    }
}

struct Payer {
    id: String,
    name: String,
    code: Option<String>,
}

struct Payment {
    date: NaiveDate,
    amount: i64,
    reference: Option<String>,
}

struct Liability {
    id: String,
    taxpayer: String,
    kind: &'static str,
    year: i32,
    instalment: u32,
    decision: String,
    due: NaiveDate,
    amount: i64,
    account: String,
    payments: Vec<Payment>,
}

struct Register {
    payers: Vec<Payer>,
    liabilities: Vec<Liability>,
}

const MEN: [&str; 20] = [
    "Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Marcin", "Michał", "Marek", "Grzegorz", "Józef", "Łukasz",
    "Adam", "Zbigniew", "Jerzy", "Tadeusz", "Mateusz", "Dariusz", "Mariusz", "Wojciech",
];
const WOMEN: [&str; 20] = [
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Magdalena",
    "Joanna", "Zofia", "Aleksandra", "Monika", "Teresa", "Danuta", "Natalia", "Karolina", "Marta", "Beata",
];
/// Surnames in their masculine form; `-ski`, `-cki`, `-dzki` take `-ska` etc.
const SURNAMES: [&str; 30] = [
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
    "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek",
    "Piotrowski", "Grabowski", "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski",
    "Majewski", "Olszewski",
];

fn feminine(surname: &str) -> String {
    match surname.strip_suffix('i') {
        Some(stem) if stem.ends_with("sk") || stem.ends_with("ck") || stem.ends_with("dzk") => format!("{stem}a"),
        _ => surname.to_owned(),
    }
}

fn person_name(rng: &mut Rng) -> String {
    let surname = rng.pick(&SURNAMES);
    if rng.chance(0.5) {
        let mut s = feminine(surname);
        if rng.chance(0.08) {
            s = format!("{s}-{}", feminine(rng.pick(&SURNAMES)));
        }
        format!("{} {s}", rng.pick(&WOMEN))
    } else {
        format!("{} {surname}", rng.pick(&MEN))
    }
}

/// Firms' names carry commas and quotes, as real ones do (CSV quoting).
fn firm_name(rng: &mut Rng) -> String {
    let surname = rng.pick(&SURNAMES);
    match rng.below(4) {
        0 => format!("Usługi Transportowe \"{surname}\" sp. z o.o."),
        1 => format!("PHU {surname}, {} {surname}", rng.pick(&MEN)),
        2 => format!("{surname} i Wspólnicy sp.j."),
        _ => format!("Zakład Produkcyjny {surname} S.A."),
    }
}

fn code(rng: &mut Rng) -> String {
    let alphabet: Vec<char> = CODE_ALPHABET.chars().collect();
    let c: String = (0..12).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect();
    format!("{}-{}-{}", &c[..4], &c[4..8], &c[8..])
}

/// The taxpayer's individual account for a kind (rachunek indywidualny:
/// the gmina's bank, the kind, the taxpayer's number), a valid NRB; one in
/// ten written as the tax system prints it, `PL` and groups of four.
fn account(rng: &mut Rng, kind_no: u32, taxpayer_no: usize) -> String {
    let bban = format!("10205226{YEAR:04}{kind_no:02}{taxpayer_no:06}0000");
    let nrb = format!("{}{bban}", nrb_check_digits(&bban).expect("24 digits"));
    assert!(nrb_valid(&nrb));
    if rng.chance(0.1) {
        let groups: Vec<&str> = [&nrb[..2], &nrb[2..6], &nrb[6..10], &nrb[10..14], &nrb[14..18], &nrb[18..22], &nrb[22..]].into();
        format!("PL{}", groups.join(" "))
    } else {
        nrb
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// `total` in `n` instalments, the remainder on the first (as decisions do).
fn split(total: i64, n: usize) -> Vec<i64> {
    let each = total / n as i64;
    let mut v = vec![each; n];
    v[0] += total - each * n as i64;
    v
}

/// What the tax system booked on an instalment due on `due`.
fn payments(rng: &mut Rng, due: NaiveDate, amount: i64, refs: &mut u64) -> Vec<Payment> {
    if due >= as_of() || amount == 0 {
        return vec![];
    }
    let early = |rng: &mut Rng| due - Duration::days(rng.range(0, 20));
    let mut reference = |rng: &mut Rng| {
        rng.chance(0.02).then(|| {
            *refs += 1;
            let r = rng.next();
            format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", r >> 32, r & 0xffff, *refs & 0xfff, (r >> 20) & 0xfff, *refs)
        })
    };
    let roll = rng.below(100);
    if roll < 70 {
        vec![Payment { date: early(rng), amount, reference: reference(rng) }]
    } else if roll < 76 {
        let late = due + Duration::days(rng.range(1, 40));
        vec![Payment { date: late.min(as_of() - Duration::days(1)), amount, reference: None }]
    } else if roll < 82 && amount > 1 {
        let first = amount / 2;
        let second = (due + Duration::days(rng.range(1, 30))).min(as_of() - Duration::days(1));
        vec![
            Payment { date: early(rng), amount: first, reference: reference(rng) },
            Payment { date: second, amount: amount - first, reference: None },
        ]
    } else if roll < 88 && amount > 1 {
        vec![Payment { date: early(rng), amount: rng.range(1, amount - 1), reference: None }]
    } else {
        vec![]
    }
}

fn register() -> Register {
    let mut rng = Rng(0x5EC4_2026_0014);
    let mut refs = 0u64;
    let mut payers = Vec::with_capacity(TAXPAYERS);
    let mut ls: Vec<Liability> = Vec::with_capacity(LIABILITIES);
    let four = [day(YEAR, 3, 16), day(YEAR, 5, 15), day(YEAR, 9, 15), day(YEAR, 11, 16)];
    for n in 1..=TAXPAYERS {
        let id = format!("P-{n:06}");
        let firm = rng.chance(0.02);
        let name = if firm { firm_name(&mut rng) } else { person_name(&mut rng) };
        let code = (!firm && rng.chance(0.6)).then(|| code(&mut rng));
        let mut add = |rng: &mut Rng,
                       kind: &'static str,
                       kind_no: u32,
                       abbrev: &str,
                       decision: &str,
                       year: i32,
                       dues: &[NaiveDate],
                       total: i64| {
            let acct = account(rng, kind_no, n);
            let single = dues.len() == 1;
            for (i, (due, amount)) in dues.iter().zip(split(total, dues.len())).enumerate() {
                let instalment = if single { 0 } else { i as u32 + 1 };
                let payments = if year < YEAR { vec![] } else { payments(rng, *due, amount, &mut refs) };
                ls.push(Liability {
                    id: format!("{year}/{abbrev}/{n:06}/{instalment}"),
                    taxpayer: format!("P-{n:06}"),
                    kind,
                    year,
                    instalment,
                    decision: decision.to_owned(),
                    due: *due,
                    amount,
                    account: acct.clone(),
                    payments,
                });
            }
        };
        let decision = format!("FN.3120.{n}.{YEAR}");
        if firm {
            // Legal persons declare and pay property tax monthly: by 31
            // January, then by the 15th (art. 6 ust. 9 upol).
            let dues: Vec<NaiveDate> =
                (1..=12).map(|m| if m == 1 { day(YEAR, 1, 31) } else { day(YEAR, m, 15) }).collect();
            let total = rng.range(600_000, 6_000_000);
            add(&mut rng, "property", 1, "NR", &format!("DN-1.{n}.{YEAR}"), YEAR, &dues, total);
            if rng.chance(0.4) {
                let total = rng.range(200_000, 900_000);
                add(&mut rng, "transport", 4, "TR", &format!("FN.3121.{n}.{YEAR}"), YEAR, &[day(YEAR, 2, 16), day(YEAR, 9, 15)], total);
            }
        } else {
            let roll = rng.below(100);
            if roll < 55 {
                let total = rng.range(10_001, 250_000);
                add(&mut rng, "property", 1, "NR", &decision, YEAR, &four, total);
            } else if roll < 88 {
                // Up to 100 zł: one sum by 15 March (art. 6 ust. 7 upol).
                let total = rng.range(1_500, 10_000);
                add(&mut rng, "property", 1, "NR", &decision, YEAR, &four[..1], total);
            }
            if rng.chance(0.08) {
                let total = rng.range(20_000, 900_000);
                add(&mut rng, "agricultural", 2, "ROL", &decision, YEAR, &four, total);
                if rng.chance(0.35) {
                    let total = rng.range(2_000, 60_000);
                    add(&mut rng, "forest", 3, "LES", &decision, YEAR, &four, total);
                }
            }
            if rng.chance(0.01) {
                let total = rng.range(150_000, 600_000);
                add(&mut rng, "transport", 4, "TR", &format!("FN.3121.{n}.{YEAR}"), YEAR, &[day(YEAR, 2, 16), day(YEAR, 9, 15)], total);
            }
            // The household's declarant pays the waste fee quarterly (a
            // tenant with no property tax always: that is why they are here).
            if roll >= 88 || rng.chance(0.06) {
                let quarters = [day(YEAR, 3, 31), day(YEAR, 6, 30), day(YEAR, 9, 30), day(YEAR, 12, 31)];
                let total = 4 * rng.range(3_500, 16_000);
                add(&mut rng, "waste_fee", 5, "ODP", &format!("GO.6845.{n}.{YEAR}"), YEAR, &quarters, total);
            }
        }
        payers.push(Payer { id, name, code });
    }
    assert!(ls.len() <= LIABILITIES, "{} liabilities generated; lower the shares", ls.len());
    // Up to the round number: last year's fourth instalments left unpaid
    // (zaległości), spread over the taxpayers.
    let mut arrears: HashSet<usize> = HashSet::new();
    while ls.len() < LIABILITIES {
        let n = 1 + rng.below(TAXPAYERS as u64) as usize;
        if !arrears.insert(n) {
            continue;
        }
        let acct = account(&mut rng, 1, n);
        ls.push(Liability {
            id: format!("{}/NR/{n:06}/4", YEAR - 1),
            taxpayer: format!("P-{n:06}"),
            kind: "property",
            year: YEAR - 1,
            instalment: 4,
            decision: format!("FN.3120.{n}.{}", YEAR - 1),
            due: day(YEAR - 1, 11, 17),
            amount: rng.range(5_000, 60_000),
            account: acct,
            payments: vec![],
        });
    }
    Register { payers, liabilities: ls }
}

impl Liability {
    fn json(&self) -> serde_json::Value {
        let payments: Vec<serde_json::Value> = self
            .payments
            .iter()
            .map(|p| {
                let mut o = json!({"date": p.date.to_string(), "amount_grosze": p.amount});
                if let Some(r) = &p.reference {
                    o["reference"] = json!(r);
                }
                o
            })
            .collect();
        let mut o = json!({
            "id": self.id, "taxpayer": self.taxpayer, "kind": self.kind, "year": self.year,
            "instalment": self.instalment, "decision": self.decision, "due_date": self.due.to_string(),
            "amount_grosze": self.amount, "account": self.account,
        });
        if !payments.is_empty() {
            o["payments"] = json!(payments);
        }
        o
    }
}

/// The JSON export: one object a line, as tax systems write it.
fn to_json(r: &Register) -> String {
    let mut s = String::with_capacity(40 << 20);
    s.push_str("{\"taxpayers\": [\n");
    for (i, p) in r.payers.iter().enumerate() {
        let mut o = json!({"id": p.id, "name": p.name});
        if let Some(c) = &p.code {
            o["activation_code"] = json!(c);
        }
        s.push_str(&o.to_string());
        s.push_str(if i + 1 < r.payers.len() { ",\n" } else { "\n" });
    }
    s.push_str("],\n\"liabilities\": [\n");
    for (i, l) in r.liabilities.iter().enumerate() {
        s.push_str(&l.json().to_string());
        s.push_str(if i + 1 < r.liabilities.len() { ",\n" } else { "\n" });
    }
    s.push_str("]}\n");
    s
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

/// The CSV export: a row per liability with its taxpayer repeated (the
/// code on the taxpayer's first row only).
fn to_csv(r: &Register) -> String {
    let mut s = String::with_capacity(24 << 20);
    s.push_str("taxpayer_id,taxpayer_name,activation_code,liability_id,kind,year,instalment,decision,due_date,amount_grosze,account,payments\n");
    let mut by_payer: Vec<Vec<&Liability>> = vec![vec![]; r.payers.len()];
    for l in &r.liabilities {
        let n: usize = l.taxpayer["P-".len()..].parse().unwrap();
        by_payer[n - 1].push(l);
    }
    for (p, ls) in r.payers.iter().zip(&by_payer) {
        for (i, l) in ls.iter().enumerate() {
            let code = if i == 0 { p.code.as_deref().unwrap_or("") } else { "" };
            let pays: Vec<String> = l
                .payments
                .iter()
                .map(|x| match &x.reference {
                    Some(r) => format!("{}:{}:{r}", x.date, x.amount),
                    None => format!("{}:{}", x.date, x.amount),
                })
                .collect();
            let _ = writeln!(
                s,
                "{},{},{code},{},{},{},{},{},{},{},{},{}",
                p.id,
                csv_field(&p.name),
                l.id,
                l.kind,
                l.year,
                l.instalment,
                csv_field(&l.decision),
                l.due,
                l.amount,
                l.account,
                pays.join(";")
            );
        }
        if ls.is_empty() {
            let _ = writeln!(s, "{},{},{},,,,,,,,,", p.id, csv_field(&p.name), p.code.as_deref().unwrap_or(""));
        }
    }
    s
}

// ---------------------------------------------------------------- runs

/// Where an `mm-server` subcommand writes: a data dir, and PostgreSQL's
/// URL when the run is on that store.
struct Target<'a> {
    dir: &'a Path,
    database: Option<&'a str>,
}

fn mm_server(t: &Target<'_>, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new(bin("mm-server"));
    cmd.arg("--data-dir").arg(t.dir).args(args).env("MM_LOG", "warn");
    match t.database {
        Some(url) => cmd.env("MM_DATABASE_URL", url),
        None => cmd.env_remove("MM_DATABASE_URL"),
    };
    let out = cmd.output().with_context(|| format!("run mm-server {}", args.join(" ")))?;
    if !out.status.success() {
        bail!("mm-server {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn add_gmina(t: &Target<'_>) -> Result<()> {
    mm_server(t, &["gmina", "add", "--teryt", GMINA, "--name", "Siechnice", "--powiat", "wrocławski", "--voivodeship", "dolnośląskie"])?;
    Ok(())
}

/// Seconds the import took, end to end, and the line it printed.
fn import(t: &Target<'_>, file: &Path) -> Result<(f64, String)> {
    let start = Instant::now();
    let out = mm_server(t, &["taxes", "import", file.to_str().unwrap(), "--gmina", GMINA])?;
    Ok((start.elapsed().as_secs_f64(), out))
}

/// The counts `taxes import` printed, in its order: taxpayers created,
/// updated; liabilities created, updated; unchanged; payments booked.
fn counts(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

/// A digest of every stored tax row (SQLite), for "nothing changed".
fn digest(dir: &Path) -> Result<(u64, [i64; 3])> {
    let db = rusqlite::Connection::open(dir.join("mm.sqlite"))?;
    let mut h = DefaultHasher::new();
    let mut rows = [0i64; 3];
    let tables = [
        "SELECT * FROM tax_taxpayers ORDER BY gmina, id",
        "SELECT * FROM tax_liabilities ORDER BY gmina, id",
        "SELECT * FROM tax_activation_codes ORDER BY gmina, code_hash",
    ];
    for (i, q) in tables.iter().enumerate() {
        let mut stmt = db.prepare(q)?;
        let n = stmt.column_count();
        let mut it = stmt.query([])?;
        while let Some(r) = it.next()? {
            rows[i] += 1;
            for c in 0..n {
                format!("{:?}", r.get_ref(c)?).hash(&mut h);
            }
        }
    }
    Ok((h.finish(), rows))
}

#[derive(Default)]
struct Figures {
    first: Vec<f64>,
    again: Vec<f64>,
}

/// One run of one format on a fresh store: the first import, then the
/// same file again (checked to change nothing).
fn run(label: &str, t: &Target<'_>, file: &Path, f: &mut Figures, verbose: bool) -> Result<()> {
    add_gmina(t)?;
    let (first, line) = import(t, file)?;
    let c = counts(&line);
    if c[..4] != [TAXPAYERS as u64, 0, LIABILITIES as u64, 0] {
        bail!("{label}: the first import did not create everything: {line}");
    }
    let before = if t.database.is_none() { Some(digest(t.dir)?) } else { None };
    let (again, line2) = import(t, file)?;
    let c2 = counts(&line2);
    if c2[..4] != [0, 0, 0, 0] || c2[4] != (TAXPAYERS + LIABILITIES) as u64 {
        bail!("{label}: the second import changed something: {line2}");
    }
    let same = match (&before, t.database) {
        (Some(b), None) => {
            let after = digest(t.dir)?;
            if *b != after {
                bail!("{label}: the stored tax rows differ after the second import");
            }
            format!("; tax rows digest identical ({} taxpayers, {} liabilities, {} codes)", after.1[0], after.1[1], after.1[2])
        }
        _ => String::new(),
    };
    if verbose {
        println!("    first:  {line}");
        println!("    again:  {line2}{same}");
    }
    println!("  {label}: first import {first:.2} s, again {again:.2} s");
    f.first.push(first);
    f.again.push(again);
    Ok(())
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn fmt_median(v: &[f64]) -> String {
    let runs: Vec<String> = v.iter().map(|x| format!("{x:.2}")).collect();
    format!("{:.2} s ({})", median(v), runs.join(", "))
}

fn verdict(v: &[f64]) -> &'static str {
    if median(v) < TARGET_SECS { "under the target" } else { "OVER the target" }
}

/// Reads the export in this process (no store), `runs()` times: seconds.
fn parse_times(bytes: &[u8], csv: bool) -> Result<Vec<f64>> {
    let known = HashSet::new();
    let reader = Reader { gmina: Teryt::parse(GMINA).map_err(|e| anyhow::anyhow!("{e:?}"))?, known: &known, now: Utc::now() };
    let mut out = vec![];
    for _ in 0..runs() {
        let start = Instant::now();
        let batch = if csv { reader.csv(bytes) } else { reader.json(bytes) };
        let secs = start.elapsed().as_secs_f64();
        match batch {
            Ok(b) if b.taxpayers.len() == TAXPAYERS && b.liabilities.len() == LIABILITIES => {}
            Ok(b) => bail!("read {} taxpayers and {} liabilities", b.taxpayers.len(), b.liabilities.len()),
            Err(e) => bail!("the export was refused: {:?}", &e[..e.len().min(5)]),
        }
        out.push(secs);
    }
    Ok(out)
}

/// `runs()` runs of each format, alternating, each on a fresh store that
/// `fresh` makes (a data dir, and a database URL on PostgreSQL).
fn series(name: &str, json: &Path, csv: &Path, fresh: &mut dyn FnMut() -> Result<(PathBuf, Option<String>)>) -> Result<()> {
    println!("{name}: {} runs, each on a fresh store (JSON, then CSV)", runs());
    let (mut fj, mut fc) = (Figures::default(), Figures::default());
    for i in 0..runs() {
        for (label, file, f) in [("JSON", json, &mut fj), ("CSV ", csv, &mut fc)] {
            let (dir, database) = fresh()?;
            run(label, &Target { dir: &dir, database: database.as_deref() }, file, f, i == 0)?;
        }
    }
    println!("  {name}, median of {} (runs); target: the first import under {TARGET_SECS:.0} s", runs());
    println!("    JSON first import: {} — {}", fmt_median(&fj.first), verdict(&fj.first));
    println!("    JSON again (nothing changes): {}", fmt_median(&fj.again));
    println!("    CSV first import:  {} — {}", fmt_median(&fc.first), verdict(&fc.first));
    println!("    CSV again (nothing changes):  {}", fmt_median(&fc.again));
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let work = tempfile::tempdir()?;
    let started = Instant::now();
    let reg = register();
    let kinds = ["property", "agricultural", "forest", "transport", "waste_fee"];
    let by_kind: Vec<String> =
        kinds.iter().map(|k| format!("{} {k}", reg.liabilities.iter().filter(|l| l.kind == *k).count())).collect();
    let paid = reg.liabilities.iter().filter(|l| !l.payments.is_empty()).count();
    let payments: usize = reg.liabilities.iter().map(|l| l.payments.len()).sum();
    let refs = reg.liabilities.iter().flat_map(|l| &l.payments).filter(|p| p.reference.is_some()).count();
    let codes = reg.payers.iter().filter(|p| p.code.is_some()).count();
    let json = to_json(&reg);
    let csv = to_csv(&reg);
    let (json_path, csv_path) = (work.path().join("podatki-2026.json"), work.path().join("podatki-2026.csv"));
    std::fs::write(&json_path, &json)?;
    std::fs::write(&csv_path, &csv)?;
    println!(
        "tax import (issue 14): {TAXPAYERS} taxpayers ({codes} with an activation code), {LIABILITIES} liabilities ({}), \
         {payments} booked payments on {paid} liabilities ({refs} naming an app payment); JSON {:.1} MB, CSV {:.1} MB; \
         generated in {:.1} s; {} CPUs",
        by_kind.join(", "),
        json.len() as f64 / 1e6,
        csv.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    );

    // The reading alone, in this process (release build of the same code).
    let pj = parse_times(json.as_bytes(), false)?;
    let pc = parse_times(csv.as_bytes(), true)?;
    println!("reading alone (taxes::import::Reader, no store), median of {} (runs):", runs());
    println!("  JSON: {}", fmt_median(&pj));
    println!("  CSV:  {}", fmt_median(&pc));
    drop((json, csv));

    // The process's fixed cost: a file of no rows on a fresh store.
    let empty = work.path().join("empty.json");
    std::fs::write(&empty, "{\"taxpayers\": [], \"liabilities\": []}\n")?;
    let mut fixed = vec![];
    for i in 0..runs() {
        let dir = work.path().join(format!("empty-{i}"));
        let t = Target { dir: &dir, database: None };
        add_gmina(&t)?;
        fixed.push(import(&t, &empty)?.0);
    }
    println!("a file of no rows (process start, store open, the run recorded): {}", fmt_median(&fixed));

    let mut n = 0;
    let mut fresh_sqlite = || -> Result<(PathBuf, Option<String>)> {
        n += 1;
        let dir = work.path().join(format!("sqlite-{n}"));
        std::fs::create_dir_all(&dir)?;
        Ok((dir, None))
    };
    series("SQLite (embedded, WAL)", &json_path, &csv_path, &mut fresh_sqlite)?;

    let Some(pg) = Pg::from_env() else {
        println!("PostgreSQL: not measured (no PGHOST: run under pg_virtualenv, as `make bench-taxes-import` does)");
        return Ok(());
    };
    let admin = pg.client("postgres").await?;
    let mut settings = vec![];
    for name in ["server_version", "fsync", "synchronous_commit", "shared_buffers"] {
        let v: String = admin.query_one(&format!("SHOW {name}"), &[]).await?.get(0);
        settings.push(format!("{name} = {v}"));
    }
    let mut urls = vec![];
    for i in 0..2 * runs() {
        urls.push(pg.create_database(&format!("mm_bench_taxes_{i}")).await?);
    }
    let mut urls = urls.into_iter();
    let mut m = 0;
    let mut fresh_pg = || -> Result<(PathBuf, Option<String>)> {
        m += 1;
        let dir = work.path().join(format!("pg-{m}"));
        std::fs::create_dir_all(&dir)?;
        Ok((dir, Some(urls.next().context("a database per run")?)))
    };
    series(&format!("PostgreSQL ({})", settings.join(", ")), &json_path, &csv_path, &mut fresh_pg)?;
    Ok(())
}

