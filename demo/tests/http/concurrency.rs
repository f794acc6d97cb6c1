//! 100 concurrent identical requests run the handler once.

use reqwest::StatusCode;

use crate::server::{Reply, Server, send, unique};

pub(crate) const RACERS: usize = 100;

/// Sends `RACERS` identical keyed requests at once, spread over `servers` in turn.
pub(crate) async fn race(servers: &[&Server], key: &str) -> Vec<Reply> {
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let server = servers[i % servers.len()];
            tokio::spawn(send(
                server.post("/slow-things?ms=300", Some(key)).body("same"),
            ))
        })
        .collect();
    let mut replies = Vec::with_capacity(RACERS);
    for task in tasks {
        replies.push(task.await.expect("request task"));
    }
    replies
}

/// Exactly one request ran the handler; every other one got its response or a 409; and a
/// later retry on every server replays it.
pub(crate) async fn assert_ran_once(servers: &[&Server], key: &str, replies: &[Reply]) {
    let fresh: Vec<&Reply> = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::CREATED && !reply.replayed())
        .collect();
    assert_eq!(
        fresh.len(),
        1,
        "exactly one response comes from a handler run"
    );
    for reply in replies {
        match reply.status {
            StatusCode::CREATED => assert_eq!(reply.body, fresh[0].body),
            StatusCode::CONFLICT => assert!(reply.is_problem()),
            other => panic!("unexpected status {other}: {reply:?}"),
        }
    }
    let mut runs = 0;
    for server in servers {
        runs += server.runs().await;
    }
    assert_eq!(runs, 1, "the handler ran once across every server");

    for server in servers {
        let retry = send(server.post("/slow-things?ms=300", Some(key)).body("same")).await;
        assert!(retry.replayed());
        assert_eq!(retry.body, fresh[0].body);
    }
}

#[tokio::test]
async fn one_hundred_concurrent_requests_run_the_handler_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), None).await;
    let key = unique("race");

    let replies = race(&[&server], &key).await;

    assert_ran_once(&[&server], &key, &replies).await;
}
