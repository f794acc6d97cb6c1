//! Private `redis-server` processes on free loopback ports, and a 3-master cluster made of
//! them. Each server runs under a small shell watchdog that kills it and removes its
//! directory when the test process goes away, however it ends. Each test binary uses a part
//! of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REDIS_SERVER: &str = "/usr/bin/redis-server";
const REDIS_CLI: &str = "/usr/bin/redis-cli";

/// Starts the server in the background, prints its pid, and waits for the test process
/// (`$PPID`) to go away; then kills the server and removes its directory.
const WATCHDOG: &str = r#"dir="$1"; shift
"$@" >/dev/null 2>&1 &
pid=$!
echo "$pid"
while kill -0 "$PPID" 2>/dev/null; do sleep 0.5; done
kill -9 "$pid" 2>/dev/null
rm -rf "$dir""#;

/// A port on 127.0.0.1 that nothing listened on a moment ago.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// One `redis-server` process started by the tests, killed on drop.
#[derive(Debug)]
pub(crate) struct RedisProcess {
    port: u16,
    pid: Option<String>,
    watchdog: Child,
    dir: PathBuf,
}

impl RedisProcess {
    /// Starts a server without persistence on `port`, with extra config `arguments`, and
    /// waits until it answers PING.
    pub(crate) fn start(port: u16, arguments: &[String]) -> Self {
        assert!(
            std::path::Path::new(REDIS_SERVER).exists(),
            "these tests start their own servers from {REDIS_SERVER}: install Redis \
             (e.g. `apt-get install redis-server`)"
        );
        let dir = tempfile::Builder::new()
            .prefix("idem-redis-")
            .tempdir()
            .expect("a temporary directory for redis-server")
            .keep();
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("watchdog")
            .arg(&dir)
            .arg(REDIS_SERVER)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(dir.join("redis.log"))
            .args(arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut watchdog = command
            .spawn()
            .expect("sh starts the redis-server watchdog");
        let mut line = String::new();
        if let Some(stdout) = watchdog.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .expect("the watchdog prints the server's pid");
        }
        let process = Self {
            port,
            pid: Some(line.trim().to_owned()).filter(|pid| !pid.is_empty()),
            watchdog,
            dir,
        };
        process.wait_until_it_answers();
        process
    }

    /// The server's port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The server's URL.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Sends a signal (`KILL`, `STOP`, `CONT`) to the server.
    pub(crate) fn signal(&self, signal: &str) {
        let Some(pid) = &self.pid else { return };
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid)
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {pid} failed");
    }

    /// Kills the server at once (SIGKILL, as a crash would) and waits until its port is
    /// closed.
    pub(crate) fn kill(&mut self) {
        if self.pid.is_some() {
            self.signal("KILL");
            self.pid = None;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "redis-server did not die");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_until_it_answers(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match ping(&self.url()) {
                Ok(()) => return,
                Err(error) if Instant::now() > deadline => {
                    let log =
                        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
                    panic!(
                        "redis-server on {} never answered: {error}\n{log}",
                        self.port
                    );
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        if let Some(pid) = self.pid.take() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ping(url: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut connection = client.get_connection_with_timeout(Duration::from_secs(1))?;
    redis::cmd("PING").query::<String>(&mut connection)?;
    Ok(())
}

/// A Redis Cluster of masters without replicas, from private servers.
#[derive(Debug)]
pub(crate) struct Cluster {
    masters: Vec<RedisProcess>,
}

impl Cluster {
    /// Starts `masters` cluster-enabled servers, joins them with `redis-cli --cluster
    /// create`, and waits until every node reports `cluster_state:ok`.
    pub(crate) fn start(masters: usize) -> Self {
        let masters: Vec<RedisProcess> = (0..masters)
            .map(|_| {
                let bus = free_port().to_string();
                let arguments = [
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-port",
                    &bus,
                    "--cluster-node-timeout",
                    "5000",
                ];
                let arguments: Vec<String> = arguments.iter().map(|a| (*a).to_owned()).collect();
                RedisProcess::start(free_port(), &arguments)
            })
            .collect();
        let cluster = Self { masters };
        cluster.create();
        cluster.wait_until_ok();
        cluster
    }

    /// The URLs of the masters.
    pub(crate) fn urls(&self) -> Vec<String> {
        self.masters.iter().map(RedisProcess::url).collect()
    }

    fn create(&self) {
        let addresses: Vec<String> = self
            .masters
            .iter()
            .map(|m| format!("127.0.0.1:{}", m.port()))
            .collect();
        let output = Command::new(REDIS_CLI)
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli runs");
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for url in self.urls() {
            loop {
                let info: String = redis::Client::open(url.as_str())
                    .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
                    .and_then(|mut connection| {
                        redis::cmd("CLUSTER").arg("INFO").query(&mut connection)
                    })
                    .unwrap_or_default();
                if info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384") {
                    break;
                }
                assert!(Instant::now() < deadline, "cluster never became ok: {info}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
