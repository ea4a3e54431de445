//! Accounts for the supervised through HTTP (issue 4): the laboratory registry, accounts the
//! bureau opens for certification bodies and laboratories and what their users can see
//! (R-CERT-3, R-SC-3, R-AUTH-1), and enterprise self-registration confirmed or rejected by an
//! officer of the jurisdiction (R-ENT-1, R-AUTH-1, R-AUTH-2, R-PRIV-1).

use serde_json::{Value, json};
use touchstone_testing::{Reply, TestApp, TestClient};

fn uscc(region: &str, org: &str) -> String {
    touchstone_domain::uscc::Uscc::compose("91", region, org).expect("composes").to_string()
}

fn fields(r: &Reply) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| f["field"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn laboratory(name: &str, number: &str, region: &str) -> Value {
    json!({"name": name, "accreditation_number": number, "cma_number": "201536000123", "region_code": region,
           "scope": ["04.01", "05.01"], "scope_text": "GB/T 5023.1-2008 导体电阻；GB 16410-2020 燃气灶具热效率"})
}

async fn created(c: &mut TestClient, path: &str, body: Value) -> Value {
    let r = c.post_json(path, body).await;
    assert_eq!(r.status, 201, "{path}: {}", r.text);
    r.json()
}

async fn enterprise(c: &mut TestClient, code: &str, name: &str) -> Value {
    created(
        c,
        "/api/v1/enterprises",
        json!({"uscc": code, "name": name, "legal_representative": "张三", "address": "南昌县莲塘镇", "region_code": "360121",
               "scale": "small", "status": "operating", "roles": ["producer"], "categories": ["04.01"]}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laboratory_is_registered_filtered_edited_with_its_version_and_exported_and_bad_input_names_each_field_r_sc_3()
 {
    let t = TestApp::spawn().await;
    let mut admin = t.signed_in("ncx.admin").await;
    let bad = json!({"name": "", "accreditation_number": "CNAS X12", "cma_number": "12", "region_code": "999999", "scope": ["99.99"]});
    let r = admin.post_json("/api/v1/laboratories", bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    for f in ["name", "accreditation_number", "cma_number", "region_code", "scope"] {
        assert!(fields(&r).contains(&f.to_string()), "{f} is named: {}", r.text);
    }
    assert_eq!(admin.get("/api/v1/laboratories").await.json()["total"], 0, "nothing was written");
    let lab =
        created(&mut admin, "/api/v1/laboratories", laboratory("南昌县产品质量检验所", "cnas l0456", "360121")).await;
    assert_eq!(lab["accreditation_number"], "CNAS L0456");
    assert_eq!(lab["status"], "active");
    assert_eq!(lab["version"], 1);
    let r = admin.post_json("/api/v1/laboratories", laboratory("另一家", "CNAS L0456", "360121")).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "taken", "{}", r.text);
    let r = admin.post_json("/api/v1/laboratories", laboratory("新建区检验所", "CNAS L0457", "360112")).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "outside_jurisdiction", "{}", r.text);
    let mut officer = t.signed_in("ncx.officer").await;
    assert_eq!(officer.post_json("/api/v1/laboratories", laboratory("x", "CNAS L0458", "360121")).await.status, 403);

    for (query, total) in [
        ("", 1),
        ("?q=l0456", 1),
        ("?category=04.01", 1),
        ("?category=04", 1),
        ("?category=04.01.01", 1),
        ("?category=03", 0),
        ("?region_code=360100", 1),
        ("?region_code=360700", 0),
        ("?status=suspended", 0),
        ("?sort=accreditation_number&dir=desc", 1),
    ] {
        let r = officer.get(&format!("/api/v1/laboratories{query}")).await;
        assert_eq!(r.json()["total"], total, "{query}: {}", r.text);
    }
    assert_eq!(fields(&officer.get("/api/v1/laboratories?sort=secret").await), vec!["sort"]);
    assert_eq!(fields(&officer.get("/api/v1/laboratories?status=closed").await), vec!["status"]);

    let lab_id = id(&lab);
    let mut edit = laboratory("南昌县产品质量监督检验所", "CNAS L0456", "360121");
    edit["status"] = json!("suspended");
    edit["version"] = json!(1);
    let r = admin.put_json(&format!("/api/v1/laboratories/{lab_id}"), edit.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "suspended");
    assert_eq!(r.json()["version"], 2);
    assert_eq!(admin.put_json(&format!("/api/v1/laboratories/{lab_id}"), edit.clone()).await.status, 409, "stale");
    edit["status"] = json!("closed");
    edit["version"] = json!(2);
    let r = admin.put_json(&format!("/api/v1/laboratories/{lab_id}"), edit).await;
    assert_eq!(fields(&r), vec!["status"]);
    assert_eq!(
        officer.get(&format!("/api/v1/laboratories/{lab_id}")).await.json()["version"],
        2,
        "a refused edit changed nothing"
    );

    let mut ruijin = t.signed_in("ruijin.admin").await;
    assert_eq!(
        ruijin.get(&format!("/api/v1/laboratories/{lab_id}")).await.status,
        200,
        "the registry is read by every bureau"
    );
    let mut foreign = laboratory("x", "CNAS L0456", "360781");
    foreign["version"] = json!(2);
    assert_eq!(ruijin.put_json(&format!("/api/v1/laboratories/{lab_id}"), foreign).await.status, 404);

    let csv = officer.get("/laboratories/export.csv?q=南昌县").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.text.contains("南昌县产品质量监督检验所") && csv.text.contains("CNAS L0456") && csv.text.contains("暂停")
    );
    let page = officer.get("/laboratories").await;
    assert!(page.text.contains("南昌县产品质量监督检验所"), "the list page shows it");
    let page = officer.get(&format!("/laboratories/{lab_id}")).await;
    assert!(page.text.contains("GB 16410-2020") && page.text.contains("电线电缆"), "the page shows the scope");
    let r = admin
        .post_form(
            "/laboratories",
            &[("name", "表单检验所"), ("accreditation_number", "L12"), ("region_code", "360121"), ("scope", "04.01")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("field-error"), "the form names the field");
    let audit = admin.get("/api/v1/audit?entity_type=laboratory").await.json();
    let actions: Vec<&str> =
        audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"laboratory.create") && actions.contains(&"laboratory.update"), "{actions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_opens_accounts_for_bodies_and_laboratories_whose_users_see_only_their_own_records_r_cert_3_r_auth_1()
 {
    let t = TestApp::spawn().await;
    let mut admin = t.signed_in("ncx.admin").await;
    let lab =
        id(&created(&mut admin, "/api/v1/laboratories", laboratory("南昌县检验所", "CNAS L1001", "360121")).await);
    let other_lab =
        id(&created(&mut admin, "/api/v1/laboratories", laboratory("莲塘检验所", "CNAS L1002", "360121")).await);
    let body_json =
        |n: &str, a: &str| json!({"name": n, "approval_number": a, "region_code": "360121", "scope": ["04"]});
    let body =
        id(&created(&mut admin, "/api/v1/certification-bodies", body_json("南昌认证中心", "CNCA-R-2026-101")).await);
    let other_body =
        id(&created(&mut admin, "/api/v1/certification-bodies", body_json("莲塘认证中心", "CNCA-R-2026-102")).await);
    let mut officer = t.signed_in("ncx.officer").await;
    let e = enterprise(&mut officer, &uscc("360121", "MA35K9A1"), "认证持证企业").await;
    for (number, issuer) in [("2026010105000001", &body), ("2026010105000002", &other_body)] {
        created(
            &mut officer,
            "/api/v1/certificates",
            json!({"number": number, "kind": "ccc", "holder_id": e["id"], "issuer_body_id": issuer, "scope": ["04.01"],
                   "issued_on": "2026-01-01", "expires_on": "2030-12-31"}),
        )
        .await;
    }

    let account = |u: &str| json!({"username": u, "display_name": "账号", "password": "Temp#Account2026"});
    let mut inspector = t.signed_in("ncx.inspector").await;
    let r = inspector.post_json(&format!("/api/v1/laboratories/{lab}/accounts"), account("lab.user")).await;
    assert_eq!(r.status, 403, "an inspector does not open accounts");
    let mut ruijin = t.signed_in("ruijin.officer").await;
    let r = ruijin.post_json(&format!("/api/v1/laboratories/{lab}/accounts"), account("lab.user")).await;
    assert_eq!(r.status, 404, "another county's officer cannot open accounts here");
    let r = officer
        .post_json(
            &format!("/api/v1/laboratories/{lab}/accounts"),
            json!({"username": "A", "display_name": "", "password": "x"}),
        )
        .await;
    let named = fields(&r);
    assert!(["username", "display_name", "password"].iter().all(|f| named.contains(&f.to_string())), "{named:?}");
    let user = created(&mut officer, &format!("/api/v1/laboratories/{lab}/accounts"), account("lab.user")).await;
    assert_eq!(user["role"], "laboratory_user");
    assert_eq!(user["binding_id"], lab.as_str());
    assert_eq!(user["must_change_password"], true);
    created(&mut officer, &format!("/api/v1/certification-bodies/{body}/accounts"), account("body.user")).await;
    let listed = officer.get(&format!("/api/v1/laboratories/{lab}/accounts")).await.json();
    assert_eq!(listed[0]["username"], "lab.user");
    assert_eq!(ruijin.get(&format!("/api/v1/laboratories/{lab}/accounts")).await.status, 404);
    let page = officer.get(&format!("/laboratories/{lab}")).await.text;
    assert!(page.contains("lab.user") && page.contains("account-form"), "the page lists its accounts and can open one");
    assert!(!ruijin.get(&format!("/laboratories/{lab}")).await.text.contains("lab.user"));
    let r = officer
        .post_form(
            &format!("/certification-bodies/{body}/accounts"),
            &[("username", "body.second"), ("display_name", "第二账号"), ("password", "Temp#Account2026")],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.text.contains("body.second") && r.text.contains("body.user"));

    let mut lab_user = TestClient::new(&t.base);
    let r = lab_user
        .post_json("/api/v1/auth/sign-in", json!({"username": "lab.user", "password": "Temp#Account2026"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(lab_user.get(&format!("/api/v1/laboratories/{lab}")).await.json()["name"], "南昌县检验所");
    for path in [
        format!("/api/v1/laboratories/{other_lab}"),
        "/api/v1/laboratories".into(),
        "/api/v1/enterprises".into(),
        "/api/v1/certificates".into(),
        "/api/v1/users".into(),
        "/api/v1/registrations".into(),
    ] {
        let r = lab_user.get(&path).await;
        assert!(r.status == 403 || r.status == 404, "a laboratory user reads {path}: {}", r.status);
    }
    assert!(lab_user.get("/").await.text.contains(&format!("/laboratories/{lab}")), "home links its own record");

    let mut body_user = TestClient::new(&t.base);
    body_user.post_json("/api/v1/auth/sign-in", json!({"username": "body.user", "password": "Temp#Account2026"})).await;
    let issued = body_user.get("/api/v1/certificates").await.json();
    assert_eq!(issued["total"], 1, "only the certificates it issued: {issued}");
    let own = issued["items"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(issued["items"][0]["number"], "2026010105000001");
    assert_eq!(body_user.get(&format!("/api/v1/certificates/{own}")).await.status, 200);
    let theirs = officer.get("/api/v1/certificates?q=2026010105000002").await.json()["items"][0]["id"].clone();
    assert_eq!(body_user.get(&format!("/api/v1/certificates/{}", theirs.as_str().expect("id"))).await.status, 404);
    assert_eq!(body_user.get(&format!("/api/v1/certification-bodies/{body}")).await.json()["name"], "南昌认证中心");
    assert_eq!(body_user.get(&format!("/api/v1/certification-bodies/{other_body}")).await.status, 403);
    assert_eq!(body_user.get(&format!("/api/v1/enterprises/{}", id(&e))).await.status, 403);
    let step = json!({"status": "suspended", "reason": "x", "version": 1});
    assert_eq!(body_user.post_json(&format!("/api/v1/certificates/{own}/status"), step).await.status, 403);
    let page = body_user.get("/certificates").await.text;
    assert!(page.contains("2026010105000001") && !page.contains("2026010105000002"));
    assert!(body_user.get(&format!("/certification-bodies/{body}")).await.text.contains("issued-certificates"));
}

fn request(code: &str, name: &str, username: &str, region: &str) -> Value {
    json!({"uscc": code, "company_name": name, "contact_name": "王质量", "phone": "13812345678", "region_code": region,
           "username": username, "password": "Mine#Register2026"})
}

async fn pending_id(c: &mut TestClient, name: &str) -> (String, i64) {
    let list = c.get("/api/v1/registrations?status=pending").await.json();
    let item = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["company_name"] == name)
        .unwrap_or_else(|| panic!("{name} is pending: {list}"))
        .clone();
    (id(&item), item["version"].as_i64().expect("version"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_enterprise_asks_for_an_account_an_officer_confirms_and_its_user_sees_only_its_own_file_r_ent_3_r_auth_1()
 {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let code = uscc("360121", "MA35K9B1");
    let own = enterprise(&mut officer, &code, "注册测试电缆厂").await;
    let other = enterprise(&mut officer, &uscc("360121", "MA35K9B2"), "邻居电缆厂").await;
    let mut public = t.client();
    assert_eq!(public.get("/register").await.status, 200);
    // The applicant picks 新建区 by mistake: a registered code goes to the enterprise's own county.
    let known =
        public.post_json("/api/v1/registrations", request(&code, "注册测试电缆厂", "zhuce.user", "360112")).await;
    assert_eq!(known.status, 202, "{}", known.text);
    let unknown = public
        .post_json("/api/v1/registrations", request(&uscc("360121", "MA35K9B9"), "无档企业", "zhuce.other", "360121"))
        .await;
    assert_eq!(unknown.status, 202);
    let keys = |r: &Reply| r.json().as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert_eq!(keys(&known), keys(&unknown), "the answer does not tell a registered code from another");
    assert_eq!(known.json()["status"], unknown.json()["status"]);

    let mut xinjian = t.signed_in("xj.officer").await;
    assert!(!xinjian.get("/api/v1/registrations").await.text.contains("注册测试电缆厂"));
    let (req, version) = pending_id(&mut officer, "注册测试电缆厂").await;
    let detail = officer.get(&format!("/api/v1/registrations/{req}")).await.json();
    assert_eq!(detail["phone"], "138****5678", "masked until an audited unmask");
    assert_eq!(detail["enterprise"]["id"], own["id"]);
    assert_eq!(
        officer.post_json(&format!("/api/v1/registrations/{req}/unmask"), json!({})).await.json()["phone"],
        "13812345678"
    );
    let page = officer.get(&format!("/registrations/{req}")).await.text;
    assert!(page.contains("confirm-form") && page.contains("注册测试电缆厂"));

    let r = officer.post_json(&format!("/api/v1/registrations/{req}/confirm"), json!({"version": version})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "confirmed");
    assert_eq!(r.json()["decided_by"], "ncx.officer");
    let again = officer.post_json(&format!("/api/v1/registrations/{req}/confirm"), json!({"version": version})).await;
    assert_eq!(again.status, 409);

    let mut me = t.client();
    let r =
        me.post_json("/api/v1/auth/sign-in", json!({"username": "zhuce.user", "password": "Mine#Register2026"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(me.get(&format!("/api/v1/enterprises/{}", id(&own))).await.json()["name"], "注册测试电缆厂");
    assert_eq!(me.get(&format!("/api/v1/enterprises/{}", id(&other))).await.status, 404);
    assert_eq!(me.get("/api/v1/enterprises").await.json()["total"], 1);
    assert_eq!(me.get("/api/v1/registrations").await.status, 403);

    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?entity_id={req}")).await.json();
    let actions: Vec<&str> =
        audit["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    for a in ["enterprise_registration.submit", "enterprise_registration.unmask", "enterprise_registration.confirm"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let history = officer.get(&format!("/api/v1/enterprises/{}/history", id(&own))).await.json();
    assert!(history.to_string().contains("enterprise.account_registered"), "the file shows the account: {history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_credit_code_is_confirmed_only_after_the_enterprise_is_registered_or_is_rejected_with_a_reason_r_ent_1()
 {
    let t = TestApp::spawn().await;
    let mut public = t.client();
    let later = uscc("360121", "MA35K9C1");
    for (code, name, user) in
        [(later.as_str(), "后登记企业", "houdengji"), (&uscc("360121", "MA35K9C2"), "被驳回企业", "bohui.user")]
    {
        let r = public.post_json("/api/v1/registrations", request(code, name, user, "360121")).await;
        assert_eq!(r.status, 202, "{}", r.text);
    }
    let mut officer = t.signed_in("ncx.officer").await;
    let (req, version) = pending_id(&mut officer, "后登记企业").await;
    assert!(officer.get(&format!("/registrations/{req}")).await.text.contains("register-enterprise"));
    let r = officer.post_json(&format!("/api/v1/registrations/{req}/confirm"), json!({"version": version})).await;
    assert_eq!(r.json()["error"]["fields"][0]["code"], "not_registered", "{}", r.text);
    let form = officer.get(&format!("/enterprises/new?uscc={later}&name=后登记企业&region_code=360121")).await.text;
    assert!(form.contains(&later) && form.contains("后登记企业"), "the enterprise form is filled from the request");
    enterprise(&mut officer, &later, "后登记企业").await;
    let r = officer.post_json(&format!("/api/v1/registrations/{req}/confirm"), json!({"version": version})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let (req, version) = pending_id(&mut officer, "被驳回企业").await;
    let r = officer
        .post_json(&format!("/api/v1/registrations/{req}/reject"), json!({"reason": " ", "version": version}))
        .await;
    assert_eq!(fields(&r), vec!["reason"]);
    let r = officer
        .post_form(
            &format!("/registrations/{req}/reject"),
            &[("reason", "经电话核实，申请人非该企业员工"), ("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = officer.get(&format!("/api/v1/registrations/{req}")).await.json();
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["reason"], "经电话核实，申请人非该企业员工");
    let mut applicant = t.client();
    let r = applicant
        .post_json("/api/v1/auth/sign-in", json!({"username": "bohui.user", "password": "Mine#Register2026"}))
        .await;
    assert_eq!(r.status, 401, "a rejected request opens no account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_of_another_region_can_neither_see_nor_decide_a_request_r_auth_1() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let code = uscc("360121", "MA35K9D1");
    enterprise(&mut officer, &code, "本县注册企业").await;
    let r =
        t.client().post_json("/api/v1/registrations", request(&code, "本县注册企业", "benxian.user", "360781")).await;
    assert_eq!(r.status, 202);
    let (req, version) = pending_id(&mut officer, "本县注册企业").await;
    let mut ruijin = t.signed_in("ruijin.officer").await;
    assert!(
        !ruijin.get("/api/v1/registrations").await.text.contains("本县注册企业"),
        "the chosen region does not see a registered code"
    );
    assert!(!ruijin.get("/registrations").await.text.contains("本县注册企业"));
    let decision = json!({"reason": "x", "version": version});
    for (method, path) in [
        ("GET", format!("/api/v1/registrations/{req}")),
        ("POST", format!("/api/v1/registrations/{req}/confirm")),
        ("POST", format!("/api/v1/registrations/{req}/reject")),
        ("POST", format!("/api/v1/registrations/{req}/unmask")),
        ("GET", format!("/registrations/{req}")),
    ] {
        let r = if method == "GET" { ruijin.get(&path).await } else { ruijin.post_json(&path, decision.clone()).await };
        assert_eq!(r.status, 404, "{method} {path}");
        assert!(!r.text.contains("本县注册企业"));
    }
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert_eq!(inspector.get(&format!("/api/v1/registrations/{req}")).await.status, 403);
    assert_eq!(
        officer.get(&format!("/api/v1/registrations/{req}")).await.json()["status"],
        "pending",
        "nothing was decided"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_request_names_each_bad_field_and_is_throttled_per_address_like_sign_in_r_auth_2() {
    let t = TestApp::spawn().await;
    let mut public = t.client();
    let bad = json!({"uscc": "91360121MA35K9E1X", "company_name": "", "contact_name": "", "phone": "abc", "region_code": "99",
                     "username": "A", "password": "short"});
    let r = public.post_json("/api/v1/registrations", bad.clone()).await;
    assert_eq!(r.status, 422);
    let named = fields(&r);
    for f in ["uscc", "company_name", "contact_name", "phone", "region_code", "username", "password"] {
        assert!(named.contains(&f.to_string()), "{f} in {named:?}");
    }
    let page =
        public.post_form("/register", &[("uscc", "123"), ("company_name", "表单企业"), ("username", "biaodan")]).await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("表单企业") && page.text.contains("field-error"));
    let window = t.app.config.security.address_failures_per_window;
    for _ in 2..window {
        public.post_json("/api/v1/registrations", bad.clone()).await;
    }
    let r = public
        .post_json("/api/v1/registrations", request(&uscc("360121", "MA35K9E2"), "限流企业", "xianliu", "360121"))
        .await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
    let mut officer = t.signed_in("ncx.officer").await;
    assert_eq!(officer.get("/api/v1/registrations").await.json()["total"], 0, "nothing was received");
}
