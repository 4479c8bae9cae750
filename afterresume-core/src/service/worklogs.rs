//! Worklogs: write, list, read, change, delete, and ask for their analysis.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{Actor, App, Enqueued, Page, PageRequest, visible};
use crate::domain::{
    DEFAULT_SOURCE, NewWorkLog, UserId, WorkLog, WorkLogFilter, WorkLogId, WorkLogPatch,
};
use crate::workflows::WORKLOG_ANALYZE;
use crate::{Error, Result};

/// The most entries one import takes.
pub const MAX_IMPORT: usize = 10_000;

/// A new worklog, or the whole of a replacement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkLogInput {
    /// What was done (Markdown allowed); required, not blank.
    pub content: String,
    /// The day; today when absent.
    pub date: Option<NaiveDate>,
    /// Optional title.
    pub title: Option<String>,
    /// Tags (projects, areas).
    pub tags: Vec<String>,
    /// Where it came from; [`DEFAULT_SOURCE`] when absent.
    pub source: Option<String>,
    /// A JSON object; `{}` when absent.
    pub metadata: Option<Value>,
}

impl WorkLogInput {
    /// An entry with content only.
    pub fn new(content: impl Into<String>) -> Self {
        WorkLogInput {
            content: content.into(),
            ..Default::default()
        }
    }

    fn into_new(self, user_id: UserId, today: NaiveDate) -> Result<NewWorkLog> {
        let mut new = NewWorkLog::new(user_id, self.date.unwrap_or(today), self.content);
        new.title = self.title;
        new.tags = self.tags;
        if let Some(source) = self.source {
            new.source = source;
        }
        if let Some(metadata) = self.metadata {
            new.metadata = metadata;
        }
        new.validate()?;
        Ok(new)
    }

    /// The patch that makes a worklog exactly this input (absent fields get
    /// their defaults, as on creation).
    fn into_replacement(self, today: NaiveDate) -> WorkLogPatch {
        WorkLogPatch {
            date: Some(self.date.unwrap_or(today)),
            content: Some(self.content),
            title: Some(self.title),
            tags: Some(self.tags),
            source: Some(self.source.unwrap_or_else(|| DEFAULT_SOURCE.to_owned())),
            metadata: Some(self.metadata.unwrap_or_else(|| json!({}))),
        }
    }
}

/// The longest text a worklog search takes.
const MAX_SEARCH_CHARS: usize = 200;

/// Which worklogs to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkLogQuery {
    /// Whose: the caller's own when absent; staff may name anyone.
    pub user_id: Option<UserId>,
    /// Earliest date.
    pub date_from: Option<NaiveDate>,
    /// Latest date; not before `date_from`.
    pub date_to: Option<NaiveDate>,
    /// Only entries with this tag.
    pub tag: Option<String>,
    /// Only entries whose content holds this text (case ignored).
    pub text: Option<String>,
    /// The page.
    pub page: PageRequest,
}

impl App {
    /// Writes a worklog for `user_id` (the actor's own when absent).
    pub async fn create_worklog(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        input: WorkLogInput,
    ) -> Result<WorkLog> {
        let user = self.subject(actor, user_id).await?;
        let new = input.into_new(user, self.today())?;
        let created = self.domain.create_worklog(new, self.now()).await?;
        self.resume_changed(user).await;
        Ok(created)
    }

    /// Writes many worklogs at once: every entry is checked first, and one bad
    /// entry (named by its index) stores none of them.
    pub async fn import_worklogs(
        &self,
        actor: &Actor,
        user_id: Option<UserId>,
        entries: Vec<WorkLogInput>,
    ) -> Result<Vec<WorkLog>> {
        if entries.len() > MAX_IMPORT {
            return Err(Error::invalid_input(format!(
                "entries: at most {MAX_IMPORT} per call, got {}",
                entries.len()
            )));
        }
        let user = self.subject(actor, user_id).await?;
        let today = self.today();
        let batch = entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                entry
                    .into_new(user, today)
                    .map_err(|e| Error::invalid_input(format!("entries[{i}].{}", e.message())))
            })
            .collect::<Result<Vec<_>>>()?;
        let created = self.domain.create_worklogs(batch, self.now()).await?;
        self.resume_changed(user).await;
        Ok(created)
    }

    /// A page of worklogs, newest first.
    pub async fn list_worklogs(&self, actor: &Actor, query: WorkLogQuery) -> Result<Page<WorkLog>> {
        let user = actor.acting_for(query.user_id)?;
        let limit = query.page.size()?;
        let after = query.page.position(|c| {
            let (d, id) = c.split_once('|')?;
            Some((
                NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                id.parse().ok()?,
            ))
        })?;
        if let (Some(from), Some(to)) = (query.date_from, query.date_to)
            && to < from
        {
            return Err(Error::invalid_input(format!(
                "date_to: {to} is before date_from {from}"
            )));
        }
        let text = match query.text.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                crate::domain::storable::check_text("q", text)?;
                if text.chars().count() > MAX_SEARCH_CHARS {
                    return Err(Error::invalid_input(format!(
                        "q: longer than {MAX_SEARCH_CHARS} characters"
                    )));
                }
                Some(text.to_owned())
            }
        };
        let filter = WorkLogFilter {
            user_id: Some(user),
            date_from: query.date_from,
            date_to: query.date_to,
            tag: query.tag,
            text,
            after,
            limit: limit + 1,
        };
        let items = self.domain.list_worklogs(&filter).await?;
        Ok(Page::from_overfetch(items, limit, |w| {
            format!("{}|{}", w.date, w.id)
        }))
    }

    /// A worklog the actor may see, with its analysis once analyzed.
    pub async fn worklog(&self, actor: &Actor, id: WorkLogId) -> Result<WorkLog> {
        let found = self.domain.get_worklog(id).await;
        visible(actor, found, |w| Some(w.user_id), "worklog", id)
    }

    /// Changes the given fields; new content clears the analysis and evidence.
    pub async fn update_worklog(
        &self,
        actor: &Actor,
        id: WorkLogId,
        patch: WorkLogPatch,
    ) -> Result<WorkLog> {
        let owner = self.worklog(actor, id).await?.user_id;
        patch.validate()?;
        let updated = self.domain.update_worklog(id, patch, self.now()).await?;
        self.resume_changed(owner).await;
        Ok(updated)
    }

    /// Replaces every field; absent ones get their defaults.
    pub async fn replace_worklog(
        &self,
        actor: &Actor,
        id: WorkLogId,
        input: WorkLogInput,
    ) -> Result<WorkLog> {
        let patch = input.into_replacement(self.today());
        self.update_worklog(actor, id, patch).await
    }

    /// Deletes a worklog with its skill evidence.
    pub async fn delete_worklog(&self, actor: &Actor, id: WorkLogId) -> Result<()> {
        let owner = self.worklog(actor, id).await?.user_id;
        self.domain.delete_worklog(id).await?;
        self.resume_changed(owner).await;
        Ok(())
    }

    /// Enqueues the analysis of a worklog (skills with evidence).
    pub async fn analyze_worklog(
        &self,
        actor: &Actor,
        id: WorkLogId,
        idempotency_key: Option<&str>,
    ) -> Result<Enqueued> {
        let worklog = self.worklog(actor, id).await?;
        let payload = json!({"worklog_id": id});
        self.enqueue_for(
            actor,
            worklog.user_id,
            WORKLOG_ANALYZE,
            payload,
            idempotency_key,
        )
        .await
    }
}
