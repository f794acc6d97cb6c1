//! An optional background task that purges dead records on a timer.

use std::fmt;
use std::time::Duration;

use idempotency_store::{IdempotencyStore, StoreError};
use tokio::task::JoinHandle;

use crate::PostgresStore;

/// A running purge loop started by [`PostgresStore::spawn_purger`]. Dropping it (or
/// calling [`stop`](Self::stop)) stops the loop.
pub struct Purger {
    task: JoinHandle<()>,
}

impl fmt::Debug for Purger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Purger")
            .field("running", &!self.task.is_finished())
            .finish()
    }
}

impl Purger {
    /// Stops the loop. A purge statement in progress is abandoned; the database rolls it
    /// back, which is harmless.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Purger {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PostgresStore {
    /// Runs [`purge_expired`](IdempotencyStore::purge_expired) every `every` on the
    /// current Tokio runtime until the returned [`Purger`] is dropped. A failed purge is
    /// logged and tried again at the next tick. Several app servers may each run one: purge
    /// batches skip rows another purge holds.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when called outside a Tokio runtime or with a zero period.
    pub fn spawn_purger(&self, every: Duration) -> Result<Purger, StoreError> {
        if every.is_zero() {
            return Err(StoreError::backend("the purge period must not be zero"));
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(StoreError::backend)?;
        let store = self.clone();
        let task = runtime.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = store.purge_expired().await {
                    tracing::warn!(%error, "background purge failed; trying again next tick");
                }
            }
        });
        Ok(Purger { task })
    }
}
