//! Bulk imports of products and certificates (R-ENT-5, R-CAT-1, R-CERT-1): GBK CSV and XLSX
//! with Chinese headers, upsert by their keys, per-row errors, a second run that changes
//! nothing and says so, strict refusal, holders outside the jurisdiction refused, and the
//! error report as an XLSX workbook that opens.

use std::io::Cursor;

use calamine::Reader;
use serde_json::Value;
use touchstone_testing::process::{output_text, run_cli};
use touchstone_testing::{TestApp, TestClient};

fn code(region: &str, org: &str) -> String {
    touchstone_domain::uscc::Uscc::compose("91", region, org).expect("composes").to_string()
}

/// Registers an enterprise as the system account; its id.
async fn enterprise(t: &TestApp, region: &str, org: &str, name: &str) -> String {
    let e = touchstone_app::enterprises::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::enterprises::EnterpriseInput {
            uscc: code(region, org),
            name: name.into(),
            legal_representative: "王五".into(),
            address: "某地".into(),
            region_code: region.into(),
            scale: "small".into(),
            status: "operating".into(),
            roles: vec!["producer".into()],
            ..Default::default()
        },
    )
    .await
    .expect("registered");
    e.enterprise.id.to_string()
}

/// `touchstone import KIND FILE --as ncx.officer …` with extra arguments.
async fn cli_import(t: &TestApp, kind: &str, file: &std::path::Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "import",
        kind,
        "--as",
        "ncx.officer",
        "--db",
        &t.db_url,
        "--data",
        t.data_dir.to_str().expect("path"),
        file.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    let out = run_cli(&args).await;
    (out.status.success(), output_text(&out))
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    wb.save_to_buffer().expect("workbook")
}

/// Sends a file to the import API and follows the job to its end.
async fn api_import(t: &TestApp, c: &mut TestClient, kind: &str, name: &str, body: Vec<u8>, strict: bool) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/imports/{kind}?file_name={name}&strict={strict}", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("origin", t.base.clone())
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 202);
    let job: Value = res.json().await.expect("json");
    let id = job["id"].as_str().expect("id").to_string();
    for _ in 0..200 {
        let outcome = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if !matches!(outcome["job"]["status"].as_str(), Some("queued" | "validating" | "applying")) {
            return outcome;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import {id} did not finish");
}

/// The rows of the first sheet of a workbook, as text.
fn workbook_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).expect("the report opens as a workbook");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("sheet");
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

const PRODUCTS: &str = "统一社会信用代码,产品名称,规格型号,产品类别,品牌,执行标准,年产量,生产状态";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gbk_product_file_imports_its_good_rows_reports_the_bad_ones_and_a_second_run_changes_nothing() {
    let t = TestApp::spawn().await;
    let e = enterprise(&t, "360121", "MA35K9A1", "南昌县导入电缆厂").await;
    enterprise(&t, "360112", "MA35K9A2", "新建区外县电缆厂").await;
    let (mine, outside) = (code("360121", "MA35K9A1"), code("360112", "MA35K9A2"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("产品.csv");
    let rows = [
        format!("{mine},聚氯乙烯绝缘电缆,BV 2.5,04.01,赣电,GB/T 5023.3-2008,12000千米,在产"),
        format!("{mine},聚氯乙烯绝缘电缆,BV 4,04.01,赣电,GB/T 5023.3-2008,,在产"),
        format!("{mine},聚氯乙烯绝缘电缆,BV 2.5,04.01,,,,在产"),
        format!("{mine},不明产品,,99.99,,,,在产"),
        format!("{outside},外县电缆,BV 1,04.01,,,,在产"),
        "91360121MA35K9A3XX,坏代码电缆,,04.01,,,,在产".to_string(),
    ];
    std::fs::write(&file, gbk(&format!("{PRODUCTS}\n{}\n", rows.join("\n")))).expect("write");
    let errors = dir.path().join("errors.csv");
    let (ok, out) = cli_import(&t, "products", &file, &["--errors", errors.to_str().expect("path")]).await;
    assert!(ok, "{out}");
    assert!(out.contains("2 inserted, 0 updated, 0 unchanged, 4 rows with errors"), "{out}");
    let report = std::fs::read_to_string(&errors).expect("report");
    assert!(report.contains("4,name") && report.contains("row 2"), "a repeated key names the first row: {report}");
    assert!(report.contains("5,category_code"), "{report}");
    assert!(report.contains("6,uscc") && report.contains("jurisdiction"), "outside the jurisdiction: {report}");
    assert!(report.contains("7,uscc"), "{report}");
    let mut c = t.signed_in("ncx.officer").await;
    let products = c.get(&format!("/api/v1/enterprises/{e}/products")).await.json();
    assert_eq!(products.as_array().map(Vec::len), Some(2));
    assert_eq!(products[0]["standard"], "GB/T 5023.3-2008");

    let (_, again) = cli_import(&t, "products", &file, &[]).await;
    assert!(again.contains("nothing changed"), "{again}");
    std::fs::write(
        &file,
        gbk(&format!("{PRODUCTS}\n{mine},聚氯乙烯绝缘电缆,BV 4,04.01,赣电,GB/T 5023.3-2008,,停产\n")),
    )
    .expect("write");
    let (_, changed) = cli_import(&t, "products", &file, &[]).await;
    assert!(changed.contains("0 inserted, 1 updated"), "{changed}");
    let products = c.get(&format!("/api/v1/enterprises/{e}/products")).await.json();
    let id = products[1]["id"].as_str().expect("id");
    let read = c.get(&format!("/api/v1/products/{id}")).await.json();
    assert_eq!(read["status"], "stopped");
    assert_eq!(read["history"][0]["action"], "product.import");
    assert_eq!(read["history"][0]["changes"][0]["field"], "status");
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get("/api/v1/audit?action=import.products").await.json();
    assert_eq!(audit["total"], 3, "one audit entry per import, not per row");
    // ADR 0016: written without SQLite's foreign-key checks, every reference names its row.
    assert_eq!(touchstone_testing::dangling_references(&t.app).await, Vec::<String>::new());
}

const CERTIFICATES: [&str; 8] =
    ["统一社会信用代码", "证书编号", "证书类型", "发证机关", "产品类别", "发证日期", "有效期至", "证书状态"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_certificate_file_upserts_by_number_refuses_other_holders_and_its_error_report_opens_as_xlsx() {
    let t = TestApp::spawn().await;
    let e = enterprise(&t, "360121", "MA35K9B1", "南昌县证书导入厂").await;
    let other = enterprise(&t, "360121", "MA35K9B2", "南昌县别家厂").await;
    enterprise(&t, "360112", "MA35K9B3", "新建区证书外县厂").await;
    touchstone_app::certificates::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::certificates::CertificateInput {
            number: "XK06-001-09999".into(),
            kind: "production_licence".into(),
            holder_id: other.parse().expect("uuid"),
            issuer_name: "江西省市场监督管理局".into(),
            scope: vec!["04.01".into()],
            issued_on: "2024-01-01".into(),
            expires_on: "2029-01-01".into(),
            ..Default::default()
        },
    )
    .await
    .expect("certificate");
    let (mine, outside) = (code("360121", "MA35K9B1"), code("360112", "MA35K9B3"));
    let good = |number: &'static str, kind: &'static str, status: &'static str| {
        vec![mine.as_str(), number, kind, "江西省市场监督管理局", "04.01", "2024/1/2", "2029年1月1日", status]
    };
    let mut rows = vec![CERTIFICATES.to_vec()];
    rows.push(good("XK06-001-00001", "工业产品生产许可证", "有效"));
    rows.push(good("2024010101000001", "CCC", ""));
    rows.push(good("XK06-001-09999", "生产许可证", "有效"));
    rows.push(vec![
        outside.as_str(),
        "XK06-001-00002",
        "生产许可证",
        "江西省市场监督管理局",
        "04.01",
        "2024-01-02",
        "2029-01-01",
        "",
    ]);
    rows.push(good("XK06-001-00003", "驾驶证", ""));
    rows.push(vec![
        mine.as_str(),
        "XK06-001-00004",
        "生产许可证",
        "江西省市场监督管理局",
        "04.01",
        "2024-01-02",
        "2023-01-01",
        "",
    ]);
    let mut c = t.signed_in("ncx.officer").await;
    let outcome = api_import(&t, &mut c, "certificates", "证书.xlsx", xlsx(&rows), false).await;
    assert_eq!(outcome["job"]["status"], "done", "{outcome}");
    assert_eq!((outcome["job"]["inserted"].as_i64(), outcome["job"]["error_rows"].as_i64()), (Some(2), Some(4)));
    let fields: Vec<(i64, &str)> = outcome["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["row_number"].as_i64().unwrap_or(0), e["field"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(fields, vec![(4, "number"), (5, "uscc"), (6, "kind"), (7, "expires_on")]);
    let held = c.get(&format!("/api/v1/certificates?holder_id={e}")).await.json();
    assert_eq!(held["total"], 2);
    let id = outcome["job"]["id"].as_str().expect("id").to_string();
    for path in [format!("/api/v1/imports/{id}/errors.xlsx"), format!("/imports/{id}/errors.xlsx")] {
        let res = reqwest::Client::new()
            .get(format!("{}{path}", t.base))
            .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let sheet = workbook_rows(res.bytes().await.expect("bytes").to_vec());
        assert_eq!(sheet[0], vec!["row", "field", "value", "reason"]);
        assert_eq!(
            (sheet[1][0].as_str(), sheet[1][1].as_str(), sheet[1][2].as_str()),
            ("4", "number", "XK06-001-09999")
        );
        assert_eq!(sheet.len(), 5, "{path}: the header and four errors");
    }

    let again = api_import(&t, &mut c, "certificates", "证书.xlsx", xlsx(&rows), false).await;
    assert!(again["job"]["message"].as_str().unwrap_or("").contains("nothing changed"), "{again}");
    assert_eq!(again["job"]["unchanged"], 2);
    let suspend = vec![CERTIFICATES.to_vec(), good("XK06-001-00001", "生产许可证", "暂停")];
    let changed = api_import(&t, &mut c, "certificates", "暂停.xlsx", xlsx(&suspend), false).await;
    assert_eq!(changed["job"]["updated"], 1, "{changed}");
    let list = c.get("/api/v1/certificates?q=XK06-001-00001").await.json();
    let cert = c.get(&format!("/api/v1/certificates/{}", list["items"][0]["id"].as_str().expect("id"))).await.json();
    assert_eq!(cert["status"], "suspended");
    assert_eq!(
        (cert["history"][0]["to_status"].as_str(), cert["history"][0]["reason"].as_str()),
        (Some("suspended"), Some("imported"))
    );
    assert_eq!(touchstone_testing::dangling_references(&t.app).await, Vec::<String>::new(), "ADR 0016");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_mode_refuses_gbk_certificates_and_xlsx_products_with_one_bad_row_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let e = enterprise(&t, "360121", "MA35K9C1", "南昌县严格模式厂").await;
    let mine = code("360121", "MA35K9C1");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("证书.csv");
    let text = format!(
        "{}\n{mine},XK06-001-00011,生产许可证,江西省市场监督管理局,04.01,2024-01-02,2029-01-01,有效\n\
         {mine},XK06-001-00012,生产许可证,江西省市场监督管理局,04.01,2024-01-02,明年,有效\n",
        CERTIFICATES.join(",")
    );
    std::fs::write(&file, gbk(&text)).expect("write");
    let (ok, out) = cli_import(&t, "certificates", &file, &["--strict"]).await;
    assert!(!ok, "a refused import fails: {out}");
    assert!(out.contains("nothing was imported") && out.contains("row 3: expires_on"), "{out}");
    let mut c = t.signed_in("ncx.officer").await;
    assert_eq!(c.get(&format!("/api/v1/certificates?holder_id={e}")).await.json()["total"], 0);
    let (ok, out) = cli_import(&t, "certificates", &file, &[]).await;
    assert!(ok && out.contains("1 inserted"), "without --strict the good row goes in: {out}");

    let header: Vec<&str> = PRODUCTS.split(',').collect();
    let rows = vec![
        header,
        vec![mine.as_str(), "电热水壶", "SWF-17", "04.01", "", "", "", "在产"],
        vec![mine.as_str(), "电热水壶", "SWF-18", "04.01", "", "", "", "卖完了"],
    ];
    let outcome = api_import(&t, &mut c, "products", "产品.xlsx", xlsx(&rows), true).await;
    assert_eq!(outcome["job"]["status"], "refused", "{outcome}");
    assert_eq!(outcome["errors"][0]["field"], "status");
    assert_eq!(c.get(&format!("/api/v1/enterprises/{e}/products")).await.json().as_array().map(Vec::len), Some(0));
    let ok = api_import(&t, &mut c, "products", "产品.xlsx", xlsx(&rows[..2]), true).await;
    assert_eq!(ok["job"]["inserted"], 1, "{ok}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_page_lets_the_user_choose_what_the_file_holds() {
    let t = TestApp::spawn().await;
    let e = enterprise(&t, "360121", "MA35K9D1", "南昌县页面导入厂").await;
    let mut c = t.signed_in("ncx.officer").await;
    let page = c.get("/imports").await.text;
    assert!(page.contains("name=\"kind\"") && page.contains("value=\"certificates\""), "{page}");
    let csv = format!("{PRODUCTS}\n{},电热水壶,SWF-17,04.01,,,,在产\n", code("360121", "MA35K9D1"));
    let boundary = "touchstone-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nproducts\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"products.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n\
         --{boundary}--\r\n"
    );
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/imports", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("origin", t.base.clone())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 303);
    let job = res.headers()["location"].to_str().expect("location").to_string();
    let mut shown = String::new();
    for _ in 0..100 {
        shown = c.get(&job).await.text;
        if shown.contains("data-status=\"done\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown.contains("data-status=\"done\"") && shown.contains("job-kind"), "{shown}");
    let products = c.get(&format!("/api/v1/enterprises/{e}/products")).await.json();
    assert_eq!(products[0]["name"], "电热水壶");
}
