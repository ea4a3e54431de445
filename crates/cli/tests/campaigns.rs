//! Special campaigns through HTTP (R-CAMP-1, R-CAMP-2): launched from the seeds' templates
//! or by hand, published downward to the regions under them and to nobody else, with their
//! stages, progress per region and supervision actions on a region.

use serde_json::json;
use touchstone_testing::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_launches_the_jiangxi_template_for_a_year_and_every_county_under_it_reads_it_r_camp_1() {
    let t = TestApp::spawn().await;
    let mut province = t.signed_in("jx.officer").await;
    let r =
        province.post_json("/api/v1/campaigns/from-template", json!({"template": "jiangxi-2022", "year": 2026})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = r.json();
    let id = c["id"].as_str().expect("id").to_string();
    assert_eq!(c["number"], "ZX-360000-2026-01");
    assert_eq!(c["region_code"], "360000");
    assert_eq!(c["key_products"].as_str().map(|k| k.split_whitespace().count()), Some(11), "seed 004's 11 products");
    let due: Vec<(&str, &str)> = c["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .filter_map(|m| Some((m["kind"].as_str()?, m["due_on"].as_str()?)))
        .collect();
    for stage in [
        ("self_inspection", "2026-04-30"),
        ("full_coverage_inspection", "2026-06-30"),
        ("concentrated_rectification", "2026-07-31"),
        ("completion", "2026-10-31"),
        ("annual_summary", "2026-11-10"),
    ] {
        assert!(due.contains(&stage), "{stage:?} in {due:?}");
    }
    assert!(
        c["milestones"].as_array().expect("m").iter().any(|m| m["kind"] == "weekly_report" && m["due_on"].is_null())
    );
    assert_eq!(c["editable"], true);
    assert_eq!(c["progress"].as_array().map(Vec::len), Some(11), "a line per city of Jiangxi");

    // Published downward: a county reads it (its own line only) but cannot change it.
    let mut county = t.signed_in("ncx.officer").await;
    let seen = county.get(&format!("/api/v1/campaigns/{id}")).await.json();
    assert_eq!(seen["editable"], false, "{seen}");
    assert_eq!(seen["progress"][0]["region_code"], "360121");
    assert_eq!(county.get("/api/v1/campaigns").await.json()["total"], 1);
    let r = county
        .post_json(
            &format!("/api/v1/campaigns/{id}/actions"),
            json!({"region_code": "360121", "kind": "reminder", "note": "x"}),
        )
        .await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "own_region", "actions are taken on regions below: {}", r.text);
    let r =
        province.post_json("/api/v1/campaigns/from-template", json!({"template": "hunan-2022", "year": 2026})).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "template");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_campaign_is_invisible_to_the_neighbouring_county_and_its_bad_input_names_each_field_r_auth_1() {
    let t = TestApp::spawn().await;
    let mut county = t.signed_in("ncx.officer").await;
    let r = county
        .post_json("/api/v1/campaigns", json!({"name": "", "region_code": "360000", "starts_on": "2026-05-01",
            "ends_on": "2026-04-01", "key_products": ["99.99"], "milestones": [{"kind": "party", "name": "x", "due_on": "2026-06-01"}]}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let body = r.json();
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    for f in ["name", "region_code", "ends_on", "key_products", "milestones[0].kind"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let r = county
        .post_json("/api/v1/campaigns", json!({"name": "南昌县电线电缆质量安全专项整治", "region_code": "360121",
            "starts_on": "2026-05-01", "ends_on": "2026-09-30", "key_products": ["04.01"],
            "key_problems": "导体电阻不合格", "milestones": [{"kind": "full_coverage_inspection", "name": "全覆盖检查", "due_on": "2026-06-30"}]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().expect("id").to_string();
    let mut neighbour = t.signed_in("xj.officer").await;
    assert_eq!(neighbour.get(&format!("/api/v1/campaigns/{id}")).await.status, 404);
    assert_eq!(neighbour.get("/api/v1/campaigns").await.json()["total"], 0);

    // The city above records listed supervision on the county; the county's bureau is told.
    let mut city = t.signed_in("nc.officer").await;
    let r = city
        .post_json(
            &format!("/api/v1/campaigns/{id}/actions"),
            json!({"region_code": "360121", "kind": "listed_supervision",
            "note": "隐患整改进度滞后，挂牌督办", "document_number": "洪市监质〔2026〕8号"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bad = city
        .post_json(
            &format!("/api/v1/campaigns/{id}/actions"),
            json!({"region_code": "360112", "kind": "praise", "note": ""}),
        )
        .await;
    let body = bad.json();
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, vec!["region_code", "kind", "note"], "{body}");
    let seen = county.get(&format!("/api/v1/campaigns/{id}")).await.json();
    assert_eq!(seen["actions"][0]["kind"], "listed_supervision");
    let inbox = county.get("/api/v1/notifications").await.json();
    assert!(inbox["items"].as_array().expect("items").iter().any(|n| n["kind"] == "campaign_action"), "{inbox}");
}
