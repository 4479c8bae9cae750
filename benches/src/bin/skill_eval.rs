//! Quality of canonical-skill extraction on (a) the labelled development set
//! (`eval/devset.jsonl`) and (b) the held-out test set (`eval/testset.jsonl`, see
//! `eval/LABELLING.md`): precision, recall and F1, overall and per area, category
//! and style, trap and no-technology entries, the test set's ten most frequent
//! errors, and worklogs per second; then on (c) SkillSpan TECH dev
//! (`eval/skillspan/`, job-posting sentences labelled by others): relaxed knowledge
//! recall and precision, strict F1. `--skillspan-errors` prints the matcher's most
//! frequent errors on SkillSpan dev and train. `--errors` prints the dev set's wrong entries
//! (never the test set's).
//!
//! ```text
//! cargo run --release -p afterresume-benches --bin skill-eval [-- path/to/devset.jsonl] [--errors]
//! cargo run --release -p afterresume-benches --bin skill-eval -- --explain 42
//! ```
//!
//! `--explain ID` prints every candidate mention of dev-set entry ID and why it was
//! kept or dropped, and nothing else; `--explain "any text"` does the same for the
//! text given.
//!
//! The built-in agent is always measured. With `LLM_PROVIDER` set (and
//! `LLM_VLLM_ENDPOINT`, `LLM_MODEL_NAME` as for the host), the LLM-backed agent is
//! measured too, in extract and hybrid mode, through the real `worklog.analyze`
//! workflow on in-memory backends (`--llm-limit N`: the first N entries of each set;
//! `LLM_MODE=hybrid` or `extract`: that mode only; `--llm-set dev` or `test`: that
//! set only).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use afterresume_backends::memory::*;
use afterresume_backends::openai::{OpenAiOptions, OpenAiProvider};
use afterresume_benches::breakdown::{Breakdown, top_errors};
use afterresume_benches::devset::{self, Entry};
use afterresume_benches::skillspan;
use afterresume_core::agents::{
    AgentServices, LlmAgentOptions, LlmMode, LlmWorklogAgent, explain_mentions, skill_mentions,
};
use afterresume_core::domain::{JobStatus, NewUser, NewWorkLog};
use afterresume_core::ports::{SharedDomainStore, UserStore, WorkLogStore};
use afterresume_core::taxonomy::{PostingReader, SkillMatcher, Taxonomy};
use afterresume_core::workflows::register_builtin_workflows;
use afterresume_core::{Engine, EnqueueOptions};

/// The built-in agent's slugs for every entry, and the seconds one pass took
/// (the set is repeated until about a second has passed, on one core).
fn run_builtin(entries: &[Entry], matcher: &SkillMatcher) -> (Vec<BTreeSet<String>>, f64) {
    let mut predictions = Vec::new();
    let started = Instant::now();
    let mut rounds = 0;
    while rounds == 0 || started.elapsed().as_secs_f64() < 1.0 {
        predictions = entries
            .iter()
            .map(|e| {
                skill_mentions(&e.text, matcher)
                    .into_iter()
                    .map(|m| m.slug)
                    .collect()
            })
            .collect();
        rounds += 1;
    }
    (
        predictions,
        started.elapsed().as_secs_f64() / f64::from(rounds),
    )
}

fn print_entry_errors(entries: &[Entry], predictions: &[BTreeSet<String>]) {
    for (entry, got) in entries.iter().zip(predictions) {
        let expected: BTreeSet<String> = entry.skills.iter().cloned().collect();
        if &expected != got {
            let missed: Vec<_> = expected.difference(got).collect();
            let extra: Vec<_> = got.difference(&expected).collect();
            println!(
                "  #{:<3} missed {missed:?} extra {extra:?}: {}",
                entry.id, entry.text
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    let explain_id = args.iter().position(|a| a == "--explain").map(|i| {
        args.get(i + 1)
            .cloned()
            .expect("--explain takes a dev-set entry number or a text")
    });
    // The dev-set path is the one argument that is neither a flag nor a flag's value.
    let path = args
        .iter()
        .enumerate()
        .find(|(i, a)| {
            let after = |flag: &str| *i > 0 && args[i - 1] == flag;
            !a.starts_with("--")
                && !after("--explain")
                && !after("--llm-limit")
                && !after("--llm-set")
        })
        .map(|(_, a)| a.clone())
        .unwrap_or_else(devset::default_path);
    if args.iter().any(|a| a == "--skillspan-errors") {
        skillspan_errors();
        return;
    }
    let entries = devset::load(&path);
    let test_entries = devset::load(&devset::testset_path());
    if let Some(id) = explain_id {
        explain(&entries, &id);
        return;
    }
    let taxonomy = Taxonomy::builtin();
    for entry in &entries {
        for slug in &entry.skills {
            assert!(
                taxonomy.get(slug).is_some(),
                "devset #{}: '{slug}' is not a taxonomy slug",
                entry.id
            );
        }
    }
    let matcher = SkillMatcher::new(&taxonomy);
    println!(
        "dev set: {path} ({} entries), taxonomy {} ({} skills)",
        entries.len(),
        taxonomy.version(),
        taxonomy.skills().len()
    );

    let (predictions, seconds) = run_builtin(&entries, &matcher);
    if show_errors {
        print_entry_errors(&entries, &predictions);
    }
    Breakdown::new(&entries, &predictions, &taxonomy)
        .print("(a) dev set, built-in agent", entries.len());
    println!(
        "  throughput: {:.0} worklogs/s on one core ({:.3} ms a pass over the set)",
        entries.len() as f64 / seconds,
        seconds * 1000.0
    );

    // The test set is only measured: its entries are not printed, so nobody tunes
    // on them (eval/LABELLING.md).
    let (test_predictions, _) = run_builtin(&test_entries, &matcher);
    let unknown: BTreeSet<&str> = test_entries
        .iter()
        .flat_map(|e| e.skills.iter())
        .filter(|s| taxonomy.get(s).is_none())
        .map(String::as_str)
        .collect();
    println!(
        "test set: {} entries, {} gold skills, {} of them not in the taxonomy",
        test_entries.len(),
        test_entries
            .iter()
            .flat_map(|e| e.skills.iter())
            .collect::<BTreeSet<_>>()
            .len(),
        unknown.len()
    );
    Breakdown::new(&test_entries, &test_predictions, &taxonomy)
        .print("(b) test set, built-in agent", test_entries.len());
    println!("  ten most frequent errors:");
    for (count, class, slug) in
        top_errors(&test_entries, &test_predictions, &taxonomy, &matcher, 10)
    {
        println!("    {count:>3}  {class}: {slug}");
    }

    skillspan_report(&matcher);

    match OpenAiOptions::from_lookup(|k| std::env::var(k).ok()) {
        Ok(Some(options)) => {
            let limit = args
                .iter()
                .position(|a| a == "--llm-limit")
                .map(|i| {
                    args.get(i + 1)
                        .and_then(|n| n.parse::<usize>().ok())
                        .expect("--llm-limit takes a number of entries")
                })
                .unwrap_or(usize::MAX);
            let dev = &entries[..entries.len().min(limit)];
            let test = &test_entries[..test_entries.len().min(limit)];
            // `LLM_MODE` set measures that mode only; unset, both.
            let modes = match std::env::var("LLM_MODE") {
                Ok(mode) => vec![mode.parse::<LlmMode>().unwrap_or_else(|e| panic!("{e}"))],
                Err(_) => vec![LlmMode::Extract, LlmMode::Hybrid],
            };
            // `--llm-set dev` or `--llm-set test` measures the model on one set only.
            let only = args
                .iter()
                .position(|a| a == "--llm-set")
                .and_then(|i| args.get(i + 1))
                .map(String::as_str);
            for mode in modes {
                if only != Some("test") {
                    llm_eval(&options, mode, "(a) dev set", dev, &taxonomy);
                }
                if only != Some("dev") {
                    llm_eval(&options, mode, "(b) test set", test, &taxonomy);
                }
            }
        }
        Ok(None) => println!(
            "LLM agent: not measured (set LLM_PROVIDER, LLM_VLLM_ENDPOINT, LLM_MODEL_NAME)"
        ),
        Err(e) => println!("LLM agent: not measured: {e}"),
    }
}

/// The posting reader's most frequent false spans and missed knowledge spans on
/// SkillSpan TECH dev (development data: look here, not at the test set; the
/// train split is what the reader's terms were learned from).
fn skillspan_errors() {
    let taxonomy = Taxonomy::builtin();
    let matcher = SkillMatcher::new(&taxonomy);
    let reader = PostingReader::builtin();
    let sentences = skillspan::load("dev");
    let (false_spans, missed) =
        skillspan::frequent_errors(&sentences, skillspan::posting_spans(&reader, &matcher), 60);
    println!("false spans (SkillSpan TECH dev):");
    for (count, what) in false_spans {
        println!("  {count:>4}  {what}");
    }
    println!("missed knowledge spans:");
    for (count, what) in missed {
        println!("  {count:>4}  {what}");
    }
}

/// Prints each candidate mention of one dev-set entry (or of the text given, when
/// the argument is not a number) and what its clause says about it.
fn explain(entries: &[Entry], id_or_text: &str) {
    let text = match id_or_text.parse::<u32>() {
        Ok(id) => {
            let entry = entries
                .iter()
                .find(|e| e.id == id)
                .unwrap_or_else(|| panic!("--explain: no entry #{id}"));
            println!("#{id} ({}): {}", entry.area, entry.text);
            println!("  expected: {:?}", entry.skills);
            entry.text.as_str()
        }
        Err(_) => {
            println!("{id_or_text}");
            id_or_text
        }
    };
    let taxonomy = Taxonomy::builtin();
    let matcher = SkillMatcher::new(&taxonomy);
    for (m, context) in explain_mentions(text, &matcher) {
        let verdict = if context.is_work() { "kept" } else { "dropped" };
        println!(
            "  {verdict:<7} {:<22} '{}' at {}..{}: {}",
            m.slug,
            m.excerpt,
            m.start,
            m.end,
            context.reason()
        );
    }
}

/// SkillSpan TECH dev read as job postings are (the posting reader: taxonomy,
/// learned knowledge terms, listed names), and by the taxonomy matcher alone for
/// comparison. The context model is for first-person worklogs, not postings.
fn skillspan_report(matcher: &SkillMatcher) {
    let sentences = skillspan::load("dev");
    let reader = PostingReader::builtin();
    let readers = [
        (
            "posting reader",
            skillspan::score(&sentences, skillspan::posting_spans(&reader, matcher)),
        ),
        (
            "taxonomy matcher alone",
            skillspan::score(&sentences, skillspan::matcher_spans(matcher)),
        ),
    ];
    for (name, score) in readers {
        println!(
            "(c) SkillSpan TECH dev, {name}: {} sentences, knowledge recall {:.3} ({}/{}), \
             precision {:.3} ({}/{}), strict F1 {:.3}",
            sentences.len(),
            score.recall(),
            score.knowledge_found,
            score.knowledge_total,
            score.precision(),
            score.predicted_correct,
            score.predicted_total,
            score.strict_f1()
        );
    }
}

fn llm_eval(
    options: &OpenAiOptions,
    mode: LlmMode,
    set: &str,
    entries: &[Entry],
    taxonomy: &Taxonomy,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let label = format!(
            "{set}, LLM agent, {mode:?} ({} {})",
            options.provider, options.model
        );
        let provider = Arc::new(OpenAiProvider::new(options.clone()).expect("provider"));
        let domain = Arc::new(MemoryDomainStore::new());
        let services = AgentServices {
            llm: Some(LlmWorklogAgent::new(
                provider,
                LlmAgentOptions {
                    mode,
                    ..LlmAgentOptions::default()
                },
            )),
            ..AgentServices::new(Arc::clone(&domain) as SharedDomainStore)
        };
        let builder = Engine::builder()
            .with_job_store(Arc::new(MemoryJobStore::new()))
            .with_queue(Arc::new(MemoryQueue::new()))
            .with_event_sink(Arc::new(MemoryEventSink::new()));
        let engine = register_builtin_workflows(builder, services)
            .build()
            .expect("engine");
        let user = NewUser {
            username: "eval".into(),
            email: "eval@example.com".into(),
            full_name: String::new(),
            password_hash: "x".into(),
            is_staff: false,
        };
        let user = domain
            .create_user(user, chrono::Utc::now())
            .await
            .expect("user")
            .id;
        let started = Instant::now();
        let mut predictions = Vec::new();
        let mut failed = 0;
        let mut fell_back = 0;
        for entry in entries {
            let today = chrono::Utc::now().date_naive();
            let w = domain
                .create_worklog(
                    NewWorkLog::new(user, today, entry.text.clone()),
                    chrono::Utc::now(),
                )
                .await
                .expect("worklog");
            let opts = EnqueueOptions {
                user_id: Some(user),
                ..Default::default()
            };
            let job = engine
                .enqueue(
                    "worklog.analyze",
                    serde_json::json!({"worklog_id": w.id}),
                    opts,
                )
                .await
                .expect("enqueue");
            engine.run_next().await.expect("run");
            let job = engine.get_job(job.id).await.expect("job");
            let slugs: BTreeSet<String> = match job.status {
                JobStatus::Success => {
                    let analysis = domain
                        .get_worklog(w.id)
                        .await
                        .expect("worklog")
                        .analysis
                        .unwrap_or_default();
                    if !analysis["extractor"]
                        .as_str()
                        .is_some_and(|e| e.starts_with("llm:"))
                    {
                        fell_back += 1;
                    }
                    analysis["skills"]
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter_map(|s| s["slug"].as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                }
                _ => {
                    failed += 1;
                    BTreeSet::new()
                }
            };
            predictions.push(slugs);
        }
        let seconds = started.elapsed().as_secs_f64();
        Breakdown::new(entries, &predictions, taxonomy).print(&label, entries.len());
        println!(
            "  answers that stayed invalid and fell back to the built-in agent: {fell_back}; \
             failed jobs: {failed}; mean latency per worklog {:.0} ms",
            seconds * 1000.0 / entries.len() as f64
        );
    });
}
