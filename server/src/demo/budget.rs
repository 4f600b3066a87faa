//! The demo's participatory budget (budżet obywatelski, issue 15, item 9).
//! **Fictional projects and voters**: titles and costs are plausible for a
//! gmina of Siechnice's size, the voters are generated.
//!
//! Siechnice:
//! - last year's edition, finished: a gmina-wide pool counted greedily
//!   (`min_votes` 1) and two area pools (the north and the west of the
//!   gmina), one counted with the Method of Equal Shares + Add1, one with
//!   MES + Add1 + the comparison step; 20 projects on the ballot and one
//!   rejected; about 1,300 ballots (every tenth on paper, three paper
//!   cards of people who had voted online refused by the register), cast
//!   through `BallotStore::cast_ballot` with keys from `budget::identity`,
//!   the lot drawn, every pool counted with `budget::count` and its trace
//!   stored, the results published. In the north pool most voters want one
//!   big pitch, the rest several small projects: greedy would fund the
//!   pitch, equal shares funds what the minority asked for too; that pool
//!   shows why. Two bike-rack projects of the same cost are always chosen
//!   together, a tie the lot decides;
//! - this year's edition open for voting now (name and address, SMS
//!   confirmation, 1–3 projects per pool, a ballot may be changed), with
//!   its projects on the ballot and no ballots yet;
//! - a themed edition of this year, the green budget, in its submission
//!   phase now (issue 15 §7 item 4): one gmina-wide pool that asks for
//!   [`GREEN_SIGNATURES`] support signatures, four residents' projects
//!   just submitted, one of them with a few signatures, and one already
//!   with the department (`UnderVerification`, its signatures collected),
//!   so a resident can propose, sign and, once an official rejects a
//!   project, appeal, from the app, end to end. Created before this year's
//!   main edition: editions are listed newest year first and then newest
//!   first, so the edition in voting stays the first one listed.
//!
//! Czernica ([`load_czernica`]): one small edition in voting.
//!
//! Voters of the finished edition are identified by PESEL (the edition's
//! setting): fictional, checksum-valid numbers generated from a seed
//! ([`voter_pesels`]), which reach the store only as HMAC keys and are
//! never printed or logged. The keys are made with the deployment's own
//! master key (`AppState.budget_keys`, which `demo::start` is given), so
//! the demo's register is what the real key derivation finds: a demo
//! voter is recognised (`already_voted`, a receipt code that opens the
//! ballot) as a real one would be. The list is public in this file, so a
//! demo database holds nothing personal to protect.
//!
//! Deterministic (a seeded SplitMix64) for a given master key; loaded once
//! per gmina: nothing when the gmina has an edition already.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use mm_protocol::LOCAL_TZ;
use mm_protocol::budget::count::{self, CountBallot, CountInput, CountProject, CountingRule};
use mm_protocol::budget::identity::normalise;
use mm_protocol::budget::model::{
    Address, BallotChannel, DuplicatePolicy, EditionSettings, IdentityInput, IdentityMode, PhaseDates,
    Pool, PoolKind, ProjectLocation, ProjectStatus, VotingRule,
};
use mm_protocol::geo::GeoPoint;
use mm_protocol::taxes::Grosze;

use super::{office, pictures};
use crate::budget::identity::BudgetKeys;
use crate::reports::model::photo_url;
use crate::store::ballots::{BallotChoice, BallotPolicy, CastOutcome, NewBallot};
use crate::store::budget::{
    Decision, NewEdition, NewProject, PoolCount, ProjectFilter, Submitted, Verification,
};
use crate::store::{Actor, Store, StoreError, StoreResult};

/// One złoty in grosze.
const ZL: Grosze = 100;
/// Voters of the finished edition (≈10 % on paper).
pub const VOTERS: usize = 1_300;
/// Seed of the voters and their choices.
const SEED: u64 = 0x0b0d_2025_5ec4;
/// Ballots cast concurrently at a time.
const BATCH: usize = 64;

fn official() -> Actor {
    Actor("demo".into())
}

/// SplitMix64 (Steele, Lea, Flood 2014), as `demo::taxes`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The fictional, checksum-valid PESELs of the finished edition's voters,
/// in voting order (born 1940–2007). The same on every call: a test
/// generates them again to look for them in the database.
pub fn voter_pesels() -> Vec<String> {
    let mut rng = Rng(SEED ^ 0x0009_e5e1);
    let mut out = Vec::with_capacity(VOTERS);
    let mut seen = std::collections::HashSet::new();
    while out.len() < VOTERS {
        let year = 1940 + rng.below(68) as i32;
        let month = 1 + rng.below(12) as u32;
        let day = 1 + rng.below(28) as u32;
        let serial = rng.below(10_000);
        let coded_month = if year >= 2000 { month + 20 } else { month };
        let ten = format!("{:02}{coded_month:02}{day:02}{serial:04}", year % 100);
        const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
        let s: u32 = ten
            .bytes()
            .zip(W)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let pesel = format!("{ten}{}", (10 - s % 10) % 10);
        if seen.insert(pesel.clone()) {
            out.push(pesel);
        }
    }
    out
}

/// The identity the `i`-th demo voter (of [`voter_pesels`]) votes with in
/// the finished edition: a test types it again to find the voter.
pub fn voter_identity(i: usize, pesel: &str) -> IdentityInput {
    IdentityInput {
        first_name: FIRST_NAMES[i % FIRST_NAMES.len()].into(),
        last_name: LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()].into(),
        pesel: Some(pesel.to_owned()),
        address: None,
        phone: None,
    }
}

const FIRST_NAMES: [&str; 12] = [
    "Anna",
    "Piotr",
    "Katarzyna",
    "Krzysztof",
    "Małgorzata",
    "Tomasz",
    "Agnieszka",
    "Paweł",
    "Ewa",
    "Marek",
    "Zofia",
    "Jakub",
];
const LAST_NAMES: [&str; 12] = [
    "Nowak",
    "Kowalski",
    "Wiśniewska",
    "Wójcik",
    "Kamińska",
    "Lewandowski",
    "Zielińska",
    "Szymański",
    "Dąbrowska",
    "Kozłowski",
    "Jankowska",
    "Mazur",
];

/// A project of the demo: title, description, cost in złoty, category,
/// `(lat, lon)`.
struct DemoProject {
    title: &'static str,
    description: &'static str,
    zloty: i64,
    category: &'static str,
    at: (f64, f64),
}

const fn p(
    title: &'static str,
    description: &'static str,
    zloty: i64,
    category: &'static str,
    at: (f64, f64),
) -> DemoProject {
    DemoProject {
        title,
        description,
        zloty,
        category,
        at,
    }
}

/// Last year's gmina-wide pool: 600,000 zł. The two bike-rack projects
/// (3 and 4) cost the same and are always chosen together.
const WIDE_2025: [DemoProject; 8] = [
    p(
        "Ścieżka rowerowa Siechnice–Radwanice: oświetlenie",
        "Lampy LED wzdłuż 1,8 km ścieżki rowerowej między Siechnicami a Radwanicami, zasilane z sieci, z czujnikami ruchu.",
        210_000,
        "infrastruktura",
        (51.0470, 17.1400),
    ),
    p(
        "Plac zabaw dla wszystkich dzieci w parku w Siechnicach",
        "Integracyjny plac zabaw z huśtawką dla wózków, karuzelą tarczową i nawierzchnią bezpieczną, dostępny dla dzieci z niepełnosprawnościami.",
        180_000,
        "dla-dzieci",
        (51.0345, 17.1525),
    ),
    p(
        "Festiwal „Lato nad Odrą”",
        "Trzy weekendowe pikniki rodzinne nad Odrą: koncerty, warsztaty, strefa dla dzieci i gry terenowe.",
        60_000,
        "kultura",
        (51.0395, 17.1585),
    ),
    p(
        "Stojaki rowerowe przy szkołach",
        "40 stojaków typu „U” z zadaszeniem przy czterech szkołach podstawowych gminy.",
        24_000,
        "transport",
        (51.0330, 17.1480),
    ),
    p(
        "Stojaki rowerowe przy przystankach",
        "40 stojaków typu „U” przy przystankach autobusowych i kolejowych w Siechnicach, Radwanicach i Iwinach.",
        24_000,
        "transport",
        (51.0310, 17.1460),
    ),
    p(
        "Defibrylatory AED w sołectwach",
        "Sześć defibrylatorów w szafkach całodobowych przy świetlicach wiejskich, z kursem pierwszej pomocy dla mieszkańców.",
        54_000,
        "zdrowie",
        (51.0185, 17.1770),
    ),
    p(
        "Park kieszonkowy przy ul. Jarzębinowej",
        "Nasadzenia drzew i krzewów, łąka kwietna, ławki i stojak na rowery na zaniedbanym skwerze.",
        95_000,
        "zieleń",
        (51.0320, 17.1430),
    ),
    p(
        "Cykl „Biblioteka po godzinach”",
        "Przez rok co miesiąc wieczorne spotkania autorskie, warsztaty komiksowe dla młodzieży i klub planszówek w bibliotece w Siechnicach.",
        28_000,
        "kultura",
        (51.0338, 17.1508),
    ),
];

/// Relative popularity of [`WIDE_2025`] (the bike racks as one).
const WIDE_2025_WEIGHTS: [u64; 8] = [30, 34, 16, 12, 0, 14, 18, 10];

/// The north pool: Siechnice, Radwanice, Blizanowice, Trestno, Groblice,
/// Mokry Dwór; 200,000 zł, equal shares + Add1. Most voters want the pitch
/// (and the lights); the others the four small projects.
const NORTH_LOCALITIES: [i64; 6] = [1, 14, 3, 20, 6, 11];
const NORTH_2025: [DemoProject; 6] = [
    p(
        "Boisko wielofunkcyjne przy szkole w Radwanicach",
        "Boisko do piłki nożnej, koszykówki i siatkówki o nawierzchni poliuretanowej, z piłkochwytami i oświetleniem.",
        140_000,
        "sport",
        (51.0622, 17.1302),
    ),
    p(
        "Oświetlenie ul. Parkowej w Radwanicach",
        "Osiem latarni na nieoświetlonym odcinku drogi do szkoły i przystanku.",
        45_000,
        "infrastruktura",
        (51.0605, 17.1275),
    ),
    p(
        "Plac zabaw w Trestnie",
        "Zestaw wspinaczkowy, huśtawki i piaskownica obok świetlicy wiejskiej.",
        38_000,
        "dla-dzieci",
        (51.0728, 17.1460),
    ),
    p(
        "Ławki i kosze nad Odrą w Blizanowicach",
        "Dziesięć ławek z oparciem i kosze na śmieci wzdłuż wału przeciwpowodziowego.",
        12_000,
        "zieleń",
        (51.0655, 17.1405),
    ),
    p(
        "Warsztaty dla seniorów w świetlicy w Groblicach",
        "Roczny cykl zajęć: obsługa smartfona, gimnastyka, spotkania z dietetykiem.",
        15_000,
        "seniorzy",
        (51.0548, 17.1695),
    ),
    p(
        "Siłownia plenerowa w Mokrym Dworze",
        "Sześć urządzeń do ćwiczeń na świeżym powietrzu z tablicą instruktażową.",
        30_000,
        "sport",
        (51.0598, 17.1920),
    ),
];

/// The west pool: Iwiny, Żerniki Wrocławskie, Biestrzyków, Sulimów,
/// Sulęcin, Święta Katarzyna, Smardzów, Ozorzyce; 200,000 zł, equal shares
/// + Add1 + the comparison step.
const WEST_LOCALITIES: [i64; 8] = [8, 23, 2, 17, 16, 18, 15, 12];
const WEST_2025: [DemoProject; 6] = [
    p(
        "Chodnik przy ul. Kolejowej w Świętej Katarzynie",
        "Brakujący odcinek chodnika (320 m) do stacji kolejowej.",
        120_000,
        "infrastruktura",
        (51.0325, 17.1180),
    ),
    p(
        "Plac zabaw w Iwinach przy ul. Szkolnej",
        "Nowe urządzenia w miejsce zdemontowanych, ogrodzenie i ławki dla rodziców.",
        65_000,
        "dla-dzieci",
        (51.0545, 17.0950),
    ),
    p(
        "Wiata rowerowa przy stacji w Świętej Katarzynie",
        "Zadaszona wiata na 30 rowerów z monitoringiem.",
        35_000,
        "transport",
        (51.0335, 17.1160),
    ),
    p(
        "Zielona klasa w Żernikach Wrocławskich",
        "Altana z ławkami i tablicą do lekcji na świeżym powietrzu przy szkole.",
        42_000,
        "edukacja",
        (51.0335, 17.0680),
    ),
    p(
        "Budki lęgowe i łąka kwietna w Sulimowie",
        "Pięćdziesiąt budek dla ptaków i nietoperzy oraz 2000 m² łąki kwietnej.",
        9_000,
        "ekologia",
        (51.0172, 17.0905),
    ),
    p(
        "Ławki i stojaki w Smardzowie",
        "Ławki, stojaki rowerowe i tablica ogłoszeń w centrum wsi.",
        14_000,
        "infrastruktura",
        (51.0068, 17.1110),
    ),
];
/// Relative popularity of [`WEST_2025`].
const WEST_2025_WEIGHTS: [u64; 6] = [34, 26, 16, 14, 6, 8];

/// This year's projects: (pool index, project): 0 gmina-wide, 1 north,
/// 2 west.
const PROJECTS_2026: [(usize, DemoProject); 11] = [
    (
        0,
        p(
            "Wypożyczalnia rowerów miejskich – 4 stacje",
            "Stacje roweru gminnego w Siechnicach, Radwanicach, Iwinach i Świętej Katarzynie, z integracją z Wrocławskim Rowerem Miejskim.",
            250_000,
            "transport",
            (51.0330, 17.1490),
        ),
    ),
    (
        0,
        p(
            "Skatepark w Siechnicach",
            "Betonowy skatepark z rampą, poręczami i ławkami przy kompleksie sportowym.",
            300_000,
            "sport",
            (51.0360, 17.1540),
        ),
    ),
    (
        0,
        p(
            "Kino letnie w sołectwach",
            "Dziesięć seansów plenerowych w różnych wsiach gminy z ekranem i nagłośnieniem.",
            35_000,
            "kultura",
            (51.0185, 17.1775),
        ),
    ),
    (
        0,
        p(
            "Zielone przystanki",
            "Zielone dachy na dziesięciu wiatach przystankowych i ławki w cieniu.",
            80_000,
            "ekologia",
            (51.0340, 17.1470),
        ),
    ),
    (
        0,
        p(
            "Kurs pierwszej pomocy dla uczniów",
            "Zajęcia z ratownikami w każdej szkole podstawowej gminy, z fantomami do ćwiczeń.",
            18_000,
            "edukacja",
            (51.0335, 17.1505),
        ),
    ),
    (
        1,
        p(
            "Oświetlenie wału w Blizanowicach",
            "Lampy solarne wzdłuż 600 m ścieżki na wale.",
            70_000,
            "infrastruktura",
            (51.0650, 17.1400),
        ),
    ),
    (
        1,
        p(
            "Świetlica w Trestnie: wyposażenie",
            "Stoły, krzesła, sprzęt nagłaśniający i kuchnia dla świetlicy wiejskiej.",
            40_000,
            "kultura",
            (51.0732, 17.1450),
        ),
    ),
    (
        1,
        p(
            "Psi wybieg w Siechnicach",
            "Ogrodzony wybieg z urządzeniami do agility i pojemnikami na odchody.",
            55_000,
            "zieleń",
            (51.0300, 17.1560),
        ),
    ),
    (
        2,
        p(
            "Ścieżka edukacyjna w lesie w Sulimowie",
            "Tablice o przyrodzie okolicy i ławki na 1,5 km trasie.",
            30_000,
            "ekologia",
            (51.0160, 17.0890),
        ),
    ),
    (
        2,
        p(
            "Boisko do siatkówki plażowej w Iwinach",
            "Dwa boiska z piaskiem, siatkami i oświetleniem.",
            90_000,
            "sport",
            (51.0550, 17.0960),
        ),
    ),
    (
        2,
        p(
            "Stojaki i naprawialnia rowerów w Żernikach",
            "Stojaki przy szkole i stacja samoobsługowej naprawy rowerów.",
            16_000,
            "transport",
            (51.0328, 17.0660),
        ),
    ),
];

/// The green budget's pool: whole gmina, 150,000 zł, 28,000 residents.
const GREEN_ZLOTY: i64 = 150_000;
const GREEN_RESIDENTS: u32 = 28_000;
/// Support signatures a green-budget project needs to go on the ballot
/// (at most 0.1 % of the residents, art. 5a ust. 7 pkt 1: 28 here).
pub const GREEN_SIGNATURES: u32 = 15;
/// The green budget's projects, as residents proposed them, with the
/// signatures each has collected: the first is with the department
/// (`UnderVerification`, all its signatures in), the second has some, the
/// others none yet.
const GREEN: [(DemoProject, u32); 4] = [
    (
        p(
            "Ogród deszczowy przy urzędzie w Siechnicach",
            "Obniżone rabaty z roślinami znoszącymi zalewanie, do których spływa deszczówka z dachu i parkingu urzędu, z tablicą wyjaśniającą, jak działają.",
            25_000,
            "ekologia",
            (51.0342, 17.1497),
        ),
        GREEN_SIGNATURES,
    ),
    (
        p(
            "Sto drzew wzdłuż ul. Kolejowej w Radwanicach",
            "Szpaler lip i klonów z osłonami i trzyletnią pielęgnacją wzdłuż drogi do stacji.",
            60_000,
            "zieleń",
            (51.0615, 17.1290),
        ),
        GREEN_SIGNED,
    ),
    (
        p(
            "Łąka kwietna na skwerze w Żernikach Wrocławskich",
            "1500 m² łąki z rodzimych gatunków w miejsce trawnika koszonego co tydzień, z ławkami na skraju.",
            12_000,
            "ekologia",
            (51.0331, 17.0672),
        ),
        0,
    ),
    (
        p(
            "Poidełka z wodą pitną w parkach",
            "Pięć poidełek podłączonych do wodociągu, z miską dla psów, w parkach i na placach zabaw gminy.",
            30_000,
            "zdrowie",
            (51.0350, 17.1530),
        ),
        0,
    ),
];
/// The signatures of the green budget's second project: some, not enough.
pub const GREEN_SIGNED: u32 = 6;
const _: () = assert!(GREEN_SIGNED > 0 && GREEN_SIGNED < GREEN_SIGNATURES);

/// Czernica's small edition.
const CZERNICA_2026: [DemoProject; 4] = [
    p(
        "Plac zabaw w Kamieńcu Wrocławskim",
        "Huśtawki, zjeżdżalnia i piaskownica obok szkoły.",
        60_000,
        "dla-dzieci",
        (51.0700, 17.1900),
    ),
    p(
        "Oświetlenie ścieżki nad Odrą w Czernicy",
        "Lampy wzdłuż ścieżki spacerowej przy przystani.",
        45_000,
        "infrastruktura",
        (51.0480, 17.2440),
    ),
    p(
        "Zajęcia sportowe dla seniorów",
        "Nordic walking i gimnastyka dwa razy w tygodniu przez rok.",
        12_000,
        "seniorzy",
        (51.0500, 17.2500),
    ),
    p(
        "Ławki i stojaki rowerowe w Jeszkowicach",
        "Osiem ławek i dwa stojaki przy świetlicy.",
        10_000,
        "infrastruktura",
        (51.0850, 17.1950),
    ),
];

/// Loads Siechnice's budget (`store` scoped to it) unless the gmina has an
/// edition already; true when it loaded now.
pub async fn load_siechnice(store: Arc<dyn Store>, keys: &BudgetKeys, now: DateTime<Utc>) -> StoreResult<bool> {
    if !store.editions(now).await?.is_empty() {
        return Ok(false);
    }
    finished_edition(&store, keys, now).await?;
    // Before the main edition (a lower id): see the module's comment.
    submission_edition(store.as_ref(), keys, now).await?;
    open_edition(store.as_ref(), now).await?;
    Ok(true)
}

/// Czernica's (`store` scoped to it): one small edition in voting, once.
pub async fn load_czernica(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<bool> {
    if !store.editions(now).await?.is_empty() {
        return Ok(false);
    }
    let year = now.with_timezone(&LOCAL_TZ).year();
    let dates = open_dates(now);
    let settings = EditionSettings {
        voting: VotingRule::Approval { min: 1, max: 2 },
        identity: IdentityMode::NameAddress,
        ..EditionSettings::default()
    };
    let e = store
        .create_edition(
            official(),
            NewEdition {
                year,
                title: format!("Budżet obywatelski Gminy Czernica {year}"),
                dates,
                settings,
            },
            dates.submission_from,
        )
        .await?;
    let pool = store
        .upsert_pool(
            official(),
            e.id,
            wide_pool(150_000, 12_000, CountingRule::Greedy { min_votes: 1 }),
            dates.submission_from,
        )
        .await?;
    for (i, dp) in CZERNICA_2026.iter().enumerate() {
        on_ballot(
            store,
            e.id,
            pool.id,
            dp,
            &format!("demo-czernica-{i}"),
            &dates,
        )
        .await?;
    }
    Ok(true)
}

fn wide_pool(zloty: i64, residents: u32, counting: CountingRule) -> Pool {
    Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Pula ogólnogminna".into(),
        amount_grosze: zloty * ZL,
        localities: vec![],
        residents,
        signatures_required: 0,
        counting,
    }
}

fn area_pool(
    name: &str,
    localities: &[i64],
    zloty: i64,
    residents: u32,
    counting: CountingRule,
) -> Pool {
    Pool {
        id: 0,
        kind: PoolKind::Area,
        name: name.into(),
        amount_grosze: zloty * ZL,
        localities: localities.to_vec(),
        residents,
        signatures_required: 0,
        counting,
    }
}

/// A resident's project from `device` submitted, then put on the ballot by
/// the department (its estimate: the cost asked).
async fn on_ballot(
    store: &dyn Store,
    edition: i64,
    pool: i64,
    dp: &DemoProject,
    device: &str,
    dates: &PhaseDates,
) -> StoreResult<i64> {
    let id = submit(store, edition, pool, dp, device, dates).await?;
    store
        .verify_project(
            official(),
            id,
            Verification {
                legal: true,
                feasible: true,
                estimate_grosze: Some(dp.zloty * ZL),
                department: Some("Wydział Inwestycji".into()),
                decision: Decision::OnBallot,
            },
            dates.verification_to - Duration::days(3),
        )
        .await?;
    Ok(id)
}

async fn submit(
    store: &dyn Store,
    edition: i64,
    pool: i64,
    dp: &DemoProject,
    device: &str,
    dates: &PhaseDates,
) -> StoreResult<i64> {
    let project = NewProject {
        edition,
        pool,
        title: dp.title.into(),
        description: dp.description.into(),
        cost_grosze: dp.zloty * ZL,
        category: Some(dp.category.into()),
        location: Some(ProjectLocation::Point(GeoPoint {
            lat: dp.at.0,
            lon: dp.at.1,
        })),
        photos: project_photos(store, dp, device, dates.submission_from).await?,
        contact: None,
    };
    match store
        .submit_project(
            device,
            project,
            None,
            dates.submission_from + Duration::days(5),
        )
        .await?
    {
        Submitted::New(p) => Ok(p.id),
        Submitted::Replayed(_) => Err(StoreError::backend("demo budget: a project was replayed")),
    }
}

/// Which drawings (`pictures::photo`) a project comes with: a playground
/// for the children's projects, a park for the green ones, a bike path for
/// the cyclists'; none for the others (a resident need not add a photo).
fn photo_kinds(dp: &DemoProject) -> &'static [&'static str] {
    let title = dp.title.to_lowercase();
    if title.contains("ścieżka rowerowa") {
        &["bike_path", "park"]
    } else if title.contains("rower") {
        &["bike_path"]
    } else if dp.category == "dla-dzieci" && title.contains("park") {
        &["playground", "park"]
    } else if dp.category == "dla-dzieci" {
        &["playground"]
    } else if title.contains("ścieżka") {
        &["park", "park"]
    } else if dp.category == "zieleń" || dp.category == "ekologia" {
        &["park"]
    } else {
        &[]
    }
}

/// The project's photos drawn (seeded by its device name, so each project
/// differs and every start draws the same) and stored as an upload stores
/// them; their URLs (`GET /api/v1/photos/{id}`), as a project lists them.
async fn project_photos(store: &dyn Store, dp: &DemoProject, device: &str, at: DateTime<Utc>) -> StoreResult<Vec<String>> {
    // FNV-1a of the device name.
    let seed = device.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let mut urls = Vec::new();
    for (k, kind) in photo_kinds(dp).iter().enumerate() {
        let jpeg = pictures::photo(kind, seed.wrapping_add(k as u64));
        let id = office::save_photo(store, jpeg, at).await?;
        urls.push(photo_url(&id));
    }
    Ok(urls)
}

/// An edition in voting at `now`: submission four months ago, voting from
/// five days ago for another ten days.
fn open_dates(now: DateTime<Utc>) -> PhaseDates {
    PhaseDates {
        submission_from: now - Duration::days(120),
        submission_to: now - Duration::days(90),
        verification_to: now - Duration::days(45),
        appeal_to: now - Duration::days(30),
        voting_from: now - Duration::days(5),
        voting_to: now + Duration::days(10),
    }
}

/// Last year's dates (Warsaw noon): submission in March, verification to
/// May, appeals to mid-June, voting 1–15 September.
fn finished_dates(year: i32) -> PhaseDates {
    let at = |m: u32, d: u32| {
        LOCAL_TZ
            .with_ymd_and_hms(year, m, d, 12, 0, 0)
            .single()
            .expect("noon exists")
            .with_timezone(&Utc)
    };
    PhaseDates {
        submission_from: at(3, 1),
        submission_to: at(4, 1),
        verification_to: at(6, 1),
        appeal_to: at(6, 15),
        voting_from: at(9, 1),
        voting_to: at(9, 15),
    }
}

/// This year's edition, in voting.
async fn open_edition(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<()> {
    let year = now.with_timezone(&LOCAL_TZ).year();
    let dates = open_dates(now);
    let settings = EditionSettings {
        voting: VotingRule::Approval { min: 1, max: 3 },
        identity: IdentityMode::NameAddress,
        sms: true,
        max_voters_per_phone: 5,
        allow_change: true,
        ..EditionSettings::default()
    };
    let e = store
        .create_edition(
            official(),
            NewEdition {
                year,
                title: format!("Siechnicki Budżet Obywatelski {year}"),
                dates,
                settings,
            },
            dates.submission_from,
        )
        .await?;
    let at = dates.submission_from;
    let pools = [
        store
            .upsert_pool(
                official(),
                e.id,
                wide_pool(700_000, 28_000, CountingRule::Greedy { min_votes: 1 }),
                at,
            )
            .await?,
        store
            .upsert_pool(
                official(),
                e.id,
                area_pool(
                    "Północ: Siechnice, Radwanice i okolice",
                    &NORTH_LOCALITIES,
                    200_000,
                    14_000,
                    CountingRule::EqualSharesAdd1 { comparison: false },
                ),
                at,
            )
            .await?,
        store
            .upsert_pool(
                official(),
                e.id,
                area_pool(
                    "Zachód: Iwiny, Żerniki i okolice",
                    &WEST_LOCALITIES,
                    200_000,
                    10_000,
                    CountingRule::EqualSharesAdd1 { comparison: true },
                ),
                at,
            )
            .await?,
    ];
    for (i, (pool, dp)) in PROJECTS_2026.iter().enumerate() {
        on_ballot(
            store,
            e.id,
            pools[*pool].id,
            dp,
            &format!("demo-proposer-{year}-{i}"),
            &dates,
        )
        .await?;
    }
    Ok(())
}

/// The identity (name and address, the green budget's setting) of the
/// `i`-th demo signer of the green budget: fictional, in Siechnice
/// (locality 1); a test types it again to find the signer.
pub fn signer_identity(i: usize) -> IdentityInput {
    IdentityInput {
        first_name: FIRST_NAMES[i % FIRST_NAMES.len()].into(),
        last_name: LAST_NAMES[(i * 5 + 3) % LAST_NAMES.len()].into(),
        pesel: None,
        address: Some(Address {
            locality: 1,
            street: "Kwiatowa".into(),
            house: (i + 1).to_string(),
            flat: None,
        }),
        phone: None,
    }
}

/// The green budget's dates: submission from two weeks ago for another
/// sixteen days, verification and appeals over the next months, voting
/// in about three months.
fn submission_dates(now: DateTime<Utc>) -> PhaseDates {
    PhaseDates {
        submission_from: now - Duration::days(14),
        submission_to: now + Duration::days(16),
        verification_to: now + Duration::days(60),
        appeal_to: now + Duration::days(75),
        voting_from: now + Duration::days(100),
        voting_to: now + Duration::days(114),
    }
}

/// Name and address (no SMS: signatures need none, and voting is months
/// away), one or two projects on a ballot.
fn green_settings() -> EditionSettings {
    EditionSettings {
        voting: VotingRule::Approval { min: 1, max: 2 },
        identity: IdentityMode::NameAddress,
        ..EditionSettings::default()
    }
}

fn green_pool() -> Pool {
    Pool {
        signatures_required: GREEN_SIGNATURES,
        ..wide_pool(GREEN_ZLOTY, GREEN_RESIDENTS, CountingRule::Greedy { min_votes: 1 })
    }
}

/// This year's green budget, in its submission phase (see the module's
/// comment).
async fn submission_edition(store: &dyn Store, keys: &BudgetKeys, now: DateTime<Utc>) -> StoreResult<()> {
    let year = now.with_timezone(&LOCAL_TZ).year();
    let dates = submission_dates(now);
    let e = store
        .create_edition(
            official(),
            NewEdition {
                year,
                title: format!("Zielony Budżet Obywatelski Siechnic {year}"),
                dates,
                settings: green_settings(),
            },
            dates.submission_from - Duration::days(20),
        )
        .await?;
    let pool = store
        .upsert_pool(
            official(),
            e.id,
            green_pool(),
            dates.submission_from - Duration::days(20),
        )
        .await?;
    let key = keys.edition(store.gmina_scope(), e.id);
    let mut signer = 0;
    for (i, (dp, signatures)) in GREEN.iter().enumerate() {
        let id = submit(
            store,
            e.id,
            pool.id,
            dp,
            &format!("demo-proposer-green-{year}-{i}"),
            &dates,
        )
        .await?;
        for k in 0..*signatures {
            let normal = normalise(IdentityMode::NameAddress, &signer_identity(signer))
                .map_err(|e| StoreError::backend(format!("demo signer: {e:?}")))?;
            signer += 1;
            // The key the signature route derives, so a demo signer signing
            // again from the app is told they have signed already.
            let signer_key = key.signer(&normal, id);
            let at = dates.submission_from + Duration::days(6) + Duration::hours(i64::from(k) * 5);
            store
                .add_signature(id, signer_key, BallotChannel::Online, at)
                .await?;
        }
        if i == 0 {
            // With the department: the assessment so far, no decision yet.
            store
                .verify_project(
                    official(),
                    id,
                    Verification {
                        legal: true,
                        feasible: true,
                        estimate_grosze: None,
                        department: Some("Wydział Ochrony Środowiska".into()),
                        decision: Decision::Review,
                    },
                    now - Duration::days(2),
                )
                .await?;
        }
    }
    Ok(())
}

/// Picks 1..=`max` distinct indices of `weights` (a zero weight is never
/// picked), weighted.
fn pick(rng: &mut Rng, weights: &[u64], max: usize) -> Vec<usize> {
    let want = 1 + rng.below(max as u64) as usize;
    let mut left: Vec<u64> = weights.to_vec();
    let mut out = Vec::new();
    while out.len() < want {
        let total: u64 = left.iter().sum();
        if total == 0 {
            break;
        }
        let mut r = rng.below(total);
        let i = left.iter().position(|&w| {
            if r < w {
                true
            } else {
                r -= w;
                false
            }
        });
        let i = i.expect("r below the total");
        out.push(i);
        left[i] = 0;
    }
    out
}

/// Last year's edition, from the call to the published results.
async fn finished_edition(shared: &Arc<dyn Store>, keys: &BudgetKeys, now: DateTime<Utc>) -> StoreResult<()> {
    let store = shared.as_ref();
    let year = now.with_timezone(&LOCAL_TZ).year() - 1;
    let dates = finished_dates(year);
    let settings = EditionSettings {
        voting: VotingRule::Approval { min: 1, max: 3 },
        identity: IdentityMode::Pesel,
        sms: false,
        duplicates: DuplicatePolicy::FirstCounts,
        allow_change: false,
        ..EditionSettings::default()
    };
    let e = store
        .create_edition(
            official(),
            NewEdition {
                year,
                title: format!("Siechnicki Budżet Obywatelski {year}"),
                dates,
                settings: settings.clone(),
            },
            dates.submission_from - Duration::days(30),
        )
        .await?;
    let at = dates.submission_from - Duration::days(30);
    let wide = store
        .upsert_pool(
            official(),
            e.id,
            wide_pool(600_000, 28_000, CountingRule::Greedy { min_votes: 1 }),
            at,
        )
        .await?;
    let north = store
        .upsert_pool(
            official(),
            e.id,
            area_pool(
                "Północ: Siechnice, Radwanice i okolice",
                &NORTH_LOCALITIES,
                200_000,
                14_000,
                CountingRule::EqualSharesAdd1 { comparison: false },
            ),
            at,
        )
        .await?;
    let west = store
        .upsert_pool(
            official(),
            e.id,
            area_pool(
                "Zachód: Iwiny, Żerniki i okolice",
                &WEST_LOCALITIES,
                200_000,
                10_000,
                CountingRule::EqualSharesAdd1 { comparison: true },
            ),
            at,
        )
        .await?;

    let mut ids = [Vec::new(), Vec::new(), Vec::new()];
    for (k, (pool, list)) in [
        (wide.id, &WIDE_2025[..]),
        (north.id, &NORTH_2025[..]),
        (west.id, &WEST_2025[..]),
    ]
    .into_iter()
    .enumerate()
    {
        for (i, dp) in list.iter().enumerate() {
            ids[k].push(
                on_ballot(
                    store,
                    e.id,
                    pool,
                    dp,
                    &format!("demo-proposer-{year}-{k}-{i}"),
                    &dates,
                )
                .await?,
            );
        }
    }
    // One rejected, its reason published.
    let pool_hall = DemoProject {
        title: "Kryty basen w Siechnicach",
        description: "Basen sportowy 25 m z niecką do nauki pływania.",
        zloty: 12_000_000,
        category: "sport",
        at: (51.0350, 17.1530),
    };
    let rejected = submit(
        store,
        e.id,
        wide.id,
        &pool_hall,
        &format!("demo-proposer-{year}-pool"),
        &dates,
    )
    .await?;
    store
        .verify_project(
            official(),
            rejected,
            Verification {
                legal: true,
                feasible: false,
                estimate_grosze: Some(pool_hall.zloty * ZL),
                department: Some("Wydział Inwestycji".into()),
                decision: Decision::Reject {
                    reason: "Szacowany koszt (12 mln zł) wielokrotnie przekracza kwotę puli ogólnogminnej (600 000 zł).".into(),
                },
            },
            dates.verification_to - Duration::days(3),
        )
        .await?;

    // The ballots.
    let key = keys.edition(store.gmina_scope(), e.id);
    let policy = BallotPolicy {
        duplicates: settings.duplicates,
        max_voters_per_phone: settings.max_voters_per_phone,
        allow_change: settings.allow_change,
    };
    let pesels = voter_pesels();
    let mut rng = Rng(SEED);
    let window = (dates.voting_to - dates.voting_from).num_seconds() - 60;
    let voter = |i: usize, pesel: &str| -> StoreResult<_> {
        let normal = normalise(IdentityMode::Pesel, &voter_identity(i, pesel))
            .map_err(|e| StoreError::backend(format!("demo voter: {e:?}")))?;
        Ok(key.voter(&normal))
    };
    let mut ballots = Vec::with_capacity(VOTERS);
    for (i, pesel) in pesels.iter().enumerate() {
        let mut choices = Vec::new();
        // Gmina-wide: the bike racks (3, 4) always together.
        for j in pick(&mut rng, &WIDE_2025_WEIGHTS, 3) {
            choices.push(BallotChoice {
                pool: wide.id,
                project: ids[0][j],
                points: 1,
            });
            if j == 3 {
                choices.push(BallotChoice {
                    pool: wide.id,
                    project: ids[0][4],
                    points: 1,
                });
            }
        }
        if choices.len() > 3 {
            // Three picks and the pair: drop the last single pick.
            let pair = [ids[0][3], ids[0][4]];
            if let Some(k) = choices.iter().rposition(|c| !pair.contains(&c.project)) {
                choices.remove(k);
            }
        }
        // Where the voter lives: 40 % north, 35 % west, the rest elsewhere
        // (no area pool); most vote in their area too.
        let area = rng.below(100);
        if area < 40 && rng.chance(90) {
            // 58 % want the pitch (and often the lights), the rest the
            // small projects.
            let picked: Vec<usize> = if rng.chance(58) {
                if rng.chance(55) { vec![0, 1] } else { vec![0] }
            } else {
                pick(&mut rng, &[0, 0, 30, 25, 20, 25], 3)
            };
            choices.extend(picked.into_iter().map(|j| BallotChoice {
                pool: north.id,
                project: ids[1][j],
                points: 1,
            }));
        } else if (40..75).contains(&area) && rng.chance(85) {
            let picked = pick(&mut rng, &WEST_2025_WEIGHTS, 3);
            choices.extend(picked.into_iter().map(|j| BallotChoice {
                pool: west.id,
                project: ids[2][j],
                points: 1,
            }));
        }
        let paper = i % 10 == 9;
        let cast_at = dates.voting_from + Duration::seconds((i as i64 * window) / VOTERS as i64);
        ballots.push(NewBallot {
            edition: e.id,
            policy,
            voter_key: voter(i, pesel)?,
            phone_key: None,
            channel: if paper {
                BallotChannel::Paper
            } else {
                BallotChannel::Online
            },
            device: (!paper).then(|| format!("demo-voter-{i:04}")),
            entered_by: paper.then(official),
            residence_declared: true,
            choices,
            receipt_key: key.clone(),
            idempotency: None,
            sms: None,
            now: cast_at,
        });
    }
    // Cast a batch at a time: the store's writer commits a batch's
    // concurrent casts together (SQLite's group commit), each still its own
    // savepoint deciding by the register's key alone.
    for batch in ballots.chunks(BATCH) {
        let mut tasks = tokio::task::JoinSet::new();
        for b in batch {
            let (store, b) = (shared.clone(), b.clone());
            tasks.spawn(async move { store.cast_ballot(b).await });
        }
        while let Some(done) = tasks.join_next().await {
            let outcome = done.map_err(|e| StoreError::backend(e.to_string()))??;
            if !matches!(outcome, CastOutcome::Counted { .. }) {
                return Err(StoreError::backend(format!(
                    "a demo ballot was not counted: {outcome:?}"
                )));
            }
        }
    }
    // Three paper cards of people who had voted online: refused.
    for i in [0usize, 1, 2] {
        store
            .cast_ballot(NewBallot {
                edition: e.id,
                policy,
                voter_key: voter(i, &pesels[i])?,
                phone_key: None,
                channel: BallotChannel::Paper,
                device: None,
                entered_by: Some(official()),
                residence_declared: true,
                choices: vec![BallotChoice {
                    pool: wide.id,
                    project: ids[0][0],
                    points: 1,
                }],
                receipt_key: key.clone(),
                idempotency: None,
                sms: None,
                now: dates.voting_to - Duration::hours(2),
            })
            .await?;
    }

    // The lot, the counts, the publication.
    let edition = store
        .edition(e.id, now)
        .await?
        .ok_or_else(|| StoreError::backend("demo edition gone"))?;
    for pool in &edition.pools {
        let projects = store
            .projects(ProjectFilter {
                edition: Some(e.id),
                pool: Some(pool.id),
                statuses: vec![ProjectStatus::OnBallot],
                proposer_device: None,
            })
            .await?;
        let mut order: Vec<i64> = projects.iter().map(|p| p.id).collect();
        for k in (1..order.len()).rev() {
            order.swap(k, rng.below(k as u64 + 1) as usize);
        }
        store
            .draw_lot(
                official(),
                e.id,
                pool.id,
                order.clone(),
                dates.voting_to + Duration::days(1),
            )
            .await?;
        let grouped = store.count_input(e.id, pool.id).await?;
        let index: std::collections::HashMap<i64, u16> = projects
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i as u16))
            .collect();
        let input = CountInput {
            budget: pool.amount_grosze,
            projects: projects
                .iter()
                .map(|p| CountProject {
                    id: p.id,
                    cost: p.cost_grosze,
                    lot_rank: order.iter().position(|o| *o == p.id).expect("in the lot") as u32,
                })
                .collect(),
            ballots: grouped
                .ballots
                .iter()
                .map(|b| CountBallot {
                    weight: b.weight,
                    approvals: b.choices.iter().map(|(p, _)| index[p]).collect(),
                    points: vec![],
                })
                .collect(),
            tie: edition.settings.tie_break.clone(),
            rule: pool.counting.clone(),
            increment: edition.settings.add1_increment_grosze,
        };
        let outcome = tokio::task::spawn_blocking(move || count::count(&input))
            .await
            .map_err(|e| StoreError::backend(e.to_string()))?
            .map_err(|e| StoreError::backend(format!("demo count: {e}")))?;
        store
            .save_count(
                official(),
                PoolCount {
                    edition: e.id,
                    pool: pool.id,
                    rule: pool.counting.clone(),
                    input_sha256: grouped.input_sha256,
                    outcome,
                },
                dates.voting_to + Duration::days(2),
            )
            .await?;
    }
    store
        .publish_results(official(), e.id, dates.voting_to + Duration::days(10))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pesels_are_valid_distinct_and_the_same_each_time() {
        let a = voter_pesels();
        assert_eq!(a.len(), VOTERS);
        assert!(
            a.iter()
                .all(|p| mm_protocol::taxes::checksums::pesel_valid(p)),
            "checksums"
        );
        assert_eq!(a, voter_pesels());
    }

    /// The green budget's pool and dates pass the checks an official's
    /// form would (the store does not run them): a pool asking for more
    /// signatures than 0.1 % of its residents, or phases out of order,
    /// would be refused in the back office.
    #[test]
    fn the_green_budget_is_an_edition_an_official_could_have_saved() {
        use mm_protocol::budget::model::{max_signatures, validate_settings};
        assert!(GREEN_SIGNATURES <= max_signatures(GREEN_RESIDENTS));
        validate_settings(&green_settings(), &[green_pool()]).unwrap();
        submission_dates(Utc::now()).validate().unwrap();
    }

    #[test]
    fn costs_are_whole_zloty_and_points_inside_the_gmina() {
        let all = WIDE_2025
            .iter()
            .chain(&NORTH_2025)
            .chain(&WEST_2025)
            .chain(PROJECTS_2026.iter().map(|(_, p)| p))
            .chain(GREEN.iter().map(|(p, _)| p));
        for dp in all {
            assert!(dp.zloty > 0);
            assert!(
                (50.97..51.08).contains(&dp.at.0) && (17.05..17.25).contains(&dp.at.1),
                "{}",
                dp.title
            );
        }
    }
}
