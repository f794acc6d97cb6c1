//! The raw limit of an in-process store: a bare sharded-mutex hash map.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::fixture::Fixture;
use crate::target::{BenchError, Claimed, Target};

struct Entry {
    fingerprint: Box<[u8]>,
    token: u64,
    response: Option<Arc<[u8]>>,
    expires_at: Instant,
}

/// The same inserts and lookups as the memory store, with nothing around them: no
/// validation, no random tokens, no deadline queue, the response kept as one byte string.
pub(crate) struct RawMap {
    shards: Box<[Mutex<HashMap<String, Entry>>]>,
    hasher: RandomState,
    tokens: AtomicU64,
    fingerprint: Box<[u8]>,
    response: Arc<[u8]>,
    lease: Duration,
    retention: Duration,
}

impl std::fmt::Debug for RawMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawMap")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl RawMap {
    /// A map with as many shards as the memory store's default.
    pub(crate) fn new(fixture: &Fixture) -> Self {
        let cores = std::thread::available_parallelism().map_or(4, |n| n.get());
        let shards = (cores * 8).next_power_of_two();
        Self {
            shards: (0..shards).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            tokens: AtomicU64::new(1),
            fingerprint: fixture.fingerprint.as_bytes().into(),
            response: fixture.encoded.as_slice().into(),
            lease: fixture.lease.as_duration(),
            retention: fixture.retention.as_duration(),
        }
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<String, Entry>> {
        let index = (self.hasher.hash_one(key) as usize) & (self.shards.len() - 1);
        &self.shards[index]
    }
}

impl Target for RawMap {
    type Token = u64;

    async fn claim(&self, key: &str) -> Result<Claimed<u64>, BenchError> {
        let now = Instant::now();
        let mut shard = self.shard(key).lock();
        if let Some(entry) = shard.get(key).filter(|entry| entry.expires_at > now) {
            if entry.fingerprint != self.fingerprint {
                return Ok(Claimed::Mismatch);
            }
            return Ok(match &entry.response {
                Some(response) if response.len() == self.response.len() => {
                    std::hint::black_box(response.to_vec());
                    Claimed::Replay
                }
                Some(_) => return Err("raw map holds another response".into()),
                None => Claimed::InFlight,
            });
        }
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        let entry = Entry {
            fingerprint: self.fingerprint.clone(),
            token,
            response: None,
            expires_at: now + self.lease,
        };
        shard.insert(key.to_owned(), entry);
        Ok(Claimed::Acquired(token))
    }

    async fn complete(&self, key: &str, token: u64) -> Result<(), BenchError> {
        let now = Instant::now();
        let response = Arc::clone(&self.response);
        let mut shard = self.shard(key).lock();
        match shard.get_mut(key) {
            Some(entry) if entry.token == token && entry.expires_at > now => {
                entry.response = Some(response);
                entry.expires_at = now + self.retention;
                Ok(())
            }
            _ => Err("raw map lost a lease".into()),
        }
    }
}
