//! The synthetic-province generator (issue 4): a database load keeps to jurisdictions and adds
//! nothing the second time, with one audit entry per run; every generated enterprise passes the
//! validation of a registration and is stored exactly as a registration stores it; the demo's
//! ledger is idempotent; `touchstone generate` writes a CSV whose codes all check, or loads the
//! database. Runs on SQLite, and on PostgreSQL when TOUCHSTONE_TEST_PG_URL is set.

use std::process::{Command, Stdio};

use touchstone_app::generate::{self, GenerateOptions, GenerateReport};
use touchstone_app::generate_campaign::Draw;
use touchstone_app::{Actor, App, demo, enterprises};
use touchstone_domain::jurisdiction::Scope;
use touchstone_store::enterprises::{self as store, EnterpriseRow, Visibility};
use touchstone_testing::process::{output_text, run_cli};
use touchstone_testing::{TestApp, fresh_database_url, touchstone_bin};

fn jiangxi(enterprises: usize, seed: u64) -> GenerateOptions {
    GenerateOptions { province: "360000".into(), enterprises, seed }
}

fn system() -> Actor {
    Actor::system(Some("test".into()))
}

fn generated(opts: &GenerateOptions) -> Vec<touchstone_app::enterprises::EnterpriseInput> {
    generate::enterprises(opts).expect("valid options").collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_500_keeps_to_jurisdictions_and_a_second_run_adds_nothing() {
    let t = TestApp::spawn().await;
    let opts = jiangxi(500, 2024);
    let report = generate::load_into(&t.app, &system(), &opts).await.expect("loads");
    assert_eq!((report.inserted, report.skipped), (500, 0));
    assert!(report.certificates > 300, "producers hold licences and CCC certificates: {report:?}");
    let mut officer = t.signed_in("jx.officer").await;
    let certificates = officer.get("/api/v1/certificates?per_page=1").await.json();
    assert_eq!(certificates["total"], report.certificates, "{certificates}");

    let mut province = t.signed_in("jx.officer").await;
    assert_eq!(province.get("/api/v1/enterprises?per_page=1").await.json()["total"], 500);

    let mut expected: Vec<String> =
        generated(&opts).into_iter().filter(|e| e.region_code == "360121").map(|e| e.uscc).collect();
    expected.sort();
    assert!(!expected.is_empty(), "南昌县 gets some of 500 enterprises");
    let mut county = t.signed_in("ncx.officer").await;
    let page = county.get("/api/v1/enterprises?per_page=500").await.json();
    assert_eq!(page["total"], expected.len(), "{page}");
    let items = page["items"].as_array().expect("items");
    assert!(items.iter().all(|e| e["region_code"] == "360121"), "the county sees only its own");
    let mut seen: Vec<String> = items.iter().map(|e| e["uscc"].as_str().unwrap_or_default().to_string()).collect();
    seen.sort();
    assert_eq!(seen, expected);
    assert!(items.iter().all(|e| e["legal_rep_phone"].as_str().is_some_and(|p| p.contains("****"))), "masked");

    let again = generate::load_into(&t.app, &system(), &opts).await.expect("loads again");
    assert_eq!(again, GenerateReport { inserted: 0, skipped: 500, certificates: 0 });
    assert_eq!(province.get("/api/v1/enterprises?per_page=1").await.json()["total"], 500);

    let mut admin = t.signed_in("admin").await;
    let audit = admin.get("/api/v1/audit?action=enterprise.generate").await;
    assert_eq!(audit.json()["total"], 1, "one entry for the run that added enterprises: {}", audit.text);
    let after: serde_json::Value =
        serde_json::from_str(audit.json()["items"][0]["after_json"].as_str().expect("after")).expect("after is JSON");
    assert_eq!(
        after,
        serde_json::json!({"seed": 2024, "requested": 500, "inserted": 500, "skipped": 0, "province": "360000",
                           "certificates": report.certificates})
    );

    // A county officer may not generate a whole province.
    let officer = touchstone_store::users::find_by_username(&t.app.db, "ncx.officer").await.expect("q").expect("user");
    let officer = Actor::for_user(&t.app, &officer, Default::default()).await.expect("actor");
    let err = generate::load_into(&t.app, &officer, &jiangxi(10, 1)).await.expect_err("outside the jurisdiction");
    assert!(err.to_string().contains("outside your jurisdiction"), "{err}");
}

/// A stored enterprise without what differs between any two stores of it (id, times).
async fn stored(app: &App, uscc: &str) -> (EnterpriseRow, Vec<(String, String, String, i64)>, Vec<String>) {
    let id = store::id_by_uscc(&app.db, uscc).await.expect("query").unwrap_or_else(|| panic!("{uscc} stored"));
    let everything = Scope::Everything;
    let v = Visibility { regions: &everything, own: None };
    let mut row = store::get(&app.db, &v, id).await.expect("query").expect("row");
    row.id = uuid::Uuid::nil();
    (row.created_at, row.updated_at) = (0, 0);
    let contacts = store::contacts(&app.db, id)
        .await
        .expect("contacts")
        .into_iter()
        .map(|c| (c.name, c.position, c.phone, c.sort_order))
        .collect();
    (row, contacts, store::categories(&app.db, id).await.expect("categories"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_enterprise_passes_registration_and_loads_as_registration_stores_it() {
    let opts = jiangxi(150, 99);
    let registered = TestApp::spawn().await;
    for input in generated(&opts) {
        let code = input.uscc.clone();
        enterprises::create(&registered.app, &system(), input)
            .await
            .unwrap_or_else(|e| panic!("{code} fails registration: {e}"));
    }
    let loaded = TestApp::spawn().await;
    assert_eq!(generate::load_into(&loaded.app, &system(), &opts).await.expect("loads").inserted, 150);
    for input in generated(&opts) {
        assert_eq!(stored(&loaded.app, &input.uscc).await, stored(&registered.app, &input.uscc).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_ledger_loads_once_and_a_second_run_changes_nothing() {
    let t = TestApp::spawn().await;
    let started = std::time::Instant::now();
    let first = demo::seed_enterprises(&t.app, &system()).await.expect("seeds");
    eprintln!("demo ledger of {} loaded in {:.2} s", demo::DEMO_ENTERPRISES, started.elapsed().as_secs_f64());
    assert_eq!((first.inserted, first.skipped), (demo::DEMO_ENTERPRISES, 0));
    let head = touchstone_store::audit::head(&t.app.db).await.expect("head").seq;
    let second = demo::seed_enterprises(&t.app, &system()).await.expect("seeds again");
    assert_eq!(second, GenerateReport { inserted: 0, skipped: demo::DEMO_ENTERPRISES, certificates: 0 });
    assert_eq!(touchstone_store::audit::head(&t.app.db).await.expect("head").seq, head, "no new audit entry");
}

fn check_uscc_stdin(codes: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(touchstone_bin())
        .args(["check", "uscc", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child.stdin.take().expect("stdin").write_all(codes.as_bytes()).expect("write");
    child.wait_with_output().expect("finishes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_out_writes_the_same_csv_every_time_and_its_codes_all_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("a");
    let args = |out: &str| {
        [
            "generate",
            "--province",
            "360000",
            "--enterprises",
            "200",
            "--seed",
            "7",
            "--as-of",
            "2026-11-23",
            "--out",
            out,
        ]
        .map(String::from)
        .to_vec()
    };
    let run = |a: Vec<String>| async move { run_cli(&a.iter().map(String::as_str).collect::<Vec<_>>()).await };
    let o = run(args(&out.display().to_string())).await;
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("wrote 200 enterprises"), "{}", output_text(&o));
    let csv = std::fs::read_to_string(out.join("enterprises.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 201);
    assert!(csv.starts_with("\u{FEFF}统一社会信用代码,企业名称,法定代表人,"));
    let codes: String = csv.lines().skip(1).map(|l| format!("{}\n", l.split(',').next().unwrap_or(""))).collect();
    let checked = check_uscc_stdin(&codes);
    assert!(checked.status.success(), "{}", output_text(&checked));
    assert_eq!(String::from_utf8_lossy(&checked.stdout).lines().filter(|l| l.starts_with("ok ")).count(), 200);
    assert!(std::fs::read_to_string(out.join("README.txt")).expect("readme").contains("seed:        7"));

    let again = dir.path().join("b");
    assert!(run(args(&again.display().to_string())).await.status.success());
    assert_eq!(std::fs::read(again.join("enterprises.csv")).expect("csv"), csv.into_bytes(), "byte-identical");
    let certificates = std::fs::read(out.join("certificates.csv")).expect("certificates");
    assert_eq!(std::fs::read(again.join("certificates.csv")).expect("csv"), certificates, "byte-identical");
    let certificates = String::from_utf8(certificates).expect("UTF-8");
    assert!(certificates.starts_with("\u{FEFF}统一社会信用代码,证书编号,证书类型,"), "{certificates:.200}");
    assert!(certificates.lines().count() > 100, "producers hold certificates");
    assert!(certificates.contains(",expired") && certificates.contains(",valid"), "expiries spread around the date");

    let x = dir.path().join("x").display().to_string();
    let bad = run_cli(&["generate", "--province", "360100", "--enterprises", "10", "--seed", "1", "--out", &x]).await;
    assert!(!bad.status.success() && output_text(&bad).contains("--province"), "{}", output_text(&bad));
    let bad = run_cli(&["generate", "--province", "360000", "--enterprises", "0", "--seed", "1", "--out", &x]).await;
    assert!(!bad.status.success() && output_text(&bad).contains("--enterprises"), "{}", output_text(&bad));
    let both = run_cli(&[
        "generate",
        "--province",
        "360000",
        "--enterprises",
        "1",
        "--seed",
        "1",
        "--out",
        &x,
        "--db",
        "sqlite:x",
    ])
    .await;
    assert!(!both.status.success() && output_text(&both).contains("cannot be used with"), "{}", output_text(&both));
    assert!(!dir.path().join("x").exists(), "nothing written when the arguments are refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_into_the_database_reports_new_then_zero_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = fresh_database_url(dir.path()).await.expect("database");
    let data = dir.path().display().to_string();
    let args =
        ["generate", "--db", &url, "--data", &data, "--province", "360000", "--enterprises", "120", "--seed", "5"];
    let first = run_cli(&args).await;
    assert!(first.status.success(), "{}", output_text(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("120 new, 0 already present"), "{}", output_text(&first));
    let second = run_cli(&args).await;
    assert!(second.status.success(), "{}", output_text(&second));
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 new, 120 already present"), "{}", output_text(&second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_files_import_without_a_single_row_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("files");
    let files_s = files.display().to_string();
    let out = run_cli(&[
        "generate",
        "--province",
        "360000",
        "--enterprises",
        "150",
        "--seed",
        "9",
        "--as-of",
        "2026-11-23",
        "--out",
        &files_s,
    ])
    .await;
    assert!(out.status.success(), "{}", output_text(&out));
    let url = fresh_database_url(dir.path()).await.expect("database");
    let data = dir.path().display().to_string();
    for kind in ["enterprises", "certificates"] {
        let file = files.join(format!("{kind}.csv")).display().to_string();
        let o = run_cli(&["import", kind, "--db", &url, "--data", &data, "--strict", &file]).await;
        assert!(o.status.success(), "{kind}: {}", output_text(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("inserted"), "{kind}: {}", output_text(&o));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_counts_up_to_ten_thousand_and_says_there_are_more() {
    let t = TestApp::spawn().await;
    generate::load_into(&t.app, &system(), &jiangxi(10_050, 77)).await.expect("loads");
    let mut province = t.signed_in("jx.officer").await;
    let page = province.get("/api/v1/enterprises?per_page=5").await.json();
    assert_eq!((page["total"].as_i64(), page["total_is_lower_bound"].as_bool()), (Some(10_000), Some(true)), "{page}");
    assert!(province.get("/enterprises").await.text.contains("10000+"), "the page says there are more");
    let county = province.get("/api/v1/enterprises?region_code=360121&per_page=5").await.json();
    assert_eq!(county["total_is_lower_bound"], false, "a county's list is counted exactly");
}

// Issue 4: the enterprise list over thousands of enterprises (migration 0021). With plenty of
// matches a page walks its sort column's index; with few its identifiers are chosen first.
// Whichever plan reads it, a page holds exactly the enterprises the plain query orders there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_enterprise_list_pages_in_the_same_order_whichever_plan_reads_it() {
    const IN_04_01: &str = "e.id IN (SELECT enterprise_id FROM enterprise_categories WHERE category_code = '04.01')";
    let t = TestApp::spawn().await;
    generate::load_into(&t.app, &system(), &jiangxi(2_600, 78)).await.expect("ledger");
    let mut province = t.signed_in("jx.officer").await;
    let all = province.get("/api/v1/enterprises?per_page=1").await.json()["total"].as_i64();
    assert!(all.is_some_and(|n| n >= 2_000), "enough enterprises to walk the sort indexes: {all:?}");
    let uscc = ("enterprises", "uscc", "e.uscc AS number FROM enterprises e");
    for (query, filter, order) in [
        ("page=3", "1=1", "e.name, e.id"),
        ("sort=uscc&dir=desc&page=3", "1=1", "e.uscc DESC, e.id DESC"),
        ("sort=status&page=3", "1=1", "e.status, e.id"),
        ("status=operating&sort=updated_at&page=3", "e.status = 'operating'", "e.updated_at, e.id"),
        ("region_code=360700&sort=region_code&page=3", "e.region_code LIKE '3607%'", "e.region_code, e.id"),
        (
            "scale=small&role=producer&sort=name&dir=desc",
            "e.scale = 'small' AND e.is_producer = TRUE",
            "e.name DESC, e.id DESC",
        ),
        ("status=suspended", "e.status = 'suspended'", "e.name, e.id"),
        // A category across the province lists its enterprises; within a city each is tested.
        ("category=04.01&sort=updated_at&page=3", IN_04_01, "e.updated_at, e.id"),
        (
            "region_code=360700&category=04.01&sort=uscc",
            "e.region_code LIKE '3607%' AND e.id IN (SELECT enterprise_id FROM enterprise_categories WHERE category_code = '04.01')",
            "e.uscc, e.id",
        ),
    ] {
        assert_list_page_is(&t, &mut province, uscc, query, filter, order).await;
    }
}

#[derive(sqlx::FromRow, Debug, PartialEq)]
struct Tally {
    status: String,
    n: i64,
}

/// Hazard statuses of the campaign, and each hazard's status against its last event.
async fn hazard_states(app: &App) -> (Vec<Tally>, i64) {
    let tallies: Vec<Tally> = app
        .db
        .fetch_all("SELECT status, COUNT(*) AS n FROM hazards GROUP BY status ORDER BY status", vec![])
        .await
        .expect("tally");
    let mismatched: Vec<Tally> = app
        .db
        .fetch_all(
            "SELECT h.status AS status, COUNT(*) AS n FROM hazards h WHERE h.status <> (SELECT ev.to_status FROM \
             hazard_events ev WHERE ev.hazard_id = h.id ORDER BY ev.seq DESC LIMIT 1) GROUP BY h.status",
            vec![],
        )
        .await
        .expect("mismatch");
    (tallies, mismatched.iter().map(|t| t.n).sum())
}

// Issue 5: the generator's campaign activity — every state the ledger can be in, each
// hazard's status the end of its own history, the same world from the same seed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_campaign_has_self_inspections_inspections_and_hazards_in_every_state_the_same_each_time() {
    let mut worlds = Vec::new();
    for _ in 0..2 {
        let t = TestApp::spawn().await;
        generate::load_into(&t.app, &system(), &jiangxi(400, 7)).await.expect("ledger");
        let (campaign, report) = demo::launch_with_activity(
            &t.app,
            &system(),
            "jiangxi-2022",
            "360000",
            Some(2026),
            Draw { seed: 7, inspections_per_enterprise: 2, findings_per_inspection: None },
        )
        .await
        .expect("activity");
        assert!(report.enterprises > 250, "operating producers: {report:?}");
        assert!(report.self_inspections * 100 > report.enterprises * 50, "most self-inspect: {report:?}");
        assert!(report.inspections > report.enterprises, "two inspections each, most inspected: {report:?}");
        assert!(report.hazards > report.inspections / 2, "{report:?}");
        let (tallies, mismatched) = hazard_states(&t.app).await;
        assert_eq!(mismatched, 0, "a hazard's status is where its history ends");
        let statuses: Vec<&str> = tallies.iter().map(|t| t.status.as_str()).collect();
        for s in ["closed", "evidence_submitted", "open", "rectifying", "voided"] {
            assert!(statuses.contains(&s), "{s} in {tallies:?}");
        }
        let mut province = t.signed_in("jx.officer").await;
        let view = province.get(&format!("/api/v1/campaigns/{}", campaign.id)).await.json();
        let lagging = view["progress"].as_array().expect("progress").iter().filter(|p| p["lagging"] == true).count();
        assert!(lagging > 0, "some regions lag: {view}");
        let overdue =
            province.get(&format!("/api/v1/hazards?campaign_id={}&overdue=true&per_page=1", campaign.id)).await;
        assert!(overdue.json()["total"].as_i64().unwrap_or(0) > 0, "some hazards are overdue");
        worlds.push((report, tallies));
    }
    assert_eq!(worlds[0], worlds[1], "the same seed makes the same world");
}

#[derive(sqlx::FromRow)]
struct Numbered {
    number: String,
}

// Issue 5: the hazard ledger over thousands of hazards. With plenty of matches a page walks
// its sort column's index (on SQLite `INDEXED BY`, store::hazards::list); whichever plan reads
// it, a page holds exactly the rows the plain query orders there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_hazard_list_pages_in_the_same_order_whichever_plan_reads_it() {
    let t = TestApp::spawn().await;
    generate::load_into(&t.app, &system(), &jiangxi(400, 7)).await.expect("ledger");
    let (_, report) = demo::launch_with_activity(
        &t.app,
        &system(),
        "jiangxi-2022",
        "360000",
        Some(2026),
        Draw { seed: 7, inspections_per_enterprise: 4, findings_per_inspection: Some(2) },
    )
    .await
    .expect("activity");
    assert!(report.hazards > 2_000, "enough hazards to walk the sort index: {report:?}");
    let mut province = t.signed_in("jx.officer").await;
    for (query, filter, order) in [
        ("", "1=1", "h.found_on DESC, h.id DESC"),
        ("sort=deadline", "1=1", "h.deadline, h.id"),
        ("status=closed&page=3", "h.status = 'closed'", "h.found_on DESC, h.id DESC"),
        ("sort=deadline&dir=desc&status=rectifying", "h.status = 'rectifying'", "h.deadline DESC, h.id DESC"),
        ("status=evidence_submitted", "h.status = 'evidence_submitted'", "h.found_on DESC, h.id DESC"),
        // Wording is looked for in descriptions; an ASCII fragment in numbers too, whatever its case.
        ("q=批次标识&page=3", "h.description LIKE '%批次标识%'", "h.found_on DESC, h.id DESC"),
        ("q=yh-3601&sort=deadline", "h.number LIKE '%YH-3601%'", "h.deadline, h.id"),
        // Fewer matches: the page's identifiers are chosen first, then their rows read.
        ("region_code=360100&sort=deadline&page=3", "h.region_code LIKE '3601%'", "h.deadline, h.id"),
        // A level without a status names every status to the region index.
        (
            "level=major&region_code=360100",
            "h.level = 'major' AND h.region_code LIKE '3601%'",
            "h.found_on DESC, h.id DESC",
        ),
        ("level=general&page=3", "h.level = 'general'", "h.found_on DESC, h.id DESC"),
    ] {
        assert_page_is_the_plain_query_s(&t, &mut province, query, filter, order).await;
    }
    // Live hazards (open, rectifying, awaiting review) walk their own partial indexes
    // (migration 0019) once 2,000 of them match: make every hazard of the world open.
    t.app.db.execute("UPDATE hazards SET status = 'open'", vec![]).await.expect("reopened");
    for (query, filter, order) in [
        ("status=open&page=3", "h.status = 'open'", "h.found_on DESC, h.id DESC"),
        ("sort=deadline&dir=desc&status=open", "h.status = 'open'", "h.deadline DESC, h.id DESC"),
    ] {
        let total = province.get(&format!("/api/v1/hazards?{query}")).await.json()["total"].clone();
        assert!(total.as_i64().is_some_and(|n| n >= 2_000), "{query}: enough to walk the live index: {total}");
        assert_page_is_the_plain_query_s(&t, &mut province, query, filter, order).await;
    }
}

/// The page of the ledger's list at `query` (40 a page) holds exactly the hazards that the plain
/// query `filter` ordered by `order` puts there.
async fn assert_page_is_the_plain_query_s(
    t: &TestApp,
    province: &mut touchstone_testing::TestClient,
    query: &str,
    filter: &str,
    order: &str,
) {
    assert_list_page_is(t, province, ("hazards", "number", "h.number AS number FROM hazards h"), query, filter, order)
        .await;
}

/// The page of `/api/v1/{list}` at `query` (40 a page) holds exactly the rows, named by their
/// `field` (`SELECT {column} AS number FROM …`), that the plain query `filter` ordered by `order` puts there.
async fn assert_list_page_is(
    t: &TestApp,
    province: &mut touchstone_testing::TestClient,
    (list, field, column_from): (&str, &str, &str),
    query: &str,
    filter: &str,
    order: &str,
) {
    let r = province.get(&format!("/api/v1/{list}?{query}&per_page=40")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    let body = r.json();
    let listed: Vec<String> =
        body["items"].as_array().expect("items").iter().filter_map(|i| i[field].as_str().map(String::from)).collect();
    let offset = if query.contains("page=3") { 80 } else { 0 };
    let expected: Vec<Numbered> = t
        .app
        .db
        .fetch_all(&format!("SELECT {column_from} WHERE {filter} ORDER BY {order} LIMIT 40 OFFSET {offset}"), vec![])
        .await
        .expect("expected page");
    let expected: Vec<String> = expected.into_iter().map(|n| n.number).collect();
    assert!(!expected.is_empty() || query.contains("evidence"), "{query}: the world has such {list}");
    assert_eq!(listed, expected, "{query}");
}
