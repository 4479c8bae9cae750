//! Imports: entries from git, notes, jrnl, CSV or JSON Lines written by
//! external id, all or nothing, optionally analyzed in one bulk enqueue.

use std::collections::HashMap;

use serde_json::json;

use super::{Actor, App, Enqueued};
use crate::domain::{UserId, WorkLogId};
use crate::engine::{EnqueueOptions, EnqueueRequest};
use crate::import::{ImportEntry, ImportOutcome, ImportSummary, RowErrors};
use crate::ports::{ImportWorkLog, ImportedWorkLog};
use crate::service::worklogs::MAX_IMPORT;
use crate::workflows::{WORKLOG_ANALYZE, WORKLOGS_IMPORT};
use crate::{Error, Result};

/// How to import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Say what would happen; store nothing.
    pub dry_run: bool,
    /// Enqueue `worklog.analyze` for every entry created or changed.
    pub analyze: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Counts.
    pub summary: ImportSummary,
    /// Worklogs created or changed (empty on a dry run).
    pub changed: Vec<WorkLogId>,
    /// Analysis jobs enqueued.
    pub analysis_jobs: usize,
}

impl App {
    /// Writes imported entries for `user_id` (the actor's own when absent): each
    /// is checked first, and one bad entry (named by its file and line) stores
    /// nothing; an entry whose external id the user already has updates that
    /// worklog if anything differs. At most [`MAX_IMPORT`] entries per call.
    pub async fn import_entries(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        entries: Vec<ImportEntry>,
        options: ImportOptions,
    ) -> Result<ImportReport> {
        if entries.len() > MAX_IMPORT {
            return Err(Error::invalid_input(format!(
                "entries: at most {MAX_IMPORT} per call, got {}; import in parts",
                entries.len()
            )));
        }
        let user = self.subject(actor, user_id).await?;
        let batch = checked_batch(user, &entries)?;
        let written = self
            .domain
            .import_worklogs(user, batch, self.now(), options.dry_run)
            .await?;
        let mut report = ImportReport::default();
        report.summary.read = entries.len();
        for ImportedWorkLog { id, outcome } in &written {
            report.summary.count(*outcome);
            if *outcome != ImportOutcome::Unchanged && !options.dry_run {
                report.changed.extend(id);
            }
        }
        if options.dry_run || report.changed.is_empty() {
            return Ok(report);
        }
        self.resume_changed(user).await;
        if options.analyze {
            report.analysis_jobs = self.enqueue_analysis(user, &report.changed).await?;
        }
        Ok(report)
    }

    /// One `worklog.analyze` per worklog, in one bulk enqueue.
    async fn enqueue_analysis(&self, user: UserId, worklogs: &[WorkLogId]) -> Result<usize> {
        let requests = worklogs
            .iter()
            .map(|id| EnqueueRequest {
                job_type: WORKLOG_ANALYZE.to_owned(),
                payload: json!({"worklog_id": id}),
                options: EnqueueOptions {
                    user_id: Some(user),
                    ..Default::default()
                },
            })
            .collect();
        Ok(self.engine.enqueue_many(requests).await?.len())
    }
}

impl ImportReport {
    /// Adds another part's counts.
    pub fn add(&mut self, part: ImportReport) {
        self.summary.read += part.summary.read;
        self.summary.created += part.summary.created;
        self.summary.updated += part.summary.updated;
        self.summary.unchanged += part.summary.unchanged;
        self.summary.skipped += part.summary.skipped;
        self.changed.extend(part.changed);
        self.analysis_jobs += part.analysis_jobs;
    }
}

/// Entries written per call by [`App::import_in_parts`].
pub const IMPORT_PART: usize = 1000;

impl App {
    /// Imports any number of entries (a repository's whole history): every
    /// entry is checked first, so one bad entry stores nothing; then they are
    /// written in parts of [`IMPORT_PART`], each all or nothing, and
    /// `progress` hears how many were written so far. A failure midway leaves
    /// the parts before it, and running the import again completes it.
    pub async fn import_in_parts(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        entries: Vec<ImportEntry>,
        options: ImportOptions,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<ImportReport> {
        let user = self.subject(actor, user_id).await?;
        checked_batch(user, &entries)?;
        let mut report = ImportReport::default();
        let parts = ImportOptions {
            analyze: false,
            ..options
        };
        for part in entries.chunks(IMPORT_PART) {
            let written = self
                .import_entries(actor, Some(user), part.to_vec(), parts)
                .await?;
            report.add(written);
            progress(report.summary.read);
        }
        if options.analyze && !options.dry_run {
            report.analysis_jobs = self.enqueue_analysis(user, &report.changed).await?;
        }
        Ok(report)
    }

    /// Whose commits a git import takes: the emails given, else the user's own.
    pub async fn git_authors(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        given: Vec<String>,
    ) -> Result<Vec<String>> {
        let given: Vec<String> = given
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if !given.is_empty() {
            return Ok(given);
        }
        let user = self.subject(actor, user_id).await?;
        let email = self.domain.get_user(user).await?.email;
        if email.trim().is_empty() {
            return Err(Error::invalid_input(
                "author: the user has no email; give the emails their commits use",
            ));
        }
        Ok(vec![email])
    }

    /// Checks every entry now (one bad entry, named by file and line, enqueues
    /// nothing), then enqueues a `worklogs.import` job that writes them in parts
    /// of [`IMPORT_JOB_CHUNK`](crate::workflows::IMPORT_JOB_CHUNK), reporting progress as events. Retrying the job,
    /// or the request with the same `Idempotency-Key`, writes nothing twice.
    pub async fn enqueue_import(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        entries: Vec<ImportEntry>,
        options: ImportOptions,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        if entries.len() > MAX_IMPORT {
            return Err(Error::invalid_input(format!(
                "entries: at most {MAX_IMPORT} per call, got {}; import in parts",
                entries.len()
            )));
        }
        let user = self.subject(actor, user_id).await?;
        checked_batch(user, &entries)?;
        let payload = json!({
            "entries": entries,
            "dry_run": options.dry_run,
            "analyze": options.analyze,
        });
        self.enqueue_for(actor, user, WORKLOGS_IMPORT, payload, idempotency_key)
            .await
    }
}

/// The entries as a batch to write, every one checked; all problems are
/// reported together, each with its file and line.
fn checked_batch(user: UserId, entries: &[ImportEntry]) -> Result<Vec<ImportWorkLog>> {
    let mut errors = RowErrors::default();
    let mut first_seen: HashMap<&str, String> = HashMap::new();
    let mut batch = Vec::with_capacity(entries.len());
    for entry in entries {
        if let Some(first) = first_seen.insert(&entry.external_id, entry.origin.to_string()) {
            errors.push(
                &entry.origin,
                format!(
                    "the same entry as {first} ({}); keep one",
                    entry.external_id
                ),
            );
            continue;
        }
        match entry.to_new_worklog(user) {
            Ok(worklog) => batch.push(ImportWorkLog {
                external_id: entry.external_id.clone(),
                worklog,
            }),
            Err(e) => errors.push(&entry.origin, strip_origin(e.message(), entry)),
        }
    }
    errors.into_result(batch)
}

/// The problem without the origin the entry's own check put in front.
fn strip_origin(message: &str, entry: &ImportEntry) -> String {
    let prefix = format!("{}: ", entry.origin);
    message.strip_prefix(&prefix).unwrap_or(message).to_owned()
}
