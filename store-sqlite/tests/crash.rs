//! Durability: a child process claims and completes keys and prints each acknowledged one;
//! it is killed with SIGKILL mid-run, and every key it acknowledged must be completed with
//! its exact response when the file is reopened.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, RecordState, Retention,
    SavedResponse,
};
use idempotency_store_sqlite::SqliteStore;

use common::{begin_child, lines_of, runtime, say, spawn_child};

const DB_VAR: &str = "SQLITE_STORE_CRASH_DB";
const WORKERS: usize = 16;
const ACKS_BEFORE_KILL: usize = 1500;

fn id(key: &str) -> RecordId {
    RecordId::new("crash test", key).expect("a valid id")
}

/// A response that only `key` has: its own header and body, every byte value included.
fn response_for(key: &str) -> SavedResponse {
    SavedResponse::new(201)
        .with_header("x-key", key)
        .with_header("set-cookie", "a=1")
        .with_header("set-cookie", vec![0x00, 0xff, b'b'])
        .with_body(key.bytes().chain(0..=255).collect::<Vec<u8>>())
}

#[test]
fn acknowledged_completes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("crash.db");
    let mut child = spawn_child("crash_child", DB_VAR, &path);
    let mut lines = lines_of(&mut child);
    let mut acknowledged = Vec::new();

    while acknowledged.len() < ACKS_BEFORE_KILL {
        let line = match lines.next() {
            Some(line) => line.expect("the child's output is readable"),
            None => panic!("the child ended after {} acks", acknowledged.len()),
        };
        if let Some(key) = line.strip_prefix("ACK ") {
            acknowledged.push(key.to_owned());
        }
        assert!(!line.starts_with("ERR"), "the child failed: {line}");
    }
    child.kill().expect("SIGKILL reaches the child");
    let status = child.wait().expect("the child is reaped");
    acknowledged.extend(
        lines
            .map_while(Result::ok)
            .filter_map(|line| line.strip_prefix("ACK ").map(str::to_owned)),
    );

    assert_eq!(
        status.signal(),
        Some(9),
        "killed mid-run, not ended: {status:?}"
    );
    runtime().block_on(async {
        let store = SqliteStore::open(&path).await.expect("the file reopens");
        for key in &acknowledged {
            let record = store.lookup(&id(key)).await.expect("lookup succeeds");
            match record.map(|record| record.state) {
                Some(RecordState::Completed { response, .. }) => {
                    assert!(response == response_for(key), "{key} has another response");
                }
                other => panic!("acknowledged key {key} is not completed: {other:?}"),
            }
        }
    });
    let conn = rusqlite::Connection::open(&path).expect("the file opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("the integrity check runs");
    assert_eq!(check, "ok");
    eprintln!(
        "{} acknowledged completes survived SIGKILL",
        acknowledged.len()
    );
}

#[test]
#[ignore = "the child half of acknowledged_completes_survive_sigkill, which runs it"]
fn crash_child() {
    let path = std::env::var_os(DB_VAR)
        .expect("acknowledged_completes_survive_sigkill runs this with SQLITE_STORE_CRASH_DB");
    begin_child(Duration::from_secs(60));
    runtime().block_on(async move {
        let store = SqliteStore::open(&path)
            .await
            .expect("the child opens the file");
        let workers: Vec<_> = (0..WORKERS)
            .map(|worker| tokio::spawn(claim_and_complete_forever(store.clone(), worker)))
            .collect();
        for worker in workers {
            worker
                .await
                .expect("a worker runs until the process is killed");
        }
    });
}

async fn claim_and_complete_forever(store: SqliteStore, worker: usize) {
    let print = Fingerprint::new(*b"crash").expect("fingerprint");
    let lease = Lease::new(Duration::from_secs(600)).expect("lease");
    let retention = Retention::new(Duration::from_secs(3600)).expect("retention");
    for round in 0_u64.. {
        let key = format!("w{worker}-r{round}");
        let id = id(&key);
        let token = match store.claim(&id, &print, lease).await {
            Ok(ClaimOutcome::Acquired(token)) => token,
            other => {
                say(&format!("ERR claim of {key}: {other:?}"));
                std::process::exit(2);
            }
        };
        if let Err(error) = store
            .complete(&id, &token, &response_for(&key), retention)
            .await
        {
            say(&format!("ERR complete of {key}: {error:?}"));
            std::process::exit(2);
        }
        say(&format!("ACK {key}"));
    }
}
