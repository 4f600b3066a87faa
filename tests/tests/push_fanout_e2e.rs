//! Pushes end to end (issue 16): a real `mm-server --demo` with a push
//! credentials file (the APNs key, the FCM service account, a VAPID key
//! made by `mm-server push vapid-keygen`) sends through the three fakes
//! speaking each service's protocol (`tests/src/fake_apns.rs` over HTTP/2
//! and TLS, `fake_fcm.rs` with its OAuth2 token endpoint, `fake_webpush.rs`
//! decrypting RFC 8291 with the subscription's private key).
//!
//! - An alert for one locality reaches exactly that locality's devices on
//!   every service, once each; a device that turned news off (set up by
//!   `mm`, registered for Web Push with `mm push register`) gets the alert
//!   and not the news.
//! - `kill -9` of the server in the middle of a fan-out to 300 devices,
//!   then a restart: every device gets the notification, and on the phone
//!   exactly once (every repeat carries the notification's collapse key;
//!   the raw repeats are bounded by the sends answered but not yet
//!   recorded when the process died).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mm_e2e::reqwest::Method;
use mm_e2e::{Mm, Server, fake_apns, fake_fcm, fake_webpush};
use serde_json::{Value, json};

struct Fakes {
    /// Runs the fakes' servers for the test's length.
    _rt: tokio::runtime::Runtime,
    apns: fake_apns::FakeApns,
    fcm: fake_fcm::FakeFcm,
    web: fake_webpush::FakeWebPush,
}

impl Fakes {
    fn start() -> Fakes {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (apns, fcm, web) = rt.block_on(async {
            (fake_apns::FakeApns::start().await, fake_fcm::FakeFcm::start().await, fake_webpush::FakeWebPush::start().await)
        });
        Fakes { _rt: rt, apns, fcm, web }
    }

    fn set_slow(&self, d: Duration) {
        self.apns.set_fault(fake_apns::Fault::Slow(d));
        self.fcm.set_fault(fake_fcm::Fault::Slow(d));
        self.web.set_fault(fake_webpush::Fault::Slow(d));
    }

    fn clear(&self) {
        self.apns.clear_fault();
        self.fcm.clear_fault();
        self.web.clear_fault();
    }

    fn received(&self) -> usize {
        self.apns.received().len() + self.fcm.received().len() + self.web.received().len()
    }
}

fn start(data: &Path, env: &[(String, String)], addr: &str) -> Result<Server> {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Server::start_at(data, true, addr, &pairs)
}

/// A device registered over the API as a phone does, with its
/// subscription and push registration; its token.
fn phone(server: &Server, subscription: Value, registration: Value) -> Result<String> {
    let http = mm_e2e::reqwest::blocking_client();
    let r = http.post(format!("{}/api/v1/devices", server.url)).json(&json!({"platform": "android", "app_version": "1.0.0"})).send()?;
    if r.status().as_u16() != 201 {
        bail!("device: {} {}", r.status(), r.text()?);
    }
    let token = r.json::<Value>()?["token"].as_str().context("token")?.to_owned();
    for (path, body) in [("/api/v1/notifications/subscription", subscription), ("/api/v1/push/registration", registration)] {
        let r = http.put(format!("{}{path}", server.url)).bearer_auth(&token).json(&body).send()?;
        if !r.status().is_success() {
            bail!("{path}: {} {}", r.status(), r.text()?);
        }
    }
    Ok(token)
}

fn web_registration(s: &fake_webpush::Subscription) -> Value {
    json!({"transport": "web_push", "endpoint": s.endpoint, "p256dh": s.p256dh, "auth": s.auth})
}

/// The demo gmina's localities by name.
fn localities(server: &Server) -> Result<BTreeMap<String, i64>> {
    let g: Value = mm_e2e::reqwest::blocking_client().get(format!("{}/api/v1/gmina", server.url)).send()?.json()?;
    Ok(g["localities"].as_array().context("localities")?.iter().map(|l| (l["name"].as_str().unwrap().to_owned(), l["id"].as_i64().unwrap())).collect())
}

/// The notification ids a fake's message carries (the shells' fields: the
/// `mm` object of APNs, FCM `data`, the Web Push cleartext).
fn apns_ids(f: &fake_apns::FakeApns, token: &str) -> Vec<i64> {
    f.received_for(token).iter().map(|r| r.payload["mm"]["id"].as_i64().unwrap_or(-1)).collect()
}

fn fcm_ids(f: &fake_fcm::FakeFcm, token: &str) -> Vec<i64> {
    f.received()
        .iter()
        .filter(|r| r.token == token)
        .map(|r| r.message["data"]["id"].as_str().and_then(|s| s.parse().ok()).unwrap_or(-1))
        .collect()
}

fn web_ids(f: &fake_webpush::FakeWebPush, id: u32) -> Vec<i64> {
    f.received_for(id).iter().map(|r| serde_json::from_str::<Value>(&r.cleartext).unwrap()["id"].as_i64().unwrap_or(-1)).collect()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn send(official: &mm_e2e::Official, body: Value) -> Result<i64> {
    let (status, r) = official.request(Method::POST, "/api/v1/notifications", Some(body))?;
    if status != 201 {
        bail!("send: {status} {r}");
    }
    r["id"].as_i64().context("id")
}

/// Notification `id` as the officials' list shows it.
fn listed(official: &mm_e2e::Official, id: i64) -> Result<Value> {
    let (status, list) = official.request(Method::GET, "/api/v1/notifications", None)?;
    if status != 200 {
        bail!("list: {status} {list}");
    }
    let items = list.as_array().or_else(|| list["items"].as_array()).context("a list")?;
    items.iter().find(|n| n["id"] == json!(id)).cloned().context("listed")
}

#[test]
fn an_alert_for_one_locality_reaches_its_devices_on_every_service_once() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let fakes = Fakes::start();
    let env = mm_e2e::push_env::server_env(&tmp.path().join("push"), &fakes.apns, &fakes.fcm, &fakes.web)?;
    let server = start(&tmp.path().join("server"), &env, "127.0.0.1:0")?;
    let editor = server.official("redaktor", "editor")?;
    let names = localities(&server)?;
    let mut ids = names.values().copied();
    let (here, there) = (ids.next().context("a locality")?, ids.next().context("another")?);

    // Two devices per service in each of two localities, every topic.
    let (mut apns, mut fcm, mut web) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (n, place) in [here, here, there, there].into_iter().enumerate() {
        let sub = json!({"topics": ["alerts", "news", "events"], "areas": [{"kind": "locality", "id": place}], "lang": "pl"});
        let token = format!("{:064x}", 0xbeef00 + n);
        phone(&server, sub.clone(), json!({"transport": "apns", "token_hex": token, "environment": "sandbox"}))?;
        apns.insert(token, place);
        let token = format!("fcm-e2e-{n}");
        phone(&server, sub.clone(), json!({"transport": "fcm", "token": token}))?;
        fcm.insert(token, place);
        let s = fakes.web.subscribe();
        phone(&server, sub, web_registration(&s))?;
        web.insert(s.id, place);
    }
    // A resident with `mm`: news off, this locality, UnifiedPush like a phone.
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    mm.json(&["sync"])?;
    let here_name = names.iter().find(|(_, id)| **id == here).unwrap().0.clone();
    mm.json(&["notifications", "settings", "--topic", "news=off", "--locality", &here_name])?;
    // Under load the first send may time out and stay queued: the next
    // sync delivers it, and the alerts below must find it on the server.
    for _ in 0..5 {
        if mm.json(&["notifications", "settings"])?["state"] == json!("synced") {
            break;
        }
        mm.json(&["sync"])?;
    }
    assert_eq!(mm.json(&["notifications", "settings"])?["state"], json!("synced"));
    let mine = fakes.web.subscribe();
    let out = mm.run(&["push", "register", "--unifiedpush", &mine.endpoint, "--p256dh", &mine.p256dh, "--auth", &mine.auth])?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mm.json(&["push", "status"])?["state"], json!("registered"));

    let news = send(&editor, json!({"title": "Nowy chodnik na ul. Lipowej", "body": "Prace skończone.", "topic": "news",
                                   "areas": [{"kind": "locality", "id": here}]}))?;
    let alert = send(&editor, json!({"title": "Brak wody — awaria wodociągu", "body": "Woda wróci około 18:00. Żółć, źdźbło, ąę.",
                                    "topic": "alerts", "areas": [{"kind": "locality", "id": here}]}))?;

    // Six devices here get both, the `mm` device the alert only: 13 pushes.
    wait_until("the pushes", Duration::from_secs(60), || fakes.received() >= 13);
    std::thread::sleep(Duration::from_millis(500));
    for (token, place) in &apns {
        let want = if *place == here { vec![news, alert] } else { vec![] };
        let mut got = apns_ids(&fakes.apns, token);
        got.sort();
        assert_eq!(got, want, "APNs {token} ({place}): {:?}", fakes.apns.refusals());
    }
    for (token, place) in &fcm {
        let want = if *place == here { vec![news, alert] } else { vec![] };
        let mut got = fcm_ids(&fakes.fcm, token);
        got.sort();
        assert_eq!(got, want, "FCM {token} ({place}): {:?}", fakes.fcm.refusals());
    }
    for (id, place) in &web {
        let want = if *place == here { vec![news, alert] } else { vec![] };
        let mut got = web_ids(&fakes.web, *id);
        got.sort();
        assert_eq!(got, want, "Web Push {id} ({place}): {:?}", fakes.web.refusals());
    }
    assert_eq!(web_ids(&fakes.web, mine.id), vec![alert], "news off: the alert only");
    let decrypted = &fakes.web.received_for(mine.id)[0];
    assert!(decrypted.cleartext.contains("Brak wody — awaria wodociągu") && decrypted.cleartext.contains("Żółć, źdźbło"), "{}", decrypted.cleartext);
    assert_eq!(decrypted.urgency.as_deref(), Some("high"));
    // The alert's class reaches each service's knobs.
    let alert_apns = fakes.apns.received().into_iter().find(|r| r.payload["mm"]["id"] == json!(alert)).unwrap();
    assert_eq!((alert_apns.priority.as_str(), alert_apns.payload["aps"]["interruption-level"].as_str()), ("10", Some("time-sensitive")));
    let alert_fcm = fakes.fcm.received().into_iter().find(|r| r.message["data"]["id"] == json!(alert.to_string())).unwrap();
    assert_eq!(alert_fcm.priority(), "high");
    assert!(fakes.apns.refusals().is_empty() && fakes.fcm.refusals().is_empty() && fakes.web.refusals().is_empty());

    // The official's view counts them once the sends' results are flushed
    // (the fakes see a push before the server records its answer, so the
    // count may trail the fakes under load), and never more than were sent.
    let mut count = json!(null);
    wait_until("the delivered count", Duration::from_secs(30), || {
        count = listed(&editor, alert).map(|n| n["delivered"].clone()).unwrap_or(json!(null));
        count.as_u64().is_some_and(|c| c >= 7)
    });
    assert_eq!(count, json!(7));
    Ok(())
}

#[test]
fn a_server_killed_in_a_fan_out_delivers_to_every_device_once_after_a_restart() -> Result<()> {
    const PER_SERVICE: usize = 100;
    let tmp = tempfile::tempdir()?;
    let fakes = Fakes::start();
    let mut env = mm_e2e::push_env::server_env(&tmp.path().join("push"), &fakes.apns, &fakes.fcm, &fakes.web)?;
    // Few sends at once and slow services: the fan-out takes seconds, so
    // the kill lands in its middle; a short lease, so the dead process's
    // claims come back within the test.
    env.push(("MM_PUSH_CONCURRENCY".into(), "2".into()));
    env.push(("MM_PUSH_LEASE_MS".into(), "10000".into()));
    let data = tmp.path().join("server");
    let server = start(&data, &env, "127.0.0.1:0")?;
    let addr = server.addr();
    let editor = server.official("redaktor", "editor")?;

    let sub = json!({"topics": ["alerts"], "lang": "pl"});
    let (mut apns, mut fcm, mut web) = (vec![], vec![], vec![]);
    for n in 0..PER_SERVICE {
        let token = format!("{:064x}", 0xc0de00 + n);
        phone(&server, sub.clone(), json!({"transport": "apns", "token_hex": token, "environment": "sandbox"}))?;
        apns.push(token);
        let token = format!("fcm-crash-{n}");
        phone(&server, sub.clone(), json!({"transport": "fcm", "token": token}))?;
        fcm.push(token);
        let s = fakes.web.subscribe();
        phone(&server, sub.clone(), web_registration(&s))?;
        web.push(s.id);
    }
    fakes.set_slow(Duration::from_millis(40));
    let alert = send(&editor, json!({"title": "Ostrzeżenie przed burzą", "body": "IMGW: burze z gradem do 22:00.", "topic": "alerts"}))?;

    // Kill it once a fifth of the pushes went out.
    wait_until("the first pushes", Duration::from_secs(60), || fakes.received() >= 3 * PER_SERVICE / 5);
    server.kill9();
    let at_kill = fakes.received();
    assert!(at_kill < 3 * PER_SERVICE, "killed in the middle ({at_kill} sent)");
    fakes.clear();

    let server = start(&data, &env, &addr)?;
    wait_until("every device", Duration::from_secs(90), || {
        apns.iter().all(|t| !apns_ids(&fakes.apns, t).is_empty())
            && fcm.iter().all(|t| !fcm_ids(&fakes.fcm, t).is_empty())
            && web.iter().all(|id| !web_ids(&fakes.web, *id).is_empty())
    });
    std::thread::sleep(Duration::from_secs(1));

    // On each phone: one notification (all its copies share one collapse key).
    let mut repeats = 0;
    for t in &apns {
        let got = fakes.apns.received_for(t);
        let keys: BTreeSet<Option<String>> = got.iter().map(|r| r.collapse_id.clone()).collect();
        assert_eq!(keys.len(), 1, "APNs {t}: {keys:?}");
        assert!(keys.iter().all(|k| k.is_some()));
        assert!(apns_ids(&fakes.apns, t).iter().all(|id| *id == alert));
        repeats += got.len() - 1;
    }
    for t in &fcm {
        let got: Vec<_> = fakes.fcm.received().into_iter().filter(|r| &r.token == t).collect();
        let keys: BTreeSet<String> = got.iter().map(|r| r.message["android"]["collapse_key"].as_str().unwrap_or("").to_owned()).collect();
        assert_eq!(keys.len(), 1, "FCM {t}: {keys:?}");
        assert!(!keys.contains(""));
        repeats += got.len() - 1;
    }
    for id in &web {
        let got = fakes.web.received_for(*id);
        let keys: BTreeSet<Option<String>> = got.iter().map(|r| r.topic.clone()).collect();
        assert_eq!(keys.len(), 1, "Web Push {id}: {keys:?}");
        assert!(keys.iter().all(|k| k.is_some()));
        repeats += got.len() - 1;
    }
    // Repeats only of sends answered in the last moments before the kill:
    // at most what was in flight (3 lanes × 2) plus one flush window.
    assert!(repeats <= 12, "{repeats} repeated sends");
    let sent = listed(&editor, alert)?;
    assert_eq!((&sent["delivered"], &sent["pending"]), (&json!(3 * PER_SERVICE), &json!(0)), "{sent}");
    eprintln!("killed after {at_kill} of {} pushes; {repeats} sent twice (collapsed on the phone)", 3 * PER_SERVICE);
    drop(server);
    Ok(())
}
