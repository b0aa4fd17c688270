// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if std::env::args().any(|a| a == "--version" || a == "-V") {
        println!("iadvize-zendesk-desktop {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    iadvize_zendesk_desktop::run();
}
