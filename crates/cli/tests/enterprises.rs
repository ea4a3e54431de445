//! The enterprise ledger through HTTP (R-ENT-1..4, R-PRIV-1): registration with the credit
//! code checked, masking and the audited unmask, history as diffs, search, and an
//! enterprise's own account.

use serde_json::{Value, json};
use touchstone_testing::{TestApp, TestClient};

/// Valid codes composed for the test regions.
fn code(region: &str, org: &str) -> String {
    touchstone_domain::uscc::Uscc::compose("91", region, org).expect("composes").to_string()
}

fn enterprise(uscc: &str, name: &str, region: &str) -> Value {
    json!({
        "uscc": uscc, "name": name, "legal_representative": "张建国", "legal_rep_id_number": "11010519491231002X",
        "legal_rep_phone": "13812345678", "address": "江西省南昌市南昌县莲塘镇工业园 8 号", "region_code": region,
        "latitude": "28.548", "longitude": "115.944", "industry_code": "C3831", "scale": "small", "status": "operating",
        "roles": ["producer"], "industrial_park": "小蓝经济技术开发区", "categories": ["04.01"],
        "contacts": [{"name": "李质量", "position": "质量负责人", "phone": "13900001111"}]
    })
}

/// A category other than wire and cable (04.01), so a product search tells the two apart.
const FIRE_CATEGORY: &str = "06.01";

async fn register(c: &mut TestClient, body: Value) -> Value {
    let r = c.post_json("/api/v1/enterprises", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_registers_an_enterprise_and_a_bad_credit_code_names_its_position_and_rule() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let good = code("360121", "MA35K8P0");
    let mut bad = good.clone();
    bad.replace_range(17..18, if good.ends_with('0') { "1" } else { "0" });
    let r = c.post_json("/api/v1/enterprises", enterprise(&bad, "南昌县某电缆有限公司", "360121")).await;
    assert_eq!(r.status, 422);
    let f = &r.json()["error"]["fields"][0];
    assert_eq!(f["field"], "uscc");
    assert_eq!(f["code"], "uscc_check");
    let r = c.post_json("/api/v1/enterprises", enterprise(&good, "南昌县某电缆有限公司", "360112")).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "outside_jurisdiction", "新建区 is not 南昌县's");
    let pasted = format!(" {}-{} ", &good[..6], &good[6..]).to_lowercase();
    let e = register(&mut c, enterprise(&pasted, "南昌县某电缆有限公司", "360121")).await;
    assert_eq!(e["uscc"], good, "stored normalised");
    let r = c.post_json("/api/v1/enterprises", enterprise(&good, "重复", "360121")).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "taken");
    let r = c.post_json("/api/v1/enterprises", json!({"uscc": good})).await;
    assert_eq!(r.status, 422, "missing fields are named: {}", r.text);
    let mut body = enterprise(&code("360121", "MA35K8P1"), "类别不明", "360121");
    body["categories"] = json!(["99.99"]);
    let r = c.post_json("/api/v1/enterprises", body).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "categories");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_masked_everywhere_until_an_audited_unmask() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let e = register(&mut c, enterprise(&code("360121", "MA35K8P2"), "南昌县燃气具厂", "360121")).await;
    let id = e["id"].as_str().expect("id").to_string();
    assert_eq!(e["legal_rep_phone"], "138****5678");
    assert_eq!(e["legal_rep_id_number"], "1101**********002X");
    assert_eq!(e["contacts"][0]["phone"], "139****1111");
    let list = c.get("/api/v1/enterprises?q=燃气具").await;
    assert!(list.text.contains("138****5678") && !list.text.contains("13812345678"), "{}", list.text);
    let page = c.get(&format!("/enterprises/{id}")).await.text;
    assert!(page.contains("138****5678") && !page.contains("13812345678"));
    let csv = c.get("/enterprises/export.csv?q=燃气具").await.text;
    assert!(csv.contains("138****5678") && !csv.contains("13812345678"));
    let r = c.post_json(&format!("/api/v1/enterprises/{id}/unmask"), json!({})).await;
    assert_eq!(r.json()["legal_rep_phone"], "13812345678");
    assert_eq!(r.json()["masked"], false);
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?entity_id={id}&action=enterprise.unmask")).await.json();
    assert_eq!(audit["total"], 1, "the unmask is an audited sensitive read");
    let log = admin.get(&format!("/api/v1/audit?entity_id={id}")).await.text;
    assert!(
        log.contains("138****5678") && !log.contains("13812345678"),
        "the audit log shows personal data masked too"
    );
    assert_eq!(audit["items"][0]["actor_name"], "ncx.officer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_keeps_its_history_as_a_diff_and_a_stale_edit_is_refused() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let uscc = code("360121", "MA35K8P3");
    let e = register(&mut c, enterprise(&uscc, "南昌县水泥厂", "360121")).await;
    let id = e["id"].as_str().expect("id").to_string();
    let mut edit = enterprise(&uscc, "南昌县水泥有限公司", "360121");
    edit["status"] = json!("suspended");
    edit["version"] = json!(1);
    let r = c.put_json(&format!("/api/v1/enterprises/{id}"), edit.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c.put_json(&format!("/api/v1/enterprises/{id}"), edit).await;
    assert_eq!(r.status, 409, "a second edit from version 1 is stale");
    let history = c.get(&format!("/api/v1/enterprises/{id}/history")).await.json();
    let latest = &history[0];
    assert_eq!(latest["action"], "enterprise.update");
    let fields: Vec<&str> =
        latest["changes"].as_array().expect("changes").iter().filter_map(|c| c["field"].as_str()).collect();
    assert_eq!(fields, vec!["name", "status"], "only what changed");
    assert_eq!(history[1]["action"], "enterprise.create");
    let page = c.get(&format!("/enterprises/{id}")).await.text;
    assert!(page.contains("南昌县水泥厂") && page.contains("停产"), "the diff is on the file page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_by_a_two_character_name_credit_code_legal_representative_and_address() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let a = code("360121", "MA35K8P4");
    register(&mut c, enterprise(&a, "江西赣电电缆有限公司", "360121")).await;
    let mut other = enterprise(&code("360121", "MA35K8P5"), "南昌县消防器材厂", "360121");
    other["legal_representative"] = json!("王小红");
    other["address"] = json!("南昌县向塘镇");
    other["categories"] = json!([FIRE_CATEGORY]);
    register(&mut c, other).await;
    let names = |v: Value| -> Vec<String> {
        v["items"].as_array().expect("items").iter().map(|i| i["name"].as_str().unwrap_or("").to_string()).collect()
    };
    assert_eq!(names(c.get("/api/v1/enterprises?q=电缆").await.json()), vec!["江西赣电电缆有限公司"]);
    assert_eq!(names(c.get("/api/v1/enterprises?q=消").await.json()), vec!["南昌县消防器材厂"], "one character");
    assert_eq!(
        names(c.get(&format!("/api/v1/enterprises?q={}", &a[4..17].to_lowercase())).await.json()),
        vec!["江西赣电电缆有限公司"]
    );
    assert_eq!(names(c.get("/api/v1/enterprises?q=王小红").await.json()), vec!["南昌县消防器材厂"]);
    assert_eq!(names(c.get("/api/v1/enterprises?q=向塘").await.json()), vec!["南昌县消防器材厂"]);
    assert_eq!(names(c.get("/api/v1/enterprises?q=电线电缆").await.json()), vec!["江西赣电电缆有限公司"], "by product");
    assert_eq!(names(c.get("/api/v1/enterprises?q=赣电电").await.json()), vec!["江西赣电电缆有限公司"], "a phrase");
    assert!(
        names(c.get("/api/v1/enterprises?q=电赣").await.json()).is_empty(),
        "characters out of order are no phrase"
    );
    assert!(
        names(c.get("/api/v1/enterprises?q=缆有限公司南昌").await.json()).is_empty(),
        "a phrase stays in one field"
    );
    assert_eq!(names(c.get("/api/v1/enterprises?q=%E3%80%82%25").await.json()).len(), 2, "punctuation only: no filter");
    assert_eq!(c.get("/api/v1/enterprises?status=open").await.json()["error"]["fields"][0]["field"], "status");
    let mut neighbour = t.signed_in("xj.officer").await;
    assert_eq!(
        neighbour.get("/api/v1/enterprises?q=电缆").await.json()["total"],
        0,
        "search stays inside the jurisdiction"
    );
    let mut city = t.signed_in("nc.officer").await;
    assert_eq!(city.get("/api/v1/enterprises?q=电缆").await.json()["total"], 1, "the city sees its counties");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_user_sees_only_its_own_file_and_edits_only_its_contacts() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let own = register(&mut c, enterprise(&code("360121", "MA35K8P6"), "本企业", "360121")).await;
    let other = register(&mut c, enterprise(&code("360121", "MA35K8P7"), "别的企业", "360121")).await;
    let own_id = own["id"].as_str().expect("id").to_string();
    touchstone_app::users::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::users::NewUser {
            username: "qiye.zhiliang".into(),
            display_name: "本企业质量负责人".into(),
            role: "enterprise_user".into(),
            binding_id: Some(own_id.parse().expect("uuid")),
            region_code: Some("360121".into()),
            password: touchstone_testing::DEMO_PASSWORD.into(),
            ..Default::default()
        },
    )
    .await
    .expect("account");
    let mut me = t.signed_in("qiye.zhiliang").await;
    let r = me.get(&format!("/api/v1/enterprises/{own_id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["legal_rep_phone"], "13812345678", "its own data unmasked");
    assert_eq!(me.get(&format!("/api/v1/enterprises/{}", other["id"].as_str().expect("id"))).await.status, 404);
    assert_eq!(me.get("/api/v1/enterprises").await.json()["total"], 1);
    assert_eq!(me.get("/api/v1/users").await.status, 403);
    let r = me
        .put_json(
            "/api/v1/me/enterprise/contacts",
            json!([{"name": "新联系人", "position": "安全员", "phone": "0791-85551234"}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["contacts"][0]["name"], "新联系人");
    let mut edit = enterprise(own["uscc"].as_str().expect("uscc"), "改名", "360121");
    edit["version"] = json!(1);
    assert_eq!(me.put_json(&format!("/api/v1/enterprises/{own_id}"), edit).await.status, 403);
    let r = c.get(&format!("/api/v1/enterprises/{own_id}/history")).await.json();
    assert_eq!(r[0]["action"], "enterprise.contacts");
    assert_eq!(r[0]["actor"], "qiye.zhiliang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_claims_its_account_once_with_the_code_an_officer_issued() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let uscc = code("360121", "MA35K8W1");
    let e = register(&mut c, enterprise(&uscc, "激活测试企业", "360121")).await;
    let id = e["id"].as_str().expect("id").to_string();
    let issued = c.post_json(&format!("/api/v1/enterprises/{id}/activation-code"), json!({})).await;
    assert_eq!(issued.status, 201, "{}", issued.text);
    let code_text = issued.json()["code"].as_str().expect("code").to_string();
    let mut public = t.client();
    assert_eq!(public.get("/activate").await.status, 200);
    let claim = |code: &str, username: &str| json!({"uscc": uscc, "code": code, "username": username, "display_name": "质量负责人", "password": "Claim#Mine2026"});
    let r = public.post_json("/api/v1/activate", claim("AAAA-BBBB-CCCC-DDDD", "jihuo.user")).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "invalid_activation");
    let r = public.post_json("/api/v1/activate", claim(&code_text.to_lowercase(), "jihuo.user")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["role"], "enterprise_user");
    let r = public.post_json("/api/v1/activate", claim(&code_text, "jihuo.again")).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "invalid_activation", "a code works once");
    let mut me = t.client();
    let r = me.post_json("/api/v1/auth/sign-in", json!({"username": "jihuo.user", "password": "Claim#Mine2026"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(me.get(&format!("/api/v1/enterprises/{id}")).await.json()["name"], "激活测试企业");
    let mut other = t.signed_in("xj.officer").await;
    assert_eq!(other.post_json(&format!("/api/v1/enterprises/{id}/activation-code"), json!({})).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_list_exports_to_xlsx_with_personal_data_masked_and_the_export_audited() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    register(&mut c, enterprise(&code("360121", "MA35K8X1"), "导出测试电缆厂", "360121")).await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{}/enterprises/export.xlsx?q=导出测试", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    let bytes = res.bytes().await.expect("body");
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get("/api/v1/audit?action=export&entity_type=enterprise").await.json();
    assert_eq!(audit["total"], 1);
    assert!(audit["items"][0]["after_json"].as_str().unwrap_or("").contains("xlsx"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_is_checked_by_content_stored_by_hash_and_readable_only_in_the_jurisdiction() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let e = register(&mut c, enterprise(&code("360121", "MA35K8Y1"), "附件测试企业", "360121")).await;
    let id = e["id"].as_str().expect("id").to_string();
    let http = reqwest::Client::new();
    let send = |name: &str, body: Vec<u8>| {
        http.post(format!("{}/api/v1/enterprises/{id}/attachments?file_name={name}&note=现场照片", t.base))
            .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
            .header("origin", t.base.clone())
            .body(body)
            .send()
    };
    let pdf = b"%PDF-1.4\n% inspection record\n".to_vec();
    let r = send("检查记录.pdf", pdf.clone()).await.expect("sent");
    assert_eq!(r.status().as_u16(), 201);
    let row: Value = r.json().await.expect("json");
    assert_eq!(row["content_type"], "application/pdf");
    let sha = row["sha256"].as_str().expect("sha").to_string();
    assert!(t.data_dir.join("files").join(&sha[..2]).join(&sha).exists(), "stored by its SHA-256");
    let r = send("photo.jpg", b"MZ\x90\x00 not an image".to_vec()).await.expect("sent");
    assert_eq!(r.status().as_u16(), 422, "an executable is refused whatever its name");
    let download = c.get(&format!("/attachments/{}", row["id"].as_str().expect("id"))).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.text.as_bytes(), &pdf[..]);
    assert!(c.get(&format!("/enterprises/{id}")).await.text.contains("检查记录.pdf"));
    let mut other = t.signed_in("xj.officer").await;
    assert_eq!(other.get(&format!("/attachments/{}", row["id"].as_str().expect("id"))).await.status, 404);
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?entity_id={id}&action=enterprise.attachment")).await.json();
    assert!(audit["items"][0]["after_json"].as_str().unwrap_or("").contains(&sha), "the hash is in the audit entry");
}
