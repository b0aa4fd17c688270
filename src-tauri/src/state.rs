//! What the commands share: the core API, opened once at start. If the data folder cannot be
//! opened the app still starts and every command reports why, so the window can say so.

use iadvize_zendesk::{Api, ApiError};
use std::path::PathBuf;
use std::sync::Arc;

pub struct Core {
    pub data_dir: PathBuf,
    api: Result<Arc<Api>, ApiError>,
}

impl Core {
    pub fn open(data_dir: PathBuf) -> Core {
        let api = Api::open(&data_dir).map(Arc::new);
        if let Err(e) = &api {
            tracing::error!(code = %e.code, error = %e, "cannot open the data folder");
        }
        Core { data_dir, api }
    }

    /// Runs a blocking core call (SQLite, keychain) off the async runtime's threads.
    pub async fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Api) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let api = self.api.clone()?;
        tauri::async_runtime::spawn_blocking(move || call(&api))
            .await
            .map_err(|e| ApiError::new("internal", format!("the operation stopped unexpectedly: {e}")))?
    }
}
