//! The hazard ledger through HTTP (R-HAZ-1…3, R-AUTH-3, R-NOTE-1): recorded by officers,
//! planned and evidenced by the enterprise, closed only by a second officer, every illegal
//! step refused naming the allowed ones, overdue hazards escalated up the reporting line by
//! the sweep, and "dynamic zeroing" rebuilt from the history for any cut-off date.

use std::sync::Arc;

use serde_json::{Value, json};
use touchstone_domain::time::{ManualClock, Timestamp};
use touchstone_testing::{TestApp, TestClient};

fn hazard(enterprise: &str, level: &str) -> Value {
    json!({"enterprise_id": enterprise, "source": "inspection", "category_code": "04.01", "product": "BV 2.5 电线",
           "level": level, "description": "出厂检验记录缺失导体电阻项目", "responsible_person": "钱进"})
}

async fn step(c: &mut TestClient, id: &str, body: Value) -> (u16, Value) {
    let r = c.post_json(&format!("/api/v1/hazards/{id}/steps"), body).await;
    (r.status, serde_json::from_str(&r.text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hazard_is_planned_and_evidenced_by_the_enterprise_and_closed_only_by_a_second_officer_r_haz_2_r_auth_3() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35H8A1", "隐患测试电缆厂").await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    let r = inspector.post_json("/api/v1/hazards", hazard(&e, "general")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let h = r.json();
    let id = h["id"].as_str().expect("id").to_string();
    let today = Timestamp::from_micros(t.app.clock.now().as_micros()).china_date();
    assert_eq!(h["status"], "open");
    assert_eq!(h["found_on"], today.as_str());
    let number = h["number"].as_str().expect("number");
    assert!(number.starts_with(&format!("YH-360121-{}-", &today[..4])), "{number}");
    let expected_deadline =
        Timestamp::from_micros(t.app.clock.now().as_micros()).plus_seconds(30 * 86_400).china_date();
    assert_eq!(h["deadline"], expected_deadline.as_str(), "a general hazard gets 30 days");
    assert_eq!(h["allowed_actions"].as_array().map(|a| a.contains(&json!("pass_review"))), Some(false));

    // The enterprise sees its hazard and takes its own steps only.
    let listed = own.get("/api/v1/hazards").await.json();
    assert_eq!(listed["total"], 1, "{listed}");
    let (s, body) = step(&mut own, &id, json!({"action": "void", "note": "不是问题", "version": 1})).await;
    assert_eq!(s, 403, "voiding is the bureau's: {body}");
    let (s, body) = step(&mut own, &id, json!({"action": "plan", "version": 1})).await;
    assert_eq!((s, body["error"]["fields"][0]["field"].as_str()), (422, Some("note")), "a plan needs its text: {body}");
    let (s, body) =
        step(&mut own, &id, json!({"action": "plan", "note": "补做导体电阻出厂检验，完善记录", "version": 1})).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("rectifying")), "{body}");
    let (s, _) = step(&mut own, &id, json!({"action": "plan", "note": "again", "version": 1})).await;
    assert_eq!(s, 409, "a stale version is refused");
    let (s, body) =
        step(&mut own, &id, json!({"action": "submit_evidence", "note": "已补做检验，附检验报告", "version": 2})).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("evidence_submitted")), "{body}");

    // The officer who found it may not close it; another officer of the bureau may.
    let (s, body) = step(&mut inspector, &id, json!({"action": "pass_review", "version": 3})).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(body["error"]["code"], "second_officer_required", "{body}");
    let seen = officer.get(&format!("/api/v1/hazards/{id}")).await.json();
    assert!(seen["allowed_actions"].as_array().expect("actions").contains(&json!("pass_review")), "{seen}");
    let (s, body) =
        step(&mut officer, &id, json!({"action": "pass_review", "note": "现场复查合格", "version": 3})).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("closed")), "{body}");
    assert_eq!(body["closed_because"], "review_passed");
    assert_eq!(body["closed_on"], today.as_str());
    let actions: Vec<&str> =
        body["events"].as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, vec!["record", "plan", "submit_evidence", "pass_review"]);

    // A closed hazard is final, and saying so names nothing allowed.
    let (s, body) = step(&mut officer, &id, json!({"action": "void", "note": "重复", "version": 4})).await;
    assert_eq!((s, body["error"]["fields"][0]["code"].as_str()), (422, Some("illegal_step")), "{body}");

    // Every change is audited; the enterprise was notified; another county sees nothing.
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?entity_id={id}")).await.json();
    assert_eq!(audit["total"], 4, "one entry per change: {audit}");
    let inbox = own.get("/api/v1/notifications").await.json();
    let kinds: Vec<&str> =
        inbox["items"].as_array().expect("items").iter().filter_map(|n| n["kind"].as_str()).collect();
    assert!(kinds.contains(&"hazard_recorded") && kinds.contains(&"hazard_changed"), "{inbox}");
    assert!(inbox["unread"].as_i64().unwrap_or(0) >= 2);
    assert_eq!(own.post_json("/api/v1/notifications/read-all", json!({})).await.status, 204);
    assert_eq!(own.get("/api/v1/notifications").await.json()["unread"], 0);
    let mut neighbour = t.signed_in("xj.officer").await;
    let r = neighbour.get(&format!("/api/v1/hazards/{id}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(neighbour.get("/api/v1/hazards").await.json()["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_illegal_step_is_refused_naming_the_allowed_ones_and_changes_nothing_r_haz_2() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35H8B1", "非法步骤测试厂").await;
    let id =
        officer.post_json("/api/v1/hazards", hazard(&e, "major")).await.json()["id"].as_str().expect("id").to_string();
    let (s, body) = step(&mut officer, &id, json!({"action": "pass_review", "version": 1})).await;
    assert_eq!(s, 422);
    let message = body["error"]["fields"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("allowed: plan, correct_on_spot, void"), "{message}");
    let (s, body) = step(&mut officer, &id, json!({"action": "close", "version": 1})).await;
    assert_eq!((s, body["error"]["fields"][0]["field"].as_str()), (422, Some("action")), "{body}");
    let after = officer.get(&format!("/api/v1/hazards/{id}")).await.json();
    assert_eq!((after["status"].as_str(), after["version"].as_i64()), (Some("open"), Some(1)));

    // Bad input names its field and records nothing.
    let mut bad = hazard(&e, "severe");
    bad["found_on"] = json!("2999-01-01");
    bad["category_code"] = json!("99.99");
    let r = officer.post_json("/api/v1/hazards", bad).await;
    let body = r.json();
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(r.status, 422);
    for f in ["level", "category_code", "found_on"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert_eq!(officer.get("/api/v1/hazards").await.json()["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_an_officer_submits_for_the_enterprise_is_marked_so_and_that_officer_may_not_close_it_r_auth_3() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35H8C1", "代录测试厂").await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    let id = officer.post_json("/api/v1/hazards", hazard(&e, "general")).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (_, body) =
        step(&mut inspector, &id, json!({"action": "plan", "note": "企业口述整改方案", "version": 1})).await;
    assert_eq!(body["events"][1]["on_behalf"], true, "{body}");
    let (_, body) =
        step(&mut inspector, &id, json!({"action": "submit_evidence", "note": "代企业上传", "version": 2})).await;
    assert_eq!(body["status"], "evidence_submitted");
    // The finder and the submitter are both excluded; a city officer (the bureau above) closes.
    assert_eq!(step(&mut officer, &id, json!({"action": "pass_review", "version": 3})).await.0, 403);
    assert_eq!(step(&mut inspector, &id, json!({"action": "pass_review", "version": 3})).await.0, 403);
    let mut city = t.signed_in("nc.officer").await;
    let (s, body) = step(&mut city, &id, json!({"action": "fail_review", "note": "证据不足", "version": 3})).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("rectifying")), "a failed review goes back: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_hazard_escalates_a_bureau_up_every_seven_days_up_to_the_province_once_each_r_haz_2_r_note_1() {
    let start = Timestamp::parse_china_date("2026-03-02").expect("date").plus_seconds(9 * 3600);
    let clock = Arc::new(ManualClock::new(start));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35H8D1", "逾期测试厂").await;
    let h = officer.post_json("/api/v1/hazards", hazard(&e, "major")).await.json();
    let id = h["id"].as_str().expect("id").to_string();
    assert_eq!(h["deadline"], "2026-03-17", "a major hazard gets 15 days");

    clock.advance_seconds(14 * 86_400); // 03-16: reminded before the deadline
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").reminders, 1);
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").reminders, 0, "once");
    clock.advance_seconds(2 * 86_400); // 03-18: overdue, not yet escalated
    let mut officer = t.signed_in("ncx.officer").await;
    let overdue = officer.get("/api/v1/hazards?overdue=true").await.json();
    assert_eq!(overdue["total"], 1, "{overdue}");
    assert_eq!(officer.get(&format!("/api/v1/hazards/{id}")).await.json()["overdue"], true);
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").escalations, 0);

    clock.advance_seconds(6 * 86_400); // 03-24: seven days overdue → the city bureau
    let swept = touchstone_app::hazards::sweep(&t.app).await.expect("sweep");
    assert_eq!(swept.escalations, 1);
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").escalations, 0, "a repeat changes nothing");
    let mut city = t.signed_in("nc.officer").await;
    let inbox = city.get("/api/v1/notifications?unread=true").await.json();
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "overdue_escalated" && n["subject_id"] == id.as_str()),
        "{inbox}"
    );
    let mine = city.get("/api/v1/hazards?escalated_to_me=true").await.json();
    assert_eq!(mine["total"], 1, "{mine}");

    clock.advance_seconds(7 * 86_400); // 03-31: fourteen days → the province
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").escalations, 1);
    clock.advance_seconds(21 * 86_400); // nowhere higher to go
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").escalations, 0);
    let mut province = t.signed_in("jx.officer").await;
    let seen = province.get(&format!("/api/v1/hazards/{id}")).await.json();
    assert_eq!(seen["escalations"], 2, "{seen}");
    assert_eq!(seen["escalated_to"], t.bureau_id("JX-360000").await.to_string());
    let escalations = seen["events"].as_array().expect("events").iter().filter(|e| e["action"] == "escalate").count();
    assert_eq!(escalations, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extension_is_asked_by_the_enterprise_granted_once_and_overdue_counts_from_the_new_deadline() {
    let start = Timestamp::parse_china_date("2026-05-04").expect("date").plus_seconds(9 * 3600);
    let clock = Arc::new(ManualClock::new(start));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35H8E1", "延期测试厂").await;
    let id = officer.post_json("/api/v1/hazards", hazard(&e, "general")).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (s, body) = step(
        &mut own,
        &id,
        json!({"action": "request_extension", "note": "设备到货需时", "deadline": "2026-05-01", "version": 1}),
    )
    .await;
    assert_eq!((s, body["error"]["fields"][0]["code"].as_str()), (422, Some("not_later")), "{body}");
    let (s, body) = step(
        &mut own,
        &id,
        json!({"action": "request_extension", "note": "设备到货需时", "deadline": "2026-06-30", "version": 1}),
    )
    .await;
    assert_eq!((s, body["extension_requested_to"].as_str()), (200, Some("2026-06-30")), "{body}");
    let (s, body) = step(&mut officer, &id, json!({"action": "grant_extension", "version": 2})).await;
    assert_eq!(
        (s, body["deadline"].as_str(), body["original_deadline"].as_str()),
        (200, Some("2026-06-30"), Some("2026-06-03"))
    );
    let granted = &body["events"][2];
    assert_eq!(
        (granted["deadline_before"].as_str(), granted["deadline_after"].as_str()),
        (Some("2026-06-03"), Some("2026-06-30"))
    );
    let (s, body) =
        step(&mut officer, &id, json!({"action": "grant_extension", "deadline": "2026-07-30", "version": 3})).await;
    assert_eq!(
        (s, body["error"]["fields"][0]["code"].as_str()),
        (422, Some("extension_limit")),
        "once per hazard: {body}"
    );
    clock.advance_seconds(35 * 86_400); // 06-08: past the first deadline, not the extended one
    let mut officer = t.signed_in("ncx.officer").await;
    assert_eq!(officer.get("/api/v1/hazards?overdue=true").await.json()["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_zeroing_counts_hazards_found_before_a_cut_off_and_open_at_its_start_from_their_history_r_haz_3() {
    let start = Timestamp::parse_china_date("2026-04-01").expect("date").plus_seconds(10 * 3600);
    let clock = Arc::new(ManualClock::new(start));
    let t = TestApp::spawn_with_clock(clock.clone()).await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35H8F1", "清零测试厂").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            officer.post_json("/api/v1/hazards", hazard(&e, "general")).await.json()["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    clock.advance_seconds(4 * 86_400); // 04-05: one is voided, one corrected and closed by a second officer
    let mut officer = t.signed_in("ncx.officer").await;
    assert_eq!(step(&mut officer, &ids[0], json!({"action": "void", "note": "重复录入", "version": 1})).await.0, 200);
    step(&mut officer, &ids[1], json!({"action": "plan", "note": "整改", "version": 1})).await;
    step(&mut officer, &ids[1], json!({"action": "submit_evidence", "note": "照片", "version": 2})).await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert_eq!(step(&mut inspector, &ids[1], json!({"action": "pass_review", "version": 3})).await.0, 200);
    let count = |body: Value| body["open"].as_i64().expect("open");
    let at = |c: &str| format!("/api/v1/hazards/open-at-cutoff?region_code=360100&cutoff={c}");
    let mut city = t.signed_in("nc.officer").await;
    assert_eq!(count(city.get(&at("2026-04-01")).await.json()), 0, "found on the cut-off day: not before it");
    assert_eq!(count(city.get(&at("2026-04-03")).await.json()), 3, "all three were open on 04-03");
    assert_eq!(count(city.get(&at("2026-04-06")).await.json()), 1, "voided and closed ones leave the count");
    let r = city.get("/api/v1/hazards/open-at-cutoff?region_code=360112&cutoff=2026-04-06").await;
    assert_eq!(count(r.json()), 0, "another county's figure");
    let r = officer.get("/api/v1/hazards/open-at-cutoff?region_code=360100&cutoff=2026-04-06").await;
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
        (422, Some("region_code")),
        "above the jurisdiction"
    );
    let r = city.get("/api/v1/hazards/open-at-cutoff?region_code=360100&cutoff=04/06").await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "cutoff");
}

// R-HAZ-4: writing a hazard suggests similar ones of the officer's own jurisdiction and of the
// shared sample bank; a promoted hazard loses its enterprise's details and is seen everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn similar_hazards_come_from_the_own_jurisdiction_and_the_shared_bank_without_enterprise_details() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35LX01", "洪都类似电缆厂").await;
    let mut body = hazard(&e, "general");
    body["description"] = json!("洪都类似电缆厂出厂检验记录缺失导体电阻项目，负责人钱进未签字");
    let h = officer.post_json("/api/v1/hazards", body).await.json();
    let id = h["id"].as_str().expect("id").to_string();
    let number = h["number"].as_str().expect("number").to_string();

    let probe = "/api/v1/hazards/similar?description=出厂检验缺少导体电阻检测记录&category_code=04.01";
    let own = officer.get(probe).await.json();
    assert_eq!(own["ledger"][0]["number"].as_str(), Some(number.as_str()), "{own}");
    let mut neighbour = t.signed_in("xj.officer").await;
    let theirs = neighbour.get(probe).await.json();
    assert_eq!(
        theirs["ledger"].as_array().map(Vec::len),
        Some(0),
        "another county's ledger is not suggested: {theirs}"
    );
    assert_eq!(theirs["samples"].as_array().map(Vec::len), Some(0));
    let unrelated = officer.get("/api/v1/hazards/similar?description=消防通道堵塞&category_code=10.01").await.json();
    assert_eq!(unrelated["ledger"].as_array().map(Vec::len), Some(0), "{unrelated}");

    // Promoted, it is anonymised and every bureau sees it; once only.
    let r = officer.post_json(&format!("/api/v1/hazards/{id}/promote"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sample = r.json();
    let text = sample["description"].as_str().expect("text");
    assert!(!text.contains("洪都类似电缆厂") && !text.contains("钱进"), "{text}");
    assert!(text.contains("某企业") && text.contains("导体电阻"), "{text}");
    let theirs = neighbour.get(probe).await.json();
    assert_eq!(theirs["samples"][0]["description"].as_str(), Some(text), "{theirs}");
    assert!(!theirs.to_string().contains("洪都类似电缆厂"));
    assert_eq!(neighbour.get("/api/v1/hazard-samples").await.json()["total"], 1);
    let again = officer.post_json(&format!("/api/v1/hazards/{id}/promote"), json!({})).await;
    assert_eq!((again.status, again.error_code()), (409, "already_promoted".to_string()));
    assert_eq!(neighbour.post_json(&format!("/api/v1/hazards/{id}/promote"), json!({})).await.status, 404);

    // The form's panel shows them as the officer types; the audit has the promotion.
    let panel = officer.get("/hazards/similar?description=出厂检验缺少导体电阻检测记录&category_code=04.01").await;
    assert_eq!(panel.status, 200);
    assert!(panel.text.contains(&number) && panel.text.contains("某企业"), "{}", panel.text);
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin
        .get(&format!("/api/v1/audit?action=hazard.promote&entity_id={}", sample["id"].as_str().expect("id")))
        .await
        .json();
    assert_eq!(audit["total"], 1, "{audit}");
}
