#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod builder;
mod config;
mod connection;
mod error;
mod key;
mod layout;
mod reply;
pub mod scripts;
mod store;

pub use builder::RedisStoreBuilder;
pub use config::{ConfigError, DEFAULT_KEY_PREFIX, DEFAULT_TIMEOUT};
pub use store::RedisStore;
