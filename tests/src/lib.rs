//! Helpers for the end-to-end tests: start the real `mm-server` binary on an
//! ephemeral loopback port, run the real `mm` binary against it, and talk to
//! the API as an official would.

pub mod balancer;
pub mod fake_apns;
pub mod fake_ezd;
pub mod fake_fcm;
pub mod fake_p24;
pub mod fake_sms;
pub mod fake_tax;
pub mod fake_webpush;
pub mod push_env;
pub mod fake_sync;
pub mod pg;
pub mod proxy;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

/// The workspace's target directory (honours `CARGO_TARGET_DIR`).
/// The demo's first gmina (Siechnice), which the tests' cores and `mm`
/// name unless a test is about choosing.
pub const DEMO_GMINA: &str = "0223083";

pub fn siechnice() -> mm_core::Teryt {
    mm_core::Teryt::parse(DEMO_GMINA).unwrap()
}

pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
}

/// Path of a workspace binary. `make test` builds them before the tests
/// run; when one is missing (`cargo test -p mm-e2e` on a fresh tree) it is
/// built here once. Not rebuilt otherwise: a `cargo build` from inside a
/// test would resolve features differently from `cargo test` and rebuild
/// half the workspace each time.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let profile = std::env::var("MM_E2E_PROFILE").unwrap_or_else(|_| "debug".into());
    let path = target_dir().join(&profile).join(name);
    if !path.exists() {
        BUILT.get_or_init(|| {
            let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            cmd.args(["build", "-q", "-p", "mm-server", "-p", "mm-cli"]);
            if profile == "release" {
                cmd.arg("--release");
            }
            let status = cmd
                .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "cargo build of mm-server and mm failed");
        });
    }
    path
}

/// The password `Server::official` gives every account (the password
/// policy refuses one containing the login, so it is the same for all).
pub const OFFICIAL_PASSWORD: &str = "Zielony-Ogrod-2026!";

/// A running `mm-server` process. Killed on drop.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts `mm-server --addr 127.0.0.1:0 --data-dir DIR [--demo]` and waits
    /// for its "listening on" line.
    pub fn start(data_dir: &Path, demo: bool) -> Result<Server> {
        Self::start_with(data_dir, demo, &[])
    }

    pub fn start_with(data_dir: &Path, demo: bool, extra: &[(&str, &str)]) -> Result<Server> {
        Self::start_at(data_dir, demo, "127.0.0.1:0", extra)
    }

    /// Starts on a given address, e.g. the one a stopped server had, so the
    /// app sees the same server come back.
    pub fn start_at(data_dir: &Path, demo: bool, addr: &str, extra: &[(&str, &str)]) -> Result<Server> {
        let mut cmd = Command::new(bin("mm-server"));
        cmd.arg("--addr").arg(addr).arg("--data-dir").arg(data_dir);
        if demo {
            cmd.arg("--demo");
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.env("MM_LOG", std::env::var("MM_LOG").unwrap_or_else(|_| "warn".into()));
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .stdin(Stdio::null())
            .spawn()
            .context("spawn mm-server")?;
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(line)) = lines.next() {
                if let Some(url) = line.strip_prefix("mm-server listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                bail!("mm-server did not report its address within 60 s");
            }
        };
        Ok(Server { child: Some(child), url, data_dir: data_dir.to_path_buf() })
    }

    /// `IP:PORT` this server listens on.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGTERM, then wait: the server must shut down gracefully and exit 0.
    pub fn stop(mut self) -> Result<std::process::ExitStatus> {
        let mut child = self.child.take().unwrap();
        signal(child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("mm-server did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill9(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Adds an official's account through `mm-server user add` (with
    /// [`OFFICIAL_PASSWORD`]) and signs in.
    /// An admin must have a second factor: enrolled with `mm-server user
    /// two-factor`, signed in with one of the recovery codes it prints.
    pub fn official(&self, login: &str, role: &str) -> Result<Official> {
        let password = OFFICIAL_PASSWORD.to_owned();
        let mut child = Command::new(bin("mm-server"))
            .args(["user", "add", "--login", login, "--role", role, "--password-stdin"])
            .arg("--data-dir")
            .arg(&self.data_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        writeln!(child.stdin.take().unwrap(), "{password}")?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!("user add failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let mut login_body = serde_json::json!({"login": login, "password": password});
        let mut recovery_codes = Vec::new();
        if role == "admin" {
            let out = Command::new(bin("mm-server"))
                .args(["user", "two-factor", "--login", login])
                .arg("--data-dir")
                .arg(&self.data_dir)
                .output()?;
            if !out.status.success() {
                bail!("user two-factor failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            // Lines: the otpauth URI, the secret, then the recovery codes.
            let text = String::from_utf8(out.stdout)?;
            recovery_codes = text.lines().skip(2).map(str::to_owned).collect();
            ensure!(recovery_codes.len() == 10, "ten recovery codes: {text}");
            login_body["one_time_code"] = recovery_codes.remove(0).into();
        }
        let http = reqwest::blocking_client();
        let resp: serde_json::Value = http
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&login_body)
            .send()?
            .error_for_status()?
            .json()?;
        let token = resp["token"].as_str().context("token in login response")?.to_string();
        Ok(Official { url: self.url.clone(), token, recovery_codes })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status();
}

/// A signed-in official calling the API with a bearer token.
pub struct Official {
    pub url: String,
    pub token: String,
    /// An admin's recovery codes not used yet (`mm-server user two-factor`
    /// printed ten; the API's sign-in used the first).
    pub recovery_codes: Vec<String>,
}

impl Official {
    pub fn request(&self, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> Result<(u16, serde_json::Value)> {
        let http = reqwest::blocking_client();
        let mut req = http.request(method, format!("{}{}", self.url, path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send()?;
        let status = resp.status().as_u16();
        let text = resp.text()?;
        let json = if text.is_empty() { serde_json::Value::Null } else { serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)) };
        Ok((status, json))
    }
}

/// Runs the `mm` CLI with `--json` against a server URL and a data dir.
pub struct Mm {
    pub data_dir: PathBuf,
    pub server: String,
}

impl Mm {
    pub fn new(data_dir: &Path, server: &str) -> Mm {
        Mm { data_dir: data_dir.to_path_buf(), server: server.to_string() }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin("mm"));
        cmd.arg("--server").arg(&self.server).arg("--data-dir").arg(&self.data_dir).arg("--json").args(args);
        // The demo serves several gminas (issue 13): a test about one names
        // it, as a resident would have chosen it; `env_remove` to choose.
        cmd.env("MM_GMINA", DEMO_GMINA);
        cmd.stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Result<Output> {
        Ok(self.command(args).output()?)
    }

    /// Runs and parses stdout as JSON; fails with stderr when the command failed.
    pub fn json(&self, args: &[&str]) -> Result<serde_json::Value> {
        let out = self.run(args)?;
        if !out.status.success() {
            bail!("mm {args:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
        }
        serde_json::from_slice(&out.stdout).with_context(|| format!("mm {args:?} printed no JSON: {}", String::from_utf8_lossy(&out.stdout)))
    }
}

/// A small blocking HTTP client for tests (reqwest's async client on a
/// private runtime would be overkill here).
pub mod reqwest {
    pub use ::reqwest::*;
    pub fn blocking_client() -> ::reqwest::blocking::Client {
        ::reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap()
    }
}
