//! The record layout as Redis holds it, on the shared standalone Redis: what `claim` and
//! `complete` write byte for byte, and that a damaged or foreign value is reported as
//! corrupt by `claim` and `lookup` and left alone by every write.

#[path = "support/keys.rs"]
mod keys;
#[path = "support/redis_env.rs"]
mod redis_env;

use std::time::Duration;

use idempotency_store::{
    ClaimOutcome, Fingerprint, IdempotencyStore, Lease, LeaseToken, RecordId, RecordState,
    Retention, SavedResponse, StoreError, encode_response,
};
use idempotency_store_redis::RedisStore;
use redis::aio::ConnectionManager;

const LEASE_MS: u64 = 600_000;
const RETENTION_MS: u64 = 3_600_000;

fn runtime() -> tokio::runtime::Runtime {
    idempotency_store_conformance::runtime()
}

/// A store under a prefix of its own, and a plain connection to look behind its back.
struct Fixture {
    store: RedisStore,
    connection: ConnectionManager,
    prefix: String,
}

impl Fixture {
    async fn new() -> Self {
        let prefix = keys::unique_prefix();
        let store = RedisStore::builder()
            .key_prefix(&prefix)
            .connect(redis_env::redis_url())
            .await
            .expect("the store connects to Redis");
        let connection = store.connection_manager().expect("a connection manager");
        Self {
            store,
            connection,
            prefix,
        }
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> T {
        cmd.query_async(&mut self.connection.clone())
            .await
            .expect("a plain redis command")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        keys::delete_keys(
            &[redis_env::redis_url().to_owned()],
            &format!("{}:*", self.prefix),
        );
    }
}

fn lease() -> Lease {
    Lease::from_millis(LEASE_MS).expect("a valid lease")
}

fn retention() -> Retention {
    Retention::from_millis(RETENTION_MS).expect("a valid retention")
}

#[test]
fn claim_and_complete_write_one_string_with_a_header() {
    runtime().block_on(async {
        let fixture = Fixture::new().await;
        let store = &fixture.store;
        let id = RecordId::new("layout", "written").expect("valid id");
        let key = store.record_key(&id);
        let print: Vec<u8> = vec![0, 255, b'c', b'i', 0, 7];
        let fingerprint = Fingerprint::new(print.clone()).expect("fingerprint");
        let response = SavedResponse::new(201).with_body(vec![0, 1, 255]);

        let claimed = store.claim(&id, &fingerprint, lease()).await;
        let Ok(ClaimOutcome::Acquired(token)) = claimed else {
            panic!("a fresh claim returned {claimed:?}");
        };
        let in_flight: Vec<u8> = fixture.query(redis::cmd("GET").arg(&key)).await;
        let lease_left: i64 = fixture.query(redis::cmd("PTTL").arg(&key)).await;
        store
            .complete(&id, &token, &response, retention())
            .await
            .expect("complete");
        let completed: Vec<u8> = fixture.query(redis::cmd("GET").arg(&key)).await;
        let retention_left: i64 = fixture.query(redis::cmd("PTTL").arg(&key)).await;
        let kind: String = fixture.query(redis::cmd("TYPE").arg(&key)).await;

        let mut expected = vec![b'i', 6];
        expected.extend_from_slice(&print);
        expected.extend_from_slice(token.as_bytes());
        assert_eq!(in_flight, expected);
        assert!(lease_left > 0 && lease_left <= 600_000, "{lease_left}");
        let mut expected = vec![b'c', 6];
        expected.extend_from_slice(&print);
        expected.extend(encode_response(&response).expect("encodes"));
        assert_eq!(completed, expected);
        assert!(
            retention_left > 600_000 && retention_left <= 3_600_000,
            "{retention_left}"
        );
        assert_eq!(kind, "string");
        let replay = store.claim(&id, &fingerprint, lease()).await;
        assert_eq!(replay.expect("replay"), ClaimOutcome::Replay(response));
    });
}

#[test]
fn the_old_token_cannot_act_on_a_completed_record() {
    runtime().block_on(async {
        let fixture = Fixture::new().await;
        let store = &fixture.store;
        let id = RecordId::new("layout", "done").expect("valid id");
        let fingerprint = Fingerprint::new(*b"f").expect("fingerprint");
        let response = SavedResponse::new(200);
        let Ok(ClaimOutcome::Acquired(token)) = store.claim(&id, &fingerprint, lease()).await
        else {
            panic!("a fresh claim is acquired");
        };
        store
            .complete(&id, &token, &response, retention())
            .await
            .expect("complete");
        let before: Vec<u8> = fixture
            .query(redis::cmd("GET").arg(store.record_key(&id)))
            .await;

        let again = store.complete(&id, &token, &response, retention()).await;
        let renewed = store.renew(&id, &token, lease()).await;
        let released = store.release(&id, &token).await;

        assert!(matches!(again, Err(StoreError::LeaseLost)), "{again:?}");
        assert!(matches!(renewed, Err(StoreError::LeaseLost)), "{renewed:?}");
        assert!(
            matches!(released, Err(StoreError::LeaseLost)),
            "{released:?}"
        );
        let after: Vec<u8> = fixture
            .query(redis::cmd("GET").arg(store.record_key(&id)))
            .await;
        assert_eq!(before, after);
    });
}

/// Values no store of this layout writes: each must be reported, never overwritten.
/// `None` stands for a hash of the old layout, `Some` for a string with a lease-long TTL.
fn damaged_values() -> Vec<(&'static str, Option<Vec<u8>>)> {
    vec![
        ("unknown state byte", Some(b"x\x01f".to_vec())),
        (
            "fingerprint over 64 bytes",
            Some([b"c\x41".as_slice(), &[b'f'; 70]].concat()),
        ),
        ("in flight, cut short", Some(b"i\x01f\x00\x00".to_vec())),
        ("completed, cut short", Some(b"c\x09ab".to_vec())),
        ("empty string", Some(Vec::new())),
        ("one byte", Some(b"i".to_vec())),
        ("a hash", None),
    ]
}

/// The command that writes one damaged value at `key`.
fn write_damage(key: &[u8], value: Option<Vec<u8>>) -> redis::Cmd {
    match value {
        Some(value) => {
            let mut set = redis::cmd("SET");
            set.arg(key).arg(value).arg("PX").arg(LEASE_MS);
            set
        }
        None => {
            let mut hash = redis::cmd("HSET");
            hash.arg(key)
                .arg("state")
                .arg("in_flight")
                .arg("fingerprint")
                .arg("f");
            hash
        }
    }
}

#[test]
fn damaged_or_foreign_values_are_corrupt_and_never_overwritten() {
    runtime().block_on(async {
        let fixture = Fixture::new().await;
        let store = &fixture.store;
        let fingerprint = Fingerprint::new(*b"f").expect("fingerprint");
        let token = LeaseToken::from_bytes([0; 16]);
        let response = SavedResponse::new(200);

        for (n, (name, value)) in damaged_values().into_iter().enumerate() {
            let id = RecordId::new("damaged", format!("case-{n}")).expect("valid id");
            let key = store.record_key(&id);
            let _: redis::Value = fixture.query(&write_damage(&key, value)).await;
            let before: Option<Vec<u8>> = fixture.query(redis::cmd("DUMP").arg(&key)).await;

            let claimed = store.claim(&id, &fingerprint, lease()).await;
            let looked = store.lookup(&id).await;
            let completed = store.complete(&id, &token, &response, retention()).await;
            let renewed = store.renew(&id, &token, lease()).await;
            let released = store.release(&id, &token).await;

            assert!(
                matches!(claimed, Err(StoreError::Corrupt { .. })),
                "{name}: claim gave {claimed:?}"
            );
            assert!(
                matches!(looked, Err(StoreError::Corrupt { .. })),
                "{name}: lookup gave {looked:?}"
            );
            for (what, result) in [
                ("complete", completed),
                ("renew", renewed),
                ("release", released),
            ] {
                assert!(
                    matches!(result, Err(StoreError::LeaseLost)),
                    "{name}: {what} gave {result:?}"
                );
            }
            let after: Option<Vec<u8>> = fixture.query(redis::cmd("DUMP").arg(&key)).await;
            assert!(before.is_some(), "{name}: the value was written");
            assert_eq!(before, after, "{name}: the value changed");
        }
    });
}

#[test]
fn a_record_without_expiry_is_corrupt() {
    runtime().block_on(async {
        let fixture = Fixture::new().await;
        let store = &fixture.store;
        let id = RecordId::new("damaged", "no-ttl").expect("valid id");
        let _: () = fixture
            .query(
                redis::cmd("SET")
                    .arg(store.record_key(&id))
                    .arg(&b"c\x01f\x01\x00\x00"[..]),
            )
            .await;
        let fingerprint = Fingerprint::new(*b"f").expect("fingerprint");

        let claimed = store.claim(&id, &fingerprint, lease()).await;
        let looked = store.lookup(&id).await;

        assert!(
            matches!(claimed, Err(StoreError::Corrupt { .. })),
            "{claimed:?}"
        );
        assert!(
            matches!(looked, Err(StoreError::Corrupt { .. })),
            "{looked:?}"
        );
    });
}

#[test]
fn lookup_reads_the_header_back() {
    runtime().block_on(async {
        let fixture = Fixture::new().await;
        let store = &fixture.store;
        let id = RecordId::new("layout", "looked").expect("valid id");
        let fingerprint = Fingerprint::new(vec![b'i'; 64]).expect("fingerprint");

        let claimed = store.claim(&id, &fingerprint, lease()).await;
        let record = store.lookup(&id).await.expect("lookup").expect("a record");

        assert!(
            matches!(claimed, Ok(ClaimOutcome::Acquired(_))),
            "{claimed:?}"
        );
        assert_eq!(record.fingerprint, fingerprint);
        match record.state {
            RecordState::InFlight { lease_remaining } => {
                assert!(lease_remaining <= Duration::from_millis(LEASE_MS));
            }
            other => panic!("a claimed record is {other:?}"),
        }
    });
}
