//! Signing in (R-AUTH-2, R-AUTH-4): lockout and throttling kept in the database, the second
//! factor, session rotation and idle timeout, API tokens, CSRF, the password policy.

use std::sync::Arc;

use serde_json::json;
use touchstone_domain::time::{Clock, ManualClock, SystemClock};
use touchstone_testing::{DEMO_PASSWORD, TestApp, next_totp_code};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_locks_after_five_wrong_passwords_and_then_refuses_the_right_one() {
    let t = TestApp::spawn().await;
    let mut c = t.client();
    for i in 1..=5 {
        let r =
            c.post_json("/api/v1/auth/sign-in", json!({"username": "nc.legal", "password": "Wrong#Pass2026"})).await;
        let expected = if i < 5 { "invalid_credentials" } else { "account_locked" };
        assert_eq!(r.error_code(), expected, "attempt {i}: {}", r.text);
    }
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "nc.legal", "password": DEMO_PASSWORD})).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error_code(), "account_locked");
    let user = touchstone_store::users::find_by_username(&t.app.db, "nc.legal").await.expect("query").expect("user");
    assert!(user.locked_until.is_some(), "the lockout is stored in the database");
    // An administrator unlocks it and the right password works again.
    let mut admin = t.signed_in("nc.admin").await;
    let r = admin.post_json(&format!("/api/v1/users/{}/unlock", user.id), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "nc.legal", "password": DEMO_PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lockout_ends_by_itself_after_the_lockout_period() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let mut c = t.client();
    for _ in 0..5 {
        c.post_json("/api/v1/auth/sign-in", json!({"username": "ncx.officer", "password": "nope"})).await;
    }
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "ncx.officer", "password": DEMO_PASSWORD})).await;
    assert_eq!(r.error_code(), "account_locked");
    clock.advance_seconds(16 * 60);
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "ncx.officer", "password": DEMO_PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_name_gets_the_same_answer_as_a_wrong_password() {
    let t = TestApp::spawn().await;
    let mut c = t.client();
    let a = c.post_json("/api/v1/auth/sign-in", json!({"username": "nobody", "password": "x"})).await;
    let b = c.post_json("/api/v1/auth/sign-in", json!({"username": "ncx.officer", "password": "x"})).await;
    assert_eq!((a.status, a.error_code()), (b.status, b.error_code()));
    assert_eq!(a.json()["error"]["message"], b.json()["error"]["message"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_must_pass_the_second_factor_and_the_session_id_rotates() {
    let t = TestApp::spawn().await;
    let mut c = t.client();
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "admin", "password": DEMO_PASSWORD})).await;
    assert_eq!(r.json()["next"], "second_factor");
    let half = c.session.clone().expect("a session cookie");
    // Half signed in: nothing but the second factor.
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status, 401);
    let r = c.get("/admin/users").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/login/second-factor");
    let r = c.post_json("/api/v1/auth/second-factor", json!({"code": "000000"})).await;
    assert_eq!(r.error_code(), "invalid_second_factor");
    let code = next_totp_code(&t.app, "admin").await.expect("code");
    let r = c.post_json("/api/v1/auth/second-factor", json!({"code": code})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let full = c.session.clone().expect("a new session cookie");
    assert_ne!(half, full, "the session id changes when the second factor is passed");
    assert_eq!(c.get("/api/v1/me").await.json()["username"], "admin");
    // The same code cannot be used twice.
    let mut again = t.client();
    again.post_json("/api/v1/auth/sign-in", json!({"username": "admin", "password": DEMO_PASSWORD})).await;
    let r = again.post_json("/api/v1/auth/second-factor", json!({"code": code})).await;
    assert_eq!(r.error_code(), "invalid_second_factor", "a used code is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let mut c = t.signed_in("ncx.officer").await;
    assert_eq!(c.get("/api/v1/me").await.status, 200);
    clock.advance_seconds(29 * 60);
    assert_eq!(c.get("/api/v1/me").await.status, 200, "29 idle minutes are fine");
    clock.advance_seconds(31 * 60);
    assert_eq!(c.get("/api/v1/me").await.status, 401, "31 idle minutes end the session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_token_acts_with_its_owners_scope_until_revoked() {
    let t = TestApp::spawn().await;
    let mut owner = t.signed_in("ncx.officer").await;
    let r = owner.post_json("/api/v1/me/tokens", json!({"name": "report script"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.json()["secret"].as_str().expect("secret").to_string();
    let id = r.json()["token"]["id"].as_str().expect("id").to_string();
    assert!(!r.text.contains("token_hash"));
    let mut bot = t.client();
    bot.bearer = Some(secret.clone());
    assert_eq!(bot.get("/api/v1/me").await.json()["username"], "ncx.officer");
    let r = bot.get(&format!("/api/v1/users/{}", t.user_id("xj.officer").await)).await;
    assert_eq!(r.status, 404, "scoped like its owner");
    let stored =
        touchstone_store::sessions::tokens_of_user(&t.app.db, t.user_id("ncx.officer").await).await.expect("tokens");
    assert!(stored.iter().all(|s| s.token_hash != secret), "only the hash is stored");
    let r = owner.send("DELETE", &format!("/api/v1/me/tokens/{id}"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(bot.get("/api/v1/me").await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_form_post_is_refused_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let c = t.signed_in("ncx.officer").await;
    let session = c.session.clone().expect("session");
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/account/tokens", t.base))
        .header("cookie", format!("ts_session={session}"))
        .header("origin", "https://evil.example")
        .form(&[("name", "stolen")])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap_or_default().contains("跨站"), "the page says why");
    let res = http
        .post(format!("{}/account/tokens", t.base))
        .header("cookie", format!("ts_session={session}"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "stolen")])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 403);
    let tokens =
        touchstone_store::sessions::tokens_of_user(&t.app.db, t.user_id("ncx.officer").await).await.expect("tokens");
    assert!(tokens.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_http_only_same_site_and_secure() {
    let t = TestApp::spawn().await;
    let mut c = t.client();
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "ncx.officer", "password": DEMO_PASSWORD})).await;
    let cookie = r.headers["set-cookie"].to_str().expect("ascii");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_new_password_is_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let r =
        c.post_json("/api/v1/me/password", json!({"current_password": DEMO_PASSWORD, "new_password": "short"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "new_password");
    let r = c
        .post_json("/api/v1/me/password", json!({"current_password": "wrong", "new_password": "Better#Pass2027"}))
        .await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "current_password");
    let r = c
        .post_json("/api/v1/me/password", json!({"current_password": DEMO_PASSWORD, "new_password": "Better#Pass2027"}))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(c.get("/api/v1/me").await.status, 200, "the current session survives its own password change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_without_a_second_factor_must_set_one_up_first() {
    let t = TestApp::spawn().await;
    let mut admin = t.signed_in("nc.admin").await;
    let r = admin
        .post_json(
            "/api/v1/users",
            json!({"username": "new.admin", "display_name": "新管理员", "role": "administrator",
                   "organisation_id": t.bureau_id("JX-360100").await, "password": "Fresh#Admin2026"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut c = t.client();
    let r = c.post_json("/api/v1/auth/sign-in", json!({"username": "new.admin", "password": "Fresh#Admin2026"})).await;
    assert_eq!(r.json()["next"], "enrol_second_factor");
    assert_eq!(c.get("/api/v1/me").await.status, 401);
    let page = c.get("/account/second-factor").await;
    assert_eq!(page.status, 200);
    let secret = touchstone_store::users::find_by_username(&t.app.db, "new.admin")
        .await
        .expect("q")
        .expect("u")
        .totp_secret
        .expect("pending secret");
    assert!(page.text.contains(&secret));
    let code = touchstone_app::auth::current_code(&secret, t.app.clock.now().as_seconds()).expect("code");
    let r = c.post_form("/account/second-factor", &[("code", &code)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(c.get("/api/v1/me").await.json()["username"], "new.admin");
}
