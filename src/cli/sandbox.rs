//! `sandbox`: serves the simulated iAdvize and Zendesk APIs until interrupted, printing the two
//! base URLs and the credentials to point a site at them.

use super::{Failure, Outcome};
use clap::Args;
use iadvize_zendesk_sandbox::SandboxConfig;
use std::net::SocketAddr;

#[derive(Args)]
pub struct SandboxArgs {
    /// Address of the Zendesk listener; iAdvize listens on the next port (0: any free ports).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Seed of the generated data (same seed, same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Closed conversations to generate.
    #[arg(long, default_value_t = 200)]
    conversations: usize,
    /// Print the URLs and credentials as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: SandboxArgs) -> Outcome {
    let iadvize_listen = match args.listen.port() {
        0 => args.listen,
        port => {
            let next = port.checked_add(1).ok_or_else(|| {
                Failure::Usage(format!("--listen {}: no port after it for iAdvize", args.listen))
            })?;
            SocketAddr::new(args.listen.ip(), next)
        }
    };
    let config = SandboxConfig::default()
        .seed(args.seed)
        .conversations(args.conversations)
        .zendesk_listen(args.listen)
        .iadvize_listen(iadvize_listen);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| {
        Failure::Api(iadvize_zendesk::ApiError::new("internal", format!("cannot start the async runtime: {e}")))
    })?;
    runtime.block_on(async move {
        let sandbox = iadvize_zendesk_sandbox::start(config).await.map_err(|e| {
            Failure::Api(iadvize_zendesk::ApiError::new(
                "sandbox.start",
                format!("the sandbox could not start: {e}. Choose another --listen address."),
            ))
        })?;
        if args.json {
            super::output::json(&sandbox.info());
        } else {
            println!("Sandbox running. Press Ctrl-C to stop.");
            println!("  Zendesk API: {}", sandbox.zendesk_url());
            println!("  iAdvize API: {}", sandbox.iadvize_url());
            println!();
            println!("Point a site at it (secrets come from the environment):");
            println!("{}", demo_site_command(&sandbox));
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        sandbox.shutdown();
        Ok(())
    })
}

fn demo_site_command(sandbox: &iadvize_zendesk_sandbox::Sandbox) -> String {
    use iadvize_zendesk_sandbox::credentials as c;
    format!(
        "  ZENDESK_API_TOKEN={token} IADVIZE_REST_API_KEY={rest} IADVIZE_GRAPHQL_TOKEN={gql} \\\n  \
         iadvize-zendesk site add --name \"Sandbox HA 3101\" --platform ha --iadvize-site-id 3101 \\\n    \
         --zendesk-domain sandbox --zendesk-email {email} \\\n    \
         --zendesk-api-url {zd} --iadvize-api-url {ia}",
        token = c::ZENDESK_API_TOKEN,
        rest = c::IADVIZE_REST_API_KEY,
        gql = c::IADVIZE_GRAPHQL_TOKEN,
        email = c::ZENDESK_ADMIN_EMAIL,
        zd = sandbox.zendesk_url(),
        ia = sandbox.iadvize_url(),
    )
}
