//! One error, two renderings (R-NF-3): a handler returns `WebError`; the `respond` middleware
//! turns it into the JSON envelope `{"error":{"code","message","fields","request_id"}}` under
//! `/api` and into a page (or a redirect to sign in) elsewhere, in the request's language.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use touchstone_app::Error;
use touchstone_domain::FieldError;

use crate::i18n::Tr;

/// A handler's failure.
#[derive(Debug)]
pub struct WebError(pub Error);

impl<E: Into<Error>> From<E> for WebError {
    fn from(e: E) -> Self {
        WebError(e.into())
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// What the rendering middleware needs, carried in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: String,
    pub english: String,
    pub fields: Vec<FieldError>,
    pub retry_after: Option<i64>,
    pub locked_until: Option<i64>,
    /// Where a page request should go instead (sign in, second factor).
    pub redirect: Option<String>,
}

impl ErrorInfo {
    pub fn from_error(e: &Error) -> ErrorInfo {
        let status = match e {
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Forbidden(_) | Error::Duty { .. } | Error::CrossSite | Error::AccountLocked { .. } => {
                StatusCode::FORBIDDEN
            }
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Unauthenticated | Error::InvalidCredentials | Error::InvalidSecondFactor => StatusCode::UNAUTHORIZED,
            Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let english = match e {
            Error::Internal(_) => "internal error; the request id identifies it in the server log".to_string(),
            other => other.to_string(),
        };
        ErrorInfo {
            status,
            code: e.code().to_string(),
            english,
            fields: match e {
                Error::Validation(v) => v.0.clone(),
                _ => Vec::new(),
            },
            retry_after: match e {
                Error::TooManyAttempts { retry_after_seconds } | Error::Busy { retry_after_seconds } => {
                    Some(*retry_after_seconds)
                }
                _ => None,
            },
            locked_until: match e {
                Error::AccountLocked { until } => *until,
                _ => None,
            },
            redirect: None,
        }
    }

    /// The message in the user's language: `error-<code>` from the locale files, with the
    /// conflict's own explanation appended.
    pub fn message(&self, tr: &Tr) -> String {
        let base = tr.try_t(&format!("error-{}", self.code.replace('_', "-")));
        match (base, self.code.as_str()) {
            (Some(b), "stale_version" | "database_not_empty" | "audit_chain_broken") => {
                format!("{b} ({})", self.english)
            }
            (Some(b), "account_locked") => match self.locked_until {
                Some(u) => format!("{b} {}", tr.t_args("error-locked-until", &[("time", tr.time(u))])),
                None => b,
            },
            (Some(b), _) => b,
            (None, _) => self.english.clone(),
        }
    }
}

/// A field error's message in the user's language.
/// A field error's message in the user's language; for an illegal step, the steps allowed
/// are appended as the rule gave them.
pub fn field_message(tr: &Tr, f: &FieldError) -> String {
    match tr.try_t(&format!("field-error-{}", f.code.replace('_', "-"))) {
        Some(m) if ["illegal_step", "registered_elsewhere"].contains(&f.code.as_str()) => {
            format!("{m} ({})", f.message)
        }
        Some(m) => m,
        None => f.message.clone(),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Error::Internal(detail) = &self.0 {
            tracing::error!(error = %detail, "internal error");
        }
        let info = ErrorInfo::from_error(&self.0);
        let mut res = info.status.into_response();
        if let Some(r) = info.retry_after
            && let Ok(v) = HeaderValue::from_str(&r.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(info);
        res
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorEnvelope,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldErrorBody>,
    pub request_id: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// The JSON envelope for an error.
pub fn json_envelope(info: &ErrorInfo, tr: &Tr, request_id: &str) -> ErrorBody {
    ErrorBody {
        error: ErrorEnvelope {
            code: info.code.clone(),
            message: info.message(tr),
            fields: info
                .fields
                .iter()
                .map(|f| FieldErrorBody { field: f.field.clone(), code: f.code.clone(), message: field_message(tr, f) })
                .collect(),
            request_id: request_id.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_answered_503_with_a_time_to_retry_and_no_internals() {
        let info = ErrorInfo::from_error(&Error::Busy { retry_after_seconds: 10 });
        assert_eq!(info.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(info.code, "database_busy");
        assert_eq!(info.retry_after, Some(10));
        let res = WebError(Error::Busy { retry_after_seconds: 10 }).into_response();
        assert_eq!(res.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("10"));
    }
}
