//! R-AUTH-1, table-driven: every route that reads or changes a bureau's records × every
//! regulator role × a record of another jurisdiction answers exactly as for a record that
//! does not exist (404, or the role's 403 that says nothing about the record), and never
//! shows the record. Later issues add their routes to `ROUTES`.

use serde_json::json;
use touchstone_testing::{TestApp, TestClient};

/// (method, path template with {id}, JSON body for writes or None, form body for pages)
type Route = (&'static str, &'static str, Option<serde_json::Value>);

fn user_routes() -> Vec<Route> {
    vec![
        ("GET", "/api/v1/users/{id}", None),
        (
            "PUT",
            "/api/v1/users/{id}",
            Some(json!({"display_name": "x", "role": "officer", "department": "credit", "version": 1})),
        ),
        ("POST", "/api/v1/users/{id}/lock", None),
        ("POST", "/api/v1/users/{id}/unlock", None),
        ("POST", "/api/v1/users/{id}/reset-password", Some(json!({"password": "Another#Pass2026"}))),
        ("POST", "/api/v1/users/{id}/reset-second-factor", None),
        ("GET", "/admin/users/{id}", None),
        ("FORM", "/admin/users/{id}", None),
        ("FORM", "/admin/users/{id}/lock", None),
        ("FORM", "/admin/users/{id}/unlock", None),
        ("FORM", "/admin/users/{id}/reset-password", None),
        ("FORM", "/admin/users/{id}/reset-second-factor", None),
    ]
}

fn organisation_routes() -> Vec<Route> {
    vec![
        ("GET", "/api/v1/organisations/{id}", None),
        ("PUT", "/api/v1/organisations/{id}", Some(json!({"name": "x", "version": 1}))),
        ("GET", "/admin/organisations/{id}", None),
        ("FORM", "/admin/organisations/{id}", None),
    ]
}

fn enterprise_routes() -> Vec<Route> {
    vec![
        ("GET", "/api/v1/enterprises/{id}", None),
        (
            "PUT",
            "/api/v1/enterprises/{id}",
            Some(json!({"uscc": "", "name": "x", "legal_representative": "x", "address": "x", "region_code": "360121",
                        "scale": "small", "status": "operating", "roles": ["producer"], "version": 1})),
        ),
        ("POST", "/api/v1/enterprises/{id}/unmask", None),
        ("GET", "/api/v1/enterprises/{id}/history", None),
        ("GET", "/api/v1/enterprises/{id}/timeline", None),
        ("GET", "/api/v1/enterprises/{id}/timeline?kind=attachment&from=2000-01-01", None),
        ("GET", "/enterprises/{id}?kind=certificate_status", None),
        ("GET", "/enterprises/{id}", None),
        ("FORM", "/enterprises/{id}/unmask", None),
        ("GET", "/enterprises/{id}/edit", None),
        ("FORM", "/enterprises/{id}/edit", None),
        ("POST", "/api/v1/enterprises/{id}/activation-code", None),
        ("FORM", "/enterprises/{id}/activation-code", None),
        // Completing an archived establishment's credit code (ADR 0008).
        ("POST", "/api/v1/enterprises/{id}/credit-code", Some(json!({"uscc": "91360121MA35Q1B2XX", "version": 1}))),
        ("GET", "/enterprises/{id}/credit-code", None),
        ("FORM", "/enterprises/{id}/credit-code", None),
        ("GET", "/api/v1/enterprises/{id}/attachments", None),
        // The official documents issued to it (R-INSP-3, R-HAZ-2).
        ("GET", "/api/v1/enterprises/{id}/documents", None),
        ("ATT GET", "/attachments/{id}", None),
        ("ATT GET", "/api/v1/attachments/{id}/content", None),
        ("CERT GET", "/api/v1/certificates/{id}", None),
        (
            "CERT POST",
            "/api/v1/certificates/{id}/status",
            Some(json!({"status": "suspended", "reason": "x", "version": 1})),
        ),
        ("CERT GET", "/certificates/{id}", None),
        ("CERT FORM", "/certificates/{id}/status", None),
        ("GET", "/api/v1/enterprises/{id}/products", None),
        ("POST", "/api/v1/enterprises/{id}/products", Some(json!({"category_code": "04.01", "name": "x"}))),
        ("GET", "/enterprises/{id}/products/new", None),
        ("FORM", "/enterprises/{id}/products", None),
        ("PROD GET", "/api/v1/products/{id}", None),
        ("PROD PUT", "/api/v1/products/{id}", Some(json!({"category_code": "04.01", "name": "x", "version": 1}))),
        ("PROD GET", "/products/{id}", None),
        ("PROD FORM", "/products/{id}", None),
        // Recording an on-site inspection of the enterprise (R-INSP-3).
        ("GET", "/inspections/new?enterprise_id={id}", None),
    ]
}

/// Registers an enterprise in `region` as the system account, with a certificate, an
/// attachment and a product; returns the enterprise id, its name and the other records' ids.
async fn enterprise_in(t: &TestApp, region: &str) -> (String, String, String, String, String) {
    let n = t.app.clock.now().as_micros() % 100_000_000;
    let uscc =
        touchstone_domain::uscc::Uscc::compose("91", region, &format!("MA{n:06}")[..8]).expect("code").to_string();
    let name = format!("{}某某企业{}", touchstone_domain::region::regions().get(region).expect("region").name, n);
    let e = touchstone_app::enterprises::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::enterprises::EnterpriseInput {
            uscc,
            name: name.clone(),
            legal_representative: "某某".into(),
            address: "某地".into(),
            region_code: region.into(),
            scale: "small".into(),
            status: "operating".into(),
            roles: vec!["producer".into()],
            ..Default::default()
        },
    )
    .await
    .expect("registered");
    let cert = touchstone_app::certificates::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::certificates::CertificateInput {
            number: format!("XK-{region}-{n}"),
            kind: "production_licence".into(),
            holder_id: e.enterprise.id,
            issuer_name: "江西省市场监督管理局".into(),
            scope: vec!["04.01".into()],
            issued_on: "2024-01-01".into(),
            expires_on: "2030-01-01".into(),
            ..Default::default()
        },
    )
    .await
    .expect("certificate");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("upload");
    std::fs::write(&file, b"%PDF-1.4 secret").expect("write");
    let att = touchstone_app::attachments::add(
        &t.app,
        &touchstone_app::Actor::system(None),
        e.enterprise.id,
        &file,
        "机密.pdf",
        None,
    )
    .await
    .expect("attachment");
    let product = touchstone_app::products::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        e.enterprise.id,
        touchstone_app::products::ProductInput {
            category_code: "04.01".into(),
            name: "聚氯乙烯绝缘电缆".into(),
            status: "in_production".into(),
            ..Default::default()
        },
    )
    .await
    .expect("product");
    (
        e.enterprise.id.to_string(),
        name,
        cert.certificate.id.to_string(),
        att.id.to_string(),
        product.product.id.to_string(),
    )
}

/// Key-product lists a region defined (R-CAT-2): read in and above the jurisdiction only.
fn key_list_routes() -> Vec<Route> {
    vec![
        ("KEY GET", "/api/v1/key-product-lists/{id}", None),
        ("KEY PUT", "/api/v1/key-product-lists/{id}", Some(json!({"name": "x", "version": 1}))),
        ("KEY POST", "/api/v1/key-product-lists/{id}/items", Some(json!({"category_code": "04.01", "version": 1}))),
        ("KEY DELETE", "/api/v1/key-product-lists/{id}/items/03.03?version=1", None),
        ("KEY GET", "/catalogue/lists/{id}", None),
        ("KEY FORM", "/catalogue/lists/{id}", None),
        ("KEY FORM", "/catalogue/lists/{id}/items", None),
        ("KEY FORM", "/catalogue/lists/{id}/items/remove", None),
    ]
}

/// Defines a key-product list for `region` as the system account; its id and name.
async fn key_list_in(t: &TestApp, region: &str) -> (String, String) {
    let name = format!("{region}内部重点产品目录");
    let input = touchstone_app::key_products::ListInput {
        name: name.clone(),
        year: 2022,
        region_code: Some(region.into()),
        items: vec![touchstone_app::key_products::ItemInput { category_code: "03.03".into(), note: None }],
        ..Default::default()
    };
    let list = touchstone_app::key_products::create(&t.app, &touchstone_app::Actor::system(None), input)
        .await
        .expect("key-product list");
    (list.id, name)
}

/// The hazard ledger and campaigns (R-HAZ-1, R-CAMP-1): a county's hazards and its own
/// campaigns are its regional records.
fn ledger_routes() -> Vec<Route> {
    vec![
        ("HAZ GET", "/api/v1/hazards/{id}", None),
        ("HAZ POST", "/api/v1/hazards/{id}/steps", Some(json!({"action": "void", "note": "x", "version": 1}))),
        // Issuing a hazard's 责令限期整改通知书 or 整改复查意见书 (R-HAZ-2).
        ("HAZ POST", "/api/v1/hazards/{id}/documents", Some(json!({"kind": "rectification_order"}))),
        ("HAZ FORM", "/hazards/{id}/documents", None),
        ("HAZ POST", "/api/v1/hazards/{id}/promote", Some(json!({}))),
        ("CAMP GET", "/api/v1/campaigns/{id}", None),
        (
            "CAMP POST",
            "/api/v1/campaigns/{id}/actions",
            Some(json!({"region_code": "360121", "kind": "reminder", "note": "x"})),
        ),
        ("HAZ GET", "/hazards/{id}", None),
        ("HAZ FORM", "/hazards/{id}/steps", None),
        ("HAZ FORM", "/hazards/{id}/promote", None),
        ("CAMP GET", "/campaigns/{id}", None),
        ("CAMP FORM", "/campaigns/{id}/actions", None),
        // The weekly report (R-REP-1): the table, its files, a figure's records, the submissions.
        ("CAMP GET", "/api/v1/campaigns/{id}/weekly-report?week=2026-W16", None),
        ("CAMP GET", "/api/v1/campaigns/{id}/weekly-report?week=cumulative&format=xlsx", None),
        ("CAMP GET", "/api/v1/campaigns/{id}/weekly-report?week=2026-W16&format=csv", None),
        ("CAMP GET", "/api/v1/campaigns/{id}/weekly-report/records?week=2026-W16&figure=target_enterprises", None),
        ("CAMP GET", "/api/v1/campaigns/{id}/weekly-reports?week=2026-W16", None),
        ("CAMP POST", "/api/v1/campaigns/{id}/weekly-reports", Some(json!({"week": "2026-W16"}))),
        ("CAMP GET", "/campaigns/{id}/report?week=2026-W16", None),
        ("CAMP GET", "/campaigns/{id}/report/records?week=2026-W16&figure=hazards_major", None),
        ("CAMP FORM", "/campaigns/{id}/report/submit", None),
    ]
}

/// Inspections (R-INSP-1, R-INSP-3, R-SELF-2): an inspection record, a plan and a
/// self-inspection are regional records of their region.
fn inspection_routes() -> Vec<Route> {
    vec![
        ("INSP GET", "/api/v1/inspections/{id}", None),
        (
            "INSP PUT",
            "/api/v1/inspections/{id}",
            Some(json!({"enterprise_id": uuid::Uuid::nil(), "notice": "none", "version": 1})),
        ),
        // Issuing an inspection's 现场检查笔录 or 责令限期整改通知书 (R-INSP-3, R-HAZ-2).
        ("INSP POST", "/api/v1/inspections/{id}/documents", Some(json!({"kind": "inspection_record"}))),
        ("INSP FORM", "/inspections/{id}/documents", None),
        ("PLAN GET", "/api/v1/inspection-plans/{id}", None),
        ("SELF GET", "/api/v1/self-inspections/{id}", None),
        ("SELF PUT", "/api/v1/self-inspections/{id}", Some(json!({"answers": [], "version": 1}))),
        // The pages (R-INSP-1, R-INSP-3, R-SELF-1): the record, its form post, the plan, the
        // self-inspection and its form post.
        ("INSP GET", "/inspections/{id}", None),
        ("INSP FORM", "/inspections/{id}", None),
        ("PLAN GET", "/inspection-plans/{id}", None),
        ("SELF GET", "/self-inspections/{id}", None),
        ("SELF FORM", "/self-inspections/{id}", None),
    ]
}

/// Official documents (R-INSP-3, R-HAZ-2): a document is regional data of its subject's region.
fn document_routes() -> Vec<Route> {
    vec![("DOC GET", "/api/v1/documents/{id}", None), ("DOC GET", "/api/v1/documents/{id}/pdf", None)]
}

/// A 责令限期整改通知书 for the hazard `hazard_id`, issued by the system account; its id.
async fn document_in(t: &TestApp, hazard_id: &str) -> String {
    let input = touchstone_app::documents::IssueInput { kind: "rectification_order".into() };
    let system = touchstone_app::Actor::system(None);
    let issued = touchstone_app::documents::issue_for_hazard(&t.app, &system, hazard_id.parse().expect("id"), &input)
        .await
        .expect("document");
    issued.view.document.id.to_string()
}

/// A draft inspection, a plan and a self-inspection at the enterprise `enterprise_id` of
/// `region`; their ids and the plan's name.
async fn inspections_in(t: &TestApp, region: &str, enterprise_id: &str) -> (String, String, String, String) {
    let system = touchstone_app::Actor::system(None);
    let enterprise: uuid::Uuid = enterprise_id.parse().expect("id");
    let inspection = touchstone_app::inspections::create(
        &t.app,
        &system,
        touchstone_app::inspections::InspectionInput {
            enterprise_id: enterprise,
            notice: "none".into(),
            place: format!("{region}机密检查地点"),
            ..Default::default()
        },
    )
    .await
    .expect("inspection");
    let name = format!("{region}机密检查计划");
    let plan = touchstone_app::inspections::create_plan(
        &t.app,
        &system,
        touchstone_app::inspections::PlanInput {
            name: name.clone(),
            kind: "routine".into(),
            region_code: region.into(),
            targets: vec![enterprise],
            starts_on: "2026-04-01".into(),
            ends_on: "2026-10-31".into(),
            ..Default::default()
        },
    )
    .await
    .expect("plan");
    let now = t.app.clock.now().as_micros();
    let own = touchstone_store::self_inspections::SelfInspectionRow {
        id: uuid::Uuid::now_v7(),
        number: format!("ZC-{region}-2026-000001"),
        enterprise_id: enterprise,
        region_code: region.into(),
        campaign_id: None,
        status: "draft".into(),
        enterprise_types: "other".into(),
        category_codes: "04.01".into(),
        answers: "[]".into(),
        major_risk: Some(format!("{region}机密重大风险")),
        responsible_person: None,
        submitted_on: None,
        submitted_at: None,
        submitted_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
        updated_by: "system".into(),
    };
    let mut tx = t.app.db.begin().await.expect("tx");
    touchstone_store::self_inspections::insert(&mut tx, &own).await.expect("self-inspection");
    tx.commit().await.expect("commit");
    (inspection.inspection.id.to_string(), plan.plan.id.to_string(), own.id.to_string(), name)
}

/// A hazard at the enterprise `enterprise_id` of `region`, and a campaign of that region, as the
/// system account; the hazard's and the campaign's ids and the campaign's name.
async fn ledger_in(t: &TestApp, region: &str, enterprise_id: &str) -> (String, String, String) {
    let system = touchstone_app::Actor::system(None);
    let hazard = touchstone_app::hazards::create(
        &t.app,
        &system,
        touchstone_app::hazards::HazardInput {
            enterprise_id: enterprise_id.parse().expect("id"),
            source: "inspection".into(),
            level: "major".into(),
            description: format!("{region}机密隐患描述"),
            responsible_person: "某某".into(),
            ..Default::default()
        },
    )
    .await
    .expect("hazard");
    let name = format!("{region}机密专项行动");
    let campaign = touchstone_app::campaigns::create(
        &t.app,
        &system,
        touchstone_app::campaigns::CampaignInput {
            name: name.clone(),
            region_code: region.into(),
            starts_on: "2026-04-01".into(),
            ends_on: "2026-10-31".into(),
            key_products: vec!["04.01".into()],
            ..Default::default()
        },
    )
    .await
    .expect("campaign");
    (hazard.hazard.id.to_string(), campaign.campaign.id.to_string(), name)
}

/// One route on a foreign record answers as on a missing one and shows nothing of it.
async fn refused_like_missing(c: &mut TestClient, who: &str, route: &Route, target: &str, secret: &str) {
    let foreign = call(c, route, target).await;
    let nowhere = call(c, route, &uuid::Uuid::now_v7().to_string()).await;
    assert!(
        foreign.status == 404 || foreign.status == 403,
        "{who} {} {}: {} {}",
        route.0,
        route.1,
        foreign.status,
        foreign.text
    );
    assert_eq!(foreign.status, nowhere.status, "{who} {} {}: answer differs from a missing id", route.0, route.1);
    assert!(!foreign.text.contains(secret), "{who} {} {} leaks {secret}", route.0, route.1);
}

async fn call(c: &mut TestClient, route: &Route, id: &str) -> touchstone_testing::Reply {
    let path = route.1.replace("{id}", id);
    match route
        .0
        .trim_start_matches("CERT ")
        .trim_start_matches("ATT ")
        .trim_start_matches("PROD ")
        .trim_start_matches("KEY ")
        .trim_start_matches("HAZ ")
        .trim_start_matches("CAMP ")
        .trim_start_matches("INSP ")
        .trim_start_matches("PLAN ")
        .trim_start_matches("SELF ")
        .trim_start_matches("DOC ")
    {
        "GET" => c.get(&path).await,
        "FORM" => {
            c.post_form(
                &path,
                &[
                    ("display_name", "x"),
                    ("name", "x"),
                    ("role", "officer"),
                    ("password", "Another#Pass2026"),
                    ("version", "1"),
                ],
            )
            .await
        }
        m => c.send(m, &path, route.2.clone().or(Some(json!({})))).await,
    }
}

/// Each actor with users and bureaus that lie outside its jurisdiction: another county, the
/// city above, the province, a 省直管县, the administrator-defined new area.
type Row = (&'static str, Vec<&'static str>, Vec<&'static str>);

fn table() -> Vec<Row> {
    let county_users = vec!["xj.officer", "nc.officer", "jx.officer", "gjxq.officer", "ruijin.officer"];
    let county_bureaus = vec!["JX-360112", "JX-360100", "JX-360000", "JX-360781", "JX-GJXQ"];
    let ruijin_users = vec!["nc.officer", "ncx.officer", "jx.officer", "gjxq.officer"];
    let ruijin_bureaus = vec!["JX-360700", "JX-360702", "JX-360000", "JX-360121", "JX-GJXQ"];
    vec![
        ("ncx.admin", county_users.clone(), county_bureaus.clone()),
        ("ncx.officer", county_users.clone(), county_bureaus.clone()),
        ("ncx.inspector", county_users, county_bureaus),
        ("ruijin.admin", ruijin_users.clone(), ruijin_bureaus.clone()),
        ("ruijin.officer", ruijin_users, ruijin_bureaus),
        (
            "gjxq.officer",
            vec!["ncx.officer", "ruijin.officer", "jx.officer"],
            vec!["JX-360425", "JX-360482", "JX-360400", "JX-360000"],
        ),
        (
            "nc.legal",
            vec!["ruijin.officer", "jx.officer", "gjxq.officer"],
            vec!["JX-360000", "JX-360700", "JX-360781", "JX-GJXQ"],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_leaks_a_user_or_bureau_of_another_jurisdiction_to_any_role() {
    let t = TestApp::spawn().await;
    let mut enterprises = std::collections::HashMap::new();
    for region in ["360112", "360781", "360102", "360702", "360121"] {
        enterprises.insert(region, enterprise_in(&t, region).await);
    }
    let foreign_enterprises = |who: &str| -> Vec<&str> {
        match who {
            "ncx.admin" | "ncx.officer" | "ncx.inspector" => vec!["360112", "360781", "360102"],
            "ruijin.admin" | "ruijin.officer" => vec!["360702", "360121"],
            "gjxq.officer" => vec!["360121", "360781"],
            _ => vec!["360781", "360702"],
        }
    };
    let mut key_lists = std::collections::HashMap::new();
    let mut ledgers = std::collections::HashMap::new();
    let mut inspections = std::collections::HashMap::new();
    let mut documents = std::collections::HashMap::new();
    for region in ["360112", "360781", "360102", "360702", "360121"] {
        key_lists.insert(region, key_list_in(&t, region).await);
        ledgers.insert(region, ledger_in(&t, region, &enterprises[region].0).await);
        inspections.insert(region, inspections_in(&t, region, &enterprises[region].0).await);
        documents.insert(region, document_in(&t, &ledgers[region].0).await);
    }
    // An import job of 新建区's officer, and one of 瑞金's: jobs belong to their bureau.
    let mut jobs = std::collections::HashMap::new();
    for owner in ["xj.officer", "ruijin.officer"] {
        let u = touchstone_store::users::find_by_username(&t.app.db, owner).await.expect("q").expect("user");
        let actor = touchstone_app::Actor::for_user(&t.app, &u, Default::default()).await.expect("actor");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "统一社会信用代码,企业名称\n1,甲\n").expect("write");
        let job = touchstone_app::imports::create_job(
            &t.app,
            &actor,
            touchstone_app::imports::Kind::Enterprises,
            &path,
            &format!("秘密文件-{owner}.csv"),
            false,
        )
        .await
        .expect("job");
        let _ = touchstone_app::imports::run(&t.app, &actor, job.clone(), &path, &|_, _| {}).await;
        jobs.insert(owner, job.id.to_string());
    }
    let import_routes: Vec<Route> = vec![
        ("GET", "/api/v1/imports/{id}", None),
        ("GET", "/imports/{id}", None),
        ("GET", "/imports/{id}/errors.csv", None),
        ("GET", "/imports/{id}/errors.xlsx", None),
        ("GET", "/api/v1/imports/{id}/errors.csv", None),
        ("GET", "/api/v1/imports/{id}/errors.xlsx", None),
    ];
    let mut checked = 0;
    for (who, foreign_users, foreign_bureaus) in table() {
        let mut client = t.signed_in(who).await;
        let foreign_owner = if who.starts_with("ruijin") { "xj.officer" } else { "ruijin.officer" };
        let foreign_job = &jobs[foreign_owner];
        let secret = format!("秘密文件-{foreign_owner}");
        for route in &import_routes {
            let foreign = call(&mut client, route, foreign_job).await;
            let nowhere = call(&mut client, route, &uuid::Uuid::now_v7().to_string()).await;
            assert!(
                foreign.status == 404 || foreign.status == 403,
                "{who} {} on another bureau's import: {}",
                route.1,
                foreign.status
            );
            assert_eq!(foreign.status, nowhere.status, "{who} {}", route.1);
            assert!(!foreign.text.contains(&secret), "{who} {} leaks the job", route.1);
            checked += 1;
        }
        let list = client.get("/imports").await;
        assert!(!list.text.contains(&secret), "{who} sees another bureau's imports");
        for region in foreign_enterprises(who) {
            let (id, name, cert, att, product) = &enterprises[region];
            for route in &enterprise_routes() {
                let target = if route.0.starts_with("CERT") {
                    cert
                } else if route.0.starts_with("ATT") {
                    att
                } else if route.0.starts_with("PROD") {
                    product
                } else {
                    id
                };
                let foreign = call(&mut client, route, target).await;
                let nowhere = call(&mut client, route, &uuid::Uuid::now_v7().to_string()).await;
                assert!(
                    foreign.status == 404 || foreign.status == 403,
                    "{who} {} {} on {name}: {} {}",
                    route.0,
                    route.1,
                    foreign.status,
                    foreign.text
                );
                assert_eq!(
                    foreign.status, nowhere.status,
                    "{who} {} {} on {name}: answer differs from a missing id",
                    route.0, route.1
                );
                assert!(!foreign.text.contains(name.as_str()), "{who} {} {} leaks {name}", route.0, route.1);
                checked += 1;
            }
            for list in [
                "/api/v1/enterprises?per_page=500",
                "/enterprises?per_page=500",
                "/enterprises/export.csv",
                "/api/v1/certificates?per_page=500",
                "/certificates?per_page=500",
            ] {
                let r = client.get(list).await;
                assert!(
                    !r.text.contains(name.as_str()) && !r.text.contains(&format!("XK-{region}-")),
                    "{who} {list} shows {name}"
                );
            }
            let (list_id, list_name) = &key_lists[region];
            for route in &key_list_routes() {
                refused_like_missing(&mut client, who, route, list_id, list_name).await;
                checked += 1;
            }
            let (hazard_id, campaign_id, campaign_name) = &ledgers[region];
            for route in &ledger_routes() {
                let (target, secret) =
                    if route.0.starts_with("HAZ") { (hazard_id, name) } else { (campaign_id, campaign_name) };
                refused_like_missing(&mut client, who, route, target, secret).await;
                checked += 1;
            }
            for route in &document_routes() {
                refused_like_missing(&mut client, who, route, &documents[region], name).await;
                checked += 1;
            }
            let (inspection_id, plan_id, self_id, plan_name) = &inspections[region];
            for route in &inspection_routes() {
                let (target, secret) = match &route.0[..4] {
                    "PLAN" => (plan_id, plan_name.as_str()),
                    "SELF" => (self_id, name.as_str()),
                    _ => (inspection_id, name.as_str()),
                };
                refused_like_missing(&mut client, who, route, target, secret).await;
                checked += 1;
            }
            for list in [
                "/api/v1/inspections?per_page=500",
                "/api/v1/inspection-plans?per_page=500",
                "/api/v1/self-inspections?per_page=500",
                "/inspections?per_page=500",
                "/inspection-plans?per_page=500",
                "/self-inspections?per_page=500",
                "/inspections/export.csv",
                "/self-inspections/export.csv",
            ] {
                let r = client.get(list).await;
                assert!(
                    !r.text.contains(name.as_str())
                        && !r.text.contains(plan_name.as_str())
                        && !r.text.contains(&format!("{region}机密")),
                    "{who} {list} shows another jurisdiction's inspections"
                );
            }
            for list in ["/api/v1/hazards?per_page=500", "/api/v1/campaigns?per_page=500", "/api/v1/notifications"] {
                let r = client.get(list).await;
                assert!(
                    !r.text.contains(name.as_str())
                        && !r.text.contains(campaign_name.as_str())
                        && !r.text.contains(&format!("{region}机密隐患")),
                    "{who} {list} shows another jurisdiction's ledger"
                );
            }
            for list in ["/api/v1/key-product-lists", "/catalogue", "/certificates/export.csv"] {
                let r = client.get(list).await;
                assert!(
                    !r.text.contains(list_name.as_str()) && !r.text.contains(&format!("XK-{region}-")),
                    "{who} {list}"
                );
            }
        }
        for (routes, targets, is_user) in
            [(user_routes(), &foreign_users, true), (organisation_routes(), &foreign_bureaus, false)]
        {
            for target in targets {
                let id = if is_user { t.user_id(target).await } else { t.bureau_id(target).await }.to_string();
                let secret_name = if is_user {
                    target.to_string()
                } else {
                    touchstone_store::organisations::find_by_code(&t.app.db, target)
                        .await
                        .expect("query")
                        .expect("bureau")
                        .name
                };
                for route in &routes {
                    let foreign = call(&mut client, route, &id).await;
                    let nowhere = call(&mut client, route, &uuid::Uuid::now_v7().to_string()).await;
                    assert!(
                        foreign.status == 404 || foreign.status == 403,
                        "{who} {} {} on {target}: status {} {}",
                        route.0,
                        route.1,
                        foreign.status,
                        foreign.text
                    );
                    assert_eq!(
                        foreign.status, nowhere.status,
                        "{who} {} {} on {target}: answer differs from a missing id",
                        route.0, route.1
                    );
                    assert!(!foreign.text.contains(&secret_name), "{who} {} {} leaks {target}", route.0, route.1);
                    if route.1.starts_with("/api/") && foreign.status == 404 {
                        assert_eq!(foreign.error_code(), "not_found");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "the table covered {checked} cases");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_searches_and_exports_never_show_another_jurisdictions_staff() {
    let t = TestApp::spawn().await;
    for who in ["ncx.admin", "ruijin.admin", "ncx.officer"] {
        let mut c = t.signed_in(who).await;
        for path in [
            "/api/v1/users?q=xj.officer",
            "/api/v1/users?per_page=500",
            "/admin/users?q=xj",
            "/admin/users/export.csv",
            "/admin/organisations/export.csv",
            "/api/v1/organisations?per_page=500",
            "/admin/organisations?q=新建",
        ] {
            let r = c.get(path).await;
            assert!(r.status == 200 || r.status == 403, "{who} {path}: {}", r.status);
            assert!(!r.text.contains("xj.officer"), "{who} {path} shows xj.officer");
            assert!(!r.text.contains("新建区市场监督管理局"), "{who} {path} shows 新建区's bureau");
        }
        let r = c.get(&format!("/api/v1/audit?entity_id={}", t.user_id("xj.officer").await)).await;
        assert!(r.status == 403 || r.json()["total"] == 0, "{who} reads another county's audit entries: {}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_directly_under_the_province_is_outside_its_geographic_city() {
    let t = TestApp::spawn().await;
    // 瑞金市 (360781) lies inside 赣州市 (360700) by code, but reports to the province.
    let mut ganzhou_admin = TestClient::new(&t.base);
    let mut province = t.signed_in("jx.officer").await;
    let r = province.get(&format!("/api/v1/users/{}", t.user_id("ruijin.officer").await)).await;
    assert_eq!(r.status, 200, "the province sees 瑞金's staff");
    let ganzhou = t.bureau_id("JX-360700").await;
    let create = touchstone_app::users::create(
        &t.app,
        &touchstone_app::Actor::system(None),
        touchstone_app::users::NewUser {
            username: "gz.officer".into(),
            display_name: "赣州市局 officer".into(),
            role: "officer".into(),
            organisation_id: Some(ganzhou),
            department: Some("quality_supervision".into()),
            password: touchstone_testing::DEMO_PASSWORD.into(),
            ..Default::default()
        },
    )
    .await
    .expect("created");
    ganzhou_admin.sign_in(&t.app, &create.username).await.expect("signs in");
    let r = ganzhou_admin.get(&format!("/api/v1/users/{}", t.user_id("ruijin.officer").await)).await;
    assert_eq!(r.status, 404, "Ganzhou city must not see 瑞金's staff");
    let r = ganzhou_admin.get(&format!("/api/v1/organisations/{}", t.bureau_id("JX-360781").await)).await;
    assert_eq!(r.status, 404, "Ganzhou city must not see 瑞金's bureau");
    let r = ganzhou_admin.get(&format!("/api/v1/organisations/{}", t.bureau_id("JX-360702").await)).await;
    assert_eq!(r.status, 200, "Ganzhou city sees its own 章贡区");
}

/// Routes of laboratories, certification bodies' and laboratories' accounts, and enterprise
/// self-registrations: the prefix names the record the id is of.
fn supervised_routes() -> Vec<Route> {
    let account = json!({"username": "spy.account", "display_name": "x", "password": "Another#Pass2026"});
    vec![
        ("REG GET", "/api/v1/registrations/{id}", None),
        ("REG POST", "/api/v1/registrations/{id}/unmask", None),
        ("REG POST", "/api/v1/registrations/{id}/confirm", Some(json!({"version": 1}))),
        ("REG POST", "/api/v1/registrations/{id}/reject", Some(json!({"reason": "x", "version": 1}))),
        ("REG GET", "/registrations/{id}", None),
        ("REG FORM", "/registrations/{id}/unmask", None),
        ("REG FORM", "/registrations/{id}/confirm", None),
        ("REG FORM", "/registrations/{id}/reject", None),
        (
            "LAB PUT",
            "/api/v1/laboratories/{id}",
            Some(
                json!({"name": "x", "accreditation_number": "CNAS L9999", "region_code": "360121", "scope": ["04"], "version": 1}),
            ),
        ),
        ("LAB GET", "/api/v1/laboratories/{id}/accounts", None),
        ("LAB POST", "/api/v1/laboratories/{id}/accounts", Some(account.clone())),
        ("LAB GET", "/laboratories/{id}/edit", None),
        ("LAB FORM", "/laboratories/{id}/edit", None),
        ("LAB FORM", "/laboratories/{id}/accounts", None),
        ("BODY GET", "/api/v1/certification-bodies/{id}/accounts", None),
        ("BODY POST", "/api/v1/certification-bodies/{id}/accounts", Some(account)),
        ("BODY FORM", "/certification-bodies/{id}/accounts", None),
    ]
}

/// A laboratory and a certification body of `region`, each with an account, and an
/// enterprise of the region that asked for an account: (registration, laboratory, body)
/// ids, and the names and user names that must not leak.
async fn supervised_in(t: &TestApp, region: &str, n: usize) -> ([String; 3], Vec<String>) {
    use touchstone_app::{Actor, accounts, laboratories, registrations};
    let system = Actor::system(None);
    let code = touchstone_domain::uscc::Uscc::compose("91", region, &format!("MA35Q{n:03}")).expect("code").to_string();
    let company = format!("申请注册的企业{region}");
    let e = touchstone_app::enterprises::create(
        &t.app,
        &system,
        touchstone_app::enterprises::EnterpriseInput {
            uscc: code.clone(),
            name: company.clone(),
            legal_representative: "某某".into(),
            address: "某地".into(),
            region_code: region.into(),
            scale: "small".into(),
            status: "operating".into(),
            roles: vec!["producer".into()],
            ..Default::default()
        },
    )
    .await
    .expect("enterprise");
    assert_eq!(e.enterprise.region_code, region);
    let input = registrations::RegistrationInput {
        uscc: code,
        company_name: company.clone(),
        contact_name: "王某".into(),
        phone: "13812345678".into(),
        region_code: region.into(),
        username: format!("reg.{region}"),
        password: touchstone_testing::DEMO_PASSWORD.into(),
    };
    let reg = registrations::submit(&t.app, input, Default::default()).await.expect("registration");
    let lab_name = format!("秘密检验所{region}");
    let lab = laboratories::create(
        &t.app,
        &system,
        laboratories::LaboratoryInput {
            name: lab_name.clone(),
            accreditation_number: format!("CNAS L{n:04}"),
            region_code: region.into(),
            scope: vec!["04.01".into()],
            ..Default::default()
        },
    )
    .await
    .expect("laboratory");
    let body_name = format!("秘密认证中心{region}");
    let body = touchstone_app::certificates::create_body(
        &t.app,
        &system,
        touchstone_app::certificates::BodyInput {
            name: body_name.clone(),
            approval_number: format!("CNCA-R-{region}-{n}"),
            region_code: region.into(),
            scope: vec!["04".into()],
        },
    )
    .await
    .expect("body");
    let mut secrets = vec![company, lab_name, body_name];
    for (kind, id, user) in [
        (touchstone_domain::role::BindingKind::Laboratory, lab.id, format!("lab.{region}")),
        (touchstone_domain::role::BindingKind::CertificationBody, body.id, format!("body.{region}")),
    ] {
        let input = accounts::AccountInput {
            username: user.clone(),
            display_name: "机构账号".into(),
            password: touchstone_testing::DEMO_PASSWORD.into(),
        };
        accounts::create(&t.app, &system, kind, id, input).await.expect("account");
        secrets.push(user);
    }
    ([reg.id.to_string(), lab.id.to_string(), body.id.to_string()], secrets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_leaks_a_registration_or_the_accounts_of_a_body_or_laboratory_of_another_jurisdiction() {
    let t = TestApp::spawn().await;
    let mut records = std::collections::HashMap::new();
    for (n, region) in ["360112", "360781", "360102", "360702", "360121"].into_iter().enumerate() {
        records.insert(region, supervised_in(&t, region, n + 1).await);
    }
    let foreign = |who: &str| -> Vec<&str> {
        match who {
            "ncx.admin" | "ncx.officer" | "ncx.inspector" => vec!["360112", "360781", "360102"],
            "ruijin.admin" | "ruijin.officer" => vec!["360702", "360121"],
            "gjxq.officer" => vec!["360121", "360781"],
            _ => vec!["360781", "360702"],
        }
    };
    let mut checked = 0;
    for (who, _, _) in table() {
        let mut client = t.signed_in(who).await;
        for region in foreign(who) {
            let ([reg, lab, body], secrets) = &records[region];
            for route in &supervised_routes() {
                let (kind, method) = route.0.split_once(' ').expect("prefixed");
                let target = match kind {
                    "REG" => reg,
                    "LAB" => lab,
                    _ => body,
                };
                let plain: Route = (method, route.1, route.2.clone());
                let foreign = call(&mut client, &plain, target).await;
                let nowhere = call(&mut client, &plain, &uuid::Uuid::now_v7().to_string()).await;
                assert!(
                    foreign.status == 404 || foreign.status == 403,
                    "{who} {} {} in {region}: {} {}",
                    route.0,
                    route.1,
                    foreign.status,
                    foreign.text
                );
                assert_eq!(foreign.status, nowhere.status, "{who} {} {} in {region}", route.0, route.1);
                for s in secrets {
                    assert!(!foreign.text.contains(s.as_str()), "{who} {} {} leaks {s}", route.0, route.1);
                }
                checked += 1;
            }
            // The registries are read by every bureau; their accounts are not.
            for path in [
                format!("/api/v1/laboratories/{lab}"),
                format!("/laboratories/{lab}"),
                format!("/api/v1/certification-bodies/{body}"),
                format!("/certification-bodies/{body}"),
            ] {
                let r = client.get(&path).await;
                assert!(r.status == 200 || r.status == 403, "{who} {path}: {}", r.status);
                assert!(
                    !r.text.contains(&format!("lab.{region}")) && !r.text.contains(&format!("body.{region}")),
                    "{who} {path}"
                );
            }
            for list in ["/api/v1/registrations?per_page=500", "/registrations?per_page=500"] {
                assert!(
                    !client.get(list).await.text.contains(secrets[0].as_str()),
                    "{who} {list} shows {}",
                    secrets[0]
                );
            }
        }
    }
    assert!(checked > 200, "the table covered {checked} cases");
}

/// Posts a one-file archive (R-ENT-6) whose establishments default to `region`, to the API
/// or (`page`) the imports page's form; the status and the job's id (or the error).
async fn post_archive(t: &TestApp, c: &TestClient, region: &str, secret: &str, page: bool) -> (u16, String) {
    let boundary = "isolation-archive";
    let mapping = format!(
        "source = \"iso\"\ndefault_region = \"{region}\"\n[[files]]\nrole = \"denormalised\"\nmatch = [\"*.csv\"]\n\
         [files.columns]\nestablishment_id = \"E\"\nname = \"N\"\ninspection_id = \"I\"\ninspection_date = \"D\"\n\
         description = \"F\"\n"
    );
    let csv = format!("E,N,I,D,F\n1,{secret},10,2012-04-12,dirty floor\n1,{secret},10,2012-04-12,no thermometer\n");
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"; filename=\"m.toml\"\r\n\r\n{mapping}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{secret}.csv\"\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}{}", t.base, if page { "/imports/archive" } else { "/api/v1/imports/archive" }))
        .header("cookie", format!("ts_session={}", c.session.clone().unwrap_or_default()))
        .header("origin", t.base.clone())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    if status == 303 {
        let to = res.headers()["location"].to_str().unwrap_or("").trim_start_matches("/imports/").to_string();
        return (status, to);
    }
    let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
    (status, body["id"].as_str().map(String::from).unwrap_or_else(|| body.to_string()))
}

// R-AUTH-1 for POST /api/v1/imports/archive (R-ENT-6): no role brings an archive's records into
// another jurisdiction — every row is refused and nothing is written — and an archive job is
// answered to another bureau's staff like a job that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_import_never_writes_into_nor_shows_to_another_jurisdiction() {
    let t = TestApp::spawn().await;
    // Archive jobs of 新建区's officer and of 瑞金's: jobs belong to their bureau.
    let mut owned = std::collections::HashMap::new();
    for (owner, region) in [("xj.officer", "360112"), ("ruijin.officer", "360781")] {
        let c = t.signed_in(owner).await;
        let (status, job) = post_archive(&t, &c, region, &format!("{owner}秘密档案"), false).await;
        assert_eq!(status, 202, "{job}");
        owned.insert(owner, job);
    }
    let mut checked = 0;
    for (who, foreign) in [
        ("ncx.admin", "360112"),
        ("ncx.officer", "360112"),
        ("ncx.inspector", "360781"),
        ("ruijin.admin", "360121"),
        ("ruijin.officer", "360121"),
        ("gjxq.officer", "360121"),
        ("nc.legal", "360781"),
    ] {
        let mut c = t.signed_in(who).await;
        let secret = format!("{who}越权档案");
        for page in [false, true] {
            let (status, id) = post_archive(&t, &c, foreign, &secret, page).await;
            assert!(status == 202 || status == 303 || status == 403, "{who}: {status} {id}");
            if status != 403 {
                let mut outcome = serde_json::Value::Null;
                for _ in 0..100 {
                    outcome = c.get(&format!("/api/v1/imports/{id}")).await.json();
                    if !matches!(outcome["job"]["status"].as_str(), Some("queued" | "validating" | "applying")) {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                assert_eq!(outcome["job"]["inserted"], 0, "{who}: {outcome}");
                assert_eq!(outcome["errors"][0]["field"], "region", "{who}: {outcome}");
            }
        }
        let listed = c.get(&format!("/api/v1/enterprises?q={}", &secret[..6])).await;
        assert!(!listed.text.contains(&secret), "{who} wrote into {foreign}");
        let foreign_owner = if who.starts_with("ruijin") { "xj.officer" } else { "ruijin.officer" };
        for path in ["/api/v1/imports/{id}", "/api/v1/imports/{id}/errors.csv", "/imports/{id}"] {
            let other = c.get(&path.replace("{id}", &owned[foreign_owner])).await;
            let nowhere = c.get(&path.replace("{id}", &uuid::Uuid::now_v7().to_string())).await;
            assert_eq!(other.status, nowhere.status, "{who} {path}");
            assert!(!other.text.contains(&format!("{foreign_owner}秘密档案")), "{who} {path} leaks the archive job");
            checked += 1;
        }
    }
    assert!(checked >= 21);
}
