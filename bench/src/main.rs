#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// Builds without some stores leave their helpers unused; the default build uses them all.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "redis")),
    allow(dead_code, unused_mut)
)]

mod cli;
mod cpu;
mod fixture;
mod footprint;
mod memory;
mod memory_raw;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
mod report;
mod runner;
mod session;
#[cfg(test)]
mod smoke;
mod sqlite;
mod store_target;
mod target;
mod url;
mod workload;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Args, Format, StoreKind};
use crate::report::{Footprint, Report, Row};
use crate::runner::Plan;
use crate::session::Session;
use crate::target::{BenchError, describe};

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime
        .block_on(run(&args))
        .and_then(|report| emit(&args, &report))
    {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: some operations failed; see the errors above");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {}", describe(&*error));
            ExitCode::FAILURE
        }
    }
}

/// Measures every selected store and returns the report.
async fn run(args: &Args) -> Result<Report, BenchError> {
    let plan = Plan {
        concurrency: u64::from(args.concurrency),
        warmup: args.warmup,
        duration: args.duration,
    };
    let session = Session::new(plan, u64::from(args.rounds), args.workloads.clone(), true)?;
    eprintln!(
        "run {}: {} tasks, {:?} warm-up, {:?} per measurement",
        session.run, plan.concurrency, plan.warmup, plan.duration
    );

    let backends = Backends::open(&session, args).await?;
    let measured = measure(&session, args, &backends).await;
    backends.close().await?;
    let (footprint, rows) = measured?;

    Ok(Report {
        run: session.run.clone(),
        concurrency: plan.concurrency,
        duration_secs: plan.duration.as_secs_f64(),
        rows,
        footprint,
    })
}

/// The memory footprint first (memory freed by earlier measurements would stay resident
/// and hide the growth), then every selected store.
async fn measure(
    session: &Session,
    args: &Args,
    backends: &Backends,
) -> Result<(Option<Footprint>, Vec<Row>), BenchError> {
    let footprint = if args.stores.contains(&StoreKind::Memory) && args.footprint_records > 0 {
        let footprint =
            footprint::memory_footprint(&session.fixture, args.footprint_records).await?;
        eprintln!(
            "  memory footprint: {:.0} bytes per record",
            footprint.bytes_per_record()
        );
        Some(footprint)
    } else {
        None
    };
    let rows = backends.run(session, &args.stores).await?;
    Ok((footprint, rows))
}

/// Prints the report as asked; says whether every operation succeeded.
fn emit(args: &Args, report: &Report) -> Result<bool, BenchError> {
    let lines = report.json_lines();
    if let Some(path) = &args.json {
        let mut file = std::fs::File::create(path)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        for line in &lines {
            writeln!(file, "{line}")?;
        }
    }
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Table => write!(stdout, "{}", report.table())?,
        Format::Json => {
            for line in &lines {
                writeln!(stdout, "{line}")?;
            }
        }
    }
    Ok(!report.has_errors())
}

/// The selected backends, all opened before the first measurement so that an unreachable
/// one fails the run at once.
#[derive(Debug, Default)]
struct Backends {
    sqlite: Option<sqlite::SqliteBench>,
    #[cfg(feature = "postgres")]
    postgres: Option<postgres::PostgresBench>,
    #[cfg(feature = "redis")]
    redis: Option<redis::RedisBench>,
}

impl Backends {
    async fn open(session: &Session, args: &Args) -> Result<Self, BenchError> {
        let mut backends = Self::default();
        match backends.open_each(session, args).await {
            Ok(()) => Ok(backends),
            Err(error) => {
                backends.close().await?;
                Err(error)
            }
        }
    }

    async fn open_each(&mut self, session: &Session, args: &Args) -> Result<(), BenchError> {
        for &store in &args.stores {
            match store {
                StoreKind::Memory => {}
                StoreKind::Sqlite => self.sqlite = Some(sqlite::SqliteBench::open(session).await?),
                #[cfg(feature = "postgres")]
                StoreKind::Postgres => {
                    let url = &args.database_url;
                    let bench = postgres::PostgresBench::open(session, url, args.pg_pool_size);
                    self.postgres = Some(bench.await?);
                }
                #[cfg(feature = "redis")]
                StoreKind::Redis => {
                    self.redis = Some(redis::RedisBench::open(session, &args.redis_url).await?);
                }
                #[allow(unreachable_patterns)]
                other => {
                    return Err(format!(
                        "{other} was not compiled in: build with `--features {other}`"
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    async fn run(&self, session: &Session, stores: &[StoreKind]) -> Result<Vec<Row>, BenchError> {
        let mut rows = Vec::new();
        for &store in stores {
            match store {
                StoreKind::Memory => rows.extend(memory::run(session).await?),
                StoreKind::Sqlite => {
                    if let Some(sqlite) = &self.sqlite {
                        rows.extend(sqlite.run(session).await?);
                    }
                }
                StoreKind::Postgres =>
                {
                    #[cfg(feature = "postgres")]
                    if let Some(postgres) = &self.postgres {
                        rows.extend(postgres.run(session).await?);
                    }
                }
                StoreKind::Redis =>
                {
                    #[cfg(feature = "redis")]
                    if let Some(redis) = &self.redis {
                        rows.extend(redis.run(session).await?);
                    }
                }
            }
        }
        Ok(rows)
    }

    /// Removes what each backend created: the SQLite files, the Postgres tables, the
    /// Redis keys of this run.
    async fn close(self) -> Result<(), BenchError> {
        #[cfg(feature = "postgres")]
        if let Some(postgres) = &self.postgres {
            postgres.close().await;
        }
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            redis.close().await;
        }
        match self.sqlite {
            Some(sqlite) => sqlite.close(),
            None => Ok(()),
        }
    }
}
