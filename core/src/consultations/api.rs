//! `core.consultations()`: the list and each consultation (offline from
//! the last fetch), the draft of answers checked at every step, sending
//! once through the outbox, my response, the published summary.

use chrono::Utc;
use mm_protocol::budget::identity;
use mm_protocol::budget::model::{IdentityInput, IdentityMode, SmsProof};
use mm_protocol::budget::wire::{SmsCodeIssued, SmsCodeRequest};
use mm_protocol::consultations::wire::PublicSummary;
use mm_protocol::consultations::{
    Answer, AnswerReason, AnswerValue, Answers, Consultation, ConsultationStatus, QuestionKind, RespondentRule, Tally,
    check_answers,
};
use mm_protocol::error::{ErrorCode, Message};

use super::model::{
    AnswerProblem, AnswersDraft, ConsultationCard, ConsultationDetail, ConsultationList, ConsultationSummary,
    MyResponse, QuestionSummaryView, QuestionView, ResponseState, SummaryLine,
};
use super::store::{self, LocalResponse};
use super::sync::{self, AnswerPayload};
use crate::display::{self, Language};
use crate::error::{CoreError, Error};
use crate::{Core, outbox};

/// Consultations; from `Core::consultations`.
pub struct ConsultationsApi<'a> {
    pub(crate) core: &'a Core,
}

impl ConsultationsApi<'_> {
    // ---- fetching ----

    /// Sends what the outbox holds, then fetches the list and the summary
    /// of every published consultation. Offline: `network`, and the last
    /// fetch stays readable.
    pub async fn refresh(&self) -> Result<(), CoreError> {
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        if let Err(e) = self.core.flush(&tenant, &base).await {
            tracing::info!(
                code = CoreError::from(&e).code(),
                "consultations: the outbox could not be sent before refreshing"
            );
        }
        let list = sync::list(&tenant.http, &base).await.map_err(Error::from)?;
        tenant.store.write(|tx| store::save_list(tx, &list, Utc::now()))?;
        for c in list.iter().filter(|c| c.status == ConsultationStatus::Published) {
            if let Some(s) = sync::summary(&tenant.http, &base, c.id).await.map_err(Error::from)? {
                tenant.store.write(|tx| store::save_summary(tx, &s, Utc::now()))?;
            }
        }
        Ok(())
    }

    // ---- reading (offline) ----

    /// Open ones first (closing soonest first), then upcoming, then closed
    /// and published (newest first).
    pub fn list(&self) -> Result<ConsultationList, CoreError> {
        let lang = self.core.language();
        let now = Utc::now();
        let (list, fetched_at, responses) = self.core.store.read(|c| {
            let list = store::list(c)?;
            let mut responses = Vec::with_capacity(list.len());
            for k in &list {
                responses.push(store::response(c, k.id)?);
            }
            Ok((list, store::fetched_at(c, "list")?, responses))
        })?;
        let mut cards: Vec<ConsultationCard> =
            list.iter().zip(&responses).map(|(k, r)| card(k, r.as_ref(), lang, now)).collect();
        cards.sort_by_key(|c| {
            let group = if c.accepts_answers {
                0
            } else if c.status == ConsultationStatus::Open {
                1
            } else {
                2
            };
            let key = if group == 2 { -c.closes_at.timestamp() } else { c.closes_at.timestamp() };
            (group, key, c.id)
        });
        Ok(ConsultationList { consultations: cards, fetched_text: fetched_text(fetched_at, lang), fetched_at })
    }

    /// One consultation with its questions, the draft and my response.
    pub fn detail(&self, id: i64) -> Result<ConsultationDetail, CoreError> {
        let lang = self.core.language();
        let now = Utc::now();
        let (k, draft, response) = self.load(id)?;
        let questions = k
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| QuestionView {
                index: i as u32,
                id: q.id.clone(),
                text: q.text.clone(),
                help: q.help.clone(),
                required: q.required,
                kind: q.kind.clone(),
                hint_text: hint(&q.kind, q.required, lang),
                answer: draft.answers.iter().find(|a| a.question == q.id).map(|a| a.value.clone()),
            })
            .collect();
        Ok(ConsultationDetail {
            card: card(&k, response.as_ref(), lang, now),
            description: k.description.clone(),
            attachments: k.attachments.clone(),
            anonymous: k.anonymous,
            respondents: k.respondents,
            identity: (k.respondents == RespondentRule::PerVerifiedPerson).then_some(k.verification.identity),
            sms_required: k.respondents == RespondentRule::PerVerifiedPerson && k.verification.sms,
            identity_text: identity_text(&k, lang),
            rules_text: rules_text(&k, lang),
            questions,
            draft: review(&k, &draft, response.as_ref(), lang),
            response: response.as_ref().map(|r| my_response(r, lang)),
        })
    }

    /// My response to a consultation (`None`: none from this device).
    pub fn response(&self, id: i64) -> Result<Option<MyResponse>, CoreError> {
        let r = self.core.store.read(|c| store::response(c, id))?;
        Ok(r.as_ref().map(|r| my_response(r, self.core.language())))
    }

    /// The published summary as last fetched, with the options' labels;
    /// `None` before publication.
    pub fn summary(&self, id: i64) -> Result<Option<ConsultationSummary>, CoreError> {
        let lang = self.core.language();
        let (k, s, fetched_at) = self.core.store.read(|c| {
            Ok((store::get(c, id)?, store::summary(c, id)?, store::fetched_at(c, &format!("summary:{id}"))?))
        })?;
        let k = k.ok_or_else(|| not_found(id))?;
        Ok(s.map(|s| summary_view(&k, &s, fetched_at, lang)))
    }

    // ---- the draft ----

    /// Sets the answer to one question, checked against it at once
    /// (`invalid_input` on `questions[i]` with the reason; the draft stays
    /// as it was). A blank text or an empty list clears the answer.
    pub fn set_answer(&self, id: i64, question: &str, value: AnswerValue) -> Result<AnswersDraft, CoreError> {
        let (k, mut draft, response) = self.load(id)?;
        let index = k.question_index(question).ok_or_else(|| CoreError::InvalidInput {
            field: "question".into(),
            message: Message::new(
                "Nie ma takiego pytania w tych konsultacjach.",
                "This consultation has no such question.",
            ),
        })?;
        let answer = Answer { question: question.to_owned(), value };
        // Only this question's own problems refuse it: a required question
        // still unanswered is for the review.
        if let Err(e) = check_answers(&only(&k, index), &Answers { answers: vec![answer.clone()] })
            && e.reason != AnswerReason::Required
        {
            return Err(answer_error(index, e.reason));
        }
        draft.answers.retain(|a| a.question != question);
        draft.answers.push(answer);
        draft.answers.sort_by_key(|a| k.question_index(&a.question).unwrap_or(usize::MAX));
        self.core.store.write(|tx| store::save_draft(tx, id, &draft, Utc::now()))?;
        Ok(review(&k, &draft, response.as_ref(), self.core.language()))
    }

    /// Sets every answer at once (a file of answers): each checked as
    /// [`ConsultationsApi::set_answer`] does; the first problem refuses all.
    pub fn set_answers(&self, id: i64, answers: Answers) -> Result<AnswersDraft, CoreError> {
        let (k, _, response) = self.load(id)?;
        for (i, a) in answers.answers.iter().enumerate() {
            let Some(index) = k.question_index(&a.question) else {
                return Err(CoreError::InvalidInput {
                    field: format!("answers[{i}]"),
                    message: Message::new(AnswerReason::UnknownQuestion.pl(), AnswerReason::UnknownQuestion.en()),
                });
            };
            if answers.answers[..i].iter().any(|b| b.question == a.question) {
                return Err(answer_error(index, AnswerReason::DuplicateAnswer));
            }
            if let Err(e) = check_answers(&only(&k, index), &Answers { answers: vec![a.clone()] })
                && e.reason != AnswerReason::Required
            {
                return Err(answer_error(index, e.reason));
            }
        }
        let mut draft = answers;
        draft.answers.sort_by_key(|a| k.question_index(&a.question).unwrap_or(usize::MAX));
        self.core.store.write(|tx| store::save_draft(tx, id, &draft, Utc::now()))?;
        Ok(review(&k, &draft, response.as_ref(), self.core.language()))
    }

    /// Clears one answer (`question`), or the whole draft (`None`).
    pub fn clear(&self, id: i64, question: Option<String>) -> Result<AnswersDraft, CoreError> {
        let (k, mut draft, response) = self.load(id)?;
        match question {
            Some(q) => draft.answers.retain(|a| a.question != q),
            None => draft.answers.clear(),
        }
        self.core.store.write(|tx| store::save_draft(tx, id, &draft, Utc::now()))?;
        Ok(review(&k, &draft, response.as_ref(), self.core.language()))
    }

    /// The draft and what stops sending it.
    pub fn draft(&self, id: i64) -> Result<AnswersDraft, CoreError> {
        let (k, draft, response) = self.load(id)?;
        Ok(review(&k, &draft, response.as_ref(), self.core.language()))
    }

    // ---- sending ----

    /// Sends the draft of a per-device consultation: checked whole by
    /// `check_answers` first (nothing invalid is queued), then one outbox
    /// item and my response (`queued`) in one transaction, then an attempt
    /// to send. A second response from this device is `already_answered`
    /// before anything is queued; outside the consultation's dates
    /// `phase_closed`; a per-person consultation `invalid_identity` on
    /// `identity` (use [`ConsultationsApi::submit_as`]). Offline it stays
    /// queued.
    pub async fn submit(&self, id: i64) -> Result<MyResponse, CoreError> {
        self.send(id, None, None).await
    }

    /// Sends the draft of a per-person consultation with who answers, as
    /// [`ConsultationsApi::submit`] does. The identity is checked first as
    /// the consultation asks (`identity::normalise`, the budget ballot's
    /// rule: PESEL checksum, names, address; `invalid_identity` with the
    /// field), and the SMS proof when it asks for one (`invalid_input` on
    /// `sms`); nothing is queued until all is right. The identity lives
    /// only in the outbox item, deleted with `secure_delete` once the
    /// server answers for good. A per-device consultation refuses it
    /// (`invalid_input` on `identity`): no personal data where none is
    /// asked.
    pub async fn submit_as(
        &self,
        id: i64,
        identity: IdentityInput,
        sms: Option<SmsProof>,
    ) -> Result<MyResponse, CoreError> {
        self.send(id, Some(identity), sms).await
    }

    /// Asks the server to send a one-time code to `phone` for this person
    /// (online only; per-person consultations that ask for one, while they
    /// take answers). The identity and the phone are checked first
    /// (`invalid_identity` with the field); nothing is stored. The answer's
    /// `request_id` and the code from the SMS go to
    /// [`ConsultationsApi::submit_as`].
    pub async fn request_sms_code(
        &self,
        id: i64,
        identity: IdentityInput,
        phone: &str,
    ) -> Result<SmsCodeIssued, CoreError> {
        let (k, _, _) = self.load(id)?;
        if k.respondents != RespondentRule::PerVerifiedPerson || !k.verification.sms {
            return Err(CoreError::InvalidInput {
                field: "phone".into(),
                message: Message::new(
                    "Te konsultacje nie wymagają kodu SMS.",
                    "This consultation does not ask for an SMS code.",
                ),
            });
        }
        let mut identity = identity;
        identity.phone = Some(phone.to_owned());
        identity::normalise(k.verification.identity, &identity).map_err(identity_error)?;
        if let Some(e) = closed_problem(&k) {
            return Err(e);
        }
        let tenant = self.core.store.get()?;
        let base = self.core.server_url();
        let token = match tenant.store.read(crate::devices::token)? {
            Some(t) => t,
            None => {
                // Registration goes first through the outbox.
                self.core.flush(&tenant, &base).await?;
                tenant.store.read(crate::devices::token)?.ok_or_else(|| CoreError::Network {
                    detail: "the device is not registered yet".into(),
                })?
            }
        };
        let body = SmsCodeRequest { identity, phone: phone.to_owned() };
        Ok(sync::request_sms(&tenant.http, &base, &token, id, &body).await.map_err(Error::from)?)
    }

    async fn send(
        &self,
        id: i64,
        identity: Option<IdentityInput>,
        sms: Option<SmsProof>,
    ) -> Result<MyResponse, CoreError> {
        let lang = self.core.language();
        let (k, draft, response) = self.load(id)?;
        if let Some(r) = &response
            && r.state != ResponseState::Refused
        {
            return Err(already_answered());
        }
        if let Some(e) = closed_problem(&k) {
            return Err(e);
        }
        let normal = check_answers(&k, &draft).map_err(|e| {
            let field = e.field();
            CoreError::InvalidInput { field, message: Message::new(e.reason.pl(), e.reason.en()) }
        })?;
        let (identity, sms) = respondent(&k, identity, sms)?;
        let holds_identity = identity.is_some();
        let tenant = self.core.store.get()?;
        tenant.store.write(|tx| {
            let now = Utc::now();
            if holds_identity {
                // A refused response's earlier item, rewritten or deleted
                // from here on, leaves no copy in free pages.
                crate::budget::store::secure_delete(tx)?;
            }
            let payload =
                AnswerPayload { consultation: id, answers: Answers { answers: normal.answers.clone() }, identity, sms };
            let outbox_id = outbox::enqueue(tx, outbox::Kind::ConsultationAnswers, &payload, now)?;
            // The draft stays until the server takes the answers: a refusal
            // (closed meanwhile) leaves them to look at.
            store::insert_response(tx, id, outbox_id, &normal, now)
        })?;
        if let Err(e) = self.core.flush(&tenant, &self.core.server_url()).await {
            tracing::info!(code = CoreError::from(&e).code(), "consultations: the answers wait in the outbox");
        }
        let r = self
            .core
            .store
            .read(|c| store::response(c, id))?
            .ok_or_else(|| CoreError::Internal { detail: "a response without its row".into() })?;
        if r.state == ResponseState::Refused
            && let Some(e) = &r.error
        {
            return Err(crate::budget::fetch::as_error(e));
        }
        Ok(my_response(&r, lang))
    }

    // ---- helpers ----

    fn load(&self, id: i64) -> Result<(Consultation, Answers, Option<LocalResponse>), CoreError> {
        self.core.store.read(|c| {
            let Some(k) = store::get(c, id)? else { return Ok(Err(not_found(id))) };
            Ok(Ok((k, store::draft(c, id)?, store::response(c, id)?)))
        })?
    }
}

/// A consultation with only its question `index`, so that question's
/// answer is checked alone (its kind, options, limits, text).
fn only(k: &Consultation, index: usize) -> Consultation {
    let mut one = k.clone();
    one.questions = vec![k.questions[index].clone()];
    one
}

fn answer_error(index: usize, reason: AnswerReason) -> CoreError {
    CoreError::InvalidInput { field: format!("questions[{index}]"), message: Message::new(reason.pl(), reason.en()) }
}

fn already_answered() -> CoreError {
    CoreError::Server {
        code: ErrorCode::AlreadyAnswered,
        message: Message::new(
            "Z tego urządzenia już odpowiedziano w tych konsultacjach.",
            "This device has already answered this consultation.",
        ),
        field: None,
    }
}

/// Why answers are not taken now, if they are not.
fn closed_problem(k: &Consultation) -> Option<CoreError> {
    let now = Utc::now();
    if !k.accepts_answers_at(now) {
        return Some(CoreError::Server {
            code: ErrorCode::PhaseClosed,
            message: if k.upcoming_at(now) {
                Message::new("Te konsultacje jeszcze się nie rozpoczęły.", "This consultation has not opened yet.")
            } else {
                Message::new("Te konsultacje są zakończone.", "This consultation is closed.")
            },
            field: None,
        });
    }
    None
}

/// Who answers, as the consultation asks: nothing per device (an
/// identity given is refused: no personal data where none is asked);
/// per person the identity checked by the budget ballot's rule
/// (`identity::normalise`) and, when asked, a non-empty SMS proof. The
/// phone is left out of what is sent: the SMS request already bound it.
fn respondent(
    k: &Consultation,
    identity: Option<IdentityInput>,
    sms: Option<SmsProof>,
) -> Result<(Option<IdentityInput>, Option<SmsProof>), CoreError> {
    match (k.respondents, identity) {
        (RespondentRule::PerDevice, None) => Ok((None, None)),
        (RespondentRule::PerDevice, Some(_)) => Err(CoreError::InvalidInput {
            field: "identity".into(),
            message: Message::new(
                "Te konsultacje nie sprawdzają tożsamości: nie podawaj danych osobowych.",
                "This consultation does not verify identity: give no personal data.",
            ),
        }),
        (RespondentRule::PerVerifiedPerson, None) => Err(CoreError::InvalidIdentity {
            field: "identity".into(),
            message: identity_needed(k.verification.identity),
        }),
        (RespondentRule::PerVerifiedPerson, Some(mut identity)) => {
            identity::normalise(k.verification.identity, &identity).map_err(identity_error)?;
            identity.phone = None;
            if k.verification.identity == IdentityMode::Pesel {
                identity.address = None;
            } else {
                identity.pesel = None;
            }
            if !k.verification.sms {
                return Ok((Some(identity), None));
            }
            match sms {
                Some(p) if !p.request_id.trim().is_empty() && !p.code.trim().is_empty() => {
                    Ok((Some(identity), Some(SmsProof { request_id: p.request_id.trim().to_owned(), code: p.code.trim().to_owned() })))
                }
                _ => Err(CoreError::InvalidInput {
                    field: "sms".into(),
                    message: Message::new(
                        "Podaj kod z SMS-a (najpierw poproś o kod).",
                        "Enter the code from the SMS (ask for a code first).",
                    ),
                }),
            }
        }
    }
}

fn identity_error(e: identity::IdentityError) -> CoreError {
    CoreError::InvalidIdentity { field: e.field.to_owned(), message: e.message() }
}

fn identity_needed(mode: IdentityMode) -> Message {
    match mode {
        IdentityMode::Pesel => Message::new(
            "Te konsultacje wymagają potwierdzenia tożsamości: podaj imię, nazwisko i PESEL.",
            "This consultation verifies identity: give your first name, last name and PESEL.",
        ),
        IdentityMode::NameAddress => Message::new(
            "Te konsultacje wymagają potwierdzenia tożsamości: podaj imię, nazwisko i adres zamieszkania.",
            "This consultation verifies identity: give your first name, last name and home address.",
        ),
    }
}

/// What the respondent gives before sending, in words; empty per device.
fn identity_text(k: &Consultation, lang: Language) -> String {
    if k.respondents != RespondentRule::PerVerifiedPerson {
        return String::new();
    }
    let m = identity_needed(k.verification.identity);
    let who = lang.pick(&m.pl, &m.en).to_owned();
    if k.verification.sms {
        format!(
            "{who} {}",
            lang.pick(
                "Potrzebny jest też kod wysłany SMS-em na Twój numer.",
                "A code sent by SMS to your number is needed too."
            )
        )
    } else {
        who
    }
}

fn not_found(id: i64) -> CoreError {
    CoreError::not_found(format!("consultation {id}"))
}

fn fetched_text(at: Option<chrono::DateTime<Utc>>, lang: Language) -> String {
    match at {
        Some(t) => format!("{} {}", lang.pick("Stan na", "As of"), display::datetime_text(t, lang)),
        None => lang.pick("Jeszcze nie pobrano", "Not fetched yet").to_owned(),
    }
}

fn card(k: &Consultation, r: Option<&LocalResponse>, lang: Language, now: chrono::DateTime<Utc>) -> ConsultationCard {
    let status = k.status_at(now);
    let status_text = match status {
        ConsultationStatus::Open if k.upcoming_at(now) => {
            format!("{} {}", lang.pick("Rozpoczęcie", "Opens on"), display::datetime_text(k.opens_at, lang))
        }
        ConsultationStatus::Open => {
            format!("{} {}", lang.pick("Trwa do", "Open until"), display::datetime_text(k.closes_at, lang))
        }
        ConsultationStatus::Closed => lang.pick("Zakończone; wyniki wkrótce", "Closed; results to come").to_owned(),
        ConsultationStatus::Published => {
            lang.pick("Zakończone; wyniki opublikowane", "Closed; results published").to_owned()
        }
        ConsultationStatus::Draft => lang.pick("W przygotowaniu", "In preparation").to_owned(),
    };
    ConsultationCard {
        id: k.id,
        title: k.title.clone(),
        status,
        status_text,
        opens_at: k.opens_at,
        closes_at: k.closes_at,
        accepts_answers: k.accepts_answers_at(now),
        questions: k.questions.len() as u32,
        response: r.map(|r| r.state),
        summary_published: status == ConsultationStatus::Published,
    }
}

fn rules_text(k: &Consultation, lang: Language) -> String {
    let who = match k.respondents {
        RespondentRule::PerDevice => lang.pick("Jedna odpowiedź z urządzenia.", "One response per device."),
        RespondentRule::PerVerifiedPerson => lang.pick(
            "Jedna odpowiedź na osobę (z potwierdzeniem tożsamości).",
            "One response per person (identity verified).",
        ),
    };
    let anonymous = if k.anonymous { lang.pick(" Odpowiedzi są anonimowe.", " Responses are anonymous.") } else { "" };
    format!("{who}{anonymous}")
}

/// What a question asks for, in words.
fn hint(kind: &QuestionKind, required: bool, lang: Language) -> String {
    let what = match kind {
        QuestionKind::Single { .. } => lang.pick("Wybierz jedną odpowiedź.", "Choose one option.").to_owned(),
        QuestionKind::Multiple { max, .. } => format!("{} {max}.", lang.pick("Wybierz najwyżej", "Choose at most")),
        QuestionKind::Ranking { rank_max, .. } => {
            format!(
                "{} {rank_max}.",
                lang.pick("Uszereguj od najważniejszej, najwyżej", "Rank from the most important, at most")
            )
        }
        QuestionKind::Matrix { multiple: false, .. } => {
            lang.pick("Zaznacz jedno pole w wierszu.", "Tick one cell per row.").to_owned()
        }
        QuestionKind::Matrix { multiple: true, .. } => {
            lang.pick("Zaznacz dowolne pola w wierszach.", "Tick any cells in each row.").to_owned()
        }
        QuestionKind::ShortText { max_chars } | QuestionKind::LongText { max_chars } => {
            format!("{} {max_chars} {}.", lang.pick("Najwyżej", "At most"), lang.pick("znaków", "characters"))
        }
    };
    if required { format!("{what} {}", lang.pick("(wymagane)", "(required)")) } else { what }
}

fn review(k: &Consultation, draft: &Answers, r: Option<&LocalResponse>, lang: Language) -> AnswersDraft {
    let mut problems = Vec::new();
    let mut push = |field: Option<String>, message: Message| {
        let text = lang.pick(&message.pl, &message.en).to_owned();
        problems.push(AnswerProblem { field, message, text });
    };
    if r.is_some_and(|r| r.state != ResponseState::Refused) {
        let CoreError::Server { message, .. } = already_answered() else { unreachable!("a server error") };
        push(None, message);
    } else if let Some(CoreError::Server { message, .. }) = closed_problem(k) {
        push(None, message);
    }
    if let Err(e) = check_answers(k, draft) {
        push(Some(e.field()), Message::new(e.reason.pl(), e.reason.en()));
    }
    AnswersDraft { consultation: k.id, answered: draft.answers.len() as u32, ok: problems.is_empty(), problems }
}

fn my_response(r: &LocalResponse, lang: Language) -> MyResponse {
    MyResponse {
        consultation: r.consultation,
        state: r.state,
        state_text: r.state.label(lang).to_owned(),
        answered: r.answers.answers.len() as u32,
        created_at: r.created_at,
        receipt_id: r.receipt.as_ref().and_then(|x| x.id.clone()),
        error_code: r.error.as_ref().map(|e| e.code.clone()),
        error_text: r.error.as_ref().map(|e| lang.pick(&e.message.pl, &e.message.en).to_owned()),
    }
}

fn line(label: String, count: u64, of: u64, lang: Language) -> SummaryLine {
    let permille = (count.saturating_mul(1000) + of / 2).checked_div(of).unwrap_or(0).min(u64::from(u32::MAX)) as u32;
    let pct = format!("{},{}", permille / 10, permille % 10);
    let pct = if lang == Language::English { pct.replace(',', ".") } else { pct };
    SummaryLine { text: format!("{count} ({pct}%)"), label, count, permille }
}

fn summary_view(
    k: &Consultation,
    s: &PublicSummary,
    fetched_at: Option<chrono::DateTime<Utc>>,
    lang: Language,
) -> ConsultationSummary {
    let questions = s
        .summary
        .questions
        .iter()
        .filter_map(|qs| {
            let q = k.questions.iter().find(|q| q.id == qs.question)?;
            let label = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
            let lines = match (&qs.tally, &q.kind) {
                (Tally::Single { counts } | Tally::Multiple { counts }, kind) => counts
                    .iter()
                    .enumerate()
                    .map(|(i, n)| line(label(kind.options(), i), *n, qs.answered, lang))
                    .collect(),
                (Tally::Ranking { borda, .. }, kind) => {
                    let mut order: Vec<usize> = (0..borda.len()).collect();
                    order.sort_by_key(|i| std::cmp::Reverse(borda[*i]));
                    let total: u64 = borda.iter().sum();
                    order.into_iter().map(|i| line(label(kind.options(), i), borda[i], total, lang)).collect()
                }
                (Tally::Matrix { cells }, QuestionKind::Matrix { rows, columns, .. }) => cells
                    .iter()
                    .enumerate()
                    .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, n)| (r, c, *n)))
                    .map(|(r, c, n)| line(format!("{}: {}", label(rows, r), label(columns, c)), n, qs.answered, lang))
                    .collect(),
                _ => Vec::new(),
            };
            Some(QuestionSummaryView {
                question: q.id.clone(),
                text: q.text.clone(),
                answered: qs.answered,
                lines,
                texts: s.texts.iter().filter(|t| t.question == q.id).map(|t| t.text.clone()).collect(),
            })
        })
        .collect();
    let n = s.summary.respondents;
    ConsultationSummary {
        consultation: k.id,
        respondents: n,
        respondents_text: match lang {
            Language::Polish => format!(
                "{n} {}",
                display::polish_plural(n, "osoba odpowiedziała", "osoby odpowiedziały", "osób odpowiedziało")
            ),
            Language::English => format!("{n} {}", if n == 1 { "person answered" } else { "people answered" }),
        },
        questions,
        fetched_text: fetched_text(fetched_at, lang),
        fetched_at,
    }
}
