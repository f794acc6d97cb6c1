//! The harness process's own CPU time, to tell client-side cost from server-side cost.

use std::time::Duration;

/// CPU time consumed so far by every live thread of this process, from
/// `/proc/self/task/*/schedstat` (nanoseconds on a CPU); `None` where that is unreadable.
///
/// Threads that have exited are no longer counted, so read it around a stretch of work
/// during which the runtime keeps its threads (tokio keeps idle blocking threads for 10 s).
pub(crate) fn process_cpu() -> Option<Duration> {
    let mut total: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread that exits while we look has no readable schedstat: skip it.
        let on_cpu = std::fs::read_to_string(task.path().join("schedstat"))
            .ok()
            .and_then(|stat| stat.split_whitespace().next()?.parse::<u64>().ok());
        total = total.saturating_add(on_cpu.unwrap_or(0));
    }
    Some(Duration::from_nanos(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_grows_with_work() {
        let before = process_cpu().unwrap();
        let mut sum = 0_u64;
        for value in 0..20_000_000_u64 {
            sum = sum.wrapping_add(std::hint::black_box(value));
        }
        std::hint::black_box(sum);
        assert!(process_cpu().unwrap() > before);
    }
}
