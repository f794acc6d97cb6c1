use std::path::PathBuf;

use super::{Backend, BackendKind, StoreUrl};
use crate::OpenStoreError;

fn backend(url: &str) -> Backend {
    StoreUrl::parse(url).expect("valid URL").backend
}

fn sqlite(path: Option<&str>, table: Option<&str>) -> Backend {
    Backend::Sqlite {
        path: path.map(PathBuf::from),
        table: table.map(str::to_owned),
    }
}

#[test]
fn memory_and_sqlite_forms() {
    assert!(matches!(backend("memory://"), Backend::Memory));
    assert!(backend("sqlite://data/app.db") == sqlite(Some("data/app.db"), None));
    assert!(backend("sqlite:///var/lib/app.db") == sqlite(Some("/var/lib/app.db"), None));
    assert!(backend("sqlite::memory:") == sqlite(None, None));
    assert!(backend("sqlite://:memory:") == sqlite(None, None));
    assert!(backend(" sqlite://a.db?table=t1 ") == sqlite(Some("a.db"), Some("t1")));
    assert_eq!(
        StoreUrl::parse("SQLITE://a.db").expect("url").kind(),
        BackendKind::Sqlite
    );
}

#[test]
fn postgres_options_are_taken_out_and_the_rest_passed_on() {
    let parsed = backend("postgresql://app:pw@db:5432/test?sslmode=disable&table=t&schema=s");
    assert!(
        parsed
            == Backend::Postgres {
                url: "postgresql://app:pw@db:5432/test?sslmode=disable".to_owned(),
                table: Some("t".to_owned()),
                schema: Some("s".to_owned()),
            }
    );
    let plain = backend("postgres://postgres@127.0.0.1:5432/test");
    assert!(
        plain
            == Backend::Postgres {
                url: "postgres://postgres@127.0.0.1:5432/test".to_owned(),
                table: None,
                schema: None,
            }
    );
}

#[test]
fn redis_and_cluster_forms() {
    assert!(
        backend("rediss://:pw@cache:6380/2?prefix=shop")
            == Backend::Redis {
                url: "rediss://:pw@cache:6380/2".to_owned(),
                prefix: Some("shop".to_owned()),
            }
    );
    assert!(
        backend("redis+cluster://u:pw@h1:7000, h2:7001/?prefix=p&protocol=resp3")
            == Backend::RedisCluster {
                nodes: vec![
                    "redis://u:pw@h1:7000?protocol=resp3".to_owned(),
                    "redis://u:pw@h2:7001?protocol=resp3".to_owned(),
                ],
                prefix: Some("p".to_owned()),
            }
    );
    assert!(
        backend("rediss+cluster://h1:7000")
            == Backend::RedisCluster {
                nodes: vec!["rediss://h1:7000".to_owned()],
                prefix: None,
            }
    );
}

#[test]
fn unknown_schemes_and_bad_shapes_get_typed_errors() {
    assert!(matches!(
        StoreUrl::parse("mysql://db/test"),
        Err(OpenStoreError::UnknownScheme { scheme }) if scheme == "mysql"
    ));
    for bad in [
        "",
        "just-a-path.db",
        "sqlite://",
        "memory://host",
        "redis+cluster://",
        "redis+cluster://h1:1,,h2:2",
        "redis+cluster://h1:1/0",
    ] {
        assert!(
            matches!(StoreUrl::parse(bad), Err(OpenStoreError::InvalidUrl { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn options_must_be_known_single_and_non_empty() {
    for bad in [
        "memory://?table=x",
        "sqlite://a.db?prefix=x",
        "sqlite://a.db?table=",
        "postgres://db/test?table=a&table=b",
    ] {
        assert!(
            matches!(
                StoreUrl::parse(bad),
                Err(OpenStoreError::InvalidOption { .. })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn no_password_reaches_an_error_or_debug_output() {
    let parsed = StoreUrl::parse("postgres://app:s3cret@db/test").expect("url");
    assert!(!format!("{parsed:?}").contains("s3cret"));
    assert!(!parsed.to_string().contains("s3cret"));

    let errors = [
        StoreUrl::parse("postgres://app:s3cret@db/test?table=a&table=b"),
        StoreUrl::parse("redis+cluster://app:s3cret@h1:1,,h2"),
        StoreUrl::parse("app:s3cret@db/test"),
    ];
    for error in errors {
        let error = error.expect_err("invalid");
        assert!(!format!("{error:?}").contains("s3cret"), "{error:?}");
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
