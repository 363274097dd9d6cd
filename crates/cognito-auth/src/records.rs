//! What the sessions list knows of a session, made from the request that signed it in: a
//! coarse device from the `User-Agent` and the client's network, never its exact address.

use crate::store::SessionRecord;
use std::net::IpAddr;

/// "Chrome on macOS": the browser and the system, from the `User-Agent`, as the person would
/// name them. Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", and iPads
/// may say "Macintosh" (then they are counted as macOS: the list is a hint, not an inventory).
pub fn device(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| name);
    let system = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(token, _)| ua.contains(token))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => String::new(),
    }
}

/// The client's network: an IPv4 /24 or an IPv6 /48 (roughly a site), never the address.
pub fn place(ip: Option<IpAddr>) -> String {
    let net = match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) if !v4.is_unspecified() => ipnet::Ipv4Net::new(v4, 24).map(|n| n.trunc().to_string()),
        Some(IpAddr::V6(v6)) if !v6.is_unspecified() => ipnet::Ipv6Net::new(v6, 48).map(|n| n.trunc().to_string()),
        _ => return String::new(),
    };
    net.unwrap_or_default()
}

/// A new session's record.
pub fn new_record(
    id: &str,
    sub: &str,
    method: &str,
    family: Option<String>,
    user_agent: &str,
    ip: Option<IpAddr>,
    now: i64,
) -> SessionRecord {
    SessionRecord {
        id: id.to_owned(),
        sub: sub.to_owned(),
        method: method.to_owned(),
        signed_in_at: now,
        last_seen: now,
        device: device(user_agent),
        place: place(ip),
        family,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_as_people_name_them() {
        let cases = [
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on macOS",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            ("curl/8.5.0", ""),
        ];
        for (ua, want) in cases {
            assert_eq!(device(ua), want, "{ua}");
        }
    }

    #[test]
    fn places_are_networks_not_addresses() {
        assert_eq!(place(Some("203.0.113.77".parse().expect("ip"))), "203.0.113.0/24");
        assert_eq!(
            place(Some("2001:db8:1234:5678::1".parse().expect("ip"))),
            "2001:db8:1234::/48"
        );
        assert_eq!(
            place(Some("::ffff:198.51.100.9".parse().expect("ip"))),
            "198.51.100.0/24"
        );
        assert_eq!(place(Some("0.0.0.0".parse().expect("ip"))), "");
        assert_eq!(place(None), "");
    }
}
