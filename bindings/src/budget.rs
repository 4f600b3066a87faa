//! The participatory budget (budżet obywatelski) across the boundary: the
//! records and the `MmCore` methods, one call per screen:
//!
//! | screen | call |
//! |---|---|
//! | editions and pools | `budget_refresh()` (online), `budget_editions()`, `budget_edition(id)` (offline) |
//! | projects, one project | `budget_projects(edition, pool)`, `budget_project(id)` |
//! | the ballot as it is picked | `budget_ballot(edition)`, `budget_toggle(edition, project)`, `budget_set_points`, `budget_clear` |
//! | review, identity, SMS | `budget_review(edition)`, `budget_request_sms(edition, identity, phone)` (online) |
//! | cast | `budget_cast(edition, identity, sms, residence_declared)` → queued or cast |
//! | my ballot, receipt | `budget_my_ballot(edition)` (offline), `budget_check_my_ballot(edition, receipt_code)` (online) |
//! | change a ballot | `budget_change_ballot(edition, identity, receipt_code)` (the draft's choices) |
//! | submit, sign, appeal | `budget_submit_project`, `budget_sign`, `budget_appeal`; `budget_writes`, `budget_write` |
//! | results | `budget_results(edition)` (`None` before publication) |
//!
//! Mapping only: the rule is enforced by the core at every pick (a refused
//! pick is `MmError::Server` with code `ballot_rule` and the reason); what
//! may be added, the hints, the phase and every text are the core's.
//! Instants are `_ms`, money `_grosze` beside its text.

use mm_core as core;
use mm_protocol::budget::model as pm;
use mm_protocol::budget::rules::PickHint;
use mm_protocol::budget::wire::SmsCodeIssued;

use crate::error::MmError;
use crate::object::{MmCore, all, one};
use crate::records::{GeoPoint, ms};

/// Where an edition stands, as of now (recomputed from its dates offline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BudgetPhase {
    Announced,
    Submission,
    Verification,
    Voting,
    Counting,
    Results,
}

impl From<pm::Phase> for BudgetPhase {
    fn from(p: pm::Phase) -> Self {
        match p {
            pm::Phase::Announced => BudgetPhase::Announced,
            pm::Phase::Submission => BudgetPhase::Submission,
            pm::Phase::Verification => BudgetPhase::Verification,
            pm::Phase::Voting => BudgetPhase::Voting,
            pm::Phase::Counting => BudgetPhase::Counting,
            pm::Phase::Results => BudgetPhase::Results,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BudgetPoolKind {
    GminaWide,
    Area,
}

impl From<pm::PoolKind> for BudgetPoolKind {
    fn from(k: pm::PoolKind) -> Self {
        match k {
            pm::PoolKind::GminaWide => BudgetPoolKind::GminaWide,
            pm::PoolKind::Area => BudgetPoolKind::Area,
        }
    }
}

/// How voters of an edition prove who they are: which fields the identity
/// form shows (names always; PESEL, or the address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BudgetIdentityMode {
    Pesel,
    NameAddress,
}

impl From<pm::IdentityMode> for BudgetIdentityMode {
    fn from(m: pm::IdentityMode) -> Self {
        match m {
            pm::IdentityMode::Pesel => BudgetIdentityMode::Pesel,
            pm::IdentityMode::NameAddress => BudgetIdentityMode::NameAddress,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BudgetProjectStatus {
    Submitted,
    UnderVerification,
    Rejected,
    Appealed,
    OnBallot,
    Selected,
    NotSelected,
}

impl From<pm::ProjectStatus> for BudgetProjectStatus {
    fn from(s: pm::ProjectStatus) -> Self {
        match s {
            pm::ProjectStatus::Submitted => BudgetProjectStatus::Submitted,
            pm::ProjectStatus::UnderVerification => BudgetProjectStatus::UnderVerification,
            pm::ProjectStatus::Rejected => BudgetProjectStatus::Rejected,
            pm::ProjectStatus::Appealed => BudgetProjectStatus::Appealed,
            pm::ProjectStatus::OnBallot => BudgetProjectStatus::OnBallot,
            pm::ProjectStatus::Selected => BudgetProjectStatus::Selected,
            pm::ProjectStatus::NotSelected => BudgetProjectStatus::NotSelected,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BudgetPhaseDates {
    pub submission_from_ms: i64,
    pub submission_to_ms: i64,
    pub verification_to_ms: i64,
    pub appeal_to_ms: i64,
    pub voting_from_ms: i64,
    pub voting_to_ms: i64,
}

impl From<pm::PhaseDates> for BudgetPhaseDates {
    fn from(d: pm::PhaseDates) -> Self {
        BudgetPhaseDates {
            submission_from_ms: ms(d.submission_from),
            submission_to_ms: ms(d.submission_to),
            verification_to_ms: ms(d.verification_to),
            appeal_to_ms: ms(d.appeal_to),
            voting_from_ms: ms(d.voting_from),
            voting_to_ms: ms(d.voting_to),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetPool {
    pub id: i64,
    pub name: String,
    pub kind: BudgetPoolKind,
    /// "ogólnogminna" / "obszarowa".
    pub kind_text: String,
    pub amount_grosze: i64,
    pub amount_text: String,
}

impl From<core::BudgetPool> for BudgetPool {
    fn from(p: core::BudgetPool) -> Self {
        BudgetPool {
            id: p.id,
            name: p.name,
            kind: p.kind.into(),
            kind_text: p.kind_text,
            amount_grosze: p.amount_grosze,
            amount_text: p.amount_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetEdition {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub phase: BudgetPhase,
    /// "Głosowanie do pt 30 maj 2026, 23:59".
    pub phase_text: String,
    pub dates: BudgetPhaseDates,
    pub voting_open: bool,
    /// Residents may propose projects now (`budget_submit_project`).
    pub submission_open: bool,
    pub results_published: bool,
    /// The voting rule in words ("Wybierz od 1 do 3 projektów.").
    pub rule_text: String,
    pub identity: BudgetIdentityMode,
    /// A code by SMS is needed to vote (the phone field and "Wyślij kod").
    pub sms_required: bool,
    /// The declaration of living in the gmina must be ticked.
    pub residence_required: bool,
    pub allow_change: bool,
    pub pools: Vec<BudgetPool>,
}

impl From<core::BudgetEdition> for BudgetEdition {
    fn from(e: core::BudgetEdition) -> Self {
        BudgetEdition {
            id: e.id,
            year: e.year,
            title: e.title,
            phase: e.phase.into(),
            phase_text: e.phase_text,
            dates: e.dates.into(),
            voting_open: e.voting_open,
            submission_open: e.submission_open,
            results_published: e.results_published,
            rule_text: e.rule_text,
            identity: e.identity.into(),
            sms_required: e.sms_required,
            residence_required: e.residence_required,
            allow_change: e.allow_change,
            pools: e.pools.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetEditions {
    /// Newest first.
    pub editions: Vec<BudgetEdition>,
    pub fetched_at_ms: Option<i64>,
    /// "Stan na …", or that nothing was fetched yet.
    pub fetched_text: String,
}

impl From<core::BudgetEditions> for BudgetEditions {
    fn from(e: core::BudgetEditions) -> Self {
        BudgetEditions {
            editions: e.editions.into_iter().map(Into::into).collect(),
            fetched_at_ms: e.fetched_at.map(ms),
            fetched_text: e.fetched_text,
        }
    }
}

/// Where a project is: a point (a bench) or an area (a park; rings of
/// points, the first the outline, the others holes).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum BudgetProjectLocation {
    Point { point: GeoPoint },
    Area { rings: Vec<Vec<GeoPoint>> },
}

impl From<pm::ProjectLocation> for BudgetProjectLocation {
    fn from(l: pm::ProjectLocation) -> Self {
        match l {
            pm::ProjectLocation::Point(p) => BudgetProjectLocation::Point { point: p.into() },
            pm::ProjectLocation::Area(poly) => BudgetProjectLocation::Area {
                rings: poly
                    .rings
                    .into_iter()
                    .map(|ring| ring.into_iter().map(|[lon, lat]| GeoPoint { lat, lon }).collect())
                    .collect(),
            },
        }
    }
}

/// One step of a project's way (published with it), oldest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetHistoryEntry {
    pub at_ms: i64,
    pub status: BudgetProjectStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BudgetProject {
    pub id: i64,
    pub edition: i64,
    pub pool: i64,
    pub pool_name: String,
    /// Its number on the ballot, once there.
    pub number: Option<u32>,
    pub title: String,
    pub description: String,
    pub cost_grosze: i64,
    pub cost_text: String,
    pub category: Option<String>,
    pub location: Option<BudgetProjectLocation>,
    /// Photo URLs on the server.
    pub photos: Vec<String>,
    /// The photos' files kept on the device (`budget_refresh` fetches
    /// them; a photo not fetched yet is not listed): what the screens show.
    pub photo_paths: Vec<String>,
    pub status: BudgetProjectStatus,
    pub status_text: String,
    pub rejection_reason: Option<String>,
    pub history: Vec<BudgetHistoryEntry>,
    /// In this edition's ballot draft.
    pub chosen: bool,
    /// "Poprzyj projekt" is offered: this device may sign it now.
    pub can_sign: bool,
    /// "Odwołaj się" is offered: this device proposed it, it was rejected,
    /// and the appeal time is open with no appeal sent from here.
    pub can_appeal: bool,
}

impl From<core::BudgetProject> for BudgetProject {
    fn from(p: core::BudgetProject) -> Self {
        let pr = p.project;
        BudgetProject {
            id: pr.id,
            edition: pr.edition,
            pool: pr.pool,
            pool_name: p.pool_name,
            number: pr.number,
            title: pr.title,
            description: pr.description,
            cost_grosze: pr.cost_grosze,
            cost_text: p.cost_text,
            category: pr.category,
            location: pr.location.map(Into::into),
            photos: pr.photos,
            photo_paths: p.photo_paths,
            status: pr.status.into(),
            status_text: p.status_text,
            rejection_reason: pr.rejection_reason,
            history: pr
                .history
                .into_iter()
                .map(|h| BudgetHistoryEntry { at_ms: ms(h.at), status: h.status.into(), note: h.note })
                .collect(),
            chosen: p.chosen,
            can_sign: p.can_sign,
            can_appeal: p.can_appeal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BudgetProjects {
    pub edition: i64,
    /// By pool and ballot number.
    pub projects: Vec<BudgetProject>,
    pub fetched_at_ms: Option<i64>,
    pub fetched_text: String,
}

impl From<core::BudgetProjects> for BudgetProjects {
    fn from(p: core::BudgetProjects) -> Self {
        BudgetProjects {
            edition: p.edition,
            projects: p.projects.into_iter().map(Into::into).collect(),
            fetched_at_ms: p.fetched_at.map(ms),
            fetched_text: p.fetched_text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotChoiceLine {
    pub project: i64,
    pub number: Option<u32>,
    pub title: String,
    pub cost_grosze: i64,
    pub cost_text: String,
    /// Cumulative rule only.
    pub points: Option<u16>,
}

impl From<core::BallotChoiceLine> for BallotChoiceLine {
    fn from(c: core::BallotChoiceLine) -> Self {
        BallotChoiceLine {
            project: c.project,
            number: c.number,
            title: c.title,
            cost_grosze: c.cost_grosze,
            cost_text: c.cost_text,
            points: c.points,
        }
    }
}

/// A pool's state as the resident picks (its words are `hint_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BallotHint {
    /// Nothing chosen: the pool is skipped, which is allowed.
    Skipped,
    /// Nothing chosen here, and as many area pools as allowed have choices.
    AreaLimitReached {
        max: u8,
    },
    /// Choose `more` more (or none) for the pool to count.
    ChooseMore {
        more: u32,
    },
    MayAddMore,
    /// Valid, and nothing more can be added.
    Complete,
    /// The choices break a rule (`hint_text` says which).
    Invalid,
}

impl From<PickHint> for BallotHint {
    fn from(h: PickHint) -> Self {
        match h {
            PickHint::Skipped => BallotHint::Skipped,
            PickHint::AreaLimitReached { max } => BallotHint::AreaLimitReached { max },
            PickHint::ChooseMore { more } => BallotHint::ChooseMore { more },
            PickHint::MayAddMore => BallotHint::MayAddMore,
            PickHint::Complete => BallotHint::Complete,
            PickHint::Invalid { .. } => BallotHint::Invalid,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotPool {
    pub pool: i64,
    pub name: String,
    pub amount_text: String,
    pub rule_text: String,
    pub chosen: Vec<BallotChoiceLine>,
    /// Knapsack only: the pool's amount less the chosen costs.
    pub remaining_grosze: Option<i64>,
    pub remaining_text: Option<String>,
    /// Cumulative only: points left to give.
    pub remaining_points: Option<u16>,
    /// Projects that may be added now (ids ascending): the others' buttons are off.
    pub can_add: Vec<i64>,
    pub hint: BallotHint,
    pub hint_text: String,
}

impl From<core::BallotPool> for BallotPool {
    fn from(p: core::BallotPool) -> Self {
        BallotPool {
            pool: p.pool,
            name: p.name,
            amount_text: p.amount_text,
            rule_text: p.rule_text,
            chosen: p.chosen.into_iter().map(Into::into).collect(),
            remaining_grosze: p.remaining_grosze,
            remaining_text: p.remaining_text,
            remaining_points: p.remaining_points,
            can_add: p.can_add,
            hint: p.hint.into(),
            hint_text: p.hint_text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CastState {
    /// In the outbox: sent when the server can be reached.
    Queued,
    /// Counted by the server: the receipt code is known.
    Cast,
    /// Refused for good (`error_code`, `error_text` say why).
    Refused,
}

impl From<core::CastState> for CastState {
    fn from(s: core::CastState) -> Self {
        match s {
            core::CastState::Queued => CastState::Queued,
            core::CastState::Cast => CastState::Cast,
            core::CastState::Refused => CastState::Refused,
        }
    }
}

/// My ballot of an edition: queued, cast with its receipt code, or refused.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MyBallotState {
    pub edition: i64,
    pub state: CastState,
    pub state_text: String,
    /// The code to check the vote with (once cast).
    pub receipt_code: Option<String>,
    pub cast_at_ms: Option<i64>,
    pub cast_text: Option<String>,
    pub choices: Vec<BallotChoiceLine>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    /// The server lets this ballot be changed now (known once it was asked:
    /// `budget_check_my_ballot`).
    pub may_change: bool,
    pub changed_at_ms: Option<i64>,
    pub changed_text: Option<String>,
    /// A change waiting in the outbox, or refused (its texts).
    pub change: Option<BudgetWrite>,
    /// When the server last told this device about its ballot.
    pub checked_at_ms: Option<i64>,
}

impl From<core::MyBallotState> for MyBallotState {
    fn from(m: core::MyBallotState) -> Self {
        MyBallotState {
            edition: m.edition,
            state: m.state.into(),
            state_text: m.state_text,
            receipt_code: m.receipt_code,
            cast_at_ms: m.cast_at.map(ms),
            cast_text: m.cast_text,
            choices: m.choices.into_iter().map(Into::into).collect(),
            error_code: m.error_code,
            error_text: m.error_text,
            may_change: m.may_change,
            changed_at_ms: m.changed_at.map(ms),
            changed_text: m.changed_text,
            change: m.change.map(Into::into),
            checked_at_ms: m.checked_at.map(ms),
        }
    }
}

/// What a budget write is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BudgetWriteKind {
    /// A project submitted by the resident.
    Project,
    /// A support signature under a submitted project.
    Signature,
    /// An appeal against a project's rejection.
    Appeal,
    /// New choices for a ballot already cast.
    Change,
}

impl From<core::BudgetWriteKind> for BudgetWriteKind {
    fn from(k: core::BudgetWriteKind) -> Self {
        match k {
            core::BudgetWriteKind::Project => BudgetWriteKind::Project,
            core::BudgetWriteKind::Signature => BudgetWriteKind::Signature,
            core::BudgetWriteKind::Appeal => BudgetWriteKind::Appeal,
            core::BudgetWriteKind::Change => BudgetWriteKind::Change,
        }
    }
}

/// Where a budget write stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WriteState {
    Queued,
    Done,
    Refused,
}

impl From<core::WriteState> for WriteState {
    fn from(s: core::WriteState) -> Self {
        match s {
            core::WriteState::Queued => WriteState::Queued,
            core::WriteState::Done => WriteState::Done,
            core::WriteState::Refused => WriteState::Refused,
        }
    }
}

/// A project submitted, a signature, an appeal or a ballot change, and
/// what became of it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetWrite {
    /// The device's id of the write (`budget_write`).
    pub id: i64,
    pub kind: BudgetWriteKind,
    pub kind_text: String,
    pub edition: Option<i64>,
    /// The project it is about (a submission's, once the server numbered it).
    pub project: Option<i64>,
    /// The project's title (a change: the edition's).
    pub title: String,
    pub state: WriteState,
    pub state_text: String,
    /// A submission's or an appeal's project status as the server answered.
    pub project_status: Option<BudgetProjectStatus>,
    /// A signature's: how many the project has now, and how many it needs.
    pub signatures: Option<u32>,
    pub signatures_required: Option<u32>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    pub created_at_ms: i64,
}

impl From<core::BudgetWrite> for BudgetWrite {
    fn from(w: core::BudgetWrite) -> Self {
        BudgetWrite {
            id: w.id,
            kind: w.kind.into(),
            kind_text: w.kind_text,
            edition: w.edition,
            project: w.project,
            title: w.title,
            state: w.state.into(),
            state_text: w.state_text,
            project_status: w.project_status.map(Into::into),
            signatures: w.signatures,
            signatures_required: w.signatures_required,
            error_code: w.error_code,
            error_text: w.error_text,
            created_at_ms: ms(w.created_at),
        }
    }
}

/// A resident's project. The contact reaches the office only: it is never
/// published nor shown back.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct BudgetProjectSubmission {
    pub pool: i64,
    pub title: String,
    pub description: String,
    /// The proposer's estimate, whole złoty in grosze.
    pub cost_grosze: i64,
    pub category: Option<String>,
    /// Where it would be.
    pub location: Option<GeoPoint>,
    /// Photos as picked (JPEG, PNG, HEIC…): the core normalises them (no metadata).
    pub photos: Vec<Vec<u8>>,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

// The contact is personal: never printed.
impl std::fmt::Debug for BudgetProjectSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BudgetProjectSubmission")
            .field("pool", &self.pool)
            .field("title", &self.title)
            .field("photos", &self.photos.len())
            .finish_non_exhaustive()
    }
}

impl From<BudgetProjectSubmission> for core::ProjectSubmission {
    fn from(p: BudgetProjectSubmission) -> Self {
        core::ProjectSubmission {
            pool: p.pool,
            title: p.title,
            description: p.description,
            cost_grosze: p.cost_grosze,
            category: p.category,
            location: p.location.map(Into::into),
            photos: p.photos,
            contact_name: p.contact_name,
            contact_email: p.contact_email,
            contact_phone: p.contact_phone,
        }
    }
}

/// The ballot screen: per pool the rule, what is chosen, what is left,
/// what may be added, the hint; what the identity form needs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotScreen {
    pub edition: i64,
    pub rule_text: String,
    pub pools: Vec<BallotPool>,
    /// Projects chosen over all pools.
    pub chosen: u32,
    pub voting_open: bool,
    pub identity: BudgetIdentityMode,
    pub sms_required: bool,
    pub residence_required: bool,
    /// What became of a cast of this edition from this device, if any.
    pub cast: Option<MyBallotState>,
}

impl From<core::BallotScreen> for BallotScreen {
    fn from(s: core::BallotScreen) -> Self {
        BallotScreen {
            edition: s.edition,
            rule_text: s.rule_text,
            pools: s.pools.into_iter().map(Into::into).collect(),
            chosen: s.chosen,
            voting_open: s.voting_open,
            identity: s.identity.into(),
            sms_required: s.sms_required,
            residence_required: s.residence_required,
            cast: s.cast.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotProblem {
    pub pool: Option<i64>,
    /// The ballot's field (`pools[i]`, `pools[i].projects[j]`).
    pub field: Option<String>,
    pub message_pl: String,
    pub message_en: String,
    /// In the resident's language.
    pub text: String,
}

impl From<core::BallotProblem> for BallotProblem {
    fn from(p: core::BallotProblem) -> Self {
        BallotProblem { pool: p.pool, field: p.field, message_pl: p.message.pl, message_en: p.message.en, text: p.text }
    }
}

/// The review before casting: `ok` when nothing in the choices stops it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BallotReview {
    pub edition: i64,
    pub ok: bool,
    pub problems: Vec<BallotProblem>,
    /// The pools with choices.
    pub pools: Vec<BallotPool>,
    pub voting_open: bool,
    pub identity: BudgetIdentityMode,
    pub sms_required: bool,
    pub residence_required: bool,
}

impl From<core::BallotReview> for BallotReview {
    fn from(r: core::BallotReview) -> Self {
        BallotReview {
            edition: r.edition,
            ok: r.ok,
            problems: r.problems.into_iter().map(Into::into).collect(),
            pools: r.pools.into_iter().map(Into::into).collect(),
            voting_open: r.voting_open,
            identity: r.identity.into(),
            sms_required: r.sms_required,
            residence_required: r.residence_required,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetProjectResult {
    pub project: i64,
    pub title: String,
    pub votes: u32,
    pub points: u32,
    pub cost_grosze: i64,
    pub cost_text: String,
    pub selected: bool,
}

impl From<core::BudgetProjectResult> for BudgetProjectResult {
    fn from(p: core::BudgetProjectResult) -> Self {
        BudgetProjectResult {
            project: p.project,
            title: p.title,
            votes: p.votes,
            points: p.points,
            cost_grosze: p.cost_grosze,
            cost_text: p.cost_text,
            selected: p.selected,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetPoolResult {
    pub pool: i64,
    pub name: String,
    pub ballots: u32,
    pub budget_grosze: i64,
    pub budget_text: String,
    pub spent_grosze: i64,
    pub spent_text: String,
    /// Selected first, then by votes.
    pub projects: Vec<BudgetProjectResult>,
    /// The count step by step, in the resident's language.
    pub trace: Vec<String>,
}

impl From<core::BudgetPoolResult> for BudgetPoolResult {
    fn from(p: core::BudgetPoolResult) -> Self {
        BudgetPoolResult {
            pool: p.pool,
            name: p.name,
            ballots: p.ballots,
            budget_grosze: p.budget_grosze,
            budget_text: p.budget_text,
            spent_grosze: p.spent_grosze,
            spent_text: p.spent_text,
            projects: p.projects.into_iter().map(Into::into).collect(),
            trace: p.trace,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetResults {
    pub edition: i64,
    pub published_at_ms: i64,
    pub pools: Vec<BudgetPoolResult>,
    pub fetched_at_ms: Option<i64>,
    pub fetched_text: String,
}

impl From<core::BudgetResults> for BudgetResults {
    fn from(r: core::BudgetResults) -> Self {
        BudgetResults {
            edition: r.edition,
            published_at_ms: ms(r.published_at),
            pools: r.pools.into_iter().map(Into::into).collect(),
            fetched_at_ms: r.fetched_at.map(ms),
            fetched_text: r.fetched_text,
        }
    }
}

/// Where the voter lives (name-and-address editions): a locality of the
/// gmina (`localities()`), the street (empty in a village without street
/// names), the house and the flat.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetAddress {
    pub locality: i64,
    pub street: String,
    pub house: String,
    pub flat: Option<String>,
}

impl std::fmt::Debug for BudgetAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BudgetAddress(***)")
    }
}

/// Who votes, as typed. Names always; `pesel` in PESEL editions, `address`
/// in name-and-address ones; `phone` when the edition sends SMS codes.
/// The core checks it (`invalid_identity` with the field) and keeps it
/// only in the outbox item until it is sent.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetIdentity {
    pub first_name: String,
    pub last_name: String,
    pub pesel: Option<String>,
    pub address: Option<BudgetAddress>,
    pub phone: Option<String>,
}

// Personal data: never printed, whole or in part.
impl std::fmt::Debug for BudgetIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BudgetIdentity(***)")
    }
}

impl From<BudgetIdentity> for pm::IdentityInput {
    fn from(i: BudgetIdentity) -> Self {
        pm::IdentityInput {
            first_name: i.first_name,
            last_name: i.last_name,
            pesel: i.pesel,
            address: i.address.map(|a| pm::Address {
                locality: a.locality,
                street: a.street,
                house: a.house,
                flat: a.flat,
            }),
            phone: i.phone,
        }
    }
}

/// The code from the SMS, with the request it answers.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetSmsProof {
    pub request_id: String,
    pub code: String,
}

impl std::fmt::Debug for BudgetSmsProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BudgetSmsProof").field("request_id", &self.request_id).field("code", &"***").finish()
    }
}

impl From<BudgetSmsProof> for pm::SmsProof {
    fn from(p: BudgetSmsProof) -> Self {
        pm::SmsProof { request_id: p.request_id, code: p.code }
    }
}

/// A code was sent: its request id (for `BudgetSmsProof`) and when it
/// stops being accepted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BudgetSmsRequest {
    pub request_id: String,
    pub expires_at_ms: i64,
}

impl From<SmsCodeIssued> for BudgetSmsRequest {
    fn from(s: SmsCodeIssued) -> Self {
        BudgetSmsRequest { request_id: s.request_id, expires_at_ms: ms(s.expires_at) }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MmCore {
    /// Fetches the editions, their projects and published results (online;
    /// sends the outbox first). Offline: `network`, the last copy stays.
    pub async fn budget_refresh(&self) -> Result<(), MmError> {
        Ok(self.core.budget().refresh().await?)
    }

    /// The editions as last fetched, newest first (offline).
    pub fn budget_editions(&self) -> Result<BudgetEditions, MmError> {
        one(self.core.budget().editions())
    }

    pub fn budget_edition(&self, id: i64) -> Result<BudgetEdition, MmError> {
        one(self.core.budget().edition(id))
    }

    /// An edition's projects (one pool's when `pool` is given), each with
    /// whether the draft has it.
    pub fn budget_projects(&self, edition: i64, pool: Option<i64>) -> Result<BudgetProjects, MmError> {
        one(self.core.budget().projects(edition, pool))
    }

    pub fn budget_project(&self, id: i64) -> Result<BudgetProject, MmError> {
        one(self.core.budget().project(id))
    }

    /// The file of a project's photo (`index` in `photos`): kept on the
    /// device, else fetched now from the gmina's server and kept.
    pub async fn budget_project_photo(&self, project: i64, index: u32) -> Result<String, MmError> {
        Ok(self.core.budget().project_photo(project, index).await?)
    }

    /// Published results as last fetched; `None` before publication.
    pub fn budget_results(&self, edition: i64) -> Result<Option<BudgetResults>, MmError> {
        Ok(self.core.budget().results(edition)?.map(Into::into))
    }

    /// The ballot screen of an edition (the draft, kept on the device).
    pub fn budget_ballot(&self, edition: i64) -> Result<BallotScreen, MmError> {
        one(self.core.budget().ballot(edition))
    }

    /// Adds a project to the draft, or removes it when chosen. A pick the
    /// rule refuses is `ballot_rule` with the reason; the draft stays.
    pub fn budget_toggle(&self, edition: i64, project: i64) -> Result<BallotScreen, MmError> {
        one(self.core.budget().toggle(edition, project))
    }

    /// Cumulative rule: `points` to a project (0 removes it).
    pub fn budget_set_points(&self, edition: i64, project: i64, points: u16) -> Result<BallotScreen, MmError> {
        one(self.core.budget().set_points(edition, project, points))
    }

    /// Empties the draft (`pool`: of one pool only).
    pub fn budget_clear(&self, edition: i64, pool: Option<i64>) -> Result<BallotScreen, MmError> {
        one(self.core.budget().clear(edition, pool))
    }

    /// The review before casting: the draft's problems in words.
    pub fn budget_review(&self, edition: i64) -> Result<BallotReview, MmError> {
        one(self.core.budget().review(edition))
    }

    /// Asks the server to text a one-time code to `phone` (online). The
    /// identity and the phone are checked first (`invalid_identity`).
    pub async fn budget_request_sms(
        &self,
        edition: i64,
        identity: BudgetIdentity,
        phone: String,
    ) -> Result<BudgetSmsRequest, MmError> {
        one(self.core.budget().request_sms(edition, identity.into(), &phone).await)
    }

    /// Casts the draft: checked first (`ballot_rule`, `invalid_identity`,
    /// `invalid_input` on `sms`), then queued in the outbox and sent at once
    /// when online. Offline: `queued`, sent by a later flush or sync. A
    /// final refusal is the server's error (`already_voted`, …).
    pub async fn budget_cast(
        &self,
        edition: i64,
        identity: BudgetIdentity,
        sms: Option<BudgetSmsProof>,
        residence_declared: bool,
    ) -> Result<MyBallotState, MmError> {
        one(self.core.budget().cast(edition, identity.into(), sms.map(Into::into), residence_declared).await)
    }

    /// What became of my ballot of an edition; `None`: not cast here.
    pub fn budget_my_ballot(&self, edition: i64) -> Result<Option<MyBallotState>, MmError> {
        Ok(self.core.budget().my_ballot(edition)?.map(Into::into))
    }

    /// Asks the server for my ballot (this device's, or the one
    /// `receipt_code` names) and keeps its answer: the receipt, the choices
    /// as counted, whether it may be changed. `None`: the server has none.
    /// Offline: `network` (`budget_my_ballot` still shows what is known).
    pub async fn budget_check_my_ballot(
        &self,
        edition: i64,
        receipt_code: Option<String>,
    ) -> Result<Option<MyBallotState>, MmError> {
        Ok(self.core.budget().check_my_ballot(edition, receipt_code).await?.map(Into::into))
    }

    /// Changes a ballot already cast to the draft's choices (while the
    /// edition allows it and voting is open); the identity as for the cast;
    /// `receipt_code` names a ballot cast on another device.
    pub async fn budget_change_ballot(
        &self,
        edition: i64,
        identity: BudgetIdentity,
        receipt_code: Option<String>,
    ) -> Result<MyBallotState, MmError> {
        one(self.core.budget().change_ballot(edition, identity.into(), receipt_code).await)
    }

    /// Submits a project (submission phase only), through the outbox.
    pub async fn budget_submit_project(
        &self,
        edition: i64,
        project: BudgetProjectSubmission,
    ) -> Result<BudgetWrite, MmError> {
        one(self.core.budget().submit_project(edition, project.into()).await)
    }

    /// Signs a submitted project (support signatures), once from this device.
    pub async fn budget_sign(
        &self,
        project: i64,
        identity: BudgetIdentity,
        sms: Option<BudgetSmsProof>,
        residence_declared: bool,
    ) -> Result<BudgetWrite, MmError> {
        one(self.core.budget().sign(project, identity.into(), sms.map(Into::into), residence_declared).await)
    }

    /// Appeals against a project's rejection (the proposer's device, until `appeal_to`).
    pub async fn budget_appeal(&self, project: i64, text: String) -> Result<BudgetWrite, MmError> {
        one(self.core.budget().appeal(project, &text).await)
    }

    /// My submissions, signatures, appeals and changes, newest first (of one edition when given).
    pub fn budget_writes(&self, edition: Option<i64>) -> Result<Vec<BudgetWrite>, MmError> {
        all(self.core.budget().writes(edition))
    }

    pub fn budget_write(&self, id: i64) -> Result<BudgetWrite, MmError> {
        one(self.core.budget().write(id))
    }
}
