//! The enterprise file as one timeline (R-ENT-3) through HTTP: changes, certificate status
//! changes and attachments as dated events, newest first, filtered by kind and date range on
//! the page and in the API; bad filters name their field. Runs on SQLite, and on PostgreSQL
//! when TOUCHSTONE_TEST_PG_URL is set.

use serde_json::{Value, json};
use touchstone_testing::{TestApp, TestClient};

/// Registers an enterprise of 南昌县, edits it, registers a certificate and suspends it, and
/// uploads an attachment; returns the enterprise id.
async fn eventful_enterprise(t: &TestApp, c: &mut TestClient) -> String {
    let uscc = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35K8W1").expect("code").to_string();
    let mut body = json!({
        "uscc": uscc, "name": "南昌县时间线电缆厂", "legal_representative": "张建国", "address": "南昌县莲塘镇",
        "region_code": "360121", "scale": "small", "status": "operating", "roles": ["producer"], "categories": ["04.01"],
        "legal_rep_phone": "13812345678"
    });
    let r = c.post_json("/api/v1/enterprises", body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().expect("id").to_string();
    body["name"] = json!("南昌县时间线电缆有限公司");
    body["legal_rep_phone"] = json!("13900001111");
    body["version"] = json!(1);
    assert_eq!(c.put_json(&format!("/api/v1/enterprises/{id}"), body).await.status, 200);
    let cert = c
        .post_json(
            "/api/v1/certificates",
            json!({"number": "XK06-001-TL01", "kind": "production_licence", "holder_id": id, "issuer_name": "江西省市场监督管理局",
                   "scope": ["04.01"], "issued_on": "2024-01-01", "expires_on": "2029-01-01"}),
        )
        .await;
    assert_eq!(cert.status, 201, "{}", cert.text);
    let cert_id = cert.json()["id"].as_str().expect("id").to_string();
    let r = c
        .post_json(
            &format!("/api/v1/certificates/{cert_id}/status"),
            json!({"status": "suspended", "reason": "监督抽查不合格", "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("upload");
    std::fs::write(&file, b"%PDF-1.4 inspection record").expect("write");
    let actor = {
        let u = touchstone_store::users::find_by_username(&t.app.db, "ncx.officer").await.expect("q").expect("user");
        touchstone_app::Actor::for_user(&t.app, &u, Default::default()).await.expect("actor")
    };
    touchstone_app::attachments::add(
        &t.app,
        &actor,
        id.parse().expect("uuid"),
        &file,
        "现场检查记录.pdf",
        Some("复查".into()),
    )
    .await
    .expect("attachment");
    id
}

fn kinds(timeline: &Value) -> Vec<String> {
    timeline["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

// R-ENT-3, R-ENT-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_is_one_timeline_of_changes_certificate_statuses_and_attachments_filtered_by_kind_and_date() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let id = eventful_enterprise(&t, &mut c).await;
    let url = format!("/api/v1/enterprises/{id}/timeline");
    let all = c.get(&url).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let all = all.json();
    let mut sorted = kinds(&all);
    sorted.sort();
    assert_eq!(sorted, ["attachment", "certificate_status", "certificate_status", "change", "change"], "{all}");
    let ats: Vec<i64> = all["events"].as_array().expect("events").iter().filter_map(|e| e["at"].as_i64()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first: {ats:?}");
    assert_eq!(kinds(&all)[0], "attachment", "the attachment came last");
    assert_eq!(all["truncated"], false);
    let suspended = all["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["changes"][0]["after"] == "suspended")
        .expect("the suspension")
        .clone();
    assert_eq!(suspended["title"], "XK06-001-TL01");
    assert!(suspended["detail"].as_str().is_some_and(|d| d.contains("监督抽查不合格")));
    assert!(suspended["link"].as_str().is_some_and(|l| l.starts_with("/certificates/")));
    let update =
        all["events"].as_array().expect("events").iter().find(|e| e["action"] == "enterprise.update").expect("edit");
    assert!(update.to_string().contains("139****1111") && !all.to_string().contains("13900001111"), "masked: {update}");

    assert_eq!(kinds(&c.get(&format!("{url}?kind=attachment")).await.json()), ["attachment"]);
    let two = c.get(&format!("{url}?kind=change,attachment")).await.json();
    assert_eq!(kinds(&two).len(), 3);
    let repeated = c.get(&format!("{url}?kind=certificate_status&kind=attachment")).await.json();
    assert_eq!(kinds(&repeated).len(), 3);
    assert!(kinds(&c.get(&format!("{url}?kind=hazard")).await.json()).is_empty(), "a reserved kind has no events yet");

    let today = t.app.clock.now().china_date();
    let tomorrow = t.app.clock.now().plus_seconds(86_400).china_date();
    let yesterday = t.app.clock.now().plus_seconds(-86_400).china_date();
    assert_eq!(kinds(&c.get(&format!("{url}?from={today}&to={today}")).await.json()).len(), 5);
    assert!(kinds(&c.get(&format!("{url}?from={tomorrow}")).await.json()).is_empty());
    assert!(kinds(&c.get(&format!("{url}?to={yesterday}")).await.json()).is_empty());

    for (query, field) in [
        ("kind=gossip", "kind"),
        ("from=2026-02-30", "from"),
        ("to=someday", "to"),
        (&format!("from={today}&to={yesterday}"), "to"),
    ] {
        let r = c.get(&format!("{url}?{query}")).await;
        assert_eq!(
            (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{query}: {}",
            r.text
        );
    }
    let mut other = t.signed_in("xj.officer").await;
    assert_eq!(other.get(&url).await.status, 404, "another county's officer");
}

// R-ENT-3
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_page_filters_its_timeline_with_get_parameters_and_stays_printable() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let id = eventful_enterprise(&t, &mut c).await;
    let page = c.get(&format!("/enterprises/{id}")).await;
    assert_eq!(page.status, 200);
    let timeline = page.text.split("id=\"enterprise-history\"").nth(1).expect("timeline section").to_string();
    assert!(
        timeline.contains("现场检查记录.pdf") && timeline.contains("XK06-001-TL01") && timeline.contains("暂停"),
        "{timeline}"
    );
    assert!(timeline.contains("id=\"timeline-filter\"") && timeline.contains("no-print"), "the filter is not printed");
    assert!(page.text.contains("id=\"print\""));
    let only = c.get(&format!("/enterprises/{id}?kind=attachment")).await.text;
    let only = only.split("id=\"enterprise-history\"").nth(1).expect("timeline section").to_string();
    assert!(only.contains("现场检查记录.pdf") && !only.contains("XK06-001-TL01"), "{only}");
    assert!(only.contains("value=\"attachment\" checked"), "the filter shows what is chosen");
    let none = c.get(&format!("/enterprises/{id}?from=2000-01-01&to=2000-12-31")).await.text;
    assert!(none.contains("id=\"timeline-empty\"") && none.contains("value=\"2000-01-01\""));
    let bad = c.get(&format!("/enterprises/{id}?kind=gossip")).await;
    assert_eq!(bad.status, 422);
    let mut en = t.signed_in("ncx.officer").await;
    en.accept_language = Some("en".into());
    let _ = en.get("/lang/en").await;
    let english = en.get(&format!("/enterprises/{id}")).await.text;
    assert!(english.contains("Timeline of the file") && english.contains("Certificate status"), "{english}");
}
