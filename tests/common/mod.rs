#![allow(dead_code)]
//! Helpers shared by the integration tests.

use iadvize_zendesk::secret::Secret;
use iadvize_zendesk::site::{Platform, SecretsDraft, SiteDraft, ZendeskAuthKind};

/// A complete draft with recognisable secret values (so tests can grep for them).
pub fn draft(name: &str, site_id: i64, tag: &str) -> SiteDraft {
    SiteDraft {
        name: name.into(),
        platform: Platform::Ha,
        iadvize_site_id: site_id.to_string(),
        zendesk_domain: "acme".into(),
        zendesk_email: "admin@acme.example".into(),
        zendesk_auth: ZendeskAuthKind::ApiToken,
        zendesk_oauth_client_id: None,
        country: Some("France".into()),
        start_from: None,
        zendesk_api_url: None,
        iadvize_api_url: None,
        secrets: SecretsDraft {
            zendesk_api_token: Some(Secret::new(format!("zd-token-{tag}"))),
            zendesk_oauth_client_secret: None,
            iadvize_rest_api_key: Some(Secret::new(format!("rest-key-{tag}"))),
            iadvize_graphql_token: Some(Secret::new(format!("gql-token-{tag}"))),
        },
    }
}

/// Every file of a data folder's database (main file, WAL, shared memory) as bytes.
pub fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
