//! The AI agents behind the four built-in job types, and what they share.
//!
//! Each agent is plain code over the domain ports: [`LocalWorklogAgent`] reads one
//! worklog, [`SkillAgent`] turns analyses into evidenced skills, [`ReportAgent`]
//! writes standups, status reports and summaries, [`ResumeAgent`] builds a JSON
//! Resume. The built-in agents are deterministic and need no network; the
//! LLM-backed worklog agent ([`LlmWorklogAgent`]) asks a model and validates what
//! it says against the worklog and the taxonomy.

mod hybrid;
mod llm;
mod llm_answer;
mod mention_context;
mod mention_cues;
mod payload;
#[cfg(feature = "pdf")]
pub mod pdf;
mod rate_limited_llm;
mod references;
mod report;
mod resume;
mod signals;
mod skills;
mod text;
mod worklog;
mod writing;

pub use hybrid::{HYBRID_TEMPLATE_ID, HYBRID_TEMPLATE_VERSION};
pub use llm::{
    LlmAgentOptions, LlmMode, LlmUsageTotal, LlmWorklogAgent, PROMPT_TEMPLATE_ID,
    PROMPT_TEMPLATE_VERSION, extract_json, strip_think,
};
pub use mention_context::{MentionContext, mention_context};
pub use payload::Payload;
pub use rate_limited_llm::{RATE_LIMIT_MAX_WAIT, RateLimitedLlm};
pub(crate) use report::check_period;
pub use report::{
    GeneratedReport, MAX_REPORT_DAYS, ReportAgent, ReportRequest, render_report_html, report_title,
};
pub use resume::{
    GeneratedResume, JSON_RESUME_SCHEMA_URL, MAX_JOB_DESCRIPTION_CHARS, RESUME_THEMES, ResumeAgent,
    ResumeRenders, Tailoring, check_job_description, render_resume, render_resume_html,
    render_resume_text, tailoring, validate_json_resume,
};
pub use signals::{Blocker, ImpactSignal, Reference, WorkCategory, classify};
pub use skills::{STRENGTH_HALF_LIFE_DAYS, SkillAgent, SkillProfile, SkillSummary};
pub use worklog::{
    LOCAL_EXTRACTOR, LocalWorklogAgent, SkillMention, WorklogAnalysis, explain_mentions,
    skill_mentions,
};
pub use writing::{
    LlmWriter, LlmWriterOptions, MAX_ITEM_CHARS, WRITER_TEMPLATE, WriterSource, Written,
    WrittenItem, WrittenSection,
};

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::Result;
use crate::domain::{NewSkill, NewSkillEvidence, Skill, WorkLog, WorkLogFilter};
use crate::ports::{SharedArtifactStore, SharedDomainStore};
use crate::taxonomy::{CompiledTaxonomy, SharedTaxonomy};

/// What the built-in workflows need besides the job engine.
#[derive(Debug, Clone)]
pub struct AgentServices {
    /// Users, worklogs, skills, reports, resumes.
    pub domain: SharedDomainStore,
    /// Where resume renders (and the LLM response cache) go; `None` keeps renders
    /// only in the domain store.
    pub artifacts: Option<SharedArtifactStore>,
    /// The skill taxonomy.
    pub taxonomy: SharedTaxonomy,
    /// The LLM-backed worklog agent; `None` uses the built-in agent.
    pub llm: Option<LlmWorklogAgent>,
    /// Rewrites reports through a model, held to the entries they cite; `None`
    /// keeps the built-in writer's text.
    pub writer: Option<LlmWriter>,
    /// `WORKFLOW_AUTO_CHAIN`: `worklog.analyze` enqueues `skills.extract`, which
    /// enqueues `report.generate`.
    pub auto_chain: bool,
}

impl AgentServices {
    /// Built-in agents over a domain store, no artifact store, no chaining.
    pub fn new(domain: SharedDomainStore) -> Self {
        AgentServices {
            domain,
            artifacts: None,
            taxonomy: SharedTaxonomy::builtin(),
            llm: None,
            writer: None,
            auto_chain: false,
        }
    }
}

/// Looks skills up by slug, creating them from the taxonomy the first time; caches
/// within one job so a worklog with ten skills costs ten lookups once.
#[derive(Debug, Default)]
pub(crate) struct SkillResolver {
    cache: HashMap<String, Skill>,
}

impl SkillResolver {
    pub(crate) async fn resolve(
        &mut self,
        domain: &SharedDomainStore,
        taxonomy: &CompiledTaxonomy,
        slug: &str,
    ) -> Result<Skill> {
        if let Some(skill) = self.cache.get(slug) {
            return Ok(skill.clone());
        }
        let skill = match domain.get_skill_by_slug(slug).await {
            Ok(skill) => skill,
            Err(e) if e.is(crate::ErrorKind::NotFound) => {
                let canonical = taxonomy.taxonomy.get(slug).ok_or_else(|| {
                    crate::Error::invalid_input(format!("skill '{slug}' is not in the taxonomy"))
                })?;
                let new = NewSkill {
                    name: canonical.name.clone(),
                    slug: canonical.slug.clone(),
                    category: canonical.category,
                    aliases: canonical
                        .aliases
                        .iter()
                        .filter(|a| a.text != canonical.name)
                        .map(|a| a.text.clone())
                        .collect(),
                };
                new.validate()?;
                domain.upsert_skill(new).await?
            }
            Err(e) => return Err(e),
        };
        self.cache.insert(slug.to_owned(), skill.clone());
        Ok(skill)
    }
}

/// Every worklog matching `filter` (newest first), read page by page, at most `max`.
pub(crate) async fn all_worklogs(
    domain: &SharedDomainStore,
    mut filter: WorkLogFilter,
    max: usize,
) -> Result<Vec<WorkLog>> {
    let mut worklogs = Vec::new();
    loop {
        let page = domain.list_worklogs(&filter).await?;
        let full = page.len() == filter.effective_limit();
        if let Some(last) = page.last() {
            filter.after = Some((last.date, last.id));
        }
        worklogs.extend(page);
        if !full || worklogs.len() >= max {
            worklogs.truncate(max);
            return Ok(worklogs);
        }
    }
}

/// A worklog's stored analysis, else the built-in agent's (not written back).
pub(crate) fn analysis_or_local(worklog: &WorkLog, compiled: &CompiledTaxonomy) -> WorklogAnalysis {
    WorklogAnalysis::from_stored(worklog).unwrap_or_else(|| {
        LocalWorklogAgent.analyze(worklog, &compiled.matcher, compiled.taxonomy.version())
    })
}

/// Stores an analysis on its worklog and replaces the worklog's evidence with the
/// analysis' skills (skill ids filled in). Returns the analysis as stored.
pub(crate) async fn store_analysis(
    services: &AgentServices,
    resolver: &mut SkillResolver,
    worklog: &WorkLog,
    mut analysis: WorklogAnalysis,
    now: DateTime<Utc>,
) -> Result<WorklogAnalysis> {
    let taxonomy = services.taxonomy.current();
    for mention in &mut analysis.skills {
        let (sentence, from) = text::sentence_around(&worklog.content, mention.start, mention.end);
        mention.sentence = sentence;
        mention.sentence_start = from;
    }
    // A skill the taxonomy lacks stays in the analysis, flagged, without evidence.
    for mention in analysis.skills.iter_mut().filter(|m| !m.new_skill) {
        mention.skill_id = Some(
            resolver
                .resolve(&services.domain, &taxonomy, &mention.slug)
                .await?
                .id,
        );
    }
    let value = serde_json::to_value(&analysis)
        .map_err(|e| crate::Error::unexpected(format!("analysis to JSON: {e}")))?;
    let evidence = evidence_rows(worklog, &analysis);
    services
        .domain
        .replace_worklog_analysis(worklog.id, value, &evidence, now)
        .await?;
    Ok(analysis)
}

/// Records one evidence row per skill of an analysis (idempotent).
pub(crate) async fn record_evidence(
    services: &AgentServices,
    worklog: &WorkLog,
    analysis: &WorklogAnalysis,
    now: DateTime<Utc>,
) -> Result<()> {
    for evidence in evidence_rows(worklog, analysis) {
        evidence.validate()?;
        services.domain.add_evidence(evidence, now).await?;
    }
    Ok(())
}

/// The evidence rows of an analysis: one per mention of a skill the store knows.
fn evidence_rows(worklog: &WorkLog, analysis: &WorklogAnalysis) -> Vec<NewSkillEvidence> {
    let mut rows = Vec::new();
    for mention in &analysis.skills {
        let Some(skill_id) = mention.skill_id else {
            continue;
        };
        rows.push(NewSkillEvidence {
            user_id: worklog.user_id,
            skill_id,
            worklog_id: worklog.id,
            worklog_date: worklog.date,
            excerpt: mention.excerpt.clone(),
            start: mention.start as u32,
            end: mention.end as u32,
            sentence: mention.sentence.clone(),
            sentence_start: mention.sentence_start as u32,
            confidence: mention.confidence,
            extractor: analysis.extractor.clone(),
        });
    }
    rows
}
