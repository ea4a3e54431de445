//! Bulk import of enterprises (R-ENT-5): encodings, per-row errors, idempotent re-runs,
//! updates with history, strict refusal, bad files that change nothing.

use touchstone_testing::process::{output_text, run_cli};
use touchstone_testing::{TestApp, TestClient};

fn code(org: &str) -> String {
    touchstone_domain::uscc::Uscc::compose("91", "360121", org).expect("composes").to_string()
}

const HEADER: &str =
    "统一社会信用代码,企业名称,法定代表人,地址,行政区划代码,规模,状态,经营类型,产品类别,联系人,联系人电话";

fn row(org: &str, name: &str) -> String {
    format!("{},{name},王五,南昌县莲塘镇,360121,小型,在营,生产,04.01,赵六,13900002222", code(org))
}

async fn count(c: &mut TestClient) -> i64 {
    c.get("/api/v1/enterprises").await.json()["total"].as_i64().unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_file_imports_its_good_rows_reports_the_bad_ones_and_a_second_run_changes_nothing() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("企业.csv");
    let mut bad = code("MA35K8R9");
    bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
    let text = format!(
        "{HEADER}\n{}\n{}\n{}\n{},坏代码企业,王五,地址,360121,小型,在营,生产,04.01,,\n{}\n{},外县企业,王五,地址,360112,小型,在营,生产,04.01,,\n",
        row("MA35K8R1", "南昌县甲电缆厂"),
        row("MA35K8R2", "南昌县乙电缆厂"),
        row("MA35K8R3", "南昌县丙电缆厂"),
        bad,
        row("MA35K8R1", "重复的甲"),
        code("MA35K8R4"),
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(&file, &gbk).expect("write");
    let errors = dir.path().join("errors.csv");
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = [
            "import",
            "enterprises",
            "--as",
            "ncx.officer",
            "--db",
            &t.db_url,
            "--data",
            t.data_dir.to_str().expect("path"),
        ]
        .map(String::from)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| async move { run_cli(&a.iter().map(String::as_str).collect::<Vec<_>>()).await };
    let indexes_before = touchstone_testing::index_definitions(&t.app).await;
    let out = run(args(&[file.to_str().expect("path"), "--errors", errors.to_str().expect("path")])).await;
    assert!(out.status.success(), "{}", output_text(&out));
    // ADR 0014: new records alone into an empty ledger, so on SQLite the import set the
    // ledger's indexes aside and built them again before committing.
    assert_eq!(touchstone_testing::index_definitions(&t.app).await, indexes_before, "every index as defined");
    // ADR 0016: written without SQLite's foreign-key checks, every reference names its row.
    assert_eq!(touchstone_testing::dangling_references(&t.app).await, Vec::<String>::new());
    assert!(
        output_text(&out).contains("3 inserted, 0 updated, 0 unchanged, 3 rows with errors"),
        "{}",
        output_text(&out)
    );
    let report = std::fs::read_to_string(&errors).expect("report");
    assert!(report.contains("5,uscc") && report.contains("position 18"), "{report}");
    assert!(report.contains("6,uscc") && report.contains("row 2"), "the duplicate names the first row: {report}");
    assert!(report.contains("7,region_code"), "{report}");
    let mut c = t.signed_in("ncx.officer").await;
    assert_eq!(count(&mut c).await, 3);
    // New rows are indexed at the end of the import's transaction, searchable at once.
    let found = c.get("/api/v1/enterprises?q=丙电").await.json();
    assert_eq!(found["total"], 1, "{found}");
    let found = c.get(&format!("/api/v1/enterprises?q={}", &code("MA35K8R3")[8..])).await.json();
    assert_eq!(found["total"], 1, "by a tail of the credit code: {found}");
    if t.app.db.engine() == touchstone_store::Engine::Sqlite {
        // The statistics refreshed after the import leave FTS5's own tables alone.
        let stale = "DELETE FROM sqlite_stat1 WHERE tbl LIKE 'enterprise\\_fts\\_%' ESCAPE '\\'";
        assert_eq!(touchstone_testing::raw_sql(&t.app, stale).await.expect("sql"), 0);
    }
    let again = run(args(&[file.to_str().expect("path")])).await;
    assert!(output_text(&again).contains("nothing changed"), "{}", output_text(&again));
    assert_eq!(count(&mut c).await, 3);
    // One changed row is an update that keeps its history.
    std::fs::write(&file, format!("{HEADER}\n{}\n", row("MA35K8R2", "南昌县乙电缆有限公司"))).expect("write");
    let out = run(args(&[file.to_str().expect("path")])).await;
    assert!(output_text(&out).contains("0 inserted, 1 updated"), "{}", output_text(&out));
    let list = c.get("/api/v1/enterprises?q=乙电缆").await.json();
    let id = list["items"][0]["id"].as_str().expect("id").to_string();
    let history = c.get(&format!("/api/v1/enterprises/{id}/history")).await.json();
    assert_eq!(history[0]["action"], "enterprise.import");
    assert_eq!(history[0]["changes"][0]["field"], "name");
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get("/api/v1/audit?action=import.enterprises").await.json();
    assert_eq!(audit["total"], 3, "one audit entry per import, not per row");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_mode_and_bad_files_change_nothing() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = t.signed_in("ncx.officer").await;
    let actor = {
        let u = touchstone_store::users::find_by_username(&t.app.db, "ncx.officer").await.expect("q").expect("user");
        touchstone_app::Actor::for_user(&t.app, &u, Default::default()).await.expect("actor")
    };
    let attempt = |name: &str, body: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        path
    };
    let cases = [
        (
            "strict.csv",
            format!("{HEADER}\n{}\n{},x,,,360121,,,,,,\n", row("MA35K8T1", "好企业"), code("MA35K8T2")).into_bytes(),
            true,
            "refused",
        ),
        ("columns.csv", "企业名称,地址\n甲,乙\n".as_bytes().to_vec(), false, "missing required columns: uscc"),
        (
            "cut.csv",
            format!("{HEADER}\n{}\n{},\"半截", row("MA35K8T3", "完整"), code("MA35K8T4")).into_bytes(),
            false,
            "cut off",
        ),
        ("binary.csv", vec![0x81, 0x0A, 0x00, 0xFF], false, "neither UTF-8 nor GBK"),
        ("empty.csv", format!("{HEADER}\n").into_bytes(), false, "no data rows"),
        ("notes.pdf", b"%PDF-1.4".to_vec(), false, "a .csv or .xlsx file"),
    ];
    for (name, body, strict, expected) in cases {
        let path = attempt(name, body);
        let job = touchstone_app::imports::create_job(
            &t.app,
            &actor,
            touchstone_app::imports::Kind::Enterprises,
            &path,
            name,
            strict,
        )
        .await
        .expect("job");
        let result = touchstone_app::imports::run(&t.app, &actor, job, &path, &|_, _| {}).await;
        let text = match result {
            Ok(o) => format!("{} {}", o.job.status, o.job.message.unwrap_or_default()),
            Err(e) => e.to_string(),
        };
        assert!(text.contains(expected), "{name}: {text}");
        assert_eq!(count(&mut c).await, 0, "{name} changed nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_sent_over_http_is_followed_to_its_end_and_its_page_shows_the_errors() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let body = format!(
        "{HEADER}\n{}\n{},坏,王五,地址,360121,小型,在营,生产,04.01,,\n",
        row("MA35K8U1", "上传的企业"),
        "91360121MA35K8U2XX"
    );
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/imports/enterprises?file_name=upload.csv", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("origin", t.base.clone())
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 202);
    let job: serde_json::Value = res.json().await.expect("json");
    let id = job["id"].as_str().expect("id").to_string();
    let mut outcome = serde_json::Value::Null;
    for _ in 0..100 {
        outcome = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if outcome["job"]["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(outcome["job"]["status"], "done", "{outcome}");
    assert_eq!(outcome["job"]["inserted"], 1);
    assert_eq!(outcome["errors"][0]["row_number"], 3);
    let page = c.get(&format!("/imports/{id}")).await.text;
    assert!(page.contains("上传") || page.contains("upload.csv"));
    assert!(page.contains("import-errors"), "the page lists the errors");
    let csv = c.get(&format!("/imports/{id}/errors.csv")).await;
    assert!(csv.text.contains("3,uscc"), "{}", csv.text);
    let mut other = t.signed_in("xj.officer").await;
    assert_eq!(
        other.get(&format!("/api/v1/imports/{id}")).await.status,
        404,
        "another county's officer cannot follow it"
    );
    let bad = http
        .post(format!("{}/api/v1/imports/enterprises?file_name=upload.exe", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("origin", t.base.clone())
        .body("x")
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status().as_u16(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_gets_the_planners_statistics_at_start_and_a_restart_keeps_them_instead_of_taking_them_again() {
    use touchstone_store::dialect::ensure_statistics;
    let t = TestApp::spawn().await;
    // Opening the new database took them; opening it again keeps them.
    assert!(!ensure_statistics(&t.app.db).await.expect("statistics"), "a restart takes none again");
    if t.app.db.engine() == touchstone_store::Engine::Sqlite {
        // Figures an older version left for FTS5's tables are removed at start…
        touchstone_testing::raw_sql(
            &t.app,
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('enterprise_fts_data', NULL, '1000')",
        )
        .await
        .expect("sql");
        assert!(!ensure_statistics(&t.app.db).await.expect("statistics"));
        let stale = "DELETE FROM sqlite_stat1 WHERE tbl LIKE 'enterprise\\_fts\\_%' ESCAPE '\\'";
        assert_eq!(touchstone_testing::raw_sql(&t.app, stale).await.expect("sql"), 0);
        // …and a database without any are given them.
        assert!(touchstone_testing::raw_sql(&t.app, "DELETE FROM sqlite_stat1").await.expect("sql") > 0);
        assert!(ensure_statistics(&t.app.db).await.expect("statistics"), "none: taken");
        assert!(!ensure_statistics(&t.app.db).await.expect("statistics"));
    }
}
