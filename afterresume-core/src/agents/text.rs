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

/// The most characters an evidence sentence keeps; a longer clause is cut to a
/// window around the mention, at word boundaries.
pub(crate) const MAX_SENTENCE_CHARS: usize = 300;

/// The clause of `text` around the mention at characters `start..end`, and where
/// it starts (in characters). A clause longer than [`MAX_SENTENCE_CHARS`] is cut
/// to a window around the mention; a mention across clauses gets the mention alone.
pub(crate) fn sentence_around(text: &str, start: usize, end: usize) -> (String, usize) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |c: usize| chars.get(c).map_or(text.len(), |&(b, _)| b);
    let (start_byte, end_byte) = (byte(start), byte(end));
    let Some(clause) = clauses(text)
        .into_iter()
        .find(|c| c.start <= start_byte && end_byte <= c.end)
    else {
        return (text[start_byte..end_byte].to_owned(), start);
    };
    let first = text[..clause.start].chars().count();
    let last = first + text[clause.start..clause.end].chars().count();
    let (mut from, mut to) = (first, last);
    if last - first > MAX_SENTENCE_CHARS {
        let room = MAX_SENTENCE_CHARS.saturating_sub(end - start) / 2;
        from = start.saturating_sub(room).max(first);
        to = (end + room).min(last);
        // Whole words only: move inwards to the nearest space.
        while from > first && from < start && chars[from - 1].1 != ' ' {
            from += 1;
        }
        while to < last && to > end && chars[to].1 != ' ' {
            to -= 1;
        }
    }
    (text[byte(from)..byte(to)].to_owned(), from)
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
    fn the_sentence_around_a_mention_holds_it_at_its_offsets() {
        let text = "Standup. Moved billing to Postgres 15 on k8s; then lunch.\n- wrote tests";
        let at = text.find("Postgres").unwrap();
        let (sentence, from) = sentence_around(text, at, at + 8);
        assert_eq!(sentence, "Moved billing to Postgres 15 on k8s");
        assert_eq!(&sentence[at - from..at - from + 8], "Postgres");
        let at = text.find("tests").unwrap();
        assert_eq!(sentence_around(text, at, at + 5).0, "wrote tests");
        // Offsets are characters, not bytes.
        let text = "Déployé sur k8s — migré vers PostgreSQL aujourd'hui";
        let at = text.chars().count() - "PostgreSQL aujourd'hui".chars().count();
        let (sentence, from) = sentence_around(text, at, at + 10);
        let inside: String = sentence.chars().skip(at - from).take(10).collect();
        assert_eq!(inside, "PostgreSQL");
        // A long clause is cut to a window of whole words around the mention.
        let long = format!("{} Kafka {}", "word ".repeat(100), "more ".repeat(100));
        let at = long.find("Kafka").unwrap();
        let (sentence, from) = sentence_around(&long, at, at + 5);
        assert!(
            sentence.chars().count() <= MAX_SENTENCE_CHARS,
            "{}",
            sentence.len()
        );
        assert_eq!(&sentence[at - from..at - from + 5], "Kafka");
        assert!(
            sentence.starts_with("word") && sentence.ends_with("more"),
            "{sentence}"
        );
    }

    #[test]
    fn shorten_cuts_at_words() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four five", 12), "one two…");
    }
}
