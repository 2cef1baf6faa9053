//! The server's counters (requests, computations, memory reserved,
//! connections, profile writes), rendered in the Prometheus (OpenMetrics)
//! text format by `GET /metrics` (see `telemetry`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

/// The server's counters.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    computations: Family<OutcomeLabels, Counter>,
    computations_running: Gauge,
    memory_reserved: Gauge,
    connections_open: Gauge,
    connections_closed: Family<ReasonLabels, Counter>,
    profile_writes: Family<ActionLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("crux");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by method and status", requests.clone());
        let computations = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "computations",
            "Computations (runs, analyses, views) by outcome: finished, failed, timeout, busy (no slot in time), over_budget (more memory than the server's budget)",
            computations.clone(),
        );
        let computations_running = Gauge::default();
        registry.register("computations_running", "Computations running now", computations_running.clone());
        let memory_reserved = Gauge::default();
        registry.register(
            "memory_reserved_bytes",
            "Memory reserved by the computations running now (estimated before each starts)",
            memory_reserved.clone(),
        );
        let connections_open = Gauge::default();
        registry.register("connections_open", "Client connections open now", connections_open.clone());
        let connections_closed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "connections_closed",
            "Client connections closed, by reason: done, header_timeout, evicted (the oldest idle one, at the cap), refused, descriptors, error, shutdown",
            connections_closed.clone(),
        );
        let profile_writes = Family::<ActionLabels, Counter>::default();
        registry.register("profile_writes", "Profiles created, updated and deleted", profile_writes.clone());
        Metrics {
            registry,
            requests,
            computations,
            computations_running,
            memory_reserved,
            connections_open,
            connections_closed,
            profile_writes,
        }
    }

    pub fn request(&self, method: &str, status: u16) {
        self.requests.get_or_create(&RequestLabels { method: method.to_string(), status: status.to_string() }).inc();
    }

    /// A computation ended (or never started) with `outcome`.
    pub fn computation(&self, outcome: &str) {
        self.computations.get_or_create(&OutcomeLabels { outcome: outcome.to_string() }).inc();
    }

    /// A computation started (`+1`) or ended (`-1`), holding `bytes` of the memory budget.
    pub fn running(&self, change: i64, bytes: i64) {
        self.computations_running.inc_by(change);
        self.memory_reserved.inc_by(change * bytes);
    }

    pub fn connection_opened(&self) {
        self.connections_open.inc();
    }

    /// A connection closed for `reason` (`refused` and `descriptors` were never open).
    pub fn connection_closed(&self, reason: &str) {
        if reason != "refused" && reason != "descriptors" {
            self.connections_open.dec();
        }
        self.connections_closed.get_or_create(&ReasonLabels { reason: reason.to_string() }).inc();
    }

    pub fn profile_write(&self, action: &str) {
        self.profile_writes.get_or_create(&ActionLabels { action: action.to_string() }).inc();
    }

    /// Every counter, in the Prometheus (OpenMetrics) text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        text
    }
}
