//! Results: rows, ratios, the table for people and the JSON lines for machines.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::cli::{StoreKind, WorkloadKind};
use crate::runner::Sample;

/// Which implementation a row measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The store, through the `IdempotencyStore` trait.
    Store,
    /// The bare operations of the backend: the raw limit.
    Raw,
    /// SQLite only: one transaction per operation behind a mutex.
    Naive,
    /// Redis only: the store's own scripts by bare `EVALSHA` (a diagnostic).
    StoreScripts,
}

impl Variant {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Raw => "raw",
            Self::Naive => "naive-tx",
            Self::StoreScripts => "store-scripts",
        }
    }
}

/// One measurement, summarised.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) store: StoreKind,
    pub(crate) workload: WorkloadKind,
    pub(crate) variant: Variant,
    pub(crate) ops: u64,
    pub(crate) ops_per_sec: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) p999_us: f64,
    pub(crate) max_us: f64,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    /// The server's own time per call, where a probe can read it (Redis).
    pub(crate) server_us_per_call: Option<f64>,
    /// The harness process's CPU time per operation (its own threads, the store's threads,
    /// SQLite included), warm-up share included.
    pub(crate) client_us_per_op: Option<f64>,
    /// SQLite: operations per committed transaction (the group size).
    pub(crate) ops_per_transaction: Option<f64>,
}

impl Row {
    pub(crate) fn new(
        store: StoreKind,
        workload: WorkloadKind,
        variant: Variant,
        sample: &Sample,
    ) -> Self {
        Self {
            store,
            workload,
            variant,
            ops: sample.ops,
            ops_per_sec: sample.ops_per_sec(),
            p50_us: sample.quantile_us(0.5),
            p99_us: sample.quantile_us(0.99),
            p999_us: sample.quantile_us(0.999),
            max_us: sample.latency.max() as f64 / 1000.0,
            errors: sample.errors,
            first_error: sample.first_error.clone(),
            server_us_per_call: None,
            client_us_per_op: None,
            ops_per_transaction: None,
        }
    }
}

/// The memory store's resident bytes per completed record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Footprint {
    pub(crate) records: u64,
    pub(crate) rss_before: u64,
    pub(crate) rss_after: u64,
}

impl Footprint {
    pub(crate) fn bytes_per_record(&self) -> f64 {
        self.rss_after.saturating_sub(self.rss_before) as f64 / self.records.max(1) as f64
    }
}

/// A target of the issue: a ratio of two rows of one run, and its threshold.
#[derive(Debug, Clone, Copy)]
struct Goal {
    store: StoreKind,
    workload: WorkloadKind,
    against: Variant,
    at_least: f64,
}

const GOALS: [Goal; 4] = [
    Goal {
        store: StoreKind::Memory,
        workload: WorkloadKind::Fresh,
        against: Variant::Raw,
        at_least: 0.5,
    },
    Goal {
        store: StoreKind::Sqlite,
        workload: WorkloadKind::Fresh,
        against: Variant::Naive,
        at_least: 3.0,
    },
    Goal {
        store: StoreKind::Postgres,
        workload: WorkloadKind::Fresh,
        against: Variant::Raw,
        at_least: 0.9,
    },
    Goal {
        store: StoreKind::Redis,
        workload: WorkloadKind::Fresh,
        against: Variant::Raw,
        at_least: 0.8,
    },
];

/// Everything one run measured.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) run: String,
    pub(crate) concurrency: u64,
    pub(crate) duration_secs: f64,
    pub(crate) rows: Vec<Row>,
    pub(crate) footprint: Option<Footprint>,
}

impl Report {
    /// The store's throughput over the `against` row of the same store and workload.
    pub(crate) fn ratio(&self, row: &Row, against: Variant) -> Option<f64> {
        if !matches!(row.variant, Variant::Store | Variant::StoreScripts) || against == row.variant
        {
            return None;
        }
        let base = self.rows.iter().find(|other| {
            other.store == row.store && other.workload == row.workload && other.variant == against
        })?;
        (base.ops_per_sec > 0.0).then(|| row.ops_per_sec / base.ops_per_sec)
    }

    fn goal_ratio(&self, goal: &Goal) -> Option<f64> {
        let row = self.rows.iter().find(|row| {
            row.store == goal.store
                && row.workload == goal.workload
                && row.variant == Variant::Store
        })?;
        self.ratio(row, goal.against)
    }

    /// Whether any operation failed.
    pub(crate) fn has_errors(&self) -> bool {
        self.rows.iter().any(|row| row.errors > 0)
    }

    /// The table, the target checks and the footprint, for people.
    pub(crate) fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "run {} · {} tasks · {:.1} s per measurement",
            self.run, self.concurrency, self.duration_secs
        );
        let _ = writeln!(
            out,
            "| store | workload | variant | ops/s | p50 µs | p99 µs | p99.9 µs | store/raw \
             | client CPU µs/op | server µs/call | ops/txn | errors |"
        );
        let _ = writeln!(
            out,
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for row in &self.rows {
            let ratio = self
                .ratio(row, Variant::Raw)
                .map_or(String::new(), |r| format!("{r:.2}"));
            let naive = self
                .ratio(row, Variant::Naive)
                .map_or(String::new(), |r| format!(" ({r:.1}x naive-tx)"));
            let client = row
                .client_us_per_op
                .map_or(String::new(), |micros| format!("{micros:.1}"));
            let group = row
                .ops_per_transaction
                .map_or(String::new(), |ops| format!("{ops:.1}"));
            let server = row
                .server_us_per_call
                .map_or(String::new(), |micros| format!("{micros:.1}"));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {ratio}{naive} | {client} \
                 | {server} | {group} | {} |",
                row.store,
                row.workload.name(),
                row.variant.name(),
                row.ops_per_sec,
                row.p50_us,
                row.p99_us,
                row.p999_us,
                row.errors
            );
        }
        for goal in &GOALS {
            if let Some(ratio) = self.goal_ratio(goal) {
                let verdict = if ratio >= goal.at_least {
                    "met"
                } else {
                    "MISSED"
                };
                let _ = writeln!(
                    out,
                    "target: {} {} store/{} = {ratio:.3} (at least {:.1}): {verdict}",
                    goal.store,
                    goal.workload.name(),
                    goal.against.name(),
                    goal.at_least
                );
            }
        }
        if let Some(footprint) = self.footprint {
            let _ = writeln!(
                out,
                "memory store footprint: {:.0} resident bytes per completed record \
                 ({} records, ~200-byte response)",
                footprint.bytes_per_record(),
                footprint.records
            );
        }
        for row in self.rows.iter().filter(|row| row.errors > 0) {
            let _ = writeln!(
                out,
                "errors in {} {} {}: {} (first: {})",
                row.store,
                row.workload.name(),
                row.variant.name(),
                row.errors,
                row.first_error.as_deref().unwrap_or("?")
            );
        }
        out
    }

    /// One JSON object per row, per target and for the footprint.
    pub(crate) fn json_lines(&self) -> Vec<Value> {
        let mut lines: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                json!({
                    "type": "result",
                    "run": self.run,
                    "store": row.store.name(),
                    "workload": row.workload.name(),
                    "variant": row.variant.name(),
                    "concurrency": self.concurrency,
                    "duration_s": self.duration_secs,
                    "ops": row.ops,
                    "ops_per_sec": round(row.ops_per_sec),
                    "p50_us": round(row.p50_us),
                    "p99_us": round(row.p99_us),
                    "p999_us": round(row.p999_us),
                    "max_us": round(row.max_us),
                    "errors": row.errors,
                    "first_error": row.first_error,
                    "store_over_raw": self.ratio(row, Variant::Raw).map(round),
                    "store_over_naive_tx": self.ratio(row, Variant::Naive).map(round),
                    "server_us_per_call": row.server_us_per_call.map(round),
                    "client_cpu_us_per_op": row.client_us_per_op.map(round),
                    "ops_per_transaction": row.ops_per_transaction.map(round),
                })
            })
            .collect();
        for goal in &GOALS {
            if let Some(ratio) = self.goal_ratio(goal) {
                lines.push(json!({
                    "type": "target",
                    "run": self.run,
                    "store": goal.store.name(),
                    "workload": goal.workload.name(),
                    "against": goal.against.name(),
                    "ratio": round(ratio),
                    "at_least": goal.at_least,
                    "met": ratio >= goal.at_least,
                }));
            }
        }
        if let Some(footprint) = self.footprint {
            lines.push(json!({
                "type": "footprint",
                "run": self.run,
                "store": "memory",
                "records": footprint.records,
                "rss_before_bytes": footprint.rss_before,
                "rss_after_bytes": footprint.rss_after,
                "bytes_per_record": round(footprint.bytes_per_record()),
            }));
        }
        lines
    }
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
