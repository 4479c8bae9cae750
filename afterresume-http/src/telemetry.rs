//! OpenTelemetry export, on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the
//! traces-only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and
//! `OTEL_SDK_DISABLED` is not `true`: traces and metrics go over OTLP/HTTP
//! (protobuf) to that collector, configured by the standard `OTEL_*`
//! variables (`OTEL_SERVICE_NAME`, default `afterresume`;
//! `OTEL_EXPORTER_OTLP_HEADERS`; `OTEL_BSP_SCHEDULE_DELAY`;
//! `OTEL_METRIC_EXPORT_INTERVAL`; ...).
//!
//! Traces: every job attempt is a span (`job <type>`, with the job's id,
//! attempt, queue and trace id), and the workflow's spans nest inside it.
//! Metrics: `afterresume.job.attempts` (finished attempts by job type and
//! outcome) and `afterresume.jobs.running` (jobs running in this process).
//!
//! The SDK exports from threads of its own with a blocking HTTP client, so
//! building and shutting the exporters down happen off the async runtime.

use std::time::Duration;

use afterresume_core::Engine;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{MetricExporter, SpanExporter};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The variables that turn the export on.
const ENDPOINT_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

/// The service name when `OTEL_SERVICE_NAME` is unset.
const SERVICE_NAME: &str = "afterresume";

/// The exporters of a process; [`shutdown`](Self::shutdown) flushes them.
#[derive(Debug)]
pub struct Telemetry {
    tracer: SdkTracerProvider,
    meter: SdkMeterProvider,
}

/// Whether the environment asks for the export.
pub fn configured() -> bool {
    let disabled =
        std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    !disabled
        && ENDPOINT_VARS
            .iter()
            .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
}

impl Telemetry {
    /// The exporters the environment asks for, or `None` when it asks for none.
    /// A malformed setting is an error naming it.
    pub fn from_env() -> Result<Option<Telemetry>, String> {
        if !configured() {
            return Ok(None);
        }
        // The blocking HTTP client must not be built inside the async runtime.
        std::thread::spawn(Self::build)
            .join()
            .map_err(|_| "OpenTelemetry: building the exporters panicked".to_owned())?
            .map(Some)
    }

    fn build() -> Result<Telemetry, String> {
        let mut resource = Resource::builder();
        if std::env::var("OTEL_SERVICE_NAME").is_err() {
            resource = resource.with_service_name(SERVICE_NAME);
        }
        let resource = resource.build();
        let spans = SpanExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("OpenTelemetry trace exporter: {e}"))?;
        let metrics = MetricExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("OpenTelemetry metric exporter: {e}"))?;
        let tracer = SdkTracerProvider::builder()
            .with_batch_exporter(spans)
            .with_resource(resource.clone())
            .build();
        let meter = SdkMeterProvider::builder()
            .with_periodic_exporter(metrics)
            .with_resource(resource)
            .build();
        opentelemetry::global::set_meter_provider(meter.clone());
        Ok(Telemetry { tracer, meter })
    }

    /// The layer that turns `tracing` spans into exported spans.
    pub fn layer<S>(&self) -> impl Layer<S> + 'static
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
    {
        tracing_opentelemetry::layer().with_tracer(self.tracer.tracer(SERVICE_NAME))
    }

    /// Exports what is still buffered and stops the exporters, waiting for
    /// them at most a few seconds.
    pub fn shutdown(self) {
        let done = std::thread::spawn(move || {
            let traces = self.tracer.shutdown_with_timeout(Duration::from_secs(5));
            let metrics = self.meter.shutdown_with_timeout(Duration::from_secs(5));
            (traces, metrics)
        })
        .join();
        if let Ok((traces, metrics)) = done {
            for (what, result) in [("traces", traces), ("metrics", metrics)] {
                if let Err(err) = result {
                    eprintln!("afterresume: OpenTelemetry {what} were not all exported: {err}");
                }
            }
        }
    }
}

/// Reports the engine's job metrics to the global meter provider (a no-op
/// unless [`Telemetry::from_env`] set one up).
pub fn observe_engine(engine: &Engine) {
    let meter = opentelemetry::global::meter(SERVICE_NAME);
    let attempts = engine.clone();
    meter
        .u64_observable_counter("afterresume.job.attempts")
        .with_description("Finished job attempts by job type and outcome")
        .with_callback(move |observer| {
            for ((job_type, outcome), count) in attempts.metrics().attempts {
                observer.observe(
                    count,
                    &[
                        KeyValue::new("job.type", job_type),
                        KeyValue::new("outcome", outcome),
                    ],
                );
            }
        })
        .build();
    let running = engine.clone();
    meter
        .u64_observable_gauge("afterresume.jobs.running")
        .with_description("Jobs running in this process")
        .with_callback(move |observer| observer.observe(running.running_jobs() as u64, &[]))
        .build();
}
