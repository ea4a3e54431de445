//! Products on the enterprise file through HTTP (R-ENT-3, R-CAT-1): added and edited by
//! officers of the jurisdiction and by the enterprise's own users, validated against the
//! catalogue, unique by name and model, locked by version, audited with their history, and
//! invisible outside the jurisdiction.

use serde_json::{Value, json};
use touchstone_testing::{TestApp, TestClient};

fn code(region: &str, org: &str) -> String {
    touchstone_domain::uscc::Uscc::compose("91", region, org).expect("composes").to_string()
}

async fn register(c: &mut TestClient, org: &str, name: &str) -> String {
    let body = json!({
        "uscc": code("360121", org), "name": name, "legal_representative": "张建国", "address": "南昌县莲塘镇",
        "region_code": "360121", "scale": "small", "status": "operating", "roles": ["producer"], "categories": ["04.01"]
    });
    let r = c.post_json("/api/v1/enterprises", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_str().expect("id").to_string()
}

fn cable(model: &str) -> Value {
    json!({"category_code": "04.01", "name": "聚氯乙烯绝缘电缆", "model": model, "brand": "赣电",
           "standard": "GB/T 5023.3-2008", "annual_output": "12000 千米"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_adds_and_edits_products_on_the_file_and_another_county_sees_none_of_them() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let e = register(&mut c, "MA35K8Q1", "南昌县产品测试电缆厂").await;
    let r = c.post_json(&format!("/api/v1/enterprises/{e}/products"), cable("BV 2.5")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let p = r.json();
    let id = p["id"].as_str().expect("id").to_string();
    assert_eq!((p["status"].as_str(), p["version"].as_i64()), (Some("in_production"), Some(1)));
    assert_eq!(p["enterprise_name"], "南昌县产品测试电缆厂");
    let found = c.get("/api/v1/enterprises?q=聚氯乙烯绝缘").await.json();
    assert_eq!(found["items"][0]["name"], "南昌县产品测试电缆厂", "found by its product's name (R-ENT-3): {found}");
    let dup = c.post_json(&format!("/api/v1/enterprises/{e}/products"), cable("BV 2.5")).await;
    assert_eq!(dup.status, 422, "the same name and model twice: {}", dup.text);
    assert_eq!(dup.json()["error"]["fields"][0]["field"], "name");
    let unknown =
        c.post_json(&format!("/api/v1/enterprises/{e}/products"), json!({"category_code": "99.99", "name": "x"})).await;
    assert_eq!(unknown.json()["error"]["fields"][0]["field"], "category_code", "checked against the catalogue");
    assert_eq!(c.post_json(&format!("/api/v1/enterprises/{e}/products"), cable("BV 4")).await.status, 201);
    let file = c.get(&format!("/api/v1/enterprises/{e}")).await.json();
    assert_eq!(file["products"].as_array().map(Vec::len), Some(2), "the enterprise document lists its products");
    let listed = c.get(&format!("/api/v1/enterprises/{e}/products")).await.json();
    assert_eq!(listed[0]["model"], "BV 2.5");

    let mut edit = cable("BV 2.5");
    edit["status"] = json!("stopped");
    edit["version"] = json!(1);
    let r = c.put_json(&format!("/api/v1/products/{id}"), edit.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(c.put_json(&format!("/api/v1/products/{id}"), edit).await.status, 409, "a stale version");
    let read = c.get(&format!("/api/v1/products/{id}")).await.json();
    assert_eq!(read["history"][0]["action"], "product.update");
    assert_eq!(read["history"][0]["changes"][0]["field"], "status");
    assert_eq!(read["history"][1]["action"], "product.create");
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?entity_id={id}")).await.json();
    assert_eq!(audit["total"], 2, "each change is one audit entry: {audit}");

    let mut neighbour = t.signed_in("xj.officer").await;
    for path in
        [format!("/api/v1/products/{id}"), format!("/api/v1/enterprises/{e}/products"), format!("/products/{id}")]
    {
        let r = neighbour.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text.contains("聚氯乙烯"), "{path} leaks the product");
    }
    let r = neighbour.post_json(&format!("/api/v1/enterprises/{e}/products"), cable("BV 6")).await;
    assert_eq!(r.status, 404);
    let mut edit = cable("BV 2.5");
    edit["version"] = json!(2);
    assert_eq!(neighbour.put_json(&format!("/api/v1/products/{id}"), edit).await.status, 404);
    let mut legal = t.signed_in("nc.legal").await;
    assert_eq!(
        legal.post_json(&format!("/api/v1/enterprises/{e}/products"), cable("BV 6")).await.status,
        403,
        "reading the ledger is not editing it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_page_shows_products_and_its_forms_add_and_edit_them() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let e = register(&mut c, "MA35K8Q2", "南昌县页面测试厂").await;
    let page = c.get(&format!("/enterprises/{e}")).await;
    assert!(page.text.contains("enterprise-products") && page.text.contains("new-product"), "{}", page.text);
    assert_eq!(c.get(&format!("/enterprises/{e}/products/new")).await.status, 200);
    let bad = c
        .post_form(
            &format!("/enterprises/{e}/products"),
            &[("name", "电热水壶"), ("category_code", "x"), ("status", "in_production")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("field-error"), "the form names the field");
    let made = c
        .post_form(
            &format!("/enterprises/{e}/products"),
            &[("name", "电热水壶"), ("model", "SWF-17"), ("category_code", "04.01"), ("status", "in_production")],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.text);
    let location = made.headers["location"].to_str().expect("location").to_string();
    let shown = c.get(&location).await;
    assert!(shown.text.contains("电热水壶") && shown.text.contains("product-form"), "{}", shown.text);
    let saved = c
        .post_form(
            &location,
            &[
                ("name", "电热水壶"),
                ("model", "SWF-17"),
                ("category_code", "04.01"),
                ("status", "stopped"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert!(saved.text.contains("product-history"));
    let file = c.get(&format!("/enterprises/{e}")).await.text;
    assert!(file.contains("电热水壶") && file.contains("SWF-17"), "the file lists the product");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_user_adds_and_edits_its_own_products_and_no_one_elses() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let own = register(&mut c, "MA35K8Q3", "本企业产品测试厂").await;
    let other = register(&mut c, "MA35K8Q4", "别家产品测试厂").await;
    let theirs = c.post_json(&format!("/api/v1/enterprises/{other}/products"), cable("BV 1")).await.json();
    touchstone_app::users::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::users::NewUser {
            username: "qiye.chanpin".into(),
            display_name: "本企业质量负责人".into(),
            role: "enterprise_user".into(),
            binding_id: Some(own.parse().expect("uuid")),
            region_code: Some("360121".into()),
            password: touchstone_testing::DEMO_PASSWORD.into(),
            ..Default::default()
        },
    )
    .await
    .expect("account");
    let mut me = t.signed_in("qiye.chanpin").await;
    let r = me.post_json(&format!("/api/v1/enterprises/{own}/products"), cable("BV 2.5")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().expect("id").to_string();
    let mut edit = cable("BV 2.5");
    edit["annual_output"] = json!("15000 千米");
    edit["version"] = json!(1);
    assert_eq!(me.put_json(&format!("/api/v1/products/{id}"), edit).await.status, 200);
    assert_eq!(me.post_json(&format!("/api/v1/enterprises/{other}/products"), cable("BV 9")).await.status, 404);
    let their_id = theirs["id"].as_str().expect("id");
    assert_eq!(me.get(&format!("/api/v1/products/{their_id}")).await.status, 404);
    let history = c.get(&format!("/api/v1/products/{id}")).await.json();
    assert_eq!(history["history"][0]["actor"], "qiye.chanpin");
}
