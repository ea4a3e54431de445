//! The `touchstone` command line: configuration, user administration and import as a named
//! account, and the idempotent demo (issue 3: CLI).

use std::process::Command;

use touchstone_testing::{TestApp, touchstone_bin};

fn run(t: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(touchstone_bin())
        .args(args)
        .args(["--db", &t.db_url, "--data", t.data_dir.to_str().expect("utf-8 path")])
        .env("USER", "ci-operator")
        .output()
        .expect("touchstone runs")
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn the_printed_default_configuration_checks_and_an_unknown_key_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(touchstone_bin()).args(["config", "print-default"]).output().expect("runs");
    assert!(out.status.success());
    let file = dir.path().join("touchstone.toml");
    std::fs::write(&file, &out.stdout).expect("write");
    let check = Command::new(touchstone_bin()).args(["config", "check", "--config"]).arg(&file).output().expect("runs");
    assert!(check.status.success(), "{}", text(&check));
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1:8080\"\nport = 1\n").expect("write");
    let bad = Command::new(touchstone_bin()).args(["config", "check", "--config"]).arg(&file).output().expect("runs");
    assert!(!bad.status.success());
    assert!(text(&bad).contains("port"), "{}", text(&bad));
    let harness = Command::new(touchstone_bin())
        .args(["config", "check"])
        .env("TOUCHSTONE_TEST_PG_URL", "postgres://x")
        .output()
        .expect("runs");
    assert!(harness.status.success(), "the test harness's variable is not configuration: {}", text(&harness));
    let env = Command::new(touchstone_bin())
        .args(["config", "check"])
        .env("TOUCHSTONE_SERVER__BIND", "not an address")
        .output()
        .expect("runs");
    assert!(!env.status.success() && text(&env).contains("server.bind"), "{}", text(&env));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_added_as_a_named_account_is_audited_with_that_account_and_the_os_user() {
    let t = TestApp::spawn().await;
    let out = run(
        &t,
        &[
            "user",
            "add",
            "--as",
            "ncx.admin",
            "--username",
            "cli.officer",
            "--name",
            "命令行 添加",
            "--role",
            "officer",
            "--bureau",
            "JX-360121",
            "--department",
            "credit",
            "--password",
            "Cli#Officer2026",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let entries = touchstone_store::audit::list(
        &t.app.db,
        &touchstone_domain::jurisdiction::BureauScope::Everything,
        &touchstone_domain::jurisdiction::Scope::Everything,
        &touchstone_store::audit::AuditFilter { action: Some("user.create".into()), ..Default::default() },
        &touchstone_store::list::Window { sort: "a.seq", descending: true, page: 1, per_page: 1 },
    )
    .await
    .expect("audit");
    let last = &entries.items[0];
    assert_eq!(last.actor_name, "ncx.admin");
    assert_eq!(last.os_user.as_deref(), Some("ci-operator"));
    // The county administrator cannot add staff to another county's bureau.
    let out = run(
        &t,
        &[
            "user",
            "add",
            "--as",
            "ncx.admin",
            "--username",
            "cli.other",
            "--name",
            "x",
            "--role",
            "officer",
            "--bureau",
            "JX-360112",
            "--department",
            "credit",
            "--password",
            "Cli#Officer2026",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("organisation_id"), "{}", text(&out));
    let list = run(&t, &["user", "list", "--as", "ncx.admin"]);
    assert!(text(&list).contains("cli.officer") && !text(&list).contains("xj.officer"), "{}", text(&list));
    let lock = run(&t, &["user", "lock", "cli.officer"]);
    assert!(lock.status.success(), "{}", text(&lock));
    assert!(touchstone_store::users::find_by_username(&t.app.db, "cli.officer").await.expect("q").expect("u").locked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_chart_imports_whole_or_not_at_all() {
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "\u{feff}类型,单位代码,单位名称,区划代码,上级单位代码,用户名,姓名,角色,所属单位代码,科室,执法证号,初始密码\n\
         单位,JX-360121-A,南昌县局第一分局,360121,JX-360121,,,,,,,\n\
         人员,,,,,ncx.a1,甲,监管人员,JX-360121-A,质量监督科,,Import#Pass2026\n\
         人员,,,,,ncx.a2,乙,执法人员,JX-360121-A,执法稽查,,short\n",
    )
    .expect("write");
    let out = run(&t, &["user", "import", "--as", "ncx.admin", bad.to_str().expect("path")]);
    assert!(!out.status.success());
    let report = text(&out);
    assert!(report.contains("row 4") && report.contains("officer_number") && report.contains("password"), "{report}");
    assert!(
        touchstone_store::organisations::find_by_code(&t.app.db, "JX-360121-A").await.expect("q").is_none(),
        "nothing imported"
    );
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "kind,code,name,region_code,parent_code,username,display_name,role,organisation_code,department,officer_number,password\n\
         bureau,JX-360121-A,南昌县局第一分局,360121,JX-360121,,,,,,,\n\
         user,,,,,ncx.a1,甲,officer,JX-360121-A,quality_supervision,,Import#Pass2026\n\
         user,,,,,ncx.a2,乙,inspector,JX-360121-A,enforcement,36012100099,Import#Pass2026\n",
    )
    .expect("write");
    let out = run(&t, &["user", "import", "--as", "ncx.admin", good.to_str().expect("path")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("imported 3"));
    let mut admin = t.signed_in("ncx.admin").await;
    assert_eq!(
        admin.get(&format!("/api/v1/users/{}", t.user_id("ncx.a2").await)).await.status,
        200,
        "the county sees its new staff"
    );
    let mut other = t.signed_in("xj.officer").await;
    assert_eq!(other.get(&format!("/api/v1/users/{}", t.user_id("ncx.a2").await)).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_the_demo_twice_changes_nothing_the_second_time() {
    let t = TestApp::spawn().await;
    let head = touchstone_store::audit::head(&t.app.db).await.expect("head").seq;
    let bureaus = touchstone_store::organisations::count(&t.app.db).await.expect("count");
    assert!(bureaus > 100, "Jiangxi has a bureau per city and county: {bureaus}");
    let accounts = touchstone_app::demo::seed(&t.app, &touchstone_app::Actor::system(None)).await.expect("seed");
    assert!(accounts.iter().any(|a| a.username == "ruijin.admin" && a.totp_secret.is_some()));
    assert_eq!(touchstone_store::organisations::count(&t.app.db).await.expect("count"), bureaus);
    assert_eq!(touchstone_store::audit::head(&t.app.db).await.expect("head").seq, head, "no new audit entries");
    let ruijin =
        touchstone_store::organisations::find_by_code(&t.app.db, "JX-360781").await.expect("q").expect("bureau");
    let province = t.bureau_id("JX-360000").await;
    assert_eq!(ruijin.parent_id, Some(province), "瑞金 reports directly to the province");
    let area = touchstone_store::organisations::jurisdiction(&t.app.db, t.bureau_id("JX-GJXQ").await).await.expect("q");
    assert_eq!(area, vec!["360425".to_string(), "360482".to_string()]);
}

#[test]
fn check_uscc_prints_a_line_per_code_and_fails_if_any_is_bad() {
    let ok = Command::new(touchstone_bin())
        .args(["check", "uscc", "914403001922038216", "９１５２ ０000-2144 34146ｒ"])
        .output()
        .expect("runs");
    assert!(ok.status.success(), "{}", text(&ok));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "ok 914403001922038216\nok 91520000214434146R\n");
    let mut child = Command::new(touchstone_bin())
        .args(["check", "uscc", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"914403001922038216\n91520000214434146Q\n\n").expect("write");
    }
    let out = child.wait_with_output().expect("finishes");
    assert!(!out.status.success());
    let lines = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(lines.starts_with("ok 914403001922038216\nerr 91520000214434146Q: position 18"), "{lines}");
}
