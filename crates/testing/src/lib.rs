//! Test harness (dev-only): a `TestApp` on SQLite by default or on PostgreSQL when
//! `TOUCHSTONE_TEST_PG_URL` is set — each test gets its own fresh database — seeded with the
//! Jiangxi demo, served on a loopback port, and an HTTP client that keeps the session cookie
//! and sends same-origin headers like a browser.

pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use touchstone_app::actor::Actor;
use touchstone_app::config::Config;
use touchstone_app::{App, demo};
use touchstone_domain::time::{Clock, SystemClock};

pub use touchstone_app::demo::DEMO_PASSWORD;

/// The PostgreSQL server URL for the PostgreSQL pass, if set.
pub fn pg_url() -> Option<String> {
    std::env::var("TOUCHSTONE_TEST_PG_URL").ok().filter(|s| !s.trim().is_empty())
}

/// Creates a fresh, empty database on the engine under test and returns its URL.
pub async fn fresh_database_url(dir: &std::path::Path) -> Result<String> {
    match pg_url() {
        None => Ok(format!("sqlite:{}", dir.join("touchstone.db").display())),
        Some(server) => {
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&server)
                .await
                .with_context(|| "TOUCHSTONE_TEST_PG_URL is set but the PostgreSQL server cannot be reached")?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await?;
            pool.close().await;
            let mut url = url::Url::parse(&server)?;
            url.set_path(&format!("/{name}"));
            Ok(url.to_string())
        }
    }
}

/// A running application on a loopback port with its own database and data directory.
pub struct TestApp {
    pub app: App,
    pub addr: SocketAddr,
    pub base: String,
    pub db_url: String,
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if pg_url().is_some() {
            drop_database(&self.db_url);
        }
    }
}

/// Drops a test's PostgreSQL database, its connections closed by force: a suite of a hundred
/// databases left behind fills a CI machine's disk. Runs on its own thread and runtime, since
/// `Drop` cannot wait on the test's; a failure leaves the database behind and is only reported.
fn drop_database(db_url: &str) {
    let url = db_url.to_string();
    let dropped = std::thread::spawn(move || -> Result<()> {
        let server = pg_url().context("TOUCHSTONE_TEST_PG_URL is no longer set")?;
        let name = url::Url::parse(&url)?.path().trim_start_matches('/').to_string();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let pool = sqlx::PgPool::connect(&server).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&pool)
                .await?;
            pool.close().await;
            Ok(())
        })
    })
    .join();
    match dropped {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("test database {db_url} left behind: {e:#}"),
        Err(_) => eprintln!("test database {db_url} left behind: the dropping thread panicked"),
    }
}

impl TestApp {
    /// Seeded with the Jiangxi demo, on the real clock.
    pub async fn spawn() -> TestApp {
        Self::spawn_with_clock(Arc::new(SystemClock)).await
    }

    pub async fn spawn_with_clock(clock: Arc<dyn Clock>) -> TestApp {
        Self::try_spawn(clock).await.expect("test app starts")
    }

    async fn try_spawn(clock: Arc<dyn Clock>) -> Result<TestApp> {
        let dir = tempfile::tempdir()?;
        let data_dir = dir.path().to_path_buf();
        let db_url = fresh_database_url(&data_dir).await?;
        let mut config = Config::default();
        config.server.data_dir = data_dir.clone();
        config.server.db = db_url.clone();
        config.server.bind = "127.0.0.1:0".into();
        let app = App::open_with_clock(config, clock).await.map_err(|e| anyhow!("{e}"))?;
        demo::seed(&app, &Actor::system(Some("test".into()))).await.map_err(|e| anyhow!("{e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let served = app.clone();
        let server = tokio::spawn(async move {
            let _ = touchstone_web::serve(served, listener, std::future::pending()).await;
        });
        Ok(TestApp { app, addr, base: format!("http://{addr}"), db_url, data_dir, _dir: dir, server })
    }

    /// A client with no session.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base)
    }

    /// A client signed in as `username` (demo password; TOTP answered when needed).
    pub async fn signed_in(&self, username: &str) -> TestClient {
        let mut c = self.client();
        c.sign_in(&self.app, username).await.expect("signs in");
        c
    }

    /// The id of a user by name.
    pub async fn user_id(&self, username: &str) -> uuid::Uuid {
        touchstone_store::users::find_by_username(&self.app.db, username).await.expect("query").expect("user exists").id
    }

    /// The id of a bureau by code.
    pub async fn bureau_id(&self, code: &str) -> uuid::Uuid {
        touchstone_store::organisations::find_by_code(&self.app.db, code)
            .await
            .expect("query")
            .expect("bureau exists")
            .id
    }
}

impl TestApp {
    /// Registers an enterprise of 南昌县 (credit-code organisation part `org`) as `officer`,
    /// opens its account with an activation code and signs its user in; the enterprise's id
    /// and the enterprise user's client.
    pub async fn enterprise_with_account(
        &self,
        officer: &mut TestClient,
        org: &str,
        name: &str,
    ) -> (String, TestClient) {
        let uscc = touchstone_domain::uscc::Uscc::compose("91", "360121", org).expect("composes").to_string();
        let body = serde_json::json!({
            "uscc": uscc, "name": name, "legal_representative": "张建国", "address": "南昌县莲塘镇",
            "region_code": "360121", "scale": "small", "status": "operating", "roles": ["producer"], "categories": ["04.01"]
        });
        let r = officer.post_json("/api/v1/enterprises", body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json()["id"].as_str().expect("id").to_string();
        let issued =
            officer.post_json(&format!("/api/v1/enterprises/{id}/activation-code"), serde_json::json!({})).await;
        let activation = issued.json()["code"].as_str().expect("code").to_string();
        let username = format!("qy.{}", org.to_lowercase());
        let claim = serde_json::json!({"uscc": uscc, "code": activation, "username": username,
                                       "display_name": "质量负责人 钱进", "password": "Claim#Mine2026"});
        assert_eq!(self.client().post_json("/api/v1/activate", claim).await.status, 201);
        let mut own = self.client();
        let sign_in = serde_json::json!({"username": username, "password": "Claim#Mine2026"});
        let r = own.post_json("/api/v1/auth/sign-in", sign_in).await;
        assert_eq!(r.status, 200, "{}", r.text);
        (id, own)
    }
}

/// An HTTP response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_string()
    }
}

/// A browser-like client: keeps the session cookie, sends Origin on writes.
pub struct TestClient {
    base: String,
    http: reqwest::Client,
    pub session: Option<String>,
    pub bearer: Option<String>,
    pub accept_language: Option<String>,
}

impl TestClient {
    pub fn new(base: &str) -> TestClient {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        TestClient { base: base.to_string(), http, session: None, bearer: None, accept_language: None }
    }

    fn headers(&self, write: bool) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(s) = &self.session
            && let Ok(v) = HeaderValue::from_str(&format!("ts_session={s}"))
        {
            h.insert(reqwest::header::COOKIE, v);
        }
        if let Some(b) = &self.bearer
            && let Ok(v) = HeaderValue::from_str(&format!("Bearer {b}"))
        {
            h.insert(reqwest::header::AUTHORIZATION, v);
        }
        if let Some(l) = &self.accept_language
            && let Ok(v) = HeaderValue::from_str(l)
        {
            h.insert(reqwest::header::ACCEPT_LANGUAGE, v);
        }
        if write && let Ok(v) = HeaderValue::from_str(&self.base) {
            h.insert(reqwest::header::ORIGIN, v);
        }
        h
    }

    async fn finish(&mut self, res: reqwest::Response) -> Result<Reply> {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for v in headers.get_all(reqwest::header::SET_COOKIE) {
            let v = v.to_str().unwrap_or("");
            if let Some(rest) = v.strip_prefix("ts_session=") {
                let value = rest.split(';').next().unwrap_or("");
                self.session = if value.is_empty() { None } else { Some(value.to_string()) };
            }
        }
        let text = res.text().await?;
        Ok(Reply { status, headers, text })
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let res =
            self.http.get(format!("{}{path}", self.base)).headers(self.headers(false)).send().await.expect("request");
        self.finish(res).await.expect("response")
    }

    /// Sends any method with an optional JSON body.
    pub async fn send(&mut self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(m, format!("{}{path}", self.base)).headers(self.headers(true));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        self.finish(res).await.expect("response")
    }

    pub async fn post_json(&mut self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body)).await
    }

    pub async fn put_json(&mut self, path: &str, body: Value) -> Reply {
        self.send("PUT", path, Some(body)).await
    }

    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.headers(true))
            .form(form)
            .send()
            .await
            .expect("request");
        self.finish(res).await.expect("response")
    }

    /// Signs in through the API, answering the second factor from the stored secret.
    pub async fn sign_in(&mut self, app: &App, username: &str) -> Result<()> {
        let r = self
            .post_json("/api/v1/auth/sign-in", serde_json::json!({"username": username, "password": DEMO_PASSWORD}))
            .await;
        if r.status != 200 {
            return Err(anyhow!("sign-in of {username} failed: {} {}", r.status, r.text));
        }
        if r.json()["next"] == "second_factor" {
            let code = next_totp_code(app, username).await?;
            let r = self.post_json("/api/v1/auth/second-factor", serde_json::json!({"code": code})).await;
            if r.status != 200 {
                return Err(anyhow!("second factor of {username} failed: {} {}", r.status, r.text));
            }
        }
        Ok(())
    }
}

/// A TOTP code for `username` that the server has not seen yet (waits for the next 30-second
/// step when the current one was already used).
pub async fn next_totp_code(app: &App, username: &str) -> Result<String> {
    loop {
        let u = touchstone_store::users::find_by_username(&app.db, username)
            .await?
            .ok_or_else(|| anyhow!("no user {username}"))?;
        let secret = u.totp_secret.ok_or_else(|| anyhow!("{username} has no TOTP secret"))?;
        let now = app.clock.now().as_seconds();
        if u.totp_last_step.is_none_or(|s| s < now / 30) {
            return touchstone_app::auth::current_code(&secret, now).ok_or_else(|| anyhow!("bad secret"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// Runs a raw SQL statement on the test database (tests that play the attacker).
pub async fn raw_sql(app: &App, sql: &str) -> Result<u64> {
    Ok(app.db.execute(sql, vec![]).await?)
}

/// Every index of the schema with its definition, from the engine's catalog: a bulk load that
/// sets indexes aside (ADR 0014) must leave them exactly as the migrations define them.
pub async fn index_definitions(app: &App) -> Vec<(String, String)> {
    #[derive(sqlx::FromRow)]
    struct Index {
        name: String,
        definition: String,
    }
    let sql = match app.db.engine() {
        touchstone_store::Engine::Sqlite => {
            "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        }
        touchstone_store::Engine::Postgres => {
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() \
             ORDER BY indexname"
        }
    };
    let rows: Vec<Index> = app.db.fetch_all(sql, vec![]).await.expect("reads the catalog");
    assert!(rows.iter().any(|i| i.name == "hazards_list_found"), "the catalog lists the schema's indexes");
    rows.into_iter().map(|i| (i.name, i.definition)).collect()
}

/// Every row whose reference names no row (SQLite's `PRAGMA foreign_key_check`), as
/// "table → parent": a bulk load writes its references unchecked there (ADR 0016) and must
/// leave none dangling. PostgreSQL checks every write, so there are none to find.
pub async fn dangling_references(app: &App) -> Vec<String> {
    #[derive(sqlx::FromRow)]
    struct Dangling {
        #[sqlx(rename = "table")]
        child: String,
        parent: String,
    }
    if app.db.engine() == touchstone_store::Engine::Postgres {
        return Vec::new();
    }
    let rows: Vec<Dangling> =
        app.db.fetch_all("SELECT \"table\", parent FROM pragma_foreign_key_check", vec![]).await.expect("checks");
    rows.into_iter().map(|d| format!("{} → {}", d.child, d.parent)).collect()
}

/// The path of the built `touchstone` binary next to the test executable.
pub fn touchstone_bin() -> PathBuf {
    if let Ok(p) = std::env::var("CARGO_BIN_EXE_touchstone") {
        return PathBuf::from(p);
    }
    let mut p = std::env::current_exe().expect("test exe");
    p.pop();
    if p.ends_with("deps") {
        p.pop();
    }
    p.join("touchstone")
}
