//! The self-inspection, inspection plan and inspection record pages through HTTP (R-SELF-1,
//! R-SELF-2, R-INSP-1, R-INSP-3): an enterprise starts, saves, is shown its errors by item and
//! submits its checklist on the page; an officer sets a plan up with its targets typed one a
//! line; an inspector records a draft from the page (a re-post landing once by its client
//! key, a photo sent with the plain form) and completes it with a second officer; the lists
//! filter and export; the offline script is served.

use serde_json::json;
use touchstone_testing::{TestApp, TestClient};

fn location(r: &touchstone_testing::Reply) -> String {
    r.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

async fn campaign(t: &TestApp) -> String {
    let mut province = t.signed_in("jx.officer").await;
    let r =
        province.post_json("/api/v1/campaigns/from-template", json!({"template": "jiangxi-2022", "year": 2026})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_str().expect("id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_starts_saves_is_shown_its_errors_by_item_and_submits_its_self_inspection_on_the_page() {
    // R-SELF-1, R-SELF-2
    let t = TestApp::spawn().await;
    let campaign = campaign(&t).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35YM01", "自查页面电缆厂").await;

    let file = own.get(&format!("/enterprises/{e}")).await;
    assert!(
        file.text.contains(&format!("/self-inspections?enterprise_id={e}")),
        "the file links to its self-inspections"
    );
    let list = own.get("/self-inspections").await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(list.text.contains("start-self-inspection") && list.text.contains(&campaign), "the campaign is offered");
    assert!(list.text.contains("nav-self-inspections"), "the nav links to it");

    let r = own.post_form("/self-inspections", &[("campaign_id", campaign.as_str())]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    let id = to.trim_start_matches("/self-inspections/").to_string();
    let view = own.get(&format!("/api/v1/self-inspections/{id}")).await.json();
    let codes: Vec<String> = view["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["code"].as_str().expect("code").to_string())
        .collect();
    assert!(codes.len() >= 3, "{codes:?}");
    let page = own.get(&to).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"self-inspection-form\"") && page.text.contains("name=\"answers[0].result\""));
    assert!(page.text.contains(&format!("id=\"item-{}\"", codes[0])) && page.text.contains("data-confirm"));
    // Starting again opens the same draft.
    let again = own.post_form("/self-inspections", &[("campaign_id", campaign.as_str())]).await;
    assert_eq!(location(&again), to);

    // A draft keeps what was answered.
    let r = own
        .post_form(
            &to,
            &[("version", "1"), ("action", "save"), ("answers[0].result", "pass"), ("answers[0].note", "台账齐全")],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, to.clone()), "{}", r.text);
    let page = own.get(&to).await;
    assert!(page.text.contains("value=\"pass\" checked") && page.text.contains("台账齐全"), "{}", page.text);

    // Submitting with an item unanswered and a failure without its plan: each error beside its
    // item, what was typed kept, nothing changed.
    let r = own
        .post_form(
            &to,
            &[
                ("version", "2"),
                ("action", "submit"),
                ("answers[0].result", "pass"),
                ("answers[1].result", "fail"),
                ("answers[1].note", "整改记录不全"),
                ("answers[2].deadline", "2000-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("check-item unanswered") && r.text.contains("answers-error"), "{}", r.text);
    assert!(r.text.contains("整改记录不全"), "the note typed is kept");
    let item_1 = r.text.split(&format!("id=\"item-{}\"", codes[1])).nth(1).expect("item 1");
    let item_1 = item_1.split("</fieldset>").next().expect("its card");
    assert!(item_1.contains("field-error") && item_1.contains("必填"), "the plan's error is beside its item: {item_1}");
    assert_eq!(own.get(&format!("/api/v1/self-inspections/{id}")).await.json()["version"], 2);

    // Submitting everything: read-only, with the hazard it raised linked.
    let mut form: Vec<(String, String)> = vec![
        ("version".into(), "2".into()),
        ("action".into(), "submit".into()),
        ("responsible_person".into(), "钱进".into()),
        ("major_risk".into(), "".into()),
    ];
    for (i, _) in codes.iter().enumerate() {
        form.push((format!("answers[{i}].result"), if i == 1 { "fail" } else { "pass" }.into()));
    }
    form.push(("answers[1].plan".into(), "补齐整改记录，建立台账".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = own.post_form(&to, &pairs).await;
    assert_eq!((r.status, location(&r)), (303, to.clone()), "{}", r.text);
    let done = own.get(&to).await;
    assert!(!done.text.contains("self-inspection-form") && done.text.contains("self-inspection-hazards"));
    assert!(done.text.contains("/hazards/") && done.text.contains("补齐整改记录，建立台账"), "{}", done.text);
    let number =
        own.get(&format!("/api/v1/self-inspections/{id}")).await.json()["number"].as_str().expect("n").to_string();
    let r = own.post_form(&to, &pairs).await;
    assert_eq!(r.status, 409, "a submitted one is final: {}", r.text);

    // The officer reads it, filters and exports the list; cannot fill it.
    let page = officer.get(&to).await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("self-inspection-form") && page.text.contains("自查页面电缆厂"));
    assert!(officer.get("/self-inspections?status=submitted").await.text.contains(&number));
    assert!(!officer.get("/self-inspections?status=draft").await.text.contains(&number));
    assert!(
        !officer.get("/self-inspections?major_risk=true").await.text.contains(&number),
        "it reported no major risk"
    );
    let filtered = officer.get(&format!("/self-inspections?campaign_id={campaign}")).await;
    assert!(filtered.text.contains(&number) && filtered.text.contains(&format!("export.csv?campaign_id={campaign}")));
    let csv = officer.get(&format!("/self-inspections/export.csv?campaign_id={campaign}")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.contains(&number) && csv.text.contains("钱进"), "{}", csv.text);
    let xlsx = officer.get("/self-inspections/export.xlsx?status=submitted").await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.headers["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    let r = officer.post_form(&to, &[("version", "3"), ("action", "save")]).await;
    assert_eq!(r.status, 403, "officers do not fill an enterprise's checklist");
    let campaign_page = officer.get(&format!("/campaigns/{campaign}")).await;
    assert!(campaign_page.text.contains(&format!("/self-inspections?campaign_id={campaign}")));
    assert!(campaign_page.text.contains(&format!("/inspection-plans?campaign_id={campaign}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_set_up_on_the_page_names_each_bad_target_line_and_links_each_target_to_recording_its_inspection() {
    // R-INSP-1
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35YM02", "计划页面电缆厂").await;
    let uscc =
        officer.get(&format!("/api/v1/enterprises/{e}")).await.json()["uscc"].as_str().expect("uscc").to_string();
    let form = officer.get("/inspection-plans/new").await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("inspection-plan-form") && form.text.contains("value=\"360121\""));

    let targets = format!("{uscc}\n\n91360121MA35ZZZZ9X\n");
    let base = [
        ("name", "2026年电线电缆日常检查"),
        ("kind", "routine"),
        ("region_code", "360121"),
        ("campaign_id", ""),
        ("starts_on", "2026-05-01"),
        ("ends_on", "2026-06-30"),
        ("departments", ""),
        ("note", ""),
    ];
    let mut bad: Vec<(&str, &str)> = base.to_vec();
    bad.push(("targets", &targets));
    bad.retain(|(k, _)| *k != "ends_on");
    bad.push(("ends_on", "2026-04-01"));
    let r = officer.post_form("/inspection-plans", &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("第 3 行“91360121MA35ZZZZ9X”"), "the bad line is named by its number: {}", r.text);
    assert!(r.text.contains("field-error") && r.text.contains("2026年电线电缆日常检查"), "typed values kept");
    assert_eq!(officer.get("/api/v1/inspection-plans").await.json()["total"], 0, "nothing was set up");

    let mut good: Vec<(&str, &str)> = base.to_vec();
    good.push(("targets", uscc.as_str()));
    let r = officer.post_form("/inspection-plans", &good).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    let plan_id = to.trim_start_matches("/inspection-plans/").to_string();
    let page = officer.get(&to).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("计划页面电缆厂") && page.text.contains("plan-targets"));
    let record_link = format!("/inspections/new?enterprise_id={e}&amp;plan_id={plan_id}");
    assert!(page.text.contains(&record_link), "{}", page.text);
    let number = officer.get(&format!("/api/v1/inspection-plans/{plan_id}")).await.json()["number"]
        .as_str()
        .expect("number")
        .to_string();
    assert!(officer.get("/inspection-plans?kind=routine").await.text.contains(&number));
    assert!(!officer.get("/inspection-plans?kind=joint").await.text.contains(&number));
    let csv = officer.get("/inspection-plans/export.csv?kind=routine").await;
    assert!(csv.status == 200 && csv.text.contains(&number), "{}", csv.text);
    assert_eq!(officer.get("/inspection-plans/export.xlsx").await.status, 200);

    // The record form opened from the plan carries it.
    let mut inspector = t.signed_in("ncx.inspector").await;
    let form = inspector.get(&format!("/inspections/new?enterprise_id={e}&plan_id={plan_id}")).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(
        form.text.contains(&format!("name=\"plan_id\" value=\"{plan_id}\""))
            && form.text.contains("2026年电线电缆日常检查")
    );
    assert_eq!(inspector.get("/inspection-plans/new").await.status, 403, "inspectors carry plans out");
}

/// A multipart body as a phone's browser sends the record form with a photo.
fn multipart(fields: &[(&str, &str)], photo: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----touchstone-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"现场.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(photo);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(t: &TestApp, c: &TestClient, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (content_type, body) = multipart(fields, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 photo of the corrected label");
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}{path}", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().unwrap_or_default()))
        .header("origin", t.base.clone())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let to = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, if status == 303 { to } else { res.text().await.unwrap_or_default() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_records_a_draft_on_the_page_and_completes_it_with_a_second_officer() {
    // R-INSP-3
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35YM03", "检查页面电缆厂").await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    let officer_id = t.user_id("ncx.officer").await.to_string();

    let file = inspector.get(&format!("/enterprises/{e}")).await;
    assert!(file.text.contains(&format!("/inspections/new?enterprise_id={e}")), "the file links to recording one");
    let form = inspector.get(&format!("/inspections/new?enterprise_id={e}")).await;
    assert_eq!(form.status, 200, "{}", form.text);
    for id in [
        "id=\"inspection-form\"",
        "id=\"offline-status\"",
        "id=\"photo-input\"",
        "capture=\"environment\"",
        "finding-template",
        "/static/offline.js",
    ] {
        assert!(form.text.contains(id), "{id}");
    }
    assert!(
        form.text.contains(&format!("name=\"officers\" value=\"{officer_id}\"")),
        "a colleague of the bureau is offered"
    );
    assert!(form.text.contains("name=\"checklist[0].item\" value=\"GN-01\""), "the enterprise's checklist applies");
    let uscc =
        officer.get(&format!("/api/v1/enterprises/{e}")).await.json()["uscc"].as_str().expect("uscc").to_string();
    assert_eq!(inspector.get(&format!("/inspections/new?enterprise_id={uscc}")).await.status, 200, "by credit code");
    let r = inspector.get("/inspections/new?enterprise_id=91360121MA35ZZZZ9X").await;
    assert!(r.status == 422 && r.text.contains("field-error"), "an unknown code is named: {}", r.status);

    // A draft from the page; posted again with the same client key, it lands once.
    let draft = [
        ("enterprise_id", e.as_str()),
        ("plan_id", ""),
        ("campaign_id", ""),
        ("client_key", "page-key-0001"),
        ("version", ""),
        ("kind", "routine"),
        ("notice", "none"),
        ("place", "南昌县莲塘镇 生产车间"),
        ("inspected_on", ""),
        ("checklist[0].item", "GN-01"),
        ("checklist[0].result", "pass"),
        ("checklist[1].item", "GN-02"),
        ("checklist[1].result", ""),
        ("findings[0].description", "出厂检验记录缺失导体电阻项目"),
        ("findings[0].level", "general"),
        ("findings[0].category_code", "04.01"),
        ("findings[1].description", ""),
        ("findings[1].level", "general"),
        ("experts", "李工\n\n王工"),
        ("action", "save"),
    ];
    let r = inspector.post_form("/inspections", &draft).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    let id = to.trim_start_matches("/inspections/").to_string();
    let again = inspector.post_form("/inspections", &draft).await;
    assert_eq!(location(&again), to, "the same client key returns the same record");
    assert_eq!(inspector.get("/api/v1/inspections").await.json()["total"], 1);
    let stored = inspector.get(&format!("/api/v1/inspections/{id}")).await.json();
    assert_eq!(stored["expert_list"], json!(["李工", "王工"]));
    assert_eq!(stored["finding_list"].as_array().map(Vec::len), Some(1), "the blank row is not a finding");
    let page = inspector.get(&to).await;
    assert!(page.text.contains("id=\"inspection-form\"") && page.text.contains("出厂检验记录缺失导体电阻项目"));
    assert!(page.text.contains(&format!("data-record-id=\"{id}\"")));

    // Completing alone, with a finding missing its level: refused by field, nothing changed.
    let replaced = |k: &str| matches!(k, "action" | "version" | "findings[1].description" | "findings[1].level");
    let mut complete: Vec<(&str, &str)> = draft.iter().filter(|(k, _)| !replaced(k)).cloned().collect();
    complete.extend([
        ("version", "1"),
        ("action", "complete"),
        ("findings[1].description", "合格证未标注执行标准"),
        ("findings[1].level", "severe"),
    ]);
    let r = inspector.post_form(&to, &complete).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"officers-error\""), "too few officers: {}", r.text);
    let finding_1 =
        r.text.split("data-index=\"1\"").nth(1).expect("finding 1").split("</fieldset>").next().expect("row");
    assert!(finding_1.contains("field-error"), "the level's error is in its row: {finding_1}");
    let unchanged = inspector.get(&format!("/api/v1/inspections/{id}")).await.json();
    assert_eq!((unchanged["status"].as_str(), unchanged["version"].as_i64()), (Some("draft"), Some(1)));

    // With a second officer, the feedback and a photo sent with the plain form: completed.
    let mut done: Vec<(&str, &str)> = complete.iter().filter(|(k, _)| !k.starts_with("findings[1]")).cloned().collect();
    done.extend([("officers", officer_id.as_str()), ("feedback", "当场反馈检查发现的问题，责令限期整改")]);
    let (status, location) = post_multipart(&t, &inspector, &to, &done).await;
    assert_eq!((status, location.as_str()), (303, to.as_str()));
    let record = inspector.get(&format!("/api/v1/inspections/{id}")).await.json();
    assert_eq!(record["status"], "completed", "{record}");
    assert_eq!(record["officer_list"].as_array().map(Vec::len), Some(2));
    assert!(!record["attachment_ids"].as_str().unwrap_or("").is_empty(), "the photo is on the record: {record}");
    let page = inspector.get(&to).await;
    assert!(!page.text.contains("id=\"inspection-form\"") && page.text.contains("id=\"inspection-detail\""));
    assert!(page.text.contains("inspection-hazards") && page.text.contains("/hazards/"), "{}", page.text);
    assert!(page.text.contains("现场.jpg") && page.text.contains("李工"));
    let number = record["number"].as_str().expect("number").to_string();
    let r = inspector.post_form(&to, &done).await;
    assert_eq!(r.status, 409, "a completed record is final");
    assert_eq!(own.get(&to).await.status, 200, "the enterprise reads its completed inspection");

    // The list filters and exports.
    assert!(inspector.get("/inspections?status=completed").await.text.contains(&number));
    assert!(!inspector.get("/inspections?status=draft").await.text.contains(&number));
    assert!(!inspector.get("/inspections?kind=joint").await.text.contains(&number));
    assert!(!inspector.get("/inspections?archived=true").await.text.contains(&number));
    let listed = inspector.get(&format!("/inspections?enterprise_id={e}&archived=false")).await;
    assert!(listed.text.contains(&number) && listed.text.contains("export.csv?enterprise_id="), "{}", listed.text);
    let csv = inspector.get("/inspections/export.csv?status=completed").await;
    assert!(csv.status == 200 && csv.text.contains(&number) && csv.text.contains("检查页面电缆厂"), "{}", csv.text);
    let xlsx = inspector.get("/inspections/export.xlsx").await;
    assert!(xlsx.status == 200 && xlsx.headers["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_script_is_served_and_keeps_drafts_and_a_queue_with_the_client_key() {
    // R-INSP-3: the phone keeps the record and re-sends it once.
    let t = TestApp::spawn().await;
    let mut c = t.client();
    let r = c.get("/static/offline.js").await;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].to_str().unwrap_or("").contains("javascript"));
    for needle in
        ["localStorage", "randomUUID", "client_key", "addEventListener('online'", "/api/v1/inspections", "indexedDB"]
    {
        assert!(r.text.contains(needle), "{needle}");
    }
    let mut inspector = t.signed_in("ncx.inspector").await;
    let home = inspector.get("/").await;
    assert!(home.text.contains("nav-inspections") && home.text.contains("nav-self-inspections"));
    let list = inspector.get("/inspections").await;
    assert!(list.text.contains("offline-outbox") && list.text.contains("new-inspection-form"), "{}", list.text);
}
