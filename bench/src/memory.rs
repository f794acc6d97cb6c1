//! The memory store against a bare sharded map.

use std::sync::Arc;

use idempotency_store::IdempotencyStore;
use idempotency_store_memory::MemoryStore;

use crate::cli::StoreKind;
use crate::memory_raw::RawMap;
use crate::report::{Row, Variant};
use crate::session::{Contender, Session};
use crate::store_target::StoreTarget;
use crate::target::BenchError;

/// Each workload on a fresh raw map, then on a fresh store.
pub(crate) async fn run(session: &Session) -> Result<Vec<Row>, BenchError> {
    let mut rows = Vec::new();
    for &workload in &session.workloads {
        let raw = Arc::new(RawMap::new(&session.fixture));
        let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryStore::new());
        let store = Arc::new(StoreTarget::new(store, session.fixture.clone()));
        let contenders = [
            Contender::new(Variant::Raw, raw),
            Contender::new(Variant::Store, store),
        ];
        rows.extend(
            session
                .compare(StoreKind::Memory, workload, &contenders)
                .await?,
        );
    }
    Ok(rows)
}
