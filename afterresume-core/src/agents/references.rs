//! References a worklog points at: tickets (ABC-123), pull requests and issues
//! (PR #42, #17), repositories (owner/repo), CVEs and URLs.

use serde::{Deserialize, Serialize};

use super::text::CharOffsets;

/// Something a worklog points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ticket`, `pr`, `issue`, `repo`, `cve` or `url`.
    pub kind: String,
    /// The reference as written ("ABC-123", "#42", "acme/billing").
    pub value: String,
    /// Start in characters.
    pub start: usize,
    /// End (exclusive) in characters.
    pub end: usize,
}

/// Uppercase prefixes that look like tickets but are standards or versions.
const NOT_TICKETS: &[&str] = &[
    "UTF", "SHA", "ISO", "SEV", "HTTP", "TLS", "IPV", "RFC", "AES", "RSA", "P", "GPT", "MP", "H",
    "X",
];

/// Tickets (ABC-123), PRs and issues (PR #42, #42, !17), CVEs, owner/repo names and
/// URLs, in text order.
pub(crate) fn references(text: &str, offsets: &CharOffsets) -> Vec<Reference> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut push = |kind: &str, s: usize, e: usize| {
        out.push(Reference {
            kind: kind.to_owned(),
            value: text[s..e].to_owned(),
            start: offsets.at(s),
            end: offsets.at(e),
        })
    };
    let word_start =
        |i: usize| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        // URLs first: everything up to whitespace, minus trailing punctuation.
        if (rest.starts_with("https://") || rest.starts_with("http://")) && word_start(i) {
            let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let url = rest[..len].trim_end_matches(['.', ',', ';', ')', ']', '!', '?', '"', '\'']);
            let kind = if url.contains("/pull/") || url.contains("/merge_requests/") {
                "pr"
            } else {
                "url"
            };
            push(kind, i, i + url.len());
            i += len;
            continue;
        }
        let b = bytes[i];
        if b == b'#' || b == b'!' {
            let digits = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
            let after_ok = !bytes
                .get(i + 1 + digits)
                .is_some_and(|c| c.is_ascii_alphanumeric());
            let before_ok =
                i == 0 || bytes[i - 1].is_ascii_whitespace() || matches!(bytes[i - 1], b'(' | b',');
            if digits > 0 && after_ok && before_ok {
                let lower_before = text[..i].to_lowercase();
                let kind = if b == b'!'
                    || lower_before.trim_end().ends_with("pr")
                    || lower_before.trim_end().ends_with("pull request")
                    || lower_before.trim_end().ends_with("mr")
                {
                    "pr"
                } else {
                    "issue"
                };
                push(kind, i, i + 1 + digits);
                i += 1 + digits;
                continue;
            }
        }
        if b.is_ascii_uppercase() && word_start(i) {
            let prefix = rest
                .bytes()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                .count();
            if prefix >= 2 && bytes.get(i + prefix) == Some(&b'-') {
                let digits = rest[prefix + 1..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                let mut end = i + prefix + 1 + digits;
                let glued = bytes
                    .get(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-');
                let name = &rest[..prefix];
                if name == "CVE" && digits == 4 && bytes.get(end) == Some(&b'-') {
                    let more = text[end + 1..]
                        .bytes()
                        .take_while(u8::is_ascii_digit)
                        .count();
                    if more > 0 {
                        end += 1 + more;
                        push("cve", i, end);
                        i = end;
                        continue;
                    }
                }
                if digits > 0
                    && !glued
                    && !NOT_TICKETS.contains(&name)
                    && name.bytes().any(|c| c.is_ascii_uppercase())
                {
                    push("ticket", i, end);
                    i = end;
                    continue;
                }
            }
        }
        if b.is_ascii_alphanumeric()
            && word_start(i)
            && (i == 0 || !matches!(bytes[i - 1], b'/' | b':' | b'.' | b'@'))
            && let Some(len) = repo_name_len(rest)
        {
            push("repo", i, i + len);
            i += len;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// `owner/repo` at the start of `s`: two names of letters, digits, `-`, `_`, `.`,
/// at least one of them with `-` or `_` (so "CI/CD", "I/O" and "read/write" stay
/// prose), not followed by another `/`.
fn repo_name_len(s: &str) -> Option<usize> {
    let part = |t: &str| {
        t.bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
            .count()
    };
    let owner = part(s);
    if owner < 2 || s.as_bytes().get(owner) != Some(&b'/') {
        return None;
    }
    let repo = part(&s[owner + 1..]);
    let repo_text = s[owner + 1..owner + 1 + repo].trim_end_matches('.');
    let total = owner + 1 + repo_text.len();
    let marked = |t: &str| t.contains(['-', '_']);
    let next = s.as_bytes().get(total);
    (repo_text.len() >= 2
        && (marked(&s[..owner]) || marked(repo_text))
        && next != Some(&b'/')
        && s[..total].bytes().any(|c| c.is_ascii_alphabetic()))
    .then_some(total)
}
