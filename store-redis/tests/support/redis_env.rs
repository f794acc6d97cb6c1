//! Finding the shared Redis the standalone tests run against.

use std::sync::OnceLock;
use std::time::Duration;

const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

const HOW_TO_PROVIDE: &str = "set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379), start one \
     with `redis-server --save '' --appendonly no`, or make a Docker engine available so the \
     tests can start a container";

/// The URL of the Redis the tests use: `REDIS_URL`, else the default when it answers, else
/// a testcontainers Redis when a Docker engine answers. Panics with how to provide one.
pub(crate) fn redis_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("REDIS_URL") {
            if let Err(error) = ping(&url) {
                panic!("REDIS_URL does not answer PING ({error}); {HOW_TO_PROVIDE}");
            }
            return url;
        }
        if ping(DEFAULT_URL).is_ok() {
            return DEFAULT_URL.to_owned();
        }
        match start_container() {
            Ok(url) => url,
            Err(error) => panic!(
                "no Redis at {DEFAULT_URL} and no container could be started ({error}); \
                 {HOW_TO_PROVIDE}"
            ),
        }
    })
}

/// Sends PING over a fresh connection.
pub(crate) fn ping(url: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut connection = client.get_connection_with_timeout(Duration::from_secs(2))?;
    redis::cmd("PING").query::<String>(&mut connection)?;
    Ok(())
}

/// Starts a Redis container on a thread that keeps it until the test process ends.
fn start_container() -> Result<String, String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                let _ = sender.send(Err(error.to_string()));
                return;
            }
        };
        runtime.block_on(async move {
            use testcontainers::runners::AsyncRunner;
            use testcontainers_modules::redis::{REDIS_PORT, Redis};

            let container = match Redis::default().start().await {
                Ok(container) => container,
                Err(error) => {
                    let _ = sender.send(Err(error.to_string()));
                    return;
                }
            };
            let url = match container.get_host_port_ipv4(REDIS_PORT).await {
                Ok(port) => Ok(format!("redis://127.0.0.1:{port}")),
                Err(error) => Err(error.to_string()),
            };
            let _ = sender.send(url);
            std::future::pending::<()>().await;
            drop(container);
        });
    });
    receiver
        .recv_timeout(Duration::from_secs(120))
        .map_err(|error| error.to_string())?
}
