//! One sync owner per data folder: the desktop app and the headless `sync` each take an
//! exclusive OS lock on the folder's `sync.lock` before syncing. Two owners syncing the same
//! sites is the classic road to duplicate tickets; the lock is the kernel's (released when the
//! process dies, even by `kill -9`), never a stale file. The file's text names the holder.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use ts_rs::TS;

pub const LOCK_FILE: &str = "sync.lock";

/// Who holds the sync role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Holder {
    pub pid: u32,
    /// `desktop` or `headless`.
    pub kind: String,
    /// RFC 3339.
    pub since: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    #[error(
        "another process already syncs this data folder: {} (pid {}, since {}). Stop it first, or use another data folder; reading settings, logs and stats still works.",
        if .0.kind == "desktop" { "the desktop app" } else { "a headless `iadvize-zendesk sync`" },
        .0.pid,
        .0.since
    )]
    Held(Holder),
    #[error("another process holds the sync lock of this data folder ({0})")]
    HeldUnknown(String),
    #[error("cannot open the sync lock {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl OwnerError {
    pub fn code(&self) -> &'static str {
        match self {
            OwnerError::Held(_) | OwnerError::HeldUnknown(_) => "sync.owned_elsewhere",
            OwnerError::Io { .. } => "sync.lock_failed",
        }
    }
}

impl From<OwnerError> for crate::error::ApiError {
    fn from(e: OwnerError) -> Self {
        crate::error::ApiError::new(e.code(), e.to_string())
    }
}

/// The held sync role; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct SyncLock {
    file: File,
    pub holder: Holder,
}

impl SyncLock {
    pub fn acquire(data_dir: &Path, kind: &str) -> Result<SyncLock, OwnerError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| OwnerError::Io { path: path.clone(), source };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(match serde_json::from_str::<Holder>(&text) {
                    Ok(holder) => OwnerError::Held(holder),
                    Err(_) => OwnerError::HeldUnknown(path.display().to_string()),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = Holder {
            pid: std::process::id(),
            kind: kind.to_owned(),
            since: chrono::Utc::now().to_rfc3339(),
        };
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(serde_json::to_string(&holder).expect("holder serialises").as_bytes())
            .map_err(io)?;
        file.flush().map_err(io)?;
        Ok(SyncLock { file, holder })
    }

    /// Who holds the role now, if anyone (for read-only faces that want to say so).
    pub fn holder(data_dir: &Path) -> Option<Holder> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = File::open(&path).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(_) => {
                let mut text = String::new();
                file.read_to_string(&mut text).ok()?;
                serde_json::from_str(&text).ok()
            }
        }
    }
}

impl Drop for SyncLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_is_refused_with_the_holder_named_and_takes_over_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let first = SyncLock::acquire(dir.path(), "desktop").unwrap();
        assert_eq!(SyncLock::holder(dir.path()).unwrap().pid, std::process::id());
        let refused = SyncLock::acquire(dir.path(), "headless").unwrap_err();
        assert_eq!(refused.code(), "sync.owned_elsewhere");
        let message = refused.to_string();
        assert!(message.contains("the desktop app") && message.contains(&std::process::id().to_string()), "{message}");
        drop(first);
        assert!(SyncLock::holder(dir.path()).is_none());
        let second = SyncLock::acquire(dir.path(), "headless").unwrap();
        assert_eq!(second.holder.kind, "headless");
    }
}
