//! R-NF-2: two `touchstone serve` nodes on one database sweep on exactly one node at a time,
//! and when that node dies (SIGKILL, so it cannot give the lease up) the other takes over
//! once the lease expires. Runs on SQLite (both processes open the same file), and on
//! PostgreSQL when TOUCHSTONE_TEST_PG_URL is set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use touchstone_app::App;
use touchstone_app::config::Config;
use touchstone_store::leases;
use touchstone_testing::fresh_database_url;
use touchstone_testing::process::ServeProcess;

/// `touchstone serve` node `name` with its own data directory and the shared config.
fn node(name: &str, db: &str, data: &Path, config: &Path, log: PathBuf) -> ServeProcess {
    ServeProcess::start(
        name,
        &["--db", db, "--data", &data.display().to_string(), "--config", &config.display().to_string()],
        log,
    )
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_micros() as i64
}

async fn holders_since(app: &App, since: i64) -> (usize, BTreeSet<String>) {
    let runs = leases::runs_since(&app.db, since).await.expect("sweep runs");
    let runs: Vec<_> = runs.into_iter().filter(|r| r.sweep == touchstone_app::sweeper::LEASE).collect();
    (runs.len(), runs.into_iter().map(|r| r.holder).collect())
}

// R-NF-2
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_database_sweep_on_exactly_one_and_the_other_takes_over_when_it_is_killed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (data_a, data_b) = (dir.path().join("node-a"), dir.path().join("node-b"));
    let db = fresh_database_url(&data_a).await.expect("fresh database");

    // Migrate, and create the audit key in node A's data directory; node B gets the same key.
    let mut cfg = Config::default();
    cfg.server.data_dir = data_a.clone();
    cfg.server.db = db.clone();
    let app = App::open(cfg).await.expect("opens the database");
    std::fs::create_dir_all(data_b.join("secrets")).expect("secrets dir");
    std::fs::copy(data_a.join("secrets").join("audit.key"), data_b.join("secrets").join("audit.key"))
        .expect("copy key");

    let config = dir.path().join("touchstone.toml");
    std::fs::write(&config, "[sweeper]\ninterval_seconds = 1\nlease_seconds = 3\n").expect("config");

    let mut a = node("A", &db, &data_a, &config, dir.path().join("a.log"));
    let mut b = node("B", &db, &data_b, &config, dir.path().join("b.log"));
    a.wait_healthy().await;
    b.wait_healthy().await;

    // Both run for ~6 s: every sweep in that window is made by the one lease holder.
    let window_start = now_micros();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (runs, holders) = holders_since(&app, window_start).await;
    println!("while both nodes ran: {runs} sweeps by {holders:?}");
    assert_eq!(holders.len(), 1, "sweeps by more than one node at once: {holders:?}");
    assert!(runs >= 3, "expected a sweep about every second, got {runs} in 6 s");
    let first = holders.into_iter().next().expect("one holder");

    let (killed, survivor) = if a.is_holder(&first) {
        (&mut a, &mut b)
    } else {
        assert!(b.is_holder(&first), "holder {first} is neither node (pids {} and {})", a.child.id(), b.child.id());
        (&mut b, &mut a)
    };
    println!("node {} ({first}) holds the sweeper lease; killing it with SIGKILL", killed.name);
    killed.child.kill().expect("SIGKILL");
    killed.child.wait().expect("reaped");
    let killed_at = now_micros();
    let started = Instant::now();

    // The survivor takes over once the dead node's 3-second lease runs out.
    let deadline = started + Duration::from_secs(8);
    let second = loop {
        let (_, holders) = holders_since(&app, killed_at).await;
        let others: Vec<String> = holders.into_iter().filter(|h| *h != first).collect();
        if let Some(h) = others.into_iter().next() {
            break h;
        }
        if let Ok(Some(status)) = survivor.child.try_wait() {
            panic!("node {} exited ({status}):\n{}", survivor.name, survivor.log_text());
        }
        assert!(
            Instant::now() < deadline,
            "node {} did not take over within 8 s of the kill:\n{}",
            survivor.name,
            survivor.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("node {} ({second}) took over after {:?}", survivor.name, started.elapsed());
    assert!(survivor.is_holder(&second), "the new holder {second} should be node {}", survivor.name);
    let (_, after) = holders_since(&app, killed_at).await;
    assert!(!after.contains(&first), "the killed node cannot sweep: {after:?}");

    drop(a);
    drop(b);
    app.db.close().await;
}
