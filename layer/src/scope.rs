//! Whose key is it: the scope hook.

use std::fmt;

use http::header::{AUTHORIZATION, HeaderName};
use http::request::Parts;
use sha2::{Digest, Sha256};

use crate::fingerprint::put;

/// The scope used by [`HashedHeaders`] when the request carries none of its headers.
pub const ANONYMOUS_SCOPE: &str = "anonymous";

/// Derives the scope of a request: whose `Idempotency-Key` it is.
///
/// Two requests share a record only when both their scope and their key are equal, so the
/// scope must tell callers apart: an authenticated principal, a tenant, a hash of the
/// credentials. Returning `None` refuses the request (403, `application/problem+json`):
/// use it when a keyed request arrives without the identity your app requires.
///
/// Any `Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static` is a resolver:
///
/// ```
/// use http::request::Parts;
///
/// /// What an authentication layer put in the request's extensions.
/// #[derive(Clone)]
/// struct UserId(u64);
///
/// let scope = |parts: &Parts| parts.extensions.get::<UserId>().map(|u| format!("user:{}", u.0));
/// # let _ = idempotency_layer::IdempotencyLayer::new(
/// #     std::sync::Arc::new(idempotency_store_memory::MemoryStore::new())).scope(scope);
/// ```
pub trait ScopeResolver: Send + Sync + 'static {
    /// The scope of the request, or `None` to refuse it.
    fn scope(&self, parts: &Parts) -> Option<String>;
}

impl<F> ScopeResolver for F
where
    F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
{
    fn scope(&self, parts: &Parts) -> Option<String> {
        self(parts)
    }
}

/// The default resolver: a SHA-256 of the request's credential headers.
///
/// The scope is `sha256:` and the hex digest of the named headers (each value, in order,
/// length-prefixed), or [`ANONYMOUS_SCOPE`] when the request has none of them. Two
/// requests with different credentials therefore never share a record, and the raw
/// credential is never stored. [`HashedHeaders::default`] reads `Authorization`; name more
/// headers (`Cookie`, `X-Api-Key`) when your app authenticates with them.
#[derive(Clone)]
pub struct HashedHeaders {
    names: Vec<HeaderName>,
}

impl HashedHeaders {
    /// A resolver that hashes the headers `names`.
    pub fn new(names: impl IntoIterator<Item = HeaderName>) -> Self {
        Self {
            names: names.into_iter().collect(),
        }
    }
}

impl Default for HashedHeaders {
    fn default() -> Self {
        Self::new([AUTHORIZATION])
    }
}

impl ScopeResolver for HashedHeaders {
    fn scope(&self, parts: &Parts) -> Option<String> {
        let present = self
            .names
            .iter()
            .any(|name| parts.headers.contains_key(name));
        if !present {
            return Some(ANONYMOUS_SCOPE.to_owned());
        }

        let mut digest = Sha256::new();
        for name in &self.names {
            put(&mut digest, name.as_str().as_bytes());
            for value in parts.headers.get_all(name) {
                digest.update([1]);
                put(&mut digest, value.as_bytes());
            }
            digest.update([0]);
        }
        Some(format!("sha256:{}", hex(&digest.finalize())))
    }
}

impl fmt::Debug for HashedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashedHeaders")
            .field("names", &self.names)
            .finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use http::Request;

    use super::*;

    fn scope_of(headers: &[(&str, &str)]) -> Option<String> {
        let mut request = Request::post("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (parts, ()) = request.body(()).expect("test request").into_parts();
        HashedHeaders::default().scope(&parts)
    }

    #[test]
    fn credentials_get_distinct_scopes_and_no_credential_is_anonymous() {
        let alice = scope_of(&[("authorization", "Bearer alice")]);
        let bob = scope_of(&[("authorization", "Bearer bob")]);
        assert_ne!(alice, bob);
        assert_eq!(alice, scope_of(&[("authorization", "Bearer alice")]));
        assert_eq!(scope_of(&[]).as_deref(), Some(ANONYMOUS_SCOPE));
        assert_ne!(
            scope_of(&[("authorization", "")]).as_deref(),
            Some(ANONYMOUS_SCOPE)
        );
        let shown = alice.unwrap_or_default();
        assert!(
            shown.starts_with("sha256:") && !shown.contains("alice"),
            "{shown}"
        );
    }
}
