//! The one application error: what a use case can answer besides success. The web layer
//! renders it as the JSON envelope or as a page; it never carries internals to the user.

use touchstone_domain::ValidationErrors;
use touchstone_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke rules; every broken rule names its field (422).
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// Absent, or outside the actor's jurisdiction: the same answer either way (404).
    #[error("not found")]
    NotFound,
    /// The role may not do this at all (403). Never used for jurisdiction.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// A rule of separation of duties refuses this person this step (403), e.g. closing a
    /// hazard one found oneself (R-AUTH-3). `code` names the rule.
    #[error("refused: {message}")]
    Duty { code: &'static str, message: &'static str },
    /// An unsafe request from another site's page (403): CSRF defence.
    #[error("cross-site request refused")]
    CrossSite,
    /// A stale write or a duplicate (409).
    #[error("conflict: {message}")]
    Conflict { code: &'static str, message: String },
    /// No valid session or token (401).
    #[error("sign-in required")]
    Unauthenticated,
    /// Wrong user name or password (401), deliberately vague.
    #[error("user name or password is wrong")]
    InvalidCredentials,
    /// Wrong or reused second-factor code (401).
    #[error("the verification code is wrong or was already used")]
    InvalidSecondFactor,
    /// The account is locked (403), until a time if automatic.
    #[error("account locked")]
    AccountLocked { until: Option<i64> },
    /// Too many failures from one address (429).
    #[error("too many attempts; try again later")]
    TooManyAttempts { retry_after_seconds: i64 },
    /// The database is busy with a long write (a province-scale import holds SQLite's one
    /// writer for up to a minute) and this request's write could not wait longer (503, with
    /// Retry-After): nothing was changed.
    #[error("the database is busy with a long write such as an import; nothing was changed, try again shortly")]
    Busy { retry_after_seconds: i64 },
    /// Something broke on our side (500); details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Error::Validation(ValidationErrors::single(field, code, message))
    }

    /// The stable error code of the JSON envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation_failed",
            Error::NotFound => "not_found",
            Error::Forbidden(_) => "forbidden",
            Error::Duty { code, .. } => code,
            Error::CrossSite => "cross_site_request",
            Error::Conflict { code, .. } => code,
            Error::Unauthenticated => "unauthenticated",
            Error::InvalidCredentials => "invalid_credentials",
            Error::InvalidSecondFactor => "invalid_second_factor",
            Error::AccountLocked { .. } => "account_locked",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::Busy { .. } => "database_busy",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Validation(e)
    }
}

/// Seconds a client is told to wait when the database is busy.
const BUSY_RETRY_SECONDS: i64 = 10;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        if e.is_busy() {
            return Error::Busy { retry_after_seconds: BUSY_RETRY_SECONDS };
        }
        Error::Internal(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_could_not_wait_for_the_database_is_busy_not_internal() {
        let busy = Error::from(StoreError::Sqlx(sqlx::Error::PoolTimedOut));
        assert!(matches!(busy, Error::Busy { retry_after_seconds } if retry_after_seconds > 0), "{busy:?}");
        assert_eq!(busy.code(), "database_busy");
        let broken = Error::from(StoreError::Data("bad row".into()));
        assert!(matches!(broken, Error::Internal(_)), "{broken:?}");
    }
}
