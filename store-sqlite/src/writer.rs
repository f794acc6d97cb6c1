//! The writer thread: the store's one write connection and its group commit.
//!
//! The thread blocks for the first waiting operation, then drains every other operation
//! already waiting (up to `max_batch`) and runs them all in one `BEGIN IMMEDIATE ...
//! COMMIT`. Each caller's answer is held back until the commit succeeds, so nobody is told
//! "done" about a write that could still be rolled back. Purges run in transactions of
//! their own, `purge_batch` rows at a time, serving waiting operations in between.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use idempotency_store::StoreError;
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::config::{Location, Synchronous};
use crate::error::{Failure, classify, duplicate, from_sqlite};
use crate::job::{Answer, Job, Op};
use crate::ops;
use crate::schema::{self, Sql};

/// What the writer has done so far, shared with the store for [`crate::WriteStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) transactions: AtomicU64,
    pub(crate) operations: AtomicU64,
    pub(crate) purge_transactions: AtomicU64,
}

/// Everything the writer thread needs to open its connection and run.
#[derive(Debug)]
pub(crate) struct WriterSetup {
    pub(crate) location: Location,
    pub(crate) sql: Arc<Sql>,
    pub(crate) synchronous: Synchronous,
    pub(crate) busy_timeout: Duration,
    pub(crate) max_batch: usize,
    pub(crate) purge_batch: usize,
    pub(crate) purge_interval: Option<Duration>,
    pub(crate) counters: Arc<Counters>,
}

/// The answer to opening: the writer's connection is set up and the schema is in place.
pub(crate) type Ready = oneshot::Receiver<Result<(), StoreError>>;

/// Starts the writer thread. It opens its connection and sets up the schema, says so on
/// the returned [`Ready`], then serves jobs until every sender is dropped.
pub(crate) fn spawn(setup: WriterSetup) -> Result<(mpsc::Sender<Job>, Ready), StoreError> {
    let (jobs, queue) = mpsc::channel();
    let (ready, opened) = oneshot::channel();
    thread::Builder::new()
        .name("sqlite-writer".to_owned())
        .spawn(move || {
            let conn = schema::open_writer(
                &setup.location,
                &setup.sql,
                setup.synchronous,
                setup.busy_timeout,
            );
            match conn {
                Ok(conn) => {
                    let _ = ready.send(Ok(()));
                    Writer::new(conn, queue, setup).run();
                }
                Err(failure) => {
                    let _ = ready.send(Err(failure.into_store(setup.busy_timeout)));
                }
            }
        })
        .map_err(StoreError::backend)?;
    Ok((jobs, opened))
}

struct Writer {
    conn: Connection,
    queue: Receiver<Job>,
    setup: WriterSetup,
    purges: VecDeque<Job>,
    next_purge: Option<Instant>,
}

/// What waiting for the next job brought.
enum Woken {
    Job(Job),
    PurgeDue,
    Closed,
}

impl Writer {
    fn new(conn: Connection, queue: Receiver<Job>, setup: WriterSetup) -> Self {
        let next_purge = setup.purge_interval.map(|every| Instant::now() + every);
        Self {
            conn,
            queue,
            setup,
            purges: VecDeque::new(),
            next_purge,
        }
    }

    fn run(mut self) {
        loop {
            if let Some(request) = self.purges.pop_front() {
                let result = self.purge();
                request.answer(result.map(Answer::Purged));
                continue;
            }
            if self.next_purge.is_some_and(|due| Instant::now() >= due) {
                // Checked before waiting, so a writer that is never idle still purges.
                self.background_purge();
                continue;
            }
            match self.wait() {
                Woken::Job(first) => {
                    let group = self.drain(Some(first));
                    self.commit_group(group);
                }
                Woken::PurgeDue => self.background_purge(),
                Woken::Closed => break,
            }
        }
        tracing::debug!("every handle to the SQLite store is gone; the writer stops");
    }

    fn wait(&self) -> Woken {
        let received = match self.next_purge {
            None => self
                .queue
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(due) => self
                .queue
                .recv_timeout(due.saturating_duration_since(Instant::now())),
        };
        match received {
            Ok(job) => Woken::Job(job),
            Err(RecvTimeoutError::Timeout) => Woken::PurgeDue,
            Err(RecvTimeoutError::Disconnected) => Woken::Closed,
        }
    }

    /// `first` and every job already waiting, up to `max_batch`; purge requests are set
    /// aside for after the group.
    fn drain(&mut self, first: Option<Job>) -> Vec<Job> {
        let mut group = Vec::new();
        let mut next = first.or_else(|| self.queue.try_recv().ok());
        while let Some(job) = next {
            if matches!(job.op, Op::Purge) {
                self.purges.push_back(job);
            } else {
                group.push(job);
            }
            next = if group.len() < self.setup.max_batch {
                self.queue.try_recv().ok()
            } else {
                None
            };
        }
        group
    }

    /// Runs `group` in as few transactions as it takes (one, unless SQLite itself rolls a
    /// transaction back) and answers every caller once its outcome is committed.
    fn commit_group(&mut self, group: Vec<Job>) {
        let mut waiting = VecDeque::from(group);
        while !waiting.is_empty() {
            if let Err(error) = self.conn.execute_batch("BEGIN IMMEDIATE") {
                self.fail_all(waiting.drain(..), &error);
                return;
            }
            let mut ran: Vec<(Job, Result<Answer, StoreError>)> = Vec::with_capacity(waiting.len());
            let mut undone = false;
            while let Some(job) = waiting.pop_front() {
                match job.run(&self.conn, &self.setup.sql) {
                    Ok(answer) => ran.push((job, Ok(answer))),
                    Err(failure) if self.conn.is_autocommit() => {
                        // SQLite rolled the whole transaction back: this job failed, and the
                        // ones before it must run again in a new transaction.
                        job.answer(Err(failure.into_store(self.setup.busy_timeout)));
                        for (earlier, _) in ran.drain(..).rev() {
                            waiting.push_front(earlier);
                        }
                        undone = true;
                        break;
                    }
                    Err(failure) => {
                        let error = failure.into_store(self.setup.busy_timeout);
                        ran.push((job, Err(error)));
                    }
                }
            }
            if !undone {
                self.commit(ran);
            }
        }
    }

    fn commit(&mut self, ran: Vec<(Job, Result<Answer, StoreError>)>) {
        match self.conn.execute_batch("COMMIT") {
            Ok(()) => {
                let counters = &self.setup.counters;
                counters.transactions.fetch_add(1, Ordering::Relaxed);
                counters
                    .operations
                    .fetch_add(ran.len() as u64, Ordering::Relaxed);
                for (job, result) in ran {
                    job.answer(result);
                }
            }
            Err(error) => {
                self.rollback();
                self.fail_all(ran.into_iter().map(|(job, _)| job), &error);
            }
        }
    }

    /// Tells every job of a group that `error` undid it, logging the error once.
    fn fail_all(&self, jobs: impl Iterator<Item = Job>, error: &rusqlite::Error) {
        let busy = self.setup.busy_timeout;
        for (index, job) in jobs.enumerate() {
            let copy = duplicate(error);
            let store_error = if index == 0 {
                from_sqlite(copy, busy)
            } else {
                classify(copy, busy)
            };
            job.answer(Err(store_error));
        }
    }

    fn rollback(&self) {
        if !self.conn.is_autocommit()
            && let Err(error) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::error!(%error, "SQLite could not roll back a failed transaction");
        }
    }

    /// Deletes every dead record, `purge_batch` per transaction, committing the writes
    /// that queue up in between.
    fn purge(&mut self) -> Result<u64, StoreError> {
        let mut deleted = 0;
        loop {
            let batch = self.purge_batch()?;
            deleted += batch;
            if batch < self.setup.purge_batch as u64 {
                tracing::debug!(deleted, "purged expired records");
                return Ok(deleted);
            }
            let waiting = self.drain(None);
            if !waiting.is_empty() {
                self.commit_group(waiting);
            }
        }
    }

    fn purge_batch(&mut self) -> Result<u64, StoreError> {
        let busy = self.setup.busy_timeout;
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|error| from_sqlite(error, busy))?;
        let deleted = ops::purge_batch(&self.conn, &self.setup.sql, self.setup.purge_batch)
            .map_err(|failure: Failure| failure.into_store(busy));
        let deleted = match deleted {
            Ok(deleted) => deleted,
            Err(error) => {
                self.rollback();
                return Err(error);
            }
        };
        if let Err(error) = self.conn.execute_batch("COMMIT") {
            self.rollback();
            return Err(from_sqlite(error, busy));
        }
        self.setup
            .counters
            .purge_transactions
            .fetch_add(1, Ordering::Relaxed);
        Ok(deleted)
    }

    fn background_purge(&mut self) {
        if let Err(error) = self.purge() {
            tracing::warn!(%error, "background purge failed; it runs again next interval");
        }
        self.next_purge = self
            .setup
            .purge_interval
            .map(|every| Instant::now() + every);
    }
}
