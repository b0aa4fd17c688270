//! Files the app saves for the admin (statistics as CSV, the diagnostics bundle). The shell
//! writes them, never the webview (it has no file-system permission): into the Downloads
//! folder, under a new name each time, and the window shows the path with an "Open folder"
//! action (`open_folder("exports")`). No save dialog: nothing to grant, and nothing the admin
//! must answer before the file exists.

use iadvize_zendesk::ApiError;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// A file the app saved.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SavedFile {
    pub path: String,
    pub bytes: u64,
}

/// Overrides the exports folder (tests; an admin who wants them elsewhere).
pub const EXPORT_DIR_ENV: &str = "IADVIZE_ZENDESK_EXPORT_DIR";

/// Where exports go: `$IADVIZE_ZENDESK_EXPORT_DIR`, or the user's Downloads folder (XDG
/// `user-dirs.dirs` on Linux), else `~/Downloads`, else `exports/` in the data folder.
pub fn folder(data_dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(EXPORT_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::download_dir()
        .or_else(|| dirs::home_dir().map(|home| home.join("Downloads")))
        .unwrap_or_else(|| data_dir.join("exports"))
}

/// A site's name as a file name part: lower-case letters and digits, dashes between words.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(40).collect();
    if out.is_empty() { "site".into() } else { out }
}

fn failed(path: &Path, e: std::io::Error) -> ApiError {
    ApiError::new(
        "app.save_failed",
        format!("Cannot save {}: {e}. Check that the folder exists and can be written to.", path.display()),
    )
}

/// A path in `dir` named `stem.ext` that no file has yet (`stem-2.ext`, … otherwise), created
/// empty so that two exports at once never share it.
pub fn new_file(dir: &Path, stem: &str, ext: &str) -> Result<PathBuf, ApiError> {
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    for n in 1..1000 {
        let name = if n == 1 { format!("{stem}.{ext}") } else { format!("{stem}-{n}.{ext}") };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(failed(&path, e)),
        }
    }
    Err(ApiError::new("app.save_failed", format!("Too many files named {stem} in {}: tidy it up.", dir.display())))
}

/// Writes `content` into a new file `stem.ext` (see [`new_file`]).
pub fn save(dir: &Path, stem: &str, ext: &str, content: &[u8]) -> Result<SavedFile, ApiError> {
    let path = new_file(dir, stem, ext)?;
    let mut file = std::fs::File::create(&path).map_err(|e| failed(&path, e))?;
    file.write_all(content).and_then(|()| file.sync_all()).map_err(|e| failed(&path, e))?;
    Ok(SavedFile {
        path: path.display().to_string(),
        bytes: content.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("Sandbox demo"), "sandbox-demo");
        assert_eq!(slug("  Shop FR / Été 2026!  "), "shop-fr-été-2026");
        assert_eq!(slug("../.."), "site");
    }

    #[test]
    fn a_second_export_gets_a_new_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = save(dir.path(), "stats", "csv", b"a").unwrap();
        let second = save(dir.path(), "stats", "csv", b"bb").unwrap();
        assert!(first.path.ends_with("stats.csv"), "{}", first.path);
        assert!(second.path.ends_with("stats-2.csv"), "{}", second.path);
        assert_eq!(std::fs::read(&first.path).unwrap(), b"a");
        assert_eq!(second.bytes, 2);
        let nested = dir.path().join("missing/folder");
        assert!(save(&nested, "x", "zip", b"z").is_ok(), "the folder is created");
    }
}
