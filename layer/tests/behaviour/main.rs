//! The layer's behaviour, one test per rule, over an axum router and a memory store.

mod common;
mod keys;
mod lifecycle;
mod outcomes;
mod plain_tower;
mod policies;
mod scope;
