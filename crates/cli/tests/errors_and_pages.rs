//! R-NF-3 and R-I18N-1 through HTTP: bad input of any kind is a clear error naming the field
//! that changes nothing; stale writes are 409 naming who changed the record; pages answer in
//! the request's language.

use serde_json::json;
use touchstone_testing::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_the_error_envelope_and_change_nothing() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("nc.admin").await;
    let before = c.get("/api/v1/users").await.json()["total"].clone();
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/users", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(raw.status().as_u16(), 422);
    let body: serde_json::Value = raw.json().await.expect("json");
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["fields"][0]["field"], "body");
    assert!(body["error"]["request_id"].as_str().is_some_and(|s| !s.is_empty()));
    let r = c
        .post_json("/api/v1/users", json!({"username": "X", "display_name": "", "role": "boss", "password": "a"}))
        .await;
    assert_eq!(r.status, 422);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_string())
        .collect();
    for f in ["username", "display_name", "role", "password"] {
        assert!(fields.iter().any(|x| x == f), "{f} not named in {fields:?}");
    }
    assert_eq!(c.get("/api/v1/users").await.json()["total"], before, "nothing was created");
    let r = c.get("/api/v1/users?page=zero").await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "page");
    let r = c.get("/api/v1/users?sort=password_hash").await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "sort");
    let r = c.get("/api/v1/users/not-a-uuid").await;
    assert_eq!(r.status, 404);
    let r = c.get("/api/v1/nowhere").await;
    assert_eq!(r.error_code(), "not_found");
    let big = "x".repeat(2 * 1024 * 1024);
    let r = c.post_json("/api/v1/users", json!({"username": big})).await;
    assert!(r.status == 413 || r.status == 422, "oversized body: {}", r.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_write_is_a_conflict_naming_who_changed_the_record() {
    let t = TestApp::spawn().await;
    let mut a = t.signed_in("nc.admin").await;
    let id = t.user_id("nc.officer").await;
    let user = a.get(&format!("/api/v1/users/{id}")).await.json();
    let v = user["version"].as_i64().expect("version");
    let body = |name: &str, version: i64| json!({"display_name": name, "role": "officer", "department": "credit", "version": version});
    assert_eq!(a.put_json(&format!("/api/v1/users/{id}"), body("第一次修改", v)).await.status, 200);
    let r = a.put_json(&format!("/api/v1/users/{id}"), body("过时的修改", v)).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("nc.admin"), "{}", r.text);
    assert_eq!(a.get(&format!("/api/v1/users/{id}")).await.json()["display_name"], "第一次修改");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_with_a_bad_region_code_is_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let mut a = t.signed_in("nc.admin").await;
    for (code, rule) in [("36012", "invalid_region"), ("999999", "invalid_region"), ("360781", "outside_jurisdiction")]
    {
        let r = a
            .post_json(
                "/api/v1/organisations",
                json!({"code": format!("T-{code}"), "name": "测试所", "region_code": code}),
            )
            .await;
        assert_eq!(r.status, 422, "{code}: {}", r.text);
        let f = &r.json()["error"]["fields"][0];
        assert_eq!((f["field"].as_str(), f["code"].as_str()), (Some("region_code"), Some(rule)), "{code}");
    }
    let r = a
        .post_json(
            "/api/v1/organisations",
            json!({"code": "NC-LAB", "name": "南昌市局某某所", "region_code": "360102"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["jurisdiction"], json!(["360102"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_the_browser_language_and_the_language_switch() {
    let t = TestApp::spawn().await;
    let mut c = t.client();
    assert!(c.get("/login").await.text.contains("lang=\"zh-CN\""), "Chinese by default");
    c.accept_language = Some("en-GB,en;q=0.9".into());
    let page = c.get("/login").await.text;
    assert!(page.contains("lang=\"en\"") && page.contains("Sign in"));
    c.accept_language = None;
    c.sign_in(&t.app, "ncx.officer").await.expect("signed in");
    assert!(c.get("/").await.text.contains("监管人员"));
    let r = c.get("/lang/en?next=/").await;
    assert_eq!(r.status, 303);
    let home = c.get("/").await.text;
    assert!(home.contains("lang=\"en\"") && home.contains("Officer"), "the user's choice is kept");
    let me = c.get("/api/v1/me").await.json();
    assert_eq!(me["locale"], "en");
    assert_eq!(c.get("/lang/xx").await.status, 404);
    let r = c.get("/lang/zh-CN?next=//evil.example").await;
    assert_eq!(r.headers["location"], "/", "never an open redirect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_version_3_1_and_lists_the_routes() {
    let t = TestApp::spawn().await;
    let mut c = t.client();
    let doc = c.get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3.1"));
    for p in ["/api/v1/users", "/api/v1/users/{id}", "/api/v1/organisations", "/api/v1/audit", "/api/v1/auth/sign-in"] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
    assert!(c.get("/api/docs").await.text.contains("/api/v1/users"));
    assert_eq!(c.get("/healthz").await.status, 200);
    assert_eq!(c.get("/readyz").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bureau_admin_creates_an_officer_through_the_page_and_the_audit_log_records_it() {
    let t = TestApp::spawn().await;
    let mut a = t.signed_in("ncx.admin").await;
    let org = t.bureau_id("JX-360121").await.to_string();
    let r = a
        .post_form(
            "/admin/users",
            &[
                ("username", "ncx.new"),
                ("display_name", "新同事"),
                ("role", "officer"),
                ("organisation_id", &org),
                ("department", ""),
                ("officer_number", ""),
                ("password", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("field-error"));
    let r = a
        .post_form(
            "/admin/users",
            &[
                ("username", "ncx.new"),
                ("display_name", "新同事"),
                ("role", "officer"),
                ("organisation_id", &org),
                ("department", "credit"),
                ("officer_number", ""),
                ("password", "Brand#New2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let location = r.headers["location"].to_str().expect("ascii").to_string();
    assert!(a.get(&location).await.text.contains("ncx.new"));
    let entries = a.get("/api/v1/audit?action=user.create&per_page=5").await.json();
    assert!(
        entries["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["after_json"].as_str().unwrap_or("").contains("ncx.new"))
    );
    let csv = a.get("/admin/audit/export.csv?action=user.create").await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.contains("ncx.new"));
    let exports = a.get("/api/v1/audit?action=export").await.json();
    assert!(exports["total"].as_i64().unwrap_or(0) >= 1, "the export itself is audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roles_page_counts_only_the_staff_of_the_bureau_and_those_reporting_to_it() {
    let t = TestApp::spawn().await;
    let mut county = t.signed_in("ncx.officer").await;
    let page = county.get("/admin/roles").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("法制审核人员"));
    let officers_row =
        page.text.split("id=\"role-officer\"").nth(1).expect("officer row").split("</tr>").next().expect("row");
    assert!(officers_row.contains(">1</a>"), "南昌县 has one officer: {officers_row}");
    let mut province = t.signed_in("jx.officer").await;
    let page = province.get("/admin/roles").await.text;
    let officers_row =
        page.split("id=\"role-officer\"").nth(1).expect("officer row").split("</tr>").next().expect("row").to_string();
    assert!(!officers_row.contains(">1</a>"), "the province sees every officer: {officers_row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_ships_jiangxis_eleven_key_products_with_their_requirements() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.inspector").await;
    let list = c.get("/api/v1/key-products?list=jiangxi-2022").await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(11));
    assert_eq!(list[0]["name_as_listed"], "危险化学品");
    let tree = c.get("/api/v1/catalogue").await.json();
    let cable = tree.as_array().expect("tree").iter().find(|c| c["name"] == "电线电缆").expect("电线电缆").clone();
    assert_eq!((cable["licence_required"].as_bool(), cable["ccc_required"].as_bool()), (Some(true), Some(true)));
    assert_eq!(c.get("/api/v1/key-products?list=mars-2099").await.status, 404);
    let page = c.get("/catalogue").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("电动自行车充电器和电池"));
}
