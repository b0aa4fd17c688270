//! `diagnostics SITE --out FILE`: the redacted support bundle (a zip).

use super::output;
use super::{Failure, Outcome};
use iadvize_zendesk::Api;
use iadvize_zendesk::site::SiteRef;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct DiagnosticsArgs {
    site: SiteRef,
    /// Where to write the zip (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(api: &Api, args: DiagnosticsArgs) -> Outcome {
    let rt = tokio::runtime::Runtime::new().map_err(|e| {
        Failure::Api(iadvize_zendesk::ApiError::new("internal", format!("cannot start the async runtime: {e}")))
    })?;
    let summary = rt.block_on(api.diagnostics(&args.site, &args.out))?;
    if args.json {
        output::json(&summary);
        return Ok(());
    }
    println!("Diagnostics written to {} ({} bytes):", summary.path, summary.bytes);
    for f in &summary.files {
        println!("  {:<24} {:>9} bytes", f.name, f.bytes);
    }
    for p in &summary.problems {
        println!("  note: {p}");
    }
    println!("Secrets, tokens, e-mail addresses and visitor names are redacted.");
    Ok(())
}
