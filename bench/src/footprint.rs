//! The memory store's resident bytes per completed record.

use std::sync::Arc;

use idempotency_store::IdempotencyStore;
use idempotency_store_memory::MemoryStore;
use tokio::task::JoinSet;

use crate::fixture::Fixture;
use crate::report::Footprint;
use crate::store_target::StoreTarget;
use crate::target::{BenchError, Claimed, Target};

/// Completes `records` keys in a fresh memory store and reads resident memory around it.
///
/// Run it before anything else: memory a process has freed stays resident and would hide
/// the store's growth. The store is dropped before returning.
pub(crate) async fn memory_footprint(
    fixture: &Fixture,
    records: u64,
) -> Result<Footprint, BenchError> {
    let rss_before = resident_bytes()?;
    let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryStore::new());
    let target = Arc::new(StoreTarget::new(store, fixture.clone()));

    let tasks = std::thread::available_parallelism().map_or(2, |n| n.get() as u64);
    let mut filling = JoinSet::new();
    for task in 0..tasks {
        let target = Arc::clone(&target);
        filling.spawn(async move { fill(&target, task, tasks, records).await });
    }
    while let Some(filled) = filling.join_next().await {
        filled??;
    }
    let rss_after = resident_bytes()?;
    drop(target);

    Ok(Footprint {
        records,
        rss_before,
        rss_after,
    })
}

async fn fill(target: &StoreTarget, task: u64, tasks: u64, records: u64) -> Result<(), BenchError> {
    let mut index = task;
    while index < records {
        let key = format!("footprint-{index:07}");
        match target.claim(&key).await? {
            Claimed::Acquired(token) => target.complete(&key, token).await?,
            _ => return Err("a footprint key was not fresh".into()),
        }
        index += tasks;
    }
    Ok(())
}

/// The process's resident set size, from `/proc/self/status`.
fn resident_bytes() -> Result<u64, BenchError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|error| format!("the footprint needs Linux's /proc/self/status: {error}"))?;
    let kilobytes = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|number| number.trim().parse::<u64>().ok())
        .ok_or("/proc/self/status has no VmRSS line")?;
    Ok(kilobytes * 1024)
}
