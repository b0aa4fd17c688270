//! The schema, as numbered forward migrations. `PRAGMA user_version` records how many have run;
//! each runs in its own transaction with the version bump, so a crash leaves the file at a
//! whole version. Never edit a released migration: add the next one.

use rusqlite::Connection;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`.
pub const MIGRATIONS: &[&str] = &[
    // 1: sites and the facts about their secrets (values live in the OS keychain).
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE sites (
        id                        INTEGER PRIMARY KEY AUTOINCREMENT,
        name                      TEXT NOT NULL,
        platform                  TEXT NOT NULL CHECK (platform IN ('ha', 'sd')),
        iadvize_site_id           INTEGER NOT NULL CHECK (iadvize_site_id > 0),
        zendesk_domain            TEXT NOT NULL,
        zendesk_email             TEXT NOT NULL,
        zendesk_auth              TEXT NOT NULL CHECK (zendesk_auth IN ('api_token', 'oauth_client')),
        zendesk_oauth_client_id   TEXT,
        country                   TEXT NOT NULL DEFAULT '',
        start_from                TEXT NOT NULL,
        autosave_enabled          INTEGER NOT NULL DEFAULT 0,
        autosave_form_id          INTEGER,
        escalation_enabled        INTEGER NOT NULL DEFAULT 0,
        escalation_form_id        INTEGER,
        escalation_note_label     TEXT NOT NULL DEFAULT '',
        grace_seconds             INTEGER NOT NULL DEFAULT 300,
        delivery_mode             TEXT NOT NULL DEFAULT 'import' CHECK (delivery_mode IN ('import', 'create')),
        poll_seconds              INTEGER NOT NULL DEFAULT 60,
        conversation_url_template TEXT NOT NULL,
        requester_policy          TEXT NOT NULL DEFAULT 'create_end_user'
                                  CHECK (requester_policy IN ('create_end_user', 'admin_user')),
        zendesk_api_url           TEXT,
        iadvize_api_url           TEXT,
        created_at                TEXT NOT NULL,
        updated_at                TEXT NOT NULL,
        UNIQUE (platform, iadvize_site_id)
    ) STRICT;

    CREATE TABLE site_secrets (
        site_id   INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        kind      TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        PRIMARY KEY (site_id, kind)
    ) STRICT;
    "#,
    // 2: the delivery ledger (one row per site + conversation, its state and attempts), the
    // poll cursor of each site, and the admin's default values for required form fields.
    r#"
    CREATE TABLE ledger (
        site_id            INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        conversation_id    TEXT NOT NULL,
        legacy_id          INTEGER,
        closed_at          TEXT NOT NULL,
        state              TEXT NOT NULL
                           CHECK (state IN ('waiting', 'sending', 'delivered', 'escalated', 'failed')),
        -- When it may be sent: closed_at + grace period, later after a retriable failure.
        due_at             TEXT NOT NULL,
        external_id        TEXT NOT NULL,
        ticket_id          INTEGER,
        -- How the ticket came to be: import, create, escalation_create, escalation_update,
        -- escalation_followup.
        path               TEXT,
        escalation         INTEGER NOT NULL DEFAULT 0,
        attempts           INTEGER NOT NULL DEFAULT 0,
        error_code         TEXT,
        error_message      TEXT,
        -- What the stats need, kept when the payload is dropped.
        channel            TEXT,
        agent_name         TEXT,
        agent_kind         TEXT,
        campaign           TEXT,
        -- The conversation as read from iAdvize (JSON), until its ticket exists.
        payload            TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        PRIMARY KEY (site_id, conversation_id)
    ) STRICT;
    CREATE INDEX ledger_due ON ledger (site_id, state, due_at);
    CREATE INDEX ledger_closed ON ledger (site_id, closed_at);

    CREATE TABLE attempts (
        id              INTEGER PRIMARY KEY,
        site_id         INTEGER NOT NULL,
        conversation_id TEXT NOT NULL,
        at              TEXT NOT NULL,
        action          TEXT NOT NULL,
        outcome         TEXT NOT NULL,
        ticket_id       INTEGER,
        error_code      TEXT,
        message         TEXT,
        -- Zendesk's `details`, per field, as JSON.
        details         TEXT,
        FOREIGN KEY (site_id, conversation_id) REFERENCES ledger (site_id, conversation_id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX attempts_conversation ON attempts (site_id, conversation_id, id);

    CREATE TABLE sync_cursors (
        site_id         INTEGER PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
        -- Every conversation closed before this instant is in the ledger.
        polled_until    TEXT NOT NULL,
        last_poll_at    TEXT,
        last_error_code TEXT,
        last_error      TEXT
    ) STRICT;

    CREATE TABLE site_field_defaults (
        site_id  INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        field_id INTEGER NOT NULL,
        -- The value as Zendesk takes it (JSON).
        value    TEXT NOT NULL,
        PRIMARY KEY (site_id, field_id)
    ) STRICT;
    "#,
    // 3: escalations asked from the desktop app (kept until sent), and backfills with the
    // checkpoint they resume from.
    r#"
    CREATE TABLE escalation_requests (
        site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL,
        -- 'desktop' (the escalation screen) or 'closing_form' (the agent's answers).
        source          TEXT NOT NULL,
        -- Field answers as given (JSON object: field id -> value).
        answers         TEXT NOT NULL,
        note            TEXT,
        requested_at    TEXT NOT NULL,
        PRIMARY KEY (site_id, conversation_id)
    ) STRICT;

    CREATE TABLE backfills (
        id                 INTEGER PRIMARY KEY,
        site_id            INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        range_from         TEXT NOT NULL,
        range_to           TEXT NOT NULL,
        -- Everything closed before this instant (within the range) is in the ledger.
        checkpoint         TEXT NOT NULL,
        state              TEXT NOT NULL CHECK (state IN ('running', 'cancelled', 'done', 'failed')),
        conversations_seen INTEGER NOT NULL DEFAULT 0,
        last_error         TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        finished_at        TEXT
    ) STRICT;
    CREATE INDEX backfills_site ON backfills (site_id, state);
    "#,
    // 4: the bulk job an entry was sent in, and its index there: after a crash, the job's
    // results say what became of it (a lookup by external_id alone can run before a queued job
    // has written its tickets).
    r#"
    ALTER TABLE ledger ADD COLUMN job_id TEXT;
    ALTER TABLE ledger ADD COLUMN job_index INTEGER;
    "#,
    // 5: desktop notifications turned off, per site and kind (all are on by default).
    r#"
    CREATE TABLE notification_mutes (
        site_id INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        PRIMARY KEY (site_id, kind)
    ) STRICT;
    "#,
];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the database to `target` (at most the latest version). Returns the version it was at.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<i64, MigrationError> {
    let from = current_version(conn)?;
    if from > latest_version() {
        return Err(MigrationError::TooNew {
            found: from,
            supported: latest_version(),
        });
    }
    for version in from + 1..=target.min(latest_version()) {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[(version - 1) as usize])?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "database migrated");
    }
    Ok(from)
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "this data folder was written by a newer version of the app (schema {found}, this version knows {supported}): \
         install the newer version again, or use another data folder"
    )]
    TooNew { found: i64, supported: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sites;

    /// Data written at a given schema version, as the app of that version wrote it. When a
    /// migration is added, add the data its predecessor could hold, so the test proves the
    /// step keeps it.
    const DATA_AT_VERSION: &[(i64, &str)] = &[(
        1,
        r#"INSERT INTO meta VALUES ('install_id', 'fixture-install');
           INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email,
               zendesk_auth, country, start_from, conversation_url_template, created_at, updated_at)
           VALUES (7, 'Shop v1', 'ha', 4521, 'https://acme.zendesk.com', 'a@acme.example',
               'api_token', 'France', '2026-11-01 00:00:00+00:00',
               'https://{platform}.iadvize.com/admin/conversation/{conversation_id}',
               '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00');
           INSERT INTO site_secrets VALUES (7, 'zendesk_api_token', '2026-11-01 00:00:00+00:00');"#,
    ), (
        2,
        r#"INSERT INTO meta VALUES ('install_id', 'fixture-install');
           INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email,
               zendesk_auth, country, start_from, conversation_url_template, created_at, updated_at)
           VALUES (7, 'Shop v1', 'ha', 4521, 'https://acme.zendesk.com', 'a@acme.example',
               'api_token', 'France', '2026-11-01 00:00:00+00:00',
               'https://{platform}.iadvize.com/admin/conversation/{conversation_id}',
               '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00');
           INSERT INTO site_secrets VALUES (7, 'zendesk_api_token', '2026-11-01 00:00:00+00:00');
           INSERT INTO ledger (site_id, conversation_id, closed_at, state, due_at, external_id,
               ticket_id, path, created_at, updated_at)
           VALUES (7, 'c-1', '2026-11-02 00:00:00+00:00', 'delivered', '2026-11-02 00:05:00+00:00',
               'iadvize:ha:4521:c-1', 99, 'import', '2026-11-02 00:00:00+00:00', '2026-11-02 00:06:00+00:00');
           INSERT INTO attempts (site_id, conversation_id, at, action, outcome, ticket_id)
           VALUES (7, 'c-1', '2026-11-02 00:06:00+00:00', 'import', 'delivered', 99);
           INSERT INTO sync_cursors VALUES (7, '2026-11-02 00:00:00+00:00', NULL, NULL, NULL);
           INSERT INTO site_field_defaults VALUES (7, 360001, '"refund"');"#,
    ), (
        3,
        r#"INSERT INTO meta VALUES ('install_id', 'fixture-install');
           INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email,
               zendesk_auth, country, start_from, conversation_url_template, created_at, updated_at)
           VALUES (7, 'Shop v1', 'ha', 4521, 'https://acme.zendesk.com', 'a@acme.example',
               'api_token', 'France', '2026-11-01 00:00:00+00:00',
               'https://{platform}.iadvize.com/admin/conversation/{conversation_id}',
               '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00');
           INSERT INTO site_secrets VALUES (7, 'zendesk_api_token', '2026-11-01 00:00:00+00:00');
           INSERT INTO ledger (site_id, conversation_id, closed_at, state, due_at, external_id,
               ticket_id, path, created_at, updated_at)
           VALUES (7, 'c-1', '2026-11-02 00:00:00+00:00', 'delivered', '2026-11-02 00:05:00+00:00',
               'iadvize:ha:4521:c-1', 99, 'import', '2026-11-02 00:00:00+00:00', '2026-11-02 00:06:00+00:00');
           INSERT INTO escalation_requests VALUES (7, 'c-1', 'desktop', '{"360001":"refund"}', 'Call back',
               '2026-11-03 00:00:00+00:00');
           INSERT INTO backfills (site_id, range_from, range_to, checkpoint, state, created_at, updated_at)
           VALUES (7, '2026-10-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00', '2026-10-15 00:00:00+00:00',
               'running', '2026-11-03 00:00:00+00:00', '2026-11-03 00:00:00+00:00');"#,
        ), (
        4,
        r#"INSERT INTO meta VALUES ('install_id', 'fixture-install');
           INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email,
               zendesk_auth, country, start_from, conversation_url_template, created_at, updated_at)
           VALUES (7, 'Shop v1', 'ha', 4521, 'https://acme.zendesk.com', 'a@acme.example',
               'api_token', 'France', '2026-11-01 00:00:00+00:00',
               'https://{platform}.iadvize.com/admin/conversation/{conversation_id}',
               '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00');
           INSERT INTO site_secrets VALUES (7, 'zendesk_api_token', '2026-11-01 00:00:00+00:00');
           INSERT INTO ledger (site_id, conversation_id, closed_at, state, due_at, external_id,
               ticket_id, path, created_at, updated_at, job_id, job_index)
           VALUES (7, 'c-1', '2026-11-02 00:00:00+00:00', 'delivered', '2026-11-02 00:05:00+00:00',
               'iadvize:ha:4521:c-1', 99, 'import', '2026-11-02 00:00:00+00:00', '2026-11-02 00:06:00+00:00', 'job-1', 0);
           INSERT INTO escalation_requests VALUES (7, 'c-1', 'desktop', '{"360001":"refund"}', 'Call back',
               '2026-11-03 00:00:00+00:00');
           INSERT INTO backfills (site_id, range_from, range_to, checkpoint, state, created_at, updated_at)
           VALUES (7, '2026-10-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00', '2026-10-15 00:00:00+00:00',
               'running', '2026-11-03 00:00:00+00:00', '2026-11-03 00:00:00+00:00');"#,
        ), (
        5,
        r#"INSERT INTO meta VALUES ('install_id', 'fixture-install');
           INSERT INTO sites (id, name, platform, iadvize_site_id, zendesk_domain, zendesk_email,
               zendesk_auth, country, start_from, conversation_url_template, created_at, updated_at)
           VALUES (7, 'Shop v1', 'ha', 4521, 'https://acme.zendesk.com', 'a@acme.example',
               'api_token', 'France', '2026-11-01 00:00:00+00:00',
               'https://{platform}.iadvize.com/admin/conversation/{conversation_id}',
               '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00');
           INSERT INTO site_secrets VALUES (7, 'zendesk_api_token', '2026-11-01 00:00:00+00:00');
           INSERT INTO ledger (site_id, conversation_id, closed_at, state, due_at, external_id,
               ticket_id, path, created_at, updated_at, job_id, job_index)
           VALUES (7, 'c-1', '2026-11-02 00:00:00+00:00', 'delivered', '2026-11-02 00:05:00+00:00',
               'iadvize:ha:4521:c-1', 99, 'import', '2026-11-02 00:00:00+00:00', '2026-11-02 00:06:00+00:00', 'job-1', 0);
           INSERT INTO escalation_requests VALUES (7, 'c-1', 'desktop', '{"360001":"refund"}', 'Call back',
               '2026-11-03 00:00:00+00:00');
           INSERT INTO backfills (site_id, range_from, range_to, checkpoint, state, created_at, updated_at)
           VALUES (7, '2026-10-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00', '2026-10-15 00:00:00+00:00',
               'running', '2026-11-03 00:00:00+00:00', '2026-11-03 00:00:00+00:00');
           INSERT INTO notification_mutes VALUES (7, 'failing');"#,
    )];

    fn memory() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn
    }

    #[test]
    fn an_empty_database_reaches_the_latest_version() {
        let mut conn = memory();
        assert_eq!(migrate_to(&mut conn, latest_version()).unwrap(), 0);
        assert_eq!(current_version(&conn).unwrap(), latest_version());
        assert!(sites::list(&conn).unwrap().is_empty());
        // Running again is a no-op.
        assert_eq!(migrate_to(&mut conn, latest_version()).unwrap(), latest_version());
    }

    #[test]
    fn every_version_migrates_to_the_latest_keeping_its_data() {
        assert_eq!(
            DATA_AT_VERSION.len() as i64,
            latest_version(),
            "add fixture data for the new schema version"
        );
        for &(version, data) in DATA_AT_VERSION {
            let mut conn = memory();
            migrate_to(&mut conn, version).unwrap();
            assert_eq!(current_version(&conn).unwrap(), version);
            conn.execute_batch(data).unwrap();
            assert_eq!(migrate_to(&mut conn, latest_version()).unwrap(), version);
            assert_eq!(current_version(&conn).unwrap(), latest_version());
            let site = sites::get(&conn, 7).unwrap().expect("the site written at this version");
            assert_eq!(site.settings.name, "Shop v1");
            assert_eq!(site.settings.grace_seconds, 300, "defaults filled");
            assert_eq!(site.secrets.len(), 1);
            if version >= 2 {
                let (state, ticket): (String, i64) = conn
                    .query_row("SELECT state, ticket_id FROM ledger WHERE site_id = 7", [], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .unwrap();
                assert_eq!((state.as_str(), ticket), ("delivered", 99));
            }
        }
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused_untouched() {
        let mut conn = memory();
        migrate_to(&mut conn, latest_version()).unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1).unwrap();
        let err = migrate_to(&mut conn, latest_version()).unwrap_err();
        assert!(err.to_string().contains("newer version"), "{err}");
        assert_eq!(current_version(&conn).unwrap(), latest_version() + 1);
    }

    #[test]
    fn foreign_keys_cascade_secrets_with_their_site() {
        let mut conn = memory();
        migrate_to(&mut conn, 1).unwrap();
        conn.execute_batch(DATA_AT_VERSION[0].1).unwrap();
        sites::delete(&conn, 7).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM site_secrets", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}
