//! The participatory budget keeps no personal data (issue 15, docs/BUDGET.md
//! "What is stored, and what never is"; plan §7 item 7), checked on the
//! real binaries: `mm-server --demo` (its `--sms log` gateway) on a temp
//! data directory, and the `mm` CLI.
//!
//! An edition of Siechnice that keys the register by PESEL and confirms
//! ballots by SMS is added through the server's store; then ballots come
//! in every way they can: `mm budget sms` + `mm budget vote`, the HTTP API
//! (`sms-codes` then `ballots`), a refused duplicate of each, a ballot
//! with a wrong PESEL checksum and one without its SMS code (refused), and
//! two paper cards typed into the back office's form after voting closed
//! (one counts, one a refused duplicate). An admin draws the lot, counts
//! and publishes through the back office's forms; the results JSON, CSV,
//! `.pb` and the public results page are fetched.
//!
//! Then every byte we can reach is searched for each PESEL, name and phone
//! number, as typed and in common encodings (digits spaced or grouped,
//! URL-encoded, JSON-escaped, ASCII-folded, base64, hex): every file
//! under the data directory (the SQLite database, its WAL and shm while
//! the server runs and after it stopped, blobs), the server's stdout and
//! stderr (at `MM_LOG=debug`), the `mm` data directories and everything
//! `mm` printed, every API answer, the back office's pages and the
//! exports. None may be found. So that the search itself can fail, each
//! place is also searched for a value that must be there (the edition's
//! title, a receipt code, a project's title, the masked phone of the SMS
//! log line) and it must be found.
//!
//! Random PESELs (valid checksums and dates), names and phones per run, so
//! nothing in the demo data or the binaries can match by chance (phones
//! under a fixed prefix no stored number starts with: [`PHONE_PREFIX`]).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context, Result};
use base64::Engine;
use chrono::Utc;
use mm_e2e::{bin, signal, Mm, DEMO_GMINA};
use mm_protocol::budget::count::CountingRule;
use mm_protocol::budget::model::{
    DuplicatePolicy, EditionSettings, IdentityMode, PhaseDates, Pool, PoolKind,
};
use mm_protocol::gmina::Teryt;
use mm_protocol::taxes::checksums::pesel_valid;
use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
use mm_server::store::{Actor, SqliteStore, Store};
use serde_json::{json, Value};

const ZL: i64 = 100;

/// A small xorshift generator seeded per run: the test needs values no
/// file can hold by chance, not cryptographic randomness.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Rng(nanos ^ (u64::from(std::process::id()) << 32) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A valid PESEL: a real birth date (1950–2009; months of the 2000s are
/// coded +20), a serial, and the checksum digit (weights 1 3 7 9 …).
fn pesel(rng: &mut Rng) -> String {
    let year = 1950 + rng.below(60) as u32;
    let month = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    let coded_month = if year >= 2000 { month + 20 } else { month };
    let ten = format!(
        "{:02}{coded_month:02}{day:02}{:04}",
        year % 100,
        rng.below(10_000)
    );
    let weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = ten
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let p = format!("{ten}{}", (10 - sum % 10) % 10);
    assert!(pesel_valid(&p), "generated {p}");
    p
}

/// The first five digits of every phone the test uses. Drawn from the
/// whole 5–8 range, a phone could turn up by chance inside a longer
/// number the server stores or logs (a timestamp, an amount, an account
/// number), about once in 1,000 runs. Codes go only to mobile numbers
/// (`identity::MOBILE_PREFIXES`); `88` is such a range that no demo phone
/// uses, and `88999` starts no date, time, TERYT code or amount in whole
/// złoty the demo holds; the serial digit after it keeps a run's phones
/// distinct.
const PHONE_PREFIX: &str = "88999";

/// A national number (9 digits) for the test's voter `serial` (0–9):
/// [`PHONE_PREFIX`], the serial, three random digits.
fn phone(rng: &mut Rng, serial: usize) -> String {
    assert!(serial < 10, "one digit of serial");
    format!("{PHONE_PREFIX}{serial}{:03}", rng.below(1_000))
}

/// A name no dictionary has: syllables with Polish letters.
fn name(rng: &mut Rng, ending: &str) -> String {
    const SYLLABLES: [&str; 12] = [
        "Bro", "żę", "wik", "ła", "szą", "mir", "góź", "ćie", "pol", "dże", "rzy", "śnu",
    ];
    let mut s = String::new();
    for _ in 0..3 {
        s.push_str(SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize]);
    }
    s.push_str(ending);
    let mut chars = s.chars();
    let first = chars.next().unwrap().to_uppercase().collect::<String>();
    first + chars.as_str()
}

/// One resident who votes (or tries to).
#[derive(Clone)]
struct Voter {
    pesel: String,
    first: String,
    last: String,
    /// National 9 digits; sent as `+48…`.
    phone: String,
}

impl Voter {
    fn new(rng: &mut Rng, serial: usize) -> Voter {
        Voter {
            pesel: pesel(rng),
            first: name(rng, "a"),
            last: name(rng, "ska"),
            phone: phone(rng, serial),
        }
    }

    fn identity(&self) -> Value {
        json!({"first_name": self.first, "last_name": self.last, "pesel": self.pesel})
    }

    fn cli_identity(&self) -> Vec<String> {
        [
            "--pesel",
            &self.pesel,
            "--first-name",
            &self.first,
            "--last-name",
            &self.last,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
}

/// The ways a value may be written down: as typed, digits spaced or
/// grouped, URL-encoded, JSON-escaped, ASCII-folded, base64 and hex.
fn encodings(value: &str) -> Vec<String> {
    let mut out = vec![value.to_owned()];
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 9 {
        out.push(
            digits
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" "),
        );
        if digits.len() == 9 {
            // 601 234 567, 601-234-567, +48601234567, 48601234567, %2B48601234567
            out.push(format!(
                "{} {} {}",
                &digits[..3],
                &digits[3..6],
                &digits[6..]
            ));
            out.push(format!(
                "{}-{}-{}",
                &digits[..3],
                &digits[3..6],
                &digits[6..]
            ));
            out.push(format!("48{digits}"));
            out.push(format!("%2B48{digits}"));
        } else {
            // A PESEL as some forms print it: birth date, then the rest.
            out.push(format!("{} {}", &digits[..6], &digits[6..]));
            out.push(format!("{}-{}", &digits[..6], &digits[6..]));
        }
    } else {
        let url: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        out.push(url.clone());
        out.push(url.replace('+', "%20"));
        out.push(
            serde_json::to_string(value)
                .unwrap()
                .trim_matches('"')
                .to_owned(),
        );
        let escaped: String = value
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    format!("\\u{:04x}", c as u32)
                }
            })
            .collect();
        out.push(escaped);
        out.push(fold(value));
    }
    out.push(base64::engine::general_purpose::STANDARD.encode(value));
    out.push(value.bytes().map(|b| format!("{b:02x}")).collect());
    out.sort();
    out.dedup();
    out
}

/// Polish letters without their marks, as an official types a card.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ą' => 'a',
            'ć' => 'c',
            'ę' => 'e',
            'ł' => 'l',
            'ń' => 'n',
            'ó' => 'o',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            'Ą' => 'A',
            'Ć' => 'C',
            'Ę' => 'E',
            'Ł' => 'L',
            'Ń' => 'N',
            'Ó' => 'O',
            'Ś' => 'S',
            'Ź' | 'Ż' => 'Z',
            c => c,
        })
        .collect()
}

/// Something read, and where from.
struct Haystack {
    place: String,
    text: String,
}

impl Haystack {
    fn new(place: impl Into<String>, bytes: &[u8]) -> Haystack {
        // Case-insensitive: names may be stored upper- or lower-cased.
        Haystack {
            place: place.into(),
            text: String::from_utf8_lossy(bytes).to_lowercase(),
        }
    }
}

/// Every file under `dir`, read now.
fn files_under(dir: &Path, label: &str) -> Result<Vec<Haystack>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                // (A file may vanish between listing and reading: a WAL checkpointed.)
                out.push(Haystack::new(
                    format!(
                        "{label}:{}",
                        path.strip_prefix(dir).unwrap_or(&path).display()
                    ),
                    &bytes,
                ));
            }
        }
    }
    Ok(out)
}

/// Where any personal value is found, with the form it was found in.
fn leaks(haystacks: &[Haystack], voters: &[Voter]) -> Vec<String> {
    let mut found = Vec::new();
    for v in voters {
        for (what, value) in [
            ("PESEL", &v.pesel),
            ("first name", &v.first),
            ("last name", &v.last),
            ("phone", &v.phone),
        ] {
            for form in encodings(value) {
                let needle = form.to_lowercase();
                for h in haystacks {
                    if h.text.contains(&needle) {
                        found.push(format!("{what} {value:?} as {form:?} in {}", h.place));
                    }
                }
            }
        }
    }
    found
}

/// The search finds what is there: `value` must be in some haystack of
/// `haystacks` whose place starts with `place`.
#[track_caller]
fn must_find(haystacks: &[Haystack], place: &str, value: &str) {
    let needle = value.to_lowercase();
    assert!(
        haystacks.iter().any(|h| h.place.starts_with(place) && h.text.contains(&needle)),
        "{value:?} must be found in {place}* (the search would not see a leak there either); places: {:?}",
        haystacks.iter().filter(|h| h.place.starts_with(place)).map(|h| &h.place).collect::<Vec<_>>()
    );
}

/// `mm-server --demo` with its stdout and stderr appended to files the
/// test reads (the library's `Server` only scans stdout).
struct LoggedServer {
    child: Option<Child>,
    url: String,
}

impl LoggedServer {
    fn start(data: &Path, logs: &Path) -> Result<LoggedServer> {
        let out_path = logs.join("server.stdout");
        let skip = std::fs::metadata(&out_path)
            .map(|m| m.len() as usize)
            .unwrap_or(0);
        let append = |p: PathBuf| OpenOptions::new().create(true).append(true).open(p);
        let child = Command::new(bin("mm-server"))
            .args([
                "--addr",
                "127.0.0.1:0",
                "--demo",
                "--sms",
                "log",
                "--data-dir",
            ])
            .arg(data)
            // Everything a deployment could be asked to log, short of the
            // HTTP stack's own frames.
            .env(
                "MM_LOG",
                "debug,hyper=info,hyper_util=info,h2=info,rustls=info,tower=info",
            )
            .stdout(append(out_path.clone())?)
            .stderr(append(logs.join("server.stderr"))?)
            .stdin(Stdio::null())
            .spawn()
            .context("spawn mm-server")?;
        let mut server = LoggedServer {
            child: Some(child),
            url: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let text = std::fs::read_to_string(&out_path).unwrap_or_default();
            if let Some(url) = text.get(skip..).and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("mm-server listening on "))
            }) {
                server.url = url.trim().to_owned();
                return Ok(server);
            }
            if let Some(status) = server.child.as_mut().unwrap().try_wait()? {
                bail!(
                    "mm-server exited ({status}) before listening; see {}",
                    logs.display()
                );
            }
            ensure!(
                Instant::now() < deadline,
                "mm-server did not report its address within 90 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM and wait (a clean stop: the WAL checkpointed).
    fn stop(mut self) -> Result<()> {
        let mut child = self.child.take().unwrap();
        signal(child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("mm-server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the test saw over HTTP and from `mm`, kept to be searched too.
#[derive(Default)]
struct Seen {
    answers: Vec<Haystack>,
}

impl Seen {
    fn keep(&mut self, place: impl Into<String>, bytes: &[u8]) {
        self.answers.push(Haystack::new(place, bytes));
    }

    /// Runs `mm` and keeps what it printed.
    fn mm(&mut self, mm: &Mm, args: &[String]) -> Result<Output> {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = mm.run(&refs)?;
        let label = format!(
            "mm output:{}",
            args.first().map(String::as_str).unwrap_or("")
        );
        self.keep(format!("{label} stdout"), &out.stdout);
        self.keep(format!("{label} stderr"), &out.stderr);
        Ok(out)
    }

    fn mm_json(&mut self, mm: &Mm, args: &[String]) -> Result<Value> {
        let out = self.mm(mm, args)?;
        ensure!(
            out.status.success(),
            "mm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    }
}

/// The API as a device (or a visitor) calls it, every answer kept.
struct Api {
    url: String,
    http: reqwest::blocking::Client,
}

impl Api {
    fn new(url: &str) -> Api {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Api {
            url: url.to_owned(),
            http,
        }
    }

    fn send(
        &self,
        seen: &mut Seen,
        req: reqwest::blocking::RequestBuilder,
        label: &str,
    ) -> Result<(u16, String)> {
        let r = req.header("MM-Gmina", DEMO_GMINA).send()?;
        let status = r.status().as_u16();
        let headers = format!("{:?}", r.headers());
        let text = r.text()?;
        seen.keep(
            format!("http:{label}"),
            format!("{headers}\n{text}").as_bytes(),
        );
        Ok((status, text))
    }

    fn get(&self, seen: &mut Seen, path: &str) -> Result<(u16, String)> {
        self.send(seen, self.http.get(format!("{}{path}", self.url)), path)
    }

    fn device(&self, seen: &mut Seen) -> Result<String> {
        let req = self
            .http
            .post(format!("{}/api/v1/devices", self.url))
            .json(&json!({"platform": "android", "app_version": "1.0.0"}));
        let (status, text) = self.send(seen, req, "devices")?;
        ensure!(status == 201, "{status} {text}");
        let v: Value = serde_json::from_str(&text)?;
        Ok(v["token"].as_str().context("a device token")?.to_owned())
    }

    fn write(
        &self,
        seen: &mut Seen,
        path: &str,
        token: &str,
        key: &str,
        body: &Value,
    ) -> Result<(u16, Value)> {
        let req = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body);
        let (status, text) = self.send(seen, req, path)?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }
}

/// The code the `--sms log` gateway printed last on the server's stderr,
/// after checking that line shows the phone masked (`+48 *** *** 567`).
fn last_sms_code(logs: &Path, national: &str) -> Result<String> {
    let text = std::fs::read_to_string(logs.join("server.stderr"))?;
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("SMS (demo"))
        .context("an SMS line on stderr")?;
    let masked = format!("+48 *** *** {}", &national[6..]);
    ensure!(
        line.contains(&masked),
        "the SMS line masks the number as {masked}: {line}"
    );
    let marker = "obywatelskim: ";
    let at = line.find(marker).context("the code's text")? + marker.len();
    let code: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    ensure!(code.len() == 6, "a six-digit code in {line}");
    Ok(code)
}

/// The edition: PESEL-keyed, SMS-confirmed, one gmina-wide pool (greedy,
/// 100 000 zł) with three projects on the ballot, voting open now.
struct Edition {
    id: i64,
    pool: i64,
    projects: Vec<i64>,
    project_titles: Vec<String>,
}

async fn seed_edition(data: &Path, title: &str) -> Result<Edition> {
    let root: Arc<dyn Store> = Arc::new(SqliteStore::open(data)?);
    let store = root.for_gmina(&Teryt::parse(DEMO_GMINA).unwrap());
    let now = Utc::now();
    let d = chrono::Duration::days;
    let dates = PhaseDates {
        submission_from: now - d(60),
        submission_to: now - d(50),
        verification_to: now - d(40),
        appeal_to: now - d(30),
        voting_from: now - d(20),
        voting_to: now + d(1),
    };
    let settings = EditionSettings {
        identity: IdentityMode::Pesel,
        sms: true,
        max_voters_per_phone: 5,
        duplicates: DuplicatePolicy::FirstCounts,
        ..EditionSettings::default()
    };
    let official = Actor("e2e-privacy".into());
    let e = store
        .create_edition(
            official.clone(),
            NewEdition {
                year: 2026,
                title: title.into(),
                dates,
                settings,
            },
            now - d(61),
        )
        .await?;
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: "Ogólnogminna".into(),
        amount_grosze: 100_000 * ZL,
        localities: vec![],
        residents: 25_000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 0 },
    };
    let pool = store
        .upsert_pool(official.clone(), e.id, pool, now - d(61))
        .await?
        .id;
    let mut projects = Vec::new();
    let mut project_titles = Vec::new();
    for (i, (title, cost)) in [
        ("Ławki przy stawie", 40_000),
        ("Park kieszonkowy", 50_000),
        ("Ścieżka rowerowa", 30_000),
    ]
    .into_iter()
    .enumerate()
    {
        let p = NewProject {
            edition: e.id,
            pool,
            title: title.into(),
            description: "Opis projektu".into(),
            cost_grosze: cost * ZL,
            category: None,
            location: None,
            photos: vec![],
            contact: None,
        };
        let Submitted::New(p) = store
            .submit_project(&format!("e2e-proposer-{i}"), p, None, now - d(55))
            .await?
        else {
            bail!("a new project, not a replay")
        };
        let v = Verification {
            legal: true,
            feasible: true,
            estimate_grosze: None,
            department: None,
            decision: Decision::OnBallot,
        };
        store
            .verify_project(official.clone(), p.id, v, now - d(45))
            .await?;
        projects.push(p.id);
        project_titles.push(title.to_owned());
    }
    root.close().await.ok();
    Ok(Edition {
        id: e.id,
        pool,
        projects,
        project_titles,
    })
}

/// Closes voting a minute ago (the store refuses to edit dates once voting
/// started, as it should; the test moves time the only way a real server
/// allows: in its database while it is stopped).
fn close_voting(data: &Path, edition: i64) -> Result<()> {
    let db = rusqlite::Connection::open(data.join(mm_server::store::sqlite::DB_FILE))?;
    let ended = (Utc::now() - chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let n = db.execute(
        "UPDATE budget_editions SET voting_to = ?1 WHERE id = ?2",
        rusqlite::params![ended, edition],
    )?;
    ensure!(n == 1, "the edition's voting closed");
    Ok(())
}

/// A paper card an official types into the back office's form (voting
/// or counting phase): the answer's status and page.
fn paper_card(
    api: &Api,
    seen: &mut Seen,
    cookie: &str,
    csrf: &str,
    e: &Edition,
    who: &Voter,
) -> Result<(u16, String)> {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let form = format!(
        "csrf={csrf}&first_name={}&last_name={}&pesel={}&residence_declared=on&{}={}",
        enc(&who.first),
        enc(&who.last),
        who.pesel,
        enc(&format!("pool.{}", e.pool)),
        e.projects[2]
    );
    let path = format!("/admin/budget/editions/{}/paper", e.id);
    let req = api
        .http
        .post(format!("{}{path}", api.url))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    api.send(seen, req, &path)
}

/// The back office through its own forms: (cookie, CSRF token).
fn admin_sign_in(
    api: &Api,
    seen: &mut Seen,
    login: &str,
    password: &str,
    recovery_code: &str,
) -> Result<(String, String)> {
    let cookie_of = |r: &reqwest::blocking::Response, name: &str| -> Option<String> {
        r.headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix(&format!("{name}="))
                    .map(|v| v.split(';').next().unwrap_or("").to_owned())
            })
            .filter(|v| !v.is_empty())
    };
    let r = api.http.get(format!("{}/admin/login", api.url)).send()?;
    let pre = cookie_of(&r, "mm_login_csrf").context("the sign-in form's CSRF cookie")?;
    let form = format!(
        "csrf={pre}&login={}&password={}",
        form_urlencoded::byte_serialize(login.as_bytes()).collect::<String>(),
        form_urlencoded::byte_serialize(password.as_bytes()).collect::<String>()
    );
    let r = api
        .http
        .post(format!("{}/admin/login", api.url))
        .header("cookie", format!("mm_login_csrf={pre}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()?;
    ensure!(r.status().as_u16() == 303, "signed in: {}", r.status());
    let cookie = format!(
        "mm_session={}",
        cookie_of(&r, "mm_session").context("a session cookie")?
    );
    // An admin's second step: one of the recovery codes `add_admin` got.
    let step = admin_get(api, seen, &cookie, "/admin/login/code")?;
    let i = step.find("name=\"csrf\" value=\"").context("the code form's CSRF token")? + 19;
    let form = format!("csrf={}&recovery_code={recovery_code}", &step[i..i + 64]);
    let r = api
        .http
        .post(format!("{}/admin/login/code", api.url))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()?;
    ensure!(r.status().as_u16() == 303, "the code step: {}", r.status());
    let page = admin_get(api, seen, &cookie, "/admin/password")?;
    let i = page
        .find("name=\"csrf\" value=\"")
        .context("a form with a CSRF token")?
        + 19;
    Ok((cookie, page[i..i + 64].to_owned()))
}

fn admin_get(api: &Api, seen: &mut Seen, cookie: &str, path: &str) -> Result<String> {
    let (status, text) = api.send(
        seen,
        api.http
            .get(format!("{}{path}", api.url))
            .header("cookie", cookie),
        path,
    )?;
    ensure!(status == 200, "{path}: {status} {text}");
    Ok(text)
}

fn admin_post(api: &Api, seen: &mut Seen, cookie: &str, csrf: &str, path: &str) -> Result<String> {
    let req = api
        .http
        .post(format!("{}{path}", api.url))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"));
    let (status, text) = api.send(seen, req, path)?;
    ensure!(status == 200, "{path}: {status} {text}");
    Ok(text)
}

/// Adds an admin and enrols their second factor from the console; the
/// recovery codes it prints.
fn add_admin(data: &Path, login: &str, password: &str) -> Result<Vec<String>> {
    let mut child = Command::new(bin("mm-server"))
        .args([
            "user",
            "add",
            "--login",
            login,
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
        ])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    writeln!(child.stdin.take().unwrap(), "{password}")?;
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(bin("mm-server"))
        .args(["user", "two-factor", "--login", login, "--data-dir"])
        .arg(data)
        .output()?;
    ensure!(out.status.success(), "user two-factor: {}", String::from_utf8_lossy(&out.stderr));
    // The URI, the key, then the recovery codes.
    let text = String::from_utf8(out.stdout)?;
    let codes: Vec<String> = text.lines().skip(2).map(str::to_owned).collect();
    ensure!(codes.len() == 10, "ten recovery codes: {text}");
    Ok(codes)
}

fn args(list: &[&str], more: &[String]) -> Vec<String> {
    list.iter()
        .map(|s| s.to_string())
        .chain(more.iter().cloned())
        .collect()
}

#[test]
fn no_pesel_name_or_phone_anywhere_after_ballots_of_every_kind_a_count_and_the_exports(
) -> Result<()> {
    let mut rng = Rng::new();
    let voters: Vec<Voter> = (0..6).map(|i| Voter::new(&mut rng, i)).collect();
    // 0, 1: `mm`; 2, 3: the HTTP API; 4: paper; 5: refused only (bad checksum, no SMS code).
    let [cli_a, cli_b, api_a, api_b, paper, refused] =
        <[Voter; 6]>::try_from(voters.clone()).ok().unwrap();
    let title = format!("Budżet prywatności {}", rng.below(1_000_000));

    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("server");
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs)?;
    let rt = tokio::runtime::Runtime::new()?;
    let mut seen = Seen::default();

    // The demo's first start makes the database and the identity key.
    LoggedServer::start(&data, &logs)?.stop()?;
    let e = rt.block_on(seed_edition(&data, &title))?;
    let server = LoggedServer::start(&data, &logs)?;
    let api = Api::new(&server.url);
    let edition = e.id.to_string();
    let project = |i: usize| e.projects[i].to_string();

    // Through `mm`: a code by SMS, then the ballot.
    let mut receipts = Vec::new();
    let mm_dirs: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("mm-{i}"))).collect();
    for (i, v) in [&cli_a, &cli_b].into_iter().enumerate() {
        let mm = Mm::new(&mm_dirs[i], &server.url);
        seen.mm_json(
            &mm,
            &args(&["budget", "projects", "--edition", &edition], &[]),
        )?;
        let phone = format!("+48{}", v.phone);
        let issued = seen.mm_json(
            &mm,
            &args(
                &["budget", "sms", "--edition", &edition, "--phone", &phone],
                &v.cli_identity(),
            ),
        )?;
        let request = issued["request_id"]
            .as_str()
            .context("a request id")?
            .to_owned();
        let code = last_sms_code(&logs, &v.phone)?;
        let vote = args(
            &[
                "budget",
                "vote",
                "--edition",
                &edition,
                "--project",
                &project(i),
                "--project",
                &project(2),
                "--declare-residence",
                "--sms-request",
                &request,
                "--sms-code",
                &code,
            ],
            &v.cli_identity(),
        );
        let state = seen.mm_json(&mm, &vote)?;
        ensure!(state["state"] == "cast", "{state}");
        receipts.push(
            state["receipt_code"]
                .as_str()
                .context("a receipt code")?
                .to_owned(),
        );
    }
    // The first voter again from another phone: refused, already voted.
    let other = Mm::new(&mm_dirs[2], &server.url);
    seen.mm_json(
        &other,
        &args(&["budget", "projects", "--edition", &edition], &[]),
    )?;
    let phone = format!("+48{}", cli_a.phone);
    let issued = seen.mm_json(
        &other,
        &args(
            &["budget", "sms", "--edition", &edition, "--phone", &phone],
            &cli_a.cli_identity(),
        ),
    )?;
    let request = issued["request_id"]
        .as_str()
        .context("a request id")?
        .to_owned();
    let code = last_sms_code(&logs, &cli_a.phone)?;
    let again = seen.mm(
        &other,
        &args(
            &[
                "budget",
                "vote",
                "--edition",
                &edition,
                "--project",
                &project(1),
                "--declare-residence",
                "--sms-request",
                &request,
                "--sms-code",
                &code,
            ],
            &cli_a.cli_identity(),
        ),
    )?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&again.stderr)
    );
    ensure!(
        said.contains("already_voted"),
        "a second ballot of the same PESEL is refused: {said}"
    );

    // Through the HTTP API.
    let sms_path = format!("/api/v1/budget/editions/{}/sms-codes", e.id);
    let ballot_path = format!("/api/v1/budget/editions/{}/ballots", e.id);
    let ballot = |v: &Voter, sms: Option<(&str, &str)>, project: i64| {
        let mut b = json!({
            "identity": v.identity(),
            "residence_declared": true,
            "pools": [{"pool": e.pool, "projects": [{"project": project}]}],
        });
        if let Some((request_id, code)) = sms {
            b["sms"] = json!({"request_id": request_id, "code": code});
        }
        b
    };
    for (i, v) in [&api_a, &api_b].into_iter().enumerate() {
        let device = api.device(&mut seen)?;
        let (status, issued) = api.write(
            &mut seen,
            &sms_path,
            &device,
            &format!("sms-{i}"),
            &json!({"identity": v.identity(), "phone": format!("+48 {}", v.phone)}),
        )?;
        ensure!(status == 202, "{status} {issued}");
        let request = issued["request_id"]
            .as_str()
            .context("a request id")?
            .to_owned();
        let code = last_sms_code(&logs, &v.phone)?;
        let (status, receipt) = api.write(
            &mut seen,
            &ballot_path,
            &device,
            &format!("ballot-{i}"),
            &ballot(v, Some((&request, &code)), e.projects[0]),
        )?;
        ensure!(status == 201, "{status} {receipt}");
        receipts.push(
            receipt["receipt_code"]
                .as_str()
                .context("a receipt code")?
                .to_owned(),
        );
    }
    // The same person from a second device: 409 already_voted.
    let device = api.device(&mut seen)?;
    let (status, issued) = api.write(
        &mut seen,
        &sms_path,
        &device,
        "sms-again",
        &json!({"identity": api_a.identity(), "phone": format!("0048{}", api_a.phone)}),
    )?;
    ensure!(status == 202, "{status} {issued}");
    let request = issued["request_id"]
        .as_str()
        .context("a request id")?
        .to_owned();
    let code = last_sms_code(&logs, &api_a.phone)?;
    let (status, answer) = api.write(
        &mut seen,
        &ballot_path,
        &device,
        "ballot-again",
        &ballot(&api_a, Some((&request, &code)), e.projects[1]),
    )?;
    ensure!(
        status == 409 && answer["code"] == "already_voted",
        "{status} {answer}"
    );
    // A PESEL with a wrong checksum, and a ballot without its SMS code.
    let mut wrong = refused.clone();
    let last = wrong.pesel.pop().unwrap();
    wrong
        .pesel
        .push(char::from(b'0' + (last as u8 - b'0' + 1) % 10));
    let (status, answer) = api.write(
        &mut seen,
        &ballot_path,
        &device,
        "ballot-bad-pesel",
        &ballot(&wrong, Some((&request, &code)), e.projects[0]),
    )?;
    ensure!(
        status == 400 && answer["code"] == "invalid_identity",
        "{status} {answer}"
    );
    let (status, answer) = api.write(
        &mut seen,
        &ballot_path,
        &device,
        "ballot-no-sms",
        &ballot(&refused, None, e.projects[0]),
    )?;
    ensure!(
        status == 400 && answer["code"] == "invalid_sms_code",
        "{status} {answer}"
    );
    // (The wrong PESEL is searched for as well.)
    let mut searched = voters.clone();
    searched.push(wrong);

    // An admin draws the lot while voting is open.
    let (login, password) = ("bo-admin", "Budzet-Prywatnosci-2026!");
    let recovery_codes = add_admin(&data, login, password)?;
    let (cookie, csrf) = admin_sign_in(&api, &mut seen, login, password, &recovery_codes[0])?;
    admin_post(
        &api,
        &mut seen,
        &cookie,
        &csrf,
        &format!("/admin/budget/editions/{}/pools/{}/lot", e.id, e.pool),
    )?;

    // The data directory while the server runs (the WAL not yet checkpointed).
    let mut running = files_under(&data, "data dir (running)")?;
    must_find(&running, "data dir (running)", &title);
    let found = leaks(&running, &searched);
    running.clear();
    server.stop()?;

    // Voting over; two paper cards typed in; counted and published.
    close_voting(&data, e.id)?;
    let server = LoggedServer::start(&data, &logs)?;
    let api = Api::new(&server.url);
    let (cookie, csrf) = admin_sign_in(&api, &mut seen, login, password, &recovery_codes[1])?;
    // Counting phase: two paper cards through the form; the second person voted by `mm`.
    admin_get(
        &api,
        &mut seen,
        &cookie,
        &format!("/admin/budget/editions/{}/paper", e.id),
    )?;
    let (status, page) = paper_card(&api, &mut seen, &cookie, &csrf, &e, &paper)?;
    ensure!(
        status == 200 && page.contains("Karta zapisana i policzona"),
        "{status} {page}"
    );
    let (status, page) = paper_card(&api, &mut seen, &cookie, &csrf, &e, &cli_b)?;
    ensure!(
        status == 409 && page.contains("już głosowała"),
        "{status} {page}"
    );
    let counted = admin_post(
        &api,
        &mut seen,
        &cookie,
        &csrf,
        &format!("/admin/budget/editions/{}/pools/{}/count", e.id, e.pool),
    )?;
    admin_post(
        &api,
        &mut seen,
        &cookie,
        &csrf,
        &format!("/admin/budget/editions/{}/publish", e.id),
    )?;
    admin_get(
        &api,
        &mut seen,
        &cookie,
        &format!("/admin/budget/editions/{}", e.id),
    )?;
    ensure!(
        counted.contains(&e.project_titles[0]),
        "the count's page names the projects"
    );

    let mut exports = Vec::new();
    for path in [
        format!("/api/v1/budget/editions/{}/results", e.id),
        format!("/api/v1/budget/editions/{}/results.json", e.id),
        format!("/api/v1/budget/editions/{}/results.csv", e.id),
        format!(
            "/api/v1/budget/editions/{}/pools/{}/results.pb",
            e.id, e.pool
        ),
        format!("/api/v1/budget/editions/{}", e.id),
        format!("/api/v1/budget/editions/{}/projects", e.id),
        // The public results page (HTML, outside /api/v1).
        format!("/budget/editions/{}", e.id),
    ] {
        let (status, text) = api.get(&mut seen, &path)?;
        ensure!(status == 200, "{path}: {status} {text}");
        exports.push(Haystack::new(format!("export:{path}"), text.as_bytes()));
    }
    let results: Value = serde_json::from_str(
        &api.get(
            &mut seen,
            &format!("/api/v1/budget/editions/{}/results", e.id),
        )?
        .1,
    )?;
    // Five ballots count: two by `mm`, two by the API, one on paper.
    ensure!(results["pools"][0]["ballots"] == 5, "{results}");
    let pb = &exports[3].text;
    ensure!(
        pb.matches("internet").count() >= 4 && pb.contains("paper"),
        "the .pb's vote rows: {pb}"
    );
    let mm = Mm::new(&mm_dirs[0], &server.url);
    seen.mm_json(&mm, &args(&["budget", "results", &edition], &[]))?;
    let mut live = files_under(&data, "data dir (running)")?;
    server.stop()?;

    let mut haystacks = files_under(&data, "data dir")?;
    haystacks.append(&mut live);
    haystacks.extend(files_under(&logs, "server log")?);
    for (i, dir) in mm_dirs.iter().enumerate() {
        haystacks.extend(files_under(dir, &format!("mm store {i}"))?);
    }
    haystacks.extend(exports);
    haystacks.append(&mut seen.answers);

    // The search sees what is there, in each place.
    must_find(&haystacks, "data dir:", &title);
    must_find(&haystacks, "data dir:", &e.project_titles[1]);
    must_find(
        &haystacks,
        "server log:server.stderr",
        &format!("+48 *** *** {}", &api_b.phone[6..]),
    );
    must_find(&haystacks, "server log:", "budget ballot counted");
    must_find(&haystacks, "mm store 0", &title);
    must_find(&haystacks, "mm output:budget", &receipts[0]);
    must_find(&haystacks, "http:", &receipts[2]);
    let editions = format!("export:/api/v1/budget/editions/{}", e.id);
    for export in [
        format!("{editions}/results.csv"),
        format!("{editions}/pools/{}/results.pb", e.pool),
    ] {
        must_find(&haystacks, &export, &e.project_titles[2]);
    }
    must_find(
        &haystacks,
        &format!("export:/budget/editions/{}", e.id),
        &e.project_titles[2],
    );
    // (The JSON names projects by id.)
    must_find(
        &haystacks,
        &format!("{editions}/results.json"),
        &format!("\"budget_grosze\":{}", 100_000 * ZL),
    );

    let mut found = found;
    found.extend(leaks(&haystacks, &searched));
    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "personal data found:\n{}",
        found.join("\n")
    );
    Ok(())
}

#[test]
fn the_search_finds_a_pesel_written_in_any_of_its_forms() {
    let mut rng = Rng::new();
    let v = Voter::new(&mut rng, 0);
    for form in encodings(&v.pesel)
        .into_iter()
        .chain(encodings(&v.last))
        .chain(encodings(&v.phone))
    {
        let h = [Haystack::new("a file", format!("x{form}y").as_bytes())];
        assert!(
            !leaks(&h, std::slice::from_ref(&v)).is_empty(),
            "{form} is found"
        );
    }
    let clean = [Haystack::new("a file", b"nothing personal here")];
    assert!(leaks(&clean, &[v]).is_empty());
}
