//! What the participatory budget (budżet obywatelski, issue 15,
//! `docs/plans/issue-15.md` §2.1) stores of its editions, pools and
//! projects (`migrations/sqlite/0015_budget.sql`): the dated phases and the
//! council's settings, the pools, projects with their public history, the
//! residents' support signatures, the department's verification and the
//! appeals, the lot and the counts, and the publication of the results.
//! Ballots and the one-vote register are the ballot store's.
//!
//! Every call is scoped to the handle's gmina (`Store::for_gmina`): another
//! gmina's edition or project is `NotFound`, read or written. Every
//! official's write (`actor`) writes the audit log in the same transaction,
//! with ids only (`budget.edition|pool|verify|appeal|lot|count|publish`);
//! a project's status moves only as [`ProjectStatus::may_move`] allows,
//! each move with its history row in that transaction too.
//!
//! Not yet published to the sync log: the `Collection` variants
//! (`BudgetEditions`, `BudgetProjects`, `BudgetResults`) come with the
//! budget's core work, and the publication will then join these same
//! transactions. Until then residents read editions and projects through
//! the API only.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mm_protocol::budget::count::{CountOutcome, CountingRule, TraceStep};
use mm_protocol::budget::model::{
    BallotChannel, Edition, EditionSettings, PhaseDates, Pool, PoolKind, Project, ProjectLocation, ProjectStatus,
};
use mm_protocol::taxes::Grosze;
use serde::{Deserialize, Serialize};

use super::{Actor, IdempotencyKey, StoreError, StoreResult, StoredResponse};

/// A new edition, as an official sets it up (validated by the caller with
/// `PhaseDates::validate` and `validate_settings`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEdition {
    pub year: i32,
    pub title: String,
    pub dates: PhaseDates,
    pub settings: EditionSettings,
}

/// Which projects to list, in id order.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub edition: Option<i64>,
    pub pool: Option<i64>,
    /// Empty: every status.
    pub statuses: Vec<ProjectStatus>,
    /// Only the projects this device submitted (the proposer's own list).
    pub proposer_device: Option<String>,
}

/// A project a resident submits from a device (checked by the caller:
/// whole złoty with `validate_amount`, text lengths).
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    pub edition: i64,
    pub pool: i64,
    pub title: String,
    pub description: String,
    pub cost_grosze: Grosze,
    pub category: Option<String>,
    pub location: Option<ProjectLocation>,
    pub photos: Vec<String>,
    /// How the department reaches the proposer; never published.
    pub contact: Option<ProposerContact>,
}

/// The proposer's name and means of contact, for the department only.
/// Personal data: `Debug` prints `***`, never published, never in the
/// audit log, cleared by [`BudgetStore::purge_budget`].
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProposerContact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl fmt::Debug for ProposerContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProposerContact(***)")
    }
}

/// What only officials see of a project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectPrivate {
    pub proposer_device: Option<String>,
    pub contact: Option<ProposerContact>,
    pub verification: Option<VerificationRecord>,
    /// The proposer's appeal, as written (officials only: it may name people).
    pub appeal: Option<String>,
    pub signatures: u32,
}

/// The department's assessment (art. 5a ust. 7 pkt 2 u.s.g.: legality,
/// feasibility, formal compliance) and its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub legal: bool,
    pub feasible: bool,
    /// The officials' estimate of the cost (whole złoty); it becomes the
    /// project's cost when the project goes on the ballot.
    pub estimate_grosze: Option<Grosze>,
    /// The department that assessed it.
    pub department: Option<String>,
    pub decision: Decision,
}

/// What a verification decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Only takes the project into verification (`UnderVerification`),
    /// keeping the assessment so far.
    Review,
    /// On the ballot: numbered then.
    OnBallot,
    /// Rejected, with the reason published with the project.
    Reject { reason: String },
}

/// The assessment as stored (`budget_projects.verification`, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VerificationRecord {
    pub legal: bool,
    pub feasible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_grosze: Option<Grosze>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The proposer's appeal text (private), set by `appeal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<String>,
}

/// What `submit_project` did: made the project, or found the retried
/// key's first answer (the project as it was created, as JSON).
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    New(Project),
    Replayed(StoredResponse),
}

/// A pool's count to store (`budget::count`, WP4): the rule, the SHA-256 of
/// its input, the outcome with its trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCount {
    pub edition: i64,
    pub pool: i64,
    pub rule: CountingRule,
    pub input_sha256: String,
    pub outcome: CountOutcome,
}

/// A stored count (`outcome.trace` is the stored trace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCount {
    pub id: i64,
    pub edition: i64,
    pub pool: i64,
    pub rule: CountingRule,
    pub input_sha256: String,
    pub outcome: CountOutcome,
    pub counted_by: String,
    pub counted_at: DateTime<Utc>,
}

/// The tie-break order drawn for a pool before counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// Project ids, first wins a tie.
    pub order: Vec<i64>,
    pub drawn_by: String,
    pub drawn_at: DateTime<Utc>,
}

#[async_trait]
pub trait BudgetStore: Send + Sync {
    /// The gmina's editions, newest year first, with `phase` at `now`.
    async fn editions(&self, now: DateTime<Utc>) -> StoreResult<Vec<Edition>>;
    async fn edition(&self, id: i64, now: DateTime<Utc>) -> StoreResult<Option<Edition>>;
    /// Audited (`budget.edition`). The edition starts with no pool.
    async fn create_edition(&self, actor: Actor, edition: NewEdition, now: DateTime<Utc>) -> StoreResult<Edition>;
    /// Replaces title, dates and settings; `Conflict::EditionLocked` once
    /// voting has started (the stored `voting_from` ≤ `now`). Audited.
    async fn update_edition(
        &self,
        actor: Actor,
        id: i64,
        title: String,
        dates: PhaseDates,
        settings: EditionSettings,
        now: DateTime<Utc>,
    ) -> StoreResult<Edition>;
    /// Adds a pool (`pool.id == 0`) or replaces one of the edition;
    /// `Conflict::EditionLocked` once voting has started. Audited
    /// (`budget.pool`). Returns the pool as stored.
    async fn upsert_pool(&self, actor: Actor, edition: i64, pool: Pool, now: DateTime<Utc>) -> StoreResult<Pool>;

    /// Projects with their history, in id order.
    async fn projects(&self, filter: ProjectFilter) -> StoreResult<Vec<Project>>;
    /// A project, and what only officials see of it.
    async fn project(&self, id: i64) -> StoreResult<Option<(Project, ProjectPrivate)>>;
    /// A resident's project from `device`, during the submission phase
    /// (`Conflict::PhaseClosed` otherwise), or the first answer of a
    /// retried key (`IdempotencyConflict` for the key with another
    /// request). `UnknownReference{pool}` for a pool not of the edition.
    async fn submit_project(
        &self,
        device: &str,
        project: NewProject,
        idempotency: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> StoreResult<Submitted>;
    /// A resident's support signature (`signer_key`: the HMAC of the
    /// normalised identity, as a voter key), while the project is submitted
    /// or under verification (`Conflict::PhaseClosed` after).
    /// `Conflict::AlreadySigned` for the same signer twice. Returns the
    /// project's signatures.
    async fn add_signature(
        &self,
        project: i64,
        signer_key: Vec<u8>,
        channel: BallotChannel,
        now: DateTime<Utc>,
    ) -> StoreResult<u32>;
    /// The department's assessment and decision (audited `budget.verify`).
    /// From `Submitted` the project passes through `UnderVerification`
    /// (two history rows). On the ballot: the estimate becomes the cost,
    /// the project takes the edition's next ballot number, and
    /// `Conflict::NotEnoughSignatures` while its pool requires more.
    /// `Conflict::ProjectStatus` for a move `may_move` refuses;
    /// `Conflict::DecisionClosed` from the edition's `verification_to` on
    /// ([`decision_closed`]), nothing written.
    async fn verify_project(
        &self,
        actor: Actor,
        id: i64,
        verification: Verification,
        now: DateTime<Utc>,
    ) -> StoreResult<Project>;
    /// The proposer's appeal against a rejection, before the edition's
    /// `appeal_to` (`Conflict::PhaseClosed` after); `NotFound` from any
    /// other device. The text stays private. One appeal per project
    /// (issue 15 §7: the decision on the appeal against not admitting a
    /// project, art. 5a ust. 7 pkt 2, is final): a project rejected again
    /// after its appeal is `Conflict::ProjectStatus` ([`appealed_before`]),
    /// though `may_move` alone would allow it.
    async fn appeal(&self, device: &str, id: i64, text: String, now: DateTime<Utc>) -> StoreResult<Project>;
    /// Accepts an appeal (on the ballot, numbered) or refuses it (rejected
    /// again, `reason` published). Audited (`budget.appeal`).
    /// `Conflict::DecisionClosed` from the edition's `voting_from` on
    /// ([`decision_closed`]), nothing written.
    async fn decide_appeal(
        &self,
        actor: Actor,
        id: i64,
        accept: bool,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<Project>;

    /// Stores the tie-break order of a pool, once (`Conflict::LotDrawn`);
    /// `order` must name each project on the pool's ballot once
    /// (`UnknownReference{order}` otherwise). Audited (`budget.lot`).
    async fn draw_lot(&self, actor: Actor, edition: i64, pool: i64, order: Vec<i64>, now: DateTime<Utc>)
    -> StoreResult<Lot>;
    async fn lot(&self, edition: i64, pool: i64) -> StoreResult<Option<Lot>>;
    /// Stores a count of a pool (recounts add rows: the latest counts),
    /// after `voting_to` (`Conflict::PhaseClosed` before) and before the
    /// results are published (`Conflict::ResultsPublished`). Audited
    /// (`budget.count`). Returns the count's id.
    async fn save_count(&self, actor: Actor, count: PoolCount, now: DateTime<Utc>) -> StoreResult<i64>;
    async fn latest_count(&self, edition: i64, pool: i64) -> StoreResult<Option<StoredCount>>;
    /// Publishes the results: every on-ballot project becomes `Selected` or
    /// `NotSelected` by its pool's latest count, with a history row, and
    /// the edition's `published_at` is set; audited (`budget.publish`).
    /// `Conflict::NotCounted` unless every pool of the edition has a count,
    /// `Conflict::PhaseClosed` before `voting_to`,
    /// `Conflict::ResultsPublished` the second time.
    async fn publish_results(&self, actor: Actor, edition: i64, now: DateTime<Utc>) -> StoreResult<Edition>;

    /// Deployment-wide (every gmina, as `maintenance`): clears the
    /// proposers' contact data and devices of editions whose `voting_to`
    /// lies more than their `retention_years` before `now` (R§3 RODO,
    /// category B5); the projects stay. Returns the projects cleared.
    async fn purge_budget(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// The end of an edition's retention: `voting_to` plus `retention_years`.
pub fn retention_end(dates: &PhaseDates, settings: &EditionSettings) -> DateTime<Utc> {
    let years = u32::from(settings.retention_years);
    dates.voting_to.checked_add_months(chrono::Months::new(12 * years)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether voting has started: from then on an edition and its pools stay
/// as they are (the ballot must not change under the voters).
pub fn edition_locked(dates: &PhaseDates, now: DateTime<Utc>) -> bool {
    now >= dates.voting_from
}

/// A decision of the department that keeps to the edition's dates (the
/// council's resolution sets them, art. 5a ust. 7 pkt 2 u.s.g.).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deciding {
    /// Into verification, on the ballot or rejected: until
    /// `verification_to` (the list of admitted projects is due then, and
    /// the appeal window counts from it; deciding early, while submission
    /// runs, shortens nobody's time).
    Verification,
    /// Upheld or dismissed: until `voting_from` (an appeal may come until
    /// `appeal_to`, so one lodged on the last day must still be
    /// decidable; from the vote on the ballot is fixed).
    Appeal,
}

/// The one rule for both the store and the back office's early refusal:
/// when `what` stopped being decidable, or `None` while it still is at
/// `now`. The store refuses with `Conflict::DecisionClosed` naming it.
pub fn decision_closed(dates: &PhaseDates, what: Deciding, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let until = match what {
        Deciding::Verification => dates.verification_to,
        Deciding::Appeal => dates.voting_from,
    };
    (now >= until).then_some(until)
}

/// [`decision_closed`] as the store's refusal.
pub fn check_decision_open(dates: &PhaseDates, what: Deciding, now: DateTime<Utc>) -> StoreResult<()> {
    match decision_closed(dates, what, now) {
        Some(until) => Err(StoreError::Conflict(super::Conflict::DecisionClosed { decision: what, until })),
        None => Ok(()),
    }
}

/// A project status as `budget_projects.status` and the history hold it
/// (its serde name).
pub fn status_name(s: ProjectStatus) -> &'static str {
    match s {
        ProjectStatus::Submitted => "submitted",
        ProjectStatus::UnderVerification => "under_verification",
        ProjectStatus::Rejected => "rejected",
        ProjectStatus::Appealed => "appealed",
        ProjectStatus::OnBallot => "on_ballot",
        ProjectStatus::Selected => "selected",
        ProjectStatus::NotSelected => "not_selected",
    }
}

pub fn parse_status(s: &str) -> StoreResult<ProjectStatus> {
    Ok(match s {
        "submitted" => ProjectStatus::Submitted,
        "under_verification" => ProjectStatus::UnderVerification,
        "rejected" => ProjectStatus::Rejected,
        "appealed" => ProjectStatus::Appealed,
        "on_ballot" => ProjectStatus::OnBallot,
        "selected" => ProjectStatus::Selected,
        "not_selected" => ProjectStatus::NotSelected,
        other => return Err(StoreError::backend(format!("unknown project status {other:?}"))),
    })
}

pub fn kind_name(k: PoolKind) -> &'static str {
    match k {
        PoolKind::GminaWide => "gmina_wide",
        PoolKind::Area => "area",
    }
}

pub fn parse_kind(s: &str) -> StoreResult<PoolKind> {
    match s {
        "gmina_wide" => Ok(PoolKind::GminaWide),
        "area" => Ok(PoolKind::Area),
        other => Err(StoreError::backend(format!("unknown pool kind {other:?}"))),
    }
}

pub fn channel_name(c: BallotChannel) -> &'static str {
    match c {
        BallotChannel::Online => "online",
        BallotChannel::Paper => "paper",
    }
}

/// The moves one verification makes, each allowed by `may_move`, or
/// `Conflict::ProjectStatus`.
pub fn verification_moves(from: ProjectStatus, decision: &Decision) -> StoreResult<Vec<ProjectStatus>> {
    let target = match decision {
        Decision::Review => ProjectStatus::UnderVerification,
        Decision::OnBallot => ProjectStatus::OnBallot,
        Decision::Reject { .. } => ProjectStatus::Rejected,
    };
    let moves = if from == ProjectStatus::Submitted && target != ProjectStatus::UnderVerification {
        vec![ProjectStatus::UnderVerification, target]
    } else {
        vec![target]
    };
    let mut at = from;
    for &to in &moves {
        if !ProjectStatus::may_move(at, to) {
            return Err(StoreError::Conflict(super::Conflict::ProjectStatus));
        }
        at = to;
    }
    Ok(moves)
}

/// Whether the project was appealed once already: its history holds an
/// `Appealed` step. `ProjectStatus::may_move` allows rejected → appealed
/// after every rejection; the store allows it once.
pub fn appealed_before(project: &Project) -> bool {
    project.history.iter().any(|h| h.status == ProjectStatus::Appealed)
}

/// The outcome as `budget_counts.outcome` holds it (the trace has its own
/// column).
pub fn split_outcome(outcome: &CountOutcome) -> StoreResult<(String, String)> {
    let trace = serde_json::to_string(&outcome.trace)?;
    let bare = CountOutcome { trace: Vec::new(), ..outcome.clone() };
    Ok((serde_json::to_string(&bare)?, trace))
}

pub fn join_outcome(outcome: &str, trace: &str) -> StoreResult<CountOutcome> {
    let mut o: CountOutcome = serde_json::from_str(outcome)?;
    o.trace = serde_json::from_str::<Vec<TraceStep>>(trace)?;
    Ok(o)
}

/// The lot must name each on-ballot project of the pool exactly once.
pub fn lot_matches(order: &[i64], on_ballot: &[i64]) -> bool {
    let mut a = order.to_vec();
    let mut b = on_ballot.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a.len() == order.len() && a.windows(2).all(|w| w[0] != w[1]) && a == b
}

/// The idempotency scope of a submitted project.
pub const SUBMIT_SCOPE: &str = "budget_projects";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_by_their_serde_names() {
        use ProjectStatus::*;
        for s in [Submitted, UnderVerification, Rejected, Appealed, OnBallot, Selected, NotSelected] {
            assert_eq!(parse_status(status_name(s)).unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), status_name(s));
        }
    }

    #[test]
    fn verification_from_submitted_passes_through_review() {
        use ProjectStatus::*;
        assert_eq!(verification_moves(Submitted, &Decision::OnBallot).unwrap(), vec![UnderVerification, OnBallot]);
        assert_eq!(verification_moves(UnderVerification, &Decision::OnBallot).unwrap(), vec![OnBallot]);
        assert!(verification_moves(OnBallot, &Decision::Reject { reason: "x".into() }).is_err());
        assert!(verification_moves(Rejected, &Decision::OnBallot).is_err());
    }

    #[test]
    fn contact_is_redacted() {
        let c = ProposerContact { name: "Anna Nowak".into(), email: Some("a@x.pl".into()), phone: None };
        assert!(!format!("{c:?}").contains("Anna"));
    }

    #[test]
    fn a_lot_names_each_project_once() {
        assert!(lot_matches(&[3, 1, 2], &[1, 2, 3]));
        assert!(!lot_matches(&[1, 1, 2], &[1, 2, 3]));
        assert!(!lot_matches(&[1, 2], &[1, 2, 3]));
        assert!(!lot_matches(&[1, 2, 4], &[1, 2, 3]));
    }
}
