//! The rules of notifications: what a valid subscription and registration
//! look like, how big a payload each service takes, when quiet hours hold,
//! and who a notification reaches.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;

use super::model::{
    Area, Link, NotificationClass, PushRegistration, QuietHours, Subscription, Target, Topic, Transport,
    MAX_AREAS, MAX_EVENT_CATEGORIES, RADIUS_MAX_M, RADIUS_MIN_M,
};
use crate::error::{ApiError, ErrorCode, Message};
use crate::geo::GeoPoint;
use crate::reports::distance_m;
use crate::validation::{optional_text, required_text, FieldError, Validate};
use crate::LOCAL_TZ;

// ---------------------------------------------------------------------------
// Subscriptions

impl Validate for Subscription {
    fn validate(&self) -> Result<(), FieldError> {
        if !self.topics.contains(&Topic::Alerts) {
            return Err(FieldError::new(
                "topics",
                "Alertów nie można wyłączyć w aplikacji (ustawienia telefonu nadal mają pierwszeństwo).",
                "Alerts cannot be turned off in the app (the phone's own settings still win).",
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            if self.topics[..i].contains(t) {
                return Err(FieldError::new(
                    format!("topics[{i}]"),
                    "Temat podano dwa razy.",
                    "A topic is listed twice.",
                ));
            }
        }
        if self.event_categories.len() > MAX_EVENT_CATEGORIES {
            return Err(FieldError::new(
                "event_categories",
                format!("Za dużo kategorii wydarzeń (najwyżej {MAX_EVENT_CATEGORIES})."),
                format!("Too many event categories (at most {MAX_EVENT_CATEGORIES})."),
            ));
        }
        for (i, c) in self.event_categories.iter().enumerate() {
            required_text(&format!("event_categories[{i}]"), c, 64)?;
        }
        validate_areas(&self.areas)?;
        if let Some(q) = &self.quiet_hours {
            q.validate()?;
        }
        Ok(())
    }
}

/// At most [`MAX_AREAS`], each valid, none twice.
pub fn validate_areas(areas: &[Area]) -> Result<(), FieldError> {
    if areas.len() > MAX_AREAS {
        return Err(FieldError::new(
            "areas",
            format!("Za dużo obszarów (najwyżej {MAX_AREAS})."),
            format!("Too many areas (at most {MAX_AREAS})."),
        ));
    }
    for (i, a) in areas.iter().enumerate() {
        let field = format!("areas[{i}]");
        match a {
            Area::Locality { id } if *id <= 0 => {
                return Err(FieldError::new(field, "Nieprawidłowy identyfikator miejscowości.", "Invalid locality id."));
            }
            Area::Locality { .. } => {}
            Area::Around { point, radius_m } => {
                point.validate().map_err(|e| FieldError { field: format!("{field}.point.{}", e.field), ..e })?;
                if !(RADIUS_MIN_M..=RADIUS_MAX_M).contains(radius_m) {
                    return Err(FieldError::new(
                        format!("{field}.radius_m"),
                        format!("Promień musi wynosić od {RADIUS_MIN_M} do {RADIUS_MAX_M} m."),
                        format!("The radius must be from {RADIUS_MIN_M} to {RADIUS_MAX_M} m."),
                    ));
                }
            }
        }
        if areas[..i].contains(a) {
            return Err(FieldError::new(field, "Obszar podano dwa razy.", "An area is listed twice."));
        }
    }
    Ok(())
}

impl Validate for QuietHours {
    fn validate(&self) -> Result<(), FieldError> {
        if self.from == self.to {
            return Err(FieldError::new(
                "quiet_hours",
                "Początek i koniec godzin ciszy muszą się różnić.",
                "Quiet hours must start and end at different times.",
            ));
        }
        Ok(())
    }
}

impl Validate for Link {
    fn validate(&self) -> Result<(), FieldError> {
        match self {
            Link::News { id } | Link::Event { id } | Link::Report { id } | Link::Consultation { id } if *id <= 0 => {
                Err(FieldError::new("link.id", "Nieprawidłowy identyfikator.", "Invalid id."))
            }
            Link::Url { url } => {
                let ok = url.len() <= 2000
                    && !url.contains(char::is_whitespace)
                    && url.strip_prefix("https://").and_then(|r| authority(r)).is_some();
                if ok {
                    Ok(())
                } else {
                    Err(FieldError::new(
                        "link.url",
                        "Podaj adres zaczynający się od https://.",
                        "Give an address starting with https://.",
                    ))
                }
            }
            _ => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------
// Push registrations

/// What a Web Push endpoint may be. The protocol checks the URL as written;
/// the server also resolves the host and refuses private addresses (at
/// registration and again at send: DNS can change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndpointPolicy {
    /// `--push-allow-loopback` (tests only): `http://127.0.0.1:port/…`,
    /// `http://[::1]:port/…` and `http://localhost:port/…` pass.
    pub allow_loopback: bool,
}

/// Longest Web Push endpoint: UnifiedPush AND_3.0.0 caps it at 1000 bytes.
pub const ENDPOINT_MAX_BYTES: usize = 1000;
/// Longest FCM registration token we store (FCM documents none; today's
/// are about 160 characters, and the device table must stay bounded).
pub const FCM_TOKEN_MAX_BYTES: usize = 4096;
/// APNs device tokens are 32 bytes today (64 hex digits); Apple warns they
/// may grow, so up to 100 bytes are accepted.
pub const APNS_TOKEN_HEX_MIN: usize = 64;
pub const APNS_TOKEN_HEX_MAX: usize = 200;

impl Validate for PushRegistration {
    fn validate(&self) -> Result<(), FieldError> {
        self.validate_with(EndpointPolicy::default())
    }
}

impl PushRegistration {
    pub fn validate_with(&self, policy: EndpointPolicy) -> Result<(), FieldError> {
        match self {
            PushRegistration::Apns { token_hex, .. } => {
                let ok = (APNS_TOKEN_HEX_MIN..=APNS_TOKEN_HEX_MAX).contains(&token_hex.len())
                    && token_hex.len() % 2 == 0
                    && token_hex.bytes().all(|b| b.is_ascii_hexdigit());
                if !ok {
                    return Err(FieldError::new(
                        "token_hex",
                        format!("Token APNs to od {APNS_TOKEN_HEX_MIN} do {APNS_TOKEN_HEX_MAX} cyfr szesnastkowych."),
                        format!("An APNs token is {APNS_TOKEN_HEX_MIN} to {APNS_TOKEN_HEX_MAX} hex digits."),
                    ));
                }
            }
            PushRegistration::Fcm { token } => {
                let ok = !token.is_empty() && token.len() <= FCM_TOKEN_MAX_BYTES && token.bytes().all(|b| b.is_ascii_graphic());
                if !ok {
                    return Err(FieldError::new(
                        "token",
                        format!("Token FCM: od 1 do {FCM_TOKEN_MAX_BYTES} znaków ASCII bez spacji."),
                        format!("An FCM token is 1 to {FCM_TOKEN_MAX_BYTES} ASCII characters without spaces."),
                    ));
                }
            }
            PushRegistration::WebPush { endpoint, p256dh, auth } => {
                validate_endpoint(endpoint, policy)?;
                // RFC 8291 §3.1: the user agent's key is a P-256 point in
                // uncompressed form (X9.62: 0x04, X, Y = 65 bytes). Whether
                // it is on the curve the server's crypto checks.
                match base64url_decode(p256dh) {
                    Some(k) if k.len() == 65 && k[0] == 0x04 => {}
                    _ => {
                        return Err(FieldError::new(
                            "p256dh",
                            "Klucz p256dh musi być nieskompresowanym punktem P-256 (65 bajtów) w base64url.",
                            "p256dh must be an uncompressed P-256 point (65 bytes) in base64url.",
                        ))
                    }
                }
                // RFC 8291 §3.2: the authentication secret is 16 octets.
                match base64url_decode(auth) {
                    Some(a) if a.len() == 16 => {}
                    _ => {
                        return Err(FieldError::new(
                            "auth",
                            "Sekret auth musi mieć 16 bajtów w base64url.",
                            "auth must be 16 bytes in base64url.",
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    /// The APNs token in the form the path takes (`/3/device/<hex>`):
    /// lowercase, so one device is one row whatever case the shell used.
    pub fn normalised(mut self) -> PushRegistration {
        if let PushRegistration::Apns { token_hex, .. } = &mut self {
            token_hex.make_ascii_lowercase();
        }
        self
    }
}

/// Checks a Web Push endpoint as written: https, at most
/// [`ENDPOINT_MAX_BYTES`], a host and no user name or password, no
/// fragment; an address literal must be public. UnifiedPush's server spec
/// asks application servers for this SSRF check.
pub fn validate_endpoint(endpoint: &str, policy: EndpointPolicy) -> Result<(), FieldError> {
    let bad = |pl: &str, en: &str| Err(FieldError::new("endpoint", pl, en));
    if endpoint.len() > ENDPOINT_MAX_BYTES {
        return bad(
            "Adres powiadomień jest za długi (najwyżej 1000 bajtów).",
            "The push endpoint is too long (at most 1000 bytes).",
        );
    }
    if endpoint.contains(|c: char| c.is_whitespace() || c.is_control()) || endpoint.contains('#') {
        return bad("Nieprawidłowy adres powiadomień.", "Invalid push endpoint.");
    }
    let (rest, https) = match (endpoint.strip_prefix("https://"), endpoint.strip_prefix("http://")) {
        (Some(r), _) => (r, true),
        (None, Some(r)) => (r, false),
        _ => return bad("Adres powiadomień musi zaczynać się od https://.", "The push endpoint must start with https://."),
    };
    let Some(host) = authority(rest) else {
        return bad("Nieprawidłowy adres powiadomień.", "Invalid push endpoint.");
    };
    let ip = host_ip(host);
    let loopback = host.eq_ignore_ascii_case("localhost") || ip.is_some_and(|ip| ip.is_loopback());
    if policy.allow_loopback && loopback {
        return Ok(());
    }
    if !https {
        return bad("Adres powiadomień musi zaczynać się od https://.", "The push endpoint must start with https://.");
    }
    if loopback || ip.is_some_and(|ip| !is_public_ip(ip)) {
        return bad(
            "Adres powiadomień wskazuje na sieć prywatną lub lokalną.",
            "The push endpoint points to a private or local network.",
        );
    }
    Ok(())
}

/// The host of `rest` (a URL after `scheme://`), or `None` when there is
/// none or it carries user information.
fn authority(rest: &str) -> Option<&str> {
    let auth = rest.split(['/', '?']).next().unwrap_or("");
    if auth.is_empty() || auth.contains('@') {
        return None;
    }
    let host = if let Some(v6) = auth.strip_prefix('[') {
        let end = v6.find(']')?;
        let after = &v6[end + 1..];
        if !(after.is_empty() || after.starts_with(':')) {
            return None;
        }
        &auth[..end + 2]
    } else {
        auth.split(':').next().unwrap_or("")
    };
    if let Some(port) = auth[host.len()..].strip_prefix(':')
        && port.parse::<u16>().is_err()
    {
        return None;
    }
    (!host.is_empty()).then_some(host)
}

fn host_ip(host: &str) -> Option<IpAddr> {
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => whatwg_ipv4(host).map(IpAddr::V4),
    }
}

/// An IPv4 host as the WHATWG URL Standard's IPv4 parser reads it (§3.5),
/// which is what the sender's `url` crate and browsers connect to: parts
/// in decimal, `0x` hex or `0` octal, the last one filling the remaining
/// bytes, so `0x7f000001`, `2130706433`, `0177.0.0.1` and `127.1` are all
/// 127.0.0.1. Reading only dotted decimal here let such an endpoint past
/// the check at registration (the send-time check refused it).
fn whatwg_ipv4(host: &str) -> Option<Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 || parts.last().is_none_or(|l| !l.starts_with(|c: char| c.is_ascii_digit())) {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) = if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (h, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (*part, 10)
        };
        let n = if digits.is_empty() { 0 } else { u64::from_str_radix(digits, radix).ok()? };
        numbers.push(n);
    }
    let (last, first) = numbers.split_last()?;
    if first.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let mut value = *last;
    for (i, n) in first.iter().enumerate() {
        value += n << (8 * (3 - i));
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

/// Whether the server may send to this address: not loopback, private
/// (RFC 1918), link-local, CGNAT (RFC 6598), unique-local IPv6 (RFC 4193),
/// multicast, unspecified, broadcast, documentation or reserved ranges.
/// IPv4-mapped and NAT64 (RFC 6052) IPv6 addresses are judged by the IPv4
/// address they carry. The server's SSRF check runs it on every address a
/// host resolves to.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let o = v6.octets();
                return is_public_v4(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0)) // IPv4-compatible ::/96
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64.0.0/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || o[0] >= 240) // reserved 240.0.0.0/4
}

/// base64url (RFC 4648 §5), padding optional, as Web Push subscriptions
/// carry their keys.
pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero (a canonical encoding).
    (acc == 0).then_some(out)
}

// ---------------------------------------------------------------------------
// Payloads

/// The most a push service takes, in bytes:
/// - APNs: 4096 bytes of JSON payload (Apple, "regular" notifications);
/// - FCM HTTP v1: 4096 bytes of message keys and values (Firebase ErrorCode
///   reference; 2048 for topic messages, which we never send);
/// - Web Push: 4096 bytes of encrypted body (UnifiedPush AND_3.0.0), which
///   RFC 8291's `aes128gcm` (86-byte header, 16-byte tag, 1 padding
///   delimiter) leaves 3993 bytes of cleartext.
pub fn limit(transport: Transport) -> usize {
    match transport {
        Transport::Apns => 4096,
        Transport::Fcm => 4096,
        Transport::WebPush => 3993,
    }
}

/// Whether a payload of `bytes` (see [`payload_bytes`]) fits `transport`.
pub fn fits(transport: Transport, bytes: usize) -> bool {
    bytes <= limit(transport)
}

/// Room kept for what each transport wraps around our fields (APNs's
/// `aps` with `alert`, `interruption-level`, `sound`; FCM's `notification`
/// and `android` blocks; Web Push sends our JSON as is): larger than the
/// largest wrapper, so a payload that fits by this count fits on the wire.
pub const ENVELOPE_RESERVE: usize = 256;

/// The fields every transport carries, as JSON (the data a shell reads).
#[derive(Serialize)]
struct PayloadFields<'a> {
    id: i64,
    class: NotificationClass,
    title: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a Link>,
}

/// The size of a notification on the wire, in UTF-8 bytes (Polish letters
/// are two): the JSON of its fields with the longest id and class, plus
/// [`ENVELOPE_RESERVE`]. Compare with [`fits`].
pub fn payload_bytes(title: &str, body: &str, link: Option<&Link>) -> usize {
    let fields = PayloadFields { id: i64::MIN, class: NotificationClass::Normal, title, body, link };
    serde_json::to_vec(&fields).map_or(usize::MAX, |v| v.len()) + ENVELOPE_RESERVE
}

/// A notification too big for the smallest service it may go through
/// (`payload_too_large` in the back office: shorten the text; the phone
/// reads the full text in the feed anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("payload of {bytes} bytes, at most {limit}")]
pub struct PayloadTooLarge {
    pub bytes: usize,
    pub limit: usize,
}

/// [`payload_bytes`] checked against every transport.
pub fn check_payload(title: &str, body: &str, link: Option<&Link>) -> Result<usize, PayloadTooLarge> {
    let bytes = payload_bytes(title, body, link);
    let smallest = Transport::ALL.into_iter().map(limit).min().unwrap_or(0);
    if bytes <= smallest {
        Ok(bytes)
    } else {
        Err(PayloadTooLarge { bytes, limit: smallest })
    }
}

impl From<PayloadTooLarge> for ApiError {
    fn from(e: PayloadTooLarge) -> Self {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            Message::new(
                format!(
                    "Powiadomienie jest za długie: {} bajtów, a mieści się {} (polskie litery liczą się podwójnie). Skróć tytuł lub treść.",
                    e.bytes, e.limit
                ),
                format!("The notification is too long: {} bytes, at most {}. Shorten the title or text.", e.bytes, e.limit),
            ),
        )
        .with_field("body")
    }
}

// ---------------------------------------------------------------------------
// Quiet hours

/// Whether `now` falls in the quiet hours, read on the Europe/Warsaw wall
/// clock (so 22:00 is 22:00 in winter and summer alike).
pub fn in_quiet_hours(q: &QuietHours, now: DateTime<Utc>) -> bool {
    let t = now.with_timezone(&LOCAL_TZ).time();
    if q.from < q.to {
        q.from <= t && t < q.to
    } else {
        t >= q.from || t < q.to
    }
}

/// When a notification of `class` may be delivered if it is ready `now`:
/// now for an alert or outside quiet hours, else when they end (the first
/// instant at or after `to` on the wall clock: a `to` inside the spring
/// DST gap is the end of the gap).
pub fn deliver_at(q: Option<&QuietHours>, class: NotificationClass, now: DateTime<Utc>) -> DateTime<Utc> {
    let Some(q) = q else { return now };
    if class == NotificationClass::Alert || !in_quiet_hours(q, now) {
        return now;
    }
    let local = now.with_timezone(&LOCAL_TZ);
    let mut day = local.date_naive();
    if local.time() >= q.to {
        day = day.succ_opt().unwrap_or(day);
    }
    local_to_utc(day.and_time(q.to))
}

/// A Warsaw wall-clock time as an instant: an ambiguous time (the autumn
/// hour that happens twice) is its first occurrence; a time in the spring
/// gap moves forward by the gap (02:30 → 03:30 CEST, i.e. 01:30 UTC).
pub fn local_to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    match LOCAL_TZ.from_local_datetime(&t) {
        LocalResult::Single(d) => d.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // Poland's gap is one hour; read the time as standard time.
            Utc.from_utc_datetime(&(t - Duration::hours(1)))
        }
    }
}

// ---------------------------------------------------------------------------
// Matching

/// Whether `sub` receives a notification for `target`: the pure reference
/// the server's recipient SQL is property-tested against.
///
/// - Topic: alerts reach every subscription; other topics need the topic,
///   and for events with a category, an empty `event_categories` or one
///   naming it.
/// - Areas: a target or subscription without areas is the whole gmina;
///   otherwise some subscription area must meet some target area: the same
///   locality; two circles that overlap (haversine on WGS84); a locality
///   and a circle when the locality's point (`Locality.point`, given by
///   `locality_point`) lies in the circle. A locality whose point is
///   unknown meets no circle.
///
/// Quiet hours do not decide *whether*, only *when* ([`deliver_at`]).
pub fn matches(sub: &Subscription, target: &Target, locality_point: impl Fn(i64) -> Option<GeoPoint>) -> bool {
    if !sub.wants(target.topic) {
        return false;
    }
    if target.topic == Topic::Events
        && let Some(c) = &target.event_category
        && !sub.event_categories.is_empty()
        && !sub.event_categories.contains(c)
    {
        return false;
    }
    areas_reach(&sub.areas, &target.areas, locality_point)
}

/// The areas half of [`matches`]: whether a subscription's areas and a
/// target's meet (none on either side: the whole gmina). The server's
/// fan-out asks only this of the rows its SQL kept by topic.
pub fn areas_reach(sub: &[Area], target: &[Area], locality_point: impl Fn(i64) -> Option<GeoPoint>) -> bool {
    if sub.is_empty() || target.is_empty() {
        return true;
    }
    sub.iter().any(|s| target.iter().any(|t| areas_meet(s, t, &locality_point)))
}

fn areas_meet(a: &Area, b: &Area, locality_point: &impl Fn(i64) -> Option<GeoPoint>) -> bool {
    let within = |p: GeoPoint, centre: GeoPoint, r: u32| distance_m(p, centre) <= f64::from(r);
    match (*a, *b) {
        (Area::Locality { id: x }, Area::Locality { id: y }) => x == y,
        (Area::Around { point: p, radius_m: r }, Area::Around { point: q, radius_m: s }) => {
            distance_m(p, q) <= f64::from(r) + f64::from(s)
        }
        (Area::Locality { id }, Area::Around { point, radius_m })
        | (Area::Around { point, radius_m }, Area::Locality { id }) => {
            locality_point(id).is_some_and(|lp| within(lp, point, radius_m))
        }
    }
}

/// Text fields of a notification as the back office types them.
pub(crate) fn validate_texts(title: &str, body: &str) -> Result<(), FieldError> {
    required_text("title", title, 120)?;
    optional_text("body", body, 1000)
}

#[cfg(test)]
mod ipv4_tests {
    use super::*;
    use proptest::prelude::*;

    /// What the `url` crate (the sender's parser) makes of `host`.
    fn url_crate(host: &str) -> Option<Ipv4Addr> {
        match url::Url::parse(&format!("https://{host}/")).ok()?.host()? {
            url::Host::Ipv4(v4) => Some(v4),
            _ => None,
        }
    }

    #[test]
    fn every_spelling_of_an_address_reads_as_the_url_standard_reads_it() {
        for (host, ip) in [
            ("0x7f000001", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("0x0a.0.0.1", "10.0.0.1"),
            ("169.254.169.254.", "169.254.169.254"),
            ("8.8.8.8", "8.8.8.8"),
        ] {
            assert_eq!(whatwg_ipv4(host), Some(ip.parse().unwrap()), "{host}");
            assert_eq!(url_crate(host), Some(ip.parse().unwrap()), "{host}");
        }
        for name in ["push.example.org", "1.2.3.4.5", "256.1.1.1", "0x1g", "example.1a"] {
            assert_eq!(whatwg_ipv4(name), None, "{name}");
        }
        assert!(validate_endpoint("https://0x7f000001/x", EndpointPolicy::default()).is_err());
        assert!(validate_endpoint("https://push.example.org/x", EndpointPolicy::default()).is_ok());
    }

    proptest! {
        /// Random dotted hosts of decimal, hex and octal parts: whenever
        /// the `url` crate sees an IPv4 address, so does the check.
        #[test]
        fn the_check_reads_every_host_the_url_crate_reads_as_ipv4(
            parts in proptest::collection::vec((0u64..70_000, 0usize..3), 1..5)
        ) {
            let host: Vec<String> = parts.iter().map(|(n, form)| match form {
                0 => n.to_string(),
                1 => format!("0x{n:x}"),
                _ => format!("0{n:o}"),
            }).collect();
            let host = host.join(".");
            prop_assert_eq!(whatwg_ipv4(&host), url_crate(&host), "{}", host);
        }
    }
}
