//! Unit tests of what needs no server: address classification, endpoint
//! checks, `Retry-After`, payload shapes, the VAPID key file.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use mm_protocol::notifications::{Link, NotificationClass};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

use super::ssrf::{Refusal, allowed, check_endpoint, is_loopback};
use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn address_classification() {
    for public in ["8.8.8.8", "1.1.1.1", "2a00:1450:4025:401::5f", "100.63.255.255", "100.128.0.1", "172.32.0.1"] {
        assert!(allowed(ip(public), false), "{public} is public");
    }
    for private in [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254", // cloud metadata, link-local
        "100.64.0.1",      // CGNAT (RFC 6598)
        "100.127.255.255",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1", // unique local (RFC 4193)
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1", // IPv4-mapped loopback
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
    ] {
        assert!(!allowed(ip(private), false), "{private} must be refused");
    }
    // Loopback only under the test setting, and nothing else private.
    assert!(allowed(ip("127.0.0.1"), true));
    assert!(allowed(ip("::1"), true));
    assert!(allowed(ip("::ffff:127.0.0.1"), true));
    assert!(!allowed(ip("10.0.0.1"), true));
    assert!(!allowed(ip("169.254.169.254"), true));
    assert!(is_loopback(ip("::ffff:127.0.0.2")));
}

#[test]
fn endpoint_checks_see_the_normalised_host() {
    assert!(check_endpoint("https://push.example.org/up/abc", false).is_ok());
    assert!(check_endpoint("https://[2a00:1450:4025:401::5f]/x", false).is_ok());
    assert_eq!(check_endpoint("http://push.example.org/up/abc", false), Err(Refusal::NotHttps));
    assert_eq!(check_endpoint("ftp://push.example.org/", false), Err(Refusal::NotHttps));
    assert_eq!(check_endpoint("not a url", false), Err(Refusal::NotUrl));
    assert_eq!(check_endpoint("https://user:pw@push.example.org/", false), Err(Refusal::UserInfo));
    // Every spelling of 127.0.0.1 the WHATWG parser accepts, and private
    // ranges in hex, octal and decimal.
    for tricky in [
        "https://127.0.0.1/",
        "https://0x7f.1/",
        "https://0x7f000001/",
        "https://2130706433/",
        "https://127.1/",
        "https://0177.0.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:7f00:1]/",
        "https://[0:0:0:0:0:ffff:a00:1]/",
        "https://10.0.0.1:8443/",
        "https://167772161/",      // 10.0.0.1
        "https://0xa9.0xfe.0xa9.0xfe/", // 169.254.169.254
        "https://100.64.1.1/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://0.0.0.0/",
        "https://[::]/",
    ] {
        assert_eq!(check_endpoint(tricky, false), Err(Refusal::NotPublic), "{tricky}");
    }
    // The test setting: loopback over http passes, other private does not.
    assert!(check_endpoint("http://127.0.0.1:8080/push/1", true).is_ok());
    assert!(check_endpoint("http://[::1]:8080/push/1", true).is_ok());
    assert!(check_endpoint("http://localhost:8080/push/1", true).is_ok());
    assert!(check_endpoint("http://0x7f.1:8080/push/1", true).is_ok());
    assert_eq!(check_endpoint("http://10.0.0.1:8080/", true), Err(Refusal::NotPublic));
    assert_eq!(check_endpoint("http://push.example.org/", true), Err(Refusal::NotHttps));
    // Without it, even http to loopback is refused (as not https or not public).
    assert!(check_endpoint("http://127.0.0.1:8080/push/1", false).is_err());
}

#[tokio::test]
async fn the_resolver_refuses_names_of_private_addresses() {
    let strict = ssrf::GuardedResolver { allow_loopback: false };
    let err = strict.lookup("localhost").await.unwrap_err();
    assert!(err.is::<ssrf::ResolvedNotPublic>(), "{err}");
    let loose = ssrf::GuardedResolver { allow_loopback: true };
    let addrs = loose.lookup("localhost").await.unwrap();
    assert!(addrs.iter().all(|a| a.ip().is_loopback()));
}

#[test]
fn retry_after_in_seconds_or_as_a_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut h = HeaderMap::new();
    assert_eq!(retry_after(&h, now), None);
    h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
    assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
    let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
    h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
    assert_eq!(retry_after(&h, now), Some(Duration::from_secs(90)));
    let past = httpdate::fmt_http_date(now - Duration::from_secs(90));
    h.insert(RETRY_AFTER, HeaderValue::from_str(&past).unwrap());
    assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
    h.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
    assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
    h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
    assert_eq!(retry_after(&h, now), None);
    // 429/503 keep it, another 5xx retries on the queue's backoff, 4xx is not ours here.
    h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
    assert_eq!(common_retry(429, &h, now), Some(Outcome::Retry { after: Some(Duration::from_secs(3)) }));
    assert_eq!(common_retry(503, &h, now), Some(Outcome::Retry { after: Some(Duration::from_secs(3)) }));
    assert_eq!(common_retry(500, &h, now), Some(Outcome::Retry { after: None }));
    assert_eq!(common_retry(413, &h, now), None);
}

fn alert() -> Message {
    Message {
        id: 42,
        class: NotificationClass::Alert,
        title: "Brak wody w Żernikach Wrocławskich".into(),
        body: "Awaria wodociągu: woda wróci około 18:00.".into(),
        link: Some(Link::News { id: 7 }),
    }
}

#[test]
fn payloads_follow_the_class_table() {
    let a = apns::Apns::payload(&alert());
    assert_eq!(a["aps"]["interruption-level"], "time-sensitive");
    assert_eq!(a["aps"]["alert"]["title"], "Brak wody w Żernikach Wrocławskich");
    assert_eq!(a["mm"]["id"], 42);
    assert_eq!(a["mm"]["link"]["kind"], "news");
    let f = fcm::Fcm::message(&alert());
    assert_eq!(f["android"]["priority"], "high");
    assert_eq!(f["android"]["notification"]["channel_id"], "alerts");
    assert_eq!(f["android"]["ttl"], "86400s");
    assert_eq!(f["data"]["id"], "42");
    assert_eq!(f["data"]["class"], "alert");
    let normal = Message { class: NotificationClass::Normal, ..alert() };
    let f = fcm::Fcm::message(&normal);
    assert_eq!(f["android"]["priority"], "normal");
    assert_eq!(f["android"]["notification"]["channel_id"], "general");
    assert_eq!(f["android"]["ttl"], "259200s");
    assert_eq!(apns::Apns::payload(&normal)["aps"]["interruption-level"], "active");
    assert_eq!(alert().collapse_key(), "n42");
    assert_eq!(Message { id: -5, ..alert() }.collapse_key(), "n_5");
}

#[test]
fn vapid_key_file_round_trips_and_hides_the_secret() {
    let (pem, public) = webpush::vapid_keygen().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    // RFC 8292 §3.2: the uncompressed point, 65 bytes = 87 base64url chars.
    assert_eq!(public.len(), 87);
    let key = VapidKey::from_pem(&pem).unwrap();
    assert_eq!(key.public_key(), public);
    let debug = format!("{key:?}");
    assert!(!debug.contains(&pem[30..60]), "{debug}");
    assert!(debug.contains("redacted"));
    assert!(VapidKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
}

#[test]
fn subscription_keys_are_checked_on_the_curve() {
    let key = VapidKey::generate();
    let auth = b64url(&[7u8; 16]);
    assert!(webpush::check_subscription_keys(&key.public_key(), &auth).is_ok());
    // 65 bytes starting 0x04, but not a point on P-256.
    let mut bogus = vec![4u8];
    bogus.extend([1u8; 64]);
    assert!(webpush::check_subscription_keys(&b64url(&bogus), &auth).is_err());
    assert!(webpush::check_subscription_keys(&key.public_key(), &b64url(&[7u8; 15])).is_err());
}

#[test]
fn configs_debug_without_secrets() {
    let sa = fcm::ServiceAccount {
        project_id: "mm-test".into(),
        client_email: "push@mm-test.iam.gserviceaccount.com".into(),
        private_key: "-----BEGIN PRIVATE KEY-----SECRET".into(),
        token_uri: "https://oauth2.googleapis.com/token".into(),
    };
    assert!(!format!("{:?}", FcmConfig::new(sa)).contains("SECRET"));
    let apns = ApnsConfig::new("-----BEGIN PRIVATE KEY-----SECRET", "ABCDE12345", "TEAM123456", "pl.mmieszkaniec");
    assert!(!format!("{apns:?}").contains("SECRET"));
    assert!(Apns::new(apns).is_err(), "not a key");
}
