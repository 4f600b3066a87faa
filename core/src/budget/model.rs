//! What `core.budget()` hands the shells: amounts in grosze beside their
//! texts, phases and rules in words, the ballot screen with what may still
//! be added, so Kotlin and Swift decide nothing about the rules.

use chrono::{DateTime, Utc};
use mm_protocol::budget::model::{IdentityMode, Phase, PhaseDates, PoolKind, Project, ProjectStatus};
use mm_protocol::budget::rules::PickHint;
use mm_protocol::error::Message;
use serde::{Deserialize, Serialize};

use crate::display::Language;

/// The editions screen (`mm budget`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetEditions {
    /// Newest first.
    pub editions: Vec<BudgetEdition>,
    /// When the list was last fetched (`None`: never).
    pub fetched_at: Option<DateTime<Utc>>,
    /// "Stan na …", or that nothing was fetched yet.
    pub fetched_text: String,
}

/// One edition, its phase as of now (recomputed from its dates offline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetEdition {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub phase: Phase,
    /// "Głosowanie do pt 30 maj 2026, 23:59".
    pub phase_text: String,
    pub dates: PhaseDates,
    pub voting_open: bool,
    /// Residents may propose projects now (`submit_project`).
    pub submission_open: bool,
    pub results_published: bool,
    /// The voting rule in words ("Wybierz od 1 do 3 projektów.").
    pub rule_text: String,
    pub identity: IdentityMode,
    /// A code by SMS is needed to vote.
    pub sms_required: bool,
    pub residence_required: bool,
    pub allow_change: bool,
    pub pools: Vec<BudgetPool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetPool {
    pub id: i64,
    pub name: String,
    pub kind: PoolKind,
    /// "ogólnogminna" / "obszarowa".
    pub kind_text: String,
    pub amount_grosze: i64,
    pub amount_text: String,
}

/// An edition's projects (`mm budget projects`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetProjects {
    pub edition: i64,
    pub projects: Vec<BudgetProject>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub fetched_text: String,
}

/// One project, as fetched, with its texts and whether the draft has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetProject {
    pub project: Project,
    pub pool_name: String,
    pub cost_text: String,
    pub status_text: String,
    /// In this edition's ballot draft.
    pub chosen: bool,
    /// This device may support it with a signature now (`sign` would not
    /// refuse it before looking at the signer).
    pub can_sign: bool,
    /// This device proposed it, it was rejected, and the appeal time is
    /// open with no appeal sent from here (`appeal`).
    pub can_appeal: bool,
    /// The files of its photos kept on the device (`refresh` fetches
    /// them, `project_photo` one on demand), in the order of
    /// `project.photos`; a photo not fetched yet is not listed.
    pub photo_paths: Vec<String>,
}

/// The ballot as the resident picks (`ballot`, `toggle`, `set_points`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BallotScreen {
    pub edition: i64,
    pub rule_text: String,
    pub pools: Vec<BallotPool>,
    /// Projects chosen over all pools.
    pub chosen: u32,
    pub voting_open: bool,
    pub identity: IdentityMode,
    pub sms_required: bool,
    pub residence_required: bool,
    /// What became of a cast of this edition, if one was made.
    pub cast: Option<MyBallotState>,
}

/// One pool of the ballot screen (`rules::pool_state`, with texts).
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Projects that may be added now (ids ascending).
    pub can_add: Vec<i64>,
    pub hint: PickHint,
    pub hint_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BallotChoiceLine {
    pub project: i64,
    pub number: Option<u32>,
    pub title: String,
    pub cost_grosze: i64,
    pub cost_text: String,
    pub points: Option<u16>,
}

/// The review before casting (`review`): the problems `check_ballot` and
/// each pool's state find, in the resident's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BallotReview {
    pub edition: i64,
    /// Nothing stops casting (but the identity, the SMS code and the
    /// declaration of residence, which the cast itself asks for).
    pub ok: bool,
    pub problems: Vec<BallotProblem>,
    /// The pools with choices.
    pub pools: Vec<BallotPool>,
    pub voting_open: bool,
    pub identity: IdentityMode,
    pub sms_required: bool,
    pub residence_required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BallotProblem {
    /// The pool it is about, if one.
    pub pool: Option<i64>,
    /// The ballot's field (`pools[i]`, `pools[i].projects[j]`).
    pub field: Option<String>,
    pub message: Message,
    /// `message` in the resident's language.
    pub text: String,
}

/// Where a cast stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CastState {
    /// In the outbox: sent when the server can be reached.
    Queued,
    /// The server counted it: the receipt code is known.
    Cast,
    /// The server refused it for good (`error_code` says why).
    Refused,
}

impl CastState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CastState::Queued => "queued",
            CastState::Cast => "cast",
            CastState::Refused => "refused",
        }
    }

    pub(crate) fn parse(s: &str) -> CastState {
        match s {
            "cast" => CastState::Cast,
            "refused" => CastState::Refused,
            _ => CastState::Queued,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match self {
            CastState::Queued => lang.pick(
                "Głos czeka na wysłanie (zostanie wysłany po połączeniu z serwerem).",
                "The vote waits to be sent (it goes once the server can be reached).",
            ),
            CastState::Cast => lang.pick("Głos oddany.", "Vote cast."),
            CastState::Refused => lang.pick("Głos nie został przyjęty.", "The vote was not accepted."),
        }
    }
}

/// My ballot of an edition (`my_ballot`, `cast`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MyBallotState {
    pub edition: i64,
    pub state: CastState,
    pub state_text: String,
    /// The code to check the vote with (once cast).
    pub receipt_code: Option<String>,
    pub cast_at: Option<DateTime<Utc>>,
    pub cast_text: Option<String>,
    pub choices: Vec<BallotChoiceLine>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    /// The server lets this ballot be changed now (the edition allows it
    /// and voting is open); known once the server was asked.
    pub may_change: bool,
    pub changed_at: Option<DateTime<Utc>>,
    pub changed_text: Option<String>,
    /// A change waiting in the outbox, or refused (its texts).
    pub change: Option<BudgetWrite>,
    /// When the server last told this device about its ballot.
    pub checked_at: Option<DateTime<Utc>>,
}

/// What a budget write is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl BudgetWriteKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BudgetWriteKind::Project => "project",
            BudgetWriteKind::Signature => "signature",
            BudgetWriteKind::Appeal => "appeal",
            BudgetWriteKind::Change => "change",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<BudgetWriteKind> {
        [BudgetWriteKind::Project, BudgetWriteKind::Signature, BudgetWriteKind::Appeal, BudgetWriteKind::Change]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub(crate) fn outbox_kind(self) -> crate::outbox::Kind {
        use crate::outbox::Kind;
        match self {
            BudgetWriteKind::Project => Kind::BudgetProject,
            BudgetWriteKind::Signature => Kind::BudgetSignature,
            BudgetWriteKind::Appeal => Kind::BudgetAppeal,
            BudgetWriteKind::Change => Kind::BudgetBallotChange,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match self {
            BudgetWriteKind::Project => lang.pick("zgłoszenie projektu", "project submission"),
            BudgetWriteKind::Signature => lang.pick("podpis poparcia", "support signature"),
            BudgetWriteKind::Appeal => lang.pick("odwołanie", "appeal"),
            BudgetWriteKind::Change => lang.pick("zmiana głosu", "ballot change"),
        }
    }
}

/// Where a budget write stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteState {
    /// In the outbox: sent when the server can be reached.
    Queued,
    /// The server took it.
    Done,
    /// The server refused it for good (`error_code` says why).
    Refused,
}

impl WriteState {
    pub(crate) fn parse(s: &str) -> WriteState {
        match s {
            "done" => WriteState::Done,
            "refused" => WriteState::Refused,
            _ => WriteState::Queued,
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match self {
            WriteState::Queued => lang.pick(
                "Czeka na wysłanie (zostanie wysłane po połączeniu z serwerem).",
                "Waiting to be sent (it goes once the server can be reached).",
            ),
            WriteState::Done => lang.pick("Przyjęte przez urząd.", "Accepted by the office."),
            WriteState::Refused => lang.pick("Nie zostało przyjęte.", "Not accepted."),
        }
    }
}

/// A project submitted, a signature, an appeal or a ballot change, and
/// what became of it (`submit_project`, `sign`, `appeal`, `change_ballot`,
/// `writes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetWrite {
    /// The device's id of the write.
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
    pub project_status: Option<ProjectStatus>,
    /// A signature's: how many the project has now, and how many it needs.
    pub signatures: Option<u32>,
    pub signatures_required: Option<u32>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A resident's project (`submit_project`). The contact reaches the office
/// only: it is never published nor shown back.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSubmission {
    pub pool: i64,
    pub title: String,
    pub description: String,
    /// The proposer's estimate, whole złoty in grosze.
    pub cost_grosze: i64,
    pub category: Option<String>,
    /// Where it would be (a point on the map).
    pub location: Option<mm_protocol::geo::GeoPoint>,
    /// Photos as picked (JPEG, PNG, HEIC…): normalised (no metadata) and
    /// kept until sent.
    pub photos: Vec<Vec<u8>>,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

/// Published results (`results`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetResults {
    pub edition: i64,
    pub published_at: DateTime<Utc>,
    pub pools: Vec<BudgetPoolResult>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub fetched_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetProjectResult {
    pub project: i64,
    pub title: String,
    pub votes: u32,
    pub points: u32,
    pub cost_grosze: i64,
    pub cost_text: String,
    pub selected: bool,
}

pub(crate) fn phase_text(phase: Phase, dates: &PhaseDates, published: bool, lang: Language) -> String {
    use crate::display::datetime_text;
    let until = |t| datetime_text(t, lang);
    match phase {
        Phase::Announced => format!(
            "{} {}",
            lang.pick("Zgłaszanie projektów od", "Submissions open on"),
            until(dates.submission_from)
        ),
        Phase::Submission => {
            format!("{} {}", lang.pick("Zgłaszanie projektów do", "Submissions until"), until(dates.submission_to))
        }
        Phase::Verification => format!(
            "{} {}",
            lang.pick("Weryfikacja projektów; głosowanie od", "Projects under verification; voting opens on"),
            until(dates.voting_from)
        ),
        Phase::Voting => format!("{} {}", lang.pick("Głosowanie do", "Voting until"), until(dates.voting_to)),
        Phase::Counting => lang.pick("Liczenie głosów", "Counting the votes").to_owned(),
        Phase::Results if published => lang.pick("Wyniki ogłoszone", "Results published").to_owned(),
        Phase::Results => lang.pick("Wyniki", "Results").to_owned(),
    }
}

pub(crate) fn status_text(s: ProjectStatus, lang: Language) -> &'static str {
    match s {
        ProjectStatus::Submitted => lang.pick("zgłoszony", "submitted"),
        ProjectStatus::UnderVerification => lang.pick("w weryfikacji", "under verification"),
        ProjectStatus::Rejected => lang.pick("odrzucony", "rejected"),
        ProjectStatus::Appealed => lang.pick("odwołanie", "appealed"),
        ProjectStatus::OnBallot => lang.pick("na karcie do głosowania", "on the ballot"),
        ProjectStatus::Selected => lang.pick("wybrany do realizacji", "selected"),
        ProjectStatus::NotSelected => lang.pick("niewybrany", "not selected"),
    }
}

pub(crate) fn kind_text(k: PoolKind, lang: Language) -> &'static str {
    match k {
        PoolKind::GminaWide => lang.pick("ogólnogminna", "gmina-wide"),
        PoolKind::Area => lang.pick("obszarowa", "area"),
    }
}
