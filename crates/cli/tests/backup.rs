//! R-OPS-1: an online backup restores into an empty database with the same users, bureaus
//! and an audit chain that verifies; restore refuses a non-empty target without --force and
//! a truncated file, changing nothing. Runs on SQLite, and on PostgreSQL when
//! TOUCHSTONE_TEST_PG_URL is set.

use std::path::{Path, PathBuf};

use touchstone_app::actor::Actor;
use touchstone_app::config::Config;
use touchstone_app::{App, audit, backup};
use touchstone_testing::process::run_cli;
use touchstone_testing::{TestApp, fresh_database_url};

/// An app on a fresh, empty database of the engine under test, in its own data directory,
/// using the audit key in `key_file` (the backed-up chain's key, so it verifies).
async fn empty_app(key_file: &Path) -> (App, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database_url(dir.path()).await.expect("fresh database");
    let mut config = Config::default();
    config.server.data_dir = dir.path().to_path_buf();
    config.server.db = url.clone();
    config.audit.key_file = key_file.display().to_string();
    let app = App::open(config).await.expect("opens the empty database");
    (app, url, dir)
}

async fn count(app: &App, table: &str) -> i64 {
    let rows: Vec<(i64,)> =
        app.db.fetch_all(&format!("SELECT COUNT(*) FROM {table}"), vec![]).await.expect("count query");
    rows[0].0
}

async fn head_seq(app: &App) -> i64 {
    touchstone_store::audit::head(&app.db).await.expect("head").seq
}

fn key_file(t: &TestApp) -> PathBuf {
    t.data_dir.join("secrets").join("audit.key")
}

// R-OPS-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_an_empty_database_with_the_same_users_and_bureaus_and_a_verified_chain() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let uscc = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35K8P7").expect("code").to_string();
    let r = officer
        .post_json(
            "/api/v1/enterprises",
            serde_json::json!({"uscc": uscc, "name": "南昌县备份测试电缆厂", "legal_representative": "张三", "address": "南昌县",
                               "region_code": "360121", "scale": "small", "status": "operating", "roles": ["producer"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let files = tempfile::tempdir().expect("tempdir");
    let file = files.path().join("touchstone.backup");
    let summary = backup::backup(&t.app, &Actor::system(None), &file).await.expect("backup");
    assert!(summary.rows > 100 && summary.bytes > 0, "{summary:?}");
    let users = count(&t.app, "users").await;
    let bureaus = count(&t.app, "organisations").await;
    assert!(users > 5 && bureaus > 100, "the demo is seeded: {users} users, {bureaus} bureaus");

    let (target, _, _dir) = empty_app(&key_file(&t)).await;
    assert_eq!(count(&target, "organisations").await, 0);
    let rows = backup::restore(&target, &Actor::system(None), &file, false).await.expect("restore into empty database");
    assert_eq!(rows, summary.rows);
    assert_eq!(count(&target, "users").await, users);
    assert_eq!(count(&target, "organisations").await, bureaus);
    let v = audit::verify(&target, None).await.expect("the restored chain verifies");
    // The chain as backed up (including the backup's own entry), plus the restore's entry.
    assert_eq!(v.entries, head_seq(&t.app).await + 1);
    assert_eq!(search(&target, "备份测试").await, 1, "the search index is rebuilt from the restored ledger");
    target.db.close().await;
}

async fn search(app: &App, text: &str) -> i64 {
    use touchstone_store::enterprises::{EnterpriseFilter, Visibility, list};
    let everything = touchstone_domain::jurisdiction::Scope::Everything;
    let filter = EnterpriseFilter { text: Some(text.into()), ..Default::default() };
    let window = touchstone_store::list::Window { sort: "e.name", descending: false, page: 1, per_page: 10 };
    list(&app.db, &Visibility { regions: &everything, own: None }, &filter, &window).await.expect("search").total
}

// R-OPS-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_into_a_non_empty_database_without_force_is_refused_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let files = tempfile::tempdir().expect("tempdir");
    let file = files.path().join("touchstone.backup");
    backup::backup(&t.app, &Actor::system(None), &file).await.expect("backup");
    // Something written after the backup, which a restore would lose.
    touchstone_testing::raw_sql(
        &t.app,
        "UPDATE organisations SET name = 'renamed after backup' WHERE code = 'JX-360000'",
    )
    .await
    .expect("update");
    let users = count(&t.app, "users").await;
    let bureaus = count(&t.app, "organisations").await;
    let head = head_seq(&t.app).await;

    let err = backup::restore(&t.app, &Actor::system(None), &file, false).await.expect_err("refused");
    assert_eq!(err.code(), "database_not_empty", "{err}");

    assert_eq!(count(&t.app, "users").await, users);
    assert_eq!(count(&t.app, "organisations").await, bureaus);
    assert_eq!(head_seq(&t.app).await, head, "no audit entry was added");
    let org =
        touchstone_store::organisations::find_by_code(&t.app.db, "JX-360000").await.expect("query").expect("exists");
    assert_eq!(org.name, "renamed after backup");
}

// R-OPS-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_backup_is_refused_and_leaves_the_fresh_database_empty() {
    let t = TestApp::spawn().await;
    let files = tempfile::tempdir().expect("tempdir");
    let file = files.path().join("touchstone.backup");
    backup::backup(&t.app, &Actor::system(None), &file).await.expect("backup");
    let text = std::fs::read_to_string(&file).expect("read backup");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 10);
    let truncated = files.path().join("truncated.backup");
    std::fs::write(&truncated, lines[..lines.len() - 3].join("\n") + "\n").expect("write truncated");

    let (target, _, _dir) = empty_app(&key_file(&t)).await;
    let err = backup::restore(&target, &Actor::system(None), &truncated, false).await.expect_err("refused");
    assert_eq!(err.code(), "validation_failed", "{err}");
    assert_eq!(count(&target, "organisations").await, 0);
    assert_eq!(count(&target, "users").await, 0);
    assert_eq!(head_seq(&target).await, 0, "no audit entry was restored or added");
    target.db.close().await;
}

// R-OPS-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_backs_up_one_database_and_restores_it_into_another() {
    let t = TestApp::spawn().await;
    let files = tempfile::tempdir().expect("tempdir");
    let file = files.path().join("cli.backup");
    let file_s = file.display().to_string();
    let data = t.data_dir.display().to_string();
    let out = run_cli(&["backup", "--db", &t.db_url, "--data", &data, "--out", &file_s]).await;
    assert!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(file.exists());

    let dir2 = tempfile::tempdir().expect("tempdir");
    let url2 = fresh_database_url(dir2.path()).await.expect("fresh database");
    std::fs::create_dir_all(dir2.path().join("secrets")).expect("secrets dir");
    std::fs::copy(key_file(&t), dir2.path().join("secrets").join("audit.key")).expect("copy key");
    let data2 = dir2.path().display().to_string();
    let out = run_cli(&["restore", "--db", &url2, "--data", &data2, &file_s]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "restore failed: {stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("audit chain verified"), "{stdout}");

    // A second restore into the now non-empty database is refused.
    let out = run_cli(&["restore", "--db", &url2, "--data", &data2, &file_s]).await;
    assert!(!out.status.success(), "a second restore without --force must fail");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"), "{}", String::from_utf8_lossy(&out.stderr));

    let mut config = Config::default();
    config.server.data_dir = dir2.path().to_path_buf();
    config.server.db = url2.clone();
    let restored = App::open(config).await.expect("opens the restored database");
    assert_eq!(count(&restored, "users").await, count(&t.app, "users").await);
    assert_eq!(count(&restored, "organisations").await, count(&t.app, "organisations").await);
    audit::verify(&restored, None).await.expect("the restored chain verifies");
    restored.db.close().await;
}
