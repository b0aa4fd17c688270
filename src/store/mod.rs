//! The app's SQLite file: one per data folder, shared by the desktop app and the CLI.
//! WAL mode so readers never block the sync writer; foreign keys on every connection.

pub mod migrations;
pub mod ledger;
pub mod sites;

use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub const DATABASE_FILE: &str = "iadvize-zendesk.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}. Check that the data folder exists and is writable.")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot upgrade the database: {0}")]
    Migration(#[from] migrations::MigrationError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Migration(migrations::MigrationError::TooNew { .. }) => "storage.too_new",
            _ => "storage.failed",
        }
    }
}

/// Opens a connection with the settings every connection needs.
pub fn connect(path: &Path) -> Result<Connection, StoreError> {
    let open = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open(path).map_err(open)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(open)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(open)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(open)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(open)?;
    Ok(conn)
}

pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    install_id: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database of a data folder and brings it to the latest schema.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Folder {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let mut conn = connect(&path)?;
        migrations::migrate_to(&mut conn, migrations::latest_version())?;
        let install_id = ensure_install_id(&conn)?;
        Ok(Store {
            path,
            conn: Mutex::new(conn),
            install_id,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A random id made when the data folder was first used; it names this folder's keychain
    /// entries.
    pub fn install_id(&self) -> &str {
        &self.install_id
    }

    /// The shared connection. Calls are short; a poisoned lock only means a panic elsewhere
    /// while holding it, and SQLite's own transactions keep the file consistent.
    pub fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

fn ensure_install_id(conn: &Connection) -> Result<String, StoreError> {
    let existing: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'install_id'", [], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('install_id', ?1)",
        [&id],
    )?;
    // Another process may have won the race: read back whichever id stands.
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'install_id'", [], |r| r.get(0))?)
}
