//! List pages: the page-size rule and opaque keyset cursors.

use serde::Serialize;

use crate::{Error, Result};

/// Page size when none is asked for.
pub const DEFAULT_PAGE: usize = 50;
/// The largest page any list returns.
pub const MAX_PAGE: usize = 200;

/// Which page of a list: its size and the cursor from the previous page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 1 to [`MAX_PAGE`]; [`DEFAULT_PAGE`] when absent.
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first page of `limit`.
    pub fn first(limit: usize) -> Self {
        PageRequest {
            limit: Some(limit),
            cursor: None,
        }
    }

    /// The page size, checked.
    pub fn size(&self) -> Result<usize> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(n) => Err(invalid_limit(&n.to_string())),
        }
    }

    /// The list position the cursor stands for, parsed by `parse`.
    pub(crate) fn position<T>(&self, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| parse(&decode_cursor(c)?).ok_or_else(invalid_cursor))
            .transpose()
    }
}

/// The error for a page size that is not a whole number in range; hosts that
/// read the size as text use it for text that is not a number.
pub fn invalid_limit(text: &str) -> Error {
    let shown: String = text.chars().take(40).collect();
    Error::invalid_input(format!(
        "limit: must be an integer from 1 to {MAX_PAGE}, got '{}'",
        shown.escape_default()
    ))
}

/// A page: `{"results": [...], "next": cursor-or-null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The items.
    pub results: Vec<T>,
    /// The cursor of the next page; `None` on the last.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A single page holding everything.
    pub fn whole(results: Vec<T>) -> Self {
        Page {
            results,
            next: None,
        }
    }

    /// A page of `limit` from `items` fetched with `limit + 1`: the extra item
    /// only says that there is more.
    pub(crate) fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        position: impl Fn(&T) -> String,
    ) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| encode_cursor(&position(last)))
        } else {
            None
        };
        Page {
            results: items,
            next,
        }
    }

    /// The same page with every item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            results: self.results.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// Cursors are opaque to clients: the position, hex-encoded.
fn encode_cursor(position: &str) -> String {
    position.bytes().map(|b| format!("{b:02x}")).collect()
}

fn invalid_cursor() -> Error {
    Error::invalid_input("cursor: invalid cursor; use the 'next' value of a page")
}

fn decode_cursor(cursor: &str) -> Result<String> {
    if !cursor.is_ascii() || !cursor.len().is_multiple_of(2) || cursor.len() > 256 {
        return Err(invalid_cursor());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<std::result::Result<Vec<u8>, _>>()
        .map_err(|_| invalid_cursor())?;
    String::from_utf8(bytes).map_err(|_| invalid_cursor())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor("2026-11-23|42");
        assert_eq!(decode_cursor(&c).unwrap(), "2026-11-23|42");
        for bad in ["zz", "abc", "ff", "0\u{80}0", "é0"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_one_to_the_maximum() {
        assert_eq!(PageRequest::default().size().unwrap(), DEFAULT_PAGE);
        assert_eq!(PageRequest::first(MAX_PAGE).size().unwrap(), MAX_PAGE);
        for bad in [0, MAX_PAGE + 1] {
            let err = PageRequest::first(bad).size().unwrap_err();
            assert_eq!(
                err.message(),
                format!("limit: must be an integer from 1 to {MAX_PAGE}, got '{bad}'")
            );
        }
    }

    #[test]
    fn an_overfetched_list_says_there_is_more() {
        let page = Page::from_overfetch(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.results, vec![1, 2]);
        assert_eq!(page.next.as_deref(), Some(encode_cursor("2").as_str()));
        let last = Page::from_overfetch(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(last.next, None);
    }
}
