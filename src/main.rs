//! `iadvize-zendesk`: the headless face of the app, for servers and scripts. Same core API as
//! the desktop app; same data folder by default, so both see the same sites.
//!
//! Exit codes: 0 success, 1 failure (message on stderr), 2 usage.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
