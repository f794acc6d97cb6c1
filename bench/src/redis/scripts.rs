//! A diagnostic between the raw limit and the store: the store's own Lua scripts, invoked
//! by bare `EVALSHA` with nothing around them.

use std::sync::atomic::{AtomicU64, Ordering};

use idempotency_store::{Fingerprint, LeaseToken};
use idempotency_store_redis::scripts::{self, CLAIM, COMPLETE};
use redis::aio::ConnectionManager;
use redis::{Script, Value};

use crate::fixture::Fixture;
use crate::target::{BenchError, Claimed, Target};

/// The store's claim and complete scripts over the same connection, under a prefix of
/// their own: what the store costs on the server, without its client-side work.
#[derive(Debug)]
pub(crate) struct StoreScripts {
    manager: ConnectionManager,
    prefix: String,
    claim: Script,
    complete: Script,
    fingerprint: Fingerprint,
    response: Vec<u8>,
    lease_ms: i64,
    retention_ms: i64,
    tokens: AtomicU64,
}

impl StoreScripts {
    pub(crate) fn new(manager: ConnectionManager, prefix: String, fixture: &Fixture) -> Self {
        Self {
            manager,
            prefix,
            claim: Script::new(CLAIM),
            complete: Script::new(COMPLETE),
            fingerprint: fixture.fingerprint.clone(),
            response: fixture.encoded.clone(),
            lease_ms: fixture.lease_ms(),
            retention_ms: fixture.retention_ms(),
            tokens: AtomicU64::new(1),
        }
    }

    /// The pattern of every key these scripts write.
    pub(crate) fn key_pattern(&self) -> String {
        format!("{}:*", self.prefix)
    }
}

impl Target for StoreScripts {
    type Token = [u8; 16];

    async fn claim(&self, key: &str) -> Result<Claimed<[u8; 16]>, BenchError> {
        let token = u128::from(self.tokens.fetch_add(1, Ordering::Relaxed)).to_le_bytes();
        let value = scripts::claim_value(&self.fingerprint, &LeaseToken::from_bytes(token));
        let reply: Vec<Value> = self
            .claim
            .key(format!("{}:{key}", self.prefix))
            .arg(value)
            .arg(self.lease_ms)
            .invoke_async(&mut self.manager.clone())
            .await?;
        let status = match reply.first() {
            Some(Value::BulkString(status)) => status.as_slice(),
            Some(Value::SimpleString(status)) => status.as_bytes(),
            other => return Err(format!("the claim script replied {other:?}").into()),
        };
        match status {
            b"acquired" => Ok(Claimed::Acquired(token)),
            b"in_flight" => Ok(Claimed::InFlight),
            b"mismatch" => Ok(Claimed::Mismatch),
            b"replay" => match reply.get(1) {
                Some(Value::BulkString(response)) if *response == self.response => {
                    Ok(Claimed::Replay)
                }
                _ => Err("the claim script replayed another response".into()),
            },
            other => Err(format!(
                "the claim script replied {:?}",
                String::from_utf8_lossy(other)
            )
            .into()),
        }
    }

    async fn complete(&self, key: &str, token: [u8; 16]) -> Result<(), BenchError> {
        let done: i64 = self
            .complete
            .key(format!("{}:{key}", self.prefix))
            .arg(token.as_slice())
            .arg(self.response.as_slice())
            .arg(self.retention_ms)
            .invoke_async(&mut self.manager.clone())
            .await?;
        if done == 1 {
            Ok(())
        } else {
            Err("the complete script lost its lease".into())
        }
    }
}
