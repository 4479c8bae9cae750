//! Render times of the outputs a person downloads: the demo account's resume as
//! Markdown/HTML, plain text and PDF (both themes), and a status report as PDF.
//! Builds the demo account in memory with the built-in agents, then renders
//! each output `--runs` times and prints p50 / p99 / max in milliseconds.
//!
//! `cargo run --release -p afterresume-benches --bin render-bench -- --runs 100`

use std::time::{Duration, Instant};

use afterresume_backends::system::System;
use afterresume_core::agents::{render_resume, render_resume_text};
use afterresume_core::domain::ReportKind;
use afterresume_core::service::reports::{GenerateReport, RenderedReport, ReportFormat};
use afterresume_core::service::resume::{RenderedResume, ResumeFormat};
use afterresume_core::service::{Actor, App};
use afterresume_core::{EngineConfig, WorkerOptions};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Renders per output.
    #[arg(long, default_value_t = 100)]
    runs: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

async fn time<F, Fut>(name: &str, runs: usize, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        bytes = f().await;
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "{name:<24} runs={runs} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} bytes={bytes}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3),
    );
}

#[tokio::main]
async fn main() -> afterresume_core::Result<()> {
    let args = Args::parse();
    let system = System::in_memory();
    let engine = system.engine_builder(EngineConfig::default()).build()?;
    let running = engine.start(WorkerOptions::workers(2));
    let app = App::new(engine, std::sync::Arc::clone(&system.domain));
    let seeded = app
        .seed_demo(&Actor::system(), "demo-password-123".into())
        .await?;
    let user = Actor::user(&seeded.user);
    let resume = app.resume(&user, None, None).await?;
    let report = app
        .generate_report(
            &user,
            None,
            GenerateReport {
                kind: ReportKind::Status,
                start: None,
                end: None,
            },
            None,
        )
        .await?;
    let report_id = app
        .engine()
        .wait_for(report.job.id, Duration::from_secs(60))
        .await?
        .result
        .and_then(|r| r["report_id"].as_i64())
        .expect("the report job stores a report");
    println!(
        "demo: {} worklogs, {} skills, resume v{}",
        seeded.worklogs, seeded.skills, resume.version
    );
    let doc = resume.document.clone();
    time("resume markdown+html", args.runs, || {
        let doc = doc.clone();
        async move { render_resume(&doc).map(|r| r.html.len()).unwrap_or(0) }
    })
    .await;
    time("resume text", args.runs, || {
        let doc = doc.clone();
        async move { render_resume_text(&doc).map(|t| t.len()).unwrap_or(0) }
    })
    .await;
    // Typst memoizes: a document it has typeset before comes back from its
    // cache. A new label per run makes every render a fresh one.
    let mut run = 0;
    for theme in ["classic", "modern"] {
        time(&format!("resume pdf {theme} (new)"), args.runs, || {
            run += 1;
            let mut doc = doc.clone();
            doc["basics"]["label"] = format!("Backend Engineer {run}").into();
            async move {
                afterresume_core::agents::pdf::resume_pdf(&doc, theme)
                    .map(|pdf| pdf.len())
                    .unwrap_or_else(|e| panic!("pdf render failed: {e}"))
            }
        })
        .await;
        time(&format!("resume pdf {theme} (same)"), args.runs, || async {
            match app
                .render_resume(&user, None, None, ResumeFormat::Pdf, Some(theme))
                .await
            {
                Ok(current) => match current.rendered {
                    RenderedResume::Pdf(bytes) => bytes.len(),
                    _ => 0,
                },
                Err(e) => panic!("pdf render failed: {e}"),
            }
        })
        .await;
    }
    time("status report pdf", args.runs, || async {
        match app.render_report(&user, report_id, ReportFormat::Pdf).await {
            Ok(RenderedReport::Pdf(bytes)) => bytes.len(),
            other => panic!("report render: {other:?}"),
        }
    })
    .await;
    running.shutdown(Duration::from_secs(5)).await;
    Ok(())
}
