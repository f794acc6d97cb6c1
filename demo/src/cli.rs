//! Command-line settings.

use std::net::IpAddr;

use clap::Parser;

/// The store the demo opens when neither `--store` nor `IDEMPOTENCY_STORE_URL` names one: an
/// embedded SQLite file in the working directory.
pub(crate) const DEFAULT_STORE: &str = "sqlite://idempotency-demo.sqlite3";

/// Idempotency-Key demo: POST /things returns a random number; with an Idempotency-Key
/// header, a retry replays the first answer.
#[derive(Parser)]
#[command(version)]
pub(crate) struct Args {
    /// Port to listen on; 0 picks a free one (the address is printed on stdout).
    #[arg(long, default_value_t = 3001)]
    pub(crate) port: u16,

    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,

    /// Where idempotency records live: memory://, sqlite://path.db, sqlite::memory:,
    /// postgres://user@host/db[?table=name], redis://host:6379[?prefix=name] or
    /// redis+cluster://host1:port1,host2:port2.
    #[arg(long, env = "IDEMPOTENCY_STORE_URL", hide_env_values = true,
          default_value = DEFAULT_STORE)]
    pub(crate) store: String,
}
