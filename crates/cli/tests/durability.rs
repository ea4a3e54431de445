//! R-NF-2: an acknowledged write survives `kill -9` of the server. A `touchstone serve`
//! child takes a stream of user creations over the API, is killed with SIGKILL mid-stream,
//! is restarted on the same database, and must still hold every user it answered 201 for,
//! with an audit chain that verifies. Runs on SQLite, and on PostgreSQL when
//! TOUCHSTONE_TEST_PG_URL is set.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use touchstone_app::actor::Actor;
use touchstone_app::config::Config;
use touchstone_app::{App, auth, demo};
use touchstone_testing::fresh_database_url;
use touchstone_testing::process::{ServeProcess, run_cli};

/// `touchstone serve` on the test's database and data directory.
fn serve(db: &str, data: &Path, log: PathBuf) -> ServeProcess {
    ServeProcess::start("touchstone serve", &["--db", db, "--data", &data.display().to_string()], log)
}

fn config(db: &str, data: &Path) -> Config {
    let mut config = Config::default();
    config.server.data_dir = data.to_path_buf();
    config.server.db = db.to_string();
    config
}

// R-NF-2
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_kill_9_of_the_server_and_the_chain_still_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let logs = tempfile::tempdir().expect("tempdir");
    let db = fresh_database_url(&data).await.expect("fresh database");
    let data_s = data.display().to_string();

    let out = run_cli(&["migrate", "--db", &db, "--data", &data_s]).await;
    assert!(out.status.success(), "migrate failed: {}", String::from_utf8_lossy(&out.stderr));

    // Seed the demo and mint an API token for the administrator (bearer tokens need no TOTP).
    let (token, bureau) = {
        let app = App::open(config(&db, &data)).await.expect("opens the migrated database");
        demo::seed(&app, &Actor::system(None)).await.expect("demo seeded");
        let admin = touchstone_store::users::find_by_username(&app.db, "admin").await.expect("query").expect("admin");
        let actor = Actor::for_user(&app, &admin, Default::default()).await.expect("admin actor");
        let token = auth::create_token(&app, &actor, "bench").await.expect("token").secret;
        let bureau = touchstone_store::organisations::find_by_code(&app.db, "JX-360000")
            .await
            .expect("query")
            .expect("province bureau")
            .id;
        app.db.close().await;
        (token, bureau)
    };

    let mut server = serve(&db, &data, logs.path().join("serve-1.log"));
    server.wait_healthy().await;

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let refused = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, refused, stop, token) = (acked.clone(), refused.clone(), stop.clone(), token.clone());
        let url = format!("{}/api/v1/users", server.base);
        tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                let username = format!("k9-{n:04}");
                n += 1;
                let body = serde_json::json!({
                    "username": username,
                    "display_name": format!("Kill-nine writer {n}"),
                    "role": "officer",
                    "organisation_id": bureau,
                    "department": "quality_supervision",
                    "password": "Touchstone#2026",
                });
                match http.post(&url).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status().as_u16() == 201 => acked.lock().expect("lock").push(username),
                    Ok(r) => {
                        let status = r.status();
                        let text = r.text().await.unwrap_or_default();
                        refused.lock().expect("lock").push(format!("{username}: {status} {text}"));
                    }
                    // The server is gone (connection refused or reset): the stream ends.
                    Err(_) => break,
                }
            }
        })
    };

    // Kill -9 after ~40 acknowledged writes (or 3 s), while the writer is still sending.
    let started = Instant::now();
    while acked.lock().expect("lock").len() < 40 && started.elapsed() < Duration::from_secs(3) {
        assert!(!writer.is_finished(), "the writer stopped before the kill:\n{}", server.log_text());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!writer.is_finished(), "the writer must still be sending at the kill");
    server.kill_9();
    let killed_after = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    tokio::time::timeout(Duration::from_secs(15), writer).await.expect("writer ends").expect("writer task");
    let acked: Vec<String> = acked.lock().expect("lock").clone();
    let refused: Vec<String> = refused.lock().expect("lock").clone();
    println!("{} writes acknowledged before SIGKILL at {killed_after:?}", acked.len());
    assert!(refused.is_empty(), "writes were refused before the kill: {refused:?}");
    assert!(acked.len() >= 5, "too few acknowledged writes to test anything: {}", acked.len());

    // Restart on the same database; every acknowledged user is there.
    let mut server = serve(&db, &data, logs.path().join("serve-2.log"));
    server.wait_healthy().await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    for name in &acked {
        let r = http
            .get(format!("{}/api/v1/users?q={name}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list users");
        assert_eq!(r.status().as_u16(), 200);
        let page: serde_json::Value = r.json().await.expect("json");
        let found = page["items"].as_array().is_some_and(|items| items.iter().any(|u| u["username"] == name.as_str()));
        assert!(found, "acknowledged user {name} is missing after kill -9 and restart: {page}");
    }
    drop(server);

    // And directly in the store, with the chain intact (against the sweeper's checkpoint).
    let app = App::open(config(&db, &data)).await.expect("reopens");
    for name in &acked {
        assert!(
            touchstone_store::users::find_by_username(&app.db, name).await.expect("query").is_some(),
            "acknowledged user {name} is missing from the store"
        );
    }
    app.db.close().await;
    let out = run_cli(&["audit", "verify", "--db", &db, "--data", &data_s]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit verify after kill -9: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{}", String::from_utf8_lossy(&out.stdout).trim());
}

/// R-ENT-5, R-NF-2: an import killed with SIGKILL while it applies leaves the database as it
/// was (nothing, or — had it committed just before — everything), never a part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_mid_way_leaves_the_ledger_exactly_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let db = fresh_database_url(&data).await.expect("fresh database");
    let app = App::open(config(&db, &data)).await.expect("opens");
    let files = dir.path().join("files");
    let out = run_cli(&[
        "generate",
        "--province",
        "360000",
        "--enterprises",
        "20000",
        "--seed",
        "3",
        "--out",
        files.to_str().expect("path"),
    ])
    .await;
    assert!(out.status.success(), "{}", touchstone_testing::process::output_text(&out));
    let csv = files.join("enterprises.csv");
    let mut child = std::process::Command::new(touchstone_testing::touchstone_bin())
        .args([
            "import",
            "enterprises",
            "--db",
            &db,
            "--data",
            data.to_str().expect("path"),
            csv.to_str().expect("path"),
        ])
        .env_remove("TOUCHSTONE_TEST_PG_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("import starts");
    let window = touchstone_store::list::Window { sort: "j.created_at", descending: true, page: 1, per_page: 1 };
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut phase = String::new();
    while Instant::now() < deadline {
        let jobs = touchstone_store::imports::list(
            &app.db,
            &touchstone_domain::jurisdiction::BureauScope::Everything,
            "",
            &window,
        )
        .await
        .expect("jobs");
        if let Some(s) = jobs.items.into_iter().next() {
            phase = s.status;
            if phase == "applying" || phase == "done" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    println!("killed while the job was {phase:?}");
    let everything = touchstone_domain::jurisdiction::Scope::Everything;
    let visibility = touchstone_store::enterprises::Visibility { regions: &everything, own: None };
    let one = touchstone_store::list::Window { sort: "e.id", descending: false, page: 1, per_page: 1 };
    let n = touchstone_store::enterprises::list(&app.db, &visibility, &Default::default(), &one)
        .await
        .expect("count")
        .total;
    assert!(n == 0 || n == 20_000, "a killed import left {n} enterprises: all or nothing");
    let verify = run_cli(&["audit", "verify", "--db", &db, "--data", data.to_str().expect("path")]).await;
    assert!(verify.status.success(), "{}", touchstone_testing::process::output_text(&verify));
}
