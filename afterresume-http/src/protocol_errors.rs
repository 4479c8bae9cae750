//! JSON bodies for the errors hyper answers by itself.
//!
//! A request hyper cannot parse (a malformed request line or header, headers too
//! large, an unknown version) never reaches the router: hyper writes a status line
//! with `content-length: 0` and closes. Every other error of this host has the
//! JSON shape `{"code", "message", "fields"}`, so clients can handle them one way.
//! This connection wrapper recognises such a head — an error status with an empty
//! body, which the router never sends — and writes it with the JSON body instead.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose bodiless error responses gain the JSON error body.
#[derive(Debug)]
pub(crate) struct JsonProtocolErrors<S> {
    inner: S,
    /// A rewritten response still to be written, and how much of it was.
    pending: Vec<u8>,
    written: usize,
}

impl<S> JsonProtocolErrors<S> {
    pub(crate) fn new(inner: S) -> Self {
        JsonProtocolErrors {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// The rewritten response when `head` is a complete bodiless error response.
fn with_json_body(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    if !text.starts_with("HTTP/1.") || !text.ends_with("\r\n\r\n") {
        return None;
    }
    let status: u16 = text.get(9..12)?.parse().ok()?;
    if status < 400 {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let at = lower.find("\r\ncontent-length: 0\r\n")?;
    let (code, message) = match status {
        414 => ("uri_too_long", "the request target is too long"),
        431 => (
            "request_header_fields_too_large",
            "the request headers are too large",
        ),
        505 => (
            "http_version_not_supported",
            "this server speaks HTTP/1.0, HTTP/1.1 and HTTP/2",
        ),
        _ => ("bad_request", "the request is not valid HTTP"),
    };
    let body = format!(r#"{{"code":"{code}","message":"{message}","fields":{{}}}}"#);
    let mut out = String::with_capacity(text.len() + body.len() + 64);
    out.push_str(&text[..at]);
    out.push_str("\r\ncontent-type: application/json");
    out.push_str(&format!("\r\ncontent-length: {}\r\n", body.len()));
    out.push_str(&text[at + "\r\ncontent-length: 0\r\n".len()..]);
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<S: AsyncWrite + Unpin> JsonProtocolErrors<S> {
    /// Writes what is pending; ready once nothing is.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonProtocolErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonProtocolErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(rewritten) = with_json_body(buf) {
            self.pending = rewritten;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(first) = bufs.first()
            && let Some(rewritten) = with_json_body(first)
        {
            self.pending = rewritten;
            return Poll::Ready(Ok(first.len()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodiless_error_heads_are_rewritten() {
        let head = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(with_json_body(head).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("content-type: application/json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("date: x"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["code"], "bad_request");
        for untouched in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 52\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            b"{\"code\": 1}",
        ] {
            assert!(with_json_body(untouched).is_none());
        }
    }
}
