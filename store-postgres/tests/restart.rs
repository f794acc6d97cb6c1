//! A database restart: while the server is down calls fail with a typed, retryable error;
//! once it is back the same store serves again, with its records intact.
//!
//! The test never touches the shared server: it runs a private Postgres from the local
//! installation's `initdb` and `pg_ctl` (found under `/usr/lib/postgresql/*/bin`, or in
//! `PG_BIN_DIR`) in a temporary directory on a free port, and stops it at the end.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId, Retention, SavedResponse,
    StoreError,
};
use idempotency_store_postgres::PostgresStore;
use sqlx::postgres::PgPoolOptions;

const HOW_TO: &str = "the restart test runs a private Postgres from the local installation: \
     install the PostgreSQL server binaries (initdb, pg_ctl) or set PG_BIN_DIR to their \
     directory";

fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("bin"))
                .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .unwrap_or_else(|| panic!("no initdb found; {HOW_TO}"))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A private server in a temporary directory; stopped (immediately) when dropped.
struct PrivateServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl PrivateServer {
    fn init() -> Self {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("idem-pg-restart-")
            .tempdir()
            .expect("a temporary directory");
        let as_postgres = running_as_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown of the data directory; {HOW_TO}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let server = Self {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = server.data();
        server.run(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "-N"],
        );
        server
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|error| panic!("{} does not run ({error}); {HOW_TO}", tool));
        assert!(
            output.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self, mode: &str) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let data = self.data();
        let pid_file = Path::new(&data).join("postmaster.pid");
        if pid_file.exists() {
            let program = self.bin.join("pg_ctl");
            let mut command = if self.as_postgres {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(program);
                command
            } else {
                Command::new(program)
            };
            let _ = command
                .args(["-D", &data, "-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_fail_retryably_while_the_database_is_down_and_recover_after() {
    let server = tokio::task::spawn_blocking(|| {
        let server = PrivateServer::init();
        server.start();
        server
    })
    .await
    .expect("the private server starts");
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(2))
        .connect(&server.url())
        .await
        .expect("the private server accepts connections");
    let store = PostgresStore::new(pool);
    store.migrate().await.expect("migrate");
    let print = Fingerprint::new(*b"request").expect("fingerprint");
    let lease = Lease::new(Duration::from_secs(600)).expect("lease");
    let kept = RecordId::new("restart", "kept").expect("id");
    let saved = SavedResponse::new(201).with_body("before the restart");
    let token = match store.claim(&kept, &print, lease).await {
        Ok(ClaimOutcome::Acquired(token)) => token,
        other => panic!("first claim: {other:?}"),
    };
    let retention = Retention::new(Duration::from_secs(600)).expect("retention");
    store
        .complete(&kept, &token, &saved, retention)
        .await
        .expect("complete before the restart");

    let server = tokio::task::spawn_blocking(move || {
        server.stop("fast");
        server
    })
    .await
    .expect("the private server stops");
    let down = store.claim(&kept, &print, lease).await;
    let down_lookup = store.lookup(&kept).await;
    let server = tokio::task::spawn_blocking(move || {
        server.start();
        server
    })
    .await
    .expect("the private server starts again");

    for (what, result) in [
        ("claim", down.map(|_| ())),
        ("lookup", down_lookup.map(|_| ())),
    ] {
        match result {
            Err(error @ StoreError::Unavailable { .. }) => assert!(error.is_retryable()),
            other => panic!("{what} while the database is down: {other:?}"),
        }
    }
    let mut replayed = None;
    for _ in 0..40 {
        match store.claim(&kept, &print, lease).await {
            Ok(outcome) => {
                replayed = Some(outcome);
                break;
            }
            Err(error) => {
                assert!(error.is_retryable(), "after the restart: {error:?}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
    assert_eq!(replayed, Some(ClaimOutcome::Replay(saved)));
    let fresh = RecordId::new("restart", "fresh").expect("id");
    assert!(matches!(
        store.claim(&fresh, &print, lease).await,
        Ok(ClaimOutcome::Acquired(_))
    ));
    drop(store);
    tokio::task::spawn_blocking(move || server.stop("fast"))
        .await
        .expect("the private server stops at the end");
}
