//! The accept loop behind both listeners.
//!
//! It serves an axum `Router` through hyper directly (not `axum::serve`) for one reason: a
//! fault can ask to drop the connection without answering. A handler marks its response with
//! [`DropConnection`]; the service then fails, and hyper closes the socket without writing,
//! which the client sees as a connection reset / incomplete message.

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Response extension: close the connection instead of sending this response.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

#[derive(Debug)]
struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

/// Serves until the task running it is aborted; aborting also drops every open connection
/// (they live in the `JoinSet`).
pub(crate) async fn serve(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connections so the set does not grow forever.
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let router = router.clone();
                async move {
                    let req = strip_json_suffix(req);
                    let response = match router.oneshot(req.map(Body::new)).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    if response.extensions().get::<DropConnection>().is_some() {
                        Err(Dropped)
                    } else {
                        Ok::<_, Dropped>(response)
                    }
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Zendesk accepts `/api/v2/tickets.json` as well as `/api/v2/tickets`: route both the same.
fn strip_json_suffix<B>(mut req: hyper::Request<B>) -> hyper::Request<B> {
    let uri = req.uri();
    if let Some(stripped) = uri.path().strip_suffix(".json") {
        let rebuilt = match uri.query() {
            Some(q) => format!("{stripped}?{q}"),
            None => stripped.to_string(),
        };
        if let Ok(new_uri) = rebuilt.parse() {
            *req.uri_mut() = new_uri;
        }
    }
    req
}
