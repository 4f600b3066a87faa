use std::net::IpAddr;

use chrono::{DateTime, NaiveTime, Utc};
use proptest::prelude::*;

use super::model::*;
use super::rules::*;
use super::wire::*;
use crate::geo::GeoPoint;
use crate::validation::Validate;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// RFC 4648 §5 without padding, written for the tests.
fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn p256() -> String {
    let mut k = vec![0x04u8];
    k.extend((1..=64).map(|i| i as u8));
    b64url(&k)
}

fn web_push(endpoint: &str) -> PushRegistration {
    PushRegistration::WebPush { endpoint: endpoint.into(), p256dh: p256(), auth: b64url(&[7u8; 16]) }
}

const SIECHNICE: GeoPoint = GeoPoint { lat: 51.0341, lon: 17.1447 };
const RADWANICE: GeoPoint = GeoPoint { lat: 51.0634, lon: 17.1164 };

fn sub(topics: &[Topic], areas: Vec<Area>) -> Subscription {
    Subscription { topics: topics.to_vec(), event_categories: vec![], areas, quiet_hours: None, lang: Lang::Pl }
}

// --- subscriptions ---------------------------------------------------------

#[test]
fn a_new_device_subscribes_to_everything_and_validates() {
    let s = Subscription::new_device(Lang::Pl);
    assert!(s.validate().is_ok());
    assert!(Topic::ALL.iter().all(|t| s.wants(*t)));
}

#[test]
fn alerts_cannot_be_turned_off() {
    let e = sub(&[Topic::News], vec![]).validate().unwrap_err();
    assert_eq!(e.field, "topics");
    assert!(e.pl.contains("Alertów nie można wyłączyć"));
    // And even a stored subscription without them still gets alerts.
    assert!(sub(&[Topic::News], vec![]).wants(Topic::Alerts));
}

#[test]
fn subscription_refusals_name_their_field() {
    let mut s = sub(&[Topic::Alerts, Topic::News, Topic::News], vec![]);
    assert_eq!(s.validate().unwrap_err().field, "topics[2]");
    s.topics.pop();
    assert!(s.validate().is_ok());

    let around = |r| Area::Around { point: SIECHNICE, radius_m: r };
    for (r, ok) in [(99, false), (100, true), (20_000, true), (20_001, false)] {
        let s = sub(&[Topic::Alerts], vec![around(r)]);
        assert_eq!(s.validate().is_ok(), ok, "radius {r}");
        if !ok {
            assert_eq!(s.validate().unwrap_err().field, "areas[0].radius_m");
        }
    }
    let bad_point = Area::Around { point: GeoPoint { lat: 91.0, lon: 0.0 }, radius_m: 500 };
    assert_eq!(sub(&[Topic::Alerts], vec![bad_point]).validate().unwrap_err().field, "areas[0].point.lat");
    assert_eq!(sub(&[Topic::Alerts], vec![Area::Locality { id: 0 }]).validate().unwrap_err().field, "areas[0]");
    let dup = vec![Area::Locality { id: 3 }, Area::Locality { id: 3 }];
    assert_eq!(sub(&[Topic::Alerts], dup).validate().unwrap_err().field, "areas[1]");

    let twenty: Vec<Area> = (1..=20).map(|id| Area::Locality { id }).collect();
    assert!(sub(&[Topic::Alerts], twenty.clone()).validate().is_ok());
    let mut many = twenty;
    many.push(Area::Locality { id: 21 });
    assert_eq!(sub(&[Topic::Alerts], many).validate().unwrap_err().field, "areas");

    let mut s = sub(&[Topic::Alerts], vec![]);
    s.quiet_hours = Some(QuietHours { from: hm(22, 0), to: hm(22, 0) });
    assert_eq!(s.validate().unwrap_err().field, "quiet_hours");
    s.quiet_hours = Some(QuietHours { from: hm(22, 0), to: hm(7, 0) });
    assert!(s.validate().is_ok());
    s.event_categories = vec!["kultura".into(); 51];
    assert_eq!(s.validate().unwrap_err().field, "event_categories");
    s.event_categories = vec![" ".into()];
    assert_eq!(s.validate().unwrap_err().field, "event_categories[0]");
}

#[test]
fn subscription_json_is_stable_snake_case() {
    let mut s = sub(
        &[Topic::Alerts, Topic::MyReports],
        vec![Area::Locality { id: 4 }, Area::Around { point: SIECHNICE, radius_m: 1500 }],
    );
    s.quiet_hours = Some(QuietHours { from: hm(22, 0), to: hm(7, 0) });
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "topics": ["alerts", "my_reports"],
            "event_categories": [],
            "areas": [
                {"kind": "locality", "id": 4},
                {"kind": "around", "point": {"lat": 51.0341, "lon": 17.1447}, "radius_m": 1500}
            ],
            "quiet_hours": {"from": "22:00:00", "to": "07:00:00"},
            "lang": "pl"
        })
    );
    let back: Subscription = serde_json::from_value(json).unwrap();
    assert_eq!(back, s);
    // Minutes without seconds are read too.
    let q: QuietHours = serde_json::from_str(r#"{"from":"22:30","to":"06:00"}"#).unwrap();
    assert_eq!(q.from, hm(22, 30));
    for t in Topic::ALL {
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.as_str()));
        assert_eq!(Topic::parse(t.as_str()), Some(t));
    }
}

// --- push registrations ----------------------------------------------------

#[test]
fn apns_and_fcm_tokens() {
    let apns = |t: &str| PushRegistration::Apns { token_hex: t.into(), environment: ApnsEnvironment::Production };
    assert!(apns(&"ab".repeat(32)).validate().is_ok());
    assert!(apns(&"AB".repeat(100)).validate().is_ok());
    for bad in ["ab".repeat(31), "ab".repeat(101), format!("{}a", "ab".repeat(32)), "zz".repeat(32)] {
        assert_eq!(apns(&bad).validate().unwrap_err().field, "token_hex", "{bad}");
    }
    let PushRegistration::Apns { token_hex, .. } = apns(&"AB".repeat(32)).normalised() else { unreachable!() };
    assert_eq!(token_hex, "ab".repeat(32));

    let fcm = |t: &str| PushRegistration::Fcm { token: t.into() };
    assert!(fcm("dGVzdA:APA91bH-x_y").validate().is_ok());
    assert!(fcm(&"x".repeat(4096)).validate().is_ok());
    for bad in [String::new(), "x".repeat(4097), "a b".into(), "żółw".into()] {
        assert_eq!(fcm(&bad).validate().unwrap_err().field, "token", "{bad}");
    }
}

#[test]
fn web_push_keys_follow_rfc_8291() {
    assert!(web_push("https://ntfy.sh/upAbC123?up=1").validate().is_ok());
    let with = |p256dh: String, auth: String| PushRegistration::WebPush {
        endpoint: "https://push.example.org/x".into(),
        p256dh,
        auth,
    };
    // Compressed point, wrong length, not base64url, standard base64.
    let mut compressed = vec![0x02u8];
    compressed.extend([1u8; 32]);
    let mut not_04 = vec![0x05u8];
    not_04.extend([1u8; 64]);
    for bad in [b64url(&compressed), b64url(&not_04), b64url(&[4u8; 64]), "!!!".into(), p256().replace('-', "+")] {
        assert_eq!(with(bad.clone(), b64url(&[1; 16])).validate().unwrap_err().field, "p256dh", "{bad}");
    }
    for bad in [b64url(&[1; 15]), b64url(&[1; 17]), "a".into()] {
        assert_eq!(with(p256(), bad.clone()).validate().unwrap_err().field, "auth", "{bad}");
    }
    // Padding is tolerated.
    assert!(with(format!("{}=", p256()), format!("{}==", b64url(&[1; 16]))).validate().is_ok());
}

#[test]
fn web_push_endpoints_are_https_and_public() {
    let strict = EndpointPolicy::default();
    let tests = EndpointPolicy { allow_loopback: true };
    let long = format!("https://push.example.org/{}", "a".repeat(1000 - 25));
    assert_eq!(long.len(), 1000);
    assert!(validate_endpoint(&long, strict).is_ok());
    assert!(validate_endpoint(&format!("{long}a"), strict).is_err());
    for bad in [
        "http://push.example.org/x",
        "ftp://push.example.org/x",
        "https://",
        "https:///x",
        "https://user:pw@push.example.org/x",
        "https://push.example.org:99999/x",
        "https://push.example.org/x y",
        "https://push.example.org/x#frag",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://10.1.2.3/x",
        "https://192.168.1.1/x",
        "https://172.20.0.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/x",
        "https://0.0.0.0/x",
        "https://[::1]/x",
        "https://[fd00::1]/x",
        "https://[fe80::1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://[64:ff9b::a00:1]/x",
        "http://127.0.0.1:8080/x",
    ] {
        assert_eq!(validate_endpoint(bad, strict).unwrap_err().field, "endpoint", "{bad}");
    }
    for good in ["https://push.example.org/x", "https://93.184.216.34:8443/x", "https://[2606:4700::1111]/x"] {
        assert!(validate_endpoint(good, strict).is_ok(), "{good}");
    }
    // The tests' switch lets loopback over http through, and nothing else.
    for good in ["http://127.0.0.1:8080/up/1", "http://[::1]:9/x", "http://localhost:3000/x", "https://127.0.0.1/x"] {
        assert!(validate_endpoint(good, tests).is_ok(), "{good}");
    }
    for bad in ["http://push.example.org/x", "http://10.0.0.1/x", "https://192.168.0.1/x"] {
        assert!(validate_endpoint(bad, tests).is_err(), "{bad}");
    }
    assert!(web_push("http://127.0.0.1:1/x").validate().is_err());
    assert!(web_push("http://127.0.0.1:1/x").validate_with(tests).is_ok());
}

#[test]
fn public_addresses() {
    for ip in ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
        assert!(is_public_ip(ip.parse::<IpAddr>().unwrap()), "{ip}");
    }
    for ip in [
        "127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.0.1", "169.254.1.1", "100.64.0.1", "100.127.255.255",
        "0.1.2.3", "255.255.255.255", "224.0.0.1", "192.0.2.1", "198.18.0.1", "240.0.0.1", "192.0.0.8", "::1", "::",
        "fc00::1", "fe80::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1", "::127.0.0.1",
    ] {
        assert!(!is_public_ip(ip.parse::<IpAddr>().unwrap()), "{ip}");
    }
}

#[test]
fn debug_prints_no_token_endpoint_or_key() {
    let secret_token = "c0ffee".repeat(11);
    let regs = [
        PushRegistration::Apns { token_hex: secret_token.clone(), environment: ApnsEnvironment::Sandbox },
        PushRegistration::Fcm { token: secret_token.clone() },
        web_push("https://push.example.org/c0ffeec0ffee"),
    ];
    for r in &regs {
        let text = format!("{r:?} {r:#?}");
        assert!(!text.contains("c0ffee"), "{text}");
        assert!(!text.contains(&p256()) && !text.contains(&b64url(&[7u8; 16])), "{text}");
        assert!(text.contains("***"));
    }
    assert!(format!("{:?}", regs[0]).contains("Sandbox"));
    // The wire form carries them, tagged by transport.
    let json = serde_json::to_value(&regs[2]).unwrap();
    assert_eq!(json["transport"], "web_push");
    assert_eq!(json["endpoint"], "https://push.example.org/c0ffeec0ffee");
    assert_eq!(serde_json::to_value(&regs[0]).unwrap()["environment"], "sandbox");
    assert_eq!(regs[2].transport(), Transport::WebPush);
}

// --- classes, links, payloads -----------------------------------------------

#[test]
fn one_table_of_knobs_per_class() {
    let a = knobs(Topic::Alerts.class());
    assert_eq!((a.fcm_priority, a.android_channel_id, a.apns_priority), ("high", "alerts", 10));
    assert_eq!((a.apns_interruption_level, a.web_push_urgency, a.ttl_secs), ("time-sensitive", "high", 86_400));
    let n = knobs(Topic::News.class());
    assert_eq!((n.fcm_priority, n.android_channel_id, n.apns_priority), ("normal", "general", 5));
    assert_eq!((n.apns_interruption_level, n.web_push_urgency, n.ttl_secs), ("active", "normal", 259_200));
    assert!(Topic::ALL.iter().filter(|t| t.class() == NotificationClass::Alert).eq([&Topic::Alerts]));
}

#[test]
fn links_and_their_json() {
    assert_eq!(serde_json::to_value(Link::Event { id: 5 }).unwrap(), serde_json::json!({"kind": "event", "id": 5}));
    assert!(Link::Url { url: "https://siechnice.gmina.pl/a".into() }.validate().is_ok());
    for bad in ["http://siechnice.gmina.pl/a", "javascript:alert(1)", "https://", "https://a b"] {
        assert_eq!(Link::Url { url: bad.into() }.validate().unwrap_err().field, "link.url", "{bad}");
    }
    assert_eq!(Link::News { id: 0 }.validate().unwrap_err().field, "link.id");
}

#[test]
fn payloads_count_utf8_bytes_against_each_limit() {
    assert_eq!(limit(Transport::WebPush), 3993);
    assert_eq!(limit(Transport::Apns), 4096);
    assert_eq!(limit(Transport::Fcm), 4096);
    assert!(fits(Transport::WebPush, 3993) && !fits(Transport::WebPush, 3994));
    assert!(fits(Transport::Apns, 4096) && !fits(Transport::Apns, 4097));

    let ascii = payload_bytes("t", &"a".repeat(100), None);
    let polish = payload_bytes("t", &"ą".repeat(100), None);
    assert_eq!(polish - ascii, 100, "each Polish letter is two bytes");
    let link = Link::News { id: 1 };
    assert!(payload_bytes("t", "b", Some(&link)) > payload_bytes("t", "b", None));
    // JSON escaping counts too.
    assert_eq!(payload_bytes("t", "\"", None) - payload_bytes("t", "a", None), 1);

    // 1,000 characters of Polish fit; the same in 2,000 ż do not.
    assert!(check_payload("Przerwa w dostawie wody", &"ż".repeat(1000), None).is_ok());
    let e = check_payload("Przerwa", &"ż".repeat(2000), None).unwrap_err();
    assert_eq!(e.limit, 3993);
    assert!(e.bytes > 4000);
    let api: crate::error::ApiError = e.into();
    assert_eq!(api.code.as_str(), "payload_too_large");
}

#[test]
fn drafts_validate_and_check_their_payload() {
    let d = NotificationDraft {
        title: "Brak wody w Radwanicach".into(),
        body: "Awaria wodociągu, do 18:00.".into(),
        link: Some(Link::News { id: 12 }),
        topic: Topic::Alerts,
        event_category: None,
        areas: vec![Area::Locality { id: 2 }],
        send_at: None,
    };
    assert!(d.validate().is_ok());
    assert_eq!(d.class(), NotificationClass::Alert);
    assert!(d.check_payload().is_ok());
    assert_eq!(d.target().areas, d.areas);
    let mut bad = d.clone();
    bad.title = String::new();
    assert_eq!(bad.validate().unwrap_err().field, "title");
    let mut bad = d.clone();
    bad.event_category = Some("kultura".into());
    assert_eq!(bad.validate().unwrap_err().field, "event_category");
    bad.topic = Topic::Events;
    assert!(bad.validate().is_ok());
    let mut bad = d.clone();
    bad.link = Some(Link::Url { url: "http://x.pl".into() });
    assert_eq!(bad.validate().unwrap_err().field, "link.url");
    let mut bad = d;
    bad.body = "ż".repeat(1001);
    assert_eq!(bad.validate().unwrap_err().field, "body");
    assert!(FeedRead { ids: vec![] }.validate().is_err());
    assert!(FeedRead { ids: vec![1] }.validate().is_ok());
}

// --- quiet hours -----------------------------------------------------------

#[test]
fn quiet_hours_read_the_warsaw_clock_across_dst_and_midnight() {
    let night = QuietHours { from: hm(22, 0), to: hm(7, 0) };
    // Winter (CET, UTC+1): 22:00 local = 21:00Z.
    assert!(!in_quiet_hours(&night, utc("2027-01-15T20:59:59Z")));
    assert!(in_quiet_hours(&night, utc("2027-01-15T21:00:00Z")));
    assert!(in_quiet_hours(&night, utc("2027-01-16T05:59:59Z")));
    assert!(!in_quiet_hours(&night, utc("2027-01-16T06:00:00Z")));
    // Summer (CEST, UTC+2): 22:00 local = 20:00Z.
    assert!(in_quiet_hours(&night, utc("2027-07-15T20:00:00Z")));
    assert!(!in_quiet_hours(&night, utc("2027-07-15T19:59:00Z")));
    assert!(!in_quiet_hours(&night, utc("2027-07-16T05:00:00Z")));
    // The night of the spring change (2027-03-28): 07:00 CEST = 05:00Z.
    assert!(in_quiet_hours(&night, utc("2027-03-28T04:59:00Z")));
    assert!(!in_quiet_hours(&night, utc("2027-03-28T05:00:00Z")));
    // The autumn change (2027-10-31): 07:00 CET = 06:00Z.
    assert!(in_quiet_hours(&night, utc("2027-10-31T05:59:00Z")));
    assert!(!in_quiet_hours(&night, utc("2027-10-31T06:00:00Z")));
    // A range that does not wrap.
    let lunch = QuietHours { from: hm(12, 0), to: hm(13, 0) };
    assert!(in_quiet_hours(&lunch, utc("2027-01-15T11:30:00Z")));
    assert!(!in_quiet_hours(&lunch, utc("2027-01-15T12:00:00Z")));
}

#[test]
fn ordinary_notifications_wait_for_the_end_of_quiet_hours_alerts_do_not() {
    let night = QuietHours { from: hm(22, 0), to: hm(7, 0) };
    let late = utc("2027-01-15T22:30:00Z"); // 23:30 CET
    assert_eq!(deliver_at(Some(&night), NotificationClass::Alert, late), late);
    assert_eq!(deliver_at(Some(&night), NotificationClass::Normal, late), utc("2027-01-16T06:00:00Z"));
    let early = utc("2027-01-16T03:00:00Z"); // 04:00 CET, same day's 07:00
    assert_eq!(deliver_at(Some(&night), NotificationClass::Normal, early), utc("2027-01-16T06:00:00Z"));
    assert_eq!(deliver_at(None, NotificationClass::Normal, late), late);
    // Quiet until 07:00 on the morning the clocks go forward: 05:00Z.
    assert_eq!(
        deliver_at(Some(&night), NotificationClass::Normal, utc("2027-03-27T23:00:00Z")),
        utc("2027-03-28T05:00:00Z")
    );
    // Quiet until 02:30, which does not exist that morning: 03:30 CEST.
    let odd = QuietHours { from: hm(23, 0), to: hm(2, 30) };
    assert_eq!(
        deliver_at(Some(&odd), NotificationClass::Normal, utc("2027-03-27T23:30:00Z")),
        utc("2027-03-28T01:30:00Z")
    );
}

// --- matching --------------------------------------------------------------

fn points(id: i64) -> Option<GeoPoint> {
    match id {
        1 => Some(SIECHNICE),
        2 => Some(RADWANICE),
        _ => None,
    }
}

fn target(topic: Topic, areas: Vec<Area>) -> Target {
    Target { topic, event_category: None, areas }
}

#[test]
fn matching_by_topic_category_and_area() {
    let radwanice = vec![Area::Locality { id: 2 }];
    let news_off = sub(&[Topic::Alerts], radwanice.clone());
    assert!(matches(&news_off, &target(Topic::Alerts, radwanice.clone()), points));
    assert!(!matches(&news_off, &target(Topic::News, radwanice.clone()), points));
    assert!(!matches(&news_off, &target(Topic::Alerts, vec![Area::Locality { id: 1 }]), points));
    assert!(matches(&news_off, &target(Topic::Alerts, vec![]), points), "gmina-wide");
    assert!(matches(&sub(&[Topic::Alerts], vec![]), &target(Topic::Alerts, radwanice.clone()), points));

    let mut events = sub(&[Topic::Alerts, Topic::Events], vec![]);
    let mut t = target(Topic::Events, vec![]);
    t.event_category = Some("sport".into());
    assert!(matches(&events, &t, points));
    events.event_categories = vec!["kultura".into()];
    assert!(!matches(&events, &t, points));
    t.event_category = Some("kultura".into());
    assert!(matches(&events, &t, points));

    // Siechnice and Radwanice are ~3.8 km apart.
    let home = |r| vec![Area::Around { point: SIECHNICE, radius_m: r }];
    let d = crate::reports::distance_m(SIECHNICE, RADWANICE);
    assert!((3500.0..4000.0).contains(&d), "{d}");
    assert!(!matches(&sub(&[Topic::Alerts], home(3000)), &target(Topic::Alerts, radwanice.clone()), points));
    assert!(matches(&sub(&[Topic::Alerts], home(4000)), &target(Topic::Alerts, radwanice.clone()), points));
    let drawn = |r| vec![Area::Around { point: RADWANICE, radius_m: r }];
    assert!(matches(&sub(&[Topic::Alerts], home(2000)), &target(Topic::Alerts, drawn(2000)), points));
    assert!(!matches(&sub(&[Topic::Alerts], home(1000)), &target(Topic::Alerts, drawn(1000)), points));
    assert!(matches(&sub(&[Topic::Alerts], vec![Area::Locality { id: 1 }]), &target(Topic::Alerts, home(100)), points));
    // A locality whose point is unknown meets no circle.
    assert!(!matches(&sub(&[Topic::Alerts], vec![Area::Locality { id: 9 }]), &target(Topic::Alerts, home(20_000)), points));
}

fn arb_area() -> impl Strategy<Value = Area> {
    prop_oneof![
        (1i64..=3).prop_map(|id| Area::Locality { id }),
        (51.0f64..51.1, 17.0f64..17.2, RADIUS_MIN_M..=5000u32)
            .prop_map(|(lat, lon, radius_m)| Area::Around { point: GeoPoint { lat, lon }, radius_m }),
    ]
}

fn arb_sub() -> impl Strategy<Value = Subscription> {
    (proptest::sample::subsequence(Topic::ALL.to_vec(), 0..=9), proptest::collection::vec(arb_area(), 0..4))
        .prop_map(|(topics, areas)| sub(&topics, areas))
}

proptest! {
    /// Alerts reach a subscription whatever its topics; other topics need
    /// the topic; and areas meet symmetrically.
    #[test]
    fn matching_laws(s in arb_sub(), areas in proptest::collection::vec(arb_area(), 0..4), topic in proptest::sample::select(Topic::ALL.to_vec())) {
        let t = target(topic, areas.clone());
        let m = matches(&s, &t, points);
        let alert = matches(&s, &target(Topic::Alerts, areas.clone()), points);
        if topic != Topic::Alerts && !s.topics.contains(&topic) {
            prop_assert!(!m);
        } else {
            prop_assert_eq!(m, alert);
        }
        // Swap the roles of the areas: same answer.
        let swapped = Subscription { areas: areas.clone(), ..s.clone() };
        prop_assert_eq!(alert, matches(&swapped, &target(Topic::Alerts, s.areas.clone()), points));
        // Widening a target that has areas never loses a recipient (one
        // without areas is the whole gmina already).
        prop_assume!(!areas.is_empty());
        let mut wider = areas;
        wider.push(Area::Locality { id: 1 });
        prop_assert!(!alert || matches(&s, &target(Topic::Alerts, wider), points));
    }

    #[test]
    fn base64url_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        prop_assert_eq!(base64url_decode(&b64url(&bytes)), Some(bytes));
    }

    #[test]
    fn quiet_hours_are_the_complement_of_their_inverse(
        from in 0u32..1440, to in 0u32..1440, t in 1_790_000_000i64..1_830_000_000
    ) {
        prop_assume!(from != to);
        let q = QuietHours { from: hm(from / 60, from % 60), to: hm(to / 60, to % 60) };
        let inverse = QuietHours { from: q.to, to: q.from };
        let now = DateTime::from_timestamp(t, 0).unwrap();
        prop_assert_ne!(in_quiet_hours(&q, now), in_quiet_hours(&inverse, now));
        let at = deliver_at(Some(&q), NotificationClass::Normal, now);
        prop_assert!(at >= now);
        prop_assert!(at - now <= chrono::Duration::hours(25));
        prop_assert!(!in_quiet_hours(&q, at) || at == now);
    }
}
