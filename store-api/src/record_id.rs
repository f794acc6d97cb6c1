//! Validated addresses of records: a scope and a key.

use std::fmt;

use crate::InvalidInput;

/// The longest scope accepted, in bytes.
pub const MAX_SCOPE_BYTES: usize = 255;

/// The longest key accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 255;

/// The address of one record: the caller's scope and the client's `Idempotency-Key`.
///
/// The scope names whoever the key belongs to (an authenticated principal, a tenant); two
/// scopes never share a record, whatever bytes they hold. Every backend stores the pair so
/// that distinct pairs stay distinct: `("a:b", "c")` and `("a", "b:c")` are two records.
///
/// Construction validates both parts, so a store never sees an invalid address:
///
/// - the scope is 1 to 255 bytes of UTF-8 without control characters (NUL included);
/// - the key is 1 to 255 bytes of printable ASCII (0x20 to 0x7E). Spaces and quotes are
///   allowed, as the header's string form allows them, and are kept exactly.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId {
    scope: String,
    key: String,
}

impl RecordId {
    /// Validates and pairs a scope and a key.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] naming the first rule the scope, then the key, breaks.
    pub fn new(scope: impl Into<String>, key: impl Into<String>) -> Result<Self, InvalidInput> {
        let scope = scope.into();
        let key = key.into();
        validate_scope(&scope)?;
        validate_key(&key)?;
        Ok(Self { scope, key })
    }

    /// The scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordId")
            .field("scope", &self.scope)
            .field("key", &self.key)
            .finish()
    }
}

fn validate_scope(scope: &str) -> Result<(), InvalidInput> {
    if scope.is_empty() {
        return Err(InvalidInput::EmptyScope);
    }
    if scope.len() > MAX_SCOPE_BYTES {
        return Err(InvalidInput::ScopeTooLong { len: scope.len() });
    }
    match scope.char_indices().find(|(_, c)| c.is_control()) {
        Some((index, _)) => Err(InvalidInput::ScopeControlCharacter { index }),
        None => Ok(()),
    }
}

fn validate_key(key: &str) -> Result<(), InvalidInput> {
    if key.is_empty() {
        return Err(InvalidInput::EmptyKey);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(InvalidInput::KeyTooLong { len: key.len() });
    }
    match key.bytes().position(|b| !(0x20..=0x7e).contains(&b)) {
        Some(index) => Err(InvalidInput::KeyNotPrintableAscii {
            index,
            byte: key.as_bytes()[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_limits_and_rejects_one_past_them() {
        assert!(RecordId::new("s".repeat(255), "k".repeat(255)).is_ok());
        assert_eq!(
            RecordId::new("s".repeat(256), "k"),
            Err(InvalidInput::ScopeTooLong { len: 256 })
        );
        assert_eq!(
            RecordId::new("s", "k".repeat(256)),
            Err(InvalidInput::KeyTooLong { len: 256 })
        );
    }

    #[test]
    fn key_allows_spaces_and_quotes_and_nothing_outside_printable_ascii() {
        assert!(RecordId::new("s", " \"a b\" 'c' ~").is_ok());
        assert_eq!(
            RecordId::new("s", "a\tb"),
            Err(InvalidInput::KeyNotPrintableAscii {
                index: 1,
                byte: b'\t'
            })
        );
        assert_eq!(
            RecordId::new("s", "a\u{7f}"),
            Err(InvalidInput::KeyNotPrintableAscii {
                index: 1,
                byte: 0x7f
            })
        );
        assert_eq!(
            RecordId::new("s", "é"),
            Err(InvalidInput::KeyNotPrintableAscii {
                index: 0,
                byte: 0xc3
            })
        );
    }

    #[test]
    fn scope_allows_unicode_but_no_control_characters() {
        assert!(RecordId::new("tenant: Zoë / ünïcode", "k").is_ok());
        assert_eq!(
            RecordId::new("a\0b", "k"),
            Err(InvalidInput::ScopeControlCharacter { index: 1 })
        );
        assert_eq!(
            RecordId::new("ab\u{85}", "k"),
            Err(InvalidInput::ScopeControlCharacter { index: 2 })
        );
        assert_eq!(RecordId::new("", "k"), Err(InvalidInput::EmptyScope));
        assert_eq!(RecordId::new("s", ""), Err(InvalidInput::EmptyKey));
    }
}
