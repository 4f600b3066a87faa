//! The environment of an `mm-server` that pushes through the fakes
//! (`fake_apns`, `fake_fcm`, `fake_webpush`): a credentials file as a
//! deployment keeps one (the APNs key, the FCM service account, a VAPID key
//! made by `mm-server push vapid-keygen`), the services' URLs pointed at the
//! fakes, and limits raised for hundreds of test devices from one address.
//! Used by `push_fanout_e2e` and `mm-bench-push`.

use std::path::Path;

use anyhow::{Result, bail};
use serde_json::json;

use crate::{bin, fake_apns, fake_fcm, fake_webpush};

/// The credentials file and its keys, as a deployment keeps them, and the
/// server's environment pointing the services at the fakes.
pub fn server_env(
    dir: &Path,
    apns: &fake_apns::FakeApns,
    fcm: &fake_fcm::FakeFcm,
    web: &fake_webpush::FakeWebPush,
) -> Result<Vec<(String, String)>> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("apns.p8"), &apns.key_pem)?;
    std::fs::write(dir.join("fcm.json"), fcm.service_account_json().to_string())?;
    std::fs::write(dir.join("fake-ca.pem"), &apns.ca_pem)?;
    let out = std::process::Command::new(bin("mm-server"))
        .args(["push", "vapid-keygen", "--out"])
        .arg(dir.join("vapid.pem"))
        .output()?;
    if !out.status.success() {
        bail!("vapid-keygen: {}", String::from_utf8_lossy(&out.stderr));
    }
    let public = String::from_utf8(out.stdout)?.trim().to_owned();
    web.require_vapid(&public);
    // A second keygen never overwrites the key.
    let again = std::process::Command::new(bin("mm-server")).args(["push", "vapid-keygen", "--out"]).arg(dir.join("vapid.pem")).output()?;
    if again.status.success() {
        bail!("vapid-keygen overwrote an existing key");
    }
    let credentials = json!({
        "apns": {"key_file": "apns.p8", "key_id": fake_apns::KEY_ID, "team_id": fake_apns::TEAM_ID, "topic": fake_apns::TOPIC},
        "fcm": {"service_account_file": "fcm.json"},
        "web_push": {"vapid_key_file": "vapid.pem", "contact": "mailto:it@siechnice.gmina.pl"}
    });
    std::fs::write(dir.join("credentials.json"), serde_json::to_string_pretty(&credentials)?)?;
    Ok(vec![
        ("MM_PUSH_CREDENTIALS".into(), dir.join("credentials.json").display().to_string()),
        ("MM_APNS_URL".into(), apns.url.clone()),
        ("MM_FCM_URL".into(), fcm.url.clone()),
        ("MM_PUSH_CA".into(), dir.join("fake-ca.pem").display().to_string()),
        ("MM_PUSH_ALLOW_LOOPBACK".into(), "1".into()),
        // Hundreds of test devices from one address.
        ("MM_RATE_REGISTRATIONS_PER_HOUR".into(), "100000".into()),
        ("MM_RATE_IP_PER_HOUR".into(), "1000000".into()),
    ])
}

