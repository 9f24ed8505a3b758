//! The API's door: the site must exist and a browser's `Origin` must be one of the site's
//! allowed origins. It answers CORS preflights and marks allowed answers for the browser.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::{Origin, Site};
use crate::http::AppState;
use crate::http::error::{Failure, HttpError, lang_of};

pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = lang_of(request.headers());
    // Paths here are `/sites/{site}/…`, relative to the API's mount point.
    let site_id = request.uri().path().trim_start_matches('/').split('/').nth(1).unwrap_or_default();
    let Some(site) = state.config.site(site_id) else {
        return HttpError(lang, Failure::UnknownSite).into_response();
    };
    let origin = request.headers().get(header::ORIGIN).cloned();
    if let Some(origin) = &origin
        && !allowed(site, origin, request.headers())
    {
        tracing::warn!(site = site_id, ?origin, "refused a request from an origin not allowed");
        return HttpError(lang, Failure::ForbiddenOrigin).into_response();
    }
    let mut response = if request.method() == Method::OPTIONS {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let h = preflight.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, accept-language"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        preflight
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// `self` matches Guichet's own origin, read from the `Host` the browser used.
fn allowed(site: &Site, origin: &HeaderValue, headers: &HeaderMap) -> bool {
    let Ok(origin) = origin.to_str() else { return false };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    site.allowed_origins.iter().any(|allowed| match allowed {
        Origin::Exact(o) => o.eq_ignore_ascii_case(origin),
        Origin::SameAsServer => {
            let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
            bare.is_some() && bare == host
        }
    })
}
