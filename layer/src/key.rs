//! Reading the `Idempotency-Key` header.
//!
//! The IETF draft defines the field as a Structured Field Item of type String (RFC 8941
//! §3.3.3): `Idempotency-Key: "8e03978e-40d5-43e8"`. Many clients send the bare token
//! instead. The layer accepts both and names the record by the key's content:
//!
//! - a value that starts with `"` must be one whole sf-string: the quotes are stripped and
//!   the escapes `\"` and `\\` are undone, so `"abc"` and `abc` are the same key;
//! - any other value is the key exactly as sent.
//!
//! The key must then satisfy [`RecordId`](idempotency_store::RecordId): 1 to 255 bytes of
//! printable ASCII.

use http::HeaderMap;
use http::header::HeaderName;

/// The header the layer reads.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// What the request says about its key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyHeader {
    /// No `Idempotency-Key` header.
    Missing,
    /// One header with a well-formed value; the key, unquoted.
    Present(String),
    /// A header the layer cannot accept; why.
    Malformed(&'static str),
}

pub(crate) fn read_key(headers: &HeaderMap) -> KeyHeader {
    let mut values = headers.get_all(&IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return KeyHeader::Missing;
    };
    if values.next().is_some() {
        return KeyHeader::Malformed("the request has more than one Idempotency-Key header");
    }
    let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
        return KeyHeader::Malformed("the key holds bytes outside printable ASCII");
    };
    let text = text.trim_matches(|c| c == ' ' || c == '\t');
    let key = if text.starts_with('"') {
        match unquote(text) {
            Some(key) => key,
            None => return KeyHeader::Malformed("the key starts with a quote but is no sf-string"),
        }
    } else {
        text.to_owned()
    };
    if key.is_empty() {
        return KeyHeader::Malformed("the key is empty");
    }
    KeyHeader::Present(key)
}

/// Parses one RFC 8941 sf-string that spans all of `text`; `None` when it is not one.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?;
    let mut key = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                escaped @ ('"' | '\\') => key.push(escaped),
                _ => return None,
            },
            '"' => return chars.next().is_none().then_some(key),
            ' '..='~' => key.push(c),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn read(values: &[&[u8]]) -> KeyHeader {
        let mut headers = HeaderMap::new();
        for value in values {
            let value = HeaderValue::from_bytes(value).expect("test header value");
            headers.append(IDEMPOTENCY_KEY, value);
        }
        read_key(&headers)
    }

    #[test]
    fn bare_and_quoted_forms_name_the_same_key() {
        assert_eq!(read(&[b"abc-1"]), KeyHeader::Present("abc-1".into()));
        assert_eq!(read(&[b"\"abc-1\""]), KeyHeader::Present("abc-1".into()));
        assert_eq!(
            read(&[b"\"a \\\"b\\\" \\\\c\""]),
            KeyHeader::Present("a \"b\" \\c".into())
        );
        assert_eq!(read(&[]), KeyHeader::Missing);
    }

    #[test]
    fn broken_strings_repeats_and_empty_keys_are_malformed() {
        for bad in [
            &b"\"unterminated"[..],
            b"\"a\"b",
            b"\"bad \\escape\"",
            b"\"\"",
            b"\"caf\xc3\xa9\"",
        ] {
            assert!(matches!(read(&[bad]), KeyHeader::Malformed(_)), "{bad:?}");
        }
        assert!(matches!(read(&[b"a", b"b"]), KeyHeader::Malformed(_)));
    }
}
