//! The three request patterns, as one operation each over any [`Target`].

use std::sync::atomic::{AtomicU64, Ordering};

use crate::cli::WorkloadKind;
use crate::target::{BenchError, Claimed, Target};

/// Completed keys the replay workload cycles over.
pub(crate) const REPLAY_KEYS: u64 = 1024;

/// Keys the contended workload hammers at once.
pub(crate) const CONTENDED_KEYS: u64 = 16;

/// Claims each contended key receives before the set moves on to 16 new keys.
pub(crate) const CLAIMS_PER_CONTENDED_KEY: u64 = 16;

/// What one measurement's tasks share: the workload, its key prefix and the storm counter.
#[derive(Debug)]
pub(crate) struct Workload {
    kind: WorkloadKind,
    prefix: String,
    ticket: AtomicU64,
}

impl Workload {
    /// A workload whose keys all start with `prefix`, unique to one measurement.
    pub(crate) fn new(kind: WorkloadKind, prefix: String) -> Self {
        Self {
            kind,
            prefix,
            ticket: AtomicU64::new(0),
        }
    }

    /// Completes the keys the replay workload reads, using up to `tasks` at a time.
    pub(crate) async fn prepare<T: Target>(
        &self,
        target: &T,
        task: u64,
        tasks: u64,
    ) -> Result<(), BenchError> {
        if self.kind != WorkloadKind::Replay {
            return Ok(());
        }
        for index in (task..REPLAY_KEYS).step_by(usize::try_from(tasks.max(1))?) {
            let key = self.replay_key(index);
            match target.claim(&key).await? {
                Claimed::Acquired(token) => target.complete(&key, token).await?,
                other => return Err(unexpected("preparing replay keys", &other)),
            }
        }
        Ok(())
    }

    /// Runs the `step`-th operation of task `task` in round `round`.
    pub(crate) async fn run_once<T: Target>(
        &self,
        target: &T,
        round: u64,
        task: u64,
        step: u64,
    ) -> Result<(), BenchError> {
        match self.kind {
            WorkloadKind::Fresh => {
                let key = format!("{}-f{round}-{task}-{step}", self.prefix);
                match target.claim(&key).await? {
                    Claimed::Acquired(token) => target.complete(&key, token).await,
                    other => Err(unexpected("a fresh claim", &other)),
                }
            }
            WorkloadKind::Replay => {
                let index = (task.wrapping_mul(7919).wrapping_add(step)) % REPLAY_KEYS;
                match target.claim(&self.replay_key(index)).await? {
                    Claimed::Replay => Ok(()),
                    other => Err(unexpected("a replayed claim", &other)),
                }
            }
            WorkloadKind::Contended => {
                let ticket = self.ticket.fetch_add(1, Ordering::Relaxed);
                let generation = ticket / (CONTENDED_KEYS * CLAIMS_PER_CONTENDED_KEY);
                let key = format!("{}-c{generation}-{}", self.prefix, ticket % CONTENDED_KEYS);
                match target.claim(&key).await? {
                    Claimed::Acquired(token) => target.complete(&key, token).await,
                    Claimed::InFlight | Claimed::Replay => Ok(()),
                    other => Err(unexpected("a contended claim", &other)),
                }
            }
        }
    }

    fn replay_key(&self, index: u64) -> String {
        format!("{}-r-{index}", self.prefix)
    }
}

fn unexpected<T>(what: &str, outcome: &Claimed<T>) -> BenchError {
    let seen = match outcome {
        Claimed::Acquired(_) => "Acquired",
        Claimed::InFlight => "InFlight",
        Claimed::Replay => "Replay",
        Claimed::Mismatch => "Mismatch",
    };
    format!("{what} returned {seen}").into()
}
