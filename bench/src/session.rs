//! One run: its settings, its unique name, and the interleaved comparison every backend
//! uses.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::cli::{StoreKind, WorkloadKind};
use crate::fixture::Fixture;
use crate::report::{Row, Variant};
use crate::runner::{self, Plan, Sample};
use crate::target::{BenchError, Target, describe};
use crate::workload::Workload;

type Measuring = Pin<Box<dyn Future<Output = Result<Sample, BenchError>> + Send>>;

/// Reads a server's cumulative busy time and call count, to tell server work from
/// client work.
pub(crate) type ServerProbe = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<ServerTime, BenchError>> + Send>> + Send + Sync,
>;

/// A server's cumulative busy time and calls, as a probe reads them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ServerTime {
    pub(crate) micros: u64,
    pub(crate) calls: u64,
}

/// A target under a variant name, ready to be measured round after round.
pub(crate) struct Contender {
    variant: Variant,
    measure: Box<dyn Fn(Arc<Workload>, Plan, u64) -> Measuring + Send + Sync>,
    probe: Option<ServerProbe>,
}

impl Contender {
    pub(crate) fn new<T: Target>(variant: Variant, target: Arc<T>) -> Self {
        Self {
            variant,
            measure: Box::new(move |workload, plan, round| {
                Box::pin(runner::measure(Arc::clone(&target), workload, plan, round))
            }),
            probe: None,
        }
    }

    /// Also reads `probe` around each turn, to report the server's time per call.
    pub(crate) fn with_probe(mut self, probe: ServerProbe) -> Self {
        self.probe = Some(probe);
        self
    }
}

impl std::fmt::Debug for Contender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("variant", &self.variant)
            .finish_non_exhaustive()
    }
}

/// What every measurement of one run shares.
#[derive(Debug)]
pub(crate) struct Session {
    /// A short lowercase name, unique to this run, used in table names, key prefixes and keys.
    pub(crate) run: String,
    pub(crate) plan: Plan,
    /// Each measurement is split into this many rounds, contenders taking turns.
    pub(crate) rounds: u64,
    pub(crate) fixture: Fixture,
    pub(crate) workloads: Vec<WorkloadKind>,
    /// Print one progress line per measurement on stderr.
    pub(crate) progress: bool,
    measurements: AtomicU64,
}

impl Session {
    pub(crate) fn new(
        plan: Plan,
        rounds: u64,
        workloads: Vec<WorkloadKind>,
        progress: bool,
    ) -> Result<Self, BenchError> {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH)?;
        let mixed = u64::from(std::process::id()) << 32
            ^ since_epoch.as_secs() << 20
            ^ u64::from(since_epoch.subsec_nanos());
        Ok(Self {
            run: format!("r{:08x}", mixed as u32),
            plan,
            rounds: rounds.max(1),
            fixture: Fixture::new()?,
            workloads,
            progress,
            measurements: AtomicU64::new(0),
        })
    }

    /// Measures `workload` on every contender, in `rounds` turns of `duration / rounds`
    /// each, the order reversed every other round (A B, B A, ...), so that a change in the
    /// machine's load during the comparison weighs on all contenders alike.
    pub(crate) async fn compare(
        &self,
        store: StoreKind,
        workload: WorkloadKind,
        contenders: &[Contender],
    ) -> Result<Vec<Row>, BenchError> {
        let states: Vec<Arc<Workload>> = contenders
            .iter()
            .map(|_| {
                let number = self.measurements.fetch_add(1, Ordering::Relaxed);
                Arc::new(Workload::new(workload, format!("{}-{number}", self.run)))
            })
            .collect();
        let slice = Plan {
            duration: self.plan.duration / u32::try_from(self.rounds)?,
            ..self.plan
        };

        let mut samples: Vec<Option<Sample>> = contenders.iter().map(|_| None).collect();
        let mut server = vec![ServerTime::default(); contenders.len()];
        let mut client = vec![Duration::ZERO; contenders.len()];
        for round in 0..self.rounds {
            let mut order: Vec<usize> = (0..contenders.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for index in order {
                let contender = &contenders[index];
                let before = read_probe(contender).await?;
                let cpu_before = crate::cpu::process_cpu();
                let sample = (contender.measure)(Arc::clone(&states[index]), slice, round)
                    .await
                    .map_err(|error| {
                        format!(
                            "{store} {} {}: {}",
                            workload.name(),
                            contender.variant.name(),
                            describe(&*error)
                        )
                    })?;
                if let (Some(before), Some(after)) = (cpu_before, crate::cpu::process_cpu()) {
                    client[index] += after.saturating_sub(before);
                }
                if let (Some(before), Some(after)) = (before, read_probe(contender).await?) {
                    server[index].micros += after.micros.saturating_sub(before.micros);
                    server[index].calls += after.calls.saturating_sub(before.calls);
                }
                match &mut samples[index] {
                    Some(total) => total.merge(sample)?,
                    empty => *empty = Some(sample),
                }
            }
        }

        let mut rows = Vec::new();
        let results = contenders.iter().zip(samples).zip(server).zip(client);
        for (((contender, sample), server), client) in results {
            let Some(sample) = sample else { continue };
            let mut row = Row::new(store, workload, contender.variant, &sample);
            if sample.ops > 0 && !client.is_zero() {
                // The turn also spent CPU on warm-up and (in round 0) preparation; spread
                // it over the operations measured, as all contenders alike are charged.
                let operations = sample.ops as f64 * self.turn_share();
                row.client_us_per_op = Some(client.as_secs_f64() * 1e6 / operations);
            }
            if server.calls > 0 {
                row.server_us_per_call = Some(server.micros as f64 / server.calls as f64);
            }
            self.print_progress(&row);
            rows.push(row);
        }
        Ok(rows)
    }

    /// The whole turn's length over its measured window: CPU time is read around the
    /// turn, operations are counted in the window only.
    fn turn_share(&self) -> f64 {
        let window = self.plan.duration.as_secs_f64() / self.rounds as f64;
        let warmup = self.plan.warmup.as_secs_f64();
        if window > 0.0 {
            (window + warmup) / window
        } else {
            1.0
        }
    }

    fn print_progress(&self, row: &Row) {
        if self.progress {
            eprintln!(
                "  {:<8} {:<9} {:<13} {:>9.0} ops/s  p50 {:>8.1} µs  p99 {:>9.1} µs{}",
                row.store.name(),
                row.workload.name(),
                row.variant.name(),
                row.ops_per_sec,
                row.p50_us,
                row.p99_us,
                if row.errors > 0 { "  (errors)" } else { "" }
            );
        }
    }
}

async fn read_probe(contender: &Contender) -> Result<Option<ServerTime>, BenchError> {
    match &contender.probe {
        Some(probe) => Ok(Some(probe().await?)),
        None => Ok(None),
    }
}
