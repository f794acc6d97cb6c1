//! The three ways a store reaches Redis, behind one `run` that invokes a script.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ErrorKind, Script, ServerErrorKind, Value};

use idempotency_store::StoreError;

use crate::error;
use crate::scripts::SCRIPTS;

/// How a store sends its scripts. Cloning shares the underlying connection or pool.
#[derive(Clone)]
pub(crate) enum Connection {
    /// One multiplexed connection that reconnects by itself, shared by every clone.
    Manager(ConnectionManager),
    /// A deadpool-redis pool the application already runs.
    Pool(deadpool_redis::Pool),
    /// A Redis Cluster connection that follows slots across the masters.
    Cluster(ClusterConnection),
}

impl Connection {
    /// What kind of connection this is, for `Debug`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Manager(_) => "ConnectionManager",
            Self::Pool(_) => "deadpool-redis Pool",
            Self::Cluster(_) => "ClusterConnection",
        }
    }

    /// Sends `call`, an `EVALSHA` of `script` (see [`scripts::call`](crate::scripts::call)),
    /// loading the script and sending `call` again when the server answers `NOSCRIPT`.
    /// `timeout` is what a client-side timeout is reported as.
    pub(crate) async fn run(
        &self,
        script: &Script,
        call: &Cmd,
        timeout: Duration,
    ) -> Result<Value, StoreError> {
        // The pool's and the cluster client's futures are over 13 KB; boxing them keeps the
        // future of every store call (which async_trait boxes, moving it) near 1 KB.
        let result = match self {
            Self::Manager(manager) => invoke(&mut manager.clone(), script, call).await,
            Self::Pool(pool) => {
                let mut connection = Box::pin(pool.get())
                    .await
                    .map_err(|e| error::from_pool(e, timeout))?;
                Box::pin(invoke(&mut connection, script, call)).await
            }
            Self::Cluster(cluster) => Box::pin(invoke(&mut cluster.clone(), script, call)).await,
        };
        result.map_err(|e| error::from_redis(e, timeout))
    }

    /// Loads every script into the script cache (of every master, on a cluster), so the
    /// first calls need no `NOSCRIPT` round trip.
    pub(crate) async fn load_scripts(&self, timeout: Duration) -> Result<(), StoreError> {
        let result = match self {
            Self::Manager(manager) => load(&mut manager.clone()).await,
            Self::Pool(pool) => {
                let mut connection = pool.get().await.map_err(|e| error::from_pool(e, timeout))?;
                load(&mut connection).await
            }
            Self::Cluster(cluster) => load(&mut cluster.clone()).await,
        };
        result.map_err(|e| error::from_redis(e, timeout))
    }
}

async fn invoke<C: ConnectionLike>(
    connection: &mut C,
    script: &Script,
    call: &Cmd,
) -> redis::RedisResult<Value> {
    match call.query_async(connection).await {
        Err(error) if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
            script.load_async(connection).await?;
            call.query_async(connection).await
        }
        result => result,
    }
}

async fn load<C: ConnectionLike>(connection: &mut C) -> redis::RedisResult<()> {
    for script in SCRIPTS.all() {
        script.load_async(connection).await?;
    }
    Ok(())
}
