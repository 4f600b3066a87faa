//! The ballot's rules, checked as a resident picks (the core, before a
//! ballot may enter the outbox) and again by the server: [`check_ballot`].
//! [`pool_state`] tells the ballot screen what may still be added.
//!
//! Errors name pools by id and choices by their index in the pool's list,
//! never a value the voter typed.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{
    plural_en, projects_pl, BallotInput, Choice, EditionSettings, Pool, PoolChoice, PoolKind, Project,
    ProjectStatus, VotingRule,
};
use crate::error::Message;
use crate::taxes::Grosze;

/// A ballot that keeps the rules: pools by id ascending, each pool's
/// choices by project id ascending, pools without a choice left out;
/// `points` set under the cumulative rule and `None` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NormalBallot {
    pub pools: Vec<PoolChoice>,
}

impl NormalBallot {
    /// Every project chosen, with its pool.
    pub fn choices(&self) -> impl Iterator<Item = (i64, Choice)> + '_ {
        self.pools.iter().flat_map(|p| p.projects.iter().map(move |c| (p.pool, *c)))
    }
}

/// Why a ballot breaks the rules. `pool` is a pool's id; `index` is the
/// position of the choice in that pool's `projects` as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum BallotError {
    /// The ballot names a pool this edition does not have.
    #[error("unknown pool {pool}")]
    UnknownPool { pool: i64 },
    /// The same pool listed twice.
    #[error("pool {pool} listed twice")]
    DuplicatePool { pool: i64 },
    /// A project this edition does not have.
    #[error("unknown project at pool {pool}, index {index}")]
    UnknownProject { pool: i64, index: usize },
    /// A project that is not (or no longer) on the ballot.
    #[error("project not on the ballot at pool {pool}, index {index}")]
    ProjectNotOnBallot { pool: i64, index: usize },
    /// A project of another pool chosen in this one.
    #[error("project of another pool at pool {pool}, index {index}")]
    WrongPool { pool: i64, index: usize },
    #[error("project chosen twice at pool {pool}, index {index}")]
    DuplicateProject { pool: i64, index: usize },
    /// Points missing, zero or above the maximum per project (cumulative);
    /// or points given under a rule without points.
    #[error("wrong points at pool {pool}, index {index}")]
    PointsPerProject { pool: i64, index: usize },
    /// More points than the pool allows.
    #[error("too many points in pool {pool} (max {points})")]
    PointsSum { pool: i64, points: u16 },
    #[error("too many projects in pool {pool} (max {max})")]
    TooMany { pool: i64, max: u8 },
    /// The chosen projects cost more than the pool (knapsack).
    #[error("over the pool's amount in pool {pool}")]
    OverPool { pool: i64 },
    /// Fewer projects than the approval minimum.
    #[error("too few projects in pool {pool} (min {min})")]
    TooFew { pool: i64, min: u8 },
    /// Fewer projects than the cumulative rule's minimum.
    #[error("too few projects given points in pool {pool} (min {min})")]
    TooFewProjects { pool: i64, min: u8 },
    /// Choices in more area pools than the edition allows.
    #[error("choices in too many area pools (max {max})")]
    TooManyAreaPools { max: u8 },
    /// No project chosen at all.
    #[error("empty ballot")]
    EmptyBallot,
    /// The edition requires the declaration of residence.
    #[error("residence not declared")]
    ResidenceNotDeclared,
}

impl BallotError {
    /// An error that choosing more (or declaring residence) can still fix;
    /// every other error stays whatever is added.
    pub fn is_incomplete(&self) -> bool {
        matches!(
            self,
            BallotError::TooFew { .. }
                | BallotError::TooFewProjects { .. }
                | BallotError::EmptyBallot
                | BallotError::ResidenceNotDeclared
        )
    }

    /// The pool it is about, if one.
    pub fn pool(&self) -> Option<i64> {
        use BallotError::*;
        match *self {
            UnknownPool { pool }
            | DuplicatePool { pool }
            | UnknownProject { pool, .. }
            | ProjectNotOnBallot { pool, .. }
            | WrongPool { pool, .. }
            | DuplicateProject { pool, .. }
            | PointsPerProject { pool, .. }
            | PointsSum { pool, .. }
            | TooMany { pool, .. }
            | OverPool { pool }
            | TooFew { pool, .. }
            | TooFewProjects { pool, .. } => Some(pool),
            TooManyAreaPools { .. } | EmptyBallot => None,
            ResidenceNotDeclared => None,
        }
    }

    /// The request field for the API's error (`pools[i]`,
    /// `pools[i].projects[j]`, `residence_declared`), positions in `b`.
    pub fn field(&self, b: &BallotInput) -> Option<String> {
        use BallotError::*;
        let pool_index = |pool: i64| b.pools.iter().position(|p| p.pool == pool);
        match *self {
            DuplicatePool { pool } => b.pools.iter().rposition(|p| p.pool == pool).map(|i| format!("pools[{i}]")),
            UnknownProject { pool, index }
            | ProjectNotOnBallot { pool, index }
            | WrongPool { pool, index }
            | DuplicateProject { pool, index }
            | PointsPerProject { pool, index } => {
                pool_index(pool).map(|i| format!("pools[{i}].projects[{index}]"))
            }
            ResidenceNotDeclared => Some("residence_declared".into()),
            TooManyAreaPools { .. } | EmptyBallot => Some("pools".into()),
            other => other.pool().and_then(pool_index).map(|i| format!("pools[{i}]")),
        }
    }

    /// What the resident reads.
    pub fn message(&self) -> Message {
        use BallotError::*;
        match *self {
            UnknownPool { .. } => Message::new("Ta pula nie należy do tej edycji budżetu.", "This pool is not part of this budget edition."),
            DuplicatePool { .. } => Message::new("Pula występuje na karcie dwa razy.", "A pool appears twice on the ballot."),
            UnknownProject { .. } => Message::new("Nie ma takiego projektu w tej edycji.", "There is no such project in this edition."),
            ProjectNotOnBallot { .. } => Message::new(
                "Ten projekt nie jest na karcie do głosowania.",
                "This project is not on the ballot.",
            ),
            WrongPool { .. } => Message::new(
                "Ten projekt należy do innej puli.",
                "This project belongs to another pool.",
            ),
            DuplicateProject { .. } => Message::new("Projekt wybrano dwa razy.", "A project was chosen twice."),
            PointsPerProject { .. } => Message::new(
                "Nieprawidłowa liczba punktów dla projektu.",
                "Wrong number of points for a project.",
            ),
            PointsSum { points, .. } => Message::new(
                format!("Rozdano za dużo punktów (najwyżej {points} w puli)."),
                format!("Too many points given (at most {points} in the pool)."),
            ),
            TooMany { max, .. } => Message::new(
                format!("Wybrano za dużo projektów (najwyżej {max} w puli)."),
                format!("Too many projects chosen (at most {max} in the pool)."),
            ),
            OverPool { .. } => Message::new(
                "Wybrane projekty kosztują więcej niż kwota puli.",
                "The chosen projects cost more than the pool's amount.",
            ),
            TooFew { min, .. } => Message::new(
                format!("Wybierz co najmniej {min} {} w tej puli albo żadnego.", projects_pl(u32::from(min))),
                format!("Choose at least {min} project{} in this pool, or none.", plural_en(u32::from(min))),
            ),
            TooFewProjects { min, .. } => Message::new(
                format!("Rozdziel punkty między co najmniej {min} {} w tej puli albo nie głosuj w niej.", projects_pl(u32::from(min))),
                format!("Give points to at least {min} project{} in this pool, or vote in none.", plural_en(u32::from(min))),
            ),
            TooManyAreaPools { max } => Message::new(
                format!("Można głosować najwyżej w {max} {}.", if max == 1 { "puli obszarowej" } else { "pulach obszarowych" }),
                format!("You may vote in at most {max} area pool{}.", plural_en(u32::from(max))),
            ),
            EmptyBallot => Message::new("Nie wybrano żadnego projektu.", "No project was chosen."),
            ResidenceNotDeclared => Message::new(
                "Potwierdź, że mieszkasz na terenie gminy.",
                "Confirm that you live in the gmina.",
            ),
        }
    }
}

/// Checks a ballot against the edition's rules and returns it normalised.
///
/// Errors that adding choices cannot fix come first (unknown, wrong or
/// duplicate projects, points, too many, over the pool, too many area
/// pools, in the ballot's order); then the too-few ones; then an empty
/// ballot; then the declaration of residence. So [`pool_state`]'s
/// `can_add` agrees with this function whatever the other pools hold.
/// A pool listed with no choice is skipped (not "too few").
pub fn check_ballot(
    s: &EditionSettings,
    pools: &[Pool],
    projects: &[Project],
    b: &BallotInput,
) -> Result<NormalBallot, BallotError> {
    let by_id: HashMap<i64, &Project> = projects.iter().map(|p| (p.id, p)).collect();
    let mut seen_pools = HashSet::new();
    let mut out = Vec::new();
    let mut area_pools = 0u32;
    for pc in &b.pools {
        let pool = pools.iter().find(|p| p.id == pc.pool).ok_or(BallotError::UnknownPool { pool: pc.pool })?;
        if !seen_pools.insert(pc.pool) {
            return Err(BallotError::DuplicatePool { pool: pc.pool });
        }
        let normal = check_pool_hard(s, pool, &by_id, pc)?;
        if !normal.projects.is_empty() {
            if pool.kind == PoolKind::Area {
                area_pools += 1;
            }
            out.push(normal);
        }
    }
    if area_pools > u32::from(s.area_pools_per_ballot) {
        return Err(BallotError::TooManyAreaPools { max: s.area_pools_per_ballot });
    }
    for pc in &out {
        check_pool_enough(s, pc)?;
    }
    if out.is_empty() {
        return Err(BallotError::EmptyBallot);
    }
    if s.declaration_of_residence && !b.residence_declared {
        return Err(BallotError::ResidenceNotDeclared);
    }
    out.sort_by_key(|p| p.pool);
    Ok(NormalBallot { pools: out })
}

/// One pool's choices against everything but the minimums; the choices
/// normalised (sorted by project id).
fn check_pool_hard(
    s: &EditionSettings,
    pool: &Pool,
    by_id: &HashMap<i64, &Project>,
    pc: &PoolChoice,
) -> Result<PoolChoice, BallotError> {
    let id = pool.id;
    let mut chosen = HashSet::with_capacity(pc.projects.len());
    let mut cost: i128 = 0;
    let mut points: u32 = 0;
    let mut normal = Vec::with_capacity(pc.projects.len());
    for (index, c) in pc.projects.iter().enumerate() {
        let project = by_id.get(&c.project).ok_or(BallotError::UnknownProject { pool: id, index })?;
        if project.pool != id {
            return Err(BallotError::WrongPool { pool: id, index });
        }
        if project.status != ProjectStatus::OnBallot {
            return Err(BallotError::ProjectNotOnBallot { pool: id, index });
        }
        if !chosen.insert(c.project) {
            return Err(BallotError::DuplicateProject { pool: id, index });
        }
        match s.voting {
            VotingRule::Cumulative { max_per_project, .. } => match c.points {
                Some(p) if p >= 1 && p <= max_per_project => points += u32::from(p),
                _ => return Err(BallotError::PointsPerProject { pool: id, index }),
            },
            VotingRule::Approval { .. } | VotingRule::Knapsack => {
                if c.points.is_some() {
                    return Err(BallotError::PointsPerProject { pool: id, index });
                }
            }
        }
        cost += i128::from(project.cost_grosze);
        normal.push(*c);
    }
    match s.voting {
        VotingRule::Approval { max, .. } if pc.projects.len() > usize::from(max) => {
            return Err(BallotError::TooMany { pool: id, max });
        }
        VotingRule::Knapsack if cost > i128::from(pool.amount_grosze) => {
            return Err(BallotError::OverPool { pool: id });
        }
        VotingRule::Cumulative { points: max, .. } if points > u32::from(max) => {
            return Err(BallotError::PointsSum { pool: id, points: max });
        }
        _ => {}
    }
    normal.sort_by_key(|c| c.project);
    Ok(PoolChoice { pool: id, projects: normal })
}

/// A pool with choices has enough of them.
fn check_pool_enough(s: &EditionSettings, pc: &PoolChoice) -> Result<(), BallotError> {
    let n = pc.projects.len();
    match s.voting {
        VotingRule::Approval { min, .. } if n < usize::from(min) => Err(BallotError::TooFew { pool: pc.pool, min }),
        VotingRule::Cumulative { min_projects, .. } if n < usize::from(min_projects) => {
            Err(BallotError::TooFewProjects { pool: pc.pool, min: min_projects })
        }
        _ => Ok(()),
    }
}

/// One pool of the ballot screen, as the resident picks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolPickState {
    pub pool: i64,
    /// Projects chosen in this pool.
    pub chosen: u32,
    /// The pool's amount less the chosen projects' costs (knapsack only:
    /// under the other rules the pool's amount does not limit a ballot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_grosze: Option<Grosze>,
    /// Points left to give (cumulative only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_points: Option<u16>,
    /// Projects (ids ascending) whose addition [`check_ballot`] would take
    /// (with 1 point under the cumulative rule): accepted, or refused only
    /// for something still incomplete ([`BallotError::is_incomplete`]).
    /// Empty while any pool of the ballot breaks a rule that adding cannot
    /// fix (that pool's `hint` says which).
    pub can_add: Vec<i64>,
    pub hint: PickHint,
}

/// What the screen says under a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "hint", rename_all = "snake_case")]
pub enum PickHint {
    /// Nothing chosen: the pool is skipped, which is allowed.
    Skipped,
    /// Nothing chosen here, and the ballot already has choices in as many
    /// area pools as allowed.
    AreaLimitReached { max: u8 },
    /// Choose `more` more projects (or none) for the pool to count.
    ChooseMore { more: u32 },
    /// The choices are valid and more may be added.
    MayAddMore,
    /// The choices are valid and nothing more can be added.
    Complete,
    /// The pool's choices break a rule.
    Invalid { error: BallotError },
}

impl PickHint {
    pub fn message(&self) -> Message {
        match *self {
            PickHint::Skipped => Message::new(
                "Nie wybrano projektów: ta pula zostanie pominięta.",
                "No project chosen: this pool will be skipped.",
            ),
            PickHint::AreaLimitReached { max } => Message::new(
                format!(
                    "Głosujesz już w {max} {}: aby głosować tutaj, usuń tamte wybory.",
                    if max == 1 { "puli obszarowej" } else { "pulach obszarowych" }
                ),
                format!("You already vote in {max} area pool{}: to vote here, clear those choices.", plural_en(u32::from(max))),
            ),
            PickHint::ChooseMore { more } => Message::new(
                format!("Wybierz jeszcze {more} {} albo usuń wybory z tej puli.", projects_pl(more)),
                format!("Choose {more} more project{}, or clear this pool.", plural_en(more)),
            ),
            PickHint::MayAddMore => Message::new("Możesz wybrać kolejne projekty.", "You may choose more projects."),
            PickHint::Complete => Message::new("Wybór w tej puli jest pełny.", "This pool's choice is complete."),
            PickHint::Invalid { error } => error.message(),
        }
    }
}

/// The ballot screen's state of `pool` for the ballot as it stands; `None`
/// for a pool the edition does not have. The choices are the first entry
/// of `b.pools` for the pool (a second one is a `DuplicatePool` error).
pub fn pool_state(
    s: &EditionSettings,
    pools: &[Pool],
    projects: &[Project],
    b: &BallotInput,
    pool: i64,
) -> Option<PoolPickState> {
    let the_pool = pools.iter().find(|p| p.id == pool)?;
    let empty = Vec::new();
    let choices = b.pools.iter().find(|p| p.pool == pool).map_or(&empty, |p| &p.projects);
    let chosen = choices.len();
    let by_id: HashMap<i64, &Project> = projects.iter().map(|p| (p.id, p)).collect();
    let cost: i128 = choices.iter().filter_map(|c| by_id.get(&c.project)).map(|p| i128::from(p.cost_grosze)).sum();
    let points: u32 = choices.iter().map(|c| u32::from(c.points.unwrap_or(0))).sum();
    let remaining = i128::from(the_pool.amount_grosze) - cost;
    let remaining_grosze = matches!(s.voting, VotingRule::Knapsack)
        .then(|| Grosze::try_from(remaining.max(0)).unwrap_or(Grosze::MAX));
    let remaining_points = match s.voting {
        VotingRule::Cumulative { points: max, .. } => {
            Some(u16::try_from(u32::from(max).saturating_sub(points)).unwrap_or(u16::MAX))
        }
        _ => None,
    };

    // Area pools with choices other than this one.
    let other_areas = b
        .pools
        .iter()
        .filter(|pc| pc.pool != pool && !pc.projects.is_empty())
        .filter(|pc| pools.iter().any(|p| p.id == pc.pool && p.kind == PoolKind::Area))
        .map(|pc| pc.pool)
        .collect::<HashSet<_>>()
        .len();
    let area_full = the_pool.kind == PoolKind::Area
        && chosen == 0
        && other_areas + 1 > usize::from(s.area_pools_per_ballot);

    // Whatever adding does, an error that cannot be fixed stays.
    let hard = check_hard(s, pools, projects, b);
    let room = match s.voting {
        VotingRule::Approval { max, .. } => Room::Count(usize::from(max).saturating_sub(chosen)),
        VotingRule::Knapsack => Room::Grosze(remaining),
        VotingRule::Cumulative { points: max, max_per_project, .. } => {
            Room::Count(if max_per_project >= 1 && points < u32::from(max) { usize::MAX } else { 0 })
        }
    };
    let can_add: Vec<i64> = if hard.is_err() || area_full {
        Vec::new()
    } else {
        let mut ids: Vec<i64> = projects
            .iter()
            .filter(|p| p.pool == pool && p.status == ProjectStatus::OnBallot)
            .filter(|p| !choices.iter().any(|c| c.project == p.id))
            .filter(|p| match room {
                Room::Count(n) => n > 0,
                Room::Grosze(left) => i128::from(p.cost_grosze) <= left,
            })
            .map(|p| p.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };

    // The pool's own problems: its choices alone, residence aside.
    let alone = BallotInput {
        identity: Default::default(),
        sms: None,
        residence_declared: true,
        pools: b.pools.iter().filter(|p| p.pool == pool).cloned().collect(),
    };
    let hint = if chosen == 0 {
        if area_full { PickHint::AreaLimitReached { max: s.area_pools_per_ballot } } else { PickHint::Skipped }
    } else {
        match check_ballot(s, pools, projects, &alone) {
            Err(BallotError::TooFew { min, .. } | BallotError::TooFewProjects { min, .. }) => {
                PickHint::ChooseMore { more: u32::from(min).saturating_sub(chosen as u32) }
            }
            Err(error) => PickHint::Invalid { error },
            Ok(_) if can_add.is_empty() => PickHint::Complete,
            Ok(_) => PickHint::MayAddMore,
        }
    };
    Some(PoolPickState {
        pool,
        chosen: u32::try_from(chosen).unwrap_or(u32::MAX),
        remaining_grosze,
        remaining_points,
        can_add,
        hint,
    })
}

enum Room {
    Count(usize),
    Grosze(i128),
}

/// `check_ballot` without the errors choosing more could fix.
fn check_hard(s: &EditionSettings, pools: &[Pool], projects: &[Project], b: &BallotInput) -> Result<(), BallotError> {
    match check_ballot(s, pools, projects, b) {
        Err(e) if !e.is_incomplete() => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::count::CountingRule;

    fn pool(id: i64, kind: PoolKind, amount: Grosze) -> Pool {
        Pool {
            id,
            kind,
            name: format!("pula {id}"),
            amount_grosze: amount,
            localities: vec![1],
            residents: 5000,
            signatures_required: 0,
            counting: CountingRule::Greedy { min_votes: 1 },
        }
    }

    fn project(id: i64, pool: i64, cost: Grosze) -> Project {
        Project {
            id,
            edition: 1,
            pool,
            number: Some(id as u32),
            title: format!("p{id}"),
            description: String::new(),
            cost_grosze: cost,
            category: None,
            location: None,
            photos: vec![],
            status: ProjectStatus::OnBallot,
            rejection_reason: None,
            history: vec![],
        }
    }

    fn ballot(pools: Vec<(i64, Vec<i64>)>) -> BallotInput {
        BallotInput {
            identity: Default::default(),
            sms: None,
            residence_declared: true,
            pools: pools
                .into_iter()
                .map(|(pool, ps)| PoolChoice { pool, projects: ps.into_iter().map(|project| Choice { project, points: None }).collect() })
                .collect(),
        }
    }

    #[test]
    fn a_pool_already_too_full_adds_nothing_and_says_why() {
        let s = EditionSettings { voting: VotingRule::Approval { min: 1, max: 1 }, ..Default::default() };
        let pools = [pool(1, PoolKind::GminaWide, 100_000)];
        let projects = [project(10, 1, 100), project(11, 1, 100), project(12, 1, 100)];
        let b = ballot(vec![(1, vec![10, 11])]);
        let st = pool_state(&s, &pools, &projects, &b, 1).unwrap();
        assert!(st.can_add.is_empty());
        assert_eq!(st.hint, PickHint::Invalid { error: BallotError::TooMany { pool: 1, max: 1 } });
        assert_eq!(BallotError::TooMany { pool: 1, max: 1 }.field(&b).as_deref(), Some("pools[0]"));
    }

    #[test]
    fn the_second_area_pool_is_closed_while_the_first_has_choices() {
        let s = EditionSettings::default();
        let pools = [pool(1, PoolKind::Area, 100_000), pool(2, PoolKind::Area, 100_000)];
        let projects = [project(10, 1, 100), project(20, 2, 100)];
        let b = ballot(vec![(1, vec![10])]);
        let st = pool_state(&s, &pools, &projects, &b, 2).unwrap();
        assert_eq!(st.hint, PickHint::AreaLimitReached { max: 1 });
        assert!(st.can_add.is_empty());
    }
}
