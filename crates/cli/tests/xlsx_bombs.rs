//! R-ENT-5: an XLSX zip bomb sent to the import API is refused from its zip directory with a
//! clear message naming the file field and the part that would explode, and nothing changes —
//! on every import kind. The bomb is built in the test (16 MiB of zeros, deflated to a few
//! KiB), never committed. Runs on SQLite, and on PostgreSQL when TOUCHSTONE_TEST_PG_URL is set.

use std::io::Write;

use serde_json::Value;
use touchstone_testing::{TestApp, TestClient};

/// A workbook-shaped zip whose worksheet unpacks from a few KiB to 16 MiB.
fn bomb() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).expect("entry");
    w.write_all(
        br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
    )
    .expect("write");
    w.start_file("xl/worksheets/sheet1.xml", opts).expect("entry");
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..16 {
        w.write_all(&zeros).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

async fn follow(c: &mut TestClient, id: &str) -> Value {
    for _ in 0..200 {
        let job = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if !matches!(job["job"]["status"].as_str(), Some("queued" | "validating" | "applying")) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import {id} did not finish");
}

// R-ENT-5
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_zip_bomb_is_refused_with_a_clear_message_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let body = bomb();
    assert!(body.len() < 200 * 1024, "the bomb is small: {} bytes", body.len());
    let before = c.get("/api/v1/enterprises?per_page=1").await.json()["total"].clone();
    for kind in ["enterprises", "products", "certificates"] {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/imports/{kind}?file_name=%E4%BC%81%E4%B8%9A.xlsx", t.base))
            .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
            .header("origin", t.base.clone())
            .body(body.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status().as_u16(), 202, "{kind}");
        let job: Value = res.json().await.expect("json");
        let id = job["id"].as_str().expect("id").to_string();
        let outcome = follow(&mut c, &id).await;
        assert_eq!(outcome["job"]["status"], "refused", "{kind}: {outcome}");
        let message = outcome["job"]["message"].as_str().unwrap_or("");
        assert!(
            message.contains("file") && message.contains("zip bomb") && message.contains("xl/worksheets/sheet1.xml"),
            "{kind}: {message}"
        );
        assert_eq!(outcome["job"]["file_name"], "企业.xlsx", "the job names the file");
        assert_eq!(outcome["job"]["inserted"], 0);
        let page = c.get(&format!("/imports/{id}")).await.text;
        assert!(page.contains("zip bomb") && page.contains("企业.xlsx"), "the import page says why");
    }
    assert_eq!(c.get("/api/v1/enterprises?per_page=1").await.json()["total"], before, "nothing changed");
}
