//! Password hashing with argon2id, always off the async workers (R-AUTH-2).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

use crate::{Error, Result};

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password in a blocking thread.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(e.to_string()))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// Checks a password against a stored hash in a blocking thread. A malformed stored hash
/// never matches.
pub async fn verify(stored: &str, password: &str) -> bool {
    let stored = stored.to_string();
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).map(|h| hasher().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// Spends the time of one real verification against a hash of a random secret: used when the
/// user name does not exist, so a wrong name costs the same as a wrong password.
pub async fn verify_decoy(password: &str) {
    let decoy = DECOY
        .get_or_init(|| async {
            let mut secret = [0u8; 24];
            rand::RngCore::fill_bytes(&mut OsRng, &mut secret);
            hash(&hex::encode(secret)).await.unwrap_or_default()
        })
        .await;
    let _ = verify(decoy, password).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash("Touchstone#2026").await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "Touchstone#2026").await);
        assert!(!verify(&h, "touchstone#2026").await);
        assert!(!verify("not a hash", "x").await);
    }
}
