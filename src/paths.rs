//! Where the app keeps its files. The desktop app and the CLI use the same data folder by
//! default, so both faces see the same sites.

use std::path::PathBuf;

/// The desktop app's identifier (also in `tauri.conf.json`): the name of its data folder.
pub const APP_IDENTIFIER: &str = "com.iadvize-zendesk.desktop";
/// Overrides the data folder (tests, servers, several installations side by side).
pub const DATA_DIR_ENV: &str = "IADVIZE_ZENDESK_DATA_DIR";

/// The data folder: `$IADVIZE_ZENDESK_DATA_DIR`, or the platform's app data folder
/// (`~/.local/share/com.iadvize-zendesk.desktop` on Linux).
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join(APP_IDENTIFIER),
    }
}

/// Rolling log files live here, inside the data folder, so an admin finds them in one place.
pub fn log_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}
