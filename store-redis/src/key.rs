//! Where a record lives: the Redis key of a (scope, key) pair.
//!
//! Layout: `<prefix>:{}<scope length in decimal>:<scope><key>`.
//!
//! - **Injective.** The decimal length ends at the first `:` (digits never contain one),
//!   so it says exactly where the scope ends and the key begins, whatever bytes either
//!   holds. Distinct pairs under one prefix get distinct Redis keys.
//! - **No slot picking.** Redis Cluster hashes only the part between the first `{` and the
//!   next `}` when that part is not empty. The prefix holds no braces, so the first `{` is
//!   ours and is followed at once by `}`: an empty hash tag, so the whole key is hashed and
//!   braces in a scope or key cannot steer records to a slot of their choosing.

use idempotency_store::RecordId;

/// The Redis key of `id` under `prefix` (a prefix already validated to hold no braces).
pub(crate) fn record_key(prefix: &str, id: &RecordId) -> Vec<u8> {
    let scope = id.scope().as_bytes();
    let key = id.key().as_bytes();
    let length = scope.len().to_string();
    let mut out = Vec::with_capacity(prefix.len() + 4 + length.len() + scope.len() + key.len());
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(b":{}");
    out.extend_from_slice(length.as_bytes());
    out.push(b':');
    out.extend_from_slice(scope);
    out.extend_from_slice(key);
    out
}

/// The glob that matches every record key under `prefix` (a prefix free of glob
/// characters, as validation ensures).
pub(crate) fn prefix_pattern(prefix: &str) -> String {
    format!("{prefix}:{{}}*")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Reads a record key back into its prefix, scope and key, proving that nothing is lost.
    fn decode(raw: &[u8]) -> (String, String, String) {
        let text = std::str::from_utf8(raw).unwrap();
        let (prefix, rest) = text.split_once(":{}").unwrap();
        let (length, rest) = rest.split_once(':').unwrap();
        let (scope, key) = rest.split_at(length.parse().unwrap());
        (prefix.to_owned(), scope.to_owned(), key.to_owned())
    }

    fn tricky_parts() -> Vec<String> {
        let mut parts: Vec<String> = [
            "a", "b", "ab", "a:b", "b:c", ":", "::", "1:", "12:ab", "{", "}", "{}", "{a}", "}{",
            "a{b}c", ":{}", "3:abc", "x*", "[a]", "\\", "\"", "'", " ", "a b", "~",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        parts.push("s".repeat(255));
        parts.push("9".repeat(200));
        parts
    }

    #[test]
    fn every_pair_maps_to_its_own_key_and_back() {
        let parts = tricky_parts();
        let scopes: Vec<String> = parts
            .iter()
            .cloned()
            .chain(["Zoë ünï".to_owned()])
            .collect();
        let mut seen: HashMap<Vec<u8>, (String, String)> = HashMap::new();

        for scope in &scopes {
            for key in &parts {
                let id = RecordId::new(scope.clone(), key.clone()).unwrap();
                let raw = record_key("idem", &id);

                assert_eq!(
                    decode(&raw),
                    ("idem".to_owned(), scope.clone(), key.clone())
                );
                if let Some(earlier) = seen.insert(raw, (scope.clone(), key.clone())) {
                    panic!("({scope:?}, {key:?}) collides with {earlier:?}");
                }
            }
        }
        assert_eq!(seen.len(), scopes.len() * parts.len());
    }

    #[test]
    fn the_separator_pair_from_the_contract_stays_apart() {
        let left = RecordId::new("a:b", "c").unwrap();
        let right = RecordId::new("a", "b:c").unwrap();

        assert_ne!(record_key("idem", &left), record_key("idem", &right));
        assert_eq!(record_key("idem", &left), b"idem:{}3:a:bc");
        assert_eq!(record_key("idem", &right), b"idem:{}1:ab:c");
    }

    #[test]
    fn the_first_hash_tag_is_always_the_empty_one() {
        for part in tricky_parts() {
            let id = RecordId::new(part.clone(), part).unwrap();
            let raw = record_key("idem", &id);

            let open = raw.iter().position(|&b| b == b'{').unwrap();
            assert_eq!(&raw[open..open + 2], b"{}", "{raw:?}");
            assert_eq!(&raw[..open], b"idem:");
        }
    }

    #[test]
    fn prefix_pattern_matches_the_layout() {
        let raw = record_key("run-1", &RecordId::new("s", "k").unwrap());
        let pattern = prefix_pattern("run-1");
        let fixed = pattern.trim_end_matches('*');

        assert!(raw.starts_with(fixed.as_bytes()));
    }
}
