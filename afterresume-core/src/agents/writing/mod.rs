//! The built-in writer: worklogs read into statements (verb first, past tense,
//! results kept with their action, blockers and next steps whole), personal
//! entries left out, near-duplicates merged. Reports and the resume are built
//! from what it returns, so both say the same thing about the same entry.
//!
//! When a model is configured, [`LlmWriter`] rewrites that draft and
//! [`grounding`] holds the rewrite to what the cited entries say.

mod grounding;
mod llm_writer;
mod merge;
mod statements;
mod verbs;
mod work_content;

pub use grounding::{MAX_ITEM_CHARS, WriterSource, WrittenItem, WrittenSection};
pub use llm_writer::{LlmWriter, LlmWriterOptions, WRITER_TEMPLATE, Written};
pub(crate) use merge::merge_items;
pub(crate) use statements::{Statement, StatementKind, statements};
pub(crate) use work_content::is_work;
