//! The harness end to end on the in-process contenders, briefly: it runs, nothing fails,
//! and the results are well formed. No figure is asserted; timings are not tested.

use std::time::Duration;

use serde_json::Value;

use crate::cli::{StoreKind, WorkloadKind};
use crate::report::{Report, Variant};
use crate::runner::Plan;
use crate::session::Session;

const ALL: [WorkloadKind; 3] = [
    WorkloadKind::Fresh,
    WorkloadKind::Replay,
    WorkloadKind::Contended,
];

fn session() -> Session {
    let plan = Plan {
        concurrency: 16,
        warmup: Duration::from_millis(10),
        duration: Duration::from_millis(100),
    };
    Session::new(plan, 2, ALL.to_vec(), false).unwrap()
}

fn report(session: &Session, rows: Vec<crate::report::Row>) -> Report {
    Report {
        run: session.run.clone(),
        concurrency: session.plan.concurrency,
        duration_secs: session.plan.duration.as_secs_f64(),
        rows,
        footprint: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_and_raw_map_produce_well_formed_results() {
    let session = session();

    let rows = crate::memory::run(&session).await.unwrap();
    let report = report(&session, rows);

    assert_eq!(
        report.rows.len(),
        6,
        "raw and store for each of three workloads"
    );
    for row in &report.rows {
        assert_eq!(row.errors, 0, "{row:?}");
        assert!(row.ops > 0, "{row:?}");
        assert!(
            row.p50_us <= row.p99_us && row.p99_us <= row.p999_us,
            "{row:?}"
        );
    }
    let lines = report.json_lines();
    let results: Vec<&Value> = lines.iter().filter(|l| l["type"] == "result").collect();
    assert_eq!(results.len(), 6);
    for line in &results {
        let text = line.to_string();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["store"], "memory");
        assert!(parsed["ops_per_sec"].as_f64().unwrap() > 0.0, "{text}");
        let is_store = parsed["variant"] == "store";
        assert_eq!(parsed["store_over_raw"].is_f64(), is_store, "{text}");
    }
    let target = lines.iter().find(|l| l["type"] == "target").unwrap();
    assert_eq!(target["store"], "memory");
    assert!(report.table().contains("| memory | contended | store |"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_baselines_run_the_store_statements_without_errors() {
    let session = session();
    let sqlite = crate::sqlite::SqliteBench::open(&session).await.unwrap();

    let rows = sqlite.run(&session).await.unwrap();
    sqlite.close().unwrap();

    let variants = |workload| {
        rows.iter()
            .filter(|row| row.workload == workload && row.store == StoreKind::Sqlite)
            .map(|row| row.variant)
            .collect::<Vec<_>>()
    };
    for workload in ALL {
        let seen = variants(workload);
        assert!(
            seen.contains(&Variant::Raw) && seen.contains(&Variant::Naive),
            "{seen:?}"
        );
    }
    for row in &rows {
        assert_eq!(row.errors, 0, "{row:?} {:?}", row.first_error);
        assert!(row.ops > 0, "{row:?}");
    }
}
