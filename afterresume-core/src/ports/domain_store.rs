use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::ThrottleStore;
use crate::Result;
use crate::domain::{
    ApiToken, EvidenceId, NewApiToken, NewReport, NewResume, NewSkill, NewSkillEvidence, NewUser,
    NewWorkLog, ProfileDocument, Report, ReportId, ReportKind, Resume, Skill, SkillEvidence,
    SkillId, StoredProfile, TokenId, TokenPage, User, UserId, UserSkill, WorkLog, WorkLogFilter,
    WorkLogId, WorkLogPatch,
};
use crate::import::ImportOutcome;

/// Users.
///
/// # Contract
/// Usernames are unique: creating a second user with the same username (compared
/// case-insensitively) is [`ErrorKind::AlreadyExists`](crate::ErrorKind::AlreadyExists).
#[async_trait]
pub trait UserStore: Send + Sync + Debug + 'static {
    /// Creates a user (input already validated by the service layer).
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<User>;
    /// One user by id.
    async fn get_user(&self, id: UserId) -> Result<User>;
    /// One user by username (case-insensitive).
    async fn get_user_by_username(&self, username: &str) -> Result<User>;
    /// All users, by id.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Replaces the password hash.
    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()>;
}

/// API tokens, stored by hash.
#[async_trait]
pub trait TokenStore: Send + Sync + Debug + 'static {
    /// Stores a new token (the hash must be unique).
    async fn create_token(&self, token: NewApiToken, now: DateTime<Utc>) -> Result<ApiToken>;
    /// The live token (not revoked, not expired at `now`) with this hash, marking
    /// it used at `now` when its last
    /// recorded use is [`TOKEN_USE_RESOLUTION`](crate::domain::TOKEN_USE_RESOLUTION)
    /// old or more ([`ApiToken::use_is_due`](crate::domain::ApiToken::use_is_due)).
    async fn use_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<ApiToken>;
    /// A page of a user's tokens, by id ascending.
    async fn list_tokens(&self, user_id: UserId, page: TokenPage) -> Result<Vec<ApiToken>>;
    /// Revokes a token of a user; revoking twice is fine.
    async fn revoke_token(&self, user_id: UserId, id: TokenId, now: DateTime<Utc>) -> Result<()>;
}

/// One worklog to import, keyed by where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportWorkLog {
    /// Stable across imports of the same source (`git:3f2a…:2026-11-23`).
    pub external_id: String,
    /// The worklog as the source has it now.
    pub worklog: NewWorkLog,
}

/// What an import did with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedWorkLog {
    /// The worklog; `None` on a dry run for one that would be created.
    pub id: Option<WorkLogId>,
    /// Created, updated or unchanged.
    pub outcome: ImportOutcome,
}

/// Refuses an import batch with an entry of another user, an empty external
/// id, or one external id twice; every backend checks this before writing.
pub fn check_import_batch(user_id: UserId, batch: &[ImportWorkLog]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (i, item) in batch.iter().enumerate() {
        if item.worklog.user_id != user_id {
            return Err(crate::Error::invalid_input(format!(
                "entries[{i}]: belongs to user {}, not {user_id}",
                item.worklog.user_id
            )));
        }
        if item.external_id.trim().is_empty() || item.external_id.chars().count() > 400 {
            return Err(crate::Error::invalid_input(format!(
                "entries[{i}].external_id: must be 1 to 400 characters"
            )));
        }
        if !seen.insert(item.external_id.as_str()) {
            return Err(crate::Error::invalid_input(format!(
                "entries[{i}].external_id: '{}' appears twice",
                item.external_id
            )));
        }
        item.worklog.validate()?;
    }
    Ok(())
}

/// Worklogs.
#[async_trait]
pub trait WorkLogStore: Send + Sync + Debug + 'static {
    /// Creates a worklog (input already validated).
    async fn create_worklog(&self, worklog: NewWorkLog, now: DateTime<Utc>) -> Result<WorkLog>;
    /// Creates many worklogs atomically: all or none.
    async fn create_worklogs(
        &self,
        worklogs: Vec<NewWorkLog>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WorkLog>>;
    /// One worklog by id.
    async fn get_worklog(&self, id: WorkLogId) -> Result<WorkLog>;
    /// Worklogs matching a filter, newest first, keyset paginated.
    async fn list_worklogs(&self, filter: &WorkLogFilter) -> Result<Vec<WorkLog>>;
    /// Applies a patch. Changing the content clears the analysis.
    async fn update_worklog(
        &self,
        id: WorkLogId,
        patch: WorkLogPatch,
        now: DateTime<Utc>,
    ) -> Result<WorkLog>;
    /// Deletes a worklog and its skill evidence.
    async fn delete_worklog(&self, id: WorkLogId) -> Result<()>;
    /// Writes imported worklogs by external id, all or none: a worklog the user
    /// has under an id is changed where a field differs (a new content clears
    /// its analysis and evidence, as [`WorkLogStore::update_worklog`] does) or
    /// left as it is; the rest are created. A deleted worklog is created again.
    /// On a dry run nothing is written. The batch passes [`check_import_batch`];
    /// an unknown user is [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
    async fn import_worklogs(
        &self,
        user_id: UserId,
        batch: Vec<ImportWorkLog>,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<ImportedWorkLog>>;
    /// Replaces a worklog's analysis and the evidence it provides, in one
    /// transaction: a reader, or a crash, sees the old analysis with its evidence
    /// or the new one with its evidence, never a mix. Every evidence row must name
    /// this worklog and its owner ([`check_analysis_evidence`]); a row naming an
    /// unknown skill fails the call, which then changes nothing.
    async fn replace_worklog_analysis(
        &self,
        id: WorkLogId,
        analysis: Value,
        evidence: &[NewSkillEvidence],
        now: DateTime<Utc>,
    ) -> Result<WorkLog>;
}

/// What [`WorkLogStore::replace_worklog_analysis`] checks before it writes: each
/// row is valid and belongs to the worklog `id` of user `owner`.
pub fn check_analysis_evidence(
    id: WorkLogId,
    owner: UserId,
    evidence: &[NewSkillEvidence],
) -> Result<()> {
    for row in evidence {
        row.validate()?;
        if row.worklog_id != id || row.user_id != owner {
            return Err(crate::Error::invalid_input(format!(
                "evidence: every row must name worklog {id} and its owner {owner}"
            )));
        }
    }
    Ok(())
}

/// Canonical skills and the evidence that users have them.
///
/// # Contract
/// - Skills are keyed by slug: `upsert_skill` with an existing slug updates it.
/// - Evidence is idempotent on (user, skill, worklog, start, end).
/// - A skill appears in `list_user_skills` only with at least one piece of evidence.
#[async_trait]
pub trait SkillStore: Send + Sync + Debug + 'static {
    /// Creates or updates a skill by slug.
    async fn upsert_skill(&self, skill: NewSkill) -> Result<Skill>;
    /// One skill by id.
    async fn get_skill(&self, id: SkillId) -> Result<Skill>;
    /// One skill by slug.
    async fn get_skill_by_slug(&self, slug: &str) -> Result<Skill>;
    /// Every skill, by name.
    async fn list_skills(&self) -> Result<Vec<Skill>>;
    /// Records evidence; returns the stored row (the existing one on a repeat).
    async fn add_evidence(
        &self,
        evidence: NewSkillEvidence,
        now: DateTime<Utc>,
    ) -> Result<SkillEvidence>;
    /// Deletes all evidence that a worklog provided; returns how many rows.
    async fn delete_evidence_for_worklog(&self, worklog_id: WorkLogId) -> Result<u64>;
    /// A user's evidence for a skill, newest worklog first.
    async fn list_evidence(&self, user_id: UserId, skill_id: SkillId)
    -> Result<Vec<SkillEvidence>>;
    /// A user's evidence in a date window (inclusive), by worklog date then id.
    async fn list_user_evidence(
        &self,
        user_id: UserId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<SkillEvidence>>;
    /// A user's skills with evidence counts and first/last seen, by evidence count.
    async fn list_user_skills(&self, user_id: UserId) -> Result<Vec<UserSkill>>;
    /// One piece of evidence.
    async fn get_evidence(&self, id: EvidenceId) -> Result<SkillEvidence>;
}

/// Reports.
#[async_trait]
pub trait ReportStore: Send + Sync + Debug + 'static {
    /// Stores a report.
    async fn create_report(&self, report: NewReport, now: DateTime<Utc>) -> Result<Report>;
    /// One report.
    async fn get_report(&self, id: ReportId) -> Result<Report>;
    /// A user's reports, newest first; `before` is a keyset cursor on id.
    async fn list_reports(
        &self,
        user_id: UserId,
        kind: Option<ReportKind>,
        before: Option<ReportId>,
        limit: usize,
    ) -> Result<Vec<Report>>;
}

/// Versioned resumes.
///
/// # Contract
/// Versions of a user's resume are 1, 2, 3, ... with no gaps or duplicates, even when
/// two refreshes race.
#[async_trait]
pub trait ResumeStore: Send + Sync + Debug + 'static {
    /// Stores the next version.
    async fn create_resume(&self, resume: NewResume, now: DateTime<Utc>) -> Result<Resume>;
    /// The latest version.
    async fn latest_resume(&self, user_id: UserId) -> Result<Resume>;
    /// One version.
    async fn get_resume_version(&self, user_id: UserId, version: u32) -> Result<Resume>;
    /// Version numbers with creation times, newest first.
    async fn list_resume_versions(&self, user_id: UserId) -> Result<Vec<(u32, DateTime<Utc>)>>;
}

/// Profiles: one document per user (header, positions, education), written
/// whole under optimistic concurrency.
///
/// # Contract
/// - A user with nothing stored reads as the default document at revision 0.
/// - `put_profile` writes only if the stored revision is still `expected`
///   (0: nothing stored yet) and returns the new revision, `expected + 1`;
///   otherwise it is [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) and
///   changes nothing. Of two writers that read the same revision, one wins.
/// - Writing for a user that does not exist is
///   [`ErrorKind::NotFound`](crate::ErrorKind::NotFound).
#[async_trait]
pub trait ProfileStore: Send + Sync + Debug + 'static {
    /// The user's profile document and its revision.
    async fn get_profile(&self, user_id: UserId) -> Result<StoredProfile>;
    /// Replaces the document if its revision is still `expected`.
    async fn put_profile(
        &self,
        user_id: UserId,
        document: &ProfileDocument,
        expected: i64,
        now: DateTime<Utc>,
    ) -> Result<i64>;
}

/// The error of a `put_profile` whose expected revision is stale.
pub fn profile_revision_conflict(user_id: UserId, expected: i64) -> crate::Error {
    crate::Error::conflict(format!(
        "profile of user {user_id} changed since revision {expected}; read it again"
    ))
}

/// All domain persistence in one object, as backends usually provide it.
pub trait DomainStore:
    UserStore
    + TokenStore
    + WorkLogStore
    + SkillStore
    + ReportStore
    + ResumeStore
    + ProfileStore
    + ThrottleStore
{
}

impl<T> DomainStore for T where
    T: UserStore
        + TokenStore
        + WorkLogStore
        + SkillStore
        + ReportStore
        + ResumeStore
        + ProfileStore
        + ThrottleStore
{
}
