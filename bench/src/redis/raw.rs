//! The raw limit of Redis: `EVALSHA` of a minimal claim and complete script over the
//! store's own connection.

use std::sync::atomic::{AtomicU64, Ordering};

use redis::aio::ConnectionManager;
use redis::{Script, Value};

use crate::fixture::Fixture;
use crate::target::{BenchError, Claimed, Target};

/// The least a claim script can do: create the in-flight value if the key is free, or
/// return the live value for the client to read.
const MINIMAL_CLAIM: &str = "\
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return redis.call('GET', KEYS[1])";

/// The least a complete script can do: replace the value if it is still the caller's
/// in-flight value.
const MINIMAL_COMPLETE: &str = "\
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0";

/// One string per record (`i` + fingerprint + token in flight, `c` + fingerprint +
/// response once completed), one `EVALSHA` per operation, nothing around it.
#[derive(Debug)]
pub(crate) struct RawScripts {
    manager: ConnectionManager,
    prefix: String,
    claim: Script,
    complete: Script,
    fingerprint: Vec<u8>,
    completed: Vec<u8>,
    lease_ms: i64,
    retention_ms: i64,
    tokens: AtomicU64,
}

impl RawScripts {
    /// Scripts under `prefix` over `manager`, loaded before the first measurement.
    pub(crate) async fn new(
        manager: ConnectionManager,
        prefix: String,
        fixture: &Fixture,
    ) -> Result<Self, BenchError> {
        let claim = Script::new(MINIMAL_CLAIM);
        let complete = Script::new(MINIMAL_COMPLETE);
        let mut loading = manager.clone();
        claim.load_async(&mut loading).await?;
        complete.load_async(&mut loading).await?;
        let fingerprint = fixture.fingerprint.as_bytes().to_vec();
        let mut completed = vec![b'c'];
        completed.extend_from_slice(&fingerprint);
        completed.extend_from_slice(&fixture.encoded);
        Ok(Self {
            manager,
            prefix,
            claim,
            complete,
            fingerprint,
            completed,
            lease_ms: fixture.lease_ms(),
            retention_ms: fixture.retention_ms(),
            tokens: AtomicU64::new(1),
        })
    }

    /// The pattern of every key these scripts write.
    pub(crate) fn key_pattern(&self) -> String {
        format!("{}:*", self.prefix)
    }

    fn in_flight(&self, token: u64) -> Vec<u8> {
        let mut value = Vec::with_capacity(1 + self.fingerprint.len() + 16);
        value.push(b'i');
        value.extend_from_slice(&self.fingerprint);
        value.extend_from_slice(&u128::from(token).to_le_bytes());
        value
    }
}

impl Target for RawScripts {
    type Token = u64;

    async fn claim(&self, key: &str) -> Result<Claimed<u64>, BenchError> {
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        let reply: Value = self
            .claim
            .key(format!("{}:{key}", self.prefix))
            .arg(self.in_flight(token))
            .arg(self.lease_ms)
            .invoke_async(&mut self.manager.clone())
            .await?;
        match reply {
            Value::Int(1) => Ok(Claimed::Acquired(token)),
            Value::BulkString(value) => {
                let fingerprint = value.get(1..1 + self.fingerprint.len());
                if fingerprint != Some(self.fingerprint.as_slice()) {
                    Ok(Claimed::Mismatch)
                } else if value.first() == Some(&b'i') {
                    Ok(Claimed::InFlight)
                } else if value == self.completed {
                    Ok(Claimed::Replay)
                } else {
                    Err("a raw replay read another response".into())
                }
            }
            other => Err(format!("a raw claim got {other:?}").into()),
        }
    }

    async fn complete(&self, key: &str, token: u64) -> Result<(), BenchError> {
        let done: i64 = self
            .complete
            .key(format!("{}:{key}", self.prefix))
            .arg(self.in_flight(token))
            .arg(self.completed.as_slice())
            .arg(self.retention_ms)
            .invoke_async(&mut self.manager.clone())
            .await?;
        if done == 1 {
            Ok(())
        } else {
            Err("a raw complete lost its lease".into())
        }
    }
}
