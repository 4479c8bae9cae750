//! The built-in writer: worklogs read into statements (verb first, past tense,
//! results kept with their action, blockers and next steps whole), personal
//! entries left out, near-duplicates merged. Reports and the resume are built
//! from what it returns, so both say the same thing about the same entry.

mod merge;
mod statements;
mod verbs;
mod work_content;

pub(crate) use merge::merge_items;
pub(crate) use statements::{Statement, StatementKind, statements};
pub(crate) use work_content::is_work;
