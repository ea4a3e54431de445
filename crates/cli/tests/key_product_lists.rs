//! Key-product lists regions add to (R-CAT-2) through HTTP: a city extends the shipped Jiangxi
//! 2022 list, the counties below inherit it, other regions never see it (R-AUTH-1), changes
//! are audited and optimistically locked, bad input names its field and changes nothing.
//! Runs on SQLite, and on PostgreSQL when TOUCHSTONE_TEST_PG_URL is set.

use serde_json::{Value, json};
use touchstone_testing::{TestApp, TestClient};

fn nanchang_2022() -> Value {
    json!({
        "name": "南昌市 2022 年重点产品补充目录", "year": 2022, "campaign": "洪市监〔2022〕5号",
        "extends_list": "jiangxi-2022",
        "items": [{"category_code": "03.03", "note": "建筑防水卷材"}, {"category_code": "05.03"}]
    })
}

async fn create(c: &mut TestClient, body: Value) -> Value {
    let r = c.post_json("/api/v1/key-product-lists", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

async fn effective(c: &mut TestClient, region: &str, year: i64) -> Vec<String> {
    let r = c.get(&format!("/api/v1/key-products/effective?region_code={region}&year={year}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["categories"].as_array().expect("codes").iter().map(|c| c.as_str().unwrap_or("").to_string()).collect()
}

fn ids(lists: &Value) -> Vec<String> {
    lists.as_array().expect("lists").iter().map(|l| l["id"].as_str().unwrap_or("").to_string()).collect()
}

// R-CAT-2, R-AUTH-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nanchang_adds_two_categories_to_jiangxi_2022_and_its_counties_inherit_them() {
    let t = TestApp::spawn().await;
    let mut city = t.signed_in("nc.officer").await;
    let list = create(&mut city, nanchang_2022()).await;
    let id = list["id"].as_str().expect("id").to_string();
    assert_eq!(list["region_code"], "360100", "the bureau's own region by default");
    assert_eq!(list["editable"], true);
    assert_eq!(list["version"], 1);

    // 南昌县 and 新建区 lie below 南昌市: they read it, cannot change it, and it counts for them.
    for who in ["ncx.officer", "xj.officer"] {
        let mut county = t.signed_in(who).await;
        let lists = county.get("/api/v1/key-product-lists").await.json();
        assert!(ids(&lists).starts_with(&["jiangxi-2022".to_string(), "guizhou-2023".to_string()]), "{lists}");
        assert!(ids(&lists).contains(&id), "{who} inherits Nanchang's list");
        let mine = county.get(&format!("/api/v1/key-product-lists/{id}")).await.json();
        assert_eq!(mine["editable"], false, "{who} reads it only");
        let r =
            county.put_json(&format!("/api/v1/key-product-lists/{id}"), json!({"name": "改名", "version": 1})).await;
        assert_eq!(r.status, 403, "{who} cannot change a list of the region above: {}", r.text);
    }
    let mut county = t.signed_in("ncx.officer").await;
    let codes = effective(&mut county, "360121", 2022).await;
    assert_eq!(codes.len(), 13, "Jiangxi's 11 and Nanchang's 2: {codes:?}");
    assert!(codes.contains(&"03.03".to_string()) && codes.contains(&"05.03".to_string()));
    assert_eq!(effective(&mut county, "360121", 2023).await, Vec::<String>::new(), "no list for 2023 in Jiangxi");

    // 瑞金 reports to the province: Nanchang's list is not its business.
    let mut ruijin = t.signed_in("ruijin.officer").await;
    assert!(!ids(&ruijin.get("/api/v1/key-product-lists").await.json()).contains(&id));
    assert_eq!(ruijin.get(&format!("/api/v1/key-product-lists/{id}")).await.status, 404);
    assert_eq!(effective(&mut ruijin, "360781", 2022).await.len(), 11);
    let r = ruijin.get("/api/v1/key-products/effective?region_code=360121&year=2022").await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("region_code")));
    assert_eq!(ruijin.get(&format!("/catalogue/lists/{id}")).await.status, 404);
    assert!(!ruijin.get("/catalogue").await.text.contains(&id), "not on 瑞金's catalogue page");

    // The province reads and may change every list of its jurisdiction.
    let mut province = t.signed_in("jx.officer").await;
    let seen = province.get(&format!("/api/v1/key-product-lists/{id}")).await.json();
    assert_eq!(seen["editable"], true);

    let mut admin = t.signed_in("nc.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?action=key_product_list.create&entity_id={id}")).await.json();
    assert_eq!(audit["total"], 1, "{audit}");
}

// R-CAT-2
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_list_names_its_field_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let mut city = t.signed_in("nc.officer").await;
    let cases = [
        (
            json!({"name": "x", "year": 2022, "items": [{"category_code": "99.99"}]}),
            "items[0].category_code",
            "invalid_choice",
        ),
        (
            json!({"name": "x", "year": 2022, "extends_list": "jiangxi-2022", "items": [{"category_code": "04.01"}]}),
            "items[0].category_code",
            "already_listed",
        ),
        (json!({"name": "x", "year": 1800}), "year", "out_of_range"),
        (json!({"name": "", "year": 2022}), "name", "required"),
        (json!({"name": "x", "year": 2023, "extends_list": "jiangxi-2022"}), "extends_list", "other_year"),
        (json!({"name": "x", "year": 2023, "extends_list": "guizhou-2023"}), "extends_list", "other_region"),
        (json!({"name": "x", "year": 2022, "region_code": "360781"}), "region_code", "outside_jurisdiction"),
        (json!({"name": "x", "year": 2022, "region_code": "36ABCD"}), "region_code", "invalid_region"),
    ];
    for (body, field, code) in cases {
        let r = city.post_json("/api/v1/key-product-lists", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        let f = &r.json()["error"]["fields"][0];
        assert_eq!((f["field"].as_str(), f["code"].as_str()), (Some(field), Some(code)), "{body}: {}", r.text);
    }
    let r = city.post_json("/api/v1/key-product-lists", json!({"name": "x"})).await;
    assert_eq!(r.status, 422, "a missing year is a bad body: {}", r.text);
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert_eq!(inspector.post_json("/api/v1/key-product-lists", nanchang_2022()).await.status, 403);
    let lists = city.get("/api/v1/key-product-lists").await.json();
    assert_eq!(ids(&lists).len(), 2, "only the shipped lists: {lists}");
    let mut admin = t.signed_in("nc.admin").await;
    assert_eq!(admin.get("/api/v1/audit?action=key_product_list.create").await.json()["total"], 0);
}

// R-CAT-2, R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_are_added_and_removed_with_optimistic_locking_and_an_audit_entry_each() {
    let t = TestApp::spawn().await;
    let mut county = t.signed_in("ncx.officer").await;
    let list = create(&mut county, json!({"name": "南昌县 2024 年重点产品", "year": 2024})).await;
    let id = list["id"].as_str().expect("id").to_string();
    let items = format!("/api/v1/key-product-lists/{id}/items");
    let r = county.post_json(&items, json!({"category_code": "07.02.02", "note": "锂电池", "version": 1})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.json()["version"].as_i64(), r.json()["items"][0]["category_code"].as_str()),
        (Some(2), Some("07.02.02"))
    );
    let stale = county.post_json(&items, json!({"category_code": "04.01", "version": 1})).await;
    assert_eq!((stale.status, stale.error_code()), (409, "stale_version".to_string()), "{}", stale.text);
    let twice = county.post_json(&items, json!({"category_code": "07.02.02", "version": 2})).await;
    assert_eq!(twice.json()["error"]["fields"][0]["code"], "already_listed", "{}", twice.text);
    let unknown = county.send("DELETE", &format!("{items}/05.03?version=2"), None).await;
    assert_eq!(unknown.json()["error"]["fields"][0]["field"], "category_code", "{}", unknown.text);
    let removed = county.send("DELETE", &format!("{items}/07.02.02?version=2"), None).await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(
        (removed.json()["version"].as_i64(), removed.json()["items"].as_array().map(Vec::len)),
        (Some(3), Some(0))
    );
    let renamed = county
        .put_json(
            &format!("/api/v1/key-product-lists/{id}"),
            json!({"name": "南昌县 2024 年重点产品目录", "campaign": "春季专项", "version": 3}),
        )
        .await;
    assert_eq!((renamed.status, renamed.json()["campaign"].as_str()), (200, Some("春季专项")), "{}", renamed.text);
    let mut other = t.signed_in("xj.officer").await;
    let r = other.post_json(&items, json!({"category_code": "04.01", "version": 4})).await;
    assert_eq!(r.status, 404, "a sibling county does not even see it");
    let mut admin = t.signed_in("ncx.admin").await;
    let log = admin.get(&format!("/api/v1/audit?entity_id={id}")).await.json();
    let actions: Vec<&str> =
        log["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "key_product_list.update",
            "key_product_list.remove_item",
            "key_product_list.add_item",
            "key_product_list.create"
        ],
        "one entry per change, none for the refused ones"
    );
}

// R-CAT-2
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_page_defines_a_list_and_its_page_adds_and_removes_categories() {
    let t = TestApp::spawn().await;
    let mut city = t.signed_in("nc.officer").await;
    let bad = city
        .post_form(
            "/catalogue/lists",
            &[
                ("name", "南昌市补充目录"),
                ("year", "2022"),
                ("extends_list", "jiangxi-2022"),
                ("categories", "03.03 88.88"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("88.88") && bad.text.contains("南昌市补充目录"), "the form comes back with the error");
    let r = city
        .post_form(
            "/catalogue/lists",
            &[("name", "南昌市补充目录"), ("year", "2022"), ("extends_list", "jiangxi-2022"), ("categories", "03.03")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page_path = r.headers.get("location").and_then(|l| l.to_str().ok()).expect("location").to_string();
    let id = page_path.trim_start_matches("/catalogue/lists/").to_string();
    let page = city.get(&page_path).await;
    assert!(page.text.contains("建筑防水卷材") && page.text.contains("key-item-form"), "{}", page.text);
    let r = city
        .post_form(&format!("{page_path}/items"), &[("category_code", "05.03"), ("note", "实木家具"), ("version", "1")])
        .await;
    assert_eq!(r.status, 303);
    let r = city.post_form(&format!("{page_path}/items/remove"), &[("category_code", "03.03"), ("version", "1")]).await;
    assert_eq!(r.status, 409, "a stale form is refused and shown again");
    let r = city.post_form(&format!("{page_path}/items/remove"), &[("category_code", "03.03"), ("version", "2")]).await;
    assert_eq!(r.status, 303);
    let list = city.get(&format!("/api/v1/key-product-lists/{id}")).await.json();
    assert_eq!(list["items"], json!([{"category_code": "05.03", "note": "实木家具"}]));
    let catalogue = city.get("/catalogue").await.text;
    assert!(catalogue.contains("南昌市补充目录") && catalogue.contains("key-list-form"));
    let mut county = t.signed_in("ncx.officer").await;
    let inherited = county.get(&page_path).await.text;
    assert!(inherited.contains("家具") && !inherited.contains("key-item-form"), "read only below");
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert!(!inspector.get("/catalogue").await.text.contains("key-list-form"), "inspectors do not define lists");
}
