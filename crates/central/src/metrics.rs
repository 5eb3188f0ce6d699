//! The server's counters for `/metrics` (Prometheus text format 0.0.4):
//! events ingested, pushes, failed enrolments and sign-ins, request
//! latency as a histogram, and (read from the store when asked) every
//! kiosk's unsent backlog.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::db::DeviceRecord;

/// The histogram's upper bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The server's counters (shared by every request).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Events new to the store.
    pub events_ingested: AtomicU64,
    /// Pushes answered 200.
    pub pushes: AtomicU64,
    /// Enrolments refused (unknown, used or expired code, or limited).
    pub enrol_failures: AtomicU64,
    /// Sign-ins refused (wrong password or limited).
    pub sign_in_failures: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    /// Counts one request that took `took`.
    pub fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The text Prometheus reads, with each kiosk's backlog.
    pub fn render(&self, devices: &[DeviceRecord]) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        };
        counter(
            &mut out,
            "motesskylt_events_ingested_total",
            "Events new to the central store.",
            &self.events_ingested,
        );
        counter(
            &mut out,
            "motesskylt_pushes_total",
            "Pushes of events answered.",
            &self.pushes,
        );
        counter(
            &mut out,
            "motesskylt_enrol_failures_total",
            "Enrolments refused (wrong, used or expired code, or too many tries).",
            &self.enrol_failures,
        );
        counter(
            &mut out,
            "motesskylt_sign_in_failures_total",
            "Sign-ins refused (wrong password or too many tries).",
            &self.sign_in_failures,
        );
        let _ = writeln!(
            out,
            "# HELP motesskylt_device_backlog_events Events waiting in a kiosk's outbox, as it last told."
        );
        let _ = writeln!(out, "# TYPE motesskylt_device_backlog_events gauge");
        for device in devices.iter().filter(|d| d.revoked.is_none()) {
            if let Some(pending) = device.pending {
                let _ = writeln!(
                    out,
                    "motesskylt_device_backlog_events{{device=\"{}\",room=\"{}\"}} {pending}",
                    label(&device.name),
                    label(&device.room)
                );
            }
        }
        let name = "motesskylt_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to answer a request (live streams excluded)."
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
        out
    }
}

/// A label's value as the text format escapes it.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times every request but the live streams (which last).
pub async fn time_requests(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let live = request.uri().path().ends_with("/live");
    let started = Instant::now();
    let response = next.run(request).await;
    if !live {
        metrics.observe(started.elapsed());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.observe(Duration::from_micros(500));
        metrics.observe(Duration::from_millis(30));
        let text = metrics.render(&[]);
        assert!(text.contains("motesskylt_http_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("motesskylt_http_request_duration_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("motesskylt_http_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("motesskylt_http_request_duration_seconds_count 2\n"));
        assert_eq!(label("a\"b\\c"), "a\\\"b\\\\c");
    }
}
