//! Files and folders to entries: size and encoding checked before any parsing,
//! every failure naming the file.

use std::path::Path;

use super::entry::{ImportEntry, ImportFormat, RowErrors, check_entries};
use super::{csv_rows, jrnl, jsonl, markdown};
use crate::{Error, Result};

/// Largest file an import reads: a journal of years fits; a 10 MB note
/// is someone's data dump, not their notes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Most files one folder import reads.
const MAX_FILES: usize = 20_000;

/// Entries parsed from a source, and what was passed over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// In the order found.
    pub entries: Vec<ImportEntry>,
    /// Files or sections with nothing to import (no date, empty).
    pub skipped: usize,
}

/// Parses a file's bytes in a format; `name` names it in errors and ids.
pub fn parse_bytes(format: ImportFormat, name: &str, bytes: &[u8]) -> Result<Parsed> {
    let text = text_of(name, bytes)?;
    let mut errors = RowErrors::default();
    let parsed: Parsed = match format {
        ImportFormat::Markdown => markdown::parse_dated_file(name, text, &mut errors),
        ImportFormat::Jrnl => jrnl::parse(name, text, &mut errors),
        ImportFormat::Csv => csv_rows::parse(name, text, &mut errors)?,
        ImportFormat::Jsonl => jsonl::parse(name, text, &mut errors),
    };
    check_entries(&parsed.entries, &mut errors);
    errors.into_result(parsed)
}

/// Parses a file, or for Markdown a folder of daily notes (searched
/// recursively; files whose name holds no date are skipped).
pub fn parse_path(format: ImportFormat, path: &Path) -> Result<Parsed> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::invalid_input(format!("{shown}: cannot read: {e}")))?;
    if meta.is_dir() {
        if format != ImportFormat::Markdown {
            return Err(Error::invalid_input(format!(
                "{shown}: is a folder; only markdown imports a folder of daily notes"
            )));
        }
        return parse_notes_folder(path);
    }
    let bytes = read_file(path)?;
    parse_bytes(format, &shown, &bytes)
}

fn parse_notes_folder(root: &Path) -> Result<Parsed> {
    let mut files = Vec::new();
    collect_markdown_files(root, &mut files)?;
    files.sort();
    let scope = root.file_name().map_or_else(
        || root.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut parsed = Parsed::default();
    let mut errors = RowErrors::default();
    for file in files {
        let shown = file.display().to_string();
        let Some(date) = file
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(markdown::date_in_name)
        else {
            parsed.skipped += 1;
            continue;
        };
        let bytes = read_file(&file)?;
        let text = text_of(&shown, &bytes)?;
        match markdown::daily_note(&shown, &scope, date, text) {
            Some(entry) => parsed.entries.push(entry),
            None => parsed.skipped += 1,
        }
    }
    markdown::refuse_repeated_days(&parsed.entries, &mut errors);
    check_entries(&parsed.entries, &mut errors);
    errors.into_result(parsed)
}

fn collect_markdown_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let shown = dir.display();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::invalid_input(format!("{shown}: cannot read the folder: {e}")))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| Error::invalid_input(format!("{shown}: cannot read: {e}")))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // .obsidian, .git, .trash
        }
        let kind = entry
            .file_type()
            .map_err(|e| Error::invalid_input(format!("{}: {e}", path.display())))?;
        if kind.is_dir() {
            collect_markdown_files(&path, out)?;
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
        {
            out.push(path);
            if out.len() > MAX_FILES {
                return Err(Error::invalid_input(format!(
                    "{shown}: more than {MAX_FILES} Markdown files; import a smaller folder"
                )));
            }
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| Error::invalid_input(format!("{shown}: cannot read: {e}")))?
        .len();
    if len > MAX_FILE_BYTES as u64 {
        return Err(too_large(&shown.to_string(), len as usize));
    }
    std::fs::read(path).map_err(|e| Error::invalid_input(format!("{shown}: cannot read: {e}")))
}

fn too_large(name: &str, len: usize) -> Error {
    Error::invalid_input(format!(
        "{name}: {len} bytes; a file may hold at most {} MiB",
        MAX_FILE_BYTES / (1024 * 1024)
    ))
}

/// The file as UTF-8 text (a byte-order mark dropped, CRLF kept for the
/// parsers to handle), or an error that says where it is not text.
fn text_of<'b>(name: &str, bytes: &'b [u8]) -> Result<&'b str> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(name, bytes.len()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(Error::invalid_input(format!(
            "{name}: is a binary file (it holds NUL bytes), not text"
        )));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::invalid_input(format!("{name}:{line}: is not UTF-8 text"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_non_utf8_and_oversized_files_are_refused_by_name() {
        let err = parse_bytes(ImportFormat::Csv, "a.csv", b"date,content\n\0\0").unwrap_err();
        assert!(
            err.message().starts_with("a.csv: is a binary file"),
            "{err}"
        );
        let err = parse_bytes(
            ImportFormat::Jrnl,
            "j.txt",
            b"[2026-11-23 09:15] ok\n\xff\xfe",
        )
        .unwrap_err();
        assert_eq!(err.message(), "j.txt:2: is not UTF-8 text");
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        let err = parse_bytes(ImportFormat::Markdown, "big.md", &big).unwrap_err();
        assert!(err.message().contains("at most 4 MiB"), "{err}");
    }

    #[test]
    fn a_folder_is_markdown_only_and_a_missing_path_is_named() {
        let dir = std::env::temp_dir();
        let err = parse_path(ImportFormat::Csv, &dir).unwrap_err();
        assert!(
            err.message().contains("only markdown imports a folder"),
            "{err}"
        );
        let err = parse_path(ImportFormat::Csv, Path::new("/no/such/notes.csv")).unwrap_err();
        assert!(
            err.message().starts_with("/no/such/notes.csv: cannot read"),
            "{err}"
        );
    }
}
