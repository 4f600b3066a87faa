//! The Pabulib export of a published pool (issue 15 item 5:
//! `GET /api/v1/budget/editions/{id}/pools/{pool}/results.pb`), in process
//! on the test backend's store (SQLite, or PostgreSQL with
//! `MM_TEST_BACKEND=postgres`): 404 before publication, for another
//! edition's pool and an unknown edition; after, the file reads back with
//! `pabulib::read_strict`, has one vote row per counted ballot of the pool
//! in voter-key order (paper ballots as `paper`), the latest count's
//! selection, the projects in the tie order, and no PESEL, name or voter
//! key. The setup (`budget_support`) is shared with `budget_results.rs`.

use crate::budget_support;

use axum::http::StatusCode;
use budget_support::*;
use chrono::Duration;
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::identity::normalise;
use mm_protocol::budget::pabulib::{self, PbBallot, VotingMethod};
use mm_protocol::budget::model::{IdentityInput, IdentityMode};
use mm_protocol::gmina::Teryt;
use mm_server::budget::count::count_pool;
use mm_server::budget::identity::BudgetKeys;

/// The voter keys (hex) the store holds for the ballots `edition_in_voting`
/// cast, in cast order: the same secret and identities give the same HMACs.
fn voter_keys(edition: i64) -> Vec<Vec<u8>> {
    let key = BudgetKeys::from_bytes(&[5u8; 32]).unwrap().edition(&Teryt::parse(A).unwrap(), edition);
    PESELS
        .iter()
        .map(|p| {
            let input = IdentityInput {
                first_name: "Zofia".into(),
                last_name: "Nowak".into(),
                pesel: Some((*p).into()),
                address: None,
                phone: None,
            };
            key.voter(&normalise(IdentityMode::Pesel, &input).unwrap()).as_bytes().to_vec()
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn a_published_pool_is_a_strict_pabulib_file_without_personal_data() {
    let (t, a) = app().await;
    let now = t.state.clock.now();
    let w = edition_in_voting(a.as_ref(), now).await;
    let after = now + Duration::days(2);
    // The lot reversed: with equal costs it would decide; here costs
    // differ, so the tie order is by cost (30 000, 40 000, 50 000 zł).
    let mut order = w.wide_projects.clone();
    order.reverse();
    a.draw_lot(official(), w.edition, w.wide, order, now).await.unwrap();
    a.draw_lot(official(), w.edition, w.area, w.area_projects.clone(), now).await.unwrap();
    let pb_path = |pool: i64| format!("/api/v1/budget/editions/{}/pools/{pool}/results.pb", w.edition);

    // Before publication: 404 results_not_published (counted or not).
    let r = get(&t, &pb_path(w.wide)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "results_not_published".to_owned()));
    count_pool(a.clone(), official(), w.edition, w.wide, after).await.unwrap();
    let area = count_pool(a.clone(), official(), w.edition, w.area, after).await.unwrap();
    let r = get(&t, &pb_path(w.wide)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "results_not_published".to_owned()));
    // A recount: the file shows the latest.
    let wide = count_pool(a.clone(), official(), w.edition, w.wide, after).await.unwrap();
    t.advance(Duration::days(2));
    a.publish_results(official(), w.edition, t.state.clock.now()).await.unwrap();

    // A pool of no edition of the gmina, an unknown edition: 404.
    let r = get(&t, &pb_path(999_999)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found".to_owned()));
    let r = get(&t, &format!("/api/v1/budget/editions/999999/pools/{}/results.pb", w.wide)).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found".to_owned()));

    let keys = voter_keys(w.edition);
    let r = get(&t, &pb_path(w.wide)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        r.headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"{A}_2026_{}.pb\"", w.wide)
    );
    let text = r.text();
    let pb = pabulib::read_strict(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(pabulib::write(&pb), text, "the canonical form");
    assert_eq!(pb.meta.country, "Poland");
    assert_eq!(pb.meta.unit, "Siechnice");
    assert_eq!(pb.meta.subunit.as_deref(), Some("Ogólnogminna"));
    assert_eq!(pb.meta.instance, "2026");
    assert_eq!(pb.meta.budget, 100_000 * ZL);
    assert_eq!(pb.meta.rule, CountingRule::Greedy { min_votes: 0 });
    assert_eq!(pb.meta.ballot, PbBallot::Approval { min_length: 1, max_length: 3 });
    assert_eq!(pb.meta.language.as_deref(), Some("pl"));
    assert_eq!(pb.meta.currency.as_deref(), Some("PLN"));
    let voting = dates(now);
    assert_eq!(pb.meta.date_begin, voting.voting_from.with_timezone(&mm_protocol::LOCAL_TZ).date_naive());
    // Projects in the tie order (lower cost first), votes and the latest count's selection.
    let rows: Vec<(i64, i64, u32, bool)> = pb.projects.iter().map(|p| (p.id, p.cost, p.votes, p.selected)).collect();
    let [lawki, park, sciezka] = [w.wide_projects[0], w.wide_projects[1], w.wide_projects[2]];
    assert_eq!(rows, [(sciezka, 30_000 * ZL, 2, false), (lawki, 40_000 * ZL, 4, true), (park, 50_000 * ZL, 3, true)]);
    for p in &pb.projects {
        assert_eq!(p.selected, wide.outcome.selected.contains(&p.id));
        assert_eq!(p.location, Some((51.03, 17.13)));
        assert_eq!(p.categories, ["zieleń"]);
    }
    assert_eq!(pb.projects[2].name, "=HYPERLINK(\"http://x\";\"Park\")", "a name is data, quoted by the format");
    // One row per counted ballot choosing in the pool (ballots 0-4), in
    // voter-key order, with its channel and choices.
    assert_eq!(pb.votes.len(), w.ballots as usize);
    let choices: [&[i64]; 5] = [&[lawki, park], &[lawki, park], &[lawki], &[lawki, sciezka], &[park, sciezka]];
    let mut expected: Vec<(&Vec<u8>, Vec<i64>)> = (0..5)
        .map(|n| {
            let mut c = choices[n].to_vec();
            c.sort_unstable();
            (&keys[n], c)
        })
        .collect();
    expected.sort();
    let got: Vec<Vec<i64>> = pb
        .votes
        .iter()
        .map(|v| {
            let mut c = v.vote.clone();
            c.sort_unstable();
            c
        })
        .collect();
    assert_eq!(got, expected.iter().map(|e| e.1.clone()).collect::<Vec<_>>());
    assert!(pb.votes.iter().all(|v| v.voting_method == VotingMethod::Internet && v.points.is_empty()));

    // The area pool: five counted ballots, two of them paper (6 and 7).
    let r = get(&t, &pb_path(w.area)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let area_text = r.text();
    let pb = pabulib::read_strict(&area_text).unwrap();
    assert_eq!(pb.votes.len(), 5);
    assert_eq!(pb.votes.iter().filter(|v| v.voting_method == VotingMethod::Paper).count(), 2);
    assert_eq!(pb.meta.rule, CountingRule::EqualSharesAdd1 { comparison: false });
    for p in &pb.projects {
        assert_eq!(p.selected, area.outcome.selected.contains(&p.id), "{area_text}");
    }
    assert!(area_text.contains(";paper") && area_text.contains(";internet"));

    // No personal data: no PESEL, name, voter key (hex, either case).
    for file in [&text, &area_text] {
        for pesel in PESELS {
            assert!(!file.contains(pesel), "a PESEL in the file");
        }
        assert!(!file.contains("Zofia") && !file.contains("Nowak"), "a name in the file");
        for k in &keys {
            let h = hex(k);
            assert!(!file.contains(&h) && !file.contains(&h.to_uppercase()), "a voter key in the file");
            assert!(!file.contains(&h[..16]), "part of a voter key in the file");
        }
    }
}
