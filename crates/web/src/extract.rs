//! Extractors: the signed-in actor (session cookie or API token), the half-signed-in session
//! (password accepted, second factor pending), and JSON / form / path / query bodies whose
//! rejections become the error envelope instead of axum's plain-text replies.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use touchstone_app::auth::{self, LiveSession};
use touchstone_app::{Actor, Error};

use crate::AppState;
use crate::context::{RequestCtx, UserLocale};
use crate::error::{ErrorInfo, WebError};
use crate::i18n::{Locale, Tr};

fn ctx(parts: &Parts) -> Result<RequestCtx, WebError> {
    parts
        .extensions
        .get::<RequestCtx>()
        .cloned()
        .ok_or_else(|| WebError(Error::Internal("request context missing".into())))
}

/// A fully signed-in actor, with the translator for their language.
#[derive(Debug, Clone)]
pub struct Auth {
    pub actor: Actor,
    pub tr: Tr,
    pub ctx: RequestCtx,
    /// Unread notifications, counted for the pages' badge (0 for API requests).
    pub unread: i64,
}

/// An error response that also carries where a page should go instead.
pub struct AuthRejection(WebError, Option<String>, Option<Locale>);

impl axum::response::IntoResponse for AuthRejection {
    fn into_response(self) -> axum::response::Response {
        let mut res = self.0.into_response();
        if let Some(to) = self.1
            && let Some(info) = res.extensions_mut().get_mut::<ErrorInfo>()
        {
            info.redirect = Some(to);
            info.code = "second_factor_required".into();
        }
        if let Some(l) = self.2 {
            res.extensions_mut().insert(UserLocale(l));
        }
        res
    }
}

fn locale_of(user_locale: &Option<String>, ctx: &RequestCtx) -> Locale {
    user_locale.as_deref().and_then(Locale::parse).unwrap_or(ctx.locale)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = ctx(parts).map_err(|e| AuthRejection(e, None, None))?;
        let user = if let Some(token) = &ctx.bearer {
            auth::token_user(&state.app, token).await.map_err(|e| AuthRejection(e.into(), None, None))?
        } else {
            let token = ctx.session_token.clone().ok_or(AuthRejection(WebError(Error::Unauthenticated), None, None))?;
            let LiveSession { user, second_factor_passed } =
                auth::session(&state.app, &token).await.map_err(|e| AuthRejection(e.into(), None, None))?;
            if !second_factor_passed {
                let to = if user.totp_enabled { "/login/second-factor" } else { "/account/second-factor" };
                return Err(AuthRejection(WebError(Error::Unauthenticated), Some(to.into()), None));
            }
            user
        };
        let locale = locale_of(&user.locale, &ctx);
        let actor = Actor::for_user(&state.app, &user, ctx.origin.clone())
            .await
            .map_err(|e| AuthRejection(e.into(), None, Some(locale)))?;
        parts.extensions.insert(UserLocale(locale));
        let unread = if ctx.bearer.is_none() && !ctx.path.starts_with("/api/") {
            touchstone_app::notifications::unread(&state.app, &actor).await.unwrap_or(0)
        } else {
            0
        };
        Ok(Auth { actor, tr: Tr::new(locale), ctx, unread })
    }
}

/// A session whose password was accepted but whose second factor is still pending (or any
/// live session): the second-factor pages use it.
#[derive(Debug, Clone)]
pub struct PendingSession {
    pub token: String,
    pub session: LiveSession,
    pub tr: Tr,
    pub ctx: RequestCtx,
}

impl FromRequestParts<AppState> for PendingSession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = ctx(parts)?;
        let token = ctx.session_token.clone().ok_or(WebError(Error::Unauthenticated))?;
        let session = auth::session(&state.app, &token).await?;
        let tr = Tr::new(locale_of(&session.user.locale, &ctx));
        Ok(PendingSession { token, session, tr, ctx })
    }
}

/// The request context alone (pages anyone may see).
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestCtx);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx(ctx(parts)?))
    }
}

/// JSON body; a malformed body is a 422 naming `body`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(body_error(&e)),
        }
    }
}

fn body_error(e: &JsonRejection) -> WebError {
    let (code, msg) = match e {
        JsonRejection::MissingJsonContentType(_) => ("content_type", "send Content-Type: application/json".to_string()),
        JsonRejection::JsonSyntaxError(_) => ("invalid_json", "the body is not valid JSON".to_string()),
        JsonRejection::JsonDataError(d) => ("invalid_body", d.body_text()),
        JsonRejection::BytesRejection(_) => ("too_large", "the body is too large or unreadable".to_string()),
        other => ("invalid_body", other.body_text()),
    };
    WebError(Error::field("body", code, msg))
}

/// Form body; a malformed form is a 422 naming `body`.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(PageForm(v)),
            Err(e) => Err(WebError(Error::field(
                "body",
                "invalid_form",
                match e {
                    FormRejection::FailedToDeserializeForm(d) => d.body_text(),
                    other => other.body_text(),
                },
            ))),
        }
    }
}

/// A path id; anything that is not a UUID is simply not found.
pub struct Id(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<uuid::Uuid>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(PathRejection::FailedToDeserializePathParams(_)) | Err(_) => Err(WebError(Error::NotFound)),
        }
    }
}

/// Query string; malformed parameters are a 422 naming `query`.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Q(v)),
            Err(e) => Err(WebError(Error::field(
                "query",
                "invalid_query",
                match e {
                    QueryRejection::FailedToDeserializeQueryString(d) => d.body_text(),
                    other => other.body_text(),
                },
            ))),
        }
    }
}
