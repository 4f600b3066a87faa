//! The demo's tax register (issue 14): about 200 taxpayers of Siechnice and
//! a few of Czernica, with what a gmina's tax system (system dziedzinowy)
//! would hand over for 2025 and 2026, as one [`TaxBatch`] for
//! `TaxStore::import_taxes`. **Fictional people, illustrative figures**:
//! names are drawn from common Polish first names and surnames, amounts
//! from plausible ranges; the account numbers and the NIP check (so bank
//! apps would read the QR) but belong to nobody.
//!
//! What it holds, so every state of a liability can be tried:
//! - property tax in 4 instalments (15 Mar, 15 May, 15 Sep, 15 Nov, art. 6
//!   ust. 7 upol), or one payment by 15 Mar when the year's tax is at most
//!   100 zł (art. 6 ust. 11a upol); agricultural and forest tax for the
//!   farms, on the same dates; transport tax for a few hauliers (15 Feb and
//!   15 Sep, art. 11 upol); the waste fee monthly by the 15th, not rounded
//!   (art. 6q ust. 2 ucpg);
//! - paid on time, paid late (with the interest, as booked), paid in part,
//!   and unpaid since 15 Mar 2025 (overdue across the rate changes of May
//!   2025 onwards); one instalment above 9,999.99 zł (the QR cannot carry
//!   its amount);
//! - each liability its own virtual account (NRB), decision numbers like
//!   `FN.3120.123.2026`.
//!
//! Deterministic: the same `today` gives the same batch (a seeded
//! SplitMix64, not the system's RNG); payments after `today` are not
//! booked yet.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::auth::Role;
use mm_protocol::taxes::activation::{CODE_VALID_DAYS, format_code};
use mm_protocol::taxes::checksums::nrb_check_digits;
use mm_protocol::taxes::{BookedPayment, Grosze, LiabilityKind, LiabilityRecord, TaxRules, Taxpayer, statement};

use crate::store::taxes::{ImportedTaxpayer, TaxBatch};
use crate::store::{Actor, Store, StoreError, StoreResult};

/// The gmina as the transfers' recipient (the QR's name field).
pub const SIECHNICE_RECIPIENT: &str = "Gmina Siechnice";
/// **A demo value**, not the gmina's real NIP: ten digits whose check digit
/// is right (`nip_valid`), so a bank app reads the demo QR.
pub const SIECHNICE_NIP: &str = "8961012356";
pub const CZERNICA_RECIPIENT: &str = "Gmina Czernica";
/// **A demo value** as well.
pub const CZERNICA_NIP: &str = "8961012362";
/// The demo's department of officials who may see tax data.
pub const TAX_DEPARTMENT: &str = "Podatki i opłaty";
/// Its demo official's login.
pub const TAX_OFFICIAL_LOGIN: &str = "podatki";
/// The taxpayer the demo prints an activation code for: a household with
/// a bit of everything (property tax paid late, the waste fee, one overdue
/// instalment).
pub const TRY_TAXPAYER: &str = "PD-00001";

/// How many taxpayers each gmina's register has.
pub const SIECHNICE_TAXPAYERS: u32 = 200;
pub const CZERNICA_TAXPAYERS: u32 = 20;

/// A bank's 8-digit sort code (numer rozliczeniowy): 3 digits of the bank,
/// 4 of the branch, a check digit with the weights 3, 9, 7, 1, 3, 9, 7.
fn sort_code(seven: &str) -> String {
    const W: [u32; 7] = [3, 9, 7, 1, 3, 9, 7];
    let s: u32 = seven.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{seven}{}", (10 - s % 10) % 10)
}

/// The seed and numbering of one gmina's register.
struct Register {
    seed: u64,
    /// Taxpayer ids: `PD-00001` (Siechnice), `CZ-00001` (Czernica).
    prefix: &'static str,
    /// The sort code's first seven digits (the gmina's bank branch).
    bank: &'static str,
    /// Four digits that start each virtual account (the gmina's range).
    account_range: &'static str,
    taxpayers: u32,
}

const SIECHNICE: Register =
    Register { seed: 0x5_1ec4_41ce, prefix: "PD-", bank: "1020522", account_range: "3083", taxpayers: SIECHNICE_TAXPAYERS };
const CZERNICA: Register =
    Register { seed: 0xc2e7_41ca, prefix: "CZ-", bank: "1240683", account_range: "3032", taxpayers: CZERNICA_TAXPAYERS };

/// Siechnice's register as of `today`.
pub fn siechnice_batch(today: NaiveDate) -> TaxBatch {
    batch(&SIECHNICE, today)
}

/// Czernica's, smaller.
pub fn czernica_batch(today: NaiveDate) -> TaxBatch {
    batch(&CZERNICA, today)
}

/// What `mm-server --demo` announces of the taxes.
#[derive(Debug, Default)]
pub struct Started {
    /// A fresh code for [`TRY_TAXPAYER`], formatted (`KD7M-2WQX-H9PT`):
    /// issued on every start, as only this start knows it.
    pub activation_code: Option<String>,
    /// The tax official's password, when this start created the account.
    pub official_password: Option<String>,
}

/// The demo's taxes in Siechnice (`store` scoped to it): the register
/// imported once (the first start; an import of the same batch would
/// change nothing but the run list), the gmina as the transfers'
/// recipient, the tax department with its official, and a fresh
/// activation code to try.
pub async fn load_siechnice(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Started> {
    let today = now.with_timezone(&LOCAL_TZ).date_naive();
    set_recipient(store, SIECHNICE_RECIPIENT, SIECHNICE_NIP, now).await?;
    if store.import_runs(1).await?.is_empty() {
        let batch = tokio::task::spawn_blocking(move || siechnice_batch(today))
            .await
            .map_err(|e| StoreError::backend(e.to_string()))?;
        store.import_taxes(Actor("demo".into()), "demo", batch, vec![], false, now).await?;
    }
    let official_password = tax_official(store, now).await?;
    let code = crate::taxes::codes::new_code();
    let hash = crate::taxes::codes::hash_code(store.gmina_scope(), &code);
    store
        .issue_activation_code(Actor("demo".into()), TRY_TAXPAYER, &hash, now + Duration::days(CODE_VALID_DAYS), now)
        .await?;
    Ok(Started { activation_code: Some(format_code(&code)), official_password })
}

/// Czernica's smaller register (`store` scoped to it), once.
pub async fn load_czernica(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<()> {
    let today = now.with_timezone(&LOCAL_TZ).date_naive();
    set_recipient(store, CZERNICA_RECIPIENT, CZERNICA_NIP, now).await?;
    if store.import_runs(1).await?.is_empty() {
        store.import_taxes(Actor("demo".into()), "demo", czernica_batch(today), vec![], false, now).await?;
    }
    Ok(())
}

/// The gmina's name and NIP for the transfer QR, unless it has them.
async fn set_recipient(store: &dyn Store, name: &str, nip: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let Some(mut record) = store.gmina_record(store.gmina_scope()).await? else { return Ok(()) };
    if record.settings.tax_recipient_name.is_some() && record.settings.tax_recipient_nip.is_some() {
        return Ok(());
    }
    record.settings.tax_recipient_name.get_or_insert_with(|| name.to_owned());
    record.settings.tax_recipient_nip.get_or_insert_with(|| nip.to_owned());
    store.update_gmina(Actor("demo".into()), record, now).await?;
    Ok(())
}

/// The "Podatki i opłaty" department and its official ([`TAX_OFFICIAL_LOGIN`]),
/// unless there; the official's one-time password when made now.
async fn tax_official(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Option<String>> {
    if store.find_user(TAX_OFFICIAL_LOGIN).await?.is_some() {
        return Ok(None);
    }
    let demo = Actor("demo".into());
    let department = match store.list_departments().await?.into_iter().find(|d| d.name == TAX_DEPARTMENT) {
        Some(d) => d,
        None => store.create_department(demo.clone(), TAX_DEPARTMENT, now).await?,
    };
    let Some(password) = super::create_account(store, TAX_OFFICIAL_LOGIN, Role::Department).await? else {
        return Ok(None);
    };
    store.set_user_department(demo, TAX_OFFICIAL_LOGIN, Some(department.id), now).await?;
    Ok(Some(password))
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, seeded, the same on every
/// platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const MEN: [&str; 24] = [
    "Adam", "Andrzej", "Bartosz", "Damian", "Dariusz", "Grzegorz", "Jakub", "Jan", "Janusz", "Kamil", "Krzysztof", "Łukasz",
    "Marcin", "Marek", "Mateusz", "Michał", "Paweł", "Piotr", "Rafał", "Robert", "Stanisław", "Tomasz", "Wojciech", "Zbigniew",
];
const WOMEN: [&str; 24] = [
    "Agnieszka", "Aleksandra", "Anna", "Barbara", "Beata", "Danuta", "Dorota", "Elżbieta", "Ewa", "Halina", "Irena", "Joanna",
    "Justyna", "Katarzyna", "Krystyna", "Magdalena", "Małgorzata", "Maria", "Marta", "Monika", "Natalia", "Renata", "Teresa", "Zofia",
];
/// Surnames as `(his, hers)`.
const SURNAMES: [(&str, &str); 30] = [
    ("Nowak", "Nowak"),
    ("Kowalski", "Kowalska"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Kowalczyk", "Kowalczyk"),
    ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"),
    ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"),
    ("Jankowski", "Jankowska"),
    ("Mazur", "Mazur"),
    ("Kwiatkowski", "Kwiatkowska"),
    ("Krawczyk", "Krawczyk"),
    ("Piotrowski", "Piotrowska"),
    ("Grabowski", "Grabowska"),
    ("Nowakowski", "Nowakowska"),
    ("Pawłowski", "Pawłowska"),
    ("Michalski", "Michalska"),
    ("Adamczyk", "Adamczyk"),
    ("Dudek", "Dudek"),
    ("Zając", "Zając"),
    ("Wieczorek", "Wieczorek"),
    ("Jabłoński", "Jabłońska"),
    ("Król", "Król"),
    ("Majewski", "Majewska"),
    ("Olszewski", "Olszewska"),
    ("Stępień", "Stępień"),
];
/// Firms that own buildings or lorries (fictional).
const FIRMS: [&str; 6] = [
    "Transport Odra sp. z o.o.",
    "Przedsiębiorstwo Handlowe „Ślęża” sp.j.",
    "Piekarnia Złoty Kłos s.c.",
    "Logistyka Radwanice sp. z o.o.",
    "Ogrodnictwo Zielona Dolina",
    "Magazyny Świętej Katarzyny S.A.",
];

/// How a taxpayer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Habit {
    OnTime,
    Late,
    Partly,
    /// Nothing since the first instalment of 2025.
    NotAtAll,
}

/// What one taxpayer owes a year (before the instalments).
struct Holdings {
    /// Property tax a year, whole złoty.
    property_zl: i64,
    agricultural_zl: Option<i64>,
    forest_zl: Option<i64>,
    /// Transport tax a year, whole złoty.
    transport_zl: Option<i64>,
    /// Pays the waste fee (households; firms have their own contracts).
    waste_fee: bool,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a valid demo date")
}

/// The waste fee per person a month in grosze (illustrative rates of a
/// council resolution), and the composting relief per person.
fn waste_rate(year: i32) -> (Grosze, Grosze) {
    if year >= 2026 { (3_890, 410) } else { (3_650, 380) }
}

fn batch(reg: &Register, today: NaiveDate) -> TaxBatch {
    let mut rng = Rng(reg.seed);
    let rules = TaxRules::statutory();
    let mut out = TaxBatch::default();
    for n in 1..=reg.taxpayers {
        let id = format!("{}{n:05}", reg.prefix);
        let firm = n % 37 == 0;
        let name = if firm {
            FIRMS[(n as usize / 37) % FIRMS.len()].to_owned()
        } else if rng.chance(50) {
            let (his, _) = SURNAMES[(rng.next() % SURNAMES.len() as u64) as usize];
            format!("{} {his}", rng.pick(&MEN))
        } else {
            let (_, hers) = SURNAMES[(rng.next() % SURNAMES.len() as u64) as usize];
            format!("{} {hers}", rng.pick(&WOMEN))
        };
        let farm = !firm && rng.chance(15);
        let persons = rng.range(1, 5);
        let composting = rng.chance(40);
        let holdings = Holdings {
            // A flat's share of land and a house: mostly 80–1,600 zł; a few
            // small ones at most 100 zł (paid in one go); firms far more.
            property_zl: if firm {
                rng.range(18_000, 36_000)
            } else if rng.chance(12) {
                rng.range(35, 100)
            } else {
                rng.range(180, 1_600)
            },
            agricultural_zl: farm.then(|| rng.range(300, 4_200)),
            forest_zl: (farm && rng.chance(35)).then(|| rng.range(40, 260)),
            transport_zl: (firm || rng.chance(2)).then(|| rng.range(1, 4) * 2_310),
            waste_fee: !firm,
        };
        let habit = match n {
            // The taxpayer to try: paid late, then stopped (see TRY_TAXPAYER).
            1 => Habit::Late,
            2 | 3 => Habit::NotAtAll,
            4 => Habit::Partly,
            _ => match rng.range(0, 99) {
                0..=64 => Habit::OnTime,
                65..=79 => Habit::Late,
                80..=89 => Habit::Partly,
                _ => Habit::NotAtAll,
            },
        };
        let mut holdings = holdings;
        if n == 1 {
            // A household with a bit of everything.
            holdings.agricultural_zl = Some(1_244);
            holdings.waste_fee = true;
        }
        if n == 37 {
            // The instalment above 9,999.99 zł: a warehouse firm's property
            // tax, 4 × 11,250 zł.
            holdings.property_zl = 45_000;
        }
        out.taxpayers.push(ImportedTaxpayer {
            taxpayer: Taxpayer { id: id.clone(), name },
            code_hash: None,
            code_expires_at: None,
        });
        for year in [2025, 2026] {
            for mut record in liabilities(reg, n, &id, year, &holdings, composting, persons) {
                record.payments = payments(&mut rng, &record, habit, n, today, &rules);
                out.liabilities.push(record);
            }
        }
    }
    out
}

/// A virtual account of the gmina's range, unique per liability: the
/// range, the taxpayer's number, the year, the kind and the instalment.
fn account(reg: &Register, n: u32, year: i32, kind: LiabilityKind, instalment: u32) -> String {
    let kind_digit = LiabilityKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let bban = format!(
        "{}{}{n:06}{:02}{kind_digit}{instalment:02}0",
        sort_code(reg.bank),
        reg.account_range,
        year % 100
    );
    debug_assert_eq!(bban.len(), 24);
    let check = nrb_check_digits(&bban).expect("24 digits");
    format!("{check}{bban}")
}

/// Splits a year's whole-złoty tax into its instalments: whole złoty, the
/// first carrying what does not divide.
fn quarters(zl: i64) -> [i64; 4] {
    let q = zl / 4;
    [zl - 3 * q, q, q, q]
}

fn liabilities(reg: &Register, n: u32, id: &str, year: i32, h: &Holdings, composting: bool, persons: i64) -> Vec<LiabilityRecord> {
    let mut out = Vec::new();
    let rec = |kind, instalment, decision: String, due: NaiveDate, amount_grosze| LiabilityRecord {
        id: format!("{id}-{year}-{}-{instalment:02}", kind_code(kind)),
        taxpayer: id.to_owned(),
        kind,
        year,
        instalment,
        decision,
        due_date: due,
        amount_grosze,
        account: account(reg, n, year, kind, instalment),
        payments: vec![],
    };
    // Rates of a new year: a little more (the council's resolution).
    let grow = |zl: i64| if year >= 2026 { zl + zl * 4 / 100 } else { zl };
    let quarter_days = [d(year, 3, 15), d(year, 5, 15), d(year, 9, 15), d(year, 11, 15)];
    let decision = format!("FN.3120.{n}.{year}");
    for (kind, zl) in [
        (LiabilityKind::Property, Some(h.property_zl)),
        (LiabilityKind::Agricultural, h.agricultural_zl),
        (LiabilityKind::Forest, h.forest_zl),
    ] {
        let Some(zl) = zl.map(grow) else { continue };
        if zl <= 100 {
            // Art. 6 ust. 11a upol: at most 100 zł, in one go by the first date.
            out.push(rec(kind, 0, decision.clone(), quarter_days[0], zl * 100));
        } else {
            for (i, (q, due)) in quarters(zl).into_iter().zip(quarter_days).enumerate() {
                out.push(rec(kind, i as u32 + 1, decision.clone(), due, q * 100));
            }
        }
    }
    if let Some(zl) = h.transport_zl.map(grow) {
        let half = zl / 2;
        let decision = format!("FN.3122.{n}.{year}");
        out.push(rec(LiabilityKind::Transport, 1, decision.clone(), d(year, 2, 15), (zl - half) * 100));
        out.push(rec(LiabilityKind::Transport, 2, decision, d(year, 9, 15), half * 100));
    }
    if h.waste_fee {
        let (rate, relief) = waste_rate(year);
        let monthly = persons * (rate - if composting { relief } else { 0 });
        let monthly = if n == 1 { 3 * (rate - relief) } else { monthly };
        // The declaration's number (deklaracja o wysokości opłaty).
        let decision = format!("GO.6237.{n}.{year}");
        for month in 1..=12 {
            out.push(rec(LiabilityKind::WasteFee, month, decision.clone(), d(year, month, 15), monthly));
        }
    }
    out
}

fn kind_code(kind: LiabilityKind) -> &'static str {
    match kind {
        LiabilityKind::Property => "PN",
        LiabilityKind::Agricultural => "PR",
        LiabilityKind::Forest => "PL",
        LiabilityKind::Transport => "PT",
        LiabilityKind::WasteFee => "OK",
    }
}

/// What the tax system booked on `record` by `today`, by the taxpayer's habit.
fn payments(rng: &mut Rng, record: &LiabilityRecord, habit: Habit, n: u32, today: NaiveDate, rules: &TaxRules) -> Vec<BookedPayment> {
    let due = record.due_date;
    // Whoever stopped paying stopped after 2024: nothing at all.
    let (pay_on, in_part) = match habit {
        Habit::OnTime => (due - chrono::Days::new(rng.range(0, 12) as u64), false),
        Habit::Late => (due + chrono::Days::new(rng.range(10, 75) as u64), false),
        Habit::Partly => (due - chrono::Days::new(rng.range(0, 5) as u64), true),
        Habit::NotAtAll => return vec![],
    };
    // The demo taxpayer to try stopped paying after the summer of 2026, so
    // something is overdue there too, whatever today is.
    if n == 1 && (record.year, record.due_date.month()) >= (2026, 9) {
        return vec![];
    }
    if pay_on > today {
        return vec![];
    }
    // A late payer pays what settles it that day: arrears and interest
    // (the tax system splits it, art. 55 §2 OP); a partial payer half the
    // instalment, on time.
    let total = statement(record, &[], pay_on, rules).total_grosze;
    let amount = if in_part { (record.amount_grosze / 2).max(1) } else { total };
    vec![BookedPayment { date: pay_on, amount_grosze: amount }]
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use mm_protocol::taxes::LiabilityStatus;
    use mm_protocol::taxes::checksums::{nip_valid, nrb_valid};

    fn today() -> NaiveDate {
        d(2026, 12, 2)
    }

    #[test]
    fn about_two_hundred_taxpayers_each_with_liabilities_of_both_years() {
        let b = siechnice_batch(today());
        assert_eq!(b.taxpayers.len(), SIECHNICE_TAXPAYERS as usize);
        let ids: HashSet<_> = b.taxpayers.iter().map(|t| t.taxpayer.id.as_str()).collect();
        assert_eq!(ids.len(), b.taxpayers.len(), "each taxpayer has its own id");
        for t in &b.taxpayers {
            for year in [2025, 2026] {
                assert!(b.liabilities.iter().any(|l| l.taxpayer == t.taxpayer.id && l.year == year), "{} {year}", t.taxpayer.id);
            }
        }
        let lids: HashSet<_> = b.liabilities.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(lids.len(), b.liabilities.len(), "liability ids are unique");
        assert!(b.liabilities.len() > 4_000, "{}", b.liabilities.len());
        for kind in LiabilityKind::ALL {
            assert!(b.liabilities.iter().any(|l| l.kind == kind), "{kind:?}");
        }
        assert_eq!(czernica_batch(today()).taxpayers.len(), CZERNICA_TAXPAYERS as usize);
        assert!(b.taxpayers.iter().any(|t| t.taxpayer.id == TRY_TAXPAYER));
    }

    #[test]
    fn every_account_and_the_nips_check() {
        let mut accounts = HashSet::new();
        for b in [siechnice_batch(today()), czernica_batch(today())] {
            for l in &b.liabilities {
                assert!(nrb_valid(&l.account), "{} {}", l.id, l.account);
                assert!(accounts.insert(l.account.clone()), "each liability its own account: {}", l.account);
                assert!(l.amount_grosze > 0);
            }
        }
        assert!(nip_valid(SIECHNICE_NIP) && nip_valid(CZERNICA_NIP));
        assert_eq!(sort_code("1020522"), "10205226");
    }

    #[test]
    fn the_instalment_rules_hold() {
        let b = siechnice_batch(today());
        for l in &b.liabilities {
            let (m, day) = (l.due_date.month(), l.due_date.day());
            match l.kind {
                LiabilityKind::WasteFee => assert_eq!((day, l.instalment), (15, m)),
                LiabilityKind::Transport => assert!([(2, 15), (9, 15)].contains(&(m, day))),
                _ => {
                    assert!([(3, 15), (5, 15), (9, 15), (11, 15)].contains(&(m, day)));
                    assert_eq!(l.amount_grosze % 100, 0, "taxes in whole złoty");
                    if l.instalment == 0 {
                        assert!(l.amount_grosze <= 10_000 && (m, day) == (3, 15), "≤ 100 zł in one go by 15 Mar");
                    }
                }
            }
        }
        assert!(b.liabilities.iter().any(|l| l.instalment == 0), "some pay at most 100 zł in one go");
        assert!(b.liabilities.iter().any(|l| l.kind == LiabilityKind::WasteFee && l.amount_grosze % 100 != 0), "the waste fee is not rounded");
        assert!(b.liabilities.iter().any(|l| l.decision == "FN.3120.123.2026"));
    }

    #[test]
    fn every_state_of_a_liability_is_there() {
        let b = siechnice_batch(today());
        let rules = TaxRules::statutory();
        let big = b.liabilities.iter().filter(|l| l.amount_grosze > 999_999).count();
        assert!(big >= 1, "one instalment above 9,999.99 zł");
        let status = |l: &LiabilityRecord| statement(l, &[], today(), &rules);
        let paid_on_time = b.liabilities.iter().filter(|l| l.payments.iter().all(|p| p.date <= l.due_date) && !l.payments.is_empty());
        assert!(paid_on_time.count() > 1_000);
        let late = b.liabilities.iter().filter(|l| l.payments.iter().any(|p| p.date > l.due_date + chrono::Days::new(5))).collect::<Vec<_>>();
        assert!(!late.is_empty());
        assert!(late.iter().all(|l| status(l).status == LiabilityStatus::Paid), "a late payer paid the interest too");
        assert!(late.iter().any(|l| l.payments[0].amount_grosze > l.amount_grosze), "with interest");
        let partly = b.liabilities.iter().filter(|l| status(l).status == LiabilityStatus::Overdue && !l.payments.is_empty());
        assert!(partly.count() > 10, "some paid in part");
        // Due 15 Mar 2025, nothing paid: interest across the rate changes
        // from 8 May 2025 on.
        let across = b
            .liabilities
            .iter()
            .find(|l| l.due_date == d(2025, 3, 15) && l.payments.is_empty() && l.taxpayer == "PD-00002")
            .expect("an instalment unpaid since 15 Mar 2025");
        let s = status(across);
        assert_eq!(s.status, LiabilityStatus::Overdue);
        assert!(s.interest_grosze > 0);
        // The taxpayer to try owes something and has paid something.
        let mine: Vec<_> = b.liabilities.iter().filter(|l| l.taxpayer == TRY_TAXPAYER).collect();
        assert!(mine.iter().any(|l| status(l).status == LiabilityStatus::Overdue));
        assert!(mine.iter().any(|l| status(l).status == LiabilityStatus::Paid));
        assert!(mine.iter().any(|l| l.kind == LiabilityKind::WasteFee));
        // Nothing is booked after today.
        assert!(b.liabilities.iter().flat_map(|l| &l.payments).all(|p| p.date <= today()));
    }

    #[test]
    fn the_register_is_deterministic() {
        assert_eq!(siechnice_batch(today()), siechnice_batch(today()));
        assert_eq!(czernica_batch(today()), czernica_batch(today()));
        assert_ne!(siechnice_batch(today()).taxpayers[5].taxpayer.name, "");
        // An earlier day books less.
        let earlier = siechnice_batch(d(2025, 6, 1));
        assert!(earlier.liabilities.iter().flat_map(|l| &l.payments).count() < siechnice_batch(today()).liabilities.iter().flat_map(|l| &l.payments).count());
    }
}
