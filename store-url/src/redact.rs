//! Hiding credentials before a URL reaches an error message or a log line.

/// The URL with the password of its user info, and any `password` query option, replaced
/// by `***`. Every URL this crate shows goes through here.
pub(crate) fn redact(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let (scheme, rest) = match head.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, head),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);

    let mut shown = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        shown.push_str(scheme);
        shown.push_str("://");
    }
    match authority.rsplit_once('@') {
        Some((user_info, hosts)) => {
            match user_info.split_once(':') {
                Some((user, _password)) => {
                    shown.push_str(user);
                    shown.push_str(":***");
                }
                None => shown.push_str(user_info),
            }
            shown.push('@');
            shown.push_str(hosts);
        }
        None => shown.push_str(authority),
    }
    shown.push_str(path);
    if let Some(query) = query {
        shown.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown.push_str(&pairs.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden_and_everything_else_is_kept() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/test?sslmode=require"),
            "postgres://app:***@db:5432/test?sslmode=require"
        );
        assert_eq!(
            redact("redis://:pw@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(redact("redis://user@host"), "redis://user@host");
        assert_eq!(
            redact("postgres://db/test?user=app&password=s3cret"),
            "postgres://db/test?user=app&password=***"
        );
        assert_eq!(
            redact("redis+cluster://u:p%40ss@h1:1,h2:2"),
            "redis+cluster://u:***@h1:1,h2:2"
        );
        assert_eq!(redact("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
        assert_eq!(redact("user:pw@host"), "user:***@host");
    }
}
