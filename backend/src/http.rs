//! The HTTP edge: the router, its handlers (thin: extract, call the intake, answer), and the
//! static files (widget, demo site).

mod admin;
mod api;
mod contact_page;
mod cors;
mod dev;
mod error;
mod ingest;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, MetaConfig, XConfig};
use crate::intake::Intake;
use crate::mail::outbox::Wake;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub intake: Intake,
    pub outbox: Wake,
}

impl AppState {
    pub fn new(intake: Intake, outbox: Wake) -> AppState {
        AppState { config: intake.config().clone(), store: intake.store().clone(), intake, outbox }
    }
}

/// The demo site's Content-Security-Policy: as strict as a council's site can be, and what
/// README tells webmasters to add for the widget (`'wasm-unsafe-eval'` to compile the WASM).
const DEMO_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

/// The whole application as a router, so tests can call it without a server.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let api = Router::new()
        .route("/sites/{site}/widget", get(api::widget_config))
        .route("/sites/{site}/messages", axum::routing::post(api::submit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors::guard))
        .layer(DefaultBodyLimit::max(config.submit_body_limit()));

    // The widget is loaded by other sites' pages: its files are public to every origin, and
    // `import()` of a cross-origin module needs CORS.
    let widget_dir = &config.widget_dir;
    let widget = Router::new()
        .route_service(
            "/widget.js",
            ServeFile::new(widget_dir.join("widget.js")).precompressed_br().precompressed_gzip(),
        )
        .nest_service("/widget", ServeDir::new(widget_dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));

    let admin = Router::new()
        .route("/sites/{site}/messages/{message}/split", axum::routing::post(admin::split))
        .route("/tickets/{reference}/detach", axum::routing::post(admin::detach))
        .layer(axum::middleware::from_fn_with_state(state.clone(), admin::guard));

    let ingest = Router::new()
        .route("/email", axum::routing::post(ingest::email))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ingest::guard))
        .layer(DefaultBodyLimit::max(config.mail.max_email_bytes));
    // The social networks' webhooks: signed, not CORS; their bodies batch events.
    let webhooks = Router::new()
        .route("/meta/{site}", get(webhooks::meta_handshake).post(webhooks::delivery::<MetaConfig>))
        .route("/x/{site}", get(webhooks::x_crc).post(webhooks::delivery::<XConfig>))
        .layer(DefaultBodyLimit::max(webhooks::MAX_BODY_BYTES));

    let mut router = Router::new()
        .nest("/api/v1", api)
        .nest("/webhooks", webhooks)
        .nest("/admin/v1", admin)
        .nest("/ingest/v1", ingest)
        .merge(widget)
        .route(
            "/s/{site}/contact",
            get(contact_page::show).post(contact_page::submit).layer(DefaultBodyLimit::max(config.submit_body_limit())),
        )
        .route("/healthz", get(|| async { "ok" }));
    if config.demo {
        router = router
            .route("/dev/outbox", get(dev::outbox))
            .route("/dev/outbox/{id}", get(dev::outbox_email))
            .fallback_service(Router::new().fallback_service(ServeDir::new(&config.demo_site_dir)).layer(
                SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEMO_CSP)),
            ));
    } else {
        router = router.fallback(error::not_found);
    }
    router.layer(TraceLayer::new_for_http()).with_state(state)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod webhook_tests;
