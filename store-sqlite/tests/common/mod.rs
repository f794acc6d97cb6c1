//! What the multi-process tests share: re-running this test binary as a child process.

use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// Starts this test binary again as a child that runs only the ignored test `entry`, with
/// the database path in the environment variable `var`. The child's stdin and stdout are
/// pipes; its stderr is this test's.
pub(crate) fn spawn_child(entry: &str, var: &str, database: &Path) -> Child {
    let this_binary = std::env::current_exe().expect("the test binary knows its path");
    Command::new(this_binary)
        .args([
            entry,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(var, database)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child process starts")
}

/// The child's stdout, line by line.
pub(crate) fn lines_of(child: &mut Child) -> Lines<BufReader<ChildStdout>> {
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    BufReader::new(stdout).lines()
}

/// A multi-threaded runtime for a child or a check after it.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime starts")
}

/// Starts the child half of a test: ends the line libtest began with the test's name, so
/// every protocol line stands alone, and ends the process after `limit` whatever happens,
/// so a parent that failed never leaves it behind.
pub(crate) fn begin_child(limit: Duration) {
    say("");
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        say("ERR the child ran out of time");
        std::process::exit(2);
    });
}

/// Writes one protocol line to stdout, or ends the child when the parent has gone away.
pub(crate) fn say(line: &str) {
    use std::io::Write;

    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        std::process::exit(3);
    }
}
