//! `afterresume profile`, `positions` and `resume`: what a resume is built
//! from, set from a terminal, and the resume written to a file.

use std::path::PathBuf;
use std::time::Duration;

use afterresume_core::domain::storable::parse_date;
use afterresume_core::domain::{
    JobStatus, Location, NewPosition, PositionId, ProfilePatch, UserId,
};
use afterresume_core::service::resume::{RenderedResume, ResumeFormat};
use afterresume_core::service::{Actor, App};
use afterresume_core::{Error, Result, WorkerOptions};
use clap::{Args, Subcommand};

/// Who a command acts for.
#[derive(Debug, Args)]
pub(super) struct UserArg {
    /// The user: an id or a username.
    #[arg(long)]
    user: String,
}

/// The profile: the resume's header.
#[derive(Debug, Subcommand)]
pub(super) enum ProfileCommand {
    /// Print the profile as JSON.
    Show(UserArg),
    /// Change the fields given; the others stay.
    Set(Box<ProfileSet>),
}

#[derive(Debug, Args)]
pub(super) struct ProfileSet {
    #[command(flatten)]
    user: UserArg,
    /// Full name.
    #[arg(long)]
    name: Option<String>,
    /// Professional title ("Backend engineer").
    #[arg(long)]
    label: Option<String>,
    /// Contact address.
    #[arg(long)]
    email: Option<String>,
    /// Phone number.
    #[arg(long)]
    phone: Option<String>,
    /// Personal site.
    #[arg(long)]
    url: Option<String>,
    /// About you, a few sentences.
    #[arg(long)]
    summary: Option<String>,
    /// City (with --region and --country-code it replaces the whole location).
    #[arg(long)]
    city: Option<String>,
    /// Region, state or province.
    #[arg(long)]
    region: Option<String>,
    /// ISO 3166-1 alpha-2 country code ("DE").
    #[arg(long)]
    country_code: Option<String>,
}

/// Positions: employers, titles and dates.
#[derive(Debug, Subcommand)]
pub(super) enum PositionsCommand {
    /// Newest first, one per line.
    List(UserArg),
    /// Add a position; worklogs dated within it belong to it.
    Add(PositionAdd),
    /// Remove a position.
    Remove {
        #[command(flatten)]
        user: UserArg,
        /// The position's id.
        id: PositionId,
    },
}

#[derive(Debug, Args)]
pub(super) struct PositionAdd {
    #[command(flatten)]
    user: UserArg,
    /// Employer.
    #[arg(long)]
    company: String,
    /// Job title.
    #[arg(long)]
    title: String,
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    start: String,
    /// Last day, YYYY-MM-DD; leave out while it lasts.
    #[arg(long)]
    end: Option<String>,
    /// Where.
    #[arg(long, default_value = "")]
    location: String,
    /// What the role was.
    #[arg(long, default_value = "")]
    summary: String,
    /// Employer's site.
    #[arg(long, default_value = "")]
    url: String,
}

/// The resume.
#[derive(Debug, Subcommand)]
pub(super) enum ResumeCommand {
    /// Write the current resume to a file (or stdout).
    Export(ResumeExport),
}

#[derive(Debug, Args)]
pub(super) struct ResumeExport {
    #[command(flatten)]
    user: UserArg,
    /// json, markdown, html, text or pdf.
    #[arg(long, default_value = "markdown")]
    format: String,
    /// HTML and PDF theme: classic or modern.
    #[arg(long)]
    theme: Option<String>,
    /// Where to write it; `-` is stdout (the default, except for pdf).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Rebuild it from the latest evidence first (runs the job in this process).
    #[arg(long)]
    refresh: bool,
}

/// How long `resume export --refresh` waits for the rebuild.
const REFRESH_WAIT: Duration = Duration::from_secs(120);

pub(super) async fn profile(app: &App, command: ProfileCommand) -> Result<()> {
    let operator = Actor::system();
    let profile = match command {
        ProfileCommand::Show(who) => {
            let user = user_id(app, &who.user).await?;
            app.profile(&operator, Some(user)).await?
        }
        ProfileCommand::Set(set) => {
            let set = *set;
            let user = user_id(app, &set.user.user).await?;
            let location = (set.city.is_some()
                || set.region.is_some()
                || set.country_code.is_some())
            .then(|| Location {
                city: set.city.unwrap_or_default(),
                region: set.region.unwrap_or_default(),
                country_code: set.country_code.unwrap_or_default(),
            });
            let patch = ProfilePatch {
                name: set.name,
                label: set.label,
                email: set.email,
                phone: set.phone,
                url: set.url,
                summary: set.summary,
                location,
                ..ProfilePatch::default()
            };
            app.update_profile(&operator, Some(user), patch).await?
        }
    };
    println!("{}", pretty(&profile));
    Ok(())
}

pub(super) async fn positions(app: &App, command: PositionsCommand) -> Result<()> {
    let operator = Actor::system();
    match command {
        PositionsCommand::List(who) => {
            let user = user_id(app, &who.user).await?;
            for p in app.positions(&operator, Some(user)).await? {
                let end = p.end_date.map_or("present".to_owned(), |d| d.to_string());
                println!(
                    "{:>4}  {} – {:<10}  {}, {}",
                    p.id, p.start_date, end, p.title, p.company
                );
            }
        }
        PositionsCommand::Add(add) => {
            let user = user_id(app, &add.user.user).await?;
            let new = NewPosition {
                company: add.company,
                title: add.title,
                location: add.location,
                start_date: parse_date("start", &add.start)?,
                end_date: add.end.map(|end| parse_date("end", &end)).transpose()?,
                summary: add.summary,
                url: add.url,
            };
            let position = app.create_position(&operator, Some(user), new).await?;
            println!(
                "added position {}: {}, {}",
                position.id, position.title, position.company
            );
        }
        PositionsCommand::Remove { user, id } => {
            let user = user_id(app, &user.user).await?;
            app.delete_position(&operator, Some(user), id).await?;
            println!("removed position {id}");
        }
    }
    Ok(())
}

pub(super) async fn resume(app: &App, ResumeCommand::Export(export): ResumeCommand) -> Result<()> {
    let operator = Actor::system();
    let user = user_id(app, &export.user.user).await?;
    let format = ResumeFormat::parse(&export.format)?;
    let to_stdout = export
        .output
        .as_deref()
        .is_none_or(|o| o.as_os_str() == "-");
    if format == ResumeFormat::Pdf && export.output.is_none() {
        return Err(Error::invalid_input(
            "--output: a PDF goes to a file (or `--output -` for stdout)",
        ));
    }
    if export.refresh {
        let job = app.refresh_resume(&operator, Some(user), None).await?.job;
        let running = app.engine().start(WorkerOptions::workers(1));
        let done = app.engine().wait_for(job.id, REFRESH_WAIT).await;
        running.shutdown(Duration::from_secs(5)).await;
        let done = done?;
        if done.status != JobStatus::Success {
            return Err(Error::unexpected(format!(
                "resume refresh (job {}) ended {}: {}",
                done.id,
                done.status,
                done.error.unwrap_or_default()
            )));
        }
    }
    let current = app
        .render_resume(&operator, Some(user), None, format, export.theme.as_deref())
        .await?;
    let bytes = match current.rendered {
        RenderedResume::Json(document) => format!("{}\n", pretty(&document)).into_bytes(),
        RenderedResume::Markdown(text)
        | RenderedResume::Html(text)
        | RenderedResume::Text(text) => text.into_bytes(),
        RenderedResume::Pdf(pdf) => pdf,
    };
    match export.output.filter(|_| !to_stdout) {
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| Error::unexpected("stdout: write failed").with_source(e))?;
        }
        Some(path) => {
            std::fs::write(&path, &bytes).map_err(|e| {
                Error::invalid_input(format!("--output: cannot write {}: {e}", path.display()))
            })?;
            eprintln!(
                "wrote {} ({} bytes){}",
                path.display(),
                bytes.len(),
                if current.stale {
                    "; a refresh is pending, so it may be behind the latest entries"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}

/// A user by id or username.
pub(super) async fn user_id(app: &App, who: &str) -> Result<UserId> {
    let domain = app.domain();
    match who.parse::<UserId>() {
        Ok(id) => domain.get_user(id).await.map(|u| u.id),
        Err(_) => domain.get_user_by_username(who).await.map(|u| u.id),
    }
    .map_err(|e| match e.kind() {
        afterresume_core::ErrorKind::NotFound => {
            Error::not_found(format!("--user: no user '{who}'"))
        }
        _ => e,
    })
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
