//! What the Postgres tests share: finding a database, a schema of their own per test that
//! is dropped afterwards, and small pools.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use idempotency_store_postgres::{PostgresConfig, PostgresStore};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use testcontainers::runners::AsyncRunner;
use tokio::sync::OnceCell;

/// Used when `DATABASE_URL` is unset.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Connections per store pool. Tests run in parallel and the race cases open four stores,
/// so this keeps a whole run far below a default server's 100 connections.
pub const POOL_SIZE: u32 = 5;

static URL: OnceCell<String> = OnceCell::const_new();

/// The database the tests run against: `DATABASE_URL`, else the local default, else a
/// testcontainers Postgres when a Docker engine answers; otherwise a panic saying how to
/// provide one.
pub async fn database_url() -> String {
    URL.get_or_init(find_database).await.clone()
}

async fn find_database() -> String {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if let Err(error) = reachable(&url).await {
            panic!(
                "DATABASE_URL={url} is unreachable ({error}); start that server or point \
                 DATABASE_URL at a Postgres the tests may create schemas in"
            );
        }
        return url;
    }
    let local = reachable(DEFAULT_URL).await;
    if local.is_ok() {
        return DEFAULT_URL.to_owned();
    }
    match start_container() {
        Ok(url) => url,
        Err(docker) => panic!(
            "no Postgres for the tests: {DEFAULT_URL} is unreachable ({}) and testcontainers \
             could not start one ({docker}). Start a local server (trust auth, database \
             `test`), set DATABASE_URL=postgres://user:password@host:port/database, or make \
             a Docker engine available",
            local.err().unwrap_or_default()
        ),
    }
}

async fn reachable(url: &str) -> Result<(), String> {
    let connect = PgConnection::connect(url);
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}

/// Starts a Postgres container on a thread of its own that keeps it running until the
/// test process exits, and returns its URL.
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
            let image = testcontainers_modules::postgres::Postgres::default();
            let container = match image.start().await {
                Ok(container) => container,
                Err(error) => {
                    let _ = sender.send(Err(error.to_string()));
                    return;
                }
            };
            let port = container.get_host_port_ipv4(5432).await;
            let url = port
                .map(|port| format!("postgres://postgres:postgres@127.0.0.1:{port}/postgres"))
                .map_err(|error| error.to_string());
            let _ = sender.send(url);
            std::future::pending::<()>().await;
            drop(container);
        });
    });
    receiver
        .recv()
        .map_err(|_| "the container thread stopped".to_owned())?
}

/// A random lowercase hex string of `bytes` bytes.
pub fn nonce(bytes: usize) -> String {
    let mut raw = vec![0_u8; bytes];
    getrandom::fill(&mut raw).expect("random bytes");
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small pool whose connections carry `application_name`.
pub async fn pool(url: &str, application_name: &str, size: u32) -> PgPool {
    let options: PgConnectOptions = url.parse().expect("a valid database URL");
    PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.application_name(application_name))
        .await
        .expect("the test database accepts connections")
}

/// A schema of this test's own, created and migrated on creation and dropped (with
/// everything in it) when this guard is dropped, even when the test panicked.
pub struct TestSchema {
    pub url: String,
    pub name: String,
    pub config: PostgresConfig,
}

impl TestSchema {
    /// Creates `idem_test_<random>` and migrates the store's table into it.
    pub async fn create() -> Self {
        let schema = Self::unmigrated().await;
        schema.store(1).await.migrate().await.expect("migrate");
        schema
    }

    /// A fresh schema name whose schema does not exist yet (migrate creates it); it is
    /// still dropped at the end.
    pub async fn unmigrated() -> Self {
        let url = database_url().await;
        let name = format!("idem_test_{}", nonce(8));
        let config = PostgresConfig::new()
            .with_schema(&name)
            .expect("a valid schema name");
        Self { url, name, config }
    }

    /// A store on a new pool of `size` connections on this schema's table.
    pub async fn store(&self, size: u32) -> PostgresStore {
        let pool = pool(&self.url, "idem-store-postgres-test", size).await;
        PostgresStore::with_config(pool, self.config.clone())
    }

    /// The store's table as SQL names it.
    pub fn table(&self) -> String {
        self.config.qualified_table()
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&url)
                    .await
                    .map_err(|error| error.to_string())?;
                sqlx::query("SET lock_timeout = '20s'")
                    .execute(&mut connection)
                    .await
                    .map_err(|error| error.to_string())?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                )))
                .execute(&mut connection)
                .await
                .map_err(|error| error.to_string())?;
                let _ = connection.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}: {dropped:?}", self.name);
        }
    }
}
