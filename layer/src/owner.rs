//! The holder of a claim: renews, completes or releases it, and logs each decision.

use idempotency_store::{
    IdempotencyStore, InvalidInput, LeaseToken, RecordId, SavedResponse, StoreError,
};
use tracing::{debug, error, warn};

use crate::config::{Config, OversizedPolicy};

/// The holder of a claim: renews, completes or releases it, and logs what happened.
pub(crate) struct Owner<'a> {
    pub(crate) store: &'a dyn IdempotencyStore,
    pub(crate) id: &'a RecordId,
    pub(crate) token: LeaseToken,
    pub(crate) config: &'a Config,
}

impl Owner<'_> {
    /// Extends the lease; whether it is still held afterwards.
    pub(crate) async fn renew(&self) -> bool {
        match self
            .store
            .renew(self.id, &self.token, self.config.lease)
            .await
        {
            Ok(()) => {
                debug!(key = self.id.key(), "idempotency lease renewed");
                true
            }
            Err(StoreError::LeaseLost) => {
                warn!(
                    key = self.id.key(),
                    "idempotency lease lost while the handler runs; its response will not be saved"
                );
                false
            }
            Err(failure) => {
                error!(key = self.id.key(), error = %failure, "idempotency lease renewal failed");
                true
            }
        }
    }

    pub(crate) async fn complete(&self, held: bool, saved: &SavedResponse) {
        if !held {
            warn!(
                key = self.id.key(),
                "idempotency lease was lost; response not saved"
            );
            return;
        }
        let limit = self.store.max_response_bytes();
        if saved.check_size(limit).is_err() {
            self.too_large(Some(saved.size()), limit).await;
            return;
        }
        let retention = self.config.retention;
        match self
            .store
            .complete(self.id, &self.token, saved, retention)
            .await
        {
            Ok(()) => debug!(
                key = self.id.key(),
                status = saved.status,
                "idempotent response saved"
            ),
            Err(StoreError::LeaseLost) => {
                warn!(
                    key = self.id.key(),
                    "idempotency lease lost before the response was saved"
                );
            }
            Err(StoreError::InvalidInput(InvalidInput::ResponseTooLarge { size, limit })) => {
                self.too_large(Some(size), limit).await;
            }
            Err(failure) => {
                let key = self.id.key();
                error!(key, error = %failure, "saving the idempotent response failed");
            }
        }
    }

    /// The response outgrew the store's limit while it was read (its full size unknown).
    pub(crate) async fn oversized(&self, held: bool, limit: usize) {
        if held {
            self.too_large(None, limit).await;
        }
    }

    /// Applies the [`OversizedPolicy`] and logs it: never a silent drop.
    async fn too_large(&self, size: Option<usize>, limit: usize) {
        let key = self.id.key();
        match self.config.oversized {
            OversizedPolicy::Release => {
                warn!(key, size, limit, "response too large to save; key released");
                self.release(true, "the response is too large to save")
                    .await;
            }
            OversizedPolicy::HoldUntilLeaseEnds => {
                warn!(
                    key,
                    size, limit, "response too large to save; key held until its lease ends"
                );
            }
        }
    }

    pub(crate) async fn release(&self, held: bool, why: &'static str) {
        if !held {
            return;
        }
        match self.store.release(self.id, &self.token).await {
            Ok(()) => debug!(key = self.id.key(), why, "idempotency key released"),
            Err(StoreError::LeaseLost) => {
                warn!(
                    key = self.id.key(),
                    why, "idempotency lease lost before the release"
                );
            }
            Err(failure) => {
                error!(key = self.id.key(), why, error = %failure, "releasing the key failed");
            }
        }
    }
}
