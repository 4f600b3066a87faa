//! The file adapter of the tax-system bridge (docs/TAXES.md, "Import";
//! `docs/taxes-import.schema.json`): a JSON or CSV export of the gmina's
//! tax system, read into one [`TaxBatch`]. The HTTP adapter (`pull`) reads
//! its pages with the same JSON reader.
//!
//! A tax register must not be half-imported: one bad row refuses the whole
//! file, which is recorded as a refused import run with every bad row's
//! line and reason (reasons name the field, never its value: rows are
//! personal data). Amounts are integer grosze and nothing else.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::activation::{CODE_VALID_DAYS, normalise_code};
use mm_protocol::taxes::checksums::normalise_nrb;
use mm_protocol::taxes::{BookedPayment, Grosze, LiabilityKind, LiabilityRecord, Taxpayer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::codes::hash_code;
use crate::store::taxes::{ImportRowError, ImportRun, ImportedTaxpayer, TaxBatch};
use crate::store::{Actor, Store, StoreError};

/// The largest file read (a gmina of 100,000 taxpayers is ~50 MB of JSON).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// At most this many bad rows are kept in the run (the count says the rest).
pub const MAX_REPORTED_ERRORS: usize = 1_000;
pub const MAX_ID_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DECISION_CHARS: usize = 100;
/// Payments a liability may list.
pub const MAX_PAYMENTS: usize = 1_000;
/// 1 billion złoty: more is a typo, not a local tax.
pub const MAX_AMOUNT_GROSZE: Grosze = 100_000_000_000;

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// By the name's extension, else by the first character (`{`: JSON).
    pub fn detect(name: &str, bytes: &[u8]) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        let first = bytes.iter().copied().find(|b| !(b.is_ascii_whitespace() || [0xEF, 0xBB, 0xBF].contains(b)));
        if first == Some(b'{') { Format::Json } else { Format::Csv }
    }
}

/// A whole file (or page) read: the batch, or every bad row.
pub type Parsed = Result<TaxBatch, Vec<ImportRowError>>;

/// Why an import did not run at all (the file was refused: see the run).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file was refused: {} bad rows (the import run lists them)", .0.errors.len())]
    Refused(ImportRun),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `bytes` and writes them as one batch, or records the refusal.
/// `source` names the run (`file:<name>`, `http`).
pub async fn import(
    store: &dyn Store,
    actor: Actor,
    source: &str,
    format: Format,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<ImportRun, ImportError> {
    let known: HashSet<String> = store.all_taxpayers().await?.into_iter().map(|t| t.id).collect();
    let reader = Reader { gmina: store.gmina_scope().clone(), known: &known, now };
    let parsed = match format {
        Format::Json => reader.json(bytes),
        Format::Csv => reader.csv(bytes),
    };
    match parsed {
        Ok(batch) => Ok(store.import_taxes(actor, source, batch, vec![], false, now).await?),
        Err(errors) => {
            let run = store.import_taxes(actor, source, TaxBatch::default(), errors, true, now).await?;
            Err(ImportError::Refused(run))
        }
    }
}

/// What rows are checked against: the gmina (codes are hashed for it) and
/// the taxpayers already stored (a liability may name one of them).
pub struct Reader<'a> {
    pub gmina: Teryt,
    pub known: &'a HashSet<String>,
    pub now: DateTime<Utc>,
}

/// One field's value, from JSON or from a CSV cell.
#[derive(Clone, Copy)]
enum Val<'a> {
    Json(Option<&'a Value>),
    Csv(&'a str),
}

impl Val<'_> {
    fn missing(&self) -> bool {
        match self {
            Val::Json(v) => v.is_none_or(Value::is_null),
            Val::Csv(s) => s.trim().is_empty(),
        }
    }
}

fn text(v: Val<'_>, field: &str, max: usize) -> Result<String, String> {
    let s = match v {
        Val::Json(Some(Value::String(s))) => s.as_str(),
        Val::Json(None | Some(Value::Null)) => return Err(format!("{field} is missing")),
        Val::Json(Some(_)) => return Err(format!("{field} must be a string")),
        Val::Csv(s) => s,
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(format!("{field} is missing"));
    }
    if s.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("{field} contains control characters"));
    }
    Ok(s.to_owned())
}

/// An integer, never a float or a fraction: `12.345`, `12.0` and `"12"` in
/// JSON are refused, as is `12,50` in CSV.
fn integer(v: Val<'_>, field: &str) -> Result<i64, String> {
    match v {
        Val::Json(None | Some(Value::Null)) => Err(format!("{field} is missing")),
        Val::Json(Some(Value::Number(n))) => n.as_i64().ok_or_else(|| format!("{field} must be an integer, not a fraction")),
        Val::Json(Some(_)) => Err(format!("{field} must be an integer number")),
        Val::Csv(s) => {
            let s = s.trim();
            let digits = s.strip_prefix('-').unwrap_or(s);
            if s.is_empty() {
                Err(format!("{field} is missing"))
            } else if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 18 {
                Err(format!("{field} must be an integer, without a fraction or separators"))
            } else {
                s.parse().map_err(|_| format!("{field} must be an integer"))
            }
        }
    }
}

fn amount(v: Val<'_>, field: &str, min: Grosze) -> Result<Grosze, String> {
    let n = integer(v, field)?;
    if !(min..=MAX_AMOUNT_GROSZE).contains(&n) {
        return Err(format!("{field} must be between {min} and {MAX_AMOUNT_GROSZE} grosze"));
    }
    Ok(n)
}

/// `YYYY-MM-DD` exactly (ISO 8601 calendar date).
fn iso_day(v: Val<'_>, field: &str) -> Result<NaiveDate, String> {
    let s = text(v, field, 10)?;
    let shaped = s.len() == 10 && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
        Ok(d) if shaped => Ok(d),
        _ => Err(format!("{field} is not an ISO date (YYYY-MM-DD)")),
    }
}

/// A taxpayer's fields, whichever the format.
struct TaxpayerFields<'a> {
    id: Val<'a>,
    name: Val<'a>,
    code: Val<'a>,
}

struct LiabilityFields<'a> {
    id: Val<'a>,
    taxpayer: Val<'a>,
    kind: Val<'a>,
    year: Val<'a>,
    instalment: Val<'a>,
    decision: Val<'a>,
    due_date: Val<'a>,
    amount: Val<'a>,
    account: Val<'a>,
}

/// What the rows build, and the bad rows so far.
#[derive(Default)]
struct Builder {
    taxpayers: Vec<ImportedTaxpayer>,
    /// Taxpayer id → (index in `taxpayers`, the line that named it).
    taxpayer_at: HashMap<String, (usize, u64)>,
    liabilities: Vec<LiabilityRecord>,
    liability_lines: HashMap<String, u64>,
    references: Vec<String>,
    errors: Vec<ImportRowError>,
    error_count: usize,
}

impl Builder {
    fn bad(&mut self, line: u64, reason: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(ImportRowError { line, reason });
        }
    }

    fn finish(mut self) -> Parsed {
        if self.error_count > self.errors.len() {
            let more = self.error_count - self.errors.len();
            self.errors.push(ImportRowError { line: 0, reason: format!("and {more} more bad rows") });
        }
        if self.errors.is_empty() {
            self.references.sort();
            self.references.dedup();
            Ok(TaxBatch { taxpayers: self.taxpayers, liabilities: self.liabilities, booked_references: self.references })
        } else {
            Err(self.errors)
        }
    }
}

impl Reader<'_> {
    fn taxpayer(&self, b: &mut Builder, line: u64, f: TaxpayerFields<'_>, repeat_ok: bool) {
        let read = || -> Result<ImportedTaxpayer, String> {
            let id = text(f.id, "taxpayer id", MAX_ID_CHARS)?;
            let name = text(f.name, "taxpayer name", MAX_NAME_CHARS)?;
            let code = if f.code.missing() {
                None
            } else {
                let raw = text(f.code, "activation_code", 64)?;
                Some(normalise_code(&raw).ok_or("activation_code is not a valid code (12 letters and digits)")?)
            };
            Ok(ImportedTaxpayer {
                taxpayer: Taxpayer { id, name },
                code_hash: code.as_deref().map(|c| hash_code(&self.gmina, c)),
                code_expires_at: code.map(|_| self.now + Duration::days(CODE_VALID_DAYS)),
            })
        };
        match read() {
            Err(reason) => b.bad(line, reason),
            Ok(t) => match b.taxpayer_at.get(&t.taxpayer.id) {
                None => {
                    b.taxpayer_at.insert(t.taxpayer.id.clone(), (b.taxpayers.len(), line));
                    b.taxpayers.push(t);
                }
                Some(&(i, first)) => {
                    let stored = &b.taxpayers[i];
                    if !repeat_ok {
                        b.bad(line, format!("taxpayer id repeats the one on line {first}"));
                    } else if stored.taxpayer.name != t.taxpayer.name {
                        b.bad(line, format!("taxpayer name differs from line {first} for the same taxpayer id"));
                    } else if t.code_hash.is_some() && stored.code_hash.is_some() && stored.code_hash != t.code_hash {
                        b.bad(line, format!("activation_code differs from line {first} for the same taxpayer id"));
                    } else if t.code_hash.is_some() && stored.code_hash.is_none() {
                        b.taxpayers[i].code_hash = t.code_hash;
                        b.taxpayers[i].code_expires_at = t.code_expires_at;
                    }
                }
            },
        }
    }

    fn liability(&self, b: &mut Builder, line: u64, f: LiabilityFields<'_>, payments: Result<Vec<(BookedPayment, Option<String>)>, String>) {
        let read = |b: &Builder| -> Result<LiabilityRecord, String> {
            let id = text(f.id, "liability id", MAX_ID_CHARS)?;
            let taxpayer = text(f.taxpayer, "taxpayer", MAX_ID_CHARS)?;
            if !b.taxpayer_at.contains_key(&taxpayer) && !self.known.contains(&taxpayer) {
                return Err("taxpayer is neither in the file nor already imported".into());
            }
            let kind = text(f.kind, "kind", 32)?;
            let kind = LiabilityKind::parse(&kind).ok_or_else(|| {
                let all: Vec<&str> = LiabilityKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("kind is not one of {}", all.join(", "))
            })?;
            let year = integer(f.year, "year")?;
            if !(2000..=2100).contains(&year) {
                return Err("year must be between 2000 and 2100".into());
            }
            let instalment = integer(f.instalment, "instalment")?;
            if !(0..=99).contains(&instalment) {
                return Err("instalment must be between 0 and 99".into());
            }
            let decision = text(f.decision, "decision", MAX_DECISION_CHARS)?;
            let due_date = iso_day(f.due_date, "due_date")?;
            let amount_grosze = amount(f.amount, "amount_grosze", 0)?;
            let account = text(f.account, "account", 40)?;
            let account = normalise_nrb(&account).ok_or("account is not a valid NRB (26 digits, mod 97 checksum)")?;
            let payments = payments.clone()?;
            Ok(LiabilityRecord {
                id,
                taxpayer,
                kind,
                year: year as i32,
                instalment: instalment as u32,
                decision,
                due_date,
                amount_grosze,
                account,
                payments: payments.into_iter().map(|(p, _)| p).collect(),
            })
        };
        match read(b) {
            Err(reason) => b.bad(line, reason),
            Ok(l) => {
                if let Some(first) = b.liability_lines.get(&l.id) {
                    let first = *first;
                    b.bad(line, format!("liability id repeats the one on line {first}"));
                    return;
                }
                b.liability_lines.insert(l.id.clone(), line);
                if let Ok(ps) = &payments {
                    b.references.extend(ps.iter().filter_map(|(_, r)| r.clone()));
                }
                b.liabilities.push(l);
            }
        }
    }

    /// A booked payment's fields.
    fn payment(date: Val<'_>, amount_v: Val<'_>, reference: Val<'_>) -> Result<(BookedPayment, Option<String>), String> {
        let date = iso_day(date, "payment date")?;
        let amount_grosze = amount(amount_v, "payment amount_grosze", 1)?;
        let reference = if reference.missing() { None } else { Some(text(reference, "payment reference", MAX_ID_CHARS)?) };
        Ok((BookedPayment { date, amount_grosze }, reference))
    }

    /// The JSON format: `{"taxpayers": [...], "liabilities": [...]}`.
    pub fn json(&self, bytes: &[u8]) -> Parsed {
        self.json_page(bytes).0
    }

    /// A page of the HTTP adapter: the JSON format, and its `next_page`.
    pub fn json_page(&self, bytes: &[u8]) -> (Parsed, Option<u64>) {
        let mut next = None;
        let parsed = self.json_inner(bytes, &mut next);
        (parsed, next)
    }

    fn json_inner(&self, bytes: &[u8], next: &mut Option<u64>) -> Parsed {
        let whole = |reason: &str| Err(vec![ImportRowError { line: 1, reason: reason.to_owned() }]);
        let Ok(text_all) = std::str::from_utf8(bytes) else {
            return whole("the file is not UTF-8");
        };
        let text_all = text_all.strip_prefix('\u{feff}').unwrap_or(text_all);
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File<'a> {
            #[serde(borrow, default)]
            taxpayers: Vec<&'a RawValue>,
            #[serde(borrow, default)]
            liabilities: Vec<&'a RawValue>,
            /// The HTTP adapter's paging (`taxes::pull`); ignored in a file.
            #[serde(default)]
            next_page: Option<u64>,
        }
        let file: File<'_> = match serde_json::from_str(text_all) {
            Ok(f) => f,
            // serde_json's message may quote the text it stopped at: only
            // its position and category go out.
            Err(e) => {
                return Err(vec![ImportRowError {
                    line: e.line() as u64,
                    reason: format!("not a taxes JSON file ({:?} error at column {})", e.classify(), e.column()),
                }]);
            }
        };
        *next = file.next_page;
        // Rows come in file order, so each row's line is counted on from
        // the previous row's (counting from the start for every row is
        // quadratic: most of a minute for a whole gmina's 28 MB, issue 14's
        // bench); a row before the last (`liabilities` written first)
        // starts again from the top.
        let mut cursor = (0usize, 1u64);
        let mut line_of = |raw: &RawValue| -> u64 {
            let offset = raw.get().as_ptr() as usize - text_all.as_ptr() as usize;
            let (from, line) = if offset >= cursor.0 { cursor } else { (0, 1) };
            let line = line + text_all.as_bytes()[from..offset].iter().filter(|b| **b == b'\n').count() as u64;
            cursor = (offset, line);
            line
        };
        let mut b = Builder::default();
        for raw in &file.taxpayers {
            let line = line_of(raw);
            let Ok(Value::Object(o)) = serde_json::from_str::<Value>(raw.get()) else {
                b.bad(line, "a taxpayer must be an object".into());
                continue;
            };
            if let Some(k) = o.keys().find(|k| !["id", "name", "activation_code"].contains(&k.as_str())) {
                b.bad(line, format!("unknown taxpayer field {k:?}"));
                continue;
            }
            let f = TaxpayerFields { id: Val::Json(o.get("id")), name: Val::Json(o.get("name")), code: Val::Json(o.get("activation_code")) };
            self.taxpayer(&mut b, line, f, false);
        }
        const LIABILITY_KEYS: [&str; 10] =
            ["id", "taxpayer", "kind", "year", "instalment", "decision", "due_date", "amount_grosze", "account", "payments"];
        for raw in &file.liabilities {
            let line = line_of(raw);
            let Ok(Value::Object(o)) = serde_json::from_str::<Value>(raw.get()) else {
                b.bad(line, "a liability must be an object".into());
                continue;
            };
            if let Some(k) = o.keys().find(|k| !LIABILITY_KEYS.contains(&k.as_str())) {
                b.bad(line, format!("unknown liability field {k:?}"));
                continue;
            }
            let payments = match o.get("payments") {
                None | Some(Value::Null) => Ok(vec![]),
                Some(Value::Array(ps)) if ps.len() <= MAX_PAYMENTS => ps
                    .iter()
                    .map(|p| match p {
                        Value::Object(p) if p.keys().all(|k| ["date", "amount_grosze", "reference"].contains(&k.as_str())) => {
                            Self::payment(Val::Json(p.get("date")), Val::Json(p.get("amount_grosze")), Val::Json(p.get("reference")))
                        }
                        _ => Err("a payment must be an object of date, amount_grosze and reference".into()),
                    })
                    .collect(),
                Some(_) => Err(format!("payments must be a list of at most {MAX_PAYMENTS}")),
            };
            let f = LiabilityFields {
                id: Val::Json(o.get("id")),
                taxpayer: Val::Json(o.get("taxpayer")),
                kind: Val::Json(o.get("kind")),
                year: Val::Json(o.get("year")),
                instalment: Val::Json(o.get("instalment")),
                decision: Val::Json(o.get("decision")),
                due_date: Val::Json(o.get("due_date")),
                amount: Val::Json(o.get("amount_grosze")),
                account: Val::Json(o.get("account")),
            };
            self.liability(&mut b, line, f, payments);
        }
        b.finish()
    }

    /// The CSV format: a header, then one row per liability with its
    /// taxpayer (a row without `liability_id` names a taxpayer only).
    pub fn csv(&self, bytes: &[u8]) -> Parsed {
        let whole = |line: u64, reason: &str| Err(vec![ImportRowError { line, reason: reason.to_owned() }]);
        let Ok(all) = std::str::from_utf8(bytes) else {
            return whole(1, "the file is not UTF-8");
        };
        let all = all.strip_prefix('\u{feff}').unwrap_or(all);
        let first_line = all.lines().next().unwrap_or("");
        let delimiter = if first_line.contains(';') && !first_line.contains(',') { ';' } else { ',' };
        let records = match csv_records(all, delimiter) {
            Ok(r) => r,
            Err((line, reason)) => return whole(line, reason),
        };
        let mut records = records.into_iter();
        let Some((_, header)) = records.next() else {
            return whole(1, "the file is empty");
        };
        let header: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        for h in &header {
            if !CSV_COLUMNS.contains(&h.as_str()) {
                return whole(1, &format!("unknown column {h:?} in the header"));
            }
        }
        for required in CSV_REQUIRED {
            if !header.iter().any(|h| h == required) {
                return whole(1, &format!("the header has no column {required}"));
            }
        }
        let col = |name: &str| header.iter().position(|h| h == name);
        let index: HashMap<&str, Option<usize>> = CSV_COLUMNS.iter().map(|c| (*c, col(c))).collect();
        let mut b = Builder::default();
        for (line, cells) in records {
            if cells.len() == 1 && cells[0].trim().is_empty() {
                continue;
            }
            if cells.len() != header.len() {
                b.bad(line, format!("{} fields where the header has {}", cells.len(), header.len()));
                continue;
            }
            let cell = |name: &str| Val::Csv(index[name].map_or("", |i| cells[i].as_str()));
            let f = TaxpayerFields { id: cell("taxpayer_id"), name: cell("taxpayer_name"), code: cell("activation_code") };
            self.taxpayer(&mut b, line, f, true);
            let liability_cols = ["liability_id", "kind", "year", "instalment", "decision", "due_date", "amount_grosze", "account", "payments"];
            if cell("liability_id").missing() {
                if liability_cols.iter().any(|c| !cell(c).missing()) {
                    b.bad(line, "liability fields without a liability_id".into());
                }
                continue;
            }
            let payments = match cell("payments") {
                Val::Csv(s) if s.trim().is_empty() => Ok(vec![]),
                Val::Csv(s) => {
                    let parts: Vec<&str> = s.split(';').collect();
                    if parts.len() > MAX_PAYMENTS {
                        Err(format!("payments lists more than {MAX_PAYMENTS}"))
                    } else {
                        parts
                            .iter()
                            .map(|p| {
                                let mut f = p.trim().splitn(3, ':');
                                let (d, a, r) = (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""));
                                Self::payment(Val::Csv(d), Val::Csv(a), Val::Csv(r))
                            })
                            .collect()
                    }
                }
                Val::Json(_) => Ok(vec![]),
            };
            let f = LiabilityFields {
                id: cell("liability_id"),
                taxpayer: cell("taxpayer_id"),
                kind: cell("kind"),
                year: cell("year"),
                instalment: cell("instalment"),
                decision: cell("decision"),
                due_date: cell("due_date"),
                amount: cell("amount_grosze"),
                account: cell("account"),
            };
            self.liability(&mut b, line, f, payments);
        }
        b.finish()
    }
}

/// The CSV columns, in the order `mm-server` writes them (any order is read).
pub const CSV_COLUMNS: [&str; 12] = [
    "taxpayer_id",
    "taxpayer_name",
    "activation_code",
    "liability_id",
    "kind",
    "year",
    "instalment",
    "decision",
    "due_date",
    "amount_grosze",
    "account",
    "payments",
];
const CSV_REQUIRED: [&str; 2] = ["taxpayer_id", "taxpayer_name"];

/// RFC 4180 records with the line each starts on: quoted fields may hold
/// the delimiter, `""` and line breaks; CRLF or LF.
/// A CSV record: the line it starts on, and its fields.
type Record = (u64, Vec<String>);

fn csv_records(text: &str, delimiter: char) -> Result<Vec<Record>, (u64, &'static str)> {
    let mut records = Vec::new();
    let (mut line, mut start_line) = (1u64, 1u64);
    let mut field = String::new();
    let mut fields: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            '"' => return Err((line, "a quote inside an unquoted field")),
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((start_line, std::mem::take(&mut fields)));
                line += 1;
                start_line = line;
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err((start_line, "a quoted field is not closed"));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((start_line, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const NRB: &str = "61109010140000071219812874";

    fn reader(known: &HashSet<String>) -> Reader<'_> {
        Reader { gmina: Teryt::parse("0223083").unwrap(), known, now: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() }
    }

    #[test]
    fn a_good_json_file_becomes_a_batch() {
        let known = HashSet::new();
        let json = format!(
            r#"{{"taxpayers": [{{"id": "P1", "name": "Anna", "activation_code": "abcd-efgh-jkmn"}}],
  "liabilities": [
    {{"id": "L1", "taxpayer": "P1", "kind": "property", "year": 2026, "instalment": 1, "decision": "D/1",
      "due_date": "2026-03-16", "amount_grosze": 103700, "account": "{NRB}",
      "payments": [{{"date": "2026-03-10", "amount_grosze": 500, "reference": "pay-1"}}]}}
  ]}}"#
        );
        let b = reader(&known).json(json.as_bytes()).unwrap();
        assert_eq!(b.taxpayers[0].code_hash, Some(hash_code(&Teryt::parse("0223083").unwrap(), "ABCDEFGHJKMN")));
        assert_eq!(b.liabilities[0].payments, vec![BookedPayment { date: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(), amount_grosze: 500 }]);
        assert_eq!(b.booked_references, ["pay-1"]);
    }

    #[test]
    fn bad_json_rows_are_reported_by_line_without_their_data() {
        let known = HashSet::new();
        let bad_nrb = format!("{}9", &NRB[..25]);
        let json = format!(
            "{{\"taxpayers\": [{{\"id\": \"P1\", \"name\": \"Zofia Tajna\"}}],\n\"liabilities\": [\n\
             {{\"id\": \"L1\", \"taxpayer\": \"P1\", \"kind\": \"property\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"2026-03-16\", \"amount_grosze\": 12.345, \"account\": \"{NRB}\"}},\n\
             {{\"id\": \"L2\", \"taxpayer\": \"P1\", \"kind\": \"dog\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"2026-03-16\", \"amount_grosze\": 1, \"account\": \"{NRB}\"}},\n\
             {{\"id\": \"L3\", \"taxpayer\": \"P1\", \"kind\": \"property\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"16.03.2026\", \"amount_grosze\": 1, \"account\": \"{NRB}\"}},\n\
             {{\"id\": \"L4\", \"taxpayer\": \"P1\", \"kind\": \"property\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"2026-03-16\", \"amount_grosze\": 1, \"account\": \"{bad_nrb}\"}},\n\
             {{\"id\": \"L5\", \"taxpayer\": \"P9\", \"kind\": \"property\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"2026-03-16\", \"amount_grosze\": 1, \"account\": \"{NRB}\"}},\n\
             {{\"id\": \"L6\", \"taxpayer\": \"P1\", \"kind\": \"property\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"2026-03-16\", \"amount_grosze\": \"100\", \"account\": \"{NRB}\"}},\n\
             {{\"id\": \"L7\", \"taxpayer\": \"P1\", \"kind\": \"property\", \"year\": 2026, \"instalment\": 1, \"decision\": \"D\", \"due_date\": \"2026-03-16\", \"amount_grosze\": 100.0, \"account\": \"{NRB}\"}}\n\
             ]}}"
        );
        let errors = reader(&known).json(json.as_bytes()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9], "{errors:?}");
        assert!(errors[0].reason.contains("fraction"), "{errors:?}");
        assert!(errors[1].reason.contains("kind"));
        assert!(errors[2].reason.contains("ISO date"));
        assert!(errors[3].reason.contains("NRB"));
        assert!(errors[4].reason.contains("taxpayer"));
        let all = format!("{errors:?}");
        assert!(!all.contains("Zofia") && !all.contains(NRB) && !all.contains("12.345"), "{all}");
    }

    #[test]
    fn csv_rows_repeat_their_taxpayer_and_bad_ones_are_refused() {
        let known = HashSet::from(["P0".to_owned()]);
        let csv = format!(
            "taxpayer_id,taxpayer_name,activation_code,liability_id,kind,year,instalment,decision,due_date,amount_grosze,account,payments\n\
             P1,\"Nowak, Anna\",ABCD-EFGH-JKMN,L1,property,2026,1,D/1,2026-03-16,103700,{NRB},2026-03-10:500:pay-1;2026-03-11:1\n\
             P1,\"Nowak, Anna\",,L2,waste_fee,2026,2,D/2,2026-04-15,5000,{NRB},\n\
             P2,Jan,,,,,,,,,,\n"
        );
        let b = reader(&known).csv(csv.as_bytes()).unwrap();
        assert_eq!(b.taxpayers.len(), 2);
        assert_eq!(b.taxpayers[0].taxpayer.name, "Nowak, Anna");
        assert!(b.taxpayers[0].code_hash.is_some());
        assert_eq!(b.liabilities.len(), 2);
        assert_eq!(b.liabilities[0].payments.len(), 2);
        assert_eq!(b.booked_references, ["pay-1"]);

        let bad = format!(
            "taxpayer_id;taxpayer_name;liability_id;kind;year;instalment;decision;due_date;amount_grosze;account\n\
             P1;Anna;L1;property;2026;1;D;2026-03-16;12,50;{NRB}\n\
             P1;Anna;L2;property;2026;1;D;2026-03-16;1250;{NRB}\n\
             P1;Ania;L3;property;2026;1;D;2026-03-16;1250;{NRB}\n\
             P1;Anna;L2;property;2026;1;D;2026-03-16;1250;{NRB}\n"
        );
        let errors = reader(&known).csv(bad.as_bytes()).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4, 5], "{errors:?}");
        assert!(errors[0].reason.contains("amount_grosze"));
        assert!(errors[1].reason.contains("name differs"));
        assert!(errors[2].reason.contains("repeats"));
    }

    #[test]
    fn csv_quotes_and_line_breaks_keep_line_numbers() {
        let recs = csv_records("a,b\n\"x\ny\",\"q\"\"q\"\r\nlast,1", ',').unwrap();
        assert_eq!(recs, vec![
            (1, vec!["a".to_owned(), "b".to_owned()]),
            (2, vec!["x\ny".to_owned(), "q\"q".to_owned()]),
            (4, vec!["last".to_owned(), "1".to_owned()]),
        ]);
        assert!(csv_records("a,\"b\n", ',').is_err());
    }
}
