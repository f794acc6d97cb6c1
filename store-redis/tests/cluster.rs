//! The Redis store against the conformance suite on a 3-master Redis Cluster that this test
//! binary starts from the machine's `redis-server` on free loopback ports, once, and that
//! dies with the test process.

#[path = "support/keys.rs"]
mod keys;
#[path = "support/layout.rs"]
mod layout;
#[path = "support/server.rs"]
mod server;

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use idempotency_store::{ClaimOutcome, Fingerprint, IdempotencyStore, Lease, RecordId};
use idempotency_store_conformance::{Backend, conformance_tests};
use idempotency_store_redis::RedisStore;

/// The cluster every test of this binary shares; started by the first test that needs it.
fn cluster() -> &'static server::Cluster {
    static CLUSTER: OnceLock<server::Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| server::Cluster::start(3))
}

/// One test's view of the cluster: its own key prefix, deleted from every master at the end.
struct ClusterBackend {
    nodes: Vec<String>,
    prefix: String,
}

impl ClusterBackend {
    async fn connect(&self) -> RedisStore {
        let nodes: Vec<&str> = self.nodes.iter().map(String::as_str).collect();
        RedisStore::builder()
            .key_prefix(&self.prefix)
            .connect_cluster(&nodes)
            .await
            .expect("the store connects to the cluster")
    }
}

#[async_trait]
impl Backend for ClusterBackend {
    async fn open(&self) -> Arc<dyn IdempotencyStore> {
        Arc::new(self.connect().await)
    }

    async fn corrupt_response(&self, id: &RecordId) -> bool {
        let store = self.connect().await;
        let mut connection = store.cluster_connection().expect("a cluster connection");
        layout::corrupt_response(&mut connection, &store.record_key(id)).await;
        true
    }
}

impl Drop for ClusterBackend {
    fn drop(&mut self) {
        keys::delete_keys(&self.nodes, &format!("{}:*", self.prefix));
    }
}

async fn backend() -> ClusterBackend {
    ClusterBackend {
        nodes: cluster().urls(),
        prefix: keys::unique_prefix(),
    }
}

conformance_tests!(backend);

fn runtime() -> tokio::runtime::Runtime {
    idempotency_store_conformance::runtime()
}

/// A scope full of braces cannot pin its records to one slot: the key layout starts with an
/// empty hash tag, so Redis hashes the whole key.
#[test]
fn braces_in_scopes_and_keys_do_not_pick_the_slot() {
    runtime().block_on(async {
        let backend = backend().await;
        let store = backend.connect().await;
        let mut connection = store.cluster_connection().expect("a cluster connection");
        let mut slots = HashSet::new();

        for n in 0..32 {
            let id = RecordId::new("{tenant}", format!("{{tenant}}-{n}")).expect("valid id");
            let slot: i64 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(store.record_key(&id))
                .query_async(&mut connection)
                .await
                .expect("CLUSTER KEYSLOT");
            slots.insert(slot);
            let claimed = store
                .claim(&id, &Fingerprint::new(*b"f").expect("fingerprint"), lease())
                .await;
            assert!(
                matches!(claimed, Ok(ClaimOutcome::Acquired(_))),
                "{claimed:?}"
            );
        }

        assert!(slots.len() > 16, "32 keys fell into {} slots", slots.len());
    });
}

/// After `SCRIPT FLUSH` on every master, the next calls load the scripts again by
/// themselves (EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA through the cluster client).
#[test]
fn flushed_scripts_are_loaded_again_on_every_master() {
    runtime().block_on(async {
        let backend = backend().await;
        let store = backend.connect().await;
        let print = Fingerprint::new(*b"f").expect("fingerprint");
        for url in &backend.nodes {
            let client = redis::Client::open(url.as_str()).expect("node url");
            let mut node = client
                .get_multiplexed_async_connection()
                .await
                .expect("a node connection");
            let _: () = redis::cmd("SCRIPT")
                .arg("FLUSH")
                .query_async(&mut node)
                .await
                .expect("SCRIPT FLUSH");
        }

        for n in 0..12 {
            let id = RecordId::new("flushed", format!("key-{n}")).expect("valid id");
            let claimed = store.claim(&id, &print, lease()).await;
            assert!(
                matches!(claimed, Ok(ClaimOutcome::Acquired(_))),
                "{claimed:?}"
            );
            let looked = store.lookup(&id).await.expect("lookup after a flush");
            assert!(looked.is_some());
        }
    });
}

fn lease() -> Lease {
    Lease::from_millis(600_000).expect("a valid lease")
}
