//! The hazard ledger, campaign and notification pages through HTTP: the list and detail of a
//! hazard with its history and step form, recording one through the form, launching a
//! template, the inbox with its badge, and another county seeing none of it.

use touchstone_testing::{TestApp, TestClient};

fn location(r: &touchstone_testing::Reply) -> String {
    r.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// Records a general hazard through the page form; its id (from the redirect).
async fn record_through_the_form(c: &mut TestClient, enterprise: &str) -> String {
    let r = c
        .post_form(
            "/hazards",
            &[
                ("enterprise_id", enterprise),
                ("source", "inspection"),
                ("level", "general"),
                ("category_code", "04.01"),
                ("product", "BV 2.5 电线"),
                ("description", "出厂检验记录缺失导体电阻项目"),
                ("legal_basis", "《产品质量法》第十二条"),
                ("responsible_person", "钱进"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    assert!(to.starts_with("/hazards/"), "{to}");
    to.trim_start_matches("/hazards/").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hazard_recorded_through_the_form_is_listed_and_its_page_shows_the_history_and_a_step_form_that_moves_it() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35P8A1", "页面测试电缆厂").await;
    let file = officer.get(&format!("/enterprises/{e}")).await;
    assert!(file.text.contains(&format!("/hazards/new?enterprise_id={e}")), "the file links to recording a hazard");
    let form = officer.get(&format!("/hazards/new?enterprise_id={e}")).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("hazard-form"));

    let id = record_through_the_form(&mut officer, &e).await;
    let number =
        officer.get(&format!("/api/v1/hazards/{id}")).await.json()["number"].as_str().expect("number").to_string();
    let list = officer.get("/hazards").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains(&number) && list.text.contains("页面测试电缆厂"), "{}", list.text);
    assert!(list.text.contains("/hazards/export.csv?") && list.text.contains("/hazards/export.xlsx?"));
    let csv = officer.get("/hazards/export.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.contains(&number));
    let filtered = officer.get("/hazards?status=closed").await;
    assert!(!filtered.text.contains(&number), "the status filter applies");

    let page = officer.get(&format!("/hazards/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("hazard-history") && page.text.contains("记录"), "the history shows the record");
    assert!(
        page.text.contains("违反的规定") && page.text.contains("《产品质量法》第十二条"),
        "the provisions breached"
    );
    assert!(page.text.contains("step-form") && page.text.contains("value=\"plan\""), "{}", page.text);
    assert!(page.text.contains("待整改"));

    // A step without its note re-renders naming the field and changes nothing.
    let r = officer.post_form(&format!("/hazards/{id}/steps"), &[("action", "plan"), ("version", "1")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("field-error") && r.text.contains("step-form"));
    // The plan through the form moves it to rectifying.
    let r = officer
        .post_form(
            &format!("/hazards/{id}/steps"),
            &[("action", "plan"), ("note", "补做导体电阻出厂检验"), ("deadline", ""), ("version", "1")],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, format!("/hazards/{id}")), "{}", r.text);
    let page = officer.get(&format!("/hazards/{id}")).await;
    assert!(page.text.contains("整改中") && page.text.contains("补做导体电阻出厂检验"), "{}", page.text);
    assert_eq!(officer.get(&format!("/api/v1/hazards/{id}")).await.json()["status"], "rectifying");
    // A stale version is refused on the page.
    let r = officer
        .post_form(&format!("/hazards/{id}/steps"), &[("action", "void"), ("note", "重复"), ("version", "1")])
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_hazard_form_with_bad_input_re_renders_naming_each_field_and_records_nothing() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35P8B1", "坏输入测试厂").await;
    let r = officer
        .post_form(
            "/hazards",
            &[
                ("enterprise_id", e.as_str()),
                ("source", "inspection"),
                ("level", "severe"),
                ("category_code", "99.99"),
                ("found_on", "2999-01-01"),
                ("description", "描述"),
                ("legal_basis", &"《产品质量法》".repeat(80)),
                ("responsible_person", "钱进"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("name=\"legal_basis\""), "{}", r.text);
    assert!(r.text.contains("hazard-form") && r.text.contains("value=\"99.99\""), "the form keeps what was typed");
    assert!(r.text.matches("class=\"field-error\"").count() >= 4, "{}", r.text);
    let r = officer.post_form("/hazards", &[("enterprise_id", "nonsense"), ("level", "general")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(officer.get("/api/v1/hazards").await.json()["total"], 0, "nothing was recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaigns_page_launches_the_jiangxi_template_and_its_page_shows_the_progress_table() {
    let t = TestApp::spawn().await;
    let mut province = t.signed_in("jx.officer").await;
    let page = province.get("/campaigns").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("template-form") && page.text.contains("jiangxi-2022"));
    let r = province.post_form("/campaigns/from-template", &[("template", "jiangxi-2022"), ("year", "2026")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    let detail = province.get(&to).await;
    assert_eq!(detail.status, 200);
    assert!(detail.text.contains("ZX-360000-2026-01"));
    assert!(detail.text.contains("id=\"progress\"") && detail.text.contains("id=\"milestones\""));
    assert!(detail.text.contains("集中整治"), "milestone kinds are labelled");
    assert!(detail.text.contains("action-form"), "the province may take actions");
    assert!(province.get("/campaigns").await.text.contains("ZX-360000-2026-01"));

    let bad = province.post_form("/campaigns/from-template", &[("template", "hunan-2022"), ("year", "2026")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("field-error"));

    // A county reads it but has no action form.
    let mut county = t.signed_in("ncx.officer").await;
    let seen = county.get(&to).await;
    assert_eq!(seen.status, 200);
    assert!(seen.text.contains("id=\"progress\"") && !seen.text.contains("action-form"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_launches_a_campaign_by_hand_from_its_form_and_a_bad_form_names_each_field_and_stage_row_r_camp_1() {
    let t = TestApp::spawn().await;
    let mut county = t.signed_in("ncx.officer").await;
    let blank = county.get("/campaigns/new").await;
    assert_eq!(blank.status, 200, "{}", blank.text);
    assert!(blank.text.contains("campaign-form") && blank.text.contains("value=\"04.01\""), "key products offered");
    assert!(blank.text.contains("生产企业全覆盖检查"), "a row for each kind of stage, named");

    // End before start, no key product, a stage row with a deadline before its start, another
    // with a start but no deadline: each error is named, and nothing is created.
    let bad = county
        .post_form(
            "/campaigns",
            &[
                ("name", "南昌县燃气具专项整治"),
                ("region_code", "360121"),
                ("starts_on", "2026-06-01"),
                ("ends_on", "2026-05-01"),
                ("milestones[0].kind", "self_inspection"),
                ("milestones[0].name", "企业自查"),
                ("milestones[0].starts_on", "2026-06-10"),
                ("milestones[0].due_on", "2026-06-05"),
                ("milestones[1].kind", "look_back"),
                ("milestones[1].name", "回头看"),
                ("milestones[2].kind", "completion"),
                ("milestones[2].name", "全面完成"),
                ("milestones[2].starts_on", "2026-09-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    for field in ["ends_on", "key_products"] {
        assert!(bad.text.contains(&format!("name=\"{field}\"")), "{field} kept on the form");
    }
    assert!(bad.text.matches("field-error").count() >= 4, "{}", bad.text);
    assert!(bad.text.contains("南昌县燃气具专项整治"), "what was typed is kept");
    assert_eq!(county.get("/api/v1/campaigns").await.json()["total"], 0, "nothing created");

    let good = county
        .post_form(
            "/campaigns",
            &[
                ("name", "南昌县燃气具专项整治"),
                ("issuing_authority", "南昌县市场监督管理局"),
                ("region_code", "360121"),
                ("starts_on", "2026-05-01"),
                ("ends_on", "2026-10-31"),
                ("key_products", "05.01"),
                ("key_problems", "熄火保护装置失效"),
                ("milestones[0].kind", "self_inspection"),
                ("milestones[0].name", "企业自查"),
                ("milestones[0].due_on", "2026-05-31"),
                ("milestones[1].kind", "look_back"),
                ("milestones[1].name", "回头看"),
                ("milestones[2].kind", "weekly_report"),
                ("milestones[2].name", "每周三报送"),
                ("milestones[2].include", "true"),
            ],
        )
        .await;
    assert_eq!(good.status, 303, "{}", good.text);
    let detail = county.get(&location(&good)).await;
    assert_eq!(detail.status, 200);
    assert!(detail.text.contains("ZX-360121-2026-01") && detail.text.contains("熄火保护装置失效"));
    let id = location(&good).rsplit('/').next().expect("id").to_string();
    let api = county.get(&format!("/api/v1/campaigns/{id}")).await.json();
    let kinds: Vec<&str> =
        api["milestones"].as_array().expect("milestones").iter().filter_map(|m| m["kind"].as_str()).collect();
    assert_eq!(kinds, vec!["self_inspection", "weekly_report"], "the unticked row without dates is left out");
    assert_eq!(api["issuing_authority"], "南昌县市场监督管理局");

    // A template adapted first: the form holds the template's year-moved stages, for the
    // county's own region, and launching it records the template.
    let adapt = county.get("/campaigns/new?template=jiangxi-2022&year=2027").await;
    assert_eq!(adapt.status, 200, "{}", adapt.text);
    assert!(adapt.text.contains("2027-06-30") && adapt.text.contains("value=\"jiangxi-2022\""), "{}", adapt.text);
    assert!(adapt.text.contains("<option value=\"360121\" selected"), "the county's own region");
    let unknown = county.get("/campaigns/new?template=hunan-2022&year=2027").await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.text.contains("field-error"));

    // Neither an inspector nor an enterprise launches campaigns.
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert_eq!(inspector.get("/campaigns/new").await.status, 403);
    assert_eq!(inspector.post_form("/campaigns", &[("name", "x")]).await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifications_page_lists_an_item_with_the_unread_badge_and_marking_read_clears_it() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35P8C1", "通知测试厂").await;
    let id = record_through_the_form(&mut officer, &e).await;
    let number =
        officer.get(&format!("/api/v1/hazards/{id}")).await.json()["number"].as_str().expect("number").to_string();
    let inbox = own.get("/notifications").await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    assert!(inbox.text.contains(&number) && inbox.text.contains("新隐患"), "{}", inbox.text);
    assert!(inbox.text.contains("id=\"unread-badge\">1<"), "{}", inbox.text);
    assert!(own.get("/").await.text.contains("unread-badge"), "the badge shows on every page");
    let nid = own.get("/api/v1/notifications").await.json()["items"][0]["id"].as_str().expect("id").to_string();
    let link = format!("/hazards/{id}");
    let r = own.post_form(&format!("/notifications/{nid}/read"), &[("next", link.as_str())]).await;
    assert_eq!((r.status, location(&r)), (303, link.clone()));
    assert!(!own.get("/notifications").await.text.contains("unread-badge"));
    let r = own.get(&link).await;
    assert_eq!(r.status, 200, "the enterprise reads its hazard");
    assert_eq!(own.post_form("/notifications/read-all", &[]).await.status, 303);
}

// R-NOTE-1: every page shows the badge, so it counts no further than 99 ("99+"); the inbox
// still says exactly how many are unread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_ninety_nine_unread_notifications_the_badge_says_99_plus_and_the_inbox_gives_the_exact_count() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35P8C2", "通知计数厂").await;
    let enterprise = uuid::Uuid::parse_str(&e).expect("enterprise id");
    for i in 0..120_i64 {
        t.app
            .db
            .execute(
                "INSERT INTO notifications (id, enterprise_id, kind, subject_type, subject_id, params, link, dedup_key, \
                 created_at) VALUES (?, ?, 'hazard_recorded', 'hazard', ?, '{}', '/hazards', ?, ?)",
                touchstone_store::args![uuid::Uuid::now_v7(), enterprise, uuid::Uuid::now_v7(), format!("badge-{i}"), i],
            )
            .await
            .expect("notification");
    }
    let inbox = own.get("/notifications").await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    assert!(inbox.text.contains("id=\"unread-badge\">99+<"), "{}", inbox.text);
    assert!(
        inbox.text.contains("未读 \u{2068}120\u{2069} 条") || inbox.text.contains("未读 120 条"),
        "the inbox counts them all: {}",
        inbox.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_countys_officer_gets_404_on_the_hazard_and_campaign_pages() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, _own) = t.enterprise_with_account(&mut officer, "MA35P8D1", "隔离页面测试厂").await;
    let id = record_through_the_form(&mut officer, &e).await;
    let system = touchstone_app::Actor::system(None);
    let campaign = touchstone_app::campaigns::create(
        &t.app,
        &system,
        touchstone_app::campaigns::CampaignInput {
            name: "南昌县页面机密专项行动".into(),
            region_code: "360121".into(),
            starts_on: "2026-04-01".into(),
            ends_on: "2026-10-31".into(),
            key_products: vec!["04.01".into()],
            ..Default::default()
        },
    )
    .await
    .expect("campaign");
    let cid = campaign.campaign.id;
    assert_eq!(officer.get(&format!("/campaigns/{cid}")).await.status, 200);
    let mut neighbour = t.signed_in("xj.officer").await;
    for path in [format!("/hazards/{id}"), format!("/campaigns/{cid}")] {
        let r = neighbour.get(&path).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text.contains("隔离页面测试厂") && !r.text.contains("机密"), "{path}");
    }
    let r = neighbour
        .post_form(&format!("/hazards/{id}/steps"), &[("action", "void"), ("note", "x"), ("version", "1")])
        .await;
    assert_eq!(r.status, 404);
    assert!(!neighbour.get("/hazards").await.text.contains("隔离页面测试厂"));
    assert!(!neighbour.get("/campaigns").await.text.contains("机密"));
}
