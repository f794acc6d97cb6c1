//! Starting the demo binary and talking to it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// A running demo process; killed when dropped.
pub(crate) struct Server {
    pub(crate) base: String,
    client: Client,
    _child: Child,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Starts the demo on a free port with `--store store`, in `dir`.
    pub(crate) async fn start(dir: &Path, store: Option<&str>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_idempotency-demo"));
        command
            .args(["--port", "0"])
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .env_remove("IDEMPOTENCY_STORE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(store) = store {
            command.args(["--store", store]);
        }
        let mut child = command.spawn().expect("the demo binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stdout = BufReader::new(stdout);

        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(60), stdout.read_line(&mut line))
            .await
            .expect("the demo prints its address within a minute")
            .expect("stdout readable");
        assert!(
            read > 0,
            "the demo exited before listening; see its log above"
        );
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            base,
            client: Client::new(),
            _child: child,
            _stdout: stdout,
        }
    }

    /// A POST to `path`, with an `Idempotency-Key` when `key` is given.
    pub(crate) fn post(&self, path: &str, key: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.client.post(format!("{}{path}", self.base));
        match key {
            Some(key) => request.header("idempotency-key", key),
            None => request,
        }
    }

    /// How many times a handler behind the layer ran in this process.
    pub(crate) async fn runs(&self) -> u64 {
        let reply = send(self.client.get(format!("{}/stats", self.base))).await;
        reply.json()["handler_runs"].as_u64().expect("handler_runs")
    }

    /// Waits (bounded) until the handler count reaches `runs`.
    pub(crate) async fn wait_for_runs(&self, runs: u64) {
        for _ in 0..1_000 {
            if self.runs().await >= runs {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the handler never ran {runs} times");
    }
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn replayed(&self) -> bool {
        self.headers
            .get("idempotent-replayed")
            .is_some_and(|value| value == "true")
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub(crate) fn is_problem(&self) -> bool {
        self.headers
            .get("content-type")
            .is_some_and(|value| value == "application/problem+json")
    }
}

pub(crate) async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the demo answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a whole body").to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// A key no other test or run uses.
pub(crate) fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{name}_{}_{nanos}", std::process::id())
}
