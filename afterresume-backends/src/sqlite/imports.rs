//! Imports by external id on SQLite, in the group writer's transaction under
//! a savepoint: a failed batch, or a dry run, leaves nothing behind.

use afterresume_core::domain::{UserId, WorkLog, WorkLogPatch};
use afterresume_core::import::ImportOutcome;
use afterresume_core::ports::{ImportWorkLog, ImportedWorkLog};
use afterresume_core::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::convert::{date, date_text, json, list_text, micros, string_list};
use super::direct::insert_worklogs;
use super::error::map_rusqlite;

/// Writes the batch; on a dry run, or an error, rolls back to where it began.
pub(super) fn import_worklogs(
    db: &Connection,
    user_id: UserId,
    batch: &[ImportWorkLog],
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Vec<ImportedWorkLog>> {
    db.execute_batch("SAVEPOINT import_worklogs")
        .map_err(map_rusqlite)?;
    let written = write(db, user_id, batch, now);
    let end = if written.is_ok() && !dry_run {
        "RELEASE import_worklogs"
    } else {
        "ROLLBACK TO import_worklogs; RELEASE import_worklogs"
    };
    db.execute_batch(end).map_err(map_rusqlite)?;
    let mut written = written?;
    if dry_run {
        for w in written
            .iter_mut()
            .filter(|w| w.outcome == ImportOutcome::Created)
        {
            w.id = None;
        }
    }
    Ok(written)
}

fn write(
    db: &Connection,
    user_id: UserId,
    batch: &[ImportWorkLog],
    now: DateTime<Utc>,
) -> Result<Vec<ImportedWorkLog>> {
    let user_exists: bool = db
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
            [user_id],
            |row| row.get(0),
        )
        .map_err(map_rusqlite)?;
    if !user_exists {
        return Err(Error::not_found(format!("user {user_id} not found")));
    }
    let mut find = db
        .prepare_cached(
            "SELECT w.id, w.date, w.content, w.title, w.tags, w.source, w.metadata \
             FROM worklog_imports i JOIN worklogs w ON w.id = i.worklog_id \
             WHERE i.user_id = ?1 AND i.external_id = ?2",
        )
        .map_err(map_rusqlite)?;
    let mut link = db
        .prepare_cached(
            "INSERT INTO worklog_imports (user_id, external_id, worklog_id) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id, external_id) DO UPDATE SET worklog_id = excluded.worklog_id",
        )
        .map_err(map_rusqlite)?;
    let mut out = Vec::with_capacity(batch.len());
    for item in batch {
        let found = find
            .query_row(params![user_id, item.external_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })
            .optional()
            .map_err(map_rusqlite)?;
        let Some((id, day, content, title, tags, source, metadata)) = found else {
            let created = insert_worklogs(db, std::slice::from_ref(&item.worklog), now)?;
            let id = created[0].id;
            link.execute(params![user_id, item.external_id, id])
                .map_err(map_rusqlite)?;
            out.push(ImportedWorkLog {
                id: Some(id),
                outcome: ImportOutcome::Created,
            });
            continue;
        };
        let stored = WorkLog {
            id,
            user_id,
            date: date(&day)?,
            content,
            title,
            tags: string_list(&tags)?,
            source,
            metadata: json(&metadata)?,
            analysis: None,
            created_at: now,
            updated_at: now,
        };
        let outcome = match WorkLogPatch::to_match(&stored, &item.worklog) {
            None => ImportOutcome::Unchanged,
            Some(patch) => {
                update(db, id, &item.worklog, patch.content.is_some(), now)?;
                ImportOutcome::Updated
            }
        };
        out.push(ImportedWorkLog {
            id: Some(id),
            outcome,
        });
    }
    Ok(out)
}

/// Makes a stored worklog what the import says, as `update_worklog` would: a
/// new content clears the analysis and drops the evidence.
fn update(
    db: &Connection,
    id: i64,
    new: &afterresume_core::domain::NewWorkLog,
    content_changed: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    db.prepare_cached(
        "UPDATE worklogs SET date = ?1, content = ?2, title = ?3, tags = ?4, source = ?5, \
         metadata = ?6, analysis = CASE WHEN ?7 THEN NULL ELSE analysis END, updated_at = ?8 \
         WHERE id = ?9",
    )
    .and_then(|mut update| {
        update.execute(params![
            date_text(new.date),
            new.content,
            new.title,
            list_text(&new.tags),
            new.source,
            new.metadata.to_string(),
            content_changed,
            micros(now),
            id,
        ])
    })
    .map_err(map_rusqlite)?;
    let evidence = if content_changed {
        db.execute("DELETE FROM skill_evidence WHERE worklog_id = ?1", [id])
    } else {
        db.execute(
            "UPDATE skill_evidence SET worklog_date = ?1 WHERE worklog_id = ?2",
            params![date_text(new.date), id],
        )
    };
    evidence.map_err(map_rusqlite)?;
    Ok(())
}
