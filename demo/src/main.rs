//! The demo server: `POST /things` made idempotent, on a store chosen by one URL.
//!
//! Run it with `cargo run -p idempotency-demo`, then follow the walkthrough in the README.

#![forbid(unsafe_code)]

mod app;
mod cli;
mod shutdown;

use std::error::Error;
use std::process::ExitCode;

use clap::Parser;
use idempotency_store_url::StoreUrl;
use tokio::net::TcpListener;
use tracing::{error, info};
use tracing_subscriber::EnvFilter;

use crate::cli::Args;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let mut cause = failure.source();
            let mut causes = Vec::new();
            while let Some(next) = cause {
                causes.push(next.to_string());
                cause = next.source();
            }
            error!(error = %failure, causes = ?causes, "the demo server stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let url = StoreUrl::parse(&args.store)?;
    let store = url.open().await?;
    info!(store = %url, "idempotency store opened");

    let listener = TcpListener::bind((args.host, args.port)).await?;
    let address = listener.local_addr()?;
    // The one line on stdout: scripts and tests read the address from it.
    println!("listening on http://{address}");
    info!(%address, "demo server listening");

    axum::serve(listener, app::router(store))
        .with_graceful_shutdown(shutdown::signal())
        .await?;
    info!("demo server shut down");
    Ok(())
}
