//! Printing: human text by default, stable JSON with `--json`.

use iadvize_zendesk::ApiError;
use serde::Serialize;

pub fn json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("our output types serialise")
    );
}

pub fn print_error(e: &ApiError) {
    eprintln!("error: {}", e.message);
    for field in &e.fields {
        eprintln!("  - {}: {}", field.field, field.message);
    }
    eprintln!("  (code: {})", e.code);
}
