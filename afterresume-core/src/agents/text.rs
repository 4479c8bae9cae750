//! Text helpers shared by the agents: character offsets and sentence spans.
//!
//! Offsets on the wire are Unicode scalar values (what Python's `str` indexes), while
//! Rust slices by bytes; [`CharOffsets`] converts once per text instead of once per
//! match.

/// Byte offset -> character offset for one text.
#[derive(Debug)]
pub(crate) struct CharOffsets {
    /// `chars[b]` is the character index of byte `b` (valid at char boundaries).
    chars: Vec<u32>,
}

impl CharOffsets {
    pub(crate) fn new(text: &str) -> Self {
        let mut chars = vec![0u32; text.len() + 1];
        let mut n = 0u32;
        for (b, c) in text.char_indices() {
            for slot in &mut chars[b..b + c.len_utf8()] {
                *slot = n;
            }
            n += 1;
        }
        chars[text.len()] = n;
        CharOffsets { chars }
    }

    /// The character offset of a byte offset at a char boundary.
    pub(crate) fn at(&self, byte: usize) -> usize {
        self.chars[byte] as usize
    }
}

/// A span of a text: bytes for slicing, characters for the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Sentence-like clauses: split at `.`/`!`/`?` followed by a space or the end, at
/// `;` and at line breaks. Leading list markers ("- ", "* ") and spaces are trimmed.
pub(crate) fn clauses(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ends = match b {
            b'\n' | b';' => true,
            b'.' | b'!' | b'?' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            _ => false,
        };
        if ends {
            push_trimmed(
                text,
                start,
                if b == b'\n' || b == b';' { i } else { i + 1 },
                &mut spans,
            );
            start = i + 1;
        }
        i += 1;
    }
    push_trimmed(text, start, text.len(), &mut spans);
    spans
}

fn push_trimmed(text: &str, start: usize, end: usize, spans: &mut Vec<Span>) {
    let piece = &text[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let mut s = start + lead;
    for marker in ["- ", "* ", "• "] {
        if text[s..end].starts_with(marker) {
            s += marker.len();
        }
    }
    let e = start + piece.trim_end().len();
    if e > s {
        spans.push(Span { start: s, end: e });
    }
}

/// The text cut to at most `max` characters at a word boundary, with an ellipsis.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_offsets_follow_unicode_scalars() {
        let text = "é k8s 🚀 pg";
        let o = CharOffsets::new(text);
        let b = text.find("pg").unwrap();
        assert_eq!(o.at(b), 8);
        assert_eq!(o.at(text.len()), 10);
    }

    #[test]
    fn clauses_split_on_sentence_ends_not_dots_in_words() {
        let text = "Upgraded node.js to 20.11. Fixed bug; wrote docs\n- reviewed PR";
        let got: Vec<&str> = clauses(text)
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(
            got,
            [
                "Upgraded node.js to 20.11.",
                "Fixed bug",
                "wrote docs",
                "reviewed PR"
            ]
        );
    }

    #[test]
    fn shorten_cuts_at_words() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four five", 12), "one two…");
    }
}
