//! Unique key prefixes per test, and deleting exactly those keys afterwards.

use std::time::Duration;

/// A key prefix no other run uses.
pub(crate) fn unique_prefix() -> String {
    let mut nonce = [0_u8; 8];
    getrandom::fill(&mut nonce).expect("random bytes for a key prefix");
    let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    format!("idemtest-{nonce}")
}

/// Deletes every key matching `pattern` on each node (SCAN + UNLINK): only this run's keys.
pub(crate) fn delete_keys(node_urls: &[String], pattern: &str) {
    for url in node_urls {
        if let Err(error) = delete_on_node(url, pattern) {
            eprintln!("could not delete test keys {pattern} on a node: {error}");
        }
    }
}

fn delete_on_node(url: &str, pattern: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut connection = client.get_connection_with_timeout(Duration::from_secs(2))?;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query(&mut connection)?;
        for key in keys {
            redis::cmd("UNLINK")
                .arg(key)
                .query::<i64>(&mut connection)?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}
