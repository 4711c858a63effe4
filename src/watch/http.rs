//! The daemon's HTTP port: `/metrics` (Prometheus text format), `/healthz`, `/ready`
//! and `POST /sync`. axum on a single-threaded tokio runtime in a thread of its own:
//! handlers only read the status or push a trigger, so they never wait for a sync.

use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::metrics::{self, Process};
use super::{Control, Trigger, STUCK_AFTER};

/// The running server; [`HttpServer::shutdown`] stops it.
pub struct HttpServer {
    stop: tokio::sync::oneshot::Sender<()>,
    done: std::sync::mpsc::Receiver<()>,
}

impl HttpServer {
    /// Stops accepting, lets requests in flight finish, and waits for that at most two
    /// seconds (a client that never finishes its request must not hold the stop).
    pub fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.done.recv_timeout(Duration::from_secs(2));
    }
}

/// Serves on `listener` (already bound, so a port in use fails before the daemon
/// starts).
pub fn start(listener: std::net::TcpListener, control: Control) -> std::io::Result<HttpServer> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done) = std::sync::mpsc::channel();
    let app = router(control);
    std::thread::Builder::new()
        .name("watch-http".into())
        .spawn(move || {
            runtime.block_on(async move {
                if let Ok(l) = tokio::net::TcpListener::from_std(listener) {
                    let _ = axum::serve(l, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                }
            });
            let _ = done_tx.send(());
        })?;
    Ok(HttpServer { stop, done })
}

pub fn router(control: Control) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(healthz))
        .route("/ready", get(ready))
        .route("/sync", post(sync))
        .with_state(control)
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut text = body.to_string();
    text.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

async fn index() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "alertctl watch\n\nGET  /metrics  Prometheus metrics\nGET  /healthz  200 while the daemon works\nGET  /ready    200 once the last sync succeeded\nPOST /sync     ask for a sync\n",
    )
        .into_response()
}

async fn metrics_page(State(c): State<Control>) -> Response {
    let page = metrics::render(&c.status(), Process::read());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        page,
    )
        .into_response()
}

/// Unhealthy only when a sync has run far longer than any of its steps may take.
async fn healthz(State(c): State<Control>) -> Response {
    let s = c.status();
    let running = s
        .in_progress
        .and_then(|(_, t)| SystemTime::now().duration_since(t).ok());
    match running {
        Some(d) if d > STUCK_AFTER => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"schema": 1, "status": "stuck", "sync_running_seconds": d.as_secs()}),
        ),
        _ => json_response(StatusCode::OK, json!({"schema": 1, "status": "ok"})),
    }
}

/// Ready once the last sync left every server running what the rules directory
/// renders; the body says what the last sync did and why it failed.
async fn ready(State(c): State<Control>) -> Response {
    let s = c.status();
    let body = json!({
        "schema": 1,
        "ready": s.ready(),
        "last_sync": s.last,
        "deployed": s.deployed,
        "deployed_shards": s.deployed_shards,
        "consecutive_failures": s.failures,
        "sync_in_progress": s.in_progress.is_some(),
        "queue_depth": s.queue_depth,
        "next_retry": s.next_retry.map(crate::deploy::history::rfc3339_millis),
    });
    let code = if s.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(code, body)
}

/// Queues a sync (coalesced with any other waiting); answers at once.
async fn sync(State(c): State<Control>) -> Response {
    if c.stopping() {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"schema": 1, "queued": false, "message": "the daemon is stopping"}),
        );
    }
    c.trigger(Trigger::Http);
    json_response(
        StatusCode::ACCEPTED,
        json!({"schema": 1, "queued": true, "queue_depth": c.status().queue_depth}),
    )
}
