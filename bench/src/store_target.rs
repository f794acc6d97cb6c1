//! Any [`IdempotencyStore`] as a [`Target`].

use std::sync::Arc;

use idempotency_store::{ClaimOutcome, IdempotencyStore, LeaseToken, RecordId};

use crate::fixture::{Fixture, SCOPE};
use crate::target::{BenchError, Claimed, Target};

/// A store driven through the public trait, as an application would.
#[derive(Debug)]
pub(crate) struct StoreTarget {
    store: Arc<dyn IdempotencyStore>,
    fixture: Fixture,
}

impl StoreTarget {
    pub(crate) fn new(store: Arc<dyn IdempotencyStore>, fixture: Fixture) -> Self {
        Self { store, fixture }
    }
}

impl Target for StoreTarget {
    type Token = LeaseToken;

    async fn claim(&self, key: &str) -> Result<Claimed<LeaseToken>, BenchError> {
        let id = RecordId::new(SCOPE, key)?;
        let outcome = self
            .store
            .claim(&id, &self.fixture.fingerprint, self.fixture.lease)
            .await?;
        Ok(match outcome {
            ClaimOutcome::Acquired(token) => Claimed::Acquired(token),
            ClaimOutcome::InFlight { .. } => Claimed::InFlight,
            ClaimOutcome::Replay(response) if response == self.fixture.response => Claimed::Replay,
            ClaimOutcome::Replay(_) => return Err("a replay returned another response".into()),
            ClaimOutcome::Mismatch => Claimed::Mismatch,
        })
    }

    async fn complete(&self, key: &str, token: LeaseToken) -> Result<(), BenchError> {
        let id = RecordId::new(SCOPE, key)?;
        self.store
            .complete(&id, &token, &self.fixture.response, self.fixture.retention)
            .await?;
        Ok(())
    }
}
