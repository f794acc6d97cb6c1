//! What the async side hands to the store's threads, and how each caller gets its answer.

use idempotency_store::{
    ClaimOutcome, Fingerprint, Lease, LeaseToken, Record, RecordId, Retention, StoreError,
};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::Failure;
use crate::ops;
use crate::schema::Sql;

/// One operation of the contract, with everything it needs to run on a thread.
#[derive(Debug)]
pub(crate) enum Op {
    Claim {
        id: RecordId,
        fingerprint: Fingerprint,
        lease: Lease,
    },
    Complete {
        id: RecordId,
        token: LeaseToken,
        response: Vec<u8>,
        retention: Retention,
    },
    Release {
        id: RecordId,
        token: LeaseToken,
    },
    Renew {
        id: RecordId,
        token: LeaseToken,
        lease: Lease,
    },
    Lookup {
        id: RecordId,
    },
    Purge,
}

/// What an operation returns on success.
#[derive(Debug)]
pub(crate) enum Answer {
    Claimed(ClaimOutcome),
    Done,
    Found(Option<Record>),
    Purged(u64),
}

/// An operation and the channel its caller waits on.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) op: Op,
    reply: oneshot::Sender<Result<Answer, StoreError>>,
}

impl Job {
    /// A job for `op` and the receiver its answer arrives on.
    pub(crate) fn new(op: Op) -> (Self, oneshot::Receiver<Result<Answer, StoreError>>) {
        let (reply, answer) = oneshot::channel();
        (Self { op, reply }, answer)
    }

    /// Sends the answer; a caller that stopped waiting is not an error.
    pub(crate) fn answer(self, result: Result<Answer, StoreError>) {
        let _ = self.reply.send(result);
    }

    /// Runs every operation but [`Op::Purge`], which the writer runs in batches of its own.
    pub(crate) fn run(&self, conn: &Connection, sql: &Sql) -> Result<Answer, Failure> {
        match &self.op {
            Op::Claim {
                id,
                fingerprint,
                lease,
            } => ops::claim(conn, sql, id, fingerprint, *lease).map(Answer::Claimed),
            Op::Complete {
                id,
                token,
                response,
                retention,
            } => ops::complete(conn, sql, id, token, response, *retention).map(|()| Answer::Done),
            Op::Release { id, token } => ops::release(conn, sql, id, token).map(|()| Answer::Done),
            Op::Renew { id, token, lease } => {
                ops::renew(conn, sql, id, token, *lease).map(|()| Answer::Done)
            }
            Op::Lookup { id } => ops::lookup(conn, sql, id).map(Answer::Found),
            Op::Purge => Err(misrouted().into()),
        }
    }
}

/// The error for an answer or an operation that reached the wrong place: a bug, not
/// something a caller can cause.
pub(crate) fn misrouted() -> StoreError {
    StoreError::backend("the SQLite store routed an operation to the wrong thread")
}

/// The error when the store's threads are gone (they stop only if a thread panicked).
pub(crate) fn stopped() -> StoreError {
    StoreError::unavailable("the SQLite store's threads have stopped")
}
