//! Two OS processes race on one file: every key is acquired exactly once between them.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use idempotency_store::{ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId};
use idempotency_store_sqlite::SqliteStore;

use common::{begin_child, lines_of, runtime, say, spawn_child};

const DB_VAR: &str = "SQLITE_STORE_RACE_DB";
const PROCESSES: usize = 2;
const TASKS: usize = 8;
const KEYS: usize = 500;
/// How far ahead the parent sets the moment both children start claiming at once.
const START_DELAY_MS: u64 = 300;

fn unix_millis() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is past 1970");
    since.as_millis() as u64
}

#[test]
fn two_processes_acquire_each_key_exactly_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("race.db");
    let mut children: Vec<_> = (0..PROCESSES)
        .map(|_| spawn_child("race_child", DB_VAR, &path))
        .collect();
    let mut outputs: Vec<_> = children.iter_mut().map(lines_of).collect();
    for lines in &mut outputs {
        let ready = lines.find(|line| line.as_ref().is_ok_and(|line| line == "READY"));
        assert!(ready.is_some(), "a child ended before opening the store");
    }

    let start = unix_millis() + START_DELAY_MS;
    for child in &mut children {
        let stdin = child.stdin.as_mut().expect("the child's stdin is piped");
        writeln!(stdin, "GO {start}").expect("the child hears the start");
    }
    let reports: Vec<Vec<String>> = std::thread::scope(|scope| {
        let readers: Vec<_> = outputs
            .into_iter()
            .map(|lines| scope.spawn(|| lines.map_while(Result::ok).collect()))
            .collect();
        readers
            .into_iter()
            .map(|reader| reader.join().expect("a reader thread"))
            .collect()
    });
    for child in &mut children {
        let status = child.wait().expect("the child is reaped");
        assert!(status.success(), "a racing child failed: {status:?}");
    }

    let mut winners: HashMap<String, Vec<usize>> = HashMap::new();
    for (process, report) in reports.iter().enumerate() {
        let mut outcomes = 0;
        for line in report {
            assert!(!line.starts_with("ERR"), "process {process}: {line}");
            if let Some(key) = line.strip_prefix("ACQUIRED ") {
                winners.entry(key.to_owned()).or_default().push(process);
                outcomes += 1;
            } else if line.starts_with("IN_FLIGHT ") {
                outcomes += 1;
            }
        }
        assert_eq!(
            outcomes,
            TASKS * KEYS,
            "process {process} reports every claim"
        );
    }
    for key in 0..KEYS {
        let won_by = winners.get(&format!("key-{key}"));
        assert_eq!(
            won_by.map(Vec::len),
            Some(1),
            "key-{key} acquired by {won_by:?}"
        );
    }
    let first = winners.values().filter(|won| won[0] == 0).count();
    eprintln!("process 0 won {first} keys, process 1 won {}", KEYS - first);
}

#[test]
#[ignore = "the child half of two_processes_acquire_each_key_exactly_once, which runs it"]
fn race_child() {
    let path = std::env::var_os(DB_VAR)
        .expect("two_processes_acquire_each_key_exactly_once runs this with SQLITE_STORE_RACE_DB");
    begin_child(Duration::from_secs(60));
    runtime().block_on(async move {
        let store = SqliteStore::open(&path)
            .await
            .expect("the child opens the file");
        say("READY");
        let mut go = String::new();
        std::io::stdin()
            .read_line(&mut go)
            .expect("the parent says go");
        let start: u64 = go
            .trim()
            .strip_prefix("GO ")
            .and_then(|start| start.parse().ok())
            .expect("the parent names the start time");
        let wait = start.saturating_sub(unix_millis());
        tokio::time::sleep(Duration::from_millis(wait)).await;

        let racers: Vec<_> = (0..TASKS)
            .map(|_| tokio::spawn(claim_every_key(store.clone())))
            .collect();
        for racer in racers {
            racer.await.expect("a racer finishes");
        }
    });
}

/// Claims every key in the same order as every other task, in both processes, so each key
/// is contended by all of them at about the same moment.
async fn claim_every_key(store: SqliteStore) {
    let print = Fingerprint::new(*b"race").expect("fingerprint");
    let lease = Lease::new(Duration::from_secs(600)).expect("lease");
    for key in 0..KEYS {
        let key = format!("key-{key}");
        let id = RecordId::new("two processes", key.as_str()).expect("a valid id");
        match store.claim(&id, &print, lease).await {
            Ok(ClaimOutcome::Acquired(_)) => say(&format!("ACQUIRED {key}")),
            Ok(ClaimOutcome::InFlight { .. }) => say(&format!("IN_FLIGHT {key}")),
            other => say(&format!("ERR claim of {key}: {other:?}")),
        }
    }
}
