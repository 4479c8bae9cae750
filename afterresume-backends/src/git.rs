//! A person's work from local git repositories, read with gix (no `git`
//! process): their commits (by author email) on every local branch, one entry
//! per repository and day in the author's own time zone, merges and bots left
//! out. The external id is the repository's root commit and the day, so a
//! moved or re-cloned repository keeps its entries, and a day whose commits
//! were rewritten is updated in place.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use afterresume_core::import::{ImportEntry, Origin, external_id};
use afterresume_core::{Error, Result};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::json;

/// Lines of a commit body kept under its subject.
const BODY_LINES: usize = 3;
/// Characters kept of a subject or body line.
const LINE_CHARS: usize = 160;
/// Characters of one day's content; the rest is counted, not written.
const DAY_CHARS: usize = 20_000;
/// Commit ids listed in an entry's metadata.
const IDS_PER_DAY: usize = 200;

/// Whose commits, and when.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GitImportOptions {
    /// Author emails (case-insensitive); commits by anyone else are skipped.
    pub authors: Vec<String>,
    /// First day (author's date), inclusive.
    pub since: Option<NaiveDate>,
    /// Last day, inclusive.
    pub until: Option<NaiveDate>,
}

/// What reading one repository found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GitRead {
    /// The repository's name (its folder).
    pub repository: String,
    /// One per day with the person's commits, oldest first.
    pub entries: Vec<ImportEntry>,
    /// Commits walked.
    pub walked: usize,
    /// The person's commits imported.
    pub commits: usize,
    /// Merge commits passed over.
    pub merges: usize,
    /// Commits by bots passed over.
    pub bots: usize,
    /// Commits by other people or outside the dates.
    pub others: usize,
}

/// One commit kept for a day.
struct DayCommit {
    seconds: i64,
    id: String,
    subject: String,
    body: Vec<String>,
}

/// Reads the person's commits from the repository at `path`. `progress` is
/// called with the number of commits walked so far, every 1,000 commits.
pub fn read_repository(
    path: &Path,
    options: &GitImportOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<GitRead> {
    let shown = path.display().to_string();
    if options.authors.is_empty() {
        return Err(Error::invalid_input(
            "author: give at least one author email (the user's email is the default)",
        ));
    }
    let repo = gix::open_opts(path, gix::open::Options::isolated())
        .map_err(|e| Error::invalid_input(format!("{shown}: not a git repository ({e})")))?;
    let repository = repository_name(&repo, path);
    let git_error = |what: &str, e: &dyn std::fmt::Display| {
        Error::invalid_input(format!("{shown}: {what}: {e}"))
    };
    let tips = tips(&repo).map_err(|e| git_error("cannot read its branches", &e))?;
    let mut read = GitRead {
        repository: repository.clone(),
        ..GitRead::default()
    };
    if tips.is_empty() {
        return Ok(read); // no commits yet
    }
    let authors: HashSet<String> = options
        .authors
        .iter()
        .map(|a| a.trim().to_lowercase())
        .collect();
    let walk = repo
        .rev_walk(tips)
        .all()
        .map_err(|e| git_error("cannot walk its history", &e))?;
    let mut days: BTreeMap<NaiveDate, Vec<DayCommit>> = BTreeMap::new();
    let mut roots: Vec<String> = Vec::new();
    for info in walk {
        let info = info.map_err(|e| git_error("cannot walk its history", &e))?;
        read.walked += 1;
        if read.walked.is_multiple_of(1000) {
            progress(read.walked);
        }
        if info.parent_ids.is_empty() {
            roots.push(info.id.to_string());
        }
        if info.parent_ids.len() > 1 {
            read.merges += 1;
            continue;
        }
        let commit = info
            .object()
            .map_err(|e| git_error("cannot read a commit", &e))?;
        let decoded = commit
            .decode()
            .map_err(|e| git_error(&format!("cannot decode commit {}", info.id), &e))?;
        let author = decoded
            .author()
            .map_err(|e| git_error(&format!("commit {} has no author", info.id), &e))?;
        let (name, email) = (author.name.to_string(), author.email.to_string());
        if is_bot(&name, &email) {
            read.bots += 1;
            continue;
        }
        if !authors.contains(&email.trim().to_lowercase()) {
            read.others += 1;
            continue;
        }
        let Some((date, seconds)) = author_day(author.time) else {
            read.others += 1;
            continue;
        };
        if options.since.is_some_and(|s| date < s) || options.until.is_some_and(|u| date > u) {
            read.others += 1;
            continue;
        }
        let message = decoded.message.to_string();
        let (subject, body) = subject_and_body(&message);
        if subject.is_empty() {
            read.others += 1;
            continue;
        }
        read.commits += 1;
        days.entry(date).or_default().push(DayCommit {
            seconds,
            id: info.id.to_string(),
            subject,
            body,
        });
    }
    progress(read.walked);
    roots.sort();
    let root = roots
        .first()
        .map_or("empty", |r| &r[..12.min(r.len())])
        .to_owned();
    read.entries = days
        .into_iter()
        .map(|(date, commits)| day_entry(&repository, &root, &shown, date, commits))
        .collect();
    Ok(read)
}

/// HEAD and every local branch.
fn tips(
    repo: &gix::Repository,
) -> std::result::Result<Vec<gix::ObjectId>, Box<dyn std::error::Error + Send + Sync>> {
    let mut tips = Vec::new();
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    for reference in repo.references()?.local_branches()? {
        let mut reference = reference?;
        if let Ok(id) = reference.peel_to_id() {
            let id = id.detach();
            if !tips.contains(&id) {
                tips.push(id);
            }
        }
    }
    Ok(tips)
}

fn repository_name(repo: &gix::Repository, path: &Path) -> String {
    let dir = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "repository".to_owned());
    let name = name.strip_suffix(".git").unwrap_or(&name).to_owned();
    name.chars().take(64).collect()
}

/// Bots by the names and addresses their platforms give them.
fn is_bot(name: &str, email: &str) -> bool {
    let (name, email) = (name.to_lowercase(), email.to_lowercase());
    let local = email.split('@').next().unwrap_or("");
    name.contains("[bot]")
        || email.contains("[bot]")
        || [
            "dependabot",
            "renovate",
            "github-actions",
            "greenkeeper",
            "snyk-bot",
        ]
        .iter()
        .any(|b| name.starts_with(b) || local.contains(b))
        || local.ends_with("-bot")
        || local.ends_with("_bot")
}

/// The author's day in their own time zone, and the instant.
fn author_day(raw_time: &str) -> Option<(NaiveDate, i64)> {
    let mut parts = raw_time.split_whitespace();
    let seconds: i64 = parts.next()?.parse().ok()?;
    let offset = parts.next().and_then(parse_offset).unwrap_or(0);
    let zone = FixedOffset::east_opt(offset)?;
    let at: DateTime<FixedOffset> = DateTime::from_timestamp(seconds, 0)?.with_timezone(&zone);
    Some((at.date_naive(), seconds))
}

/// `+0100` / `-0530` as seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// The subject line and a few short body lines, trailers and separators left out.
fn subject_and_body(message: &str) -> (String, Vec<String>) {
    let mut lines = message.lines();
    let subject = shorten(lines.next().unwrap_or("").trim());
    let body = lines
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_trailer(l) && !l.starts_with("---"))
        .take(BODY_LINES)
        .map(shorten)
        .collect();
    (subject, body)
}

fn is_trailer(line: &str) -> bool {
    let lower = line.to_lowercase();
    [
        "signed-off-by:",
        "co-authored-by:",
        "change-id:",
        "reviewed-by:",
        "acked-by:",
        "cc:",
    ]
    .iter()
    .any(|t| lower.starts_with(t))
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= LINE_CHARS {
        return line.to_owned();
    }
    let cut: String = line.chars().take(LINE_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn day_entry(
    repository: &str,
    root: &str,
    shown: &str,
    date: NaiveDate,
    mut commits: Vec<DayCommit>,
) -> ImportEntry {
    commits.sort_by(|a, b| a.seconds.cmp(&b.seconds).then(a.id.cmp(&b.id)));
    let mut content = String::new();
    let mut written = 0;
    for c in &commits {
        let mut block = format!("- {}\n", c.subject);
        for line in &c.body {
            block.push_str(&format!("  {line}\n"));
        }
        if content.len() + block.len() > DAY_CHARS {
            break;
        }
        content.push_str(&block);
        written += 1;
    }
    if written < commits.len() {
        content.push_str(&format!(
            "- … and {} more commits\n",
            commits.len() - written
        ));
    }
    let count = commits.len();
    let ids: Vec<String> = commits
        .iter()
        .take(IDS_PER_DAY)
        .map(|c| c.id[..12.min(c.id.len())].to_owned())
        .collect();
    ImportEntry {
        date,
        content: content.trim_end().to_owned(),
        title: Some(format!(
            "{repository}: {count} commit{}",
            if count == 1 { "" } else { "s" }
        )),
        tags: vec![repository.to_owned()],
        source: "git".to_owned(),
        external_id: external_id("git", root, &date.to_string()),
        metadata: json!({"repository": repository, "commit_count": count, "commits": ids}),
        origin: Origin {
            file: shown.to_owned(),
            line: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_the_authors_own() {
        // 2026-11-23 23:30 in UTC-05:00 is 04:30 on the 24th in UTC.
        let (day, _) = author_day("1795494600 -0500").unwrap();
        assert_eq!(day.to_string(), "2026-11-23");
        let (day, _) = author_day("1795494600 +0000").unwrap();
        assert_eq!(day.to_string(), "2026-11-24");
        assert_eq!(parse_offset("+0530"), Some(19800));
        assert_eq!(parse_offset("0530"), None);
    }

    #[test]
    fn bots_and_trailers_are_recognised() {
        assert!(is_bot(
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com"
        ));
        assert!(is_bot("Renovate Bot", "bot@renovateapp.com"));
        assert!(is_bot("CI", "deploy-bot@example.com"));
        assert!(!is_bot("Abbott", "abbott@example.com"));
        let (subject, body) = subject_and_body(
            "Fix the export\n\nThe CSV had a BOM.\nSigned-off-by: A <a@x>\n\nCo-authored-by: B <b@x>\nMore.\nAnd more.\nToo much.",
        );
        assert_eq!(subject, "Fix the export");
        assert_eq!(body, ["The CSV had a BOM.", "More.", "And more."]);
    }
}
