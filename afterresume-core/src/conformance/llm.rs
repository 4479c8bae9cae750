//! Conformance of [`LlmProvider`] implementations.
//!
//! Scenarios take a factory `Fn() -> Future<Output = SharedLlmProvider>`. Providers
//! that need to be primed (a scripted fake) must answer the prompts below sensibly:
//! the structured scenario asks for `{"answer": string}`.

use std::future::Future;

use serde_json::json;

use crate::ports::{LlmRequest, SharedLlmProvider};

/// Runs every LLM-provider scenario as its own test.
#[macro_export]
macro_rules! llm_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            llm,
            $factory,
            [
                structured_output_matches_schema,
                text_completion_reports_usage
            ]
        );
    };
}

/// The schema the structured scenario asks for.
pub fn answer_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": { "answer": { "type": "string" } },
        "required": ["answer"],
    })
}

/// With a schema, the answer is JSON that has the required field.
pub async fn structured_output_matches_schema<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedLlmProvider>,
{
    let llm = make().await;
    if !llm.capabilities().structured_output {
        return;
    }
    let request = LlmRequest {
        system: Some("Answer in JSON.".into()),
        prompt: "Which database did we migrate billing to? Answer with the name.".into(),
        json_schema: Some(answer_schema()),
        max_tokens: Some(64),
        temperature: Some(0.0),
    };
    let response = llm.complete(&request).await.unwrap();
    let json = response.json.expect("structured output must carry json");
    assert!(json["answer"].is_string(), "{json}");
    assert!(!response.model.is_empty());
}

/// A plain completion returns text and counts tokens.
pub async fn text_completion_reports_usage<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedLlmProvider>,
{
    let llm = make().await;
    let request = LlmRequest {
        prompt: "Say hello.".into(),
        max_tokens: Some(16),
        ..LlmRequest::default()
    };
    let response = llm.complete(&request).await.unwrap();
    assert!(!response.text.trim().is_empty());
    assert!(response.usage.prompt_tokens > 0);
    assert!(response.json.is_none());
}
