//! Which position of the log an answer reflects, and reads that wait for
//! one (ADR 0044): every answer carries `Accord-Position`, the last position
//! this node had applied to its read models when it handled the request
//! (the answer reflects every event up to it); any request with
//! `min_position=P` in its query first waits until the node has applied P,
//! at most [`MIN_POSITION_WAIT`], and is answered `503` with `Retry-After`
//! otherwise. So a client reads its own writes on any node of a cluster,
//! passing the position its command was answered with.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, AppState};

/// The header naming the position an answer reflects.
pub const HEADER: &str = "accord-position";

/// The query parameter a read waits on.
pub const PARAMETER: &str = "min_position";

/// The longest a request waits for `min_position`.
pub const MIN_POSITION_WAIT: Duration = Duration::from_secs(5);

/// Waits for `min_position` when the query names it, then stamps the answer
/// with `Accord-Position`.
pub(crate) async fn positions(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let wanted = match min_position(request.uri().query()) {
        Ok(wanted) => wanted,
        Err(error) => return error.into_response(),
    };
    let mut applied = state.engine.head();
    if let Some(wanted) = wanted {
        let reached = tokio::time::timeout(
            MIN_POSITION_WAIT,
            applied.wait_for(|position| *position >= wanted),
        )
        .await
        .is_ok_and(|waited| waited.is_ok());
        if !reached {
            let position = *applied.borrow();
            let error = ApiError::Unavailable(format!(
                "this node has applied the log up to position {position}, not yet to \
                 {wanted} (min_position): retry shortly"
            ));
            return stamp(error.into_response(), position);
        }
    }
    let position = *applied.borrow();
    stamp(next.run(request).await, position)
}

/// Adds `Accord-Position` unless the handler set it.
fn stamp(mut response: Response, position: u64) -> Response {
    response
        .headers_mut()
        .entry(HEADER)
        .or_insert_with(|| HeaderValue::from(position));
    response
}

/// The `min_position` a query names, if any.
fn min_position(query: Option<&str>) -> Result<Option<u64>, ApiError> {
    let Some(query) = query else {
        return Ok(None);
    };
    let mut wanted = None;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != PARAMETER {
            continue;
        }
        let position = value.parse::<u64>().map_err(|_| {
            ApiError::field(
                PARAMETER,
                format!("`{value}` is not a log position (0 or more)"),
            )
        })?;
        wanted = Some(wanted.map_or(position, |w: u64| w.max(position)));
    }
    Ok(wanted)
}

#[cfg(test)]
mod tests {
    use super::min_position;

    #[test]
    fn min_position_is_read_from_the_query_and_must_be_a_position() {
        assert_eq!(min_position(None).unwrap(), None);
        assert_eq!(min_position(Some("at=2020-01-01")).unwrap(), None);
        assert_eq!(
            min_position(Some("at=2020-01-01&min_position=42")).unwrap(),
            Some(42)
        );
        assert!(min_position(Some("min_position=-1")).is_err());
        assert!(min_position(Some("min_position=")).is_err());
    }
}
