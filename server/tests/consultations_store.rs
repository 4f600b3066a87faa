//! The consultations' store (issue 15, `store/consultations.rs`) on the
//! test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! one answer per respondent under 200 concurrent tries, anonymous answers
//! keep no key and no time (schema and rows), others keep both, moderation,
//! status moves and edits refused once answered leave everything as it
//! was, gminas see nothing of each other, officials' writes are audited.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::backend::{SqlValue, open_store};
use mm_protocol::consultations::{
    Answer, AnswerValue, Answers, Consultation, ConsultationStatus, NormalAnswers, Question, QuestionKind,
    RespondentRule, check_answers,
};
use mm_protocol::gmina::Teryt;
use mm_server::store::consultations::{Answered, ModerationState, NewResponse};
use mm_server::store::{Actor, Conflict, IdempotencyKey, Store, StoreError};

const A: &str = "0223083";
const B: &str = "0223011";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 9, 0, 0).unwrap()
}

fn official() -> Actor {
    Actor("consultation-official".into())
}

fn teryt(code: &str) -> Teryt {
    Teryt::parse(code).unwrap()
}

/// The handles of gminas A and B of a fresh store.
async fn gminas(root: &dyn Store) -> (Arc<dyn Store>, Arc<dyn Store>) {
    root.add_gmina(official(), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    root.add_gmina(official(), common::gmina_record(B, "Kobierzyce"), t0()).await.unwrap();
    (root.for_gmina(&teryt(A)), root.for_gmina(&teryt(B)))
}

/// Open from a day before `t0` for thirty days.
fn survey(anonymous: bool) -> Consultation {
    Consultation {
        id: 0,
        title: "Park przy ul. Kościuszki".into(),
        description: "Co ma powstać w parku?".into(),
        opens_at: t0() - Duration::days(1),
        closes_at: t0() + Duration::days(29),
        area: None,
        attachments: vec![],
        questions: vec![
            Question {
                id: "q1".into(),
                text: "Co wolisz?".into(),
                help: String::new(),
                required: true,
                kind: QuestionKind::Single { options: vec!["Plac zabaw".into(), "Siłownia".into()] },
            },
            Question {
                id: "q2".into(),
                text: "Uwagi".into(),
                help: String::new(),
                required: false,
                kind: QuestionKind::LongText { max_chars: 2000 },
            },
        ],
        respondents: RespondentRule::PerDevice,
        verification: Default::default(),
        anonymous,
        status: ConsultationStatus::Draft,
    }
}

fn answers(c: &Consultation, option: u16, text: &str) -> NormalAnswers {
    let mut a = vec![Answer { question: "q1".into(), value: AnswerValue::Single { option } }];
    if !text.is_empty() {
        a.push(Answer { question: "q2".into(), value: AnswerValue::Text { text: text.into() } });
    }
    check_answers(c, &Answers { answers: a }).unwrap()
}

fn response(c: &Consultation, key: &[u8], option: u16, text: &str) -> NewResponse {
    NewResponse {
        consultation: c.id,
        respondent_key: key.to_vec(),
        answers: answers(c, option, text),
        now: t0(),
        idempotency: None,
        sms: None,
    }
}

/// A consultation of `store`'s gmina, open.
async fn open(store: &Arc<dyn Store>, anonymous: bool) -> Consultation {
    let c = store.save_consultation(official(), survey(anonymous), t0()).await.unwrap();
    assert_eq!(c.status, ConsultationStatus::Draft, "created as a draft");
    store.set_status(official(), c.id, ConsultationStatus::Open, t0()).await.unwrap()
}

fn conflict(e: StoreError) -> Conflict {
    match e {
        StoreError::Conflict(c) => c,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_hundred_concurrent_answers_of_one_respondent_store_one() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let c = open(&a, true).await;
    let tasks: Vec<_> = (0..200u16)
        .map(|i| {
            let (a, r) = (a.clone(), response(&c, b"one-device-key", i % 2, &format!("uwaga {i}")));
            tokio::spawn(async move { a.answer(r).await })
        })
        .collect();
    let (mut stored, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(Answered::New { .. }) => stored += 1,
            Err(StoreError::Conflict(Conflict::AlreadyAnswered)) => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((stored, refused), (1, 199));
    assert_eq!(a.responses(c.id).await.unwrap().len(), 1);
    let sql = guard.sql(dir.path());
    for table in ["consultation_respondents", "consultation_responses", "consultation_texts"] {
        assert_eq!(sql.int(&format!("SELECT COUNT(*) FROM {table}"), &[]), 1, "{table}");
    }
    // Another respondent still answers.
    assert!(matches!(a.answer(response(&c, b"another-key", 0, "")).await.unwrap(), Answered::New { .. }));
    assert_eq!(a.responses(c.id).await.unwrap().len(), 2);
}

/// The columns of `table`, in either backend's catalogue.
fn columns(sql: &common::backend::Sql, table: &str) -> Vec<String> {
    let mut cols = match common::backend::backend() {
        common::backend::Backend::Sqlite => sql.texts(&format!("SELECT name FROM pragma_table_info('{table}')")),
        common::backend::Backend::Postgres => sql.texts(&format!(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = '{table}'"
        )),
    };
    cols.sort();
    cols
}

#[tokio::test]
async fn anonymous_answers_keep_no_key_and_no_time_others_keep_both() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let sql = guard.sql(dir.path());
    // The schema: nothing about a device, no time on the respondent row.
    assert_eq!(columns(&sql, "consultation_respondents"), ["consultation", "gmina", "idem_key", "request_hash", "respondent_key"]);
    assert_eq!(
        columns(&sql, "consultation_responses"),
        ["answers", "consultation", "gmina", "id", "respondent_key", "submitted_at", "submitted_on"]
    );

    let anon = open(&a, true).await;
    let Answered::New { id } = a.answer(response(&anon, b"anonymous-key", 1, "Więcej ławek")).await.unwrap() else {
        panic!("stored")
    };
    let s = |v: &str| SqlValue::from(v);
    let row = |col: &str, id: &str| sql.text(&format!("SELECT {col} FROM consultation_responses WHERE id = ?1"), &[s(id)]);
    assert_eq!(row("submitted_at", &id), None);
    assert_eq!(row("submitted_on", &id).as_deref(), Some("2026-05-12"), "the local date only");
    assert_eq!(sql.int("SELECT COUNT(*) FROM consultation_responses WHERE id = ?1 AND respondent_key IS NULL", &[s(&id)]), 1);
    assert!(uuid::Uuid::parse_str(&id).is_ok_and(|u| u.get_version_num() == 4), "a random UUID v4");
    // Nothing of the answer's row is in the respondent's, nor the reverse.
    assert!(sql.tables_containing(&id).iter().all(|t| t != "consultation_respondents"));
    let stored = a.responses(anon.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].respondent_key.clone(), stored[0].submitted_at), (None, None));
    assert_eq!(stored[0].submitted_on, chrono::NaiveDate::from_ymd_opt(2026, 5, 12).unwrap());
    assert_eq!(stored[0].answers, answers(&anon, 1, "Więcej ławek"));

    let named = open(&a, false).await;
    let Answered::New { id } = a.answer(response(&named, b"named-key", 0, "")).await.unwrap() else { panic!("stored") };
    assert_eq!(row("submitted_on", &id), None);
    assert_eq!(row("submitted_at", &id).as_deref(), Some("2026-05-12T09:00:00.000000Z"));
    assert_eq!(sql.int("SELECT COUNT(*) FROM consultation_responses WHERE id = ?1 AND respondent_key IS NOT NULL", &[s(&id)]), 1);
    let stored = a.responses(named.id).await.unwrap();
    assert_eq!(stored[0].respondent_key.as_deref(), Some(&b"named-key"[..]));
    assert_eq!(stored[0].submitted_at, Some(t0()));
    assert!(!format!("{:?}", stored[0]).contains("named"), "Debug hides the key");
}

#[tokio::test]
async fn a_retried_request_is_replayed_another_is_already_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    for anonymous in [true, false] {
        let c = open(&a, anonymous).await;
        let idem = |key: &str, hash: &str| {
            Some(IdempotencyKey { scope: "consultations".into(), key: key.into(), request_hash: hash.into() })
        };
        let first = NewResponse { idempotency: idem("k1", "h1"), ..response(&c, b"device", 0, "") };
        let Answered::New { id } = a.answer(first.clone()).await.unwrap() else { panic!("stored") };
        let again = a.answer(first.clone()).await.unwrap();
        assert_eq!(again, Answered::Replayed { id: if anonymous { None } else { Some(id) } });
        let other_body = NewResponse { idempotency: idem("k1", "h2"), ..first.clone() };
        assert!(matches!(a.answer(other_body).await, Err(StoreError::IdempotencyConflict)));
        let other_key = NewResponse { idempotency: idem("k2", "h1"), ..first.clone() };
        assert_eq!(conflict(a.answer(other_key).await.unwrap_err()), Conflict::AlreadyAnswered);
        assert_eq!(a.responses(c.id).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn answers_only_while_open_and_between_the_dates() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let draft = a.save_consultation(official(), survey(true), t0()).await.unwrap();
    assert_eq!(conflict(a.answer(response(&draft, b"k", 0, "")).await.unwrap_err()), Conflict::ConsultationClosed);
    let c = open(&a, true).await;
    for now in [c.opens_at - Duration::seconds(1), c.closes_at] {
        let r = NewResponse { now, ..response(&c, b"k", 0, "") };
        assert_eq!(conflict(a.answer(r).await.unwrap_err()), Conflict::ConsultationClosed);
    }
    let missing = NewResponse { consultation: c.id + 1000, ..response(&c, b"k", 0, "") };
    assert!(matches!(a.answer(missing).await, Err(StoreError::NotFound)));
    let sql = guard.sql(dir.path());
    assert_eq!(sql.int("SELECT COUNT(*) FROM consultation_respondents", &[]), 0, "nothing stored");
    assert_eq!(sql.int("SELECT COUNT(*) FROM consultation_responses", &[]), 0);
}

#[tokio::test]
async fn free_text_waits_for_moderation() {
    let dir = tempfile::tempdir().unwrap();
    let (root, _guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let c = open(&a, true).await;
    for (key, text) in [(&b"r1"[..], "Więcej drzew"), (b"r2", "Spam spam"), (b"r3", "Fontanna"), (b"r4", "")] {
        a.answer(response(&c, key, 0, text)).await.unwrap();
    }
    let pending = a.text_answers(c.id, ModerationState::Pending).await.unwrap();
    assert_eq!(pending.len(), 3, "an empty text is not a text answer");
    assert!(pending.iter().all(|t| t.question == "q2" && t.moderated_by.is_none() && t.moderated_at.is_none()));
    assert!(a.text_answers(c.id, ModerationState::Approved).await.unwrap().is_empty());
    let by_text = |t: &str| pending.iter().find(|p| p.text == t).unwrap().id.clone();
    let later = t0() + Duration::hours(1);
    let approved = a.moderate(official(), &by_text("Więcej drzew"), true, later).await.unwrap();
    assert_eq!(approved.state, ModerationState::Approved);
    assert_eq!((approved.moderated_by.as_deref(), approved.moderated_at), (Some("consultation-official"), Some(later)));
    a.moderate(official(), &by_text("Spam spam"), false, later).await.unwrap();
    // A decision may be changed.
    a.moderate(official(), &by_text("Fontanna"), false, later).await.unwrap();
    a.moderate(official(), &by_text("Fontanna"), true, later).await.unwrap();
    let texts = |s| {
        let a = a.clone();
        async move {
            let mut t: Vec<String> = a.text_answers(c.id, s).await.unwrap().into_iter().map(|t| t.text).collect();
            t.sort();
            t
        }
    };
    assert_eq!(texts(ModerationState::Approved).await, ["Fontanna", "Więcej drzew"]);
    assert_eq!(texts(ModerationState::Rejected).await, ["Spam spam"]);
    assert!(texts(ModerationState::Pending).await.is_empty());
    assert!(matches!(a.moderate(official(), "no-such-text", true, later).await, Err(StoreError::NotFound)));
    let audit = a.list_audit(50).await.unwrap();
    let moderated: Vec<_> = audit.iter().filter(|e| e.action == "consultation.moderate").collect();
    assert_eq!(moderated.len(), 4);
    for e in moderated {
        assert_eq!(e.entity, "consultation_text");
        let details = e.details.to_string();
        assert!(!details.contains("Spam") && !details.contains("drzew") && !details.contains("Fontanna"), "ids only");
    }
}

#[tokio::test]
async fn refused_status_moves_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let sql = guard.sql(dir.path());
    let snapshot = || sql.texts("SELECT status || ' ' || data || ' ' || updated_at FROM consultations ORDER BY id");
    let c = a.save_consultation(official(), survey(true), t0()).await.unwrap();
    let before = snapshot();
    let audits = a.list_audit(100).await.unwrap().len();
    for (to, now) in [
        (ConsultationStatus::Closed, t0()),
        (ConsultationStatus::Published, t0()),
        (ConsultationStatus::Draft, t0()),
    ] {
        assert_eq!(conflict(a.set_status(official(), c.id, to, now).await.unwrap_err()), Conflict::ConsultationStatus);
    }
    let c = a.set_status(official(), c.id, ConsultationStatus::Open, t0()).await.unwrap();
    let before_open = snapshot();
    assert_ne!(before, before_open);
    // Published only after closes_at.
    assert_eq!(
        conflict(a.set_status(official(), c.id, ConsultationStatus::Published, t0()).await.unwrap_err()),
        Conflict::ConsultationStatus
    );
    a.answer(response(&c, b"k", 0, "")).await.unwrap();
    // Back to draft once answered: refused.
    assert_eq!(
        conflict(a.set_status(official(), c.id, ConsultationStatus::Draft, t0()).await.unwrap_err()),
        Conflict::ConsultationLocked
    );
    assert_eq!(snapshot(), before_open, "refused moves changed nothing");
    assert_eq!(a.list_audit(100).await.unwrap().len(), audits + 1, "only the allowed move is audited");
    assert!(matches!(
        a.set_status(official(), c.id + 1000, ConsultationStatus::Open, t0()).await,
        Err(StoreError::NotFound)
    ));
    let closed = a.set_status(official(), c.id, ConsultationStatus::Closed, t0()).await.unwrap();
    assert_eq!(closed.status, ConsultationStatus::Closed);
    let published = a.set_status(official(), c.id, ConsultationStatus::Published, c.closes_at).await.unwrap();
    assert_eq!(published.status, ConsultationStatus::Published);
    assert_eq!(a.consultation(c.id).await.unwrap().unwrap().status, ConsultationStatus::Published);
    let moves: Vec<_> = a.list_audit(100).await.unwrap().into_iter().filter(|e| e.action == "consultation.status").collect();
    assert_eq!(moves.len(), 3);
    assert!(moves.iter().all(|e| e.entity_id.as_deref() == Some(c.id.to_string().as_str())));
}

#[tokio::test]
async fn an_open_consultation_with_answers_cannot_be_edited() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let (a, _) = gminas(root.as_ref()).await;
    let c = open(&a, true).await;
    // Open without answers: an edit is taken, the status stays.
    let edited = Consultation { title: "Park nad Oławą".into(), status: ConsultationStatus::Draft, ..c.clone() };
    let saved = a.save_consultation(official(), edited, t0()).await.unwrap();
    assert_eq!((saved.title.as_str(), saved.status), ("Park nad Oławą", ConsultationStatus::Open));
    assert_eq!(a.consultation(c.id).await.unwrap().unwrap(), saved);
    a.answer(response(&c, b"k", 0, "")).await.unwrap();
    let sql = guard.sql(dir.path());
    let before = sql.texts("SELECT data FROM consultations ORDER BY id");
    let again = Consultation { anonymous: false, ..saved.clone() };
    assert_eq!(conflict(a.save_consultation(official(), again, t0()).await.unwrap_err()), Conflict::ConsultationLocked);
    assert_eq!(sql.texts("SELECT data FROM consultations ORDER BY id"), before);
    assert_eq!(a.consultation(c.id).await.unwrap().unwrap(), saved);
    let missing = Consultation { id: c.id + 1000, ..saved };
    assert!(matches!(a.save_consultation(official(), missing, t0()).await, Err(StoreError::NotFound)));
    let audit = a.list_audit(100).await.unwrap();
    let saves: Vec<_> = audit.iter().filter(|e| e.entity == "consultation" && e.action != "consultation.status").collect();
    assert_eq!(saves.len(), 2, "the create and the one edit");
    assert!(saves.iter().all(|e| e.actor == "consultation-official" && !e.details.to_string().contains("Park")));
}

#[tokio::test]
async fn gminas_see_and_touch_nothing_of_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let (a, b) = gminas(root.as_ref()).await;
    let c = open(&a, false).await;
    let draft = a.save_consultation(official(), survey(true), t0()).await.unwrap();
    a.answer(response(&c, b"k", 0, "Tekst z gminy A")).await.unwrap();
    let text = a.text_answers(c.id, ModerationState::Pending).await.unwrap().remove(0);

    let listed: Vec<i64> = a.consultations(false).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(listed, [c.id], "drafts are not public");
    let mut all: Vec<i64> = a.consultations(true).await.unwrap().iter().map(|c| c.id).collect();
    all.sort();
    assert_eq!(all, [c.id, draft.id]);

    assert!(b.consultations(true).await.unwrap().is_empty());
    assert_eq!(b.consultation(c.id).await.unwrap(), None);
    assert!(b.responses(c.id).await.unwrap().is_empty());
    assert!(b.text_answers(c.id, ModerationState::Pending).await.unwrap().is_empty());
    let sql = guard.sql(dir.path());
    let snapshot = || {
        ["consultations", "consultation_respondents", "consultation_responses", "consultation_texts", "audit_log"]
            .map(|t| sql.int(&format!("SELECT COUNT(*) FROM {t}"), &[]))
    };
    let before = snapshot();
    let before_data = sql.texts("SELECT status || data FROM consultations ORDER BY id");
    assert!(matches!(b.answer(response(&c, b"k2", 0, "")).await, Err(StoreError::NotFound)));
    assert!(matches!(b.set_status(official(), c.id, ConsultationStatus::Closed, t0()).await, Err(StoreError::NotFound)));
    let edit = Consultation { title: "Przejęta".into(), ..c.clone() };
    assert!(matches!(b.save_consultation(official(), edit, t0()).await, Err(StoreError::NotFound)));
    assert!(matches!(b.moderate(official(), &text.id, true, t0()).await, Err(StoreError::NotFound)));
    assert_eq!(snapshot(), before, "nothing written, not even an audit row");
    assert_eq!(sql.texts("SELECT status || data FROM consultations ORDER BY id"), before_data);
    assert_eq!(a.text_answers(c.id, ModerationState::Pending).await.unwrap(), [text]);

    // The same respondent key answers in each gmina's own consultation.
    let cb = open(&b, false).await;
    assert!(matches!(b.answer(response(&cb, b"k", 1, "")).await.unwrap(), Answered::New { .. }));
    assert_eq!(b.responses(cb.id).await.unwrap().len(), 1);
    assert_eq!(a.responses(cb.id).await.unwrap().len(), 0);
    let of_a = [c.id.to_string(), draft.id.to_string()];
    assert!(b.list_audit(100).await.unwrap().iter().all(|e| e.entity_id.as_ref().is_none_or(|id| !of_a.contains(id))));
}
