//! Two demo processes sharing one Postgres, then one Redis store: still one handler run.

use crate::concurrency::{assert_ran_once, race};
use crate::server::{Server, unique};
use crate::services::{PgTable, RedisPrefix, postgres_url, redis_url};

#[tokio::test]
async fn two_servers_on_one_postgres_run_the_handler_once() {
    let table = PgTable {
        url: postgres_url().await,
        name: unique("demo_pg"),
    };
    let store = format!("{}?table={}", table.url, table.name);
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Server::start(dir.path(), Some(&store)).await;
    let second = Server::start(dir.path(), Some(&store)).await;
    let key = unique("race");

    let replies = race(&[&first, &second], &key).await;

    assert_ran_once(&[&first, &second], &key, &replies).await;
}

#[tokio::test]
async fn two_servers_on_one_redis_run_the_handler_once() {
    let prefix = RedisPrefix {
        url: redis_url().await,
        prefix: unique("demo-redis"),
    };
    let store = format!("{}?prefix={}", prefix.url, prefix.prefix);
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Server::start(dir.path(), Some(&store)).await;
    let second = Server::start(dir.path(), Some(&store)).await;
    let key = unique("race");

    let replies = race(&[&first, &second], &key).await;

    assert_ran_once(&[&first, &second], &key, &replies).await;
}
