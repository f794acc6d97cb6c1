//! The SQLite store and its [`IdempotencyStore`] implementation.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;

use async_trait::async_trait;
use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, Record, RecordId, RecordState,
    Retention, SavedResponse, StoreError, encode_response,
};

use crate::config::{Location, SqliteStoreBuilder};
use crate::job::{Answer, Job, Op, misrouted, stopped};
use crate::readers;
use crate::schema::Sql;
use crate::writer::{self, Counters, WriterSetup};

/// An [`IdempotencyStore`] in a SQLite file (or in memory, for tests).
///
/// The store owns one writer thread and, for a file, a few reader threads, each with its
/// own connection; the async methods hand operations to them and await the answer, so no
/// SQLite call ever runs on an async worker thread. Clones share those threads and
/// connections; they stop once the last clone is dropped and the queued operations are
/// done.
///
/// Writes (complete, release, renew, purge, and claims of absent or dead keys) go to the
/// writer, which commits every operation waiting at that moment in one transaction (group
/// commit). Lookups, and claims that find a live record (in flight, replay, mismatch), are
/// answered by the readers and never wait for a write.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Sender<Job>,
    readers: Option<Sender<Job>>,
    reader_count: usize,
    location: Location,
    table: String,
    max_response_bytes: usize,
    counters: Arc<Counters>,
}

/// What the writer has committed since the store was opened, for benchmarks and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WriteStats {
    /// Group transactions committed.
    pub transactions: u64,
    /// Operations in those transactions (claims, completes, releases, renews, and lookups
    /// on a store without readers); divided by `transactions` it is the average group size.
    pub operations: u64,
    /// Transactions committed by purges, one per batch of dead records.
    pub purge_transactions: u64,
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path` with the default settings: WAL
    /// mode, [`Synchronous::Normal`](crate::Synchronous::Normal), the table
    /// `idempotency_records`, 4 MiB responses, a 5 s busy timeout, two readers.
    ///
    /// # Errors
    ///
    /// As [`SqliteStoreBuilder::open`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        SqliteStoreBuilder::new(path).open().await
    }

    /// Opens a private in-memory store on a single connection, for tests. Its records are
    /// shared by its clones and gone with the last of them.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if SQLite cannot allocate the database.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        SqliteStoreBuilder::in_memory().open().await
    }

    /// A builder for a store in the file at `path`, to change the defaults.
    pub fn builder(path: impl AsRef<Path>) -> SqliteStoreBuilder {
        SqliteStoreBuilder::new(path)
    }

    /// What the writer has committed so far.
    pub fn stats(&self) -> WriteStats {
        let counters = &self.inner.counters;
        WriteStats {
            transactions: counters.transactions.load(Ordering::Relaxed),
            operations: counters.operations.load(Ordering::Relaxed),
            purge_transactions: counters.purge_transactions.load(Ordering::Relaxed),
        }
    }

    pub(crate) async fn start(builder: SqliteStoreBuilder) -> Result<Self, StoreError> {
        let sql = Arc::new(Sql::new(&builder.table));
        let counters = Arc::new(Counters::default());
        let (writer, writer_ready) = writer::spawn(WriterSetup {
            location: builder.location.clone(),
            sql: Arc::clone(&sql),
            synchronous: builder.synchronous,
            busy_timeout: builder.busy_timeout,
            max_batch: builder.max_batch,
            purge_batch: builder.purge_batch,
            purge_interval: builder.purge_interval,
            counters: Arc::clone(&counters),
        })?;
        writer_ready.await.map_err(|_| stopped())??;

        let reader_count = match builder.location {
            Location::File(_) => builder.readers,
            Location::Memory => 0,
        };
        let readers = if reader_count == 0 {
            None
        } else {
            let (jobs, readies) =
                readers::spawn(reader_count, &builder.location, &sql, builder.busy_timeout)?;
            for ready in readies {
                ready.await.map_err(|_| stopped())??;
            }
            Some(jobs)
        };

        tracing::debug!(
            table = builder.table,
            readers = reader_count,
            "SQLite store open"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                writer,
                readers,
                reader_count,
                location: builder.location,
                table: builder.table,
                max_response_bytes: builder.max_response_bytes,
                counters,
            }),
        })
    }

    async fn write(&self, op: Op) -> Result<Answer, StoreError> {
        Self::send(&self.inner.writer, op).await
    }

    async fn read(&self, op: Op) -> Result<Answer, StoreError> {
        let queue = self.inner.readers.as_ref().unwrap_or(&self.inner.writer);
        Self::send(queue, op).await
    }

    /// Answers a claim from a reader when the key has a live record: a replay, a mismatch
    /// or an in-flight answer reflects a committed state and changes nothing, so it need not
    /// wait for the writer. `None` when the key is absent or dead and only the writer can
    /// take it, or when the store has no readers.
    async fn answer_from_reader(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
    ) -> Result<Option<ClaimOutcome>, StoreError> {
        let Some(readers) = &self.inner.readers else {
            return Ok(None);
        };
        let Answer::Found(found) = Self::send(readers, Op::Lookup { id: id.clone() }).await? else {
            return Err(misrouted());
        };
        Ok(found.map(|record| {
            if record.fingerprint != *fingerprint {
                return ClaimOutcome::Mismatch;
            }
            match record.state {
                RecordState::InFlight { lease_remaining } => ClaimOutcome::InFlight {
                    retry_after: lease_remaining,
                },
                RecordState::Completed { response, .. } => ClaimOutcome::Replay(response),
            }
        }))
    }

    async fn send(queue: &Sender<Job>, op: Op) -> Result<Answer, StoreError> {
        let (job, answer) = Job::new(op);
        queue.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("SqliteStore")
            .field("location", &inner.location)
            .field("table", &inner.table)
            .field("readers", &inner.reader_count)
            .field("max_response_bytes", &inner.max_response_bytes)
            .finish()
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn claim(
        &self,
        id: &RecordId,
        fingerprint: &Fingerprint,
        lease: Lease,
    ) -> Result<ClaimOutcome, StoreError> {
        if let Some(outcome) = self.answer_from_reader(id, fingerprint).await? {
            return Ok(outcome);
        }
        let op = Op::Claim {
            id: id.clone(),
            fingerprint: fingerprint.clone(),
            lease,
        };
        match self.write(op).await? {
            Answer::Claimed(outcome) => Ok(outcome),
            _ => Err(misrouted()),
        }
    }

    async fn complete(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        response: &SavedResponse,
        retention: Retention,
    ) -> Result<(), StoreError> {
        response.check_size(self.inner.max_response_bytes)?;
        let op = Op::Complete {
            id: id.clone(),
            token: *token,
            response: encode_response(response)?,
            retention,
        };
        match self.write(op).await? {
            Answer::Done => Ok(()),
            _ => Err(misrouted()),
        }
    }

    async fn release(&self, id: &RecordId, token: &LeaseToken) -> Result<(), StoreError> {
        let op = Op::Release {
            id: id.clone(),
            token: *token,
        };
        match self.write(op).await? {
            Answer::Done => Ok(()),
            _ => Err(misrouted()),
        }
    }

    async fn renew(
        &self,
        id: &RecordId,
        token: &LeaseToken,
        lease: Lease,
    ) -> Result<(), StoreError> {
        let op = Op::Renew {
            id: id.clone(),
            token: *token,
            lease,
        };
        match self.write(op).await? {
            Answer::Done => Ok(()),
            _ => Err(misrouted()),
        }
    }

    async fn lookup(&self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        match self.read(Op::Lookup { id: id.clone() }).await? {
            Answer::Found(record) => Ok(record),
            _ => Err(misrouted()),
        }
    }

    async fn purge_expired(&self) -> Result<u64, StoreError> {
        match self.write(Op::Purge).await? {
            Answer::Purged(deleted) => Ok(deleted),
            _ => Err(misrouted()),
        }
    }

    fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }
}
