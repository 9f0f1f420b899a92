//! Serving the app over HTTP/1.1 with a header read timeout.
//!
//! `axum::serve` sets no timer on hyper's connections, so a client that
//! sends its request headers byte by byte (slowloris) holds a connection and
//! its task for as long as it likes. This loop is `axum::serve`'s, with one
//! difference: each connection gets a Tokio timer and
//! `header_read_timeout`, after which hyper closes it. The timeout also
//! closes a keep-alive connection left idle that long.

use std::future::Future;
use std::time::Duration;

use axum::serve::Listener;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serves `app` on `listener` until `shutdown` resolves, then lets the
/// connections finish their requests and returns once all have closed.
pub async fn serve(
    mut listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // Dropping `stopping` tells the connections to finish; each holds a
    // `closing` receiver, so `closed` resolves once the last has ended.
    let (shutting_down, stopping) = watch::channel(());
    let (closed, closing) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let (shutting_down, closing) = (shutting_down.clone(), closing.clone());
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let mut finishing = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                        break;
                    }
                    () = shutting_down.closed(), if !finishing => {
                        finishing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(closing);
        });
    }
    drop(listener);
    drop(stopping);
    drop(closing);
    closed.closed().await;
}
