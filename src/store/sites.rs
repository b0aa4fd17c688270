//! Rows of the `sites` and `site_secrets` tables.

use crate::site::{SecretKind, Site, SiteId, SiteSettings, StoredSecret};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};

#[derive(Debug, thiserror::Error)]
pub enum SitesError {
    #[error("a site for iAdvize site {iadvize_site_id} on platform {platform} already exists")]
    Duplicate {
        platform: String,
        iadvize_site_id: i64,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

const COLUMNS: &str = "id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email, \
    zendesk_auth, zendesk_oauth_client_id, country, start_from, autosave_enabled, autosave_form_id, \
    escalation_enabled, escalation_form_id, escalation_note_label, grace_seconds, delivery_mode, \
    poll_seconds, conversation_url_template, requester_policy, zendesk_api_url, iadvize_api_url, \
    created_at, updated_at";

fn parse_enum<T: std::str::FromStr<Err = String>>(row: &Row, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

fn from_row(row: &Row) -> rusqlite::Result<Site> {
    Ok(Site {
        id: row.get(0)?,
        settings: SiteSettings {
            name: row.get(1)?,
            platform: parse_enum(row, 2)?,
            iadvize_site_id: row.get(3)?,
            zendesk_domain: row.get(4)?,
            zendesk_email: row.get(5)?,
            zendesk_auth: parse_enum(row, 6)?,
            zendesk_oauth_client_id: row.get(7)?,
            country: row.get(8)?,
            start_from: row.get(9)?,
            autosave_enabled: row.get(10)?,
            autosave_form_id: row.get(11)?,
            escalation_enabled: row.get(12)?,
            escalation_form_id: row.get(13)?,
            escalation_note_label: row.get(14)?,
            grace_seconds: row.get(15)?,
            delivery_mode: parse_enum(row, 16)?,
            poll_seconds: row.get(17)?,
            conversation_url_template: row.get(18)?,
            requester_policy: parse_enum(row, 19)?,
            zendesk_api_url: row.get(20)?,
            iadvize_api_url: row.get(21)?,
        },
        secrets: Vec::new(),
        created_at: row.get(22)?,
        updated_at: row.get(23)?,
    })
}

fn duplicate_or(e: rusqlite::Error, s: &SiteSettings) -> SitesError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) if e.to_string().contains("UNIQUE") => {
            SitesError::Duplicate {
                platform: s.platform.to_string(),
                iadvize_site_id: s.iadvize_site_id,
            }
        }
        _ => SitesError::Sqlite(e),
    }
}

pub fn insert(conn: &Connection, s: &SiteSettings, now: DateTime<Utc>) -> Result<SiteId, SitesError> {
    conn.execute(
        "INSERT INTO sites (name, platform, iadvize_site_id, zendesk_domain, zendesk_email, \
         zendesk_auth, zendesk_oauth_client_id, country, start_from, autosave_enabled, \
         autosave_form_id, escalation_enabled, escalation_form_id, escalation_note_label, \
         grace_seconds, delivery_mode, poll_seconds, conversation_url_template, requester_policy, \
         zendesk_api_url, iadvize_api_url, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         ?19, ?20, ?21, ?22, ?22)",
        params![
            s.name,
            s.platform.as_str(),
            s.iadvize_site_id,
            s.zendesk_domain,
            s.zendesk_email,
            s.zendesk_auth.as_str(),
            s.zendesk_oauth_client_id,
            s.country,
            s.start_from,
            s.autosave_enabled,
            s.autosave_form_id,
            s.escalation_enabled,
            s.escalation_form_id,
            s.escalation_note_label,
            s.grace_seconds,
            s.delivery_mode.as_str(),
            s.poll_seconds,
            s.conversation_url_template,
            s.requester_policy.as_str(),
            s.zendesk_api_url,
            s.iadvize_api_url,
            now,
        ],
    )
    .map_err(|e| duplicate_or(e, s))?;
    Ok(conn.last_insert_rowid())
}

/// Rewrites every setting of a site. Returns false when the site does not exist.
pub fn update(
    conn: &Connection,
    id: SiteId,
    s: &SiteSettings,
    now: DateTime<Utc>,
) -> Result<bool, SitesError> {
    let changed = conn
        .execute(
            "UPDATE sites SET name = ?2, platform = ?3, iadvize_site_id = ?4, zendesk_domain = ?5, \
             zendesk_email = ?6, zendesk_auth = ?7, zendesk_oauth_client_id = ?8, country = ?9, \
             start_from = ?10, autosave_enabled = ?11, autosave_form_id = ?12, \
             escalation_enabled = ?13, escalation_form_id = ?14, escalation_note_label = ?15, \
             grace_seconds = ?16, delivery_mode = ?17, poll_seconds = ?18, \
             conversation_url_template = ?19, requester_policy = ?20, zendesk_api_url = ?21, \
             iadvize_api_url = ?22, updated_at = ?23 WHERE id = ?1",
            params![
                id,
                s.name,
                s.platform.as_str(),
                s.iadvize_site_id,
                s.zendesk_domain,
                s.zendesk_email,
                s.zendesk_auth.as_str(),
                s.zendesk_oauth_client_id,
                s.country,
                s.start_from,
                s.autosave_enabled,
                s.autosave_form_id,
                s.escalation_enabled,
                s.escalation_form_id,
                s.escalation_note_label,
                s.grace_seconds,
                s.delivery_mode.as_str(),
                s.poll_seconds,
                s.conversation_url_template,
                s.requester_policy.as_str(),
                s.zendesk_api_url,
                s.iadvize_api_url,
                now,
            ],
        )
        .map_err(|e| duplicate_or(e, s))?;
    Ok(changed == 1)
}

pub fn delete(conn: &Connection, id: SiteId) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM sites WHERE id = ?1", [id])? == 1)
}

fn with_secrets(conn: &Connection, mut site: Site) -> rusqlite::Result<Site> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, stored_at FROM site_secrets WHERE site_id = ?1 ORDER BY kind",
    )?;
    site.secrets = stmt
        .query_map([site.id], |row| {
            Ok(StoredSecret {
                kind: parse_enum(row, 0)?,
                stored_at: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(site)
}

pub fn get(conn: &Connection, id: SiteId) -> rusqlite::Result<Option<Site>> {
    let site = conn
        .query_row(&format!("SELECT {COLUMNS} FROM sites WHERE id = ?1"), [id], from_row)
        .optional()?;
    site.map(|s| with_secrets(conn, s)).transpose()
}

pub fn find_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Vec<SiteId>> {
    let mut stmt = conn.prepare("SELECT id FROM sites WHERE name = ?1 ORDER BY id")?;
    stmt.query_map([name], |r| r.get(0))?.collect()
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<Site>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM sites ORDER BY name COLLATE NOCASE, id"))?;
    let sites: Vec<Site> = stmt.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
    sites.into_iter().map(|s| with_secrets(conn, s)).collect()
}

pub fn record_secret(
    conn: &Connection,
    id: SiteId,
    kind: SecretKind,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO site_secrets (site_id, kind, stored_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (site_id, kind) DO UPDATE SET stored_at = excluded.stored_at",
        params![id, kind.as_str(), at],
    )?;
    Ok(())
}

pub fn forget_secret(conn: &Connection, id: SiteId, kind: SecretKind) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM site_secrets WHERE site_id = ?1 AND kind = ?2",
        params![id, kind.as_str()],
    )?;
    Ok(())
}
