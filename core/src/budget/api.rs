//! `core.budget()`: editions, projects and results (offline from the last
//! fetch), the ballot with the edition's rule enforced as the resident
//! picks, the SMS code, casting through the outbox, my ballot.

use std::sync::Arc;

use chrono::Utc;
use mm_protocol::budget::identity;
use mm_protocol::budget::model::{
    BallotInput, Choice, Edition, IdentityInput, Phase, PoolChoice, Project, ProjectStatus, SmsProof, VotingRule, phase_at,
};
use mm_protocol::budget::rules::{self, BallotError, PickHint};
use mm_protocol::budget::wire::{
    AppealInput, BallotChange, BallotChangeRequest, MyBallot, NewProject, ProposerContact, SignatureInput, SmsCodeIssued,
    SmsCodeRequest,
};
use mm_protocol::error::{ErrorCode, Message};

use super::fetch::{self, BallotPayload};
use super::model::{
    BallotChoiceLine, BallotPool, BallotProblem, BallotReview, BallotScreen, BudgetEdition, BudgetEditions, BudgetPool,
    BudgetPoolResult, BudgetProject, BudgetProjectResult, BudgetProjects, BudgetResults, BudgetWrite, BudgetWriteKind,
    CastState, MyBallotState, ProjectSubmission, WriteState, kind_text, phase_text, status_text,
};
use super::photos;
use super::writes::{self, WritePayload};
use super::store::{self, LocalCast};
use crate::display::{self, Language};
use crate::error::{CoreError, Error};
use crate::gminas::Tenant;
use crate::{Core, devices, outbox};

/// The participatory budget; from `Core::budget`.
pub struct BudgetApi<'a> {
    pub(crate) core: &'a Core,
}

/// An edition with its projects, as stored.
struct Loaded {
    edition: Edition,
    projects: Vec<Project>,
    draft: Vec<PoolChoice>,
    cast: Option<LocalCast>,
    /// My ballot as the server last told it, and when.
    server: Option<(MyBallot, chrono::DateTime<Utc>)>,
    /// The newest change of the ballot not refused, else the newest.
    change: Option<writes::StoredWrite>,
    /// My writes about this edition (what this device proposed, signed, appealed).
    writes: Vec<writes::StoredWrite>,
    /// The gmina's files (the projects' photos under it).
    data_dir: std::path::PathBuf,
}

/// The gmina's directory of files beside its store.
fn data_dir(tenant: &Tenant) -> std::path::PathBuf {
    tenant.store.path().parent().map(std::path::Path::to_path_buf).unwrap_or_default()
}

impl BudgetApi<'_> {
    // ---- fetching ----

    /// Fetches the editions, every edition's projects, and the results of
    /// those published, into the store (one transaction per list). Sends
    /// what the outbox holds first. Offline: `network`, and the last
    /// fetch stays readable.
    pub async fn refresh(&self) -> Result<(), CoreError> {
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        if let Err(e) = self.core.flush(&tenant, &base).await {
            tracing::info!(code = CoreError::from(&e).code(), "budget: the outbox could not be sent before refreshing");
        }
        let token = tenant.store.read(devices::token)?;
        let token = token.as_deref();
        let editions = fetch::editions(&tenant.http, &base, token).await.map_err(Error::from)?;
        tenant.store.write(|tx| store::save_editions(tx, &editions, Utc::now()))?;
        // The ballot's photos first: editions in voting, then the others.
        let mut photo_urls: [Vec<String>; 2] = Default::default();
        for e in &editions {
            let projects = fetch::projects(&tenant.http, &base, token, e.id).await.map_err(Error::from)?;
            tenant.store.write(|tx| store::save_projects(tx, e.id, &projects, Utc::now()))?;
            let urls = &mut photo_urls[usize::from(phase(e) != Phase::Voting)];
            urls.extend(projects.iter().flat_map(|p| p.photos.iter().cloned()));
            if e.published_results
                && let Some(results) = fetch::results(&tenant.http, &base, token, e.id).await.map_err(Error::from)?
            {
                tenant.store.write(|tx| store::save_results(tx, &results, Utc::now()))?;
            }
        }
        photos::prefetch(&tenant.http, &base, &data_dir(&tenant), &photo_urls.concat()).await;
        Ok(())
    }

    /// The file of a project's photo (`index` in `project.photos`): the one
    /// kept on the device, else fetched now from the gmina's server and
    /// kept. A photo elsewhere is refused unfetched (`invalid_input` on
    /// `photos`); an answer that is no JPEG/PNG (`unsupported_media_type`)
    /// or too large (`payload_too_large`) is not kept.
    pub async fn project_photo(&self, project: i64, index: u32) -> Result<String, CoreError> {
        let p = self.core.store.read(|c| store::project(c, project))?.ok_or_else(|| CoreError::not_found(format!("project {project}")))?;
        let url = p.photos.get(index as usize).ok_or_else(|| CoreError::not_found(format!("photo {index} of project {project}")))?;
        let tenant = self.core.store.get()?;
        let path = photos::fetch(&tenant.http, &self.core.server_url(), &data_dir(&tenant), url).await?;
        Ok(path.to_string_lossy().into_owned())
    }

    // ---- reading (offline) ----

    /// The editions as last fetched, each in its phase as of now.
    pub fn editions(&self) -> Result<BudgetEditions, CoreError> {
        let lang = self.core.language();
        let (editions, fetched_at) =
            self.core.store.read(|c| Ok((store::editions(c)?, store::fetched_at(c, "editions")?)))?;
        Ok(BudgetEditions {
            editions: editions.iter().map(|e| edition_card(e, lang)).collect(),
            fetched_text: fetched_text(fetched_at, lang),
            fetched_at,
        })
    }

    pub fn edition(&self, id: i64) -> Result<BudgetEdition, CoreError> {
        let e = self.core.store.read(|c| store::edition(c, id))?.ok_or_else(|| not_found_edition(id))?;
        Ok(edition_card(&e, self.core.language()))
    }

    /// An edition's projects (of one pool when `pool` is given), by pool
    /// and ballot number, with whether the draft has each.
    pub fn projects(&self, edition: i64, pool: Option<i64>) -> Result<BudgetProjects, CoreError> {
        let lang = self.core.language();
        let l = self.load(edition)?;
        let fetched_at = self.core.store.read(|c| store::fetched_at(c, &format!("projects:{edition}")))?;
        Ok(BudgetProjects {
            edition,
            projects: l
                .projects
                .iter()
                .filter(|p| pool.is_none_or(|pool| p.pool == pool))
                .map(|p| project_card(p, &l, lang))
                .collect(),
            fetched_text: fetched_text(fetched_at, lang),
            fetched_at,
        })
    }

    pub fn project(&self, id: i64) -> Result<BudgetProject, CoreError> {
        let p = self.core.store.read(|c| store::project(c, id))?.ok_or_else(|| CoreError::not_found(format!("project {id}")))?;
        let l = self.load(p.edition)?;
        Ok(project_card(&p, &l, self.core.language()))
    }

    /// Published results as last fetched; `None` before publication.
    pub fn results(&self, edition: i64) -> Result<Option<BudgetResults>, CoreError> {
        let lang = self.core.language();
        let l = self.load(edition)?;
        let (results, fetched_at) = self
            .core
            .store
            .read(|c| Ok((store::results(c, edition)?, store::fetched_at(c, &format!("results:{edition}"))?)))?;
        let Some(r) = results else { return Ok(None) };
        let title = |id: i64| l.projects.iter().find(|p| p.id == id).map(|p| p.title.clone()).unwrap_or_default();
        let pools = r
            .pools
            .iter()
            .map(|pr| {
                let mut projects: Vec<BudgetProjectResult> = pr
                    .projects
                    .iter()
                    .map(|p| BudgetProjectResult {
                        project: p.project,
                        title: title(p.project),
                        votes: p.votes,
                        points: p.points,
                        cost_grosze: p.cost_grosze,
                        cost_text: display::money_text(p.cost_grosze, lang),
                        selected: p.selected,
                    })
                    .collect();
                projects.sort_by_key(|p| (!p.selected, std::cmp::Reverse((p.points, p.votes)), p.project));
                BudgetPoolResult {
                    pool: pr.pool,
                    name: l.edition.pools.iter().find(|p| p.id == pr.pool).map(|p| p.name.clone()).unwrap_or_default(),
                    ballots: pr.ballots,
                    budget_grosze: pr.budget_grosze,
                    budget_text: display::money_text(pr.budget_grosze, lang),
                    spent_grosze: pr.spent_grosze,
                    spent_text: display::money_text(pr.spent_grosze, lang),
                    projects,
                    trace: pr.trace.iter().map(|m| lang.pick(&m.pl, &m.en).to_owned()).collect(),
                }
            })
            .collect();
        Ok(Some(BudgetResults {
            edition,
            published_at: r.published_at,
            pools,
            fetched_text: fetched_text(fetched_at, lang),
            fetched_at,
        }))
    }

    // ---- the ballot ----

    /// The ballot screen of an edition: per pool the rule in words, what is
    /// chosen, what is left, what may still be added and the pool's hint.
    pub fn ballot(&self, edition: i64) -> Result<BallotScreen, CoreError> {
        let l = self.load(edition)?;
        Ok(screen(&l, self.core.language()))
    }

    /// Adds a project to the draft, or removes it when chosen. An addition
    /// the rule refuses (too many, over the pool's amount, another area
    /// pool, not on the ballot) is `ballot_rule` with the reason, and the
    /// draft stays as it was. Under the cumulative rule an added project
    /// gets 1 point ([`BudgetApi::set_points`] changes it).
    pub fn toggle(&self, edition: i64, project: i64) -> Result<BallotScreen, CoreError> {
        let l = self.load(edition)?;
        let p = l
            .projects
            .iter()
            .find(|p| p.id == project)
            .ok_or_else(|| CoreError::not_found(format!("project {project}")))?;
        let mut pools = l.draft.clone();
        let chosen = pools.iter().any(|pc| pc.projects.iter().any(|c| c.project == project));
        if chosen {
            for pc in &mut pools {
                pc.projects.retain(|c| c.project != project);
            }
            pools.retain(|pc| !pc.projects.is_empty());
        } else {
            let points = matches!(l.edition.settings.voting, VotingRule::Cumulative { .. }).then_some(1);
            add(&mut pools, p.pool, Choice { project, points });
            let state = pick_state(&l, &l.draft, p.pool);
            if !state.as_ref().is_some_and(|s| s.can_add.contains(&project)) {
                return Err(refusal(&l, &pools, state.map(|s| s.hint)));
            }
        }
        self.save(edition, &pools)?;
        self.ballot(edition)
    }

    /// Gives `points` to a project (cumulative rule); 0 removes it. More
    /// than the rule allows is `ballot_rule`, and the draft stays.
    pub fn set_points(&self, edition: i64, project: i64, points: u16) -> Result<BallotScreen, CoreError> {
        let l = self.load(edition)?;
        if !matches!(l.edition.settings.voting, VotingRule::Cumulative { .. }) {
            return Err(CoreError::BallotRule {
                field: None,
                message: Message::new(
                    "W tej edycji nie rozdziela się punktów: wybierz projekty.",
                    "This edition does not use points: choose projects.",
                ),
            });
        }
        let p = l
            .projects
            .iter()
            .find(|p| p.id == project)
            .ok_or_else(|| CoreError::not_found(format!("project {project}")))?;
        let mut pools = l.draft.clone();
        for pc in &mut pools {
            pc.projects.retain(|c| c.project != project);
        }
        pools.retain(|pc| !pc.projects.is_empty());
        if points > 0 {
            add(&mut pools, p.pool, Choice { project, points: Some(points) });
            if let Err(e) = check(&l, &pools, true)
                && !e.is_incomplete()
            {
                return Err(ballot_error(&e, &input(&pools, true)));
            }
        }
        self.save(edition, &pools)?;
        self.ballot(edition)
    }

    /// Empties the draft of an edition (`pool`: of one pool only).
    pub fn clear(&self, edition: i64, pool: Option<i64>) -> Result<BallotScreen, CoreError> {
        let l = self.load(edition)?;
        let pools: Vec<PoolChoice> = match pool {
            Some(pool) => l.draft.into_iter().filter(|pc| pc.pool != pool).collect(),
            None => Vec::new(),
        };
        self.save(edition, &pools)?;
        self.ballot(edition)
    }

    /// The review before casting: `check_ballot` over the draft, and every
    /// pool's own problem, in the resident's language.
    pub fn review(&self, edition: i64) -> Result<BallotReview, CoreError> {
        let lang = self.core.language();
        let l = self.load(edition)?;
        let s = screen(&l, lang);
        let mut problems: Vec<BallotProblem> = Vec::new();
        let b = input(&l.draft, true);
        for p in &s.pools {
            let error = match p.hint {
                PickHint::Invalid { error } => Some(error),
                PickHint::ChooseMore { .. } => check(&l, &b.pools, true).err().filter(|e| e.pool() == Some(p.pool)),
                _ => None,
            };
            match error {
                Some(e) => problems.push(problem(&e, &b, lang)),
                None if matches!(p.hint, PickHint::ChooseMore { .. }) => problems.push(BallotProblem {
                    pool: Some(p.pool),
                    field: None,
                    message: p.hint.message(),
                    text: p.hint_text.clone(),
                }),
                None => {}
            }
        }
        if problems.is_empty()
            && let Err(e) = check(&l, &l.draft, true)
        {
            problems.push(problem(&e, &b, lang));
        }
        if !s.voting_open {
            let m = phase_closed_message();
            problems.push(BallotProblem { pool: None, field: None, text: lang.pick(&m.pl, &m.en).to_owned(), message: m });
        }
        Ok(BallotReview {
            edition,
            ok: problems.is_empty(),
            problems,
            pools: s.pools.into_iter().filter(|p| !p.chosen.is_empty()).collect(),
            voting_open: s.voting_open,
            identity: s.identity,
            sms_required: s.sms_required,
            residence_required: s.residence_required,
        })
    }

    // ---- voting ----

    /// Asks the server to send a one-time code to `phone` for this voter
    /// (online only). The identity and the phone are checked first
    /// (`invalid_identity` with the field); nothing is stored.
    pub async fn request_sms(&self, edition: i64, identity: IdentityInput, phone: &str) -> Result<SmsCodeIssued, CoreError> {
        let l = self.load(edition)?;
        let mut identity = identity;
        identity.phone = Some(phone.to_owned());
        identity::normalise(l.edition.settings.identity, &identity).map_err(identity_error)?;
        if identity::normalise_phone(phone).is_none() {
            return Err(identity_error(identity::IdentityError { field: "phone" }));
        }
        if phase(&l.edition) != Phase::Voting {
            return Err(phase_closed());
        }
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        let token = self.token(&tenant, &base).await?;
        let body = SmsCodeRequest { identity, phone: phone.to_owned() };
        Ok(fetch::request_sms(&tenant.http, &base, &token, edition, &body).await.map_err(Error::from)?)
    }

    /// Casts the draft. The ballot (`check_ballot`) and the identity
    /// (`identity::normalise`) are checked first: `ballot_rule` /
    /// `invalid_identity` with the field, and nothing is queued. Then one
    /// outbox item with its idempotency key, sent now when online. Offline
    /// or a 5xx: `Ok` with `queued` (sent later, with the same key). A
    /// final refusal: the server's error (`already_voted`,
    /// `invalid_sms_code`…), also kept for [`BudgetApi::my_ballot`]. A cast
    /// already queued is not queued twice.
    pub async fn cast(
        &self,
        edition: i64,
        identity: IdentityInput,
        sms: Option<SmsProof>,
        residence_declared: bool,
    ) -> Result<MyBallotState, CoreError> {
        let lang = self.core.language();
        let l = self.load(edition)?;
        match l.cast.as_ref().map(|c| c.state) {
            Some(CastState::Queued) => return Ok(my_state(l.cast.as_ref().unwrap_or_else(|| unreachable!()), &l, lang)),
            Some(CastState::Cast) => {
                return Err(CoreError::server(
                    ErrorCode::AlreadyVoted,
                    "Z tego urządzenia oddano już głos w tej edycji.",
                    "A vote in this edition was already cast from this device.",
                ));
            }
            Some(CastState::Refused) | None => {}
        }
        if phase(&l.edition) != Phase::Voting {
            return Err(phase_closed());
        }
        let s = &l.edition.settings;
        let mut ballot = input(&l.draft, residence_declared);
        let normal = check(&l, &l.draft, residence_declared).map_err(|e| ballot_error(&e, &ballot))?;
        identity::normalise(s.identity, &identity).map_err(identity_error)?;
        if let Some(phone) = identity.phone.as_deref()
            && identity::normalise_phone(phone).is_none()
        {
            return Err(identity_error(identity::IdentityError { field: "phone" }));
        }
        if s.sms && sms.as_ref().is_none_or(|p| p.request_id.trim().is_empty() || p.code.trim().is_empty()) {
            return Err(CoreError::InvalidInput {
                field: "sms".into(),
                message: Message::new(
                    "Podaj kod z SMS-a (najpierw poproś o kod).",
                    "Enter the code from the SMS (ask for a code first).",
                ),
            });
        }
        ballot.identity = identity;
        ballot.sms = sms;
        ballot.pools = normal.pools.clone();
        let tenant = self.core.store.get()?;
        tenant.store.write(|tx| {
            let now = Utc::now();
            store::secure_delete(tx)?;
            let outbox_id = outbox::enqueue(tx, outbox::Kind::BudgetBallot, &BallotPayload { edition, ballot }, now)?;
            let idempotency_key: String =
                tx.query_row("SELECT idempotency_key FROM outbox WHERE id = ?1", [outbox_id], |r| r.get(0))?;
            store::insert_cast(
                tx,
                &LocalCast {
                    edition,
                    state: CastState::Queued,
                    idempotency_key,
                    outbox_id: Some(outbox_id),
                    pools: normal.pools.clone(),
                    receipt: None,
                    error: None,
                    created_at: now,
                },
            )
        })?;
        if let Err(e) = self.core.flush(&tenant, &self.core.server_url()).await {
            tracing::info!(code = CoreError::from(&e).code(), "budget: the ballot waits in the outbox");
        }
        let l = self.load(edition)?;
        let cast = l.cast.as_ref().ok_or_else(|| CoreError::Internal { detail: "a cast without its row".into() })?;
        if cast.state == CastState::Refused
            && let Some(e) = &cast.error
        {
            return Err(fetch::as_error(e));
        }
        Ok(my_state(cast, &l, lang))
    }

    /// What became of my ballot of an edition (queued, cast with its
    /// receipt code, or refused with the reason); `None`: not cast here.
    pub fn my_ballot(&self, edition: i64) -> Result<Option<MyBallotState>, CoreError> {
        let l = self.load(edition)?;
        Ok(l.cast.as_ref().map(|c| my_state(c, &l, self.core.language())))
    }

    /// Asks the server for my ballot of an edition (this device's, or the
    /// one `receipt_code` names) and keeps its answer: the receipt code,
    /// the choices as counted, whether it may still be changed. A ballot
    /// cast before a reinstall becomes this device's cast again (so `cast`
    /// refuses a second one). `None`: the server has none. Offline:
    /// `network` ([`BudgetApi::my_ballot`] still shows what is known).
    pub async fn check_my_ballot(&self, edition: i64, receipt_code: Option<String>) -> Result<Option<MyBallotState>, CoreError> {
        self.load(edition)?;
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        let token = self.token(&tenant, &base).await?;
        let code = receipt_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let answer = fetch::my_ballot(&tenant.http, &base, &token, edition, code).await.map_err(Error::from)?;
        tenant.store.write(|tx| {
            let now = Utc::now();
            match &answer {
                Some(b) => {
                    writes::save_my_ballot(tx, b, now)?;
                    writes::adopt_cast(tx, &b.receipt, edition, now)
                }
                None if code.is_none() => writes::forget_my_ballot(tx, edition),
                None => Ok(()),
            }
        })?;
        if answer.is_none() {
            return Ok(None);
        }
        self.my_ballot(edition)
    }

    /// Changes a ballot already cast to the draft's choices (toggle them
    /// first), while voting is open and the edition allows it. The draft is
    /// checked by the edition's rule and the identity as for a cast (the
    /// server changes a ballot only for the same voter); `receipt_code`
    /// names a ballot cast on another device. One outbox item, sent now
    /// when the server can be reached.
    pub async fn change_ballot(
        &self,
        edition: i64,
        identity: IdentityInput,
        receipt_code: Option<String>,
    ) -> Result<MyBallotState, CoreError> {
        let lang = self.core.language();
        let l = self.load(edition)?;
        let s = &l.edition.settings;
        if !s.allow_change {
            return Err(CoreError::Server {
                code: ErrorCode::Conflict,
                message: Message::new(
                    "W tej edycji oddanego głosu nie można zmienić.",
                    "A ballot cast in this edition cannot be changed.",
                ),
                field: None,
            });
        }
        if phase(&l.edition) != Phase::Voting {
            return Err(phase_closed());
        }
        let receipt_code = receipt_code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        let cast = l.cast.as_ref().filter(|c| c.state == CastState::Cast);
        if cast.is_none() && receipt_code.is_none() {
            return Err(CoreError::Server {
                code: ErrorCode::NotFound,
                message: Message::new(
                    "Z tego urządzenia nie oddano głosu w tej edycji (podaj kod potwierdzenia głosu).",
                    "No ballot of this edition was cast from this device (give the ballot's receipt code).",
                ),
                field: None,
            });
        }
        if l.change.as_ref().is_some_and(|w| w.state == WriteState::Queued) {
            return Err(CoreError::Server {
                code: ErrorCode::Conflict,
                message: Message::new(
                    "Poprzednia zmiana głosu czeka jeszcze na wysłanie.",
                    "The previous change of the ballot is still waiting to be sent.",
                ),
                field: None,
            });
        }
        let normal = check(&l, &l.draft, true).map_err(|e| ballot_error(&e, &input(&l.draft, true)))?;
        identity::normalise(s.identity, &identity).map_err(identity_error)?;
        let change = BallotChangeRequest {
            change: BallotChange { pools: normal.pools.clone(), receipt_code },
            identity,
        };
        let title = l.edition.title.clone();
        self.queue(BudgetWriteKind::Change, Some(edition), None, &title, |write| WritePayload::Change { write, edition, change })
            .await?;
        let l = self.load(edition)?;
        // A ballot of another device (its receipt code), not answered yet:
        // shown as waiting, with the new choices.
        let waiting = LocalCast {
            edition,
            state: CastState::Queued,
            idempotency_key: String::new(),
            outbox_id: None,
            pools: normal.pools,
            receipt: None,
            error: None,
            created_at: Utc::now(),
        };
        Ok(my_state(l.cast.as_ref().unwrap_or(&waiting), &l, lang))
    }

    /// Submits a project (submission phase only): the texts and the cost
    /// checked as the server checks them, photos normalised (no metadata)
    /// and kept until sent, then one outbox item.
    pub async fn submit_project(&self, edition: i64, p: ProjectSubmission) -> Result<BudgetWrite, CoreError> {
        let l = self.load(edition)?;
        if phase(&l.edition) != Phase::Submission {
            return Err(CoreError::Server {
                code: ErrorCode::PhaseClosed,
                message: Message::new(
                    "Zgłaszanie projektów w tej edycji nie trwa.",
                    "Project submissions in this edition are not open.",
                ),
                field: None,
            });
        }
        if !l.edition.pools.iter().any(|pool| pool.id == p.pool) {
            return Err(CoreError::InvalidInput {
                field: "pool".into(),
                message: Message::new("Nie ma takiej puli w tej edycji.", "This edition has no such pool."),
            });
        }
        text_field("title", &p.title, 200)?;
        text_field("description", &p.description, 10_000)?;
        text_field("contact.name", &p.contact_name, 200)?;
        mm_protocol::budget::model::validate_amount("cost_grosze", p.cost_grosze).map_err(|e| {
            let m = e.message();
            CoreError::InvalidInput { field: "cost_grosze".into(), message: m }
        })?;
        if p.photos.len() > mm_protocol::reports::MAX_PHOTOS {
            let max = mm_protocol::reports::MAX_PHOTOS;
            return Err(CoreError::InvalidInput {
                field: "photos".into(),
                message: Message::new(format!("Najwyżej {max} zdjęć."), format!("At most {max} photos.")),
            });
        }
        if let Some(point) = &p.location {
            use mm_protocol::validation::Validate;
            point.validate().map_err(|_| CoreError::InvalidInput {
                field: "location".into(),
                message: Message::new("Nieprawidłowe położenie.", "Invalid location."),
            })?;
        }
        let tenant = self.core.store.get()?;
        let data_dir = data_dir(&tenant);
        let mut photo_ids = Vec::with_capacity(p.photos.len());
        for bytes in &p.photos {
            let n = crate::reports::photos::normalise(bytes)?;
            crate::reports::photos::save(&data_dir, &n)?;
            photo_ids.push(n.id);
        }
        let project = NewProject {
            pool: p.pool,
            title: p.title.trim().to_owned(),
            description: p.description.trim().to_owned(),
            cost_grosze: p.cost_grosze,
            category: p.category.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
            location: p.location.map(mm_protocol::budget::model::ProjectLocation::Point),
            photos: vec![],
            contact: ProposerContact {
                name: p.contact_name.trim().to_owned(),
                email: p.contact_email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
                phone: p.contact_phone.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
            },
        };
        let title = project.title.clone();
        self.queue(BudgetWriteKind::Project, Some(edition), None, &title, |write| WritePayload::Project {
                write,
                edition,
                project,
                photos: photo_ids,
            })
            .await
    }

    /// Signs a submitted project (the list of support signatures): the
    /// identity checked as for a ballot, once per project from this device.
    pub async fn sign(
        &self,
        project: i64,
        identity: IdentityInput,
        sms: Option<SmsProof>,
        residence_declared: bool,
    ) -> Result<BudgetWrite, CoreError> {
        let p = self.core.store.read(|c| store::project(c, project))?.ok_or_else(|| CoreError::not_found(format!("project {project}")))?;
        let l = self.load(p.edition)?;
        if let Some(refusal) = sign_refusal(&p, &l) {
            return Err(refusal);
        }
        identity::normalise(l.edition.settings.identity, &identity).map_err(identity_error)?;
        if l.edition.settings.declaration_of_residence && !residence_declared {
            return Err(CoreError::InvalidInput {
                field: "residence_declared".into(),
                message: Message::new(
                    "Potwierdź, że mieszkasz na terenie gminy.",
                    "Confirm that you live in the gmina.",
                ),
            });
        }
        let signature = SignatureInput { identity, sms, residence_declared };
        self.queue(BudgetWriteKind::Signature, Some(p.edition), Some(project), &p.title, |write| WritePayload::Signature {
                write,
                project,
                signature,
            })
            .await
    }

    /// Appeals against a project's rejection (the proposer's device only,
    /// until the edition's `appeal_to`).
    pub async fn appeal(&self, project: i64, text: &str) -> Result<BudgetWrite, CoreError> {
        let p = self.core.store.read(|c| store::project(c, project))?.ok_or_else(|| CoreError::not_found(format!("project {project}")))?;
        let l = self.load(p.edition)?;
        if let Some(refusal) = appeal_refusal(&p, &l) {
            return Err(refusal);
        }
        text_field("text", text, 10_000)?;
        let appeal = AppealInput { text: text.trim().to_owned() };
        self.queue(BudgetWriteKind::Appeal, Some(p.edition), Some(project), &p.title, |write| WritePayload::Appeal {
                write,
                project,
                appeal,
            })
            .await
    }

    /// My budget writes (submissions, signatures, appeals, changes), newest
    /// first; of one edition when given.
    pub fn writes(&self, edition: Option<i64>) -> Result<Vec<BudgetWrite>, CoreError> {
        let lang = self.core.language();
        let list = self.core.store.read(|c| writes::list(c, edition))?;
        Ok(list.iter().map(|w| writes::card(w, lang)).collect())
    }

    pub fn write(&self, id: i64) -> Result<BudgetWrite, CoreError> {
        let w = self.core.store.read(|c| writes::get(c, id))?.ok_or_else(|| CoreError::not_found(format!("budget write {id}")))?;
        Ok(writes::card(&w, self.core.language()))
    }

    // ---- helpers ----

    /// Queues a write (its row and outbox item in one transaction), tries
    /// to send it, and returns the row as it then stands: queued or done;
    /// the server's final refusal is the error (as it gave it).
    async fn queue(
        &self,
        kind: BudgetWriteKind,
        edition: Option<i64>,
        project: Option<i64>,
        title: &str,
        payload: impl FnOnce(i64) -> WritePayload,
    ) -> Result<BudgetWrite, CoreError> {
        let tenant = self.core.store.get()?;
        let id = tenant.store.write(|tx| {
            store::secure_delete(tx)?;
            writes::queue(tx, kind, edition, project, title, payload, Utc::now())
        })?;
        if let Err(e) = self.core.flush(&tenant, &self.core.server_url()).await {
            tracing::info!(code = CoreError::from(&e).code(), kind = kind.as_str(), "budget: the write waits in the outbox");
        }
        let w = self.core.store.read(|c| writes::get(c, id))?.ok_or_else(|| CoreError::Internal {
            detail: "a write without its row".into(),
        })?;
        if w.state == WriteState::Refused
            && let Some(e) = &w.error
        {
            return Err(fetch::as_error(e));
        }
        Ok(writes::card(&w, self.core.language()))
    }

    fn load(&self, edition: i64) -> Result<Loaded, CoreError> {
        let data_dir = data_dir(&*self.core.store.get()?);
        self.core.store.read(|c| {
            let Some(e) = store::edition(c, edition)? else { return Ok(Err(not_found_edition(edition))) };
            let mine = writes::list(c, Some(edition))?;
            Ok(Ok(Loaded {
                edition: e,
                projects: store::projects(c, edition)?,
                draft: store::draft(c, edition)?,
                cast: store::cast(c, edition)?,
                server: writes::my_ballot(c, edition)?,
                change: mine.iter().find(|w| w.kind == BudgetWriteKind::Change).cloned(),
                writes: mine,
                data_dir,
            }))
        })?
    }

    fn save(&self, edition: i64, pools: &[PoolChoice]) -> Result<(), CoreError> {
        let mut pools = pools.to_vec();
        pools.retain(|pc| !pc.projects.is_empty());
        pools.sort_by_key(|pc| pc.pool);
        Ok(self.core.store.write(|tx| store::save_draft(tx, edition, &pools, Utc::now()))?)
    }

    /// The device token, registering the device first when it has none.
    async fn token(&self, tenant: &Arc<Tenant>, base: &str) -> Result<String, CoreError> {
        if let Some(t) = tenant.store.read(devices::token)? {
            return Ok(t);
        }
        self.core.flush(tenant, base).await?;
        tenant.store.read(devices::token)?.ok_or_else(|| CoreError::Network {
            detail: "the device is not registered yet".into(),
        })
    }
}

fn phase(e: &Edition) -> Phase {
    phase_at(&e.dates, e.published_results, Utc::now())
}

fn add(pools: &mut Vec<PoolChoice>, pool: i64, choice: Choice) {
    match pools.iter_mut().find(|pc| pc.pool == pool) {
        Some(pc) => pc.projects.push(choice),
        None => pools.push(PoolChoice { pool, projects: vec![choice] }),
    }
}

fn input(pools: &[PoolChoice], residence_declared: bool) -> BallotInput {
    BallotInput { identity: IdentityInput::default(), sms: None, residence_declared, pools: pools.to_vec() }
}

fn check(l: &Loaded, pools: &[PoolChoice], residence_declared: bool) -> Result<rules::NormalBallot, BallotError> {
    let e = &l.edition;
    rules::check_ballot(&e.settings, &e.pools, &l.projects, &input(pools, residence_declared))
}

fn pick_state(l: &Loaded, pools: &[PoolChoice], pool: i64) -> Option<rules::PoolPickState> {
    let e = &l.edition;
    rules::pool_state(&e.settings, &e.pools, &l.projects, &input(pools, true), pool)
}

/// Why an addition was refused: the rule it breaks, or the pool's hint
/// (another area pool already chosen).
fn refusal(l: &Loaded, with: &[PoolChoice], hint: Option<PickHint>) -> CoreError {
    let b = input(with, true);
    match check(l, with, true) {
        Err(e) if !e.is_incomplete() => ballot_error(&e, &b),
        _ => CoreError::BallotRule {
            field: None,
            message: match hint {
                Some(h @ PickHint::AreaLimitReached { .. }) => h.message(),
                _ => Message::new(
                    "Tego projektu nie można teraz dodać do karty.",
                    "This project cannot be added to the ballot now.",
                ),
            },
        },
    }
}

fn ballot_error(e: &BallotError, b: &BallotInput) -> CoreError {
    CoreError::BallotRule { field: e.field(b), message: e.message() }
}

fn problem(e: &BallotError, b: &BallotInput, lang: Language) -> BallotProblem {
    let m = e.message();
    BallotProblem { pool: e.pool(), field: e.field(b), text: lang.pick(&m.pl, &m.en).to_owned(), message: m }
}

fn identity_error(e: identity::IdentityError) -> CoreError {
    CoreError::InvalidIdentity { field: e.field.to_owned(), message: e.message() }
}

fn phase_closed_message() -> Message {
    Message::new("Głosowanie w tej edycji nie trwa.", "Voting in this edition is not open.")
}

fn phase_closed() -> CoreError {
    let m = phase_closed_message();
    CoreError::Server { code: ErrorCode::PhaseClosed, message: m, field: None }
}

fn text_field(field: &str, value: &str, max: usize) -> Result<(), CoreError> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(CoreError::InvalidInput {
            field: field.to_owned(),
            message: Message::new(
                format!("Pole jest puste albo za długie (najwyżej {max} znaków)."),
                format!("The field is empty or too long (at most {max} characters)."),
            ),
        });
    }
    Ok(())
}

fn not_found_edition(id: i64) -> CoreError {
    CoreError::not_found(format!("budget edition {id}"))
}

fn fetched_text(at: Option<chrono::DateTime<Utc>>, lang: Language) -> String {
    match at {
        Some(t) => format!("{} {}", lang.pick("Stan na", "As of"), display::datetime_text(t, lang)),
        None => lang.pick("Jeszcze nie pobrano", "Not fetched yet").to_owned(),
    }
}

fn rule_text(e: &Edition, lang: Language) -> String {
    let m = e.settings.voting.message();
    lang.pick(&m.pl, &m.en).to_owned()
}

fn edition_card(e: &Edition, lang: Language) -> BudgetEdition {
    let phase = phase(e);
    BudgetEdition {
        id: e.id,
        year: e.year,
        title: e.title.clone(),
        phase,
        phase_text: phase_text(phase, &e.dates, e.published_results, lang),
        dates: e.dates,
        voting_open: phase == Phase::Voting,
        submission_open: phase == Phase::Submission,
        results_published: e.published_results,
        rule_text: rule_text(e, lang),
        identity: e.settings.identity,
        sms_required: e.settings.sms,
        residence_required: e.settings.declaration_of_residence,
        allow_change: e.settings.allow_change,
        pools: e
            .pools
            .iter()
            .map(|p| BudgetPool {
                id: p.id,
                name: p.name.clone(),
                kind: p.kind,
                kind_text: kind_text(p.kind, lang).to_owned(),
                amount_grosze: p.amount_grosze,
                amount_text: display::money_text(p.amount_grosze, lang),
            })
            .collect(),
    }
}

fn project_card(p: &Project, l: &Loaded, lang: Language) -> BudgetProject {
    BudgetProject {
        pool_name: l.edition.pools.iter().find(|pool| pool.id == p.pool).map(|pool| pool.name.clone()).unwrap_or_default(),
        cost_text: display::money_text(p.cost_grosze, lang),
        status_text: status_text(p.status, lang).to_owned(),
        chosen: l.draft.iter().any(|pc| pc.projects.iter().any(|c| c.project == p.id)),
        can_sign: sign_refusal(p, l).is_none(),
        can_appeal: appeal_refusal(p, l).is_none() && proposed_here(p.id, l),
        photo_paths: p
            .photos
            .iter()
            .filter_map(|url| photos::cached(&l.data_dir, url))
            .map(|path| path.to_string_lossy().into_owned())
            .collect(),
        project: p.clone(),
    }
}

/// A write of `kind` about `project` from this device that the server has
/// not refused (queued, sent or done).
fn live_write(l: &Loaded, kind: BudgetWriteKind, project: i64) -> bool {
    l.writes.iter().any(|w| w.kind == kind && w.project == Some(project) && w.state != WriteState::Refused)
}

/// This device proposed `project` (its submission's answer named it). The
/// server takes an appeal only from the proposer's device, so only there
/// is "appeal" offered.
fn proposed_here(project: i64, l: &Loaded) -> bool {
    live_write(l, BudgetWriteKind::Project, project)
}

/// Why [`BudgetApi::sign`] refuses `p` now, before the signer's identity is
/// looked at; `None` is the project's `can_sign`. Support is collected
/// while a project waits for its verification (submitted or under
/// verification) and the edition is in submission or verification.
fn sign_refusal(p: &Project, l: &Loaded) -> Option<CoreError> {
    if !matches!(p.status, ProjectStatus::Submitted | ProjectStatus::UnderVerification)
        || !matches!(phase(&l.edition), Phase::Submission | Phase::Verification)
    {
        return Some(CoreError::Server {
            code: ErrorCode::PhaseClosed,
            message: Message::new("Tego projektu nie można już poprzeć podpisem.", "This project can no longer be signed."),
            field: None,
        });
    }
    if live_write(l, BudgetWriteKind::Signature, p.id) {
        return Some(CoreError::Server {
            code: ErrorCode::Conflict,
            message: Message::new(
                "Ten projekt już poparto podpisem z tego urządzenia.",
                "This project was already signed from this device.",
            ),
            field: None,
        });
    }
    None
}

/// Why [`BudgetApi::appeal`] refuses `p` now, before the text is looked at:
/// only a rejection, until the edition's `appeal_to`, once (art. 5a ust. 7
/// pkt 2 of the act on gmina self-government leaves the appeal's terms to
/// the council's resolution; ours are the edition's dates).
fn appeal_refusal(p: &Project, l: &Loaded) -> Option<CoreError> {
    if p.status != ProjectStatus::Rejected {
        return Some(CoreError::Server {
            code: ErrorCode::Conflict,
            message: Message::new("Odwołać się można tylko od odrzucenia projektu.", "Only a rejected project can be appealed."),
            field: None,
        });
    }
    if Utc::now() >= l.edition.dates.appeal_to {
        return Some(CoreError::Server {
            code: ErrorCode::PhaseClosed,
            message: Message::new("Termin na odwołanie minął.", "The time for appeals is over."),
            field: None,
        });
    }
    if live_write(l, BudgetWriteKind::Appeal, p.id) {
        return Some(CoreError::Server {
            code: ErrorCode::Conflict,
            message: Message::new("Od tej decyzji już się odwołano.", "This decision was already appealed."),
            field: None,
        });
    }
    None
}

fn choice_lines(pools: &[PoolChoice], projects: &[Project], only: Option<i64>, lang: Language) -> Vec<BallotChoiceLine> {
    pools
        .iter()
        .filter(|pc| only.is_none_or(|pool| pc.pool == pool))
        .flat_map(|pc| &pc.projects)
        .map(|c| {
            let p = projects.iter().find(|p| p.id == c.project);
            let cost = p.map_or(0, |p| p.cost_grosze);
            BallotChoiceLine {
                project: c.project,
                number: p.and_then(|p| p.number),
                title: p.map(|p| p.title.clone()).unwrap_or_default(),
                cost_grosze: cost,
                cost_text: display::money_text(cost, lang),
                points: c.points,
            }
        })
        .collect()
}

fn screen(l: &Loaded, lang: Language) -> BallotScreen {
    let e = &l.edition;
    let rule = rule_text(e, lang);
    let pools = e
        .pools
        .iter()
        .filter_map(|pool| {
            let st = pick_state(l, &l.draft, pool.id)?;
            let hint_message = st.hint.message();
            Some(BallotPool {
                pool: pool.id,
                name: pool.name.clone(),
                amount_text: display::money_text(pool.amount_grosze, lang),
                rule_text: rule.clone(),
                chosen: choice_lines(&l.draft, &l.projects, Some(pool.id), lang),
                remaining_grosze: st.remaining_grosze,
                remaining_text: st.remaining_grosze.map(|g| display::money_text(g, lang)),
                remaining_points: st.remaining_points,
                can_add: st.can_add,
                hint: st.hint,
                hint_text: lang.pick(&hint_message.pl, &hint_message.en).to_owned(),
            })
        })
        .collect::<Vec<_>>();
    BallotScreen {
        edition: e.id,
        rule_text: rule,
        chosen: pools.iter().map(|p| p.chosen.len() as u32).sum(),
        pools,
        voting_open: phase(e) == Phase::Voting,
        identity: e.settings.identity,
        sms_required: e.settings.sms,
        residence_required: e.settings.declaration_of_residence,
        cast: l.cast.as_ref().map(|c| my_state(c, l, lang)),
    }
}

fn my_state(c: &LocalCast, l: &Loaded, lang: Language) -> MyBallotState {
    let cast_at = c.receipt.as_ref().map(|r| r.cast_at);
    let server = l.server.as_ref().filter(|_| c.state == CastState::Cast);
    let changed_at = server.and_then(|(b, _)| b.changed_at);
    MyBallotState {
        may_change: server.is_some_and(|(b, _)| b.may_change) && phase(&l.edition) == Phase::Voting,
        changed_at,
        changed_text: changed_at.map(|t| display::datetime_text(t, lang)),
        change: l.change.as_ref().filter(|w| w.state != WriteState::Done).map(|w| writes::card(w, lang)),
        checked_at: server.map(|(_, at)| *at),
        edition: c.edition,
        state: c.state,
        state_text: c.state.label(lang).to_owned(),
        receipt_code: c.receipt.as_ref().map(|r| r.receipt_code.clone()),
        cast_at,
        cast_text: cast_at.map(|t| display::datetime_text(t, lang)),
        choices: choice_lines(&c.pools, &l.projects, None, lang),
        error_code: c.error.as_ref().map(|e| e.code.clone()),
        error_text: c.error.as_ref().map(|e| lang.pick(&e.message.pl, &e.message.en).to_owned()),
    }
}
