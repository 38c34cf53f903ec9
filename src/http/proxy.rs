//! Which proxy, if any, carries the requests to one service. lifeboat reads the proxy
//! variables itself instead of letting the HTTP library pick them up, so that a variable
//! it cannot honour (a `socks5://` proxy this build has no code for) is a configuration
//! error before any request, never a connection failure that `run` would fall back on.
//!
//! The variables, lower case first (as curl and wget read them), then upper case:
//! `https_proxy`/`HTTPS_PROXY` for an `https://` service, `http_proxy`/`HTTP_PROXY` for an
//! `http://` one, then `all_proxy`/`ALL_PROXY` for either; `no_proxy`/`NO_PROXY` exempts
//! hosts (`*`, a host or domain suffix with or without a leading dot, an IP address, or a
//! CIDR block). A proxy address without a scheme is `http://`; the scheme must be `http`
//! or `https`. A proxy address is never quoted: it may carry credentials.

use std::net::IpAddr;

use reqwest::Url;

use super::FetchError;

/// The proxy chosen for a service, and the variable that named it (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyChoice {
    /// The proxy's address.
    pub url: Url,
    /// The variable it came from.
    pub variable: &'static str,
}

/// The proxy for `target` from the process environment. A proxy variable that is not
/// UTF-8 is a configuration error, not a variable to ignore.
pub fn proxy_from_environment(target: &Url) -> Result<Option<ProxyChoice>, FetchError> {
    for name in VARIABLES {
        if let Err(std::env::VarError::NotUnicode(_)) = std::env::var(name) {
            return Err(FetchError::Config(format!(
                "{name} is not UTF-8 text; lifeboat cannot read it"
            )));
        }
    }
    proxy_for(target, |name| std::env::var(name).ok())
}

/// Every variable lifeboat reads for proxies.
const VARIABLES: [&str; 8] = [
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The proxy for `target`, reading variables through `var` (the process environment,
/// or a map in tests).
pub fn proxy_for(
    target: &Url,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, FetchError> {
    let candidates: [&'static str; 4] = match target.scheme() {
        "https" => ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
        _ => ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"],
    };
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let Some((variable, value)) = candidates
        .iter()
        .find_map(|name| set(name).map(|value| (*name, value)))
    else {
        return Ok(None);
    };
    let exempt = set("no_proxy")
        .or_else(|| set("NO_PROXY"))
        .is_some_and(|list| is_exempt(target, &list));
    if exempt {
        return Ok(None);
    }
    let value = value.trim();
    let text = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let url = Url::parse(&text).map_err(|_| {
        FetchError::Config(format!(
            "{variable} is not a proxy address lifeboat can read; write http://HOST:PORT (the value is not shown: it may hold credentials)"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        // The scheme alone is safe to show: it is a word before "://".
        let scheme: String = url.scheme().chars().take(16).collect();
        return Err(FetchError::Config(format!(
            "{variable} names a {scheme}:// proxy, which this build of lifeboat cannot use; give an http:// or https:// proxy, unset {variable}, or exempt the service with NO_PROXY"
        )));
    }
    if url.host_str().is_none() {
        return Err(FetchError::Config(format!(
            "{variable} has no proxy host; write http://HOST:PORT"
        )));
    }
    Ok(Some(ProxyChoice { url, variable }))
}

/// Whether `NO_PROXY` exempts the target's host.
fn is_exempt(target: &Url, list: &str) -> bool {
    let Some(host) = target.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let port = target.port_or_known_default();
    let ip: Option<IpAddr> = host.parse().ok();
    list.split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            // `host:port` (or `[v6]:port`) exempts that port only, as Go and Python read it.
            let (entry, entry_port) = split_port(&entry);
            if entry_port.is_some() && entry_port != port {
                return false;
            }
            if let Some(ip) = ip {
                return matches_ip(ip, entry);
            }
            let domain = entry
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .trim_end_matches('.');
            !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
        })
}

/// An entry's host and port: `host:port`, `[v6]:port`, or a bare host, IP or CIDR block.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((address, after)) = rest.split_once(']') {
            return (
                address,
                after.strip_prefix(':').and_then(|p| p.parse().ok()),
            );
        }
    }
    match entry.rsplit_once(':') {
        // One colon: a port. More: a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// An IP entry: an address (IPv6 with or without brackets) or a CIDR block.
fn matches_ip(ip: IpAddr, entry: &str) -> bool {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => match bits.parse::<u32>() {
            Ok(bits) => (address, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let address = address.trim_start_matches('[').trim_end_matches(']');
    let Ok(network) = address.parse::<IpAddr>() else {
        return false;
    };
    let (ip, network, width) = match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let bits = bits.unwrap_or(width);
    if bits > width {
        return false;
    }
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (ip >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn choose(target: &str, vars: &[(&str, &str)]) -> Result<Option<ProxyChoice>, FetchError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        proxy_for(&Url::parse(target).unwrap(), |name| vars.get(name).cloned())
    }

    fn variable(target: &str, vars: &[(&str, &str)]) -> Option<&'static str> {
        choose(target, vars).unwrap().map(|c| c.variable)
    }

    #[test]
    fn each_variable_for_its_scheme_lower_case_first() {
        let all = [
            ("https_proxy", "http://a:1"),
            ("HTTPS_PROXY", "http://b:1"),
            ("http_proxy", "http://c:1"),
            ("HTTP_PROXY", "http://d:1"),
            ("all_proxy", "http://e:1"),
            ("ALL_PROXY", "http://f:1"),
        ];
        assert_eq!(variable("https://s", &all), Some("https_proxy"));
        assert_eq!(variable("https://s", &all[1..]), Some("HTTPS_PROXY"));
        assert_eq!(variable("https://s", &all[2..]), Some("all_proxy"));
        assert_eq!(variable("http://s", &all), Some("http_proxy"));
        assert_eq!(variable("http://s", &all[3..]), Some("HTTP_PROXY"));
        assert_eq!(variable("http://s", &all[4..]), Some("all_proxy"));
        assert_eq!(variable("http://s", &all[5..]), Some("ALL_PROXY"));
        assert_eq!(variable("http://s", &[]), None);
        assert_eq!(variable("http://s", &[("HTTP_PROXY", " ")]), None);
        let choice = choose("http://s", &[("HTTP_PROXY", "proxy:3128")])
            .unwrap()
            .unwrap();
        assert_eq!(choice.url.as_str(), "http://proxy:3128/");
    }

    #[test]
    fn no_proxy_forms() {
        let with = |target: &str, list: &str| {
            variable(target, &[("ALL_PROXY", "http://p:1"), ("NO_PROXY", list)])
        };
        assert_eq!(with("https://vault.internal", "*"), None);
        assert_eq!(with("https://vault.internal", "vault.internal"), None);
        assert_eq!(with("https://vault.corp.internal", ".internal"), None);
        assert_eq!(with("https://vault.corp.internal", "internal"), None);
        assert_eq!(with("https://vault.corp.internal", "*.internal"), None);
        assert_eq!(with("https://evilinternal", "internal"), Some("ALL_PROXY"));
        assert_eq!(with("http://127.0.0.1:8200", "127.0.0.1"), None);
        assert_eq!(with("http://10.1.2.3", "10.0.0.0/8"), None);
        assert_eq!(with("http://11.1.2.3", "10.0.0.0/8"), Some("ALL_PROXY"));
        assert_eq!(with("http://[::1]:8200", "::1"), None);
        assert_eq!(with("http://[fd00::5]", "fd00::/8"), None);
        assert_eq!(with("http://[fd00::5]", "10.0.0.0/8"), Some("ALL_PROXY"));
        // Ports, trailing dots, impossible prefixes.
        assert_eq!(with("http://127.0.0.1:18092", "127.0.0.1:18092"), None);
        assert_eq!(
            with("http://127.0.0.1:18093", "127.0.0.1:18092"),
            Some("ALL_PROXY")
        );
        assert_eq!(with("http://localhost:8200", "localhost:8200"), None);
        assert_eq!(with("https://vault.internal", "vault.internal:443"), None);
        assert_eq!(with("http://[::1]:8200", "[::1]:8200"), None);
        assert_eq!(with("http://localhost.:8200", "localhost"), None);
        assert_eq!(with("http://localhost:8200", "localhost."), None);
        assert_eq!(with("http://127.0.0.1", "127.0.0.1/40"), Some("ALL_PROXY"));
        assert_eq!(with("http://a.b", "."), Some("ALL_PROXY"));
        let lower = variable(
            "http://a.b",
            &[("ALL_PROXY", "http://p:1"), ("no_proxy", "a.b")],
        );
        assert_eq!(lower, None);
    }

    #[test]
    fn schemes_this_build_cannot_use_are_configuration_errors() {
        for value in [
            "socks5://user:canary-pw@p:1080",
            "socks5h://p:1080",
            "ftp://p",
        ] {
            let error = choose("https://s", &[("ALL_PROXY", value)])
                .unwrap_err()
                .to_string();
            assert!(error.contains("ALL_PROXY names a "), "{error}");
            assert!(!error.contains("canary"), "{error}");
        }
        let error = choose("https://s", &[("https_proxy", "http://[bad canary-pw")])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("https_proxy is not a proxy address"),
            "{error}"
        );
        assert!(!error.contains("canary"), "{error}");
        // A socks proxy for the other scheme, or exempted, is not in the way.
        assert_eq!(
            variable("https://s", &[("HTTP_PROXY", "socks5://p:1")]),
            None
        );
        assert_eq!(
            variable(
                "https://s",
                &[("ALL_PROXY", "socks5://p:1"), ("NO_PROXY", "s")]
            ),
            None
        );
    }
}
