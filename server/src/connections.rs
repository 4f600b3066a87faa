//! The accept loop: the app served over HTTP/1.1 by hyper with the limits
//! `axum::serve` does not offer (security review, finding 13):
//!
//! - a header-read timeout: a client that does not finish its request
//!   line and headers in time (slowloris), or an idle keep-alive
//!   connection, is disconnected (hyper's `header_read_timeout`, which
//!   needs a timer);
//! - a body-read timeout: a pause longer than this while the body arrives
//!   fails the request, and hyper then closes the connection (tower-http's
//!   `RequestBodyTimeoutLayer`; like nginx's `client_body_timeout` it
//!   bounds the gap between reads, so a slow but steady upload still works);
//! - a connection limit: a semaphore permit is taken before `accept`, so
//!   clients beyond the limit wait in the kernel's listen queue and are
//!   served as connections close;
//! - a shutdown deadline: after the signal no new connection is accepted,
//!   requests under way may finish, and whatever is still open at the
//!   deadline is dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceBuilder;
use tower_http::timeout::RequestBodyTimeoutLayer;

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_deadline: Duration,
}

impl From<&mm_server::config::ConnectionArgs> for ConnectionLimits {
    fn from(a: &mm_server::config::ConnectionArgs) -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_millis(a.header_read_timeout_ms.max(1)),
            body_read_timeout: Duration::from_millis(a.body_read_timeout_ms.max(1)),
            max_connections: a.max_connections.max(1),
            shutdown_deadline: Duration::from_millis(a.shutdown_deadline_ms),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains the
/// open connections for at most `limits.shutdown_deadline`.
pub async fn serve(listener: TcpListener, app: Router, limits: ConnectionLimits, shutdown: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather
                    // than spin; the permit goes back.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The client's address, as `into_make_service_with_connect_info`
        // gives it: the per-address rate limits read it.
        let service = ServiceBuilder::new()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                req
            })
            .layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout))
            .service(app.clone());
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
            drop(permit);
        });
        // Reap finished connections so the set stays as small as the open ones.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let open = connections.len();
    tracing::info!(open, deadline_ms = limits.shutdown_deadline.as_millis() as u64, "no longer accepting; finishing requests under way");
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown()).await.is_err() {
        tracing::warn!(open = connections.len(), "shutdown deadline passed; dropping the remaining connections");
        connections.abort_all();
    }
    while connections.join_next().await.is_some() {}
}
