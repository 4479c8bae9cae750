//! The built-in workflows (the four of the reference design and `resume.tailor`)
//! over the agents:
//!
//! | job type | payload | agent |
//! |---|---|---|
//! | `worklog.analyze` | `{"worklog_id"}` | WorklogAgent (built-in or LLM) |
//! | `skills.extract` | `{"user_id", "window_days"? \| "start"?, "end"?}` | SkillAgent |
//! | `report.generate` | `{"user_id", "kind", "start"?, "end"?}` | ReportAgent |
//! | `resume.refresh` | `{"user_id"}` | ResumeAgent |
//! | `resume.tailor` | `{"user_id", "job_description"}` | ResumeAgent, tailored |
//! | `worklogs.import` | `{"user_id", "entries", "dry_run"?, "analyze"?}` | the import use case, in parts |
//!
//! `user_id` may come from the job instead of the payload. With
//! [`AgentServices::auto_chain`] (`WORKFLOW_AUTO_CHAIN`), `worklog.analyze`
//! enqueues `skills.extract`, which enqueues `report.generate` (a status report),
//! which enqueues `resume.refresh`, as children in the same trace. Each step is traced with events from the
//! `workflow`, `agent` and `llm` sources; results go to the job and to the domain
//! tables.

mod import_job;

use std::sync::Arc;

pub use import_job::{IMPORT_JOB_CHUNK, WORKLOGS_IMPORT};

use chrono::Days;
use serde_json::{Value, json};

use crate::agents::{
    AgentServices, GeneratedReport, GeneratedResume, LlmUsageTotal, LocalWorklogAgent, Payload,
    ReportAgent, ReportRequest, ResumeAgent, SkillAgent, SkillResolver, Written,
    check_job_description, check_period, store_analysis, tailoring,
};
use crate::domain::{EventLevel, EventSource, ReportKind, UserId, WorkLog};
use crate::engine::{EngineBuilder, ExecutionContext, workflow_fn};
use crate::ports::{ArtifactKey, PutOptions};
use crate::{Error, Result};

/// `worklog.analyze`.
pub const WORKLOG_ANALYZE: &str = "worklog.analyze";
/// `skills.extract`.
pub const SKILLS_EXTRACT: &str = "skills.extract";
/// `report.generate`.
pub const REPORT_GENERATE: &str = "report.generate";
/// `resume.refresh`.
pub const RESUME_REFRESH: &str = "resume.refresh";
/// `resume.tailor`.
pub const RESUME_TAILOR: &str = "resume.tailor";
/// Every job type [`register_builtin_workflows`] registers.
pub const BUILTIN_JOB_TYPES: [&str; 6] = [
    WORKLOG_ANALYZE,
    SKILLS_EXTRACT,
    REPORT_GENERATE,
    RESUME_REFRESH,
    RESUME_TAILOR,
    WORKLOGS_IMPORT,
];

/// Default `skills.extract` window.
pub const DEFAULT_WINDOW_DAYS: u32 = 365;

/// Registers the built-in workflows on an engine builder.
pub fn register_builtin_workflows(
    builder: EngineBuilder,
    services: AgentServices,
) -> EngineBuilder {
    let services = Arc::new(services);
    let (a, b, c, d, e, f) = (
        Arc::clone(&services),
        Arc::clone(&services),
        Arc::clone(&services),
        Arc::clone(&services),
        Arc::clone(&services),
        services,
    );
    builder
        .register(
            WORKLOG_ANALYZE,
            workflow_fn(move |ctx, payload| {
                let services = Arc::clone(&a);
                async move { analyze_worklog(&services, &ctx, &payload).await }
            })
            .with_validation(|payload| Payload(payload).id("worklog_id").map(drop)),
        )
        .register(
            SKILLS_EXTRACT,
            workflow_fn(move |ctx, payload| {
                let services = Arc::clone(&b);
                async move { extract_skills(&services, &ctx, &payload).await }
            })
            .with_validation(|payload| {
                let p = Payload(payload);
                user_hint(&p)?;
                p.flag("chain")?;
                skills_window(&p, chrono::Utc::now().date_naive()).map(drop)
            }),
        )
        .register(
            REPORT_GENERATE,
            workflow_fn(move |ctx, payload| {
                let services = Arc::clone(&c);
                async move { generate_report(&services, &ctx, &payload).await }
            })
            .with_validation(|payload| {
                let p = Payload(payload);
                user_hint(&p)?;
                report_period(&p).map(drop)
            }),
        )
        .register(
            RESUME_REFRESH,
            workflow_fn(move |ctx, payload| {
                let services = Arc::clone(&d);
                async move { refresh_resume(&services, &ctx, &payload).await }
            })
            .with_validation(|payload| user_hint(&Payload(payload)).map(drop)),
        )
        .register(
            RESUME_TAILOR,
            workflow_fn(move |ctx, payload| {
                let services = Arc::clone(&e);
                async move { tailor_resume(&services, &ctx, &payload).await }
            })
            .with_validation(|payload| {
                let p = Payload(payload);
                user_hint(&p)?;
                job_description(&p).map(drop)
            }),
        )
        .register(
            WORKLOGS_IMPORT,
            workflow_fn(move |ctx, payload| {
                let services = Arc::clone(&f);
                async move { import_job::import_worklogs(&services, &ctx, &payload).await }
            })
            .with_validation(|payload| {
                user_hint(&Payload(payload))?;
                import_job::import_payload(payload).map(drop)
            }),
        )
}

/// `resume.tailor`'s job description, checked.
fn job_description<'a>(p: &Payload<'a>) -> Result<&'a str> {
    let text = p.opt_str("job_description")?.ok_or_else(|| {
        Error::invalid_input("payload.job_description: required (the text of the job ad)")
    })?;
    check_job_description(text)
        .map_err(|e| Error::invalid_input(format!("payload.{}", e.message())))?;
    Ok(text)
}

/// The payload's optional `user_id`, checked for shape.
fn user_hint(payload: &Payload<'_>) -> Result<Option<UserId>> {
    payload.opt_id("user_id")
}

/// `skills.extract`'s window: `end` (default today) and `start` or `window_days`.
fn skills_window(
    p: &Payload<'_>,
    today: chrono::NaiveDate,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
    let end = p.opt_date("end")?.unwrap_or(today);
    let start = match (p.opt_date("start")?, p.opt_u32_in("window_days", 1..=3650)?) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_input(
                "payload.window_days: give either window_days or start, not both",
            ));
        }
        (Some(start), None) => start,
        (None, days) => end - Days::new(u64::from(days.unwrap_or(DEFAULT_WINDOW_DAYS)) - 1),
    };
    if end < start {
        return Err(Error::invalid_input(format!(
            "payload.start: {start} is after end {end}"
        )));
    }
    Ok((start, end))
}

/// `report.generate`'s kind (default `status`) and optional period.
type ReportPeriod = (
    ReportKind,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

fn report_period(p: &Payload<'_>) -> Result<ReportPeriod> {
    let kind: ReportKind = p
        .opt_str("kind")?
        .unwrap_or("status")
        .parse()
        .map_err(|e: Error| Error::invalid_input(format!("payload.kind: {}", e.message())))?;
    let (start, end) = (p.opt_date("start")?, p.opt_date("end")?);
    if let (Some(start), Some(end)) = (start, end) {
        check_period(start, end)
            .map_err(|e| Error::invalid_input(format!("payload.{}", e.message())))?;
    }
    Ok((kind, start, end))
}

/// The payload's `user_id`, else the job's; a payload naming another user than the
/// job's is refused.
fn user_of(ctx: &ExecutionContext, payload: &Payload<'_>) -> Result<UserId> {
    match (payload.opt_id("user_id")?, ctx.user_id()) {
        (Some(p), Some(j)) if p != j => Err(Error::new(
            crate::ErrorKind::PermissionDenied,
            format!("payload.user_id {p} is not the job's user {j}"),
        )),
        (Some(u), _) | (None, Some(u)) => Ok(u),
        (None, None) => Err(Error::invalid_input(
            "payload.user_id: required (or enqueue the job for a user)",
        )),
    }
}

async fn load_worklog(
    services: &AgentServices,
    ctx: &ExecutionContext,
    id: i64,
) -> Result<WorkLog> {
    let worklog = services.domain.get_worklog(id).await.map_err(|e| {
        if e.is(crate::ErrorKind::NotFound) {
            e.permanent()
        } else {
            e
        }
    })?;
    if ctx.user_id().is_some_and(|u| u != worklog.user_id) {
        return Err(Error::not_found(format!("worklog {id} not found")).permanent());
    }
    Ok(worklog)
}

async fn analyze_worklog(
    services: &AgentServices,
    ctx: &ExecutionContext,
    payload: &Value,
) -> Result<Value> {
    let p = Payload(payload);
    let id = p.id("worklog_id")?;
    let worklog = ctx
        .step(
            "load worklog",
            EventSource::Workflow,
            load_worklog(services, ctx, id),
        )
        .await?;
    let compiled = services.taxonomy.current();
    let mut usage = LlmUsageTotal::default();
    let analysis = match &services.llm {
        Some(agent) => {
            ctx.step(
                "llm worklog agent",
                EventSource::Agent,
                agent.analyze(
                    ctx,
                    &worklog,
                    &compiled,
                    services.artifacts.as_ref(),
                    &mut usage,
                ),
            )
            .await?
        }
        None => {
            ctx.step("worklog agent", EventSource::Agent, async {
                Ok(LocalWorklogAgent.analyze(
                    &worklog,
                    &compiled.matcher,
                    compiled.taxonomy.version(),
                ))
            })
            .await?
        }
    };
    let now = ctx.now();
    let mut resolver = SkillResolver::default();
    let stored = ctx
        .step(
            "store analysis and evidence",
            EventSource::Workflow,
            store_analysis(services, &mut resolver, &worklog, analysis, now),
        )
        .await?;
    let mut result = json!({
        "worklog_id": worklog.id,
        "category": stored.category.as_str(),
        "skills": stored.skills.iter().map(|s| json!({"skill": s.skill, "skill_id": s.skill_id})).collect::<Vec<_>>(),
        "impact": stored.impact.len(),
        "references": stored.references.len(),
        "extractor": stored.extractor,
    });
    if services.llm.is_some() {
        result["llm_usage"] = serde_json::to_value(usage).unwrap_or(Value::Null);
    }
    if services.auto_chain {
        let child = ctx
            .enqueue_child(
                SKILLS_EXTRACT,
                json!({"user_id": worklog.user_id, "chain": true}),
            )
            .await?;
        result["next_job_id"] = json!(child.id);
    }
    Ok(result)
}

async fn extract_skills(
    services: &AgentServices,
    ctx: &ExecutionContext,
    payload: &Value,
) -> Result<Value> {
    let p = Payload(payload);
    let user_id = user_of(ctx, &p)?;
    let (start, end) = skills_window(&p, ctx.now().date_naive())?;
    let chain = p.flag("chain")?;
    services
        .domain
        .get_user(user_id)
        .await
        .map_err(Error::permanent)?;
    let agent = SkillAgent::new(services);
    let profile = ctx
        .step(
            "skill agent",
            EventSource::Agent,
            agent.recompute(user_id, start, end, ctx.now()),
        )
        .await?;
    let mut result = serde_json::to_value(&profile)
        .map_err(|e| Error::unexpected(format!("skill profile to JSON: {e}")))?;
    if chain && services.auto_chain {
        let child = ctx
            .enqueue_child(
                REPORT_GENERATE,
                json!({"user_id": user_id, "kind": "status", "chain": true}),
            )
            .await?;
        result["next_job_id"] = json!(child.id);
    }
    Ok(result)
}

async fn generate_report(
    services: &AgentServices,
    ctx: &ExecutionContext,
    payload: &Value,
) -> Result<Value> {
    let p = Payload(payload);
    let user_id = user_of(ctx, &p)?;
    let (kind, start, end) = report_period(&p)?;
    let request = ReportRequest {
        user_id,
        kind,
        start,
        end,
        today: ctx.now().date_naive(),
        working_days: services
            .domain
            .get_profile(user_id)
            .await?
            .document
            .profile
            .working_days,
    };
    services
        .domain
        .get_user(user_id)
        .await
        .map_err(Error::permanent)?;
    let agent = ReportAgent::new(services);
    let GeneratedReport { report, written } = ctx
        .step("report agent", EventSource::Agent, agent.generate(&request))
        .await?;
    record_writing(ctx, "report", &written).await?;
    let now = ctx.now();
    let stored = ctx
        .step(
            "store report",
            EventSource::Workflow,
            services.domain.create_report(report, now),
        )
        .await?;
    let mut result = json!({
        "report_id": stored.id,
        "kind": stored.kind,
        "period_start": stored.period_start,
        "period_end": stored.period_end,
        "items": count_items(&stored.data),
    });
    // The chain ends with the resume, so a new analysis reaches it.
    if p.flag("chain")? && services.auto_chain {
        let child = ctx
            .enqueue_child(RESUME_REFRESH, json!({"user_id": user_id}))
            .await?;
        result["next_job_id"] = json!(child.id);
    }
    Ok(result)
}

/// Says on the job which writer's text a document holds; a model answer that
/// was rejected to the end is a warning with every reason.
async fn record_writing(ctx: &ExecutionContext, document: &str, written: &Written) -> Result<()> {
    let mut data = written.event_data();
    data["document"] = Value::from(document);
    if written.fell_back() {
        ctx.event(
            EventLevel::Warning,
            EventSource::Agent,
            "LLM writing rejected; kept the built-in writer's text",
            data,
        )
        .await
    } else if written.calls > 0 {
        ctx.event(
            EventLevel::Info,
            EventSource::Llm,
            "written by the LLM",
            data,
        )
        .await
    } else {
        Ok(())
    }
}

/// How many bulleted items a report's data holds.
fn count_items(data: &Value) -> usize {
    let list = |k: &str| data.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    let grouped: usize = data.get("groups").and_then(Value::as_array).map_or(0, |g| {
        g.iter()
            .map(|g| g["items"].as_array().map_or(0, Vec::len))
            .sum()
    });
    [
        "done",
        "planned",
        "blockers",
        "highlights",
        "themes",
        "skill_growth",
        "top_achievements",
    ]
    .iter()
    .map(|k| list(k))
    .sum::<usize>()
        + grouped
}

async fn refresh_resume(
    services: &AgentServices,
    ctx: &ExecutionContext,
    payload: &Value,
) -> Result<Value> {
    let p = Payload(payload);
    let user_id = user_of(ctx, &p)?;
    services
        .domain
        .get_user(user_id)
        .await
        .map_err(Error::permanent)?;
    let agent = ResumeAgent::new(services);
    let generated = ctx
        .step(
            "resume agent",
            EventSource::Agent,
            agent.build(user_id, ctx.now()),
        )
        .await?;
    store_resume(services, ctx, user_id, generated).await
}

async fn tailor_resume(
    services: &AgentServices,
    ctx: &ExecutionContext,
    payload: &Value,
) -> Result<Value> {
    let p = Payload(payload);
    let user_id = user_of(ctx, &p)?;
    let text = job_description(&p).map_err(Error::permanent)?;
    services
        .domain
        .get_user(user_id)
        .await
        .map_err(Error::permanent)?;
    let asked = ctx
        .step(
            "read the job description",
            EventSource::Agent,
            tailoring(services, user_id, text),
        )
        .await?;
    let agent = ResumeAgent::new(services);
    let generated = ctx
        .step(
            "resume agent (tailored)",
            EventSource::Agent,
            agent.build_tailored(user_id, ctx.now(), &asked),
        )
        .await?;
    let mut result = store_resume(services, ctx, user_id, generated).await?;
    result["matched"] = json!(asked.matched);
    result["missing"] = json!(asked.missing);
    result["also_asked"] = json!(asked.also_asked);
    Ok(result)
}

/// Stores a resume version and its renders as artifacts.
async fn store_resume(
    services: &AgentServices,
    ctx: &ExecutionContext,
    user_id: UserId,
    GeneratedResume { resume, written }: GeneratedResume,
) -> Result<Value> {
    record_writing(ctx, "resume", &written).await?;
    let now = ctx.now();
    let stored = ctx
        .step(
            "store resume",
            EventSource::Workflow,
            services.domain.create_resume(resume, now),
        )
        .await?;
    let mut artifacts = Vec::new();
    if let Some(store) = &services.artifacts {
        let files = [
            (
                "json",
                "application/json",
                serde_json::to_vec_pretty(&stored.document).unwrap_or_default(),
            ),
            (
                "md",
                "text/markdown; charset=utf-8",
                stored.markdown.clone().into_bytes(),
            ),
            (
                "html",
                "text/html; charset=utf-8",
                stored.html.clone().into_bytes(),
            ),
        ];
        ctx.step("store resume renders", EventSource::Workflow, async {
            for (ext, content_type, bytes) in files {
                let key =
                    ArtifactKey::parse(format!("resumes/{user_id}/v{}.{ext}", stored.version))?;
                store
                    .put(
                        &key,
                        bytes,
                        &PutOptions {
                            content_type: Some(content_type.to_owned()),
                        },
                    )
                    .await?;
                artifacts.push(key.to_string());
            }
            Ok(())
        })
        .await?;
    }
    Ok(json!({
        "resume_id": stored.id,
        "version": stored.version,
        "skills": stored.document["skills"].as_array().map_or(0, |g| g.iter().map(|g| g["keywords"].as_array().map_or(0, Vec::len)).sum()),
        "highlights": stored.document["work"].as_array().map_or(0, |w| w.iter().map(|w| w["highlights"].as_array().map_or(0, Vec::len)).sum()),
        "artifacts": artifacts,
    }))
}
