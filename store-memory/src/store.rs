//! The memory store and its [`IdempotencyStore`] implementation.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, Record, RecordId, RecordState,
    Retention, SavedResponse, StoreError,
};
use parking_lot::{Mutex, MutexGuard};

use crate::MemoryStoreBuilder;
use crate::shard::{EntryState, Shard};

/// How many dead records a write may sweep from its shard on the way.
const SWEEP_PER_WRITE: usize = 16;

/// An in-process [`IdempotencyStore`]: a sharded map with lazy expiry.
///
/// Clones share the same records, so one store can be handed to many tasks. Dead records
/// are treated as absent as soon as they die; writes sweep a few dead records of their shard
/// on the way, and [`purge_expired`](IdempotencyStore::purge_expired) sweeps the rest. A
/// sweep visits only dead records, never the live ones.
///
/// Records live as long as the process: use a shared backend when requests for one key can
/// reach more than one process.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    records: AtomicUsize,
    max_records: Option<usize>,
    max_response_bytes: usize,
}

impl MemoryStore {
    /// A store with the default settings: unbounded, 4 MiB responses.
    pub fn new() -> Self {
        MemoryStoreBuilder::default().build()
    }

    /// A builder for other settings.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder::default()
    }

    pub(crate) fn from_builder(builder: MemoryStoreBuilder) -> Self {
        let shards = (0..builder.shards)
            .map(|_| Mutex::new(Shard::default()))
            .collect();
        Self {
            inner: Arc::new(Inner {
                shards,
                hasher: RandomState::new(),
                records: AtomicUsize::new(0),
                max_records: builder.max_records,
                max_response_bytes: builder.max_response_bytes,
            }),
        }
    }

    /// How many records the store holds, dead ones not yet swept included.
    pub fn len(&self) -> usize {
        self.inner.records.load(Ordering::Relaxed)
    }

    /// Whether the store holds no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, id: &RecordId) -> MutexGuard<'_, Shard> {
        let hash = self.inner.hasher.hash_one(id);
        let index = (hash as usize) & (self.inner.shards.len() - 1);
        self.inner.shards[index].lock()
    }

    fn sweep(&self, shard: &mut Shard, now: Instant, budget: usize) -> usize {
        let deleted = shard.sweep(now, budget);
        if deleted > 0 {
            self.inner.records.fetch_sub(deleted, Ordering::Relaxed);
        }
        deleted
    }

    /// Takes a place for one more record, or says the store is full.
    fn reserve_place(&self, shard: &mut Shard, now: Instant) -> Result<(), StoreError> {
        let Some(limit) = self.inner.max_records else {
            self.inner.records.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        let take = |count: usize| (count < limit).then_some(count + 1);
        if self
            .inner
            .records
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, take)
            .is_ok()
        {
            return Ok(());
        }
        self.sweep(shard, now, usize::MAX);
        self.inner
            .records
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, take)
            .map(|_| ())
            .map_err(|_| StoreError::CapacityExceeded { limit })
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("records", &self.len())
            .field("shards", &self.inner.shards.len())
            .field("max_records", &self.inner.max_records)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish()
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        lease: Lease,
    ) -> Result<ClaimOutcome, StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(id);
        self.sweep(&mut shard, now, SWEEP_PER_WRITE);

        let existing = shard.get(id);
        if let Some(entry) = existing.filter(|entry| entry.is_live(now)) {
            if entry.fingerprint != *fingerprint {
                return Ok(ClaimOutcome::Mismatch);
            }
            return Ok(match &entry.state {
                EntryState::InFlight(_) => ClaimOutcome::InFlight {
                    retry_after: entry.expires_at - now,
                },
                EntryState::Completed(response) => ClaimOutcome::Replay((**response).clone()),
            });
        }
        let took_over =
            existing.is_some_and(|entry| matches!(entry.state, EntryState::InFlight(_)));
        if existing.is_none() {
            self.reserve_place(&mut shard, now)?;
        }

        let token = LeaseToken::generate()?;
        let expires_at = now + lease.as_duration();
        shard.put(
            id,
            fingerprint.clone(),
            EntryState::InFlight(token),
            expires_at,
        );
        if took_over {
            tracing::warn!(key = id.key(), "took over a claim whose lease had run out");
        }
        Ok(ClaimOutcome::Acquired(token))
    }

    async fn complete(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        response: &SavedResponse,
        retention: Retention,
    ) -> Result<(), StoreError> {
        response.check_size(self.inner.max_response_bytes)?;
        let saved = Arc::new(response.clone());
        let now = Instant::now();
        let mut shard = self.shard(id);

        let Some(entry) = shard
            .get_mut(id)
            .filter(|entry| entry.is_owned_by(token, now))
        else {
            return Err(StoreError::LeaseLost);
        };
        entry.state = EntryState::Completed(saved);
        shard.reschedule(id, now + retention.as_duration());
        self.sweep(&mut shard, now, SWEEP_PER_WRITE);
        Ok(())
    }

    async fn release(&self, id: &RecordId, token: &LeaseToken) -> Result<(), StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(id);

        if !shard
            .get(id)
            .is_some_and(|entry| entry.is_owned_by(token, now))
        {
            return Err(StoreError::LeaseLost);
        }
        if shard.remove(id) {
            self.inner.records.fetch_sub(1, Ordering::Relaxed);
        }
        self.sweep(&mut shard, now, SWEEP_PER_WRITE);
        Ok(())
    }

    async fn renew(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<(), StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(id);

        if !shard
            .get(id)
            .is_some_and(|entry| entry.is_owned_by(token, now))
        {
            return Err(StoreError::LeaseLost);
        }
        shard.reschedule(id, now + lease.as_duration());
        Ok(())
    }

    async fn lookup(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        let now = Instant::now();
        let shard = self.shard(id);

        let Some(entry) = shard.get(id).filter(|entry| entry.is_live(now)) else {
            return Ok(None);
        };
        let remaining = entry.expires_at - now;
        let state = match &entry.state {
            EntryState::InFlight(_) => RecordState::InFlight {
                lease_remaining: remaining,
            },
            EntryState::Completed(response) => RecordState::Completed {
                response: (**response).clone(),
                retention_remaining: remaining,
            },
        };
        Ok(Some(Record {
            fingerprint: entry.fingerprint.clone(),
            state,
        }))
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = Instant::now();
        let mut deleted = 0;
        for shard in self.inner.shards.iter() {
            deleted += self.sweep(&mut shard.lock(), now, usize::MAX);
        }
        tracing::debug!(deleted, "purged expired records");
        Ok(deleted as u64)
    }

    fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }
}
