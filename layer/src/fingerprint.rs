//! The request fingerprint: SHA-256 over length-prefixed parts.

use bytes::Bytes;
use http::header::HeaderName;
use http::request::Parts;
use idempotency_store::{Fingerprint, InvalidInput};
use sha2::{Digest, Sha256};

/// Tags the digest with its layout, so a later layout can never collide with this one.
const LAYOUT: &[u8] = b"idempotency-layer fingerprint v1";

/// SHA-256 of the method, path, query, the named headers (each value, in order) and the
/// body. Every part is prefixed with its length, so no two requests share an encoding.
///
/// # Errors
///
/// None in practice: a 32-byte digest is always a valid [`Fingerprint`].
pub(crate) fn fingerprint(
    parts: &Parts,
    headers: &[HeaderName],
    body: &Bytes,
) -> Result<Fingerprint, InvalidInput> {
    let mut digest = Sha256::new();
    put(&mut digest, LAYOUT);
    put(&mut digest, parts.method.as_str().as_bytes());
    put(&mut digest, parts.uri.path().as_bytes());
    match parts.uri.query() {
        None => digest.update([0]),
        Some(query) => {
            digest.update([1]);
            put(&mut digest, query.as_bytes());
        }
    }
    put_count(&mut digest, headers.len());
    for name in headers {
        put(&mut digest, name.as_str().as_bytes());
        let values = parts.headers.get_all(name);
        put_count(&mut digest, values.iter().count());
        for value in values {
            put(&mut digest, value.as_bytes());
        }
    }
    put(&mut digest, body);
    Fingerprint::new(digest.finalize().to_vec())
}

pub(crate) fn put(digest: &mut Sha256, bytes: &[u8]) {
    put_count(digest, bytes.len());
    digest.update(bytes);
}

fn put_count(digest: &mut Sha256, count: usize) {
    digest.update((count as u64).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use http::Request;

    use super::*;

    fn of(uri: &str, headers: &[(&str, &str)], named: &[&str], body: &str) -> Fingerprint {
        let mut request = Request::post(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (parts, ()) = request.body(()).expect("test request").into_parts();
        let named: Vec<HeaderName> = named
            .iter()
            .map(|name| HeaderName::from_bytes(name.as_bytes()).expect("test header"))
            .collect();
        fingerprint(&parts, &named, &Bytes::from(body.to_owned())).expect("fingerprint")
    }

    #[test]
    fn each_part_counts_and_parts_never_run_together() {
        let base = of("/a?x=1", &[], &[], "body");
        assert_eq!(base, of("/a?x=1", &[], &[], "body"));
        assert_ne!(base, of("/a?x=2", &[], &[], "body"));
        assert_ne!(base, of("/b?x=1", &[], &[], "body"));
        assert_ne!(base, of("/a?x=1", &[], &[], "body2"));
        assert_ne!(of("/a", &[], &[], ""), of("/a?", &[], &[], ""));
        assert_ne!(of("/ab?c", &[], &[], ""), of("/a?bc", &[], &[], ""));
    }

    #[test]
    fn only_named_headers_count() {
        let with = |value| of("/a", &[("x-tenant", value)], &["x-tenant"], "");
        assert_ne!(with("1"), with("2"));
        let unnamed = |value| of("/a", &[("x-tenant", value)], &[], "");
        assert_eq!(unnamed("1"), unnamed("2"));
    }
}
