//! What a count did, step by step: published with the results so anyone can
//! follow it (structured, plus sentences in Polish and English). Exact
//! amounts are fractions of grosze written `"num/den"`; `grosze` beside them
//! is the same amount rounded down, for display only.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::compare::Chosen;

/// An exact amount of money and its display value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Grosze as `"num/den"` (`"4196/1"` for whole grosze).
    pub exact: String,
    /// Rounded down to whole grosze.
    pub grosze: i64,
}

/// An exact rational as `"num/den"`.
pub fn ratio(r: &BigRational) -> String {
    format!("{}/{}", r.numer(), r.denom())
}

pub fn money(r: &BigRational) -> Money {
    let floor: BigInt = r.floor().to_integer();
    Money { exact: ratio(r), grosze: floor.to_i64().unwrap_or(i64::MAX) }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TraceStep {
    /// Greedy: the project fits and is selected; `left` after it (grosze).
    Selected { project: i64, votes: u32, points: u32, cost: i64, left: i64 },
    /// Greedy: the project does not fit in what is left.
    Skipped { project: i64, votes: u32, points: u32, cost: i64, left: i64 },
    /// Greedy: fewer votes than the pool's threshold.
    BelowThreshold { project: i64, votes: u32, min_votes: u32 },
    /// Add1: one run of MES with every voter starting at `start`.
    Add1Round { round: u32, start: Money, spent: i64, feasible: bool, exhaustive: bool },
    /// MES (the returned round): `rich` supporters paid `payment` each,
    /// `poor` ones gave all they had left; `rho` = payment / cost.
    MesPick { project: i64, cost: i64, rho: String, payment: Money, rich: u64, poor: u64, left: i64 },
    /// The comparison step and the outcome it kept.
    Comparison {
        equal_shares: Vec<i64>,
        greedy: Vec<i64>,
        prefer_equal_shares: u64,
        prefer_greedy: u64,
        chosen: Chosen,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Pl,
    En,
}

/// A sentence for one step.
pub fn describe(step: &TraceStep, lang: Lang) -> String {
    let zl = |g: i64| zloty(g, lang);
    match (step, lang) {
        (TraceStep::Selected { project, votes, cost, left, .. }, Lang::Pl) => format!(
            "Projekt {project}: {votes} {} – wybrany za {}, zostaje {}.",
            pl_votes(*votes as u64), zl(*cost), zl(*left)
        ),
        (TraceStep::Selected { project, votes, cost, left, .. }, Lang::En) => format!(
            "Project {project}: {votes} {} – selected for {}, {} left.",
            en_plural(*votes as u64, "vote", "votes"), zl(*cost), zl(*left)
        ),
        (TraceStep::Skipped { project, votes, cost, left, .. }, Lang::Pl) => format!(
            "Projekt {project}: {votes} {} – kosztuje {}, zostało tylko {}; pominięty.",
            pl_votes(*votes as u64), zl(*cost), zl(*left)
        ),
        (TraceStep::Skipped { project, votes, cost, left, .. }, Lang::En) => format!(
            "Project {project}: {votes} {} – costs {}, only {} left; skipped.",
            en_plural(*votes as u64, "vote", "votes"), zl(*cost), zl(*left)
        ),
        (TraceStep::BelowThreshold { project, votes, min_votes }, Lang::Pl) => format!(
            "Projekt {project}: {votes} {} – mniej niż wymagane {min_votes}; nie bierze udziału w podziale.",
            pl_votes(*votes as u64)
        ),
        (TraceStep::BelowThreshold { project, votes, min_votes }, Lang::En) => format!(
            "Project {project}: {votes} {} – fewer than the required {min_votes}; not eligible.",
            en_plural(*votes as u64, "vote", "votes")
        ),
        (TraceStep::Add1Round { round, start, spent, feasible, exhaustive }, Lang::Pl) => format!(
            "Runda {}: każdy głosujący zaczyna z {}; wybrane projekty kosztują {}{}.",
            round + 1,
            zl(start.grosze),
            zl(*spent),
            if !feasible {
                " – więcej niż pula, obowiązuje wynik poprzedniej rundy"
            } else if *exhaustive {
                " – żaden inny projekt się nie mieści, to wynik"
            } else {
                " – zostają środki na inny projekt, kwota rośnie"
            }
        ),
        (TraceStep::Add1Round { round, start, spent, feasible, exhaustive }, Lang::En) => format!(
            "Round {}: each voter starts with {}; the selected projects cost {}{}.",
            round + 1,
            zl(start.grosze),
            zl(*spent),
            if !feasible {
                " – more than the pool, the previous round's outcome stands"
            } else if *exhaustive {
                " – no other project fits, this is the outcome"
            } else {
                " – money is left for another project, the amount grows"
            }
        ),
        (TraceStep::MesPick { project, cost, payment, rich, poor, left, .. }, Lang::Pl) => {
            let mut s = format!(
                "Projekt {project} ({}): {rich} {} po {}",
                zl(*cost),
                if *rich == 1 { "zwolennik zapłacił" } else { "zwolenników zapłaciło" },
                zl(payment.grosze)
            );
            if *poor > 0 {
                s += &format!(", {poor} {} całe pozostałe środki", if *poor == 1 { "oddał" } else { "oddało" });
            }
            s + &format!("; w puli zostaje {}.", zl(*left))
        }
        (TraceStep::MesPick { project, cost, payment, rich, poor, left, .. }, Lang::En) => {
            let mut s = format!(
                "Project {project} ({}): {rich} {} paid {} each",
                zl(*cost),
                en_plural(*rich, "supporter", "supporters"),
                zl(payment.grosze)
            );
            if *poor > 0 {
                s += &format!(", {poor} gave all they had left");
            }
            s + &format!("; {} left in the pool.", zl(*left))
        }
        (TraceStep::Comparison { prefer_equal_shares, prefer_greedy, chosen, .. }, Lang::Pl) => format!(
            "Porównanie: {prefer_equal_shares} głosujących woli wynik metody równych udziałów, {prefer_greedy} wynik zachłanny; obowiązuje {}.",
            match chosen {
                Chosen::EqualShares => "wynik metody równych udziałów",
                Chosen::Greedy => "wynik zachłanny",
            }
        ),
        (TraceStep::Comparison { prefer_equal_shares, prefer_greedy, chosen, .. }, Lang::En) => format!(
            "Comparison: {prefer_equal_shares} voters prefer the Equal Shares outcome, {prefer_greedy} the greedy one; {} stands.",
            match chosen {
                Chosen::EqualShares => "Equal Shares",
                Chosen::Greedy => "greedy",
            }
        ),
    }
}

/// "1 234,56 zł" (Polish) or "PLN 1,234.56" (English).
fn zloty(grosze: i64, lang: Lang) -> String {
    let sign = if grosze < 0 { "-" } else { "" };
    let g = grosze.unsigned_abs();
    let digits = (g / 100).to_string();
    let sep = match lang {
        Lang::Pl => ' ',
        Lang::En => ',',
    };
    let mut whole = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            whole.push(sep);
        }
        whole.push(ch);
    }
    match lang {
        Lang::Pl => format!("{sign}{whole},{:02} zł", g % 100),
        Lang::En => format!("{sign}PLN {whole}.{:02}", g % 100),
    }
}

/// Polish numeral agreement: 1 głos, 2–4 głosy (not 12–14), else głosów.
fn pl_votes(n: u64) -> &'static str {
    if n == 1 {
        "głos"
    } else if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
        "głosy"
    } else {
        "głosów"
    }
}

fn en_plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}
