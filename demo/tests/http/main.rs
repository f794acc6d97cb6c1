//! The demo over real HTTP: each test starts the demo binary and talks to it with reqwest.

mod behaviour;
mod concurrency;
mod server;
mod services;
mod shared;
mod walkthrough;
