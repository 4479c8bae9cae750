//! `/metrics` in the Prometheus text format: HTTP requests and latency per route
//! template (recorded by a middleware), job counts by type and status and the
//! queue depth (read from the store at scrape time), and the engine's per-process
//! job attempt counters and duration histogram.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use afterresume_core::engine::{DURATION_BUCKETS, DurationHistogram, EngineMetricsSnapshot};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::MetricsReader;
use crate::state::AppState;

fn render_histogram(out: &mut String, name: &str, labels: &str, h: &DurationHistogram) {
    for (bound, count) in DURATION_BUCKETS.iter().zip(h.buckets) {
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum_seconds);
    let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
}

/// HTTP counters of this process.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), DurationHistogram>>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        self.latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_owned(), route.to_owned()))
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    fn render_http(&self, out: &mut String) {
        out.push_str(
            "# HELP afterresume_http_requests_total HTTP requests by route template and status.\n",
        );
        out.push_str("# TYPE afterresume_http_requests_total counter\n");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "afterresume_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP afterresume_http_request_duration_seconds HTTP latency by route template.\n",
        );
        out.push_str("# TYPE afterresume_http_request_duration_seconds histogram\n");
        for ((method, route), h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            render_histogram(out, "afterresume_http_request_duration_seconds", &labels, h);
        }
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts every request under its route template (`/api/worklogs/{id}/`),
/// never the raw path, so ids do not explode the label set.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `GET /metrics`: staff, or the `AFTERRESUME_METRICS_TOKEN` bearer.
pub(crate) async fn metrics(State(state): State<AppState>, _reader: MetricsReader) -> Response {
    let mut out = String::with_capacity(4096);
    state.metrics.render_http(&mut out);
    out.push_str("# HELP afterresume_jobs Jobs in the store by type and status.\n");
    out.push_str("# TYPE afterresume_jobs gauge\n");
    match state.app.engine().store().job_counts().await {
        Ok(counts) => {
            for c in counts {
                let _ = writeln!(
                    out,
                    "afterresume_jobs{{type=\"{}\",status=\"{}\"}} {}",
                    escape(&c.job_type),
                    c.status.as_str(),
                    c.count
                );
            }
        }
        Err(err) => tracing::warn!(error = %err, "metrics: job counts unavailable"),
    }
    if let Ok(depth) = state.app.engine().queue().depth().await {
        out.push_str(
            "# HELP afterresume_queue_depth Messages in the queue, ready now or delayed.\n",
        );
        out.push_str("# TYPE afterresume_queue_depth gauge\n");
        let _ = writeln!(
            out,
            "afterresume_queue_depth{{state=\"ready\"}} {}",
            depth.ready
        );
        let _ = writeln!(
            out,
            "afterresume_queue_depth{{state=\"delayed\"}} {}",
            depth.delayed
        );
    }
    render_engine(&mut out, &state.app.engine().metrics());
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

fn render_engine(out: &mut String, snapshot: &EngineMetricsSnapshot) {
    out.push_str("# HELP afterresume_job_attempts_total Job attempts finished by this process, by type and outcome.\n");
    out.push_str("# TYPE afterresume_job_attempts_total counter\n");
    for ((job_type, outcome), n) in &snapshot.attempts {
        let _ = writeln!(
            out,
            "afterresume_job_attempts_total{{type=\"{}\",outcome=\"{outcome}\"}} {n}",
            escape(job_type)
        );
    }
    out.push_str(
        "# HELP afterresume_job_duration_seconds Job attempt run time in this process, by type.\n",
    );
    out.push_str("# TYPE afterresume_job_duration_seconds histogram\n");
    for (job_type, h) in &snapshot.durations {
        let labels = format!("type=\"{}\"", escape(job_type));
        render_histogram(out, "afterresume_job_duration_seconds", &labels, h);
    }
}
