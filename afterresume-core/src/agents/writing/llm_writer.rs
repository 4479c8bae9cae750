//! The LLM writer: the built-in writer's draft and the entries it rests on go
//! to the model, which rewrites the items as a person would; its answer passes
//! [`Grounding`] or is re-asked with the reasons, and after the last re-ask the
//! draft stands. The model can make the text better; it cannot make it say
//! something the entries do not.

use std::time::Instant;

use serde_json::{Value, json};

use super::grounding::{Grounding, MAX_ITEM_CHARS, Shape, WriterSource, WrittenSection};
use crate::agents::extract_json;
use crate::agents::strip_think;
use crate::ports::{LlmRequest, SharedLlmProvider, TokenUsage};
use crate::taxonomy::CompiledTaxonomy;

/// Id and version of the prompt, recorded with every outcome.
pub const WRITER_TEMPLATE: &str = "writer.sections@1";

/// Characters of one entry shown to the model; the gate still checks claims
/// against the whole entry.
const SOURCE_CHARS_IN_PROMPT: usize = 700;
/// Entries shown to the model: the ones the draft cites, newest last.
const MAX_SOURCES_IN_PROMPT: usize = 60;

const SYSTEM_PROMPT: &str = "You edit an engineer's work report. You get their work-log \
entries, each with an id, and a draft: sections of items, each item citing the ids of the \
entries it rests on. Rewrite each item as one or two clear sentences a person would send: \
verb first, past tense for done work, the measured result kept with its action, no filler. \
Merge items that say the same thing. Rules: say only what the cited entries say; every item \
cites the ids of the entries it rests on (only ids from the list); never write a number that \
is not in an entry the item cites; never name a technology an entry the item cites does not \
name; keep every section of the draft with the same key and add none. Answer with one JSON \
object only: {\"sections\": [{\"key\": \"...\", \"items\": [{\"text\": \"...\", \
\"worklog_ids\": [1]}]}]}";

/// How the LLM writer asks.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmWriterOptions {
    /// Re-asks after a rejected answer before the draft stands.
    pub max_reasks: u32,
    /// Token budget of an answer.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f32,
}

impl Default for LlmWriterOptions {
    fn default() -> Self {
        LlmWriterOptions {
            max_reasks: 1,
            max_tokens: 1536,
            temperature: 0.2,
        }
    }
}

/// Rewrites drafts through a model, fail-closed.
#[derive(Debug, Clone)]
pub struct LlmWriter {
    provider: SharedLlmProvider,
    options: LlmWriterOptions,
}

/// What a writer returned and how it got there.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The sections: the model's when it passed the gate, else the draft.
    pub sections: Vec<WrittenSection>,
    /// `builtin`, or `llm:PROVIDER/MODEL` when the model's text was kept.
    pub writer: String,
    /// Why each rejected answer was rejected (empty when the first was kept).
    pub rejections: Vec<String>,
    /// Calls made.
    pub calls: u32,
    /// Their token usage.
    pub usage: TokenUsage,
    /// Their wall time in milliseconds.
    pub latency_ms: u64,
}

impl Written {
    /// The built-in draft as it stands, written by no model.
    pub fn builtin(sections: Vec<WrittenSection>) -> Self {
        Written {
            sections,
            writer: "builtin".into(),
            rejections: Vec::new(),
            calls: 0,
            usage: TokenUsage::default(),
            latency_ms: 0,
        }
    }

    /// Whether the draft stood after the model was asked.
    pub fn fell_back(&self) -> bool {
        self.calls > 0 && self.writer == "builtin"
    }

    /// The outcome as an event's data.
    pub fn event_data(&self) -> Value {
        json!({
            "writer": self.writer,
            "template": WRITER_TEMPLATE,
            "calls": self.calls,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "latency_ms": self.latency_ms,
            "rejections": self.rejections,
        })
    }
}

impl LlmWriter {
    /// A writer over a provider.
    pub fn new(provider: SharedLlmProvider, options: LlmWriterOptions) -> Self {
        LlmWriter { provider, options }
    }

    /// The draft rewritten by the model, or the draft itself when every answer
    /// was rejected or the provider failed (the reason is in `rejections`).
    /// `what` names the document ("standup", "resume bullets").
    pub async fn write(
        &self,
        what: &str,
        sources: &[WriterSource],
        draft: Vec<WrittenSection>,
        compiled: &CompiledTaxonomy,
    ) -> Written {
        self.run(what, sources, draft, compiled, Shape::Free).await
    }

    /// Like [`LlmWriter::write`], but each item is rewritten in its place: the
    /// answer keeps every section's items in number and order, each citing
    /// what its draft item cites (resume bullets, whose ids carry the
    /// person's pins and order).
    pub async fn rewrite_each(
        &self,
        what: &str,
        sources: &[WriterSource],
        draft: Vec<WrittenSection>,
        compiled: &CompiledTaxonomy,
    ) -> Written {
        self.run(what, sources, draft, compiled, Shape::OneToOne)
            .await
    }

    async fn run(
        &self,
        what: &str,
        sources: &[WriterSource],
        draft: Vec<WrittenSection>,
        compiled: &CompiledTaxonomy,
        shape: Shape,
    ) -> Written {
        if draft.iter().all(|s| s.items.is_empty()) {
            return Written::builtin(draft);
        }
        let grounding = Grounding::new(sources, compiled);
        let mut written = Written::builtin(Vec::new());
        let mut request = self.request(what, sources, &draft, shape);
        let started = Instant::now();
        for _ in 0..=self.options.max_reasks {
            written.calls += 1;
            let response = match self.provider.complete(&request).await {
                Ok(response) => response,
                Err(err) => {
                    written
                        .rejections
                        .push(format!("provider: {}", err.public_message()));
                    break;
                }
            };
            written.usage.prompt_tokens += response.usage.prompt_tokens;
            written.usage.completion_tokens += response.usage.completion_tokens;
            let answer = response
                .json
                .clone()
                .filter(Value::is_object)
                .or_else(|| extract_json(&strip_think(&response.text)));
            let problems = match answer {
                Some(answer) => match grounding.check(&answer, &draft, shape) {
                    Ok(sections) => {
                        written.sections = sections;
                        written.writer = self.name(&response.model);
                        written.latency_ms = elapsed_ms(started);
                        return written;
                    }
                    Err(problems) => problems,
                },
                None if response.truncated() => {
                    vec!["the answer was cut off; write shorter items".into()]
                }
                None => vec!["the answer holds no JSON object".into()],
            };
            written.rejections.push(problems.join("; "));
            request.prompt = format!(
                "{}\n\nYour previous answer was rejected:\n- {}\nAnswer again with every rule kept.",
                self.prompt(what, sources, &draft, shape),
                problems.join("\n- ")
            );
        }
        written.sections = draft;
        written.latency_ms = elapsed_ms(started);
        written
    }

    fn name(&self, answered_by: &str) -> String {
        let model = match self.provider.model() {
            "" => answered_by,
            configured => configured,
        };
        if model.is_empty() {
            format!("llm:{}", self.provider.name())
        } else {
            format!("llm:{}/{model}", self.provider.name())
        }
    }

    fn request(
        &self,
        what: &str,
        sources: &[WriterSource],
        draft: &[WrittenSection],
        shape: Shape,
    ) -> LlmRequest {
        LlmRequest {
            system: Some(SYSTEM_PROMPT.to_owned()),
            prompt: self.prompt(what, sources, draft, shape),
            json_schema: Some(answer_schema()),
            max_tokens: Some(self.options.max_tokens),
            temperature: Some(self.options.temperature),
        }
    }

    fn prompt(
        &self,
        what: &str,
        sources: &[WriterSource],
        draft: &[WrittenSection],
        shape: Shape,
    ) -> String {
        let cited: Vec<&WriterSource> = sources
            .iter()
            .filter(|s| {
                draft
                    .iter()
                    .flat_map(|d| &d.items)
                    .any(|i| i.worklog_ids.contains(&s.id))
            })
            .collect();
        let shown = &cited[cited.len().saturating_sub(MAX_SOURCES_IN_PROMPT)..];
        let mut prompt = format!("Document: {what}\n\nEntries:\n");
        for s in shown {
            let tags = if s.tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", s.tags.join(", "))
            };
            let content: String = s.content.chars().take(SOURCE_CHARS_IN_PROMPT).collect();
            prompt.push_str(&format!(
                "#{} ({}){tags}: {}\n",
                s.id,
                s.date,
                content.trim()
            ));
        }
        let draft = json!({ "sections": draft });
        prompt.push_str(&format!("\nDraft:\n{draft}\n"));
        if shape == Shape::OneToOne {
            prompt.push_str(
                "\nRewrite each item in its place: do not merge, split, drop or reorder items; \
                 each item cites exactly the ids its draft item cites.\n",
            );
        }
        prompt
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The answer's JSON schema (structured output where the server has it).
fn answer_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "sections": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "text": {"type": "string", "maxLength": MAX_ITEM_CHARS},
                                    "worklog_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1}
                                },
                                "required": ["text", "worklog_ids"],
                                "additionalProperties": false
                            }
                        }
                    },
                    "required": ["key", "items"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["sections"],
        "additionalProperties": false
    })
}
