//! Self-inspections and on-site inspections through HTTP (R-SELF-1, R-SELF-2, R-INSP-1,
//! R-INSP-3): the enterprise fills its checklist, drafts kept, failed items becoming hazards
//! with its plan and a major risk notifying the bureau; plans of every kind with their rules;
//! inspection records needing two officers, drafts re-sent by a phone landing once, findings
//! going to the ledger (corrected on the spot ones closed at once).

use serde_json::{Value, json};
use touchstone_testing::{TestApp, TestClient};

async fn campaign(t: &TestApp) -> String {
    let mut province = t.signed_in("jx.officer").await;
    let r =
        province.post_json("/api/v1/campaigns/from-template", json!({"template": "jiangxi-2022", "year": 2026})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_str().expect("id").to_string()
}

fn codes(view: &Value) -> Vec<String> {
    view["lines"].as_array().expect("lines").iter().filter_map(|l| l["code"].as_str().map(String::from)).collect()
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["field"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_fills_its_checklist_in_drafts_and_each_failed_item_becomes_a_hazard_with_its_plan_r_self_2() {
    let t = TestApp::spawn().await;
    let campaign = campaign(&t).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35QC01", "自查测试电缆厂").await;

    // Officers do not fill an enterprise's self-inspection.
    let r = officer.post_json("/api/v1/self-inspections", json!({"campaign_id": campaign})).await;
    assert_eq!(r.status, 403, "{}", r.text);

    let r = own.post_json("/api/v1/self-inspections", json!({"campaign_id": campaign})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let draft = r.json();
    let id = draft["id"].as_str().expect("id").to_string();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["enterprise_types"], "other", "no certificate held: the 'other' focus");
    let items = codes(&draft);
    assert!(items.iter().any(|c| c.starts_with("GN-")), "general items apply to everyone: {items:?}");
    // Starting again returns the same draft.
    let again = own.post_json("/api/v1/self-inspections", json!({"campaign_id": campaign})).await.json();
    assert_eq!(again["id"], draft["id"]);

    // A draft keeps partial answers; a bad answer names its place and saves nothing.
    let first = &items[0];
    let r = own
        .put_json(
            &format!("/api/v1/self-inspections/{id}"),
            json!({"answers": [{"item": first, "result": "maybe"}, {"item": "ZZ-99", "result": "pass"}], "version": 1}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(fields(&r.json()), vec!["answers[0].result", "answers[1].item"]);
    let r = own
        .put_json(
            &format!("/api/v1/self-inspections/{id}"),
            json!({"answers": [{"item": first, "result": "pass"}], "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let saved = r.json();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["lines"][0]["answer"]["result"], "pass");

    // Submitting needs every item, and a plan for each failure.
    let mut answers: Vec<Value> = items.iter().map(|c| json!({"item": c, "result": "pass"})).collect();
    answers[1] = json!({"item": items[1], "result": "fail", "note": "整改记录不全"});
    let r = own
        .put_json(&format!("/api/v1/self-inspections/{id}"), json!({"answers": answers, "submit": true, "version": 2}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let missing = fields(&r.json());
    assert!(
        missing.contains(&"answers[1].plan".to_string()) && missing.contains(&"responsible_person".to_string()),
        "{missing:?}"
    );
    answers[1]["plan"] = json!("补齐整改记录，建立台账");
    let r = own
        .put_json(
            &format!("/api/v1/self-inspections/{id}"),
            json!({"answers": answers, "submit": true, "responsible_person": "钱进",
                   "major_risk": "原材料供应商无法提供铜导体检验报告", "version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = r.json();
    assert_eq!(done["status"], "submitted");
    let hazards = done["hazards"].as_array().expect("hazards");
    assert_eq!(hazards.len(), 2, "the failed item and the reported major risk: {done}");
    let planned = hazards.iter().find(|h| h["level"] == "general").expect("general hazard");
    assert_eq!((planned["status"].as_str(), planned["source"].as_str()), (Some("rectifying"), Some("self_inspection")));
    assert_eq!(planned["plan"], "补齐整改记录，建立台账");
    assert_eq!(planned["campaign_id"].as_str(), Some(campaign.as_str()));
    let basis = planned["legal_basis"].as_str().expect("legal basis");
    assert!(
        basis.starts_with('《') || basis.contains('〔'),
        "the failed item's legal basis goes with its hazard: {basis}"
    );
    let major = hazards.iter().find(|h| h["level"] == "major").expect("major hazard");
    assert_eq!(major["status"], "open");
    assert_eq!(major["legal_basis"], "", "a reported risk cites no item");

    // The bureau sees the major risk at once and is notified; a submitted one is final.
    let risky = officer.get("/api/v1/self-inspections?major_risk=true").await.json();
    assert_eq!(risky["total"], 1, "{risky}");
    let inbox = officer.get("/api/v1/notifications").await.json();
    assert!(inbox["items"].as_array().expect("items").iter().any(|n| n["kind"] == "major_risk"), "{inbox}");
    let r = own.put_json(&format!("/api/v1/self-inspections/{id}"), json!({"answers": answers, "version": 3})).await;
    assert_eq!((r.status, r.error_code()), (409, "already_submitted".to_string()));

    // Every change is audited; another county sees nothing.
    let mut admin = t.signed_in("ncx.admin").await;
    assert_eq!(admin.get(&format!("/api/v1/audit?entity_id={id}")).await.json()["total"], 3);
    let mut neighbour = t.signed_in("xj.officer").await;
    assert_eq!(neighbour.get(&format!("/api/v1/self-inspections/{id}")).await.status, 404);
    assert_eq!(neighbour.get("/api/v1/self-inspections").await.json()["total"], 0);
    let _ = e;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_states_its_kind_and_targets_and_its_rules_are_checked_r_insp_1() {
    let t = TestApp::spawn().await;
    let campaign = campaign(&t).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35JC01", "计划测试电缆厂").await;
    let base = json!({"name": "2026年电线电缆专项检查", "kind": "special", "region_code": "360121",
                      "campaign_id": campaign, "targets": [e], "starts_on": "2026-05-01", "ends_on": "2026-06-30"});
    let r = officer.post_json("/api/v1/inspection-plans", base.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let plan = r.json();
    assert!(plan["number"].as_str().expect("number").starts_with("JC-360121-2026-"), "{plan}");
    assert_eq!(plan["targets"][0]["enterprise_id"].as_str(), Some(e.as_str()));
    assert!(plan["targets"][0]["inspection_id"].is_null());

    let mut joint = base.clone();
    joint["kind"] = json!("joint");
    joint["ends_on"] = json!("2026-04-01");
    let r = officer.post_json("/api/v1/inspection-plans", joint).await;
    assert_eq!(r.status, 422);
    assert_eq!(fields(&r.json()), vec!["ends_on", "departments"]);
    let mut cross = base.clone();
    cross["kind"] = json!("cross_region");
    let r = officer.post_json("/api/v1/inspection-plans", cross).await;
    assert_eq!(fields(&r.json()), vec!["region_code"], "a county has no regions under it to cross");
    // Full coverage lists the campaign's target enterprises of the region (METHODS §2): the
    // producer of a key product just registered among them.
    let mut full = base.clone();
    full["full_coverage"] = json!(true);
    full["targets"] = json!([]);
    let r = officer.post_json("/api/v1/inspection-plans", full).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let full = r.json();
    let listed: Vec<&str> =
        full["targets"].as_array().expect("targets").iter().filter_map(|t| t["enterprise_id"].as_str()).collect();
    assert!(listed.contains(&e.as_str()), "{full}");
    assert_eq!(full["targets_total"].as_u64(), Some(listed.len() as u64), "{full}");
    assert!(full["targets"].as_array().expect("targets").iter().all(|t| t["region_code"] == "360121"), "{full}");
    let mut elsewhere = base.clone();
    elsewhere["region_code"] = json!("360112");
    assert_eq!(
        fields(&officer.post_json("/api/v1/inspection-plans", elsewhere).await.json()),
        vec!["region_code", "targets[0]"]
    );

    // The province's plan is read below it; a neighbour county reads neither.
    let listed = officer.get("/api/v1/inspection-plans").await.json();
    assert_eq!(listed["total"], 2, "{listed}");
    let mut neighbour = t.signed_in("xj.officer").await;
    assert_eq!(
        neighbour.get(&format!("/api/v1/inspection-plans/{}", plan["id"].as_str().expect("id"))).await.status,
        404
    );
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert_eq!(inspector.post_json("/api/v1/inspection-plans", base).await.status, 403, "inspectors carry plans out");
}

/// A photo on the enterprise's file, as the phone's upload leaves it.
async fn photo(t: &TestApp, enterprise: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("upload");
    std::fs::write(&file, b"\xff\xd8\xff\xe0 photo of the corrected certificate").expect("write");
    let u = touchstone_store::users::find_by_username(&t.app.db, "ncx.inspector").await.expect("q").expect("user");
    let actor = touchstone_app::Actor::for_user(&t.app, &u, Default::default()).await.expect("actor");
    let id = enterprise.parse().expect("uuid");
    let a =
        touchstone_app::attachments::add(&t.app, &actor, id, &file, "现场照片.jpg", None).await.expect("attachment");
    a.id.to_string()
}

async fn record(c: &mut TestClient, body: Value) -> (u16, Value) {
    let r = c.post_json("/api/v1/inspections", body).await;
    (r.status, serde_json::from_str(&r.text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspection_needs_two_officers_and_its_findings_go_to_the_ledger_r_insp_3() {
    let t = TestApp::spawn().await;
    let campaign = campaign(&t).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35XC01", "现场检查测试电缆厂").await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    let officer_id = t.user_id("ncx.officer").await;

    // A phone's draft, re-sent after a dropped connection, lands once.
    let draft = json!({"enterprise_id": e, "campaign_id": campaign, "kind": "special", "notice": "none",
                       "place": "南昌县莲塘镇 生产车间", "client_key": "phone-7f3a-0001",
                       "checklist": [{"item": "GN-01", "result": "pass"}]});
    let (s, first) = record(&mut inspector, draft.clone()).await;
    assert_eq!(s, 201, "{first}");
    let (s, again) = record(&mut inspector, draft.clone()).await;
    assert_eq!((s, &again["id"]), (201, &first["id"]), "the same client key returns the same record");
    assert_eq!(inspector.get("/api/v1/inspections").await.json()["total"], 1);
    let id = first["id"].as_str().expect("id").to_string();
    assert_eq!(first["status"], "draft");
    // The enterprise does not see a draft.
    assert_eq!(own.get(&format!("/api/v1/inspections/{id}")).await.status, 404);

    // Completing with one officer, no feedback, an uncorrected-with-no-evidence finding: refused.
    let mut complete = draft.clone();
    complete["complete"] = json!(true);
    complete["version"] = json!(1);
    complete["findings"] = json!([
        {"description": "出厂检验记录缺失导体电阻项目", "level": "general", "category_code": "04.01"},
        {"description": "合格证未标注执行标准", "level": "general", "corrected_on_spot": true, "correction_note": "当场补印合格证"}
    ]);
    let r = inspector.put_json(&format!("/api/v1/inspections/{id}"), complete.clone()).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(fields(&r.json()), vec!["officers", "feedback", "attachment_ids"]);
    let unchanged = inspector.get(&format!("/api/v1/inspections/{id}")).await.json();
    assert_eq!((unchanged["status"].as_str(), unchanged["version"].as_i64()), (Some("draft"), Some(1)));

    // With a second officer, feedback and a photo, it completes; findings become hazards.
    let photo = photo(&t, &e).await;
    complete["officers"] = json!([officer_id]);
    complete["feedback"] = json!("当场反馈检查发现的两项问题，责令限期整改");
    complete["attachment_ids"] = json!([photo]);
    let r = inspector.put_json(&format!("/api/v1/inspections/{id}"), complete.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = r.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["officer_list"].as_array().map(Vec::len), Some(2));
    let hazards = done["hazards"].as_array().expect("hazards");
    assert_eq!(hazards.len(), 2);
    let open = hazards.iter().find(|h| h["status"] == "open").expect("open hazard");
    assert_eq!((open["source"].as_str(), open["campaign_id"].as_str()), (Some("inspection"), Some(campaign.as_str())));
    let closed = hazards.iter().find(|h| h["status"] == "closed").expect("closed hazard");
    assert_eq!(closed["closed_because"], "corrected_on_spot");

    // Both officers found them: neither may close the open one (R-AUTH-3).
    let hid = open["id"].as_str().expect("id");
    let f = officer.get(&format!("/api/v1/hazards/{hid}")).await.json();
    assert!(f["found_by_names"].as_str().expect("names").contains('、'), "{f}");

    // Completed is final; the enterprise now reads it; audit has create + complete.
    let r = inspector.put_json(&format!("/api/v1/inspections/{id}"), complete).await;
    assert_eq!((r.status, r.error_code()), (409, "already_completed".to_string()));
    assert_eq!(own.get(&format!("/api/v1/inspections/{id}")).await.status, 200);
    let mut admin = t.signed_in("ncx.admin").await;
    assert_eq!(admin.get(&format!("/api/v1/audit?entity_id={id}")).await.json()["total"], 2);
    let mut neighbour = t.signed_in("xj.officer").await;
    assert_eq!(neighbour.get(&format!("/api/v1/inspections/{id}")).await.status, 404);
    let (s, body) = record(&mut neighbour, json!({"enterprise_id": e, "notice": "none"})).await;
    assert_eq!(s, 422, "another county's enterprise is not found: {body}");
}
