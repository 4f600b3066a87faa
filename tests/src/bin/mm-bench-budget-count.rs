//! `make bench-budget-count` (issue 15): counting one pool of a large
//! edition, as the server does at the end of voting
//! (`mm_protocol::budget::count::count`). 50 projects, 20,000 approval
//! ballots of 1–10 projects each (some projects far more popular than
//! others, as in real editions), the pool ≈ 40 % of the projects' total
//! cost. MES+Add1 (one złoty per voter and round) and greedy. Target: under
//! 1 s each in release. Median of 5 runs, printed, never asserted.
//! `MM_BENCH_SEED` changes the data.

use std::time::{Duration, Instant};

use mm_protocol::budget::count::{
    count, CountBallot, CountInput, CountProject, CountingRule, TraceStep, DEFAULT_INCREMENT_GROSZE, DEFAULT_TIE,
};

const PROJECTS: usize = 50;
const BALLOTS: usize = 20_000;
const RUNS: usize = 5;

/// xorshift: reproducible figures without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn instance(seed: u64) -> CountInput {
    let mut rng = Rng(seed | 1);
    // Costs 20,000–500,000 zł in steps of 1,000 zł; popularity 1–20.
    let projects: Vec<CountProject> = (0..PROJECTS)
        .map(|i| CountProject { id: i as i64 + 1, cost: (20 + rng.below(481) as i64) * 1000 * 100, lot_rank: i as u32 })
        .collect();
    let popularity: Vec<u64> = (0..PROJECTS).map(|_| 1 + rng.below(20)).collect();
    let total_popularity: u64 = popularity.iter().sum();
    let ballots = (0..BALLOTS)
        .map(|_| {
            let len = 1 + rng.below(10) as usize;
            let mut approvals: Vec<u16> = Vec::with_capacity(len);
            while approvals.len() < len {
                let mut x = rng.below(total_popularity);
                let mut p = 0;
                while x >= popularity[p] {
                    x -= popularity[p];
                    p += 1;
                }
                if !approvals.contains(&(p as u16)) {
                    approvals.push(p as u16);
                }
            }
            CountBallot { weight: 1, approvals, points: Vec::new() }
        })
        .collect();
    let total: i64 = projects.iter().map(|p| p.cost).sum();
    CountInput {
        budget: total * 40 / 100 / 100 * 100,
        projects,
        ballots,
        tie: DEFAULT_TIE.to_vec(),
        rule: CountingRule::Greedy { min_votes: 1 },
        increment: DEFAULT_INCREMENT_GROSZE,
    }
}

fn main() {
    let seed = std::env::var("MM_BENCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x2545_F491_4F6C_DD1D);
    let mut input = instance(seed);
    println!(
        "budget count: {PROJECTS} projects, {BALLOTS} ballots, pool {} zł of {} zł, seed {seed}",
        input.budget / 100,
        input.projects.iter().map(|p| p.cost).sum::<i64>() / 100
    );
    for (name, rule) in [
        ("MES+Add1", CountingRule::EqualSharesAdd1 { comparison: false }),
        ("MES+Add1+comparison", CountingRule::EqualSharesAdd1 { comparison: true }),
        ("greedy", CountingRule::Greedy { min_votes: 1 }),
    ] {
        input.rule = rule;
        let mut times: Vec<Duration> = Vec::new();
        let mut last = None;
        for _ in 0..RUNS {
            let t = Instant::now();
            let out = count(&input).expect("the bench's input is valid");
            times.push(t.elapsed());
            last = Some(out);
        }
        times.sort();
        let out = last.expect("ran");
        let rounds = out.trace.iter().filter(|s| matches!(s, TraceStep::Add1Round { .. })).count();
        println!(
            "{name:>20}: median {:>8.1} ms (min {:.1}, max {:.1}); {rounds} Add1 rounds; {} projects selected, {} zł spent",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1]),
            out.selected.len(),
            out.spent / 100
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
