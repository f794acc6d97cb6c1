//! The Redis store against bare `EVALSHA` round trips over the same connection.

mod raw;
mod scripts;

use std::sync::Arc;

use idempotency_store_redis::RedisStore;
use redis::aio::ConnectionManager;

use crate::cli::StoreKind;
use crate::report::{Row, Variant};
use crate::session::{Contender, ServerProbe, ServerTime, Session};
use crate::store_target::StoreTarget;
use crate::target::{BenchError, describe};
use crate::url::redact;

use self::raw::RawScripts;
use self::scripts::StoreScripts;

/// Keys deleted per `UNLINK` while cleaning up.
const UNLINK_BATCH: usize = 1000;

/// The store and the raw scripts, sharing the store's `ConnectionManager`, each under a
/// key prefix of this run.
#[derive(Debug)]
pub(crate) struct RedisBench {
    manager: ConnectionManager,
    store: Arc<StoreTarget>,
    raw: Arc<RawScripts>,
    scripts: Arc<StoreScripts>,
    patterns: Vec<String>,
}

impl RedisBench {
    /// Connects the store under the prefix `bench-<run>` and loads the raw scripts.
    pub(crate) async fn open(session: &Session, url: &str) -> Result<Self, BenchError> {
        let unreachable = |error: &(dyn std::error::Error + 'static)| {
            format!(
                "redis at {} is unreachable: {}. Start Redis, pass --redis-url (or set \
                 REDIS_URL), or leave redis out of --stores",
                redact(url),
                describe(error)
            )
        };
        let prefix = format!("bench-{}", session.run);
        let store = RedisStore::builder()
            .key_prefix(prefix.clone())
            .connect(url)
            .await
            .map_err(|error| unreachable(&error))?;
        let manager = store
            .connection_manager()
            .ok_or("redis: the store was not built on a ConnectionManager")?;
        let raw = RawScripts::new(manager.clone(), format!("{prefix}-raw"), &session.fixture)
            .await
            .map_err(|error| unreachable(&*error))?;
        let scripts = StoreScripts::new(manager.clone(), format!("{prefix}-lua"), &session.fixture);
        Ok(Self {
            manager,
            patterns: vec![
                store.key_pattern(),
                raw.key_pattern(),
                scripts.key_pattern(),
            ],
            scripts: Arc::new(scripts),
            store: Arc::new(StoreTarget::new(Arc::new(store), session.fixture.clone())),
            raw: Arc::new(raw),
        })
    }

    /// Each workload on the raw scripts, then on the store.
    pub(crate) async fn run(&self, session: &Session) -> Result<Vec<Row>, BenchError> {
        let probe = self.probe();
        let contenders = [
            Contender::new(Variant::Raw, Arc::clone(&self.raw)).with_probe(Arc::clone(&probe)),
            Contender::new(Variant::StoreScripts, Arc::clone(&self.scripts))
                .with_probe(Arc::clone(&probe)),
            Contender::new(Variant::Store, Arc::clone(&self.store)).with_probe(probe),
        ];
        let mut rows = Vec::new();
        for &workload in &session.workloads {
            rows.extend(
                session
                    .compare(StoreKind::Redis, workload, &contenders)
                    .await?,
            );
        }
        Ok(rows)
    }

    /// Reads the server's time spent in `EVALSHA` (scripts included) and its call count
    /// from `INFO commandstats`. Other clients' calls count too; on a quiet server they
    /// are few.
    fn probe(&self) -> ServerProbe {
        let manager = self.manager.clone();
        Arc::new(move || {
            let mut connection = manager.clone();
            Box::pin(async move {
                let info: String = redis::cmd("INFO")
                    .arg("commandstats")
                    .query_async(&mut connection)
                    .await?;
                Ok(evalsha_time(&info))
            })
        })
    }

    /// Deletes every key of this run's prefixes (and nothing else).
    pub(crate) async fn close(&self) {
        for pattern in &self.patterns {
            if let Err(error) = self.delete_matching(pattern).await {
                eprintln!(
                    "warning: redis: could not delete keys matching {pattern}: {}",
                    describe(&*error)
                );
            }
        }
    }

    async fn delete_matching(&self, pattern: &str) -> Result<(), BenchError> {
        let mut connection = self.manager.clone();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(UNLINK_BATCH)
                .query_async(&mut connection)
                .await?;
            for chunk in keys.chunks(UNLINK_BATCH) {
                let _: i64 = redis::cmd("UNLINK")
                    .arg(chunk)
                    .query_async(&mut connection)
                    .await?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }
}

/// The `cmdstat_evalsha` line's `usec` and `calls`; zero when there is none yet.
fn evalsha_time(info: &str) -> ServerTime {
    let Some(line) = info
        .lines()
        .find_map(|line| line.strip_prefix("cmdstat_evalsha:"))
    else {
        return ServerTime::default();
    };
    let field = |name: &str| {
        line.split(',')
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0)
    };
    ServerTime {
        micros: field("usec"),
        calls: field("calls"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evalsha_time_is_read_from_commandstats() {
        let info = "# Commandstats\r\ncmdstat_get:calls=3,usec=9,usec_per_call=3.00\r\n\
                    cmdstat_evalsha:calls=20,usec=110,usec_per_call=5.50,rejected_calls=0\r\n";
        let time = evalsha_time(info);
        assert_eq!((time.micros, time.calls), (110, 20));
        assert_eq!(evalsha_time("# Commandstats\r\n").calls, 0);
    }
}
