//! The SSRF guard: webhooks go to public addresses only, unless the
//! operator allows private ones (`accord serve --webhook-allow-private`).
//!
//! Checked twice. At creation the URL must be http(s) and its host, an IP
//! literal or every address its name resolves to, public. At connect time
//! [`GuardedResolver`] resolves the name again and keeps only public
//! addresses, so a name that later resolves to `127.0.0.1` or
//! `169.254.169.254` (DNS rebinding) reaches nothing: reqwest connects only
//! to the addresses the resolver hands it. IP-literal URLs skip resolvers, so
//! they are checked here before every attempt too. Redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Why a URL is refused; `rule` is the stable code the API answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    /// `webhook_url_invalid`, `webhook_url_scheme`, `webhook_url_private_address`
    /// or `webhook_url_unresolvable`.
    pub rule: &'static str,
    /// An English sentence for the integrator.
    pub detail: String,
}

fn refuse(rule: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal {
        rule,
        detail: detail.into(),
    }
}

/// Whether an address may receive webhooks: not loopback, private,
/// link-local (cloud metadata), carrier-grade NAT, documentation,
/// benchmarking, multicast or otherwise reserved, IPv4 or IPv6.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0                        // "this network"
        || a == 10                               // private
        || (a == 100 && (64..128).contains(&b))  // carrier-grade NAT 100.64.0.0/10
        || a == 127                              // loopback
        || (a == 169 && b == 254)                // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))   // private
        || (a == 192 && b == 0 && c == 0)        // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)        // TEST-NET-1
        || (a == 192 && b == 88 && c == 99)      // 6to4 relay anycast
        || (a == 192 && b == 168)                // private
        || (a == 198 && (18..20).contains(&b))   // benchmarking
        || (a == 198 && b == 51 && c == 100)     // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)      // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4); // ::ffff:a.b.c.d
    }
    let s = ip.segments();
    let reserved = ip.is_unspecified()
        || ip.is_loopback()
        || s[0..6] == [0; 6]                                  // IPv4-compatible ::/96
        || (s[0] == 0x64 && s[1] == 0xff9b)                   // NAT64 64:ff9b::/96 and /48
        || (s[0] == 0x100 && s[1..4] == [0; 3])               // discard 100::/64
        || (s[0] == 0x2001 && s[1] < 0x200)                   // IETF protocols, Teredo 2001::/23
        || (s[0] == 0x2001 && s[1] == 0xdb8)                  // documentation
        || s[0] == 0x2002                                     // 6to4
        || (s[0] & 0xfe00) == 0xfc00                          // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80                          // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0                          // site-local fec0::/10
        || (s[0] & 0xff00) == 0xff00; // multicast
    !reserved
}

/// Parses a subscription URL and checks its scheme and, unless private
/// addresses are allowed, its host: an IP literal must be public, a name
/// must resolve, to public addresses only.
pub async fn check_url(text: &str, allow_private: bool) -> Result<Url, Refusal> {
    let url = Url::parse(text)
        .map_err(|e| refuse("webhook_url_invalid", format!("`{text}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse(
            "webhook_url_scheme",
            format!(
                "a webhook URL must be http or https, not `{}`",
                url.scheme()
            ),
        ));
    }
    let Some(host) = url.host() else {
        return Err(refuse("webhook_url_invalid", "a webhook URL needs a host"));
    };
    if allow_private {
        return Ok(url);
    }
    match host {
        url::Host::Ipv4(ip) => check_ip(IpAddr::V4(ip))?,
        url::Host::Ipv6(ip) => check_ip(IpAddr::V6(ip))?,
        url::Host::Domain(name) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| {
                    refuse(
                        "webhook_url_unresolvable",
                        format!("`{name}` does not resolve: {e}"),
                    )
                })?
                .collect();
            for addr in &addrs {
                check_ip(addr.ip())?;
            }
        }
    }
    Ok(url)
}

/// Refuses an address that is not public.
pub fn check_ip(ip: IpAddr) -> Result<(), Refusal> {
    match is_public(ip) {
        true => Ok(()),
        false => Err(refuse(
            "webhook_url_private_address",
            format!("{ip} is a loopback, private, link-local or reserved address; webhooks go to public addresses only"),
        )),
    }
}

/// The IP literal of a URL's host, if it is one (resolvers never see these).
pub fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// A DNS resolver for reqwest that hands out public addresses only: the
/// connect-time half of the guard, against DNS rebinding.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = resolved.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let refusal = format!("`{host}` resolves to no public address (SSRF guard)");
                return Err(refusal.into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().unwrap())
    }

    #[test]
    fn private_loopback_link_local_and_reserved_ipv4_addresses_are_refused() {
        for ip in [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn ordinary_public_addresses_are_allowed() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
        ] {
            assert!(public(ip), "{ip} must be allowed");
        }
    }

    #[test]
    fn private_loopback_link_local_and_reserved_ipv6_addresses_are_refused() {
        for ip in [
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "2002:c000:0204::1",
            "64:ff9b::a9fe:a9fe",
            "100::1",
            "::127.0.0.1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn ipv4_mapped_ipv6_addresses_are_judged_by_their_ipv4_address() {
        assert!(!public("::ffff:127.0.0.1"));
        assert!(!public("::ffff:169.254.169.254"));
        assert!(!public("::ffff:10.0.0.1"));
        assert!(public("::ffff:8.8.8.8"));
    }

    #[tokio::test]
    async fn urls_are_refused_for_their_scheme_and_their_literal_or_resolved_address() {
        let rule = |r: Result<Url, Refusal>| r.unwrap_err().rule;
        assert_eq!(
            rule(check_url("ftp://example.com/", false).await),
            "webhook_url_scheme"
        );
        assert_eq!(
            rule(check_url("not a url", false).await),
            "webhook_url_invalid"
        );
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "https://100.64.1.1/",
            "http://localhost:8080/hook",
        ] {
            assert_eq!(
                rule(check_url(url, false).await),
                "webhook_url_private_address",
                "{url}"
            );
        }
        assert!(check_url("http://127.0.0.1:9000/hook", true).await.is_ok());
        assert!(check_url("https://203.0.114.1/hook", false).await.is_ok());
    }

    #[tokio::test]
    async fn the_resolver_hands_out_no_private_address() {
        let name: Name = "localhost".parse().unwrap();
        assert!(GuardedResolver.resolve(name).await.is_err());
    }
}
