//! The LLM-backed worklog agent: asks a model for the skills a worklog proves,
//! with a quote for each, and trusts nothing it says until checked.
//!
//! Every answer goes through the same gate: `<think>` blocks stripped, the JSON
//! object extracted from prose or code fences, the shape checked, every quote
//! found literally in the worklog, every skill name normalized through the
//! taxonomy. A failing answer is re-asked with the validation error (at most
//! [`LlmAgentOptions::max_reasks`] times); a cut-off answer (`finish_reason:
//! length`) is re-asked with a larger token budget. The final failure is a clear
//! job error, or — when configured — the built-in agent's analysis, recorded as a
//! warning event. Validated answers are cached by a hash of (provider, model,
//! template version, inputs, parameters), in memory and in the artifact store, so
//! a retried job does not pay twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::hybrid::{self, HYBRID_TEMPLATE_ID, HYBRID_TEMPLATE_VERSION};
pub(crate) use super::llm_answer::{
    MAX_SKILLS_PER_ANSWER, Validated, answer_schema, locate_quote, normalize, parse_answer,
    quotes_not_found, work_category,
};
pub use super::llm_answer::{extract_json, strip_think};
use super::text::CharOffsets;
use super::{LocalWorklogAgent, SkillMention, WorklogAnalysis};
use crate::domain::{EventLevel, EventSource, WorkLog};
use crate::engine::ExecutionContext;
use crate::ports::{
    ArtifactKey, LlmRequest, PutOptions, SharedArtifactStore, SharedLlmProvider, TokenUsage,
};
use crate::taxonomy::CompiledTaxonomy;
use crate::{Error, Result};

/// Id of the prompt template, recorded with every call.
pub const PROMPT_TEMPLATE_ID: &str = "worklog.skills";
/// Version of the prompt template; bump it when the prompt or schema changes (it
/// is part of the cache key).
pub const PROMPT_TEMPLATE_VERSION: u32 = 3;

const SYSTEM_PROMPT: &str = "You extract technical skills from an engineer's work-log entry. \
Answer with one JSON object only, no prose. For every technology, tool, language, platform or \
engineering practice the entry names, give its common name and a quote: the exact words of the \
entry that name it, copied character for character (usually just the name as written, never a \
definition). Never list a skill the entry does not name. Also give a one-sentence summary and a \
category.\n\nExample entry: Fixed the flaky Jest tests and moved CI to GitHub Actions.\n\
Example answer: {\"skills\": [{\"name\": \"Jest\", \"quote\": \"Jest\"}, \
{\"name\": \"GitHub Actions\", \"quote\": \"GitHub Actions\"}], \"summary\": \
\"Fixed flaky Jest tests and moved CI to GitHub Actions.\", \"category\": \"bugfix\"}";

/// How the model is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LlmMode {
    /// The taxonomy and context model propose candidates; the model confirms,
    /// rejects and adds (`agents::hybrid`).
    #[default]
    Hybrid,
    /// The model lists skills on its own; the taxonomy only normalizes its names.
    Extract,
}

impl std::str::FromStr for LlmMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hybrid" => Ok(LlmMode::Hybrid),
            "extract" => Ok(LlmMode::Extract),
            other => Err(Error::invalid_input(format!(
                "LLM mode '{other}': use hybrid or extract"
            ))),
        }
    }
}

/// Tuning of the LLM-backed agent.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmAgentOptions {
    /// Hybrid (the default) or extract.
    pub mode: LlmMode,
    /// Re-asks after an invalid answer (the issue's contract: at most 2).
    pub max_reasks: u32,
    /// Token budget of the first ask. After a truncated answer it doubles once,
    /// up to [`LlmAgentOptions::max_tokens_cap`].
    pub max_tokens: u32,
    /// Largest token budget a re-ask may use. A bounded answer schema fits well
    /// inside it; a model that still runs out is looping, and a bigger budget
    /// would only make it loop longer.
    pub max_tokens_cap: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// After the last failed re-ask, use the built-in agent (recorded as a warning
    /// event) instead of failing the job. On by default: a person gets skills from
    /// every entry even when a small model cannot keep to the schema.
    pub fallback_to_local: bool,
}

impl Default for LlmAgentOptions {
    fn default() -> Self {
        LlmAgentOptions {
            mode: LlmMode::Hybrid,
            max_reasks: 2,
            max_tokens: 512,
            max_tokens_cap: 1024,
            temperature: 0.0,
            fallback_to_local: true,
        }
    }
}

/// Token and time totals of the calls one job made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LlmUsageTotal {
    /// Calls made (cache hits excluded).
    pub calls: u32,
    /// Answers served from the cache.
    pub cache_hits: u32,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Wall time of the calls, in milliseconds.
    pub latency_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModelAnswer {
    skills: Vec<ModelSkill>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModelSkill {
    name: String,
    quote: String,
}

/// The LLM-backed worklog agent. Cloning shares the provider and the cache.
#[derive(Debug, Clone)]
pub struct LlmWorklogAgent {
    provider: SharedLlmProvider,
    options: LlmAgentOptions,
    memory_cache: Arc<Mutex<HashMap<String, Value>>>,
}

impl LlmWorklogAgent {
    /// An agent over a provider.
    pub fn new(provider: SharedLlmProvider, options: LlmAgentOptions) -> Self {
        LlmWorklogAgent {
            provider,
            options,
            memory_cache: Arc::default(),
        }
    }

    /// The provider.
    pub fn provider(&self) -> &SharedLlmProvider {
        &self.provider
    }

    /// The options.
    pub fn options(&self) -> &LlmAgentOptions {
        &self.options
    }

    /// Analyzes a worklog: skills from the model (validated), impact, references
    /// and blockers from the built-in rules. Adds this call's usage to `usage`.
    pub async fn analyze(
        &self,
        ctx: &ExecutionContext,
        worklog: &WorkLog,
        taxonomy: &CompiledTaxonomy,
        artifacts: Option<&SharedArtifactStore>,
        usage: &mut LlmUsageTotal,
    ) -> Result<WorklogAnalysis> {
        let local =
            LocalWorklogAgent.analyze(worklog, &taxonomy.matcher, taxonomy.taxonomy.version());
        let candidates = match self.options.mode {
            LlmMode::Hybrid => hybrid::candidates(&worklog.content, taxonomy),
            LlmMode::Extract => Vec::new(),
        };
        let check = |raw: &Value| match self.options.mode {
            LlmMode::Hybrid => hybrid::validate(raw, worklog, taxonomy, &candidates),
            LlmMode::Extract => self.validate(raw, worklog, taxonomy),
        };
        let base_request = match self.options.mode {
            LlmMode::Hybrid => hybrid::request(
                worklog,
                &candidates,
                self.options.max_tokens,
                self.options.temperature,
            ),
            LlmMode::Extract => self.request(worklog),
        };
        let key = self.cache_key(&base_request);
        let answer = match self.cached(&key, artifacts).await {
            Some(answer) => {
                usage.cache_hits += 1;
                ctx.event(
                    EventLevel::Info,
                    EventSource::Llm,
                    "llm answer served from cache",
                    json!({"cache_key": key, "template": self.template_ref()}),
                )
                .await?;
                check(&answer).map(|v| (v, None))
            }
            None => {
                self.ask_until_valid(ctx, &check, base_request, usage)
                    .await?
            }
        };
        // Only an answer that stayed invalid falls back: a provider error (429,
        // timeout) or a cancellation propagates so the engine retries or stops it.
        let (validated, raw) = match answer {
            Ok(answer) => answer,
            Err(err) if self.options.fallback_to_local => {
                ctx.event(
                    EventLevel::Warning,
                    EventSource::Agent,
                    "LLM output unusable; fell back to the built-in agent",
                    json!({
                        "error": err.public_message(),
                        "detail": err.to_string(),
                        "provider": self.provider.name(),
                    }),
                )
                .await?;
                return Ok(local);
            }
            Err(err) => return Err(err),
        };
        if let Some(raw) = raw {
            self.store_cache(&key, &raw, artifacts).await;
        }
        let model = self.provider.model();
        Ok(WorklogAnalysis {
            summary: validated.summary.unwrap_or(local.summary),
            category: validated.category.unwrap_or(local.category),
            skills: validated.mentions,
            extractor: if model.is_empty() {
                format!("llm:{}", self.provider.name())
            } else {
                format!("llm:{}/{model}", self.provider.name())
            },
            ..local
        })
    }

    fn request(&self, worklog: &WorkLog) -> LlmRequest {
        LlmRequest {
            system: Some(SYSTEM_PROMPT.to_owned()),
            prompt: format!(
                "Work-log entry ({}):\n<<<\n{}\n>>>",
                worklog.date, worklog.content
            ),
            json_schema: Some(answer_schema()),
            max_tokens: Some(self.options.max_tokens),
            temperature: Some(self.options.temperature),
        }
    }

    fn cache_key(&self, request: &LlmRequest) -> String {
        let mut hasher = Sha256::new();
        for part in [
            self.provider.name(),
            self.provider.model(),
            &self.template_ref(),
            request.system.as_deref().unwrap_or(""),
            &request.prompt,
            &format!("{:?}/{:?}", request.max_tokens, request.temperature),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0u8]);
        }
        format!("{:x}", hasher.finalize())
    }

    async fn cached(&self, key: &str, artifacts: Option<&SharedArtifactStore>) -> Option<Value> {
        if let Some(v) = self
            .memory_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Some(v.clone());
        }
        let store = artifacts?;
        let artifact = store.get(&cache_artifact(key).ok()?).await.ok()?;
        let value: Value = serde_json::from_slice(&artifact.bytes).ok()?;
        self.memory_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), value.clone());
        Some(value)
    }

    async fn store_cache(
        &self,
        key: &str,
        answer: &Value,
        artifacts: Option<&SharedArtifactStore>,
    ) {
        self.memory_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), answer.clone());
        if let (Some(store), Ok(artifact)) = (artifacts, cache_artifact(key)) {
            let opts = PutOptions {
                content_type: Some("application/json".to_owned()),
            };
            // A lost cache entry costs one more call later; never a job failure.
            if let Err(err) = store
                .put(&artifact, answer.to_string().into_bytes(), &opts)
                .await
            {
                tracing::warn!(error = %err, "llm cache write failed");
            }
        }
    }

    /// Asks, validates, re-asks with the error. The outer error is the provider's
    /// or a cancellation; the inner result is the validated answer with the raw
    /// JSON to cache, or why the answers stayed invalid.
    async fn ask_until_valid(
        &self,
        ctx: &ExecutionContext,
        check: &(dyn Fn(&Value) -> Result<Validated> + Sync),
        mut request: LlmRequest,
        usage: &mut LlmUsageTotal,
    ) -> Result<Result<(Validated, Option<Value>)>> {
        let base_prompt = request.prompt.clone();
        let mut last_error = String::new();
        for attempt in 0..=self.options.max_reasks {
            ctx.check_cancelled()?;
            let started = Instant::now();
            let response = self.provider.complete(&request).await?;
            let latency_ms = if response.latency_ms > 0 {
                response.latency_ms
            } else {
                started.elapsed().as_millis() as u64
            };
            record_usage(usage, response.usage, latency_ms);
            ctx.event(
                EventLevel::Info,
                EventSource::Llm,
                "llm call",
                json!({
                    "provider": self.provider.name(),
                    "model": response.model,
                    "template": self.template_ref(),
                    "attempt": attempt + 1,
                    "latency_ms": latency_ms,
                    "prompt_tokens": response.usage.prompt_tokens,
                    "completion_tokens": response.usage.completion_tokens,
                    "finish_reason": response.finish_reason,
                }),
            )
            .await?;
            let outcome = parse_answer(&response).and_then(|raw| {
                let validated = check(&raw)?;
                Ok((validated, raw))
            });
            match outcome {
                Ok((validated, raw)) => return Ok(Ok((validated, Some(raw)))),
                Err(err) => {
                    last_error = err.message().to_owned();
                    ctx.event(
                        EventLevel::Warning,
                        EventSource::Llm,
                        "llm answer rejected",
                        json!({"attempt": attempt + 1, "error": last_error}),
                    )
                    .await?;
                    if response.truncated() {
                        let budget = request.max_tokens.unwrap_or(self.options.max_tokens);
                        request.max_tokens = Some(
                            budget
                                .saturating_mul(2)
                                .min(self.options.max_tokens_cap.max(budget)),
                        );
                    }
                    request.prompt = format!(
                        "{base_prompt}\n\nYour previous answer was rejected: {last_error}\nAnswer again with only the JSON object, quotes copied exactly from the entry."
                    );
                }
            }
        }
        Ok(Err(Error::invalid_input(format!(
            "LLM output invalid after {} attempts: {last_error}",
            self.options.max_reasks + 1
        ))
        .with_context("provider", self.provider.name())))
    }

    fn validate(
        &self,
        raw: &Value,
        worklog: &WorkLog,
        taxonomy: &CompiledTaxonomy,
    ) -> Result<Validated> {
        let answer: ModelAnswer = serde_json::from_value(raw.clone())
            .map_err(|e| Error::invalid_input(format!("answer does not match the schema: {e}")))?;
        if answer.skills.len() > MAX_SKILLS_PER_ANSWER {
            return Err(Error::invalid_input(format!(
                "the answer lists {} skills; list at most {MAX_SKILLS_PER_ANSWER}, each once",
                answer.skills.len()
            )));
        }
        let content = &worklog.content;
        let offsets = CharOffsets::new(content);
        let mut missing = Vec::new();
        let mut mentions: Vec<SkillMention> = Vec::new();
        for skill in &answer.skills {
            let Some((byte_start, quote)) = locate_quote(content, &skill.quote) else {
                missing.push(skill.quote.clone());
                continue;
            };
            let Some(canonical) = normalize(&skill.name, taxonomy) else {
                continue; // not a skill the taxonomy knows: dropped, not invented
            };
            if mentions.iter().any(|m| m.slug == canonical.slug) {
                continue;
            }
            // Prefer the exact alias span inside the quote when the matcher sees it.
            let in_quote = taxonomy
                .matcher
                .find(quote)
                .into_iter()
                .find(|m| m.slug == canonical.slug);
            let (start, excerpt) = match in_quote {
                Some(m) => (
                    byte_start + quote.char_indices().nth(m.start).map_or(0, |(b, _)| b),
                    m.excerpt,
                ),
                None => (byte_start, quote.to_owned()),
            };
            mentions.push(SkillMention {
                new_skill: false,
                sentence: String::new(),
                sentence_start: 0,
                skill: canonical.name.clone(),
                skill_id: None,
                slug: canonical.slug.clone(),
                category: canonical.category,
                start: offsets.at(start),
                end: offsets.at(start + excerpt.len()),
                excerpt,
                confidence: 0.85,
            });
        }
        if !missing.is_empty() {
            return Err(quotes_not_found(&missing));
        }
        mentions.sort_by_key(|m| m.start);
        let summary = answer
            .summary
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && s.chars().count() <= 300);
        let category = answer.category.and_then(work_category);
        Ok(Validated {
            mentions,
            summary,
            category,
        })
    }
}

impl LlmWorklogAgent {
    /// `id@version` of the prompt template the mode uses.
    fn template_ref(&self) -> String {
        match self.options.mode {
            LlmMode::Hybrid => format!("{HYBRID_TEMPLATE_ID}@{HYBRID_TEMPLATE_VERSION}"),
            LlmMode::Extract => format!("{PROMPT_TEMPLATE_ID}@{PROMPT_TEMPLATE_VERSION}"),
        }
    }
}

fn cache_artifact(key: &str) -> Result<ArtifactKey> {
    ArtifactKey::parse(format!("llm-cache/{PROMPT_TEMPLATE_ID}/{key}.json"))
}

fn record_usage(total: &mut LlmUsageTotal, usage: TokenUsage, latency_ms: u64) {
    total.calls += 1;
    total.prompt_tokens += u64::from(usage.prompt_tokens);
    total.completion_tokens += u64::from(usage.completion_tokens);
    total.latency_ms += latency_ms;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn think_blocks_are_stripped_and_json_extracted() {
        let text = "<think>maybe {\"skills\": []}</think>Sure! ```json\n{\"skills\": [{\"name\": \"Go\", \"quote\": \"a } b\"}]}\n``` done";
        let stripped = strip_think(text);
        assert!(!stripped.contains("maybe"));
        let v = extract_json(&stripped).unwrap();
        assert_eq!(v["skills"][0]["quote"], "a } b");
        assert!(extract_json("no json {here").is_none());
        assert_eq!(strip_think("a<think>unclosed"), "a");
    }

    #[test]
    fn quotes_are_found_up_to_case_and_a_final_mark() {
        let entry = "Fixed a race; the Docker image is now 40% smaller. Café next.";
        let (at, text) = locate_quote(entry, "The Docker image is now 40% smaller.").unwrap();
        assert_eq!(text, "the Docker image is now 40% smaller");
        assert_eq!(&entry[at..at + text.len()], text);
        assert_eq!(locate_quote(entry, "café NEXT").unwrap().1, "Café next");
        assert!(locate_quote(entry, "the Podman image").is_none());
        assert!(locate_quote(entry, " . ").is_none());
    }
}
