//! The accept loop of `afterresume serve`: what stands between the router and
//! clients that do not play fair.
//!
//! - A connection must send a request's headers within `header_timeout`
//!   (`AFTERRESUME_HEADER_TIMEOUT_SECS`), also between requests on a kept-alive
//!   connection, so idle or slow-header clients cannot hold sockets forever.
//! - At most `max_connections` (`AFTERRESUME_MAX_CONNECTIONS`) are served at once;
//!   the next ones wait in the kernel's listen backlog instead of failing with
//!   "too many open files".
//! - The process raises its own open-file soft limit to the hard limit at start.
//! - When an accept fails (out of descriptors), the loop waits briefly instead of
//!   spinning.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::HostSettings;
use crate::protocol_errors::JsonProtocolErrors;

/// How long open connections get to finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Raises the open-file soft limit to the hard limit; returns the new soft limit.
pub fn raise_open_file_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets open
/// connections finish for a while.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &HostSettings,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    // HTTP/1 only: hyper-util's auto-detecting builder waits for a connection's
    // first bytes to choose a protocol, with no timeout, so a silent client would
    // hold its slot forever. HTTP/2 reaches this host through a TLS proxy anyway.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed; retrying shortly");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(request.map(axum::body::Body::new))
            });
        let io = TokioIo::new(JsonProtocolErrors::new(stream));
        let connection = builder.serve_connection(io, service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain timeout; closing them");
    }
    Ok(())
}
