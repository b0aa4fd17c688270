//! Structured logs: to stderr for headless runs, and to daily-rolling files in the data folder
//! that an admin can open. Secrets never reach a log: they travel as `Secret`, whose Debug is
//! redacted, and no code formats their exposed value.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Installs the global subscriber. Keep the guard alive for the process's life: it flushes the
/// file writer on drop. `json` makes stderr lines machine-readable (headless services).
pub fn init(log_dir: &Path, json: bool) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env("IADVIZE_ZENDESK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,hyper=warn,reqwest=warn,tao=warn,wry=warn"));
    let file = std::fs::create_dir_all(log_dir).ok().and_then(|_| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("iadvize-zendesk")
            .filename_suffix("log")
            .max_log_files(14)
            .build(log_dir)
            .ok()
    });
    let (file_writer, guard) = match file {
        Some(appender) => {
            let (w, g) = tracing_appender::non_blocking(appender);
            (Some(w), Some(g))
        }
        None => (None, None),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match (file_writer, json) {
        (Some(f), true) => builder
            .json()
            .with_writer(std::io::stderr.and(f))
            .try_init(),
        (Some(f), false) => builder
            .with_writer(std::io::stderr.with_max_level(tracing::Level::WARN).and(f))
            .with_ansi(false)
            .try_init(),
        (None, true) => builder.json().with_writer(std::io::stderr).try_init(),
        (None, false) => builder.with_writer(std::io::stderr).try_init(),
    };
    // A second init (tests, or an embedding app that set its own) keeps the first subscriber.
    let _ = result;
    guard
}
