//! Postgres and Redis for the shared-store tests: found through the environment, checked
//! before use, and cleaned up afterwards (even when a test fails).

use std::time::Duration;

use redis::AsyncCommands;
use sqlx::Connection;

pub(crate) const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub(crate) const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Postgres: `DATABASE_URL`, or the default; panics with a how-to when it is unreachable.
pub(crate) async fn postgres_url() -> String {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let connected =
        tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect(&url));
    match connected.await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            url
        }
        Ok(Err(error)) => panic!("{}", postgres_help(&error.to_string())),
        Err(_) => panic!("{}", postgres_help("no answer within 10 s")),
    }
}

fn postgres_help(why: &str) -> String {
    format!(
        "Postgres is unreachable ({why}). These tests need one: start it with \
         `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test \
         postgres:17` or point DATABASE_URL at yours (default {DEFAULT_DATABASE_URL})."
    )
}

/// Redis: `REDIS_URL`, or the default; panics with a how-to when it is unreachable.
pub(crate) async fn redis_url() -> String {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned());
    let ping = async {
        let client = redis::Client::open(url.as_str())?;
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
    };
    match tokio::time::timeout(Duration::from_secs(10), ping).await {
        Ok(Ok(_)) => url,
        Ok(Err(error)) => panic!("{}", redis_help(&error.to_string())),
        Err(_) => panic!("{}", redis_help("no answer within 10 s")),
    }
}

fn redis_help(why: &str) -> String {
    format!(
        "Redis is unreachable ({why}). These tests need one: start it with \
         `docker run -d -p 6379:6379 redis:7` or point REDIS_URL at yours \
         (default {DEFAULT_REDIS_URL})."
    )
}

/// A Postgres table (and its `_schema` companion) of this run only, dropped on drop.
pub(crate) struct PgTable {
    pub(crate) url: String,
    pub(crate) name: String,
}

impl Drop for PgTable {
    fn drop(&mut self) {
        let url = self.url.clone();
        let name = self.name.clone();
        run_blocking(async move {
            let mut connection = sqlx::PgConnection::connect(&url).await?;
            for table in [name.clone(), format!("{name}_schema")] {
                // The name is this test's own: letters, digits and underscores only.
                let drop = format!("DROP TABLE IF EXISTS public.\"{table}\"");
                sqlx::query(sqlx::AssertSqlSafe(drop))
                    .execute(&mut connection)
                    .await?;
            }
            connection.close().await?;
            Ok::<_, sqlx::Error>(())
        });
    }
}

/// The Redis keys under one prefix of this run only, deleted on drop.
pub(crate) struct RedisPrefix {
    pub(crate) url: String,
    pub(crate) prefix: String,
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        let url = self.url.clone();
        let pattern = format!("{}:*", self.prefix);
        run_blocking(async move {
            let client = redis::Client::open(url.as_str())?;
            let mut connection = client.get_multiplexed_async_connection().await?;
            let keys: Vec<String> = {
                let mut iter = connection.scan_match::<_, String>(&pattern).await?;
                let mut keys = Vec::new();
                while let Some(key) = iter.next_item().await {
                    keys.push(key?);
                }
                keys
            };
            if !keys.is_empty() {
                connection.del::<_, ()>(keys).await?;
            }
            Ok::<_, redis::RedisError>(())
        });
    }
}

/// Runs a cleanup to completion from `Drop`, on a runtime of its own.
fn run_blocking<E: std::fmt::Display>(
    cleanup: impl Future<Output = Result<(), E>> + Send + 'static,
) {
    let outcome = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        runtime.block_on(cleanup).map_err(|error| error.to_string())
    })
    .join();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => eprintln!("cleanup failed: {error}"),
        Err(_) => eprintln!("cleanup panicked"),
    }
}
