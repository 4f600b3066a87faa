//! The budget's ballots across channels (issue 15, plan §2.2 and §5) on
//! the test backend (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! paper + online, online + paper and paper + paper under `FirstCounts`
//! and `VoidAll` (what each call returned, the ballots' states, the
//! counts); the phone cap; changing a ballot; an idempotent replay; SMS
//! codes; retention; gmina isolation; and that no identity reaches the
//! database (only HMAC keys).

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::backend::{Sql, SqlValue, StoreGuard, open_store};
use mm_protocol::budget::identity::{normalise, normalise_phone};
use mm_protocol::budget::model::{BallotChannel, DuplicatePolicy, IdentityInput, IdentityMode};
use mm_protocol::gmina::Teryt;
use mm_server::budget::identity::{BudgetKeys, EditionKey, PhoneKey, VoterKey, sms_code_hash};
use mm_server::store::ballots::{
    BallotChange, BallotChoice, BallotIdempotency, BallotOwner, BallotPolicy, BallotState, CastOutcome,
    ChangeOutcome, NewBallot, NewSmsCode, SmsCheck, SmsUse,
};
use mm_server::store::{Actor, Store, StoreError};

const A: &str = "0223083";
const B: &str = "0223011";
/// Valid PESELs (checksum and date), as `normalise` takes them.
const PESELS: [&str; 8] =
    ["44051401359", "02070803628", "90090515836", "85121612343", "76032409874", "61111187651", "99010112342", "80010101230"];

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 12, 9, 0, 0).unwrap()
}

fn teryt(code: &str) -> Teryt {
    Teryt::parse(code).unwrap()
}

/// An edition of gmina `g` with one pool of two projects.
#[derive(Clone)]
struct Edition {
    id: i64,
    pool: i64,
    projects: [i64; 2],
    key: EditionKey,
}

fn text(s: &str) -> SqlValue {
    SqlValue::from(s)
}

fn add_edition(sql: &Sql, g: &str, voting_to: &str) -> Edition {
    sql.execute(
        "INSERT INTO budget_editions (gmina, year, title, submission_from, submission_to, verification_to,
             appeal_to, voting_from, voting_to, settings, created_at, updated_at)
         VALUES (?1, 2026, 'BO', ?2, ?2, ?2, ?2, ?2, ?3, '{\"retention_years\":5}', ?2, ?2)",
        &[text(g), text("2020-01-01T00:00:00.000000Z"), text(voting_to)],
    );
    let id = sql.int("SELECT MAX(id) FROM budget_editions WHERE gmina = ?1", &[text(g)]);
    sql.execute(
        "INSERT INTO budget_pools (gmina, edition, position, kind, name, amount_grosze, counting)
         VALUES (?1, ?2, 1, 'gmina_wide', 'Cała gmina', 100000000, '{}')",
        &[text(g), id.into()],
    );
    let pool = sql.int("SELECT MAX(id) FROM budget_pools WHERE gmina = ?1", &[text(g)]);
    let mut projects = [0; 2];
    for (i, p) in projects.iter_mut().enumerate() {
        sql.execute(
            "INSERT INTO budget_projects (gmina, edition, pool, number, title, description, cost_grosze, category,
                 status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'Projekt', 'Opis', 5000000, 'zielen', 'on_ballot', ?5, ?5)",
            &[text(g), id.into(), pool.into(), (i as i64 + 1).into(), text("2026-02-01T00:00:00.000000Z")],
        );
        *p = sql.int("SELECT MAX(id) FROM budget_projects WHERE gmina = ?1", &[text(g)]);
    }
    Edition { id, pool, projects, key: keys().edition(&teryt(g), id) }
}

fn keys() -> BudgetKeys {
    BudgetKeys::from_bytes(&[5u8; 32]).unwrap()
}

/// The voter key of a resident with this PESEL, normalised as the API does.
fn voter(e: &Edition, pesel: &str) -> VoterKey {
    let input = IdentityInput {
        first_name: "Zofia".into(),
        last_name: "Kowalska-Nowak".into(),
        pesel: Some(pesel.into()),
        address: None,
        phone: None,
    };
    e.key.voter(&normalise(IdentityMode::Pesel, &input).unwrap())
}

fn phone(e: &Edition, number: &str) -> PhoneKey {
    e.key.phone(&normalise_phone(number).unwrap())
}

fn policy(duplicates: DuplicatePolicy) -> BallotPolicy {
    BallotPolicy { duplicates, max_voters_per_phone: 5, allow_change: false }
}

fn online(e: &Edition, pesel: &str, device: &str, duplicates: DuplicatePolicy) -> NewBallot {
    NewBallot {
        edition: e.id,
        policy: policy(duplicates),
        voter_key: voter(e, pesel),
        phone_key: None,
        channel: BallotChannel::Online,
        device: Some(device.into()),
        entered_by: None,
        residence_declared: true,
        choices: vec![BallotChoice { pool: e.pool, project: e.projects[0], points: 1 }],
        receipt_key: e.key.clone(),
        idempotency: None,
        sms: None,
        now: t0(),
    }
}

fn paper(e: &Edition, pesel: &str, duplicates: DuplicatePolicy, now: DateTime<Utc>) -> NewBallot {
    NewBallot {
        channel: BallotChannel::Paper,
        device: None,
        entered_by: Some(Actor("urzednik".into())),
        choices: vec![BallotChoice { pool: e.pool, project: e.projects[1], points: 1 }],
        now,
        ..online(e, pesel, "unused", duplicates)
    }
}

struct World {
    _dir: tempfile::TempDir,
    guard: StoreGuard,
    sql: Sql,
    a: Arc<dyn Store>,
    b: Arc<dyn Store>,
    ea: Edition,
    eb: Edition,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (root, guard) = open_store(dir.path()).await;
    root.add_gmina(Actor("test".into()), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
    root.add_gmina(Actor("test".into()), common::gmina_record(B, "Kobierzyce"), t0()).await.unwrap();
    let sql = guard.sql(dir.path());
    let ea = add_edition(&sql, A, "2026-06-30T00:00:00.000000Z");
    let eb = add_edition(&sql, B, "2026-06-30T00:00:00.000000Z");
    World { a: root.for_gmina(&teryt(A)), b: root.for_gmina(&teryt(B)), _dir: dir, guard, sql, ea, eb }
}

impl World {
    fn count(&self, table: &str) -> i64 {
        self.sql.int(&format!("SELECT COUNT(*) FROM {table}"), &[])
    }

    fn state(&self, ballot: i64) -> String {
        self.sql.text("SELECT state FROM budget_ballots WHERE id = ?1", &[ballot.into()]).unwrap()
    }

    async fn votes(&self, e: &Edition, project: usize) -> u32 {
        let t = self.a.tallies(e.id, e.pool).await.unwrap();
        t.iter().find(|t| t.project == e.projects[project]).map_or(0, |t| t.votes)
    }
}

fn counted(o: CastOutcome) -> i64 {
    match o {
        CastOutcome::Counted { ballot_id, .. } => ballot_id,
        other => panic!("not counted: {other:?}"),
    }
}

fn may_12() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 12).unwrap()
}

#[tokio::test]
async fn first_counts_keeps_the_first_ballot_of_any_channel() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    let later = t0() + Duration::days(2);

    // Online, then a paper card: the card is kept as refused, the official told when.
    let first = counted(s.cast_ballot(online(e, PESELS[0], "d0", DuplicatePolicy::FirstCounts)).await.unwrap());
    let card = match s.cast_ballot(paper(e, PESELS[0], DuplicatePolicy::FirstCounts, later)).await.unwrap() {
        CastOutcome::PaperRefusedDuplicate { ballot_id, first_channel: BallotChannel::Online, on } => {
            assert_eq!(on, may_12());
            ballot_id
        }
        other => panic!("{other:?}"),
    };
    assert_eq!((w.state(first).as_str(), w.state(card).as_str()), ("counted", "refused_duplicate"));

    // Paper, then online: online is refused and writes nothing.
    let p = counted(s.cast_ballot(paper(e, PESELS[1], DuplicatePolicy::FirstCounts, t0())).await.unwrap());
    let before = w.count("budget_ballots");
    assert_eq!(
        s.cast_ballot(online(e, PESELS[1], "d1", DuplicatePolicy::FirstCounts)).await.unwrap(),
        CastOutcome::AlreadyVoted { first_channel: BallotChannel::Paper, on: may_12() }
    );
    assert_eq!(w.count("budget_ballots"), before);
    assert_eq!(w.state(p), "counted");

    // Paper, then paper: the second card is refused.
    let p2 = counted(s.cast_ballot(paper(e, PESELS[2], DuplicatePolicy::FirstCounts, t0())).await.unwrap());
    let CastOutcome::PaperRefusedDuplicate { ballot_id: card2, first_channel: BallotChannel::Paper, .. } =
        s.cast_ballot(paper(e, PESELS[2], DuplicatePolicy::FirstCounts, later)).await.unwrap()
    else {
        panic!("second card not refused");
    };
    assert_eq!((w.state(p2).as_str(), w.state(card2).as_str()), ("counted", "refused_duplicate"));

    // Counted: one online (project 0), two paper (project 1).
    assert_eq!((w.votes(e, 0).await, w.votes(e, 1).await), (1, 2));
    assert_eq!(w.count("budget_register"), 3);
    // Every card an official typed is audited, ids only.
    let audit = s.list_audit(50).await.unwrap();
    let cards: Vec<_> = audit.iter().filter(|a| a.action == "budget_paper_ballot").collect();
    assert_eq!(cards.len(), 4);
    for a in &cards {
        let text = format!("{a:?}");
        assert!(PESELS.iter().all(|p| !text.contains(p)), "{text}");
    }
}

#[tokio::test]
async fn void_all_voids_every_ballot_of_a_person_who_voted_twice() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    let later = t0() + Duration::days(1);
    let v = DuplicatePolicy::VoidAll;

    // Online, then paper: both void; later tries of any channel refused.
    let first = counted(s.cast_ballot(online(e, PESELS[0], "d0", v)).await.unwrap());
    let CastOutcome::PaperVoidedBoth { ballot_id: card, first_channel: BallotChannel::Online, on } =
        s.cast_ballot(paper(e, PESELS[0], v, later)).await.unwrap()
    else {
        panic!("not voided");
    };
    assert_eq!(on, may_12());
    assert_eq!((w.state(first).as_str(), w.state(card).as_str()), ("void_duplicate", "void_duplicate"));
    assert_eq!(
        w.sql.text("SELECT state FROM budget_register WHERE edition = ?1", &[e.id.into()]).as_deref(),
        Some("void")
    );
    assert!(matches!(
        s.cast_ballot(online(e, PESELS[0], "d9", v)).await.unwrap(),
        CastOutcome::AlreadyVoted { first_channel: BallotChannel::Online, .. }
    ));
    let CastOutcome::PaperRefusedDuplicate { ballot_id: third, .. } =
        s.cast_ballot(paper(e, PESELS[0], v, later)).await.unwrap()
    else {
        panic!("a card after the void is refused");
    };
    assert_eq!(w.state(third), "refused_duplicate");
    assert_eq!((w.votes(e, 0).await, w.votes(e, 1).await), (0, 0));

    // Paper, then online: online after paper is refused, the card counts.
    let p = counted(s.cast_ballot(paper(e, PESELS[1], v, t0())).await.unwrap());
    assert!(matches!(
        s.cast_ballot(online(e, PESELS[1], "d1", v)).await.unwrap(),
        CastOutcome::AlreadyVoted { first_channel: BallotChannel::Paper, .. }
    ));
    assert_eq!(w.state(p), "counted");

    // Paper, then paper: both void.
    let p2 = counted(s.cast_ballot(paper(e, PESELS[2], v, t0())).await.unwrap());
    let CastOutcome::PaperVoidedBoth { ballot_id: card2, first_channel: BallotChannel::Paper, .. } =
        s.cast_ballot(paper(e, PESELS[2], v, later)).await.unwrap()
    else {
        panic!("not voided");
    };
    assert_eq!((w.state(p2).as_str(), w.state(card2).as_str()), ("void_duplicate", "void_duplicate"));
    assert_eq!((w.votes(e, 0).await, w.votes(e, 1).await), (0, 1), "only the second person's card counts");
    let input = s.count_input(e.id, e.pool).await.unwrap();
    assert_eq!(input.ballots.len(), 1);
    assert_eq!((input.ballots[0].choices.clone(), input.ballots[0].weight), (vec![(e.projects[1], 1)], 1));
}

#[tokio::test]
async fn a_phone_votes_for_five_people_at_most() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    let shared = phone(e, "+48600100200");
    for (i, pesel) in PESELS.iter().take(5).enumerate() {
        let b = NewBallot { phone_key: Some(shared), ..online(e, pesel, &format!("d{i}"), DuplicatePolicy::FirstCounts) };
        counted(s.cast_ballot(b).await.unwrap());
    }
    let (ballots, register) = (w.count("budget_ballots"), w.count("budget_register"));
    let sixth = NewBallot { phone_key: Some(shared), ..online(e, PESELS[5], "d5", DuplicatePolicy::FirstCounts) };
    assert_eq!(s.cast_ballot(sixth.clone()).await.unwrap(), CastOutcome::PhoneLimit);
    assert_eq!((w.count("budget_ballots"), w.count("budget_register")), (ballots, register), "nothing written");
    assert_eq!(w.sql.int("SELECT voters FROM budget_phones", &[]), 5);
    // The same person with another phone votes.
    let other = NewBallot { phone_key: Some(phone(e, "+48600100201")), ..sixth };
    counted(s.cast_ballot(other).await.unwrap());
    assert_eq!(w.votes(e, 0).await, 6);
}

#[tokio::test]
async fn a_ballot_is_changed_by_its_device_or_receipt_when_the_edition_allows() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    let id = counted(s.cast_ballot(online(e, PESELS[0], "d0", DuplicatePolicy::FirstCounts)).await.unwrap());
    let to_second = |owner: BallotOwner, allow_change: bool, pesel: &str| BallotChange {
        edition: e.id,
        policy: BallotPolicy { allow_change, ..policy(DuplicatePolicy::FirstCounts) },
        voter_key: voter(e, pesel),
        owner,
        choices: vec![BallotChoice { pool: e.pool, project: e.projects[1], points: 1 }],
        now: t0() + Duration::hours(1),
    };
    let dev = || BallotOwner::Device("d0".into());
    assert_eq!(s.change_ballot(to_second(dev(), false, PESELS[0])).await.unwrap(), ChangeOutcome::Refused);
    assert_eq!(s.change_ballot(to_second(dev(), true, PESELS[1])).await.unwrap(), ChangeOutcome::Refused, "not theirs");
    assert!(matches!(
        s.change_ballot(to_second(BallotOwner::Device("nobody".into()), true, PESELS[0])).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!((w.votes(e, 0).await, w.votes(e, 1).await), (1, 0), "refusals change nothing");
    assert_eq!(
        s.change_ballot(to_second(dev(), true, PESELS[0])).await.unwrap(),
        ChangeOutcome::Changed { ballot_id: id, changed_at: t0() + Duration::hours(1) }
    );
    assert_eq!((w.votes(e, 0).await, w.votes(e, 1).await), (0, 1));
    let stored = s.ballot_by_device(e.id, "d0").await.unwrap().unwrap();
    assert_eq!((stored.id, stored.state, stored.changed_at), (id, BallotState::Counted, Some(t0() + Duration::hours(1))));
    // By the receipt code, back to both projects.
    let mut both = to_second(BallotOwner::Receipt(e.key.receipt_hash(id)), true, PESELS[0]);
    both.choices.push(BallotChoice { pool: e.pool, project: e.projects[0], points: 1 });
    assert!(matches!(s.change_ballot(both).await.unwrap(), ChangeOutcome::Changed { .. }));
    assert_eq!((w.votes(e, 0).await, w.votes(e, 1).await), (1, 1));
    assert_eq!(w.count("budget_ballots"), 1);
}

#[tokio::test]
async fn a_retried_cast_is_answered_as_first_and_the_receipt_finds_the_ballot() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    let idem = |hash: &str| Some(BallotIdempotency { key: "key-1".into(), request_hash: hash.into() });
    let first = NewBallot { idempotency: idem("h1"), ..online(e, PESELS[0], "d0", DuplicatePolicy::FirstCounts) };
    let id = counted(s.cast_ballot(first.clone()).await.unwrap());
    let retry = NewBallot { now: t0() + Duration::seconds(30), ..first.clone() };
    assert_eq!(s.cast_ballot(retry).await.unwrap(), CastOutcome::Replayed { ballot_id: id, cast_at: t0() });
    assert!(matches!(
        s.cast_ballot(NewBallot { idempotency: idem("h2"), ..first }).await,
        Err(StoreError::IdempotencyConflict)
    ));
    assert_eq!(w.count("budget_ballots"), 1);
    let by_receipt = s.ballot_by_receipt(e.id, &e.key.receipt_hash(id)).await.unwrap().unwrap();
    assert_eq!((by_receipt.id, by_receipt.channel), (id, BallotChannel::Online));
    assert_eq!(by_receipt.choices, vec![BallotChoice { pool: e.pool, project: e.projects[0], points: 1 }]);
    assert!(s.ballot_by_receipt(e.id, &e.key.receipt_hash(id + 1)).await.unwrap().is_none());
    assert_eq!(s.ballot_by_device(e.id, "d0").await.unwrap().unwrap().id, id);
}

fn sms(e: &Edition, request: &str, pesel: &str, number: &str, now: DateTime<Utc>) -> NewSmsCode {
    NewSmsCode {
        request_id: request.into(),
        edition: e.id,
        phone_key: phone(e, number),
        voter_key: voter(e, pesel),
        code_hash: sms_code_hash(request, "123456"),
        device: Some("d0".into()),
        now,
    }
}

#[tokio::test]
async fn sms_codes_lock_after_five_wrong_tries_expire_and_are_used_once() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    let me = voter(e, PESELS[0]);
    let check = |request: &'static str, code: &'static str, now| {
        let s = s.clone();
        async move { s.check_sms_code(e.id, request, me, &sms_code_hash(request, code), now).await.unwrap() }
    };
    // Wrong four times, then the fifth wrong try locks; the right code then too.
    s.issue_sms_code(sms(e, "r1", PESELS[0], "+48600100200", t0())).await.unwrap();
    for left in (1..=4).rev() {
        assert_eq!(check("r1", "000000", t0()).await, SmsCheck::Wrong { left });
    }
    let until = t0() + Duration::minutes(10);
    assert_eq!(check("r1", "000000", t0()).await, SmsCheck::Locked { until });
    assert_eq!(check("r1", "123456", t0()).await, SmsCheck::Locked { until });
    // Expired after ten minutes.
    s.issue_sms_code(sms(e, "r2", PESELS[0], "+48600100200", t0())).await.unwrap();
    assert_eq!(check("r2", "123456", t0() + Duration::minutes(10)).await, SmsCheck::Expired);
    // Right once, then used.
    s.issue_sms_code(sms(e, "r3", PESELS[0], "+48600100200", t0())).await.unwrap();
    assert_eq!(check("r3", "123456", t0()).await, SmsCheck::Ok { phone_key: phone(e, "+48600100200") });
    assert_eq!(check("r3", "123456", t0()).await, SmsCheck::Expired);
    // Another voter's code does not confirm me.
    s.issue_sms_code(sms(e, "r4", PESELS[1], "+48600100200", t0())).await.unwrap();
    assert_eq!(check("r4", "123456", t0()).await, SmsCheck::Wrong { left: 4 });
    assert_eq!(check("nope", "123456", t0()).await, SmsCheck::Expired);

    // Casting with a code: a wrong one writes no ballot, the right one
    // counts the phone it was sent to.
    s.issue_sms_code(sms(e, "r5", PESELS[0], "+48600100299", t0())).await.unwrap();
    let with = |code: &str| NewBallot {
        sms: Some(SmsUse { request_id: "r5".into(), code_hash: sms_code_hash("r5", code) }),
        ..online(e, PESELS[0], "d0", DuplicatePolicy::FirstCounts)
    };
    assert_eq!(s.cast_ballot(with("999999")).await.unwrap(), CastOutcome::Sms(SmsCheck::Wrong { left: 4 }));
    assert_eq!(w.count("budget_ballots"), 0);
    counted(s.cast_ballot(with("123456")).await.unwrap());
    assert_eq!(w.sql.int("SELECT voters FROM budget_phones", &[]), 1);

    // Codes go a day after they expired.
    assert_eq!(s.purge_ballots(t0() + Duration::hours(24)).await.unwrap().sms_codes, 0);
    assert_eq!(s.purge_ballots(t0() + Duration::hours(25)).await.unwrap().sms_codes, 5);
    assert_eq!(w.count("budget_sms_codes"), 0);
}

#[tokio::test]
async fn registers_go_when_the_retention_is_over() {
    let w = world().await;
    let old = add_edition(&w.sql, A, "2020-06-30T00:00:00.000000Z");
    let s = &w.a;
    let pesel = PESELS[0];
    let b = NewBallot { phone_key: Some(phone(&old, "+48600100200")), ..online(&old, pesel, "d0", DuplicatePolicy::FirstCounts) };
    counted(s.cast_ballot(b).await.unwrap());
    counted(s.cast_ballot(online(&w.ea, pesel, "d0", DuplicatePolicy::FirstCounts)).await.unwrap());
    // 2020 + 5 years is past on 12 May 2026: that edition's keys go, the ballots stay.
    assert_eq!(s.purge_ballots(t0()).await.unwrap().editions, 1);
    assert_eq!(w.sql.int("SELECT COUNT(*) FROM budget_register WHERE edition = ?1", &[old.id.into()]), 0);
    assert_eq!(w.sql.int("SELECT COUNT(*) FROM budget_phones", &[]), 0);
    assert_eq!(w.sql.int("SELECT COUNT(*) FROM budget_ballots WHERE voter_key IS NULL", &[]), 1);
    assert_eq!(w.count("budget_register"), 1, "the current edition keeps its register");
    assert_eq!(s.tallies(old.id, old.pool).await.unwrap()[0].votes, 1);
    assert_eq!(s.purge_ballots(t0()).await.unwrap().editions, 0, "once");
}

#[tokio::test]
async fn gminas_see_and_touch_nothing_of_each_other() {
    let w = world().await;
    let (ea, eb) = (&w.ea, &w.eb);
    let id = counted(w.a.cast_ballot(online(ea, PESELS[0], "d0", DuplicatePolicy::FirstCounts)).await.unwrap());
    w.a.issue_sms_code(sms(ea, "r1", PESELS[0], "+48600100200", t0())).await.unwrap();
    // B's handle on A's edition: no such edition.
    assert!(matches!(
        w.b.cast_ballot(online(ea, PESELS[1], "d1", DuplicatePolicy::FirstCounts)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(w.b.issue_sms_code(sms(ea, "r2", PESELS[0], "+48600100200", t0())).await, Err(StoreError::NotFound)));
    let change = BallotChange {
        edition: ea.id,
        policy: BallotPolicy { allow_change: true, ..policy(DuplicatePolicy::FirstCounts) },
        voter_key: voter(ea, PESELS[0]),
        owner: BallotOwner::Device("d0".into()),
        choices: vec![],
        now: t0(),
    };
    assert!(matches!(w.b.change_ballot(change).await, Err(StoreError::NotFound)));
    assert!(w.b.tallies(ea.id, ea.pool).await.unwrap().is_empty());
    assert!(w.b.count_input(ea.id, ea.pool).await.unwrap().ballots.is_empty());
    assert!(w.b.ballot_by_device(ea.id, "d0").await.unwrap().is_none());
    assert!(w.b.ballot_by_receipt(ea.id, &ea.key.receipt_hash(id)).await.unwrap().is_none());
    let me = voter(ea, PESELS[0]);
    assert_eq!(
        w.b.check_sms_code(ea.id, "r1", me, &sms_code_hash("r1", "123456"), t0()).await.unwrap(),
        SmsCheck::Expired
    );
    assert_eq!(w.b.purge_ballots(t0() + Duration::days(3650)).await.unwrap().editions, 0);
    // A's rows are intact; B votes in its own edition independently.
    assert_eq!(w.a.check_sms_code(ea.id, "r1", me, &sms_code_hash("r1", "123456"), t0()).await.unwrap(), SmsCheck::Ok {
        phone_key: phone(ea, "+48600100200")
    });
    assert_eq!(w.a.tallies(ea.id, ea.pool).await.unwrap()[0].votes, 1);
    counted(w.b.cast_ballot(online(eb, PESELS[0], "d0", DuplicatePolicy::FirstCounts)).await.unwrap());
    assert_eq!(w.count("budget_register"), 2);
}

#[tokio::test]
async fn identity_keys_differ_per_edition_hide_in_debug_and_no_pesel_is_stored() {
    let w = world().await;
    let e2 = add_edition(&w.sql, A, "2026-06-30T00:00:00.000000Z");
    assert_ne!(voter(&w.ea, PESELS[0]), voter(&e2, PESELS[0]), "one person, two editions: unlinkable keys");
    let b = NewBallot { phone_key: Some(phone(&w.ea, "600100200")), ..online(&w.ea, PESELS[0], "d0", DuplicatePolicy::FirstCounts) };
    for shown in [format!("{:?}", b.voter_key), format!("{:?}", b.receipt_key), format!("{:?}", keys())] {
        assert!(shown.contains("***") && !shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
    }
    let shown = format!("{b:?}");
    assert!(shown.contains("VoterKey(***)") && shown.contains("PhoneKey(***)"), "{shown}");
    for (i, pesel) in PESELS.iter().enumerate() {
        let ballot = NewBallot { phone_key: Some(phone(&w.ea, "600100200")), ..online(&w.ea, pesel, &format!("d{i}"), DuplicatePolicy::FirstCounts) };
        let _ = w.a.cast_ballot(ballot).await.unwrap();
        w.a.issue_sms_code(sms(&w.ea, &format!("r{i}"), pesel, "600100200", t0())).await.unwrap();
        let _ = w.a.cast_ballot(paper(&w.ea, pesel, DuplicatePolicy::FirstCounts, t0())).await.unwrap();
    }
    match w.guard.database_url() {
        None => {
            let _ = w.a.close().await;
            let mut files = 0;
            for entry in std::fs::read_dir(w._dir.path()).unwrap() {
                let path = entry.unwrap().path();
                if !path.file_name().unwrap().to_string_lossy().starts_with("mm.sqlite") {
                    continue;
                }
                files += 1;
                let bytes = std::fs::read(&path).unwrap();
                for needle in PESELS.iter().copied().chain(["600100200"]) {
                    assert!(
                        !bytes.windows(needle.len()).any(|win| win == needle.as_bytes()),
                        "{} holds an identity",
                        path.display()
                    );
                }
            }
            assert!(files >= 1);
        }
        Some(_) => {
            for needle in PESELS.iter().copied().chain(["600100200"]) {
                assert!(w.sql.tables_containing(needle).is_empty(), "a table holds {needle}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_wrong_sms_codes_are_counted_one_by_one() {
    let w = world().await;
    let (e, s) = (&w.ea, &w.a);
    s.issue_sms_code(sms(e, "r1", PESELS[0], "+48600100200", t0())).await.unwrap();
    let me = voter(e, PESELS[0]);
    let tries: Vec<_> = (0..20)
        .map(|_| {
            let s = s.clone();
            let id = e.id;
            tokio::spawn(async move { s.check_sms_code(id, "r1", me, &sms_code_hash("r1", "000000"), t0()).await.unwrap() })
        })
        .collect();
    let mut wrong = Vec::new();
    let mut locked = 0;
    for t in tries {
        match t.await.unwrap() {
            SmsCheck::Wrong { left } => wrong.push(left),
            SmsCheck::Locked { .. } => locked += 1,
            other => panic!("{other:?}"),
        }
    }
    wrong.sort_unstable();
    assert_eq!((wrong, locked), (vec![1, 2, 3, 4], 16), "each wrong try counted once");
    assert_eq!(w.sql.int("SELECT attempts FROM budget_sms_codes", &[]), 5);
    let shown = format!("{:?}", sms(e, "r2", PESELS[0], "+48600100200", t0()));
    assert!(!shown.contains(&sms_code_hash("r2", "123456")) && shown.contains("***"), "{shown}");
}

/// `migrate --from-sqlite` copies the register's keys (BLOB → BYTEA) byte
/// for byte: the moved register still refuses the same person. Needs
/// PostgreSQL (`MM_TEST_BACKEND=postgres`); on SQLite there is nothing to
/// migrate into.
#[tokio::test]
async fn the_register_moves_into_postgres_byte_for_byte() {
    if common::backend::backend() != common::backend::Backend::Postgres {
        eprintln!("skipped: needs MM_TEST_BACKEND=postgres (a database to migrate into)");
        return;
    }
    let (target_dir, source_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The test's PostgreSQL database, migrated and empty.
    let (_, guard) = open_store(target_dir.path()).await;
    let url = guard.database_url().unwrap().to_owned();
    let e = {
        let root: Arc<dyn Store> = Arc::new(mm_server::store::SqliteStore::open(source_dir.path()).unwrap());
        root.add_gmina(Actor("test".into()), common::gmina_record(A, "Siechnice"), t0()).await.unwrap();
        let s = root.for_gmina(&teryt(A));
        let e = add_edition(&Sql::Sqlite(source_dir.path().join("mm.sqlite")), A, "2026-06-30T00:00:00.000000Z");
        let b = NewBallot { phone_key: Some(phone(&e, "600100200")), ..online(&e, PESELS[0], "d0", DuplicatePolicy::FirstCounts) };
        counted(s.cast_ballot(b).await.unwrap());
        s.issue_sms_code(sms(&e, "r1", PESELS[1], "600100200", t0())).await.unwrap();
        s.close().await.unwrap();
        e
    };
    let report = mm_server::store::migrate_from_sqlite::migrate(source_dir.path(), &url).await.unwrap();
    let rows = |t: &str| report.tables.iter().find(|c| c.table == t).map(|c| c.rows);
    assert_eq!((rows("budget_register"), rows("budget_sms_codes"), rows("budget_phones")), (Some(1), Some(1), Some(1)));
    let moved = guard.reopen(target_dir.path()).await.for_gmina(&teryt(A));
    assert_eq!(
        moved.cast_ballot(online(&e, PESELS[0], "d1", DuplicatePolicy::FirstCounts)).await.unwrap(),
        CastOutcome::AlreadyVoted { first_channel: BallotChannel::Online, on: may_12() }
    );
    let me = voter(&e, PESELS[1]);
    assert_eq!(
        moved.check_sms_code(e.id, "r1", me, &sms_code_hash("r1", "123456"), t0()).await.unwrap(),
        SmsCheck::Ok { phone_key: phone(&e, "600100200") }
    );
    counted(moved.cast_ballot(online(&e, PESELS[2], "d2", DuplicatePolicy::FirstCounts)).await.unwrap());
    assert_eq!(moved.tallies(e.id, e.pool).await.unwrap()[0].votes, 2);
}
