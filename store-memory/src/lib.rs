#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod config;
mod shard;
mod store;

pub use config::MemoryStoreBuilder;
pub use store::MemoryStore;
