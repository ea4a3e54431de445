//! Certificates through HTTP (R-CERT-1, R-CERT-2, R-CERT-4): registration, legal status
//! changes with history, the consistency flags, the number check, automatic expiry.

use std::sync::Arc;

use serde_json::{Value, json};
use touchstone_domain::time::{Clock, ManualClock, SystemClock};
use touchstone_testing::{TestApp, TestClient};

fn uscc(org: &str) -> String {
    touchstone_domain::uscc::Uscc::compose("91", "360121", org).expect("composes").to_string()
}

async fn cable_maker(c: &mut TestClient, org: &str) -> Value {
    let r = c
        .post_json(
            "/api/v1/enterprises",
            json!({"uscc": uscc(org), "name": format!("南昌县{org}电缆厂"), "legal_representative": "张三", "address": "南昌县",
                   "region_code": "360121", "scale": "small", "status": "operating", "roles": ["producer"], "categories": ["04.01"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn codes(flags: &Value) -> Vec<String> {
    flags.as_array().expect("flags").iter().map(|f| f["code"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_without_its_required_certificates_is_flagged_until_they_are_registered() {
    let t = TestApp::spawn().await;
    let mut admin = t.signed_in("nc.admin").await;
    let body = admin
        .post_json("/api/v1/certification-bodies", json!({"name": "中国质量认证中心", "approval_number": "CNCA-R-2002-001", "region_code": "110000", "scope": ["05"]}))
        .await;
    assert_eq!(body.status, 201, "{}", body.text);
    let body_id = body.json()["id"].as_str().expect("id").to_string();
    let mut c = t.signed_in("ncx.officer").await;
    let e = cable_maker(&mut c, "MA35K8Q0").await;
    let id = e["id"].as_str().expect("id").to_string();
    assert_eq!(codes(&e["flags"]), vec!["missing_production_licence", "missing_ccc"]);
    let licence = c
        .post_json(
            "/api/v1/certificates",
            json!({"number": "XK06-001-00123", "kind": "production_licence", "holder_id": id, "issuer_name": "江西省市场监督管理局",
                   "scope": ["04.01"], "issued_on": "2024-01-10", "expires_on": "2029-01-09"}),
        )
        .await;
    assert_eq!(licence.status, 201, "{}", licence.text);
    let ccc = c
        .post_json(
            "/api/v1/certificates",
            json!({"number": "2024010105123456", "kind": "ccc", "holder_id": id, "issuer_body_id": body_id,
                   "scope": ["04.01"], "issued_on": "2024-03-01", "expires_on": "2029-02-28"}),
        )
        .await;
    assert_eq!(ccc.status, 201, "{}", ccc.text);
    assert_eq!(codes(&ccc.json()["flags"]), vec!["outside_body_scope"], "the body is approved for 05 only");
    let file = c.get(&format!("/api/v1/enterprises/{id}")).await.json();
    assert!(!codes(&file["flags"]).iter().any(|f| f.starts_with("missing_")), "{}", file["flags"]);
    let page = c.get(&format!("/enterprises/{id}")).await.text;
    assert!(page.contains("XK06-001-00123") && page.contains("认证机构超出批准范围发证"));
    let r = c.post_json("/api/v1/certificates", json!({"number": "XK06-001-00123", "kind": "ccc", "holder_id": id, "issuer_name": "x", "scope": ["04.01"], "issued_on": "2024-03-01", "expires_on": "2023-02-28"})).await;
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(fields.contains(&"number".to_string()) && fields.contains(&"expires_on".to_string()), "{fields:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_moves_only_through_legal_statuses_and_keeps_every_change() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let e = cable_maker(&mut c, "MA35K8Q1").await;
    let cert = c
        .post_json(
            "/api/v1/certificates",
            json!({"number": "XK06-001-00999", "kind": "production_licence", "holder_id": e["id"], "issuer_name": "江西省市场监督管理局",
                   "scope": ["04.01"], "issued_on": "2024-01-10", "expires_on": "2029-01-09"}),
        )
        .await
        .json();
    let id = cert["id"].as_str().expect("id").to_string();
    let step = |status: &str, version: i64| json!({"status": status, "reason": "监督检查发现问题", "effective_on": "2026-11-01", "version": version});
    let r = c.post_json(&format!("/api/v1/certificates/{id}/status"), step("suspended", 1)).await;
    assert_eq!(r.json()["status"], "suspended", "{}", r.text);
    let r = c.post_json(&format!("/api/v1/certificates/{id}/status"), step("valid", 2)).await;
    assert_eq!(r.json()["status"], "valid");
    let r = c.post_json(&format!("/api/v1/certificates/{id}/status"), step("revoked", 3)).await;
    assert_eq!(r.json()["status"], "revoked");
    let r = c.post_json(&format!("/api/v1/certificates/{id}/status"), step("valid", 4)).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "illegal_transition");
    let r = c.post_json(&format!("/api/v1/certificates/{id}/status"), step("suspended", 1)).await;
    assert!(r.status == 409 || r.status == 422, "a stale or illegal change is refused: {}", r.text);
    let history = c.get(&format!("/api/v1/certificates/{id}")).await.json()["history"].clone();
    let to: Vec<&str> = history.as_array().expect("history").iter().filter_map(|h| h["to_status"].as_str()).collect();
    assert_eq!(to, vec!["revoked", "valid", "suspended", "valid"]);
    assert_eq!(history[0]["changed_by"], "ncx.officer");
    assert_eq!(history[0]["reason"], "监督检查发现问题");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_number_is_checked_against_its_real_holder() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let a = cable_maker(&mut c, "MA35K8Q2").await;
    cable_maker(&mut c, "MA35K8Q3").await;
    c.post_json(
        "/api/v1/certificates",
        json!({"number": "XK06-001-07777", "kind": "production_licence", "holder_id": a["id"], "issuer_name": "江西省市场监督管理局",
               "scope": ["04.01"], "issued_on": "2024-01-10", "expires_on": "2029-01-09"}),
    )
    .await;
    let check = |n: &str, u: String| format!("/api/v1/certificates/check?number={n}&uscc={u}");
    assert_eq!(c.get(&check("XK06-001-07777", uscc("MA35K8Q2"))).await.json()["result"], "ok");
    assert_eq!(c.get(&check("XK06-001-07777", uscc("MA35K8Q3"))).await.json()["result"], "other_holder");
    assert_eq!(c.get(&check("XK06-001-00000", uscc("MA35K8Q3"))).await.json()["result"], "not_found");
    assert_eq!(c.get(&check("XK06-001-07777", "123".into())).await.json()["error"]["fields"][0]["field"], "uscc");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_sweep_expires_certificates_past_their_date_and_lists_those_expiring_soon() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let mut c = t.signed_in("ncx.officer").await;
    let e = cable_maker(&mut c, "MA35K8Q4").await;
    let in_60_days = clock.now().plus_seconds(60 * 86_400).china_date();
    let cert = c
        .post_json(
            "/api/v1/certificates",
            json!({"number": "XK06-001-05555", "kind": "production_licence", "holder_id": e["id"], "issuer_name": "江西省市场监督管理局",
                   "scope": ["04.01"], "issued_on": "2021-01-10", "expires_on": in_60_days}),
        )
        .await
        .json();
    assert_eq!(codes(&cert["flags"]), vec!["expiring_soon"]);
    let soon = c.get("/api/v1/certificates?expiring=true").await.json();
    assert_eq!(soon["total"], 1);
    clock.advance_seconds(61 * 86_400);
    let expired = touchstone_app::certificates::expire_due(&t.app).await.expect("sweep");
    assert_eq!(expired, 1);
    let mut c = t.signed_in("ncx.officer").await; // two months idle ended the old session
    let after = c.get(&format!("/api/v1/certificates/{}", cert["id"].as_str().expect("id"))).await.json();
    assert_eq!(after["status"], "expired");
    assert_eq!(after["history"][0]["changed_by"], "system");
    assert_eq!(touchstone_app::certificates::expire_due(&t.app).await.expect("sweep"), 0, "idempotent");
    let file = c.get(&format!("/api/v1/enterprises/{}", e["id"].as_str().expect("id"))).await.json();
    assert!(codes(&file["flags"]).contains(&"missing_production_licence".to_string()));
}
