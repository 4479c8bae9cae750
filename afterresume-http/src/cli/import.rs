//! `afterresume import`: work from git history, Markdown notes, jrnl, CSV and
//! JSON Lines, with a progress bar and a summary per source.

use std::path::PathBuf;
use std::time::Duration;

use afterresume_backends::git::{GitImportOptions, GitRead, read_repository};
use afterresume_core::domain::UserId;
use afterresume_core::domain::storable::parse_date;
use afterresume_core::import::{FIELD_ERROR_CONTEXT, ImportEntry, ImportFormat, parse_path};
use afterresume_core::service::import::ImportOptions;
use afterresume_core::service::{Actor, App};
use afterresume_core::{Error, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where the work comes from.
#[derive(Debug, Subcommand)]
pub(super) enum ImportCommand {
    /// Commits from local git repositories: one entry per repository and day.
    Git(GitArgs),
    /// A folder of daily notes, or one file with a `## YYYY-MM-DD` heading per day.
    Markdown(FileArgs),
    /// jrnl's plain-text export (`jrnl --export txt`).
    Jrnl(FileArgs),
    /// CSV with a header row: date, content, and optionally tags, title, id.
    Csv(FileArgs),
    /// JSON Lines: one {"date", "content", ...} object per line.
    Jsonl(FileArgs),
}

/// What every import takes.
#[derive(Debug, Args)]
pub(super) struct Common {
    /// The user: an id or a username.
    #[arg(long)]
    user: String,
    /// Say what would be created or updated; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Enqueue analysis of every entry created or changed (one bulk enqueue).
    #[arg(long)]
    analyze: bool,
}

#[derive(Debug, Args)]
pub(super) struct GitArgs {
    /// Repositories (working trees or bare).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// An author email whose commits count (repeatable); default: the user's email.
    #[arg(long = "author")]
    authors: Vec<String>,
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    since: Option<String>,
    /// Last day, YYYY-MM-DD.
    #[arg(long)]
    until: Option<String>,
}

#[derive(Debug, Args)]
pub(super) struct FileArgs {
    /// The file (or, for markdown, a folder).
    path: PathBuf,
    #[command(flatten)]
    common: Common,
}

/// One source read, ready to write.
struct Source {
    name: String,
    detail: String,
    entries: Vec<ImportEntry>,
    skipped: usize,
}

/// A source that could not be read: its name and why.
struct Unreadable {
    name: String,
    error: Error,
}

pub(super) async fn import(app: &App, command: ImportCommand) -> Result<()> {
    let (sources, common) = match command {
        ImportCommand::Git(args) => {
            let user = super::resume::user_id(app, &args.common.user).await?;
            (read_git(app, user, &args).await?, args.common)
        }
        ImportCommand::Markdown(args) => (read_file(ImportFormat::Markdown, &args), args.common),
        ImportCommand::Jrnl(args) => (read_file(ImportFormat::Jrnl, &args), args.common),
        ImportCommand::Csv(args) => (read_file(ImportFormat::Csv, &args), args.common),
        ImportCommand::Jsonl(args) => (read_file(ImportFormat::Jsonl, &args), args.common),
    };
    let user = super::resume::user_id(app, &common.user).await?;
    let options = ImportOptions {
        dry_run: common.dry_run,
        analyze: common.analyze,
    };
    let total: usize = sources.iter().flatten().map(|s| s.entries.len()).sum();
    let count = sources.len();
    let bar = bar(total as u64, "writing");
    let (mut analysis_jobs, mut failed) = (0, Vec::new());
    let mut lines = Vec::new();
    for source in sources {
        let source = match source {
            Ok(source) => source,
            Err(unreadable) => {
                failed.push(unreadable);
                continue;
            }
        };
        let before = bar.position();
        let mut progress = |written: usize| bar.set_position(before + written as u64);
        let written = app
            .import_in_parts(
                &Actor::system(),
                Some(user),
                source.entries,
                options,
                &mut progress,
            )
            .await;
        match written {
            Ok(mut report) => {
                report.summary.skipped += source.skipped;
                analysis_jobs += report.analysis_jobs;
                lines.push(format!(
                    "{}{}: {}",
                    source.name, source.detail, report.summary
                ));
            }
            Err(error) => failed.push(Unreadable {
                name: source.name,
                error,
            }),
        }
    }
    bar.finish_and_clear();
    for line in lines {
        println!("{line}");
    }
    for f in &failed {
        eprintln!("{}: failed: {}", f.name, f.error.message());
        for (key, row) in f.error.context() {
            if *key == FIELD_ERROR_CONTEXT {
                eprintln!("  {row}");
            }
        }
    }
    if common.dry_run {
        println!("dry run: nothing was stored");
    } else if common.analyze {
        println!("{analysis_jobs} analysis jobs enqueued");
    }
    match failed.len() {
        0 => Ok(()),
        n if n == count => Err(Error::invalid_input("nothing was imported")),
        n => Err(Error::invalid_input(format!(
            "{n} of {count} sources failed and stored nothing; the others were imported"
        ))),
    }
}

fn read_file(
    format: ImportFormat,
    args: &FileArgs,
) -> Vec<std::result::Result<Source, Unreadable>> {
    let name = args.path.display().to_string();
    let read = parse_path(format, &args.path).map(|parsed| Source {
        name: name.clone(),
        detail: String::new(),
        entries: parsed.entries,
        skipped: parsed.skipped,
    });
    vec![read.map_err(|error| Unreadable { name, error })]
}

async fn read_git(
    app: &App,
    user: UserId,
    args: &GitArgs,
) -> Result<Vec<std::result::Result<Source, Unreadable>>> {
    let options = GitImportOptions {
        authors: app
            .git_authors(&Actor::system(), Some(user), args.authors.clone())
            .await?,
        since: args
            .since
            .as_deref()
            .map(|d| parse_date("--since", d))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|d| parse_date("--until", d))
            .transpose()?,
    };
    let mut sources = Vec::new();
    for path in &args.paths {
        let name = path.display().to_string();
        let spinner = spinner(&name);
        let (path, options, progress) = (path.clone(), options.clone(), spinner.clone());
        let read = tokio::task::spawn_blocking(move || {
            read_repository(&path, &options, &mut |walked| {
                progress.set_message(format!("{walked} commits"));
            })
        })
        .await
        .map_err(|e| Error::unexpected(format!("git reader: {e}")))?;
        spinner.finish_and_clear();
        sources.push(
            read.map(|read: GitRead| Source {
                name: read.repository.clone(),
                detail: format!(
                    " ({} of {} commits; {} merges, {} by bots, {} by others or outside the dates)",
                    read.commits, read.walked, read.merges, read.bots, read.others
                ),
                entries: read.entries,
                skipped: 0,
            })
            .map_err(|error| Unreadable { name, error }),
        );
    }
    Ok(sources)
}

fn bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} entries ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

fn spinner(name: &str) -> ProgressBar {
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    spinner.set_style(
        ProgressStyle::with_template("{spinner} reading {prefix}: {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_prefix(name.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
