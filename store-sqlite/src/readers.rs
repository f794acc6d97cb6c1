//! The reader threads: lookups on connections of their own, so they never queue behind
//! the writer. In WAL mode a reader sees the last committed state while a write is under
//! way.

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use idempotency_store::StoreError;
use rusqlite::Connection;

use crate::config::Location;
use crate::job::{Job, Op, misrouted};
use crate::schema::{self, Sql};
use crate::writer::Ready;

/// Starts `count` reader threads sharing one queue of lookups. Each opens its connection
/// and says so on its [`Ready`].
pub(crate) fn spawn(
    count: usize,
    location: &Location,
    sql: &Arc<Sql>,
    busy_timeout: Duration,
) -> Result<(mpsc::Sender<Job>, Vec<Ready>), StoreError> {
    let (jobs, queue) = mpsc::channel();
    let queue = Arc::new(Mutex::new(queue));
    let mut readies = Vec::with_capacity(count);
    for index in 0..count {
        let (ready, opened) = tokio::sync::oneshot::channel();
        let (queue, location, sql) = (Arc::clone(&queue), location.clone(), Arc::clone(sql));
        thread::Builder::new()
            .name(format!("sqlite-reader-{index}"))
            .spawn(move || match schema::open_reader(&location, busy_timeout) {
                Ok(conn) => {
                    let _ = ready.send(Ok(()));
                    serve(&conn, &queue, &sql, busy_timeout);
                }
                Err(failure) => {
                    let _ = ready.send(Err(failure.into_store(busy_timeout)));
                }
            })
            .map_err(StoreError::backend)?;
        readies.push(opened);
    }
    Ok((jobs, readies))
}

fn serve(conn: &Connection, queue: &Mutex<Receiver<Job>>, sql: &Sql, busy_timeout: Duration) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else {
            return;
        };
        let result = match job.op {
            Op::Lookup { .. } => job
                .run(conn, sql)
                .map_err(|failure| failure.into_store(busy_timeout)),
            _ => Err(misrouted()),
        };
        job.answer(result);
    }
}
