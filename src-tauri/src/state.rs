//! What the commands share: the core API, opened once at start. If the data folder cannot be
//! opened the app still starts and every command reports why, so the window can say so.

use iadvize_zendesk::{Api, ApiError};
use std::path::PathBuf;
use std::sync::Arc;

pub struct Core {
    pub data_dir: PathBuf,
    api: Result<Arc<Api>, ApiError>,
    /// The built-in sandbox, while a demo site uses it.
    demo: tokio::sync::Mutex<Option<iadvize_zendesk_sandbox::Sandbox>>,
    pub sync: std::sync::Arc<crate::sync::DesktopSync>,
}

impl Core {
    pub fn open(data_dir: PathBuf) -> Core {
        let api = Api::open(&data_dir).map(Arc::new);
        if let Err(e) = &api {
            tracing::error!(code = %e.code, error = %e, "cannot open the data folder");
        }
        Core {
            data_dir,
            api,
            demo: tokio::sync::Mutex::new(None),
            sync: std::sync::Arc::default(),
        }
    }

    pub fn api(&self) -> Result<Arc<Api>, ApiError> {
        self.api.clone()
    }

    /// Starts the built-in sandbox (once) and points the demo site at it, creating the site the
    /// first time.
    pub async fn start_demo(&self) -> Result<iadvize_zendesk::site::Site, ApiError> {
        let mut demo = self.demo.lock().await;
        if demo.is_none() {
            *demo = Some(iadvize_zendesk::demo::start_sandbox().await?);
        }
        let sandbox = demo.as_ref().expect("started above");
        let (zendesk, iadvize) = (sandbox.zendesk_url(), sandbox.iadvize_url());
        self.run(move |api| api.ensure_demo_site(&zendesk, &iadvize)).await
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
