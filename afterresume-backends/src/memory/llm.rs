//! A scripted [`LlmProvider`] for tests: answers from a queue, records every request.

use std::collections::VecDeque;
use std::sync::Mutex;

use afterresume_core::ports::{LlmCapabilities, LlmProvider, LlmRequest, LlmResponse, TokenUsage};
use afterresume_core::{Error, Result};
use async_trait::async_trait;
use serde_json::Value;

/// A function that answers a request: a JSON string is text, anything else JSON.
type Responder = Box<dyn Fn(&LlmRequest) -> Result<Value> + Send + Sync>;

/// One scripted answer: text or JSON, and how generation ended.
#[derive(Debug, Clone)]
struct Scripted {
    answer: Value,
    finish_reason: &'static str,
}

/// Answers requests from a script, in order; once the script is exhausted, from the
/// responder function if there is one, otherwise with an error.
#[derive(Default)]
pub struct ScriptedLlm {
    script: Mutex<VecDeque<Result<Scripted, Error>>>,
    responder: Option<Responder>,
    requests: Mutex<Vec<LlmRequest>>,
}

impl std::fmt::Debug for ScriptedLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedLlm")
            .field("script_len", &self.lock_script().len())
            .field("has_responder", &self.responder.is_some())
            .finish_non_exhaustive()
    }
}

impl ScriptedLlm {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// A provider that answers every request with `responder` (after any script).
    pub fn responding(
        responder: impl Fn(&LlmRequest) -> Result<Value> + Send + Sync + 'static,
    ) -> Self {
        ScriptedLlm {
            responder: Some(Box::new(responder)),
            ..Self::default()
        }
    }

    /// Queues a text answer (returned as is, whatever it contains).
    pub fn push_text(&self, text: &str) -> &Self {
        self.push(Value::String(text.to_owned()), "stop")
    }

    /// Queues a text answer cut off by the token limit (`finish_reason: length`).
    pub fn push_truncated(&self, text: &str) -> &Self {
        self.push(Value::String(text.to_owned()), "length")
    }

    /// Queues a JSON answer.
    pub fn push_json(&self, json: Value) -> &Self {
        self.push(json, "stop")
    }

    fn push(&self, answer: Value, finish_reason: &'static str) -> &Self {
        self.lock_script().push_back(Ok(Scripted {
            answer,
            finish_reason,
        }));
        self
    }

    /// Queues a failure.
    pub fn push_error(&self, error: Error) -> &Self {
        self.lock_script().push_back(Err(error));
        self
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<LlmRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn lock_script(&self) -> std::sync::MutexGuard<'_, VecDeque<Result<Scripted, Error>>> {
        self.script.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A rough token count: about four characters per token.
fn approx_tokens(text: &str) -> u32 {
    (text.chars().count() as u32).div_ceil(4)
}

#[async_trait]
impl LlmProvider for ScriptedLlm {
    fn name(&self) -> &str {
        "scripted"
    }

    fn capabilities(&self) -> LlmCapabilities {
        LlmCapabilities::new(true, false)
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request.clone());
        let scripted = self.lock_script().pop_front();
        let scripted = match (scripted, &self.responder) {
            (Some(answer), _) => answer?,
            (None, Some(responder)) => Scripted {
                answer: responder(request)?,
                finish_reason: "stop",
            },
            (None, None) => return Err(Error::unexpected("scripted llm: script exhausted")),
        };
        // Text is passed through untouched (as a real server would), so callers
        // see think blocks, fences and broken JSON exactly as scripted.
        let (text, json) = match scripted.answer {
            Value::String(text) => {
                let json = request
                    .json_schema
                    .as_ref()
                    .and_then(|_| serde_json::from_str(&text).ok());
                (text, json)
            }
            json => (json.to_string(), Some(json)),
        };
        let prompt_len = approx_tokens(&request.prompt)
            + request.system.as_deref().map(approx_tokens).unwrap_or(0);
        Ok(LlmResponse {
            usage: TokenUsage {
                prompt_tokens: prompt_len,
                completion_tokens: approx_tokens(&text),
            },
            text,
            json,
            model: "scripted".to_owned(),
            latency_ms: 0,
            finish_reason: Some(scripted.finish_reason.to_owned()),
        })
    }
}
