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
//! - load shedding: at most `max_in_flight` requests are handled at once;
//!   one that waits longer than `overload_wait` for its turn is answered
//!   503 with Retry-After. Without it an overload grows a queue behind
//!   the database (threads of the blocking pool, memory, every client's
//!   latency) until nobody is served in time; with it the excess is
//!   refused quickly and the rest keep their latency. The soak found the
//!   queue (docs/BENCHMARKS.md, "Soak");
//! - a shutdown deadline: after the signal no new connection is accepted,
//!   requests under way may finish, and whatever is still open at the
//!   deadline is dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
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
    pub max_in_flight: usize,
    pub overload_wait: Duration,
}

impl From<&mm_server::config::ConnectionArgs> for ConnectionLimits {
    fn from(a: &mm_server::config::ConnectionArgs) -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_millis(a.header_read_timeout_ms.max(1)),
            body_read_timeout: Duration::from_millis(a.body_read_timeout_ms.max(1)),
            max_connections: a.max_connections.max(1),
            shutdown_deadline: Duration::from_millis(a.shutdown_deadline_ms),
            max_in_flight: a.max_in_flight.max(1),
            overload_wait: Duration::from_millis(a.overload_wait_ms),
        }
    }
}

/// `app` with at most `max_in_flight` requests handled at once; a request
/// that waits `wait` without a turn is shed (503, Retry-After: 1).
fn with_load_shedding(app: Router, max_in_flight: usize, wait: Duration) -> Router {
    let turns = Arc::new(Semaphore::new(max_in_flight));
    app.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
        let turns = turns.clone();
        async move {
            // A load balancer's health check still answers: the process
            // is alive and serving, only busy.
            if request.uri().path() == "/healthz" {
                return next.run(request).await;
            }
            match tokio::time::timeout(wait, turns.acquire_owned()).await {
                Ok(Ok(_turn)) => next.run(request).await,
                _ => shed(),
            }
        }
    }))
}

fn shed() -> Response {
    // Not a warning per request: an overload would flood the log.
    tracing::debug!("no turn within the overload wait; shed with 503");
    mm_server::error::AppError::overloaded(1)
}

/// Serves `app` on `listener` until `shutdown` completes, then drains the
/// open connections for at most `limits.shutdown_deadline`.
pub async fn serve(listener: TcpListener, app: Router, limits: ConnectionLimits, shutdown: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let app = with_load_shedding(app, limits.max_in_flight, limits.overload_wait);
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::sync::Notify;

    /// A server whose `/slow` holds its turn until `release` is notified.
    async fn slow_server(max_in_flight: usize, wait: Duration) -> (String, Arc<Notify>) {
        let release = Arc::new(Notify::new());
        let held = release.clone();
        let app = Router::new()
            .route(
                "/slow",
                get(move || {
                    let held = held.clone();
                    async move {
                        held.notified().await;
                        "done"
                    }
                }),
            )
            .route("/fast", get(|| async { "fast" }))
            .route("/healthz", get(|| async { "ok" }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(5),
            body_read_timeout: Duration::from_secs(5),
            max_connections: 64,
            shutdown_deadline: Duration::from_secs(1),
            max_in_flight,
            overload_wait: wait,
        };
        tokio::spawn(serve(listener, app, limits, std::future::pending()));
        (url, release)
    }

    #[tokio::test]
    async fn a_request_without_a_turn_is_shed_with_503_and_retry_after_and_the_next_is_served() {
        let (url, release) = slow_server(2, Duration::from_millis(100)).await;
        let http = reqwest::Client::new();
        let held: Vec<_> = (0..2).map(|_| tokio::spawn(http.get(format!("{url}/slow")).send())).collect();
        // Both turns taken (the handlers are waiting on `release`).
        tokio::time::sleep(Duration::from_millis(200)).await;

        let r = http.get(format!("{url}/fast")).send().await.unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "unavailable", "{body}");
        assert!(body["message"]["pl"].as_str().unwrap().contains("przeciążony"), "{body}");
        // The health check is not shed.
        assert_eq!(http.get(format!("{url}/healthz")).send().await.unwrap().status(), 200);

        release.notify_waiters();
        for h in held {
            assert_eq!(h.await.unwrap().unwrap().text().await.unwrap(), "done");
        }
        let r = http.get(format!("{url}/fast")).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "fast".to_owned()));
    }

    #[tokio::test]
    async fn a_request_that_gets_a_turn_within_the_wait_is_served_not_shed() {
        let (url, release) = slow_server(1, Duration::from_secs(10)).await;
        let http = reqwest::Client::new();
        let held = tokio::spawn(http.get(format!("{url}/slow")).send());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let waiting = tokio::spawn(http.get(format!("{url}/fast")).send());
        tokio::time::sleep(Duration::from_millis(200)).await;
        release.notify_waiters();
        assert_eq!(held.await.unwrap().unwrap().status(), 200);
        assert_eq!(waiting.await.unwrap().unwrap().text().await.unwrap(), "fast");
    }
}
