//! Drives a target with many tasks for a fixed window and records every latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::task::JoinSet;

use crate::target::{BenchError, Target, describe};
use crate::workload::Workload;

/// The highest latency the histograms can hold: one minute, in nanoseconds.
const MAX_LATENCY_NS: u64 = 60_000_000_000;

/// How hard and how long to drive a target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Concurrent tasks.
    pub(crate) concurrency: u64,
    /// Unmeasured time before the window opens.
    pub(crate) warmup: Duration,
    /// The measured window.
    pub(crate) duration: Duration,
}

/// What one measurement saw inside its window.
#[derive(Debug)]
pub(crate) struct Sample {
    /// Operations that started and finished inside the window.
    pub(crate) ops: u64,
    /// The window's length.
    pub(crate) window: Duration,
    /// Their latencies, in nanoseconds.
    pub(crate) latency: Histogram<u64>,
    /// Failed operations during warm-up and window alike.
    pub(crate) errors: u64,
    /// The first failure, to show what went wrong.
    pub(crate) first_error: Option<String>,
}

impl Sample {
    /// Operations per second inside the window.
    pub(crate) fn ops_per_sec(&self) -> f64 {
        let seconds = self.window.as_secs_f64();
        if seconds > 0.0 {
            self.ops as f64 / seconds
        } else {
            0.0
        }
    }

    /// Adds another window of the same contender.
    pub(crate) fn merge(&mut self, other: Sample) -> Result<(), BenchError> {
        self.ops += other.ops;
        self.window += other.window;
        self.latency.add(&other.latency)?;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        Ok(())
    }

    /// A latency quantile in microseconds.
    pub(crate) fn quantile_us(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

struct TaskTally {
    latency: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
}

/// Prepares the workload (in round 0 only), then runs `plan.concurrency` tasks through
/// warm-up and window. Later rounds of the same workload use keys of their own.
///
/// # Errors
///
/// When preparing the workload fails or a task panics; failures of single operations are
/// counted in the sample instead.
pub(crate) async fn measure<T: Target>(
    target: Arc<T>,
    workload: Arc<Workload>,
    plan: Plan,
    round: u64,
) -> Result<Sample, BenchError> {
    let mut preparing = JoinSet::new();
    for task in (0..plan.concurrency).filter(|_| round == 0) {
        let (target, workload) = (Arc::clone(&target), Arc::clone(&workload));
        preparing.spawn(async move { workload.prepare(&*target, task, plan.concurrency).await });
    }
    while let Some(prepared) = preparing.join_next().await {
        prepared??;
    }

    let opens = Instant::now() + plan.warmup;
    let closes = opens + plan.duration;
    let mut running = JoinSet::new();
    for task in 0..plan.concurrency {
        let (target, workload) = (Arc::clone(&target), Arc::clone(&workload));
        running
            .spawn(async move { drive(&*target, &workload, (round, task), opens, closes).await });
    }

    let mut sample = Sample {
        ops: 0,
        window: plan.duration,
        latency: new_histogram()?,
        errors: 0,
        first_error: None,
    };
    while let Some(tally) = running.join_next().await {
        let tally = tally??;
        sample.latency.add(&tally.latency)?;
        sample.errors += tally.errors;
        if sample.first_error.is_none() {
            sample.first_error = tally.first_error;
        }
    }
    sample.ops = sample.latency.len();
    Ok(sample)
}

async fn drive<T: Target>(
    target: &T,
    workload: &Workload,
    (round, task): (u64, u64),
    opens: Instant,
    closes: Instant,
) -> Result<TaskTally, BenchError> {
    let mut tally = TaskTally {
        latency: new_histogram()?,
        errors: 0,
        first_error: None,
    };
    let mut step = 0;
    loop {
        let started = Instant::now();
        if started >= closes {
            break;
        }
        let result = workload.run_once(target, round, task, step).await;
        let finished = Instant::now();
        step += 1;

        match result {
            Ok(()) if started >= opens && finished <= closes => {
                let nanos = u64::try_from((finished - started).as_nanos()).unwrap_or(u64::MAX);
                tally.latency.saturating_record(nanos.max(1));
            }
            Ok(()) => {}
            Err(error) => {
                tally.errors += 1;
                if tally.first_error.is_none() {
                    tally.first_error = Some(describe(&*error));
                }
            }
        }
    }
    Ok(tally)
}

fn new_histogram() -> Result<Histogram<u64>, BenchError> {
    Ok(Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3)?)
}
