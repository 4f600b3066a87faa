//! The maintenance pass (server/src/maintenance.rs) deletes one-time SMS
//! codes a day after they expired, the budget's and the consultations',
//! in every gmina (issue 15, docs/plans/issue-15.md §7 item 6), on the
//! test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`).
//! Issuing a consultation code clears the gmina's old ones too, but after
//! a consultation's last code only the pass does: that is what is tested.

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::backend::{SqlValue, open_store};
use mm_protocol::budget::identity::normalise_phone;
use mm_protocol::budget::model::{EditionSettings, PhaseDates};
use mm_protocol::consultations::{Consultation, ConsultationStatus, Question, QuestionKind, RespondentRule};
use mm_protocol::gmina::Teryt;
use mm_server::budget::identity::{BudgetKeys, sms_code_hash};
use mm_server::maintenance::{Maintenance, Retention};
use mm_server::state::Clock;
use mm_server::store::budget::NewEdition;
use mm_server::store::{Actor, Store, ballots, consultations};

const GMINAS: [&str; 2] = ["0223083", "0223011"];

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 9, 0, 0).unwrap()
}

fn official() -> Actor {
    Actor("maintenance-test".into())
}

fn survey() -> Consultation {
    Consultation {
        id: 0,
        title: "Park".into(),
        description: "Co ma powstać w parku?".into(),
        opens_at: t0() - Duration::days(1),
        closes_at: t0() + Duration::days(29),
        area: None,
        attachments: vec![],
        questions: vec![Question {
            id: "q1".into(),
            text: "Co wolisz?".into(),
            help: String::new(),
            required: true,
            kind: QuestionKind::Single { options: vec!["Plac zabaw".into(), "Siłownia".into()] },
        }],
        respondents: RespondentRule::PerVerifiedPerson,
        verification: Default::default(),
        anonymous: false,
        status: ConsultationStatus::Draft,
    }
}

/// Voting around `t0`.
fn dates() -> PhaseDates {
    let d = Duration::days;
    PhaseDates {
        submission_from: t0() - d(90),
        submission_to: t0() - d(60),
        verification_to: t0() - d(40),
        appeal_to: t0() - d(30),
        voting_from: t0() - d(1),
        voting_to: t0() + d(10),
    }
}

/// A budget code and a consultation code of `store`'s gmina, issued at `at`
/// under `request` (`b-…`, `c-…`).
async fn issue(store: &Arc<dyn Store>, edition: i64, consultation: i64, request: &str, at: DateTime<Utc>) {
    let key = BudgetKeys::from_bytes(&[7u8; 32]).unwrap().edition(store.gmina_scope(), edition);
    store
        .issue_sms_code(ballots::NewSmsCode {
            request_id: format!("b-{request}"),
            edition,
            phone_key: key.phone(&normalise_phone("+48600100200").unwrap()),
            voter_key: key.voter_key(request.as_bytes()),
            code_hash: sms_code_hash(&format!("b-{request}"), "123456"),
            device: None,
            now: at,
        })
        .await
        .unwrap();
    store
        .issue_consultation_sms_code(consultations::NewSmsCode {
            request_id: format!("c-{request}"),
            consultation,
            respondent_key: request.as_bytes().to_vec(),
            code_hash: sms_code_hash(&format!("c-{request}"), "123456"),
            now: at,
        })
        .await
        .unwrap();
}

fn pass(store: &Arc<dyn Store>, at: DateTime<Utc>) -> Maintenance {
    Maintenance { store: store.clone(), clock: Clock::from_fn(move || at), retention: Retention::default() }
}

#[tokio::test]
async fn a_pass_deletes_both_kinds_of_sms_codes_a_day_after_they_expired_in_every_gmina() {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    let sql = guard.sql(dir.path());
    for (i, g) in GMINAS.iter().enumerate() {
        root.add_gmina(official(), common::gmina_record(g, &format!("Gmina {i}")), t0()).await.unwrap();
        let s = root.for_gmina(&Teryt::parse(g).unwrap());
        let edition = s
            .create_edition(
                official(),
                NewEdition { year: 2026, title: "BO".into(), dates: dates(), settings: EditionSettings::default() },
                t0() - Duration::days(100),
            )
            .await
            .unwrap()
            .id;
        let consultation = s.save_consultation(official(), survey(), t0()).await.unwrap().id;
        // Old codes at t0 (expired ten minutes later), fresh ones a day on
        // (issuing a consultation code then clears codes expired before t0: none).
        issue(&s, edition, consultation, "old", t0()).await;
        issue(&s, edition, consultation, "fresh", t0() + Duration::days(1)).await;
    }
    let rows = |table: &str, request: &str| {
        sql.int(&format!("SELECT COUNT(*) FROM {table} WHERE id = ?1"), &[SqlValue::Text(request.into())])
    };
    let all = |table: &str| sql.int(&format!("SELECT COUNT(*) FROM {table}"), &[]);
    assert_eq!((all("budget_sms_codes"), all("consultation_sms_codes")), (4, 4));

    // A day after the old codes expired, less a minute: nothing goes.
    let expired = t0() + Duration::minutes(ballots::SMS_CODE_MINUTES);
    pass(&root, expired + Duration::hours(ballots::SMS_KEEP_HOURS) - Duration::minutes(1)).run_once().await.unwrap();
    assert_eq!((all("budget_sms_codes"), all("consultation_sms_codes")), (4, 4));

    // A minute past that day: the old codes of both gminas go, the fresh stay.
    pass(&root, expired + Duration::hours(ballots::SMS_KEEP_HOURS) + Duration::minutes(1)).run_once().await.unwrap();
    for table in ["budget_sms_codes", "consultation_sms_codes"] {
        assert_eq!(all(table), 2, "{table}");
        assert_eq!(rows(table, &format!("{}-old", &table[..1])), 0, "{table}");
        assert_eq!(rows(table, &format!("{}-fresh", &table[..1])), 2, "{table}: one per gmina");
    }
    // The fresh codes in turn, a day after theirs expired.
    pass(&root, expired + Duration::days(2) + Duration::minutes(1)).run_once().await.unwrap();
    assert_eq!((all("budget_sms_codes"), all("consultation_sms_codes")), (0, 0));
}
