//! The raw limit of SQLite: the store's statements group-committed by one bare thread.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::sqlite::statements::{self, Binds};
use crate::target::{BenchError, Claimed, Target};

/// The most operations one transaction takes, as the store's default.
const MAX_BATCH: usize = 512;

enum Op {
    Claim(String),
    Complete(String, u64),
}

enum Answer {
    Claimed(Claimed<u64>),
    Done,
}

struct Job {
    op: Op,
    reply: oneshot::Sender<Result<Answer, BenchError>>,
}

/// A writer thread that runs every waiting claim and complete in one `BEGIN IMMEDIATE ...
/// COMMIT` and nothing else: no validation, no encoding, no random tokens, no readers.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    jobs: Sender<Job>,
    counters: Arc<Counters>,
}

/// Transactions committed and the operations in them, as the store's `WriteStats`.
#[derive(Debug, Default)]
struct Counters {
    transactions: AtomicU64,
    operations: AtomicU64,
}

impl GroupCommit {
    /// Opens `path` and starts the writer; it stops when the target is dropped.
    pub(crate) fn start(path: &Path, binds: Arc<Binds>) -> Result<Self, BenchError> {
        let conn = statements::open(path)?;
        let (jobs, queue) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let shared = Arc::clone(&counters);
        thread::Builder::new()
            .name("bench-sqlite-raw".to_owned())
            .spawn(move || serve(&conn, &binds, &queue, &shared))?;
        Ok(Self { jobs, counters })
    }

    /// Transactions committed and operations in them so far.
    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.counters.transactions.load(Ordering::Relaxed),
            self.counters.operations.load(Ordering::Relaxed),
        )
    }

    async fn send(&self, op: Op) -> Result<Answer, BenchError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { op, reply })
            .map_err(|_| "the raw SQLite writer stopped")?;
        answer
            .await
            .map_err(|_| "the raw SQLite writer dropped a job")?
    }
}

impl Target for GroupCommit {
    type Token = u64;

    async fn claim(&self, key: &str) -> Result<Claimed<u64>, BenchError> {
        match self.send(Op::Claim(key.to_owned())).await? {
            Answer::Claimed(claimed) => Ok(claimed),
            Answer::Done => Err("the raw SQLite writer answered a claim with Done".into()),
        }
    }

    async fn complete(&self, key: &str, token: u64) -> Result<(), BenchError> {
        match self.send(Op::Complete(key.to_owned(), token)).await? {
            Answer::Done => Ok(()),
            Answer::Claimed(_) => Err("the raw SQLite writer answered a complete".into()),
        }
    }
}

fn serve(conn: &Connection, binds: &Binds, queue: &Receiver<Job>, counters: &Counters) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let operations = group.len() as u64;
        if commit_group(conn, binds, group) {
            counters.transactions.fetch_add(1, Ordering::Relaxed);
            counters.operations.fetch_add(operations, Ordering::Relaxed);
        }
    }
}

/// Runs `group` in one transaction; says whether it committed.
fn commit_group(conn: &Connection, binds: &Binds, group: Vec<Job>) -> bool {
    if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
        fail_all(group, &error);
        return false;
    }
    let ran: Vec<_> = group
        .into_iter()
        .map(|job| {
            let result = match &job.op {
                Op::Claim(key) => binds.claim(conn, key).map(Answer::Claimed),
                Op::Complete(key, token) => {
                    binds.complete(conn, key, *token).map(|()| Answer::Done)
                }
            };
            (job, result)
        })
        .collect();
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for (job, result) in ran {
                let _ = job.reply.send(result);
            }
            true
        }
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            fail_all(ran.into_iter().map(|(job, _)| job), &error);
            false
        }
    }
}

fn fail_all(jobs: impl IntoIterator<Item = Job>, error: &rusqlite::Error) {
    for job in jobs {
        let _ = job
            .reply
            .send(Err(format!("raw SQLite transaction failed: {error}").into()));
    }
}
