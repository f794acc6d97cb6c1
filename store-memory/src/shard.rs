//! One shard of the memory store: its records and the queue of their deadlines.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use idempotency_store::{Fingerprint, LeaseToken, RecordId, SavedResponse};

/// A record as the memory store keeps it.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) state: EntryState,
    pub(crate) expires_at: Instant,
    /// Changes whenever `expires_at` does, so an outdated deadline in the queue is known as
    /// such when it comes up.
    generation: u64,
}

#[derive(Debug)]
pub(crate) enum EntryState {
    InFlight(LeaseToken),
    Completed(Arc<SavedResponse>),
}

impl Entry {
    pub(crate) fn is_live(&self, now: Instant) -> bool {
        self.expires_at > now
    }

    pub(crate) fn is_owned_by(&self, token: &LeaseToken, now: Instant) -> bool {
        self.is_live(now) && matches!(&self.state, EntryState::InFlight(owner) if owner == token)
    }
}

/// A deadline in the queue: when the record of `id` at `generation` dies.
#[derive(Debug)]
struct Deadline {
    at: Instant,
    generation: u64,
    id: Arc<RecordId>,
}

impl PartialEq for Deadline {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Deadline {}

impl PartialOrd for Deadline {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Deadline {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.generation).cmp(&(other.at, other.generation))
    }
}

/// Records plus a min-queue of their deadlines, so a sweep visits only what has expired
/// (and outdated deadlines left by renewals and takeovers), never every record. A record's
/// address is allocated once and shared by the map and its deadlines.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    records: HashMap<Arc<RecordId>, Entry>,
    deadlines: BinaryHeap<Reverse<Deadline>>,
    next_generation: u64,
}

impl Shard {
    pub(crate) fn get(&self, id: &RecordId) -> Option<&Entry> {
        self.records.get(id)
    }

    /// The live record of `id`, for an owner check and an update.
    pub(crate) fn get_mut(&mut self, id: &RecordId) -> Option<&mut Entry> {
        self.records.get_mut(id)
    }

    /// Inserts or replaces the record of `id`; says whether it replaced one.
    pub(crate) fn put(
        &mut self,
        id: &RecordId,
        fingerprint: Fingerprint,
        state: EntryState,
        expires_at: Instant,
    ) -> bool {
        let address = self.address(id);
        let generation = self.schedule(&address, expires_at);
        let entry = Entry {
            fingerprint,
            state,
            expires_at,
            generation,
        };
        self.records.insert(address, entry).is_some()
    }

    /// Moves the deadline of the record of `id`, which must exist.
    pub(crate) fn reschedule(&mut self, id: &RecordId, expires_at: Instant) {
        let address = self.address(id);
        let generation = self.schedule(&address, expires_at);
        if let Some(entry) = self.records.get_mut(id) {
            entry.expires_at = expires_at;
            entry.generation = generation;
        }
    }

    /// The shared address of `id`: the stored one when the record exists, else a new one.
    fn address(&self, id: &RecordId) -> Arc<RecordId> {
        match self.records.get_key_value(id) {
            Some((address, _)) => Arc::clone(address),
            None => Arc::new(id.clone()),
        }
    }

    pub(crate) fn remove(&mut self, id: &RecordId) -> bool {
        self.records.remove(id).is_some()
    }

    /// Deletes up to `budget` records whose deadline has passed; returns how many it deleted.
    pub(crate) fn sweep(&mut self, now: Instant, budget: usize) -> usize {
        let mut deleted = 0;
        while deleted < budget {
            let Some(Reverse(next)) = self.deadlines.peek() else {
                break;
            };
            if next.at > now {
                break;
            }
            let Some(Reverse(due)) = self.deadlines.pop() else {
                break;
            };
            let current = self
                .records
                .get(&due.id)
                .is_some_and(|entry| entry.generation == due.generation);
            if current {
                self.records.remove(&due.id);
                deleted += 1;
            }
        }
        deleted
    }

    fn schedule(&mut self, id: &Arc<RecordId>, at: Instant) -> u64 {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.deadlines.push(Reverse(Deadline {
            at,
            generation,
            id: Arc::clone(id),
        }));
        generation
    }
}
