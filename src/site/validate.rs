//! Checks and normalisation of what an admin types into a site's settings. Each function returns
//! the normalised value or a [`Problem`]: a stable code plus a message that says what to do.

use std::net::IpAddr;
use url::{Host, Url};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

fn problem(code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        code,
        message: message.into(),
    }
}

const ZENDESK_SUFFIX: &str = ".zendesk.com";

/// Accepts `SUB`, `SUB.zendesk.com` or `https://SUB.zendesk.com[/]` and returns
/// `https://sub.zendesk.com`. Refuses plain http, other hosts, paths, ports and credentials.
pub fn zendesk_domain(input: &str) -> Result<String, Problem> {
    let raw = input.trim();
    if raw.is_empty() {
        return Err(problem(
            "required",
            "Enter your Zendesk address, e.g. https://yourcompany.zendesk.com.",
        ));
    }
    let lower = raw.to_ascii_lowercase();
    let host_and_rest = if let Some(rest) = lower.strip_prefix("https://") {
        rest
    } else if lower.starts_with("http://") {
        return Err(problem(
            "insecure_url",
            "Zendesk is only reachable over https: use https://yourcompany.zendesk.com.",
        ));
    } else if lower.contains("://") {
        return Err(problem(
            "invalid_domain",
            "Use your Zendesk address in the form https://yourcompany.zendesk.com.",
        ));
    } else {
        lower.as_str()
    };
    let host = host_and_rest.strip_suffix('/').unwrap_or(host_and_rest);
    if host.contains(['/', '?', '#']) {
        return Err(problem(
            "invalid_domain",
            "Enter only the Zendesk address, without a path: https://yourcompany.zendesk.com.",
        ));
    }
    if host.contains(['@', ':']) {
        return Err(problem(
            "invalid_domain",
            "Enter only the Zendesk address, without a port or user name: https://yourcompany.zendesk.com.",
        ));
    }
    let subdomain = match host.strip_suffix(ZENDESK_SUFFIX) {
        Some(sub) => sub,
        None if host.contains('.') => {
            return Err(problem(
                "not_zendesk",
                format!(
                    "{host} is not a Zendesk address. Use the address of your Zendesk Support account, \
                     https://yourcompany.zendesk.com (a custom host mapping cannot be used for the API)."
                ),
            ));
        }
        None => host,
    };
    if !is_dns_label(subdomain) {
        return Err(problem(
            "invalid_domain",
            format!(
                "\"{subdomain}\" is not a valid Zendesk subdomain: use letters, digits and hyphens, \
                 as in https://yourcompany.zendesk.com."
            ),
        ));
    }
    Ok(format!("https://{subdomain}{ZENDESK_SUFFIX}"))
}

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A pragmatic e-mail syntax check (what Zendesk accepts for an agent login): one `@`, a
/// non-empty local part without spaces, and a domain with at least one dot.
pub fn email(input: &str) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        return Err(problem(
            "required",
            "Enter the e-mail address of the Zendesk admin the app signs in as.",
        ));
    }
    let invalid = || {
        problem(
            "invalid_email",
            format!("\"{value}\" is not an e-mail address: use the form name@company.com."),
        )
    };
    let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c));
    if domain_ok && local_ok && value.len() <= 254 {
        Ok(value.to_owned())
    } else {
        Err(invalid())
    }
}

/// An advanced override of an API base URL (used to point a site at the sandbox or a proxy).
/// https anywhere; plain http only on loopback, where nothing crosses a network.
pub fn api_base_url(input: &str) -> Result<String, Problem> {
    let raw = input.trim();
    let url = Url::parse(raw).map_err(|_| {
        problem(
            "invalid_url",
            format!("\"{raw}\" is not a URL: use the form https://host[:port][/path]."),
        )
    })?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(problem(
            "invalid_url",
            "Use a base URL without query, fragment or credentials.",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url.host()) => {}
        "http" => {
            return Err(problem(
                "insecure_url",
                "Plain http is only allowed for a server on this machine (localhost, 127.0.0.1, ::1); use https.",
            ));
        }
        _ => {
            return Err(problem(
                "invalid_url",
                "Use an http(s) URL, e.g. https://proxy.example.com.",
            ));
        }
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// An iAdvize site (website / project) id: a positive integer.
pub fn iadvize_site_id(input: &str) -> Result<i64, Problem> {
    let raw = input.trim();
    if raw.is_empty() {
        return Err(problem(
            "required",
            "Enter the iAdvize site id (a number, shown in the iAdvize admin).",
        ));
    }
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(problem(
            "invalid_site_id",
            format!("\"{raw}\" is not an iAdvize site id: it is a positive whole number, e.g. 4521."),
        )),
    }
}

/// A display name: not blank, at most 100 characters.
pub fn name(input: &str) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        return Err(problem(
            "required",
            "Give the site a name you will recognise, e.g. \"Shop FR\".",
        ));
    }
    if value.chars().count() > 100 {
        return Err(problem("too_long", "Keep the name under 100 characters."));
    }
    Ok(value.to_owned())
}

/// The template of the link to a conversation in iAdvize. It must produce an http(s) URL and name
/// the conversation, or the private note would link nowhere useful.
pub fn conversation_url_template(input: &str) -> Result<String, Problem> {
    let value = input.trim();
    const PLACEHOLDERS: [&str; 4] = ["{platform}", "{site_id}", "{conversation_id}", "{legacy_id}"];
    if !value.contains("{conversation_id}") && !value.contains("{legacy_id}") {
        return Err(problem(
            "missing_placeholder",
            "The link must contain {conversation_id} or {legacy_id}, e.g. \
             https://{platform}.iadvize.com/admin/conversation/{conversation_id}.",
        ));
    }
    let mut sample = value.to_owned();
    for placeholder in PLACEHOLDERS {
        sample = sample.replace(placeholder, "x1");
    }
    if sample.contains('{') || sample.contains('}') {
        return Err(problem(
            "unknown_placeholder",
            "Only {platform}, {site_id}, {conversation_id} and {legacy_id} can be used in the link.",
        ));
    }
    match Url::parse(&sample) {
        Ok(url) if matches!(url.scheme(), "https" | "http") => Ok(value.to_owned()),
        _ => Err(problem(
            "invalid_url",
            "The link must be an http(s) address, e.g. https://{platform}.iadvize.com/admin/conversation/{conversation_id}.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zendesk_domain_accepts_the_three_spellings_and_normalises() {
        for input in [
            "acme",
            "ACME",
            " acme.zendesk.com ",
            "https://acme.zendesk.com",
            "https://acme.zendesk.com/",
            "HTTPS://Acme.Zendesk.com",
        ] {
            assert_eq!(zendesk_domain(input).unwrap(), "https://acme.zendesk.com", "{input}");
        }
        assert_eq!(
            zendesk_domain("my-shop-2").unwrap(),
            "https://my-shop-2.zendesk.com"
        );
    }

    #[test]
    fn zendesk_domain_refuses_http_other_hosts_paths_and_garbage() {
        let code = |input: &str| zendesk_domain(input).unwrap_err().code;
        assert_eq!(code(""), "required");
        assert_eq!(code("http://acme.zendesk.com"), "insecure_url");
        assert_eq!(code("ftp://acme.zendesk.com"), "invalid_domain");
        assert_eq!(code("https://acme.example.com"), "not_zendesk");
        assert_eq!(code("support.acme.com"), "not_zendesk");
        assert_eq!(code("https://acme.zendesk.com.evil.com"), "not_zendesk");
        assert_eq!(code("https://acme.zendesk.com/agent"), "invalid_domain");
        assert_eq!(code("https://acme.zendesk.com?x=1"), "invalid_domain");
        assert_eq!(code("https://acme.zendesk.com:8443"), "invalid_domain");
        assert_eq!(code("https://user@acme.zendesk.com"), "invalid_domain");
        assert_eq!(code("a.b.zendesk.com"), "invalid_domain");
        assert_eq!(code("-acme"), "invalid_domain");
        assert_eq!(code("ac me"), "invalid_domain");
        assert_eq!(code(".zendesk.com"), "invalid_domain");
        assert!(zendesk_domain("http://acme.zendesk.com")
            .unwrap_err()
            .message
            .contains("https://"));
    }

    #[test]
    fn email_accepts_ordinary_addresses() {
        for input in [
            "admin@acme.com",
            " first.last+zd@sub.acme.co.uk ",
            "élodie@exemple.fr",
        ] {
            assert_eq!(email(input).unwrap(), input.trim());
        }
    }

    #[test]
    fn email_refuses_malformed_addresses() {
        for input in [
            "",
            "admin",
            "admin@",
            "@acme.com",
            "admin@acme",
            "ad min@acme.com",
            "admin@@acme.com",
            "admin@acme..com",
            ".admin@acme.com",
            "admin@-acme.com",
            "a,b@acme.com",
        ] {
            assert!(email(input).is_err(), "{input:?} should be refused");
        }
        assert_eq!(email("").unwrap_err().code, "required");
        assert_eq!(email("x@y").unwrap_err().code, "invalid_email");
    }

    #[test]
    fn api_base_url_allows_http_only_on_loopback() {
        assert_eq!(
            api_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(api_base_url("http://localhost:3000").is_ok());
        assert!(api_base_url("http://[::1]:3000/zd").is_ok());
        assert!(api_base_url("http://127.5.0.1:3000").is_ok());
        assert!(api_base_url("https://proxy.example.com/zendesk").is_ok());
        assert_eq!(
            api_base_url("http://10.0.0.5:8080").unwrap_err().code,
            "insecure_url"
        );
        assert_eq!(
            api_base_url("http://example.com").unwrap_err().code,
            "insecure_url"
        );
        assert_eq!(api_base_url("ftp://127.0.0.1").unwrap_err().code, "invalid_url");
        assert_eq!(api_base_url("not a url").unwrap_err().code, "invalid_url");
        assert_eq!(
            api_base_url("https://u:p@example.com").unwrap_err().code,
            "invalid_url"
        );
        assert_eq!(
            api_base_url("https://example.com/?a=1").unwrap_err().code,
            "invalid_url"
        );
    }

    #[test]
    fn iadvize_site_id_is_a_positive_integer() {
        assert_eq!(iadvize_site_id(" 4521 ").unwrap(), 4521);
        for bad in ["", "0", "-3", "12a", "1.5", "99999999999999999999"] {
            assert!(iadvize_site_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn name_is_trimmed_and_bounded() {
        assert_eq!(name("  Shop FR ").unwrap(), "Shop FR");
        assert_eq!(name("   ").unwrap_err().code, "required");
        assert_eq!(name(&"é".repeat(101)).unwrap_err().code, "too_long");
        assert!(name(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn conversation_url_template_needs_a_conversation_placeholder_and_a_url() {
        assert!(
            conversation_url_template("https://{platform}.iadvize.com/admin/conversation/{conversation_id}")
                .is_ok()
        );
        assert!(conversation_url_template("https://x.example/{site_id}/{legacy_id}").is_ok());
        assert_eq!(
            conversation_url_template("https://x.example/").unwrap_err().code,
            "missing_placeholder"
        );
        assert_eq!(
            conversation_url_template("https://x.example/{conversation_id}/{visitor}")
                .unwrap_err()
                .code,
            "unknown_placeholder"
        );
        assert_eq!(
            conversation_url_template("javascript:{conversation_id}").unwrap_err().code,
            "invalid_url"
        );
    }
}
