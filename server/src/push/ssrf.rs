//! Which Web Push endpoints the server calls (SSRF). A Web Push endpoint is
//! a URL the phone chose; the server POSTs to it, so a resident could point
//! the server at its own network. UnifiedPush's server spec asks the
//! application server to refuse what is not https and private addresses,
//! and not to follow redirects (`NOTIFICATIONS-WASTE.md` §3). Two checks:
//!
//! - [`check_endpoint`], before a send: the URL as the WHATWG parser
//!   normalises it (reqwest's parser: `0x7f.1`, `2130706433` and
//!   `127.1` are all 127.0.0.1), https, no user information, and an
//!   address literal must be public (reqwest connects to a literal without
//!   asking a resolver);
//! - [`GuardedResolver`], at connect time: every address a host name
//!   resolves to must be public, or the connection is not made. Checking
//!   the answer the connection then uses leaves no window for DNS
//!   rebinding between a check and the connect.
//!
//! "Public" is [`mm_protocol::notifications::is_public_ip`]: not loopback,
//! RFC 1918 private, link-local, CGNAT 100.64/10 (RFC 6598), unique-local
//! fc00::/7 (RFC 4193), multicast, unspecified, documentation or reserved,
//! with IPv4-mapped and NAT64 IPv6 judged by the IPv4 inside. Only
//! `allow_loopback` (tests; the future `--push-allow-loopback`) lets
//! loopback through, and `http://` with it.

use std::net::{IpAddr, SocketAddr};

use mm_protocol::notifications::is_public_ip;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why an endpoint is refused. Says nothing of the URL (a capability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the endpoint is not a URL")]
    NotUrl,
    #[error("the endpoint is not https")]
    NotHttps,
    #[error("the endpoint carries a user name or password")]
    UserInfo,
    #[error("the endpoint's address is loopback, private, link-local or otherwise not public")]
    NotPublic,
}

/// Whether the server may connect to `ip`.
pub fn allowed(ip: IpAddr, allow_loopback: bool) -> bool {
    is_public_ip(ip) || (allow_loopback && is_loopback(ip))
}

/// Loopback, also as an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// The checks that need no DNS: see the module's notes. Returns the parsed
/// URL, which is what is then requested.
pub fn check_endpoint(endpoint: &str, allow_loopback: bool) -> Result<Url, Refusal> {
    let url = Url::parse(endpoint).map_err(|_| Refusal::NotUrl)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::UserInfo);
    }
    let loopback_host = match url.host() {
        None => return Err(Refusal::NotUrl),
        Some(Host::Ipv4(v4)) => {
            if !allowed(IpAddr::V4(v4), allow_loopback) {
                return Err(Refusal::NotPublic);
            }
            v4.is_loopback()
        }
        Some(Host::Ipv6(v6)) => {
            if !allowed(IpAddr::V6(v6), allow_loopback) {
                return Err(Refusal::NotPublic);
            }
            is_loopback(IpAddr::V6(v6))
        }
        // Names are judged by what they resolve to ([`GuardedResolver`]).
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_loopback && loopback_host => Ok(url),
        _ => Err(Refusal::NotHttps),
    }
}

/// The connect-time check: a resolver for reqwest that answers only with
/// allowed addresses and refuses a name any of whose addresses is not.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_loopback: bool,
}

/// The resolver's refusal, found again in a failed request's error chain.
#[derive(Debug, thiserror::Error)]
#[error("the endpoint's host resolves to an address that is not public")]
pub struct ResolvedNotPublic;

impl GuardedResolver {
    /// Resolves `host` and keeps the answer only if every address is allowed.
    pub async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
        if addrs.is_empty() {
            return Err("no address".into());
        }
        // Every one, not just the first: the connector tries them in turn.
        if addrs.iter().any(|a| !allowed(a.ip(), self.allow_loopback)) {
            return Err(Box::new(ResolvedNotPublic));
        }
        Ok(addrs)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = *self;
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Whether a failed request failed because [`GuardedResolver`] refused.
pub fn refused_by_resolver(e: &reqwest::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<ResolvedNotPublic>() {
            return true;
        }
        cur = err.source();
    }
    false
}
