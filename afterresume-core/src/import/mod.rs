//! Bringing work in from where it already is: Markdown daily notes and dated
//! journals, jrnl's plain-text export, CSV and JSON Lines (here), and git
//! history (read by the backends' git reader into the same [`ImportEntry`]).
//!
//! Every entry carries an external id that is stable across runs (the
//! source, its scope and the entry's key), so importing the same notes again
//! creates nothing and changes only what changed. A file is parsed whole
//! before anything is stored; every bad row is reported with its file and
//! line, and one bad row stores nothing.

mod csv_rows;
mod entry;
mod jrnl;
mod jsonl;
mod markdown;
mod read;

pub use entry::{
    FIELD_ERROR_CONTEXT, ImportEntry, ImportFormat, ImportOutcome, ImportSummary, Origin,
    RowErrors, check_entries, external_id,
};
pub use jsonl::parse_json_entries;
pub use read::{MAX_FILE_BYTES, Parsed, parse_bytes, parse_path};
