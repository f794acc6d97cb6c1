//! Command-line options.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// Runs every selected store against its backend's raw limit and prints the ratios.
#[derive(Debug, Clone, Parser)]
#[command(name = "idempotency-bench", version)]
pub(crate) struct Args {
    /// Concurrent tasks driving each measurement.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,

    /// Measured time per (store, workload, variant), e.g. `2s` or `500ms`.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub(crate) duration: Duration,

    /// Unmeasured warm-up before each measurement.
    #[arg(long, default_value = "300ms", value_parser = parse_duration)]
    pub(crate) warmup: Duration,

    /// Turns each measurement is split into, contenders alternating (A B, B A, ...).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub(crate) rounds: u16,

    /// Stores to measure, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "memory,sqlite,postgres,redis"
    )]
    pub(crate) stores: Vec<StoreKind>,

    /// Workloads to run, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "fresh,replay,contended")]
    pub(crate) workloads: Vec<WorkloadKind>,

    /// Postgres for the `postgres` store; each run works in a table of its own.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test",
        hide_env_values = true
    )]
    pub(crate) database_url: String,

    /// Connections in the Postgres pool, shared by the store and its raw statements.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) pg_pool_size: u32,

    /// Redis for the `redis` store; each run works under a key prefix of its own.
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub(crate) redis_url: String,

    /// Records inserted to measure the memory store's resident bytes per record (0 skips).
    #[arg(long, default_value_t = 1_000_000)]
    pub(crate) footprint_records: u64,

    /// Also write one JSON line per result to this file.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,

    /// What stdout carries: a table for people or JSON lines for machines.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

/// A backend the harness can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StoreKind {
    /// `idempotency-store-memory`.
    Memory,
    /// `idempotency-store-sqlite` on a temporary file.
    Sqlite,
    /// `idempotency-store-postgres` on a table of its own.
    Postgres,
    /// `idempotency-store-redis` under a key prefix of its own.
    Redis,
}

impl StoreKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Redis => "redis",
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One of the three request patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum WorkloadKind {
    /// Claim a new key, then complete it with a ~200-byte response.
    Fresh,
    /// Claim a key that is already completed (the retry path).
    Replay,
    /// Every task claims one of 16 keys at once; the winner completes it (a retry storm).
    Contended,
}

impl WorkloadKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::Replay => "replay",
            Self::Contended => "contended",
        }
    }
}

/// What stdout carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table, then the target checks.
    Table,
    /// One JSON object per line.
    Json,
}

/// Parses `250ms`, `2s`, `1.5s` or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 2s or 500ms"))?;
    if !value.is_finite() || value < 0.0 || value * scale > 3600.0 {
        return Err(format!("`{text}` is out of range (0 to 3600 s)"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_and_without_units() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn defaults_select_every_store_and_workload() {
        let args = Args::parse_from(["idempotency-bench"]);
        assert_eq!(args.concurrency, 64);
        assert_eq!(args.stores.len(), 4);
        assert_eq!(args.workloads.len(), 3);
    }
}
