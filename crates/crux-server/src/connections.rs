//! Accepting connections within bounds: how long a client may take to send
//! a request's header and its body, how long a kept-alive connection may sit
//! idle, and how many connections may be open at once.
//!
//! Each connection is served by hyper's HTTP/1 server with a header read
//! timeout, which also applies while a kept-alive connection waits for its
//! next request (so it is the idle timeout too). A request body must arrive
//! whole within [`ConnectionLimits::body_timeout`] of its header. The number
//! of open connections is capped below the process's file limit (read at
//! start): at the cap, the oldest connection that is not being answered is
//! closed to make room, and when the operating system refuses a descriptor
//! (EMFILE) the server closes one the same way and keeps accepting, so that a
//! crowd of slow clients never makes the server unreachable.

use crate::metrics::Metrics;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Descriptors kept free below the file limit for everything but client
/// connections (the listener, the store's files, the runtime's own).
pub const RESERVED_DESCRIPTORS: usize = 64;

/// How connections are bounded.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// The longest a client may take to send a request's header, and the
    /// longest a kept-alive connection may wait for its next request.
    pub header_timeout: Duration,
    /// The longest a client may take to send a request's body, from its header.
    pub body_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long a shutdown waits for requests being answered.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            max_connections: default_max_connections(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The process's limit on open files (the soft limit), if it can be read.
pub fn file_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    limit.current.map(|current| usize::try_from(current).unwrap_or(usize::MAX))
}

/// The connection cap that leaves [`RESERVED_DESCRIPTORS`] of the file limit free (at least 8).
pub fn default_max_connections() -> usize {
    let limit = file_limit().unwrap_or(1024).min(1 << 20);
    limit.saturating_sub(RESERVED_DESCRIPTORS).max(8)
}

/// One open connection, as the cap sees it.
#[derive(Debug)]
struct Entry {
    /// Requests of this connection being answered now.
    in_flight: Arc<AtomicUsize>,
    close: Arc<Notify>,
}

/// The open connections, oldest first (ids increase with age).
#[derive(Debug, Default)]
struct Registry {
    next: u64,
    entries: BTreeMap<u64, Entry>,
}

impl Registry {
    fn add(&mut self, entry: Entry) -> u64 {
        let id = self.next;
        self.next += 1;
        self.entries.insert(id, entry);
        id
    }

    /// Closes the oldest connection that is not being answered; whether there was one.
    fn close_oldest_idle(&mut self) -> bool {
        let oldest = self.entries.iter().find(|(_, entry)| entry.in_flight.load(Ordering::Acquire) == 0);
        match oldest.map(|(id, _)| *id) {
            Some(id) => {
                if let Some(entry) = self.entries.remove(&id) {
                    entry.close.notify_one();
                }
                true
            }
            None => false,
        }
    }
}

/// Whether an accept error means the process (or the system) ran out of descriptors or buffers.
fn out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(code) if code == libc::EMFILE || code == libc::ENFILE || code == libc::ENOBUFS || code == libc::ENOMEM)
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves, then
/// lets the requests being answered finish (within `limits.shutdown_grace`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let registry = Arc::new(Mutex::new(Registry::default()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if out_of_descriptors(&error) => {
                // Make room and go on: never stop accepting for want of descriptors.
                let closed = registry.lock().map(|mut registry| registry.close_oldest_idle()).unwrap_or(false);
                metrics.connection_closed("descriptors");
                tracing::warn!(%error, closed_one = closed, "out of file descriptors while accepting a connection");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Err(error) => {
                tracing::debug!(%error, "a connection failed while being accepted");
                continue;
            }
        };
        let entry = Entry { in_flight: Arc::new(AtomicUsize::new(0)), close: Arc::new(Notify::new()) };
        let (in_flight, close) = (entry.in_flight.clone(), entry.close.clone());
        let id = {
            let Ok(mut registry) = registry.lock() else { break };
            if registry.entries.len() >= limits.max_connections && !registry.close_oldest_idle() {
                // Every open connection is being answered: refuse this one.
                metrics.connection_closed("refused");
                tracing::warn!(%remote, open = registry.entries.len(), "refused a connection: every connection is busy");
                continue;
            }
            registry.add(entry)
        };
        let _ = stream.set_nodelay(true);
        metrics.connection_opened();
        let app = app.clone();
        let (limits, metrics, registry, mut stop) =
            (limits.clone(), metrics.clone(), registry.clone(), stop_rx.clone());
        tasks.spawn(async move {
            let reason = serve_one(stream, remote, app, &limits, in_flight, close, &mut stop).await;
            if let Ok(mut registry) = registry.lock() {
                registry.entries.remove(&id);
            }
            metrics.connection_closed(reason);
        });
    }
    let _ = stop_tx.send(true);
    let drained =
        tokio::time::timeout(limits.shutdown_grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.abort_all();
    }
}

/// Serves one connection; why it closed.
async fn serve_one(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: &ConnectionLimits,
    in_flight: Arc<AtomicUsize>,
    close: Arc<Notify>,
    stop: &mut watch::Receiver<bool>,
) -> &'static str {
    let body_timeout = limits.body_timeout;
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let answering = Answering::new(in_flight.clone());
        let mut request = request.map(|body| Body::new(DeadlineBody::new(body, body_timeout)));
        request.extensions_mut().insert(ConnectInfo(remote));
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(answering);
            response
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => match result {
            Ok(()) => "done",
            Err(error) if error.is_timeout() => {
                tracing::info!(%remote, timeout_s = limits.header_timeout.as_secs_f64(), "closed a connection that sent no complete request header in time");
                "header_timeout"
            }
            Err(error) => {
                tracing::debug!(%remote, %error, "a connection ended with an error");
                "error"
            }
        },
        () = close.notified() => {
            tracing::info!(%remote, "closed the oldest idle connection to make room for a new one");
            "evicted"
        }
        () = stopped(stop) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
            "shutdown"
        }
    }
}

/// Resolves when the server stops (or can no longer be told to).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await.map(|_| ());
}

/// Counts a request as being answered while it lives.
struct Answering(Arc<AtomicUsize>);

impl Answering {
    fn new(count: Arc<AtomicUsize>) -> Answering {
        count.fetch_add(1, Ordering::AcqRel);
        Answering(count)
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request body that must arrive whole before a deadline (a slow trickle
/// of bytes does not extend it).
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration) -> DeadlineBody {
        DeadlineBody { inner, deadline: Box::pin(tokio::time::sleep(timeout)), timeout }
    }
}

/// The error of a body that did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {} s", .0.as_secs_f64())]
pub struct BodyTimeout(Duration);

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            let timeout = self.timeout;
            return Poll::Ready(Some(Err(Box::new(BodyTimeout(timeout)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
