//! What an operator's Prometheus reads from `/metrics`: requests by route template and status,
//! their latency, waits for a database connection and the refusals when none comes, the work
//! in flight on the blocking pool, and the comparison caches' hits and misses.
//!
//! The metrics are the process's: one process serves one application, and the layers that
//! count (the store's pool, the caches, the handlers' blocking work) do so without being handed
//! a registry. What is read from the database (the reports by year and state) is added at each
//! scrape by the caller of `encode`. Every label takes a bounded set of values: route templates
//! (never raw paths), methods, statuses, fixed names.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// The label of every request that no route took: one value, whatever the path.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The labels of a request counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route template (`/api/v1/departments/{code}`) or `UNMATCHED_ROUTE`.
    pub route: String,
    pub status: u16,
}

/// The labels of a request timed: by route, not status, to keep the buckets few.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

/// Why no connection was handed out.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum PoolRefusal {
    /// The pool had none free within `DATABASE_POOL_TIMEOUT`.
    Timeout,
    /// The database was unreachable and no connection idle: refused at once.
    Outage,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    reason: &'static str,
}

/// The comparison caches.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Cache {
    /// The year tables computed from the projections (`store::comparisons`).
    YearTables,
    /// The JSON answers written from them, by ETag (`api::comparisons`).
    WrittenAnswers,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
    outcome: &'static str,
}

/// How the comparison read model served its year tables since the start (`app::read_model`):
/// the application's own, read at each scrape, so that each application counts what it did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Tables computed anew from every row.
    pub computed: u64,
    /// Tables brought up to date from the one before by reading the changed units again.
    pub updated: u64,
    /// Requests that found their table being rebuilt and waited for that rebuild.
    pub waited: u64,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RebuildLabels {
    how: &'static str,
}

/// The labels of the reports counted by year and state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReportLabels {
    pub year: i32,
    pub state: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s: a cached answer to a slow export.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn pool_wait_histogram() -> Histogram {
    // 0.1 ms to about 1.6 s, past the default `DATABASE_POOL_TIMEOUT` (1 s).
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

struct Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pool_wait: Histogram,
    pool_refusals: Family<RefusalLabels, Counter>,
    blocking_in_flight: Gauge,
    cache_lookups: Family<CacheLabels, Counter>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics {
    requests: Family::default(),
    latency: Family::new_with_constructor(latency_histogram),
    pool_wait: pool_wait_histogram(),
    pool_refusals: Family::default(),
    blocking_in_flight: Gauge::default(),
    cache_lookups: Family::default(),
});

/// Counts an answered request and its time.
pub fn request_answered(method: &str, route: &str, status: u16, took: Duration) {
    let metrics = &*METRICS;
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.to_owned(),
            route: route.to_owned(),
        })
        .observe(took.as_secs_f64());
}

/// Times a connection handed out by the pool.
pub fn pool_waited(waited: Duration) {
    METRICS.pool_wait.observe(waited.as_secs_f64());
}

/// Counts a request for a connection that got none.
pub fn pool_refused(why: PoolRefusal) {
    let reason = match why {
        PoolRefusal::Timeout => "timeout",
        PoolRefusal::Outage => "outage",
    };
    METRICS
        .pool_refusals
        .get_or_create(&RefusalLabels { reason })
        .inc();
}

/// Counts a lookup in one of the comparison caches.
pub fn cache_lookup(cache: Cache, hit: bool) {
    let cache = match cache {
        Cache::YearTables => "year_tables",
        Cache::WrittenAnswers => "written_answers",
    };
    let outcome = if hit { "hit" } else { "miss" };
    METRICS
        .cache_lookups
        .get_or_create(&CacheLabels { cache, outcome })
        .inc();
}

/// Work handed to the blocking pool, counted in flight while this lives.
#[derive(Debug)]
#[must_use = "the work is counted in flight only while this lives"]
pub struct BlockingWork(());

impl BlockingWork {
    pub fn start() -> Self {
        METRICS.blocking_in_flight.inc();
        Self(())
    }
}

impl Drop for BlockingWork {
    fn drop(&mut self) {
        METRICS.blocking_in_flight.dec();
    }
}

/// The metrics in the OpenMetrics text format, with `reports`, the count of reports by year
/// and state as read for this scrape, and how the year tables were served (`tables`).
pub fn encode(
    reports: impl IntoIterator<Item = (ReportLabels, i64)>,
    tables: TableCounts,
) -> String {
    let metrics = &*METRICS;
    let mut registry = Registry::with_prefix("perfeval");
    registry.register(
        "http_requests",
        "Requests answered, by method, route template and status",
        metrics.requests.clone(),
    );
    registry.register_with_unit(
        "http_request_duration",
        "Time from a request's arrival to its answer's headers, by method and route template",
        Unit::Seconds,
        metrics.latency.clone(),
    );
    registry.register_with_unit(
        "db_pool_wait",
        "Time a request waited for a database connection that it got",
        Unit::Seconds,
        metrics.pool_wait.clone(),
    );
    registry.register(
        "db_pool_refusals",
        "Requests for a database connection that got none (answered 503): timeout, or outage",
        metrics.pool_refusals.clone(),
    );
    registry.register(
        "blocking_in_flight",
        "Work handed to the blocking pool (database calls, comparisons, exports) not yet done",
        metrics.blocking_in_flight.clone(),
    );
    registry.register(
        "comparison_cache_lookups",
        "Lookups in the comparison caches (year_tables, written_answers), hit or miss",
        metrics.cache_lookups.clone(),
    );
    let rebuilds: Family<RebuildLabels, Counter> = Family::default();
    for (how, count) in [("computed", tables.computed), ("updated", tables.updated)] {
        rebuilds.get_or_create(&RebuildLabels { how }).inc_by(count);
    }
    registry.register(
        "year_table_rebuilds",
        "Year tables (the units table, and the project rows of a year) rebuilt: computed anew \
         from every row, or updated from the table before by reading the changed units again; \
         one rebuild at a time per table",
        rebuilds,
    );
    let waited: Counter = Counter::default();
    waited.inc_by(tables.waited);
    registry.register(
        "year_table_waits",
        "Requests that found their year table being rebuilt and were answered by that rebuild",
        waited,
    );
    let counts: Family<ReportLabels, Gauge> = Family::default();
    for (labels, count) in reports {
        counts.get_or_create(&labels).set(count);
    }
    registry.register(
        "reports",
        "Reports by fiscal year and state, for the latest years, as read at this scrape",
        counts,
    );
    let mut text = String::new();
    // Writing to a String does not fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_route_templates_and_reports_by_year_and_state() {
        request_answered(
            "GET",
            "/api/v1/departments/{code}",
            200,
            Duration::from_millis(3),
        );
        let tables = TableCounts {
            computed: 2,
            updated: 5,
            waited: 11,
        };
        let text = encode(
            [(
                ReportLabels {
                    year: 2024,
                    state: "draft".to_owned(),
                },
                7,
            )],
            tables,
        );
        assert!(text.contains(
            r#"perfeval_http_requests_total{method="GET",route="/api/v1/departments/{code}",status="200"}"#
        ), "{text}");
        assert!(
            text.contains(r#"perfeval_reports{year="2024",state="draft"} 7"#),
            "{text}"
        );
        for series in [
            r#"perfeval_year_table_rebuilds_total{how="computed"} 2"#,
            r#"perfeval_year_table_rebuilds_total{how="updated"} 5"#,
            "perfeval_year_table_waits_total 11",
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
