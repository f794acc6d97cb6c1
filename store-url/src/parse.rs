//! Reading a store URL into the settings of one backend.

use std::fmt;
use std::path::PathBuf;

use crate::OpenStoreError;
use crate::redact::redact;

/// A parsed store URL: which backend, where, and with which options.
///
/// | URL | backend |
/// |---|---|
/// | `memory://` | in-process [`MemoryStore`](idempotency_store_memory::MemoryStore) |
/// | `sqlite://relative/path.db`, `sqlite:///absolute/path.db` | SQLite file (created if missing) |
/// | `sqlite::memory:` | private in-memory SQLite database |
/// | `postgres://user:pass@host:5432/db`, `postgresql://...` | Postgres (connect, then migrate) |
/// | `redis://host:6379/0`, `rediss://...` | standalone Redis (`rediss` for TLS) |
/// | `redis+cluster://host1:port1,host2:port2` | Redis Cluster through these seed nodes |
///
/// Options go in the query: `table` for SQLite; `table` and `schema` for Postgres;
/// `prefix` (the key prefix) for Redis. The layer takes its own options out of the URL;
/// every other Postgres or Redis option is passed on to the driver as written (for example
/// `sslmode=require`), and an unknown option for memory or SQLite is an error.
/// SQLite paths are taken literally (no percent-decoding).
///
/// `Debug` and `Display` show the URL with its password replaced by `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl {
    pub(crate) backend: Backend,
    /// The URL as given, for messages; shown only through [`redact`].
    pub(crate) original: String,
}

/// The backend a [`StoreUrl`] names, with its settings.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Backend {
    Memory,
    Sqlite {
        path: Option<PathBuf>,
        table: Option<String>,
    },
    Postgres {
        url: String,
        table: Option<String>,
        schema: Option<String>,
    },
    Redis {
        url: String,
        prefix: Option<String>,
    },
    RedisCluster {
        nodes: Vec<String>,
        prefix: Option<String>,
    },
}

/// The kind of backend a [`StoreUrl`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendKind {
    /// `memory://`
    Memory,
    /// `sqlite://...` or `sqlite::memory:`
    Sqlite,
    /// `postgres://...` or `postgresql://...`
    Postgres,
    /// `redis://...` or `rediss://...`
    Redis,
    /// `redis+cluster://...` or `rediss+cluster://...`
    RedisCluster,
}

impl StoreUrl {
    /// Parses a store URL without opening anything.
    ///
    /// # Errors
    ///
    /// [`OpenStoreError::UnknownScheme`] for a scheme no backend answers to;
    /// [`OpenStoreError::InvalidUrl`] for a URL without a scheme, a SQLite URL without a
    /// path, a cluster URL without nodes; [`OpenStoreError::InvalidOption`] for an option
    /// its backend does not take, an empty or repeated one.
    pub fn parse(url: &str) -> Result<Self, OpenStoreError> {
        let url = url.trim();
        let backend = parse_backend(url)?;
        Ok(Self {
            backend,
            original: url.to_owned(),
        })
    }

    /// The kind of backend the URL names.
    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Memory => BackendKind::Memory,
            Backend::Sqlite { .. } => BackendKind::Sqlite,
            Backend::Postgres { .. } => BackendKind::Postgres,
            Backend::Redis { .. } => BackendKind::Redis,
            Backend::RedisCluster { .. } => BackendKind::RedisCluster,
        }
    }

    pub(crate) fn shown(&self) -> String {
        redact(&self.original)
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreUrl")
            .field("kind", &self.kind())
            .field("url", &self.shown())
            .finish()
    }
}

impl std::str::FromStr for StoreUrl {
    type Err = OpenStoreError;

    fn from_str(url: &str) -> Result<Self, OpenStoreError> {
        Self::parse(url)
    }
}

fn parse_backend(url: &str) -> Result<Backend, OpenStoreError> {
    if url == "sqlite::memory:" {
        return Ok(Backend::Sqlite {
            path: None,
            table: None,
        });
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid(
            url,
            "expected scheme://..., for example sqlite://app.sqlite3",
        ));
    };
    let (body, query) = match rest.split_once('?') {
        Some((body, query)) => (body, Some(query)),
        None => (rest, None),
    };
    let mut options = Options::parse(url, query);

    let backend = match scheme.to_ascii_lowercase().as_str() {
        "memory" => {
            if !body.is_empty() && body != "/" {
                return Err(invalid(url, "memory:// takes no host or path"));
            }
            Backend::Memory
        }
        "sqlite" => {
            let table = options.take("table")?;
            let path = match body {
                "" => return Err(invalid(url, "no database path after sqlite://")),
                ":memory:" => None,
                path => Some(PathBuf::from(path)),
            };
            Backend::Sqlite { path, table }
        }
        scheme @ ("postgres" | "postgresql") => {
            let table = options.take("table")?;
            let schema = options.take("schema")?;
            let url = options.rebuild(&format!("{scheme}://{body}"));
            return Ok(Backend::Postgres { url, table, schema });
        }
        scheme @ ("redis" | "rediss") => {
            let prefix = options.take("prefix")?;
            let url = options.rebuild(&format!("{scheme}://{body}"));
            return Ok(Backend::Redis { url, prefix });
        }
        scheme @ ("redis+cluster" | "rediss+cluster") => {
            let prefix = options.take("prefix")?;
            let base = scheme.trim_end_matches("+cluster");
            let nodes = cluster_nodes(url, base, body)?
                .into_iter()
                .map(|node| options.rebuild(&node))
                .collect();
            return Ok(Backend::RedisCluster { nodes, prefix });
        }
        _ => {
            return Err(OpenStoreError::UnknownScheme {
                scheme: scheme.to_owned(),
            });
        }
    };
    options.reject_rest()?;
    Ok(backend)
}

/// `[user:pass@]host1:port1,host2:port2` into one URL per node, each with the credentials.
fn cluster_nodes(url: &str, base: &str, body: &str) -> Result<Vec<String>, OpenStoreError> {
    let body = body.strip_suffix('/').unwrap_or(body);
    if body.contains('/') {
        return Err(invalid(url, "a cluster URL takes no database path"));
    }
    let (user_info, hosts) = match body.rsplit_once('@') {
        Some((user_info, hosts)) => (format!("{user_info}@"), hosts),
        None => (String::new(), body),
    };
    let hosts: Vec<&str> = hosts.split(',').map(str::trim).collect();
    if hosts.iter().any(|host| host.is_empty()) {
        return Err(invalid(
            url,
            "expected host:port[,host:port...] after redis+cluster://",
        ));
    }
    Ok(hosts
        .into_iter()
        .map(|host| format!("{base}://{user_info}{host}"))
        .collect())
}

fn invalid(url: &str, reason: &str) -> OpenStoreError {
    OpenStoreError::InvalidUrl {
        url: redact(url),
        reason: reason.to_owned(),
    }
}

/// The query of a store URL, in order; the layer's own options are taken out one by one.
struct Options<'a> {
    url: &'a str,
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Options<'a> {
    fn parse(url: &'a str, query: Option<&'a str>) -> Self {
        let pairs = query
            .into_iter()
            .flat_map(|query| query.split('&'))
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .collect();
        Self { url, pairs }
    }

    /// Removes option `name` and returns its value: `None` when absent.
    fn take(&mut self, name: &str) -> Result<Option<String>, OpenStoreError> {
        let mut found = None;
        let mut error = None;
        self.pairs.retain(|(key, value)| {
            if *key != name {
                return true;
            }
            if value.is_empty() {
                error = Some("the value is empty");
            } else if found.replace((*value).to_owned()).is_some() {
                error = Some("the option is given more than once");
            }
            false
        });
        match error {
            Some(reason) => Err(self.refused(name, reason)),
            None => Ok(found),
        }
    }

    /// `base` with the options nobody took, for a driver that reads its own.
    fn rebuild(&self, base: &str) -> String {
        if self.pairs.is_empty() {
            return base.to_owned();
        }
        let query: Vec<String> = self
            .pairs
            .iter()
            .map(|(key, value)| {
                if value.is_empty() {
                    (*key).to_owned()
                } else {
                    format!("{key}={value}")
                }
            })
            .collect();
        format!("{base}?{}", query.join("&"))
    }

    /// Fails on the first option nobody took.
    fn reject_rest(&self) -> Result<(), OpenStoreError> {
        match self.pairs.first() {
            Some((name, _)) => Err(self.refused(name, "this backend takes no such option")),
            None => Ok(()),
        }
    }

    fn refused(&self, name: &str, reason: &str) -> OpenStoreError {
        OpenStoreError::InvalidOption {
            url: redact(self.url),
            name: name.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
