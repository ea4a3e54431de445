//! Per-request context and the middleware around every handler: request id, locale, client
//! address (trusting X-Forwarded-For only from configured proxies), CSRF defence by
//! Origin / Sec-Fetch-Site, security headers, and rendering of errors.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use touchstone_app::actor::Origin;

use crate::AppState;
use crate::error::{ErrorInfo, json_envelope};
use crate::i18n::{Locale, Tr};

pub const SESSION_COOKIE: &str = "ts_session";
pub const LANG_COOKIE: &str = "ts_lang";

/// What every handler may want to know about the request.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub request_id: String,
    /// The locale before the user's own setting is known.
    pub locale: Locale,
    pub origin: Origin,
    pub session_token: Option<String>,
    pub bearer: Option<String>,
    pub path: String,
    pub is_api: bool,
}

/// The user's locale, set by the auth extractor so errors render in it too.
#[derive(Debug, Clone, Copy)]
pub struct UserLocale(pub Locale);

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn client_ip(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<String> {
    let peer_ip = peer.map(|p| p.ip().to_string());
    let trusted = peer_ip.as_ref().is_some_and(|ip| state.app.config.server.trusted_proxies.iter().any(|t| t == ip));
    if trusted
        && let Some(fwd) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = fwd.split(',').next()
    {
        return Some(first.trim().to_string());
    }
    peer_ip
}

/// True when an unsafe request comes from our own pages (or from a non-browser client).
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), host) {
        (Some(origin), Some(host)) => url::Url::parse(origin).ok().is_some_and(|u| {
            u.host_str()
                .map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .as_deref()
                == Some(host)
        }),
        // No Origin and no Sec-Fetch-Site: not a browser form post (browsers send one of them).
        (None, _) => true,
        _ => false,
    }
}

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let path = req.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let locale = cookie(headers, LANG_COOKIE)
        .and_then(|c| Locale::parse(&c))
        .or_else(|| {
            headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language)
        })
        .unwrap_or(Locale::ZhCn);
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string());
    let ctx = RequestCtx {
        request_id: request_id.clone(),
        locale,
        origin: Origin {
            ip: client_ip(&state, peer, headers),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(300).collect()),
            os_user: None,
        },
        session_token: cookie(headers, SESSION_COOKIE).filter(|c| !c.is_empty()),
        bearer: bearer.clone(),
        path: path.clone(),
        is_api,
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let csrf_ok = !unsafe_method || bearer.is_some() || same_origin(headers);
    req.extensions_mut().insert(ctx.clone());
    let mut res = if csrf_ok {
        next.run(req).await
    } else {
        crate::error::WebError(touchstone_app::Error::CrossSite).into_response()
    };
    if let Some(info) = res.extensions().get::<ErrorInfo>().cloned() {
        let locale = res.extensions().get::<UserLocale>().map(|u| u.0).unwrap_or(ctx.locale);
        res = render_error(&ctx, locale, info);
    }
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    if !path.starts_with("/static/") {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    tracing::info!(request_id = %request_id, path = %path, status = res.status().as_u16(), "request");
    res
}

fn render_error(ctx: &RequestCtx, locale: Locale, info: ErrorInfo) -> Response {
    let tr = Tr::new(locale);
    if ctx.is_api {
        let mut res = (info.status, axum::Json(json_envelope(&info, &tr, &ctx.request_id))).into_response();
        if let Some(r) = info.retry_after
            && let Ok(v) = HeaderValue::from_str(&r.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return res;
    }
    if let Some(to) = &info.redirect {
        return Redirect::to(to).into_response();
    }
    if info.status == StatusCode::UNAUTHORIZED && info.code == "unauthenticated" {
        let next = urlencode(&ctx.path);
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    crate::ui::error_page(&tr, &info, &ctx.request_id)
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
