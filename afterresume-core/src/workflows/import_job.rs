//! `worklogs.import`: entries already checked by the host, written in parts of
//! [`IMPORT_JOB_CHUNK`] with a progress event after each. Every part is written
//! by external id, so a retried job writes nothing twice.

use serde_json::{Value, json};

use super::user_of;
use crate::agents::{AgentServices, Payload};
use crate::engine::ExecutionContext;
use crate::import::{ImportEntry, ImportSummary};
use crate::service::import::ImportOptions;
use crate::service::{Actor, App};
use crate::{Error, Result};

/// `worklogs.import`.
pub const WORKLOGS_IMPORT: &str = "worklogs.import";
/// Entries per write (and per progress event) of an import job.
pub const IMPORT_JOB_CHUNK: usize = 500;

/// The payload's entries and options, checked for shape.
pub(super) fn import_payload(payload: &Value) -> Result<(Vec<ImportEntry>, ImportOptions)> {
    let p = Payload(payload);
    let entries = payload
        .get("entries")
        .cloned()
        .ok_or_else(|| Error::invalid_input("payload.entries: required"))?;
    let entries: Vec<ImportEntry> = serde_json::from_value(entries)
        .map_err(|e| Error::invalid_input(format!("payload.entries: {e}")))?;
    let options = ImportOptions {
        dry_run: p.flag("dry_run")?,
        analyze: p.flag("analyze")?,
    };
    Ok((entries, options))
}

pub(super) async fn import_worklogs(
    services: &AgentServices,
    ctx: &ExecutionContext,
    payload: &Value,
) -> Result<Value> {
    let user = user_of(ctx, &Payload(payload))?;
    let (entries, options) = import_payload(payload).map_err(Error::permanent)?;
    let app = App::new(
        ctx.engine().clone(),
        std::sync::Arc::clone(&services.domain),
    );
    let total = entries.len();
    let mut summary = ImportSummary::default();
    let (mut changed, mut analysis_jobs) = (0, 0);
    for (i, chunk) in entries.chunks(IMPORT_JOB_CHUNK).enumerate() {
        ctx.check_cancelled()?;
        let report = app
            .import_entries(&Actor::system(), Some(user), chunk.to_vec(), options)
            .await
            .map_err(|e| match e.is_temporary() {
                true => e,
                false => e.permanent(),
            })?;
        summary.read += report.summary.read;
        summary.created += report.summary.created;
        summary.updated += report.summary.updated;
        summary.unchanged += report.summary.unchanged;
        changed += report.changed.len();
        analysis_jobs += report.analysis_jobs;
        let done = (i * IMPORT_JOB_CHUNK + chunk.len()).min(total);
        ctx.progress(
            done as f64 * 100.0 / total.max(1) as f64,
            &format!("imported {done} of {total} entries"),
        )
        .await?;
    }
    Ok(json!({
        "read": summary.read,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "changed": changed,
        "analysis_jobs": analysis_jobs,
        "dry_run": options.dry_run,
    }))
}
