//! The weekly campaign statistics report through HTTP (R-REP-1, R-HAZ-3; METHODS.md §1–§2):
//! a campaign of 南昌市 with enterprises in two counties, self-inspections, inspections and
//! hazards moving through their lifecycle over several weeks on a test clock. Every figure of
//! every row is checked against an independent computation over the records read back one
//! by one (a plain re-implementation of METHODS §2, not the report's SQL); a past week's
//! report stays the same after later activity and, once records dated inside it are
//! corrected, says how it differs from the version the county submitted; the XLSX, CSV and
//! PDF files carry the same figures; a county submits and the city sees who has not.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use touchstone_domain::campaign::format_percent_one_decimal;
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::regions;
use touchstone_domain::time::{ManualClock, Timestamp};
use touchstone_store::enterprises::Visibility;
use touchstone_store::inspections::InspectionRow;
use touchstone_store::self_inspections::SelfInspectionRow;
use touchstone_testing::{TestApp, TestClient};
use uuid::Uuid;

const COUNTS: [&str; 11] = [
    "target_enterprises",
    "self_inspected",
    "inspected",
    "inspected_to_date",
    "hazards_general",
    "hazards_major",
    "hazards_closed",
    "hazards_to_date",
    "closed_to_date",
    "overdue",
    "open_at_cutoff",
];

fn instant(date: &str, hour: i64) -> Timestamp {
    Timestamp::parse_china_date(date).expect("date").plus_seconds(hour * 3600)
}

/// Moves the test clock forward to `date` at `hour` (China time).
fn go(clock: &ManualClock, t: &TestApp, date: &str, hour: i64) {
    let target = instant(date, hour).as_seconds();
    let now = t.app.clock.now().as_seconds();
    assert!(target >= now, "the clock only moves forward: {date}");
    clock.advance_seconds(target - now);
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("an id in {v}")).to_string()
}

fn enterprise(org: &str, region: &str, name: &str, roles: &[&str], status: &str, categories: &[&str]) -> Value {
    let uscc = touchstone_domain::uscc::Uscc::compose("91", region, org).expect("composes").to_string();
    json!({"uscc": uscc, "name": name, "legal_representative": "张建国", "address": "测试地址", "region_code": region,
           "scale": "small", "status": status, "roles": roles, "categories": categories})
}

async fn step(c: &mut TestClient, id: &str, action: &str, version: i64) {
    let r = c
        .post_json(
            &format!("/api/v1/hazards/{id}/steps"),
            json!({"action": action, "note": "按要求办理", "version": version}),
        )
        .await;
    assert_eq!(r.status, 200, "{action}: {}", r.text);
}

async fn hazard(c: &mut TestClient, body: Value) -> String {
    let r = c.post_json("/api/v1/hazards", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    id_of(&r.json())
}

async fn insert_self_inspection(t: &TestApp, enterprise: &Value, campaign: Uuid, submitted: bool) -> Uuid {
    let now = t.app.clock.now();
    let id = Uuid::now_v7();
    let row = SelfInspectionRow {
        id,
        number: format!("ZC-TEST-{}", id.simple()),
        enterprise_id: id_of(enterprise).parse().expect("id"),
        region_code: enterprise["region_code"].as_str().expect("region").into(),
        campaign_id: Some(campaign),
        status: if submitted { "submitted" } else { "draft" }.into(),
        enterprise_types: "producer".into(),
        category_codes: "04.01".into(),
        answers: "[]".into(),
        major_risk: None,
        responsible_person: Some("钱进".into()),
        submitted_on: submitted.then(|| now.china_date()),
        submitted_at: submitted.then(|| now.as_micros()),
        submitted_by: submitted.then(|| "qy.test".to_string()),
        version: 1,
        created_at: now.as_micros(),
        updated_at: now.as_micros(),
        updated_by: "qy.test".into(),
    };
    let mut tx = t.app.db.begin().await.expect("tx");
    touchstone_store::self_inspections::insert(&mut tx, &row).await.expect("insert");
    tx.commit().await.expect("commit");
    id
}

/// An inspection completed now, carried out on `inspected_on`.
async fn insert_inspection(t: &TestApp, enterprise: &Value, campaign: Uuid, inspected_on: &str) -> Uuid {
    let now = t.app.clock.now();
    let id = Uuid::now_v7();
    let row = InspectionRow {
        id,
        number: format!("XC-TEST-{}", id.simple()),
        plan_id: None,
        campaign_id: Some(campaign),
        enterprise_id: id_of(enterprise).parse().expect("id"),
        region_code: enterprise["region_code"].as_str().expect("region").into(),
        kind: "special".into(),
        status: "completed".into(),
        archived: false,
        archive_source: None,
        external_id: None,
        notice: "none".into(),
        notice_note: None,
        officers: "[]".into(),
        experts: "[]".into(),
        staff_present: "钱进".into(),
        place: "生产车间".into(),
        started_at: None,
        ended_at: None,
        inspected_on: inspected_on.into(),
        checklist: "[]".into(),
        findings: String::new(),
        measures: String::new(),
        feedback: String::new(),
        attachment_ids: String::new(),
        completed_on: Some(now.china_date()),
        completed_at: Some(now.as_micros()),
        client_key: None,
        version: 1,
        created_at: now.as_micros(),
        updated_at: now.as_micros(),
        updated_by: "ncx.inspector".into(),
    };
    let mut tx = t.app.db.begin().await.expect("tx");
    touchstone_store::inspections::insert(&mut tx, &row).await.expect("insert");
    tx.commit().await.expect("commit");
    id
}

// ---------------------------------------------------------------------------------------------
// The independent computation: METHODS §2 over the records read back one by one
// ---------------------------------------------------------------------------------------------

/// Everything the report counts, as read through the API and the store's plain getters.
struct Records {
    campaign: Value,
    /// Key-product lists: (region, year, category codes).
    lists: Vec<(String, i64, Vec<String>)>,
    /// (enterprise view, its history)
    enterprises: Vec<(Value, Value)>,
    self_inspections: Vec<SelfInspectionRow>,
    inspections: Vec<InspectionRow>,
    /// Hazard views with their events.
    hazards: Vec<Value>,
}

async fn read_back(
    t: &TestApp,
    c: &mut TestClient,
    campaign: &str,
    enterprises: &[String],
    selfs: &[Uuid],
    insps: &[Uuid],
    hazards: &[String],
) -> Records {
    let campaign = c.get(&format!("/api/v1/campaigns/{campaign}")).await.json();
    let lists = c.get("/api/v1/key-product-lists").await.json();
    let lists = lists
        .as_array()
        .expect("lists")
        .iter()
        .filter(|l| l["shipped"] == false)
        .map(|l| {
            let items = l["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["category_code"].as_str().expect("code").to_string());
            (l["region_code"].as_str().expect("region").to_string(), l["year"].as_i64().expect("year"), items.collect())
        })
        .collect();
    let mut es = Vec::new();
    for id in enterprises {
        let e = c.get(&format!("/api/v1/enterprises/{id}")).await.json();
        let h = c.get(&format!("/api/v1/enterprises/{id}/history")).await.json();
        es.push((e, h));
    }
    let everything = Scope::Everything;
    let v = Visibility { regions: &everything, own: None };
    let mut s = Vec::new();
    for id in selfs {
        s.push(touchstone_store::self_inspections::get(&t.app.db, &v, *id).await.expect("read").expect("row"));
    }
    let mut i = Vec::new();
    for id in insps {
        i.push(touchstone_store::inspections::get(&t.app.db, &v, *id).await.expect("read").expect("row"));
    }
    let mut hs = Vec::new();
    for id in hazards {
        hs.push(c.get(&format!("/api/v1/hazards/{id}")).await.json());
    }
    Records { campaign, lists, enterprises: es, self_inspections: s, inspections: i, hazards: hs }
}

fn next_day(date: &str) -> String {
    Timestamp::parse_china_date(date).expect("date").plus_seconds(86_400 + 3600).china_date()
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().map(String::from).unwrap_or_default()
}

fn within_category(code: &str, key: &str) -> bool {
    code == key || code.starts_with(&format!("{key}."))
}

impl Records {
    /// The operating status of enterprise `e` at instant `at` (µs, exclusive), from its history.
    fn status_at(e: &Value, history: &Value, at: i64) -> String {
        let mut changes: Vec<(i64, i64, String)> = history
            .as_array()
            .expect("history")
            .iter()
            .filter(|h| h["at"].as_i64().unwrap_or(0) >= at)
            .filter_map(|h| {
                let c = h["changes"].as_array()?.iter().find(|c| c["field"] == "status")?;
                Some((h["at"].as_i64()?, h["seq"].as_i64().unwrap_or(0), c["before"].as_str()?.to_string()))
            })
            .collect();
        changes.sort();
        changes.first().map(|c| c.2.clone()).unwrap_or_else(|| s(e, "status"))
    }

    fn key_products_for(&self, region: &str) -> Vec<String> {
        let year: i64 = s(&self.campaign, "starts_on")[..4].parse().expect("year");
        let mut keys: Vec<String> = s(&self.campaign, "key_products").split_whitespace().map(String::from).collect();
        let mut chain = vec![region.to_string()];
        chain.extend(regions().ancestors(region).into_iter().map(String::from));
        for (r, y, items) in &self.lists {
            if *y == year && chain.contains(r) {
                keys.extend(items.iter().cloned());
            }
        }
        keys
    }

    /// Every count figure of `region`'s report on `[from, to]` as known at `as_of`, by line.
    fn expected(&self, region: &str, from: &str, to: &str, as_of: i64) -> BTreeMap<String, BTreeMap<String, i64>> {
        let campaign_id = s(&self.campaign, "id");
        let start = s(&self.campaign, "starts_on");
        let cutoff = next_day(to);
        let cutoff_at = Timestamp::parse_china_date(&cutoff).expect("cutoff").as_micros();
        let state_at = cutoff_at.min(as_of + 1);
        let children = regions().children(region);
        let line = |code: &str| -> Option<String> {
            if !regions().is_within(code, region) {
                return None;
            }
            if children.is_empty() {
                return Some(region.to_string());
            }
            Some(
                children
                    .iter()
                    .find(|c| regions().is_within(code, c))
                    .map(|c| c.to_string())
                    .unwrap_or(region.to_string()),
            )
        };
        let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let mut add = |line: &str, figure: &str| {
            *out.entry(line.to_string()).or_default().entry(figure.to_string()).or_insert(0) += 1
        };

        for (e, history) in &self.enterprises {
            let code = s(e, "region_code");
            let Some(l) = line(&code) else { continue };
            let keys = self.key_products_for(&code);
            let makes_key = e["categories"].as_array().expect("categories").iter().any(|c| {
                let c = c.as_str().unwrap_or_default();
                keys.iter().any(|k| within_category(c, k))
            });
            let target = e["is_producer"] == true
                && e["created_at"].as_i64().expect("created") <= as_of
                && Self::status_at(e, history, state_at) == "operating"
                && makes_key;
            if !target {
                continue;
            }
            let id = s(e, "id");
            add(&l, "target_enterprises");
            let submitted = |from: &str| {
                self.self_inspections.iter().any(|r| {
                    r.enterprise_id.to_string() == id
                        && r.campaign_id.map(|c| c.to_string()) == Some(campaign_id.clone())
                        && r.status == "submitted"
                        && r.submitted_on.as_deref().is_some_and(|d| d >= from && d <= to)
                        && r.submitted_at.is_some_and(|a| a <= as_of)
                })
            };
            let inspected = |from: &str| {
                self.inspections.iter().any(|r| {
                    r.enterprise_id.to_string() == id
                        && r.campaign_id.map(|c| c.to_string()) == Some(campaign_id.clone())
                        && r.status == "completed"
                        && r.inspected_on.as_str() >= from
                        && r.inspected_on.as_str() <= to
                        && r.completed_at.unwrap_or(r.created_at) <= as_of
                })
            };
            if submitted(from) {
                add(&l, "self_inspected");
            }
            if inspected(from) {
                add(&l, "inspected");
            }
            if inspected(&start) {
                add(&l, "inspected_to_date");
            }
        }

        for h in &self.hazards {
            let code = s(h, "region_code");
            let Some(l) = line(&code) else { continue };
            let events = h["events"].as_array().expect("events");
            let known = |e: &&Value| e["at"].as_i64().expect("at") <= as_of;
            let voided = events.iter().filter(known).any(|e| e["to_status"] == "voided");
            let of_campaign = s(h, "campaign_id") == campaign_id
                && ["self_inspection", "inspection", "spot_check"].contains(&s(h, "source").as_str());
            let found = s(h, "found_on");
            if !of_campaign || voided || found.as_str() > to || h["created_at"].as_i64().expect("created") > as_of {
                continue;
            }
            let effective = |e: &Value| if e["to_status"] == "closed" { s(h, "closed_on") } else { s(e, "on_date") };
            let status = events
                .iter()
                .filter(known)
                .filter(|e| effective(e).as_str() <= to)
                .max_by_key(|e| e["seq"].as_i64())
                .map(|e| s(e, "to_status"))
                .unwrap_or_else(|| "open".into());
            let deadline = events
                .iter()
                .filter(known)
                .filter(|e| e["deadline_after"].is_string() && s(e, "on_date").as_str() <= to)
                .max_by_key(|e| e["seq"].as_i64())
                .map(|e| s(e, "deadline_after"))
                .unwrap_or_else(|| s(h, "original_deadline"));
            add(&l, "hazards_to_date");
            if found.as_str() >= from {
                add(&l, if h["level"] == "major" { "hazards_major" } else { "hazards_general" });
            }
            if status == "closed" {
                add(&l, "closed_to_date");
                if s(h, "closed_on").as_str() >= from {
                    add(&l, "hazards_closed");
                }
            }
            if (status == "open" || status == "rectifying") && deadline.as_str() < to {
                add(&l, "overdue");
            }
            if ["open", "rectifying", "evidence_submitted"].contains(&status.as_str()) {
                add(&l, "open_at_cutoff");
            }
        }
        out
    }
}

/// Every count of every row of `report` equals the independent computation, the total is
/// their sum and the percentages follow from the sums.
fn check(report: &Value, expected: &BTreeMap<String, BTreeMap<String, i64>>, what: &str) {
    let rows = report["rows"].as_array().expect("rows");
    let region = report["region_code"].as_str().expect("region");
    let children = regions().children(region);
    assert!(rows.len() >= children.len().max(1), "{what}: a row per region below");
    let mut total: BTreeMap<&str, i64> = BTreeMap::new();
    for row in rows {
        let code = row["region_code"].as_str().expect("code");
        for f in COUNTS {
            let got = row["counts"][f].as_i64().unwrap_or(0);
            let want = expected.get(code).and_then(|m| m.get(f)).copied().unwrap_or(0);
            assert_eq!(got, want, "{what}: {code} {f}");
            *total.entry(f).or_default() += got;
        }
    }
    for code in expected.keys() {
        assert!(rows.iter().any(|r| r["region_code"] == code.as_str()), "{what}: a row for {code}");
    }
    for f in COUNTS {
        assert_eq!(report["total"]["counts"][f].as_i64(), Some(total[f]), "{what}: total {f}");
    }
    let cell = |figure: &str| {
        report["total"]["cells"].as_array().expect("cells").iter().find(|c| c["figure"] == figure).expect("cell")["text"]
            .as_str()
            .expect("text")
            .to_string()
    };
    assert_eq!(
        cell("coverage"),
        format_percent_one_decimal(total["inspected_to_date"], total["target_enterprises"]),
        "{what}"
    );
    assert_eq!(
        cell("closure_rate"),
        format_percent_one_decimal(total["closed_to_date"], total["hazards_to_date"]),
        "{what}"
    );
}

fn counts_of(report: &Value) -> BTreeMap<String, Value> {
    let mut m: BTreeMap<String, Value> =
        report["rows"].as_array().expect("rows").iter().map(|r| (s(r, "region_code"), r["counts"].clone())).collect();
    m.insert("total".into(), report["total"]["counts"].clone());
    m
}

/// A file download's bytes, with the client's session.
async fn bytes(t: &TestApp, c: &TestClient, path: &str) -> Vec<u8> {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("signed in")))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200, "{path}");
    res.bytes().await.expect("body").to_vec()
}

/// `.ci/run` installs poppler-utils in the background: under CI, wait for it.
fn pdftotext(pdf: &[u8]) -> String {
    let path = "/usr/bin/pdftotext";
    let wait = if std::env::var_os("CI").is_some() { Duration::from_secs(600) } else { Duration::ZERO };
    let deadline = Instant::now() + wait;
    while !Path::new(path).exists() {
        assert!(Instant::now() < deadline, "{path} is missing: apt-get install poppler-utils");
        std::thread::sleep(Duration::from_secs(2));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).expect("write");
    let out = Command::new(path).args(["-raw", "-enc", "UTF-8"]).arg(&file).arg("-").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8").chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_weekly_figure_matches_an_independent_computation_and_a_past_week_stays_as_published_r_rep_1_r_haz_3() {
    let clock = Arc::new(ManualClock::new(instant("2022-04-20", 9)));
    let t = TestApp::spawn_with_clock(clock.clone()).await;

    // 04-20: the city launches the campaign; 南昌县 adds cement to its key products.
    let mut city = t.signed_in("nc.officer").await;
    let r = city
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "燃气具和电线电缆质量安全专项整治", "region_code": "360100", "starts_on": "2022-04-15",
                   "ends_on": "2022-12-31", "key_products": ["05.01", "04.01"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let campaign = id_of(&r.json());
    let campaign_id: Uuid = campaign.parse().expect("uuid");
    let mut county = t.signed_in("ncx.officer").await;
    let r = county
        .post_json(
            "/api/v1/key-product-lists",
            json!({"name": "南昌县2022年重点产品补充目录", "year": 2022, "region_code": "360121",
                   "items": [{"category_code": "03.02", "note": "水泥"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut neighbour = t.signed_in("xj.officer").await;
    let mut made = Vec::new();
    for (in_county, body) in [
        (true, enterprise("MA35W1A1", "360121", "甲电缆厂", &["producer"], "operating", &["04.01"])),
        (true, enterprise("MA35W1A2", "360121", "乙燃气灶厂", &["producer"], "operating", &["05.01.01"])),
        (true, enterprise("MA35W1A3", "360121", "丙水泥厂", &["producer"], "operating", &["03.02"])),
        (true, enterprise("MA35W1A4", "360121", "丁电缆经销部", &["distributor"], "operating", &["04.01"])),
        (true, enterprise("MA35W1A5", "360121", "戊化肥厂", &["producer"], "operating", &["02.01"])),
        (false, enterprise("MA35W1B1", "360112", "己电线厂", &["producer"], "operating", &["04.01"])),
        (false, enterprise("MA35W1B2", "360112", "庚水泥厂", &["producer"], "operating", &["03.02"])),
        (false, enterprise("MA35W1B3", "360112", "辛电缆厂", &["producer"], "suspended", &["04.01"])),
    ] {
        let client = if in_county { &mut county } else { &mut neighbour };
        let r = client.post_json("/api/v1/enterprises", body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        made.push(r.json());
    }
    let [a1, a2, a3, a4, _a5, b1, _b2, b3] = <[Value; 8]>::try_from(made.clone()).expect("eight");
    let general = |e: &Value, extra: Value| {
        let mut body = json!({"enterprise_id": id_of(e), "campaign_id": campaign, "source": "inspection", "category_code": "04.01",
                              "level": "general", "description": "出厂检验记录缺失", "responsible_person": "钱进"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let (mut selfs, mut insps, mut hazards) = (Vec::new(), Vec::new(), Vec::new());

    // W17: 己 submits its self-inspection and is inspected; a hazard found there, due 05-05.
    go(&clock, &t, "2022-04-27", 10);
    selfs.push(insert_self_inspection(&t, &b1, campaign_id, true).await);
    go(&clock, &t, "2022-04-28", 10);
    insps.push(insert_inspection(&t, &b1, campaign_id, "2022-04-28").await);
    let mut neighbour = t.signed_in("xj.officer").await;
    let h3 = hazard(&mut neighbour, general(&b1, json!({"deadline": "2022-05-05"}))).await;
    hazards.push(h3.clone());

    // W18: 甲 and the distributor 丁 self-inspect (丁 is no target); one hazard at 己 is
    // corrected on the spot; at 甲, a general hazard closed within the week, a major one, one
    // from a complaint and one outside the campaign (neither counts); at 乙, a major one.
    go(&clock, &t, "2022-05-03", 10);
    selfs.push(insert_self_inspection(&t, &a1, campaign_id, true).await);
    selfs.push(insert_self_inspection(&t, &a4, campaign_id, true).await);
    selfs.push(insert_self_inspection(&t, &a3, campaign_id, false).await);
    let mut neighbour = t.signed_in("xj.officer").await;
    hazards.push(
        hazard(&mut neighbour, general(&b1, json!({"corrected_on_spot": true, "correction_note": "现场补做检验记录"})))
            .await,
    );
    go(&clock, &t, "2022-05-04", 10);
    let mut county = t.signed_in("ncx.officer").await;
    let h1 = hazard(&mut county, general(&a1, json!({}))).await;
    hazards.push(h1.clone());
    hazards.push(hazard(&mut county, general(&a1, json!({"source": "complaint"}))).await);
    hazards.push(hazard(&mut county, general(&a1, json!({"campaign_id": null}))).await);
    go(&clock, &t, "2022-05-05", 10);
    insps.push(insert_inspection(&t, &a1, campaign_id, "2022-05-05").await);
    let mut county = t.signed_in("ncx.officer").await;
    step(&mut county, &h1, "plan", 1).await;
    let h5 = hazard(&mut county, general(&a1, json!({"level": "major"}))).await;
    hazards.push(h5.clone());
    go(&clock, &t, "2022-05-06", 10);
    let mut county = t.signed_in("ncx.officer").await;
    step(&mut county, &h1, "submit_evidence", 2).await;
    let h2 = hazard(&mut county, general(&a2, json!({"level": "major", "category_code": "05.01"}))).await;
    hazards.push(h2.clone());
    go(&clock, &t, "2022-05-07", 10);
    let mut inspector = t.signed_in("ncx.inspector").await;
    step(&mut inspector, &h1, "pass_review", 3).await;

    // 05-10 (W19): the county submits its W18 report; a week not over cannot be submitted.
    go(&clock, &t, "2022-05-10", 9);
    let ids: Vec<String> = made.iter().map(id_of).collect();
    let mut county = t.signed_in("ncx.officer").await;
    let r =
        county.post_json(&format!("/api/v1/campaigns/{campaign}/weekly-reports"), json!({"week": "2022-W19"})).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["code"].as_str()), (422, Some("not_ended")), "{}", r.text);
    let r =
        county.post_json(&format!("/api/v1/campaigns/{campaign}/weekly-reports"), json!({"week": "2022-W18"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let submission = r.json();
    let submitted_at = submission["submitted_at"].as_i64().expect("submitted_at");
    assert_eq!(submission["region_code"], "360121");
    assert_eq!(submission["sha256"].as_str().map(str::len), Some(64));
    let r =
        county.post_json(&format!("/api/v1/campaigns/{campaign}/weekly-reports"), json!({"week": "2022-W18"})).await;
    assert_eq!((r.status, r.error_code()), (409, "already_submitted".to_string()), "once per week");

    // The city sees who has submitted; the sweep reminds the others on Wednesday, once.
    let mut city = t.signed_in("nc.officer").await;
    let status =
        city.get(&format!("/api/v1/campaigns/{campaign}/weekly-reports?region_code=360100&week=2022-W18")).await.json();
    let below = status["below"].as_array().expect("below");
    let of = |code: &str| below.iter().find(|b| b["region_code"] == code).expect("region")["submitted"].clone();
    assert!(of("360121").is_object(), "{status}");
    assert!(of("360112").is_null(), "{status}");
    assert_eq!(status["missing"].as_u64(), Some(below.len() as u64 - 1));
    assert_eq!(touchstone_app::reports::remind_due(&t.app).await.expect("sweep"), 0, "not due before Wednesday");
    go(&clock, &t, "2022-05-11", 8);
    let reminded = touchstone_app::reports::remind_due(&t.app).await.expect("sweep");
    assert_eq!(reminded, below.len() - 1, "every county bureau but 南昌县");
    assert_eq!(touchstone_app::reports::remind_due(&t.app).await.expect("sweep"), 0, "once");
    let mut neighbour = t.signed_in("xj.officer").await;
    let inbox = neighbour.get("/api/v1/notifications").await.json();
    assert!(inbox["items"].as_array().expect("items").iter().any(|n| n["kind"] == "report_due"), "{inbox}");
    let mut county = t.signed_in("ncx.officer").await;
    let inbox = county.get("/api/v1/notifications").await.json();
    assert!(!inbox["items"].as_array().expect("items").iter().any(|n| n["kind"] == "report_due"), "{inbox}");

    let mut city = t.signed_in("nc.officer").await;
    let w18 = format!("/api/v1/campaigns/{campaign}/weekly-report?region_code=360100&week=2022-W18");
    let published_city = city.get(&w18).await.json();
    let records = read_back(&t, &mut city, &campaign, &ids, &selfs, &insps, &hazards).await;
    let now = t.app.clock.now().as_micros();
    check(&published_city, &records.expected("360100", "2022-05-02", "2022-05-08", now), "W18 on 05-11");
    assert_eq!(published_city["rows"][0]["region_code"], regions().children("360100")[0]);
    let w18_counts = counts_of(&published_city);

    // Later activity: W19–W21 inspections and hazards, 乙's hazard rectified and closed, 乙
    // closes down, 辛 resumes operating. None of it changes W18.
    go(&clock, &t, "2022-05-12", 10);
    insps.push(insert_inspection(&t, &a2, campaign_id, "2022-05-12").await);
    // 己's hazard, due 05-05 and still open, is escalated: the row changes, its state does not.
    let mut neighbour = t.signed_in("xj.officer").await;
    let before = neighbour.get(&format!("/api/v1/hazards/{h3}")).await.json();
    assert_eq!(touchstone_app::hazards::sweep(&t.app).await.expect("sweep").escalations, 1);
    let mut neighbour = t.signed_in("xj.officer").await;
    let after = neighbour.get(&format!("/api/v1/hazards/{h3}")).await.json();
    assert_eq!(after["escalations"], 1, "{after}");
    assert!(after["updated_at"].as_i64() > before["updated_at"].as_i64(), "{after}");
    assert_eq!(after["state_changed_at"], before["state_changed_at"], "an escalation changes no state: {after}");
    let last_step = before["events"].as_array().and_then(|e| e.last()).expect("events")["at"].clone();
    assert_eq!(before["state_changed_at"], last_step, "the instant of its last step: {before}");
    let mut county = t.signed_in("ncx.officer").await;
    step(&mut county, &h2, "plan", 1).await;
    go(&clock, &t, "2022-05-16", 10);
    let mut county = t.signed_in("ncx.officer").await;
    hazards.push(hazard(&mut county, general(&a1, json!({}))).await);
    go(&clock, &t, "2022-05-20", 10);
    let mut county = t.signed_in("ncx.officer").await;
    let mut body = enterprise("MA35W1A2", "360121", "乙燃气灶厂", &["producer"], "closed", &["05.01.01"]);
    body["version"] = json!(1);
    let r = county.put_json(&format!("/api/v1/enterprises/{}", id_of(&a2)), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut neighbour = t.signed_in("xj.officer").await;
    let mut body = enterprise("MA35W1B3", "360112", "辛电缆厂", &["producer"], "operating", &["04.01"]);
    body["version"] = json!(1);
    let r = neighbour.put_json(&format!("/api/v1/enterprises/{}", id_of(&b3)), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    go(&clock, &t, "2022-05-24", 10);
    let mut county = t.signed_in("ncx.officer").await;
    step(&mut county, &h2, "submit_evidence", 2).await;
    go(&clock, &t, "2022-05-25", 10);
    let mut inspector = t.signed_in("ncx.inspector").await;
    step(&mut inspector, &h2, "pass_review", 3).await;

    let mut city = t.signed_in("nc.officer").await;
    let later = city.get(&w18).await.json();
    assert_eq!(counts_of(&later), w18_counts, "W18 is unchanged by later activity");
    let records = read_back(&t, &mut city, &campaign, &ids, &selfs, &insps, &hazards).await;
    let now = t.app.clock.now().as_micros();
    for (region, week, from, to) in [
        ("360100", "2022-W17", "2022-04-25", "2022-05-01"),
        ("360100", "2022-W18", "2022-05-02", "2022-05-08"),
        ("360100", "2022-W19", "2022-05-09", "2022-05-15"),
        ("360100", "2022-W21", "2022-05-23", "2022-05-29"),
        ("360121", "2022-W18", "2022-05-02", "2022-05-08"),
        ("360112", "2022-W18", "2022-05-02", "2022-05-08"),
    ] {
        let r = city.get(&format!("/api/v1/campaigns/{campaign}/weekly-report?region_code={region}&week={week}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        check(&r.json(), &records.expected(region, from, to, now), &format!("{region} {week}"));
    }
    let r = city
        .get(&format!("/api/v1/campaigns/{campaign}/weekly-report?region_code=360100&week=cumulative&to=2022-05-29"))
        .await;
    check(&r.json(), &records.expected("360100", "2022-04-15", "2022-05-29", now), "cumulative to 05-29");
    let w21 =
        city.get(&format!("/api/v1/campaigns/{campaign}/weekly-report?region_code=360100&week=2022-W21")).await.json();
    let w21_county =
        w21["rows"].as_array().expect("rows").iter().find(|r| r["region_code"] == "360121").expect("row").clone();
    assert_eq!(w21_county["counts"]["target_enterprises"], 2, "乙 closed down before W21 ended: {w21_county}");
    let county_report =
        city.get(&format!("/api/v1/campaigns/{campaign}/weekly-report?region_code=360121&week=2022-W18")).await.json();
    assert_eq!(county_report["published"]["matches"], true, "{}", county_report["published"]);

    // 05-26: records dated inside W18 are corrected — 甲's major hazard was a duplicate, a
    // hazard found at 丙 on 05-06 is recorded late, and so is 丙's inspection of 05-06.
    go(&clock, &t, "2022-05-26", 10);
    let mut county = t.signed_in("ncx.officer").await;
    let r = county
        .post_json(&format!("/api/v1/hazards/{h5}/steps"), json!({"action": "void", "note": "重复录入", "version": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    hazards.push(hazard(&mut county, general(&a3, json!({"found_on": "2022-05-06", "category_code": "03.02"}))).await);
    insps.push(insert_inspection(&t, &a3, campaign_id, "2022-05-06").await);

    let mut city = t.signed_in("nc.officer").await;
    let records = read_back(&t, &mut city, &campaign, &ids, &selfs, &insps, &hazards).await;
    let now = t.app.clock.now().as_micros();
    let corrected = city.get(&w18).await.json();
    check(&corrected, &records.expected("360100", "2022-05-02", "2022-05-08", now), "W18 after corrections");
    let as_published = city.get(&format!("{w18}&as_of={submitted_at}")).await.json();
    check(&as_published, &records.expected("360100", "2022-05-02", "2022-05-08", submitted_at), "W18 as submitted");
    assert_eq!(counts_of(&as_published), w18_counts, "as of the submission, the numbers are the published ones");
    let county_report =
        city.get(&format!("/api/v1/campaigns/{campaign}/weekly-report?region_code=360121&week=2022-W18")).await.json();
    let published = &county_report["published"];
    assert_eq!(published["matches"], false, "{published}");
    let changed: Vec<(String, String, i64, i64)> = published["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                s(c, "region_code"),
                s(c, "figure"),
                c["published"].as_i64().expect("published"),
                c["now"].as_i64().expect("now"),
            )
        })
        .collect();
    for (figure, before, after) in [("hazards_major", 2, 1), ("hazards_general", 1, 2), ("inspected", 1, 2)] {
        assert!(changed.contains(&("360121".into(), figure.into(), before, after)), "{figure} in {changed:?}");
        assert!(changed.contains(&("total".into(), figure.into(), before, after)), "{figure} in {changed:?}");
    }
    let records_of = |figure: &str| {
        format!(
            "/api/v1/campaigns/{campaign}/weekly-report/records?region_code=360121&week=2022-W18&figure={figure}&compare=true"
        )
    };
    let major = city.get(&records_of("hazards_major")).await.json();
    let voided_number = records.hazards.iter().find(|h| id_of(h) == h5).map(|h| s(h, "number")).expect("h5");
    assert_eq!(major["total"], 1, "{major}");
    assert!(
        major["changes"]["removed"].as_array().expect("removed").iter().any(|r| r["number"] == voided_number.as_str())
    );
    let general_records = city.get(&records_of("hazards_general")).await.json();
    assert_eq!(general_records["changes"]["added"].as_array().map(Vec::len), Some(1), "{general_records}");
    let inspected = city.get(&records_of("coverage")).await.json();
    assert_eq!(inspected["figure"], "inspected_to_date", "a percentage lists its numerator's records");

    // The drill-down lists exactly what each cell counts.
    for row in corrected["rows"].as_array().expect("rows").iter().chain(std::iter::once(&corrected["total"])) {
        let area = if row["region_code"] == "total" { "360100".to_string() } else { s(row, "region_code") };
        for f in COUNTS {
            let url = format!(
                "/api/v1/campaigns/{campaign}/weekly-report/records?region_code=360100&week=2022-W18&figure={f}&area={area}&per_page=500"
            );
            let list = city.get(&url).await.json();
            assert_eq!(list["total"], row["counts"][f], "{area} {f}: {list}");
            assert_eq!(
                list["items"].as_array().map(Vec::len),
                row["counts"][f].as_u64().map(|n| n as usize),
                "{area} {f}"
            );
        }
    }

    // Files: the XLSX re-read, the CSV and the PDF's text carry the same figures.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w18.xlsx");
    let xlsx = bytes(&t, &city, &format!("{w18}&format=xlsx")).await;
    std::fs::write(&path, &xlsx).expect("write");
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("opens");
    let sheet = wb.worksheet_range("周报").expect("sheet");
    // Counts are whole numbers; percentages are numbers shown with one decimal ("0.0" format).
    let percent_columns: Vec<usize> = touchstone_domain::report::FIGURES
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_count())
        .map(|(i, _)| i + 1)
        .collect();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| match c {
                    calamine::Data::Float(f) if percent_columns.contains(&i) => format!("{f:.1}"),
                    calamine::Data::Float(f) => format!("{}", *f as i64),
                    calamine::Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(rows[0], touchstone_app::reports::header(false), "Chinese headers");
    let json_rows: Vec<&Value> =
        corrected["rows"].as_array().expect("rows").iter().chain(std::iter::once(&corrected["total"])).collect();
    assert_eq!(rows.len(), json_rows.len() + 1);
    for (sheet_row, json_row) in rows[1..].iter().zip(&json_rows) {
        assert_eq!(sheet_row[0], s(json_row, "region_name"));
        let texts: Vec<String> = json_row["cells"].as_array().expect("cells").iter().map(|c| s(c, "text")).collect();
        assert_eq!(&sheet_row[1..], texts.as_slice(), "{}", sheet_row[0]);
    }
    let csv = city.get(&format!("{w18}&format=csv")).await;
    assert!(csv.headers["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], touchstone_app::reports::header(false).join(","));
    for (line, json_row) in lines[1..].iter().zip(&json_rows) {
        let mut want = vec![s(json_row, "region_name")];
        want.extend(json_row["cells"].as_array().expect("cells").iter().map(|c| s(c, "text")));
        assert_eq!(*line, want.join(","));
    }
    let pdf = bytes(&t, &city, &format!("{w18}&format=pdf")).await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let text = pdftotext(&pdf);
    assert!(text.contains("燃气具和电线电缆质量安全专项整治"), "{text}");
    assert!(text.contains("检查覆盖率(%)") && text.contains("合计"), "{text}");
    let total_texts: Vec<String> =
        corrected["total"]["cells"].as_array().expect("cells").iter().map(|c| s(c, "text")).collect();
    assert!(text.contains(&format!("合计{}", total_texts.join(""))), "the totals row reads {total_texts:?} in {text}");

    // `touchstone report weekly` writes the same files as the API, as of the same moment.
    let now = t.app.clock.now().as_micros();
    let api_csv = city.get(&format!("{w18}&format=csv&as_of={now}")).await.text;
    for format in ["csv", "xlsx", "pdf"] {
        let out = dir.path().join(format!("cli.{format}"));
        let data = t.data_dir.to_str().expect("utf-8 path");
        let run = Command::new(touchstone_testing::touchstone_bin())
            .args([
                "report",
                "weekly",
                "--db",
                &t.db_url,
                "--data",
                data,
                "--campaign",
                &campaign,
                "--region",
                "360100",
            ])
            .args(["--week", "2022-W18", "--format", format, "--as-of", &now.to_string(), "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert!(run.status.success(), "{format}: {}", String::from_utf8_lossy(&run.stderr));
        let written = std::fs::read(&out).expect("written");
        match format {
            "csv" => assert_eq!(
                String::from_utf8(written).expect("UTF-8").trim_start_matches('\u{feff}'),
                api_csv.trim_start_matches('\u{feff}')
            ),
            "xlsx" => assert!(written.starts_with(b"PK\x03\x04"), "a workbook"),
            _ => assert!(pdftotext(&written).contains(&format!("合计{}", total_texts.join(""))), "the PDF's totals"),
        }
    }

    // The page shows the table with its links and the submission status.
    let page = city.get(&format!("/campaigns/{campaign}/report?region_code=360100&week=2022-W18")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("id=\"report-table\"") && page.text.contains("/report/records?"), "links to records");
    assert!(page.text.contains("未报送"), "the regions that have not submitted are marked");
    let list = city
        .get(&format!(
            "/campaigns/{campaign}/report/records?region_code=360100&week=2022-W18&figure=target_enterprises"
        ))
        .await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("甲电缆厂"), "{}", list.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_read_only_for_regions_of_the_jurisdiction_and_names_bad_parameters_r_auth_1() {
    let t = TestApp::spawn().await;
    let mut city = t.signed_in("nc.officer").await;
    let r = city
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "电线电缆专项", "region_code": "360100", "starts_on": "2026-01-05", "ends_on": "2026-12-31",
                   "key_products": ["04.01"]}),
        )
        .await;
    let campaign = id_of(&r.json());
    let mut county = t.signed_in("ncx.officer").await;
    let base = format!("/api/v1/campaigns/{campaign}/weekly-report");
    let r = county.get(&format!("{base}?region_code=360112&week=2026-W02")).await;
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
        (422, Some("region_code")),
        "another county"
    );
    let r = county.get(&format!("{base}?region_code=360121&week=2026-18")).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("week")));
    let r = county.get(&format!("{base}?region_code=360121&week=2026-W02&as_of=2999-01-01T00:00:00Z")).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["code"].as_str()), (422, Some("in_future")));
    let r = county.get(&format!("{base}?region_code=360121&week=2026-W02&format=docx")).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("format")));
    let r = county.get(&format!("{base}/records?region_code=360121&week=2026-W02&figure=nothing")).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("figure")));
    let r = county.get(&format!("{base}/records?region_code=360121&week=2026-W02&figure=overdue&area=360112")).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("area")));
    let r = county.get(&format!("{base}?region_code=360121&week=2026-W02")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = r.json();
    assert_eq!(report["rows"].as_array().map(Vec::len), Some(1), "a county without regions below is one row");
    assert_eq!(report["total"]["cells"][4]["text"], "—", "no target enterprises: no coverage figure");
    // Another city's officer does not see the campaign at all.
    let mut other = t.signed_in("ruijin.officer").await;
    assert_eq!(other.get(&format!("{base}?region_code=360781&week=2026-W02")).await.status, 404);
    assert_eq!(
        other
            .post_json(&format!("/api/v1/campaigns/{campaign}/weekly-reports"), json!({"week": "2026-W02"}))
            .await
            .status,
        404
    );
}

// R-REP-1, ADR 0011: PostgreSQL's JIT compiled each of the report's statements for longer
// than the statement then ran (1.4 s of 1.6 s); the application's connections turn it off.
// ADR 0013: and they plan every execution for its values, never falling back to a generic plan
// that guesses a region range or a search phrase blind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_connections_run_without_jit_and_plan_every_execution_for_its_values() {
    let t = TestApp::spawn().await;
    if t.app.db.engine() != touchstone_store::Engine::Postgres {
        return; // SQLite has neither a JIT nor a plan cache that chooses
    }
    #[derive(sqlx::FromRow)]
    struct Setting {
        jit: String,
    }
    let read: Option<Setting> =
        t.app.db.fetch_optional("SELECT current_setting('jit') AS jit", vec![]).await.expect("reads the setting");
    assert_eq!(read.map(|s| s.jit).as_deref(), Some("off"));
    let mut tx = t.app.db.begin().await.expect("a write transaction");
    let written: Option<Setting> =
        tx.fetch_optional("SELECT current_setting('jit') AS jit", vec![]).await.expect("reads the setting");
    assert_eq!(written.map(|s| s.jit).as_deref(), Some("off"), "the primary's connections too");

    // A prepared statement run ten times on one connection: PostgreSQL would switch to a generic
    // plan after five custom ones if its cost looked no worse.
    #[derive(sqlx::FromRow)]
    struct Plans {
        generic: i64,
        custom: i64,
    }
    #[derive(sqlx::FromRow)]
    struct Id {
        #[allow(dead_code)]
        id: uuid::Uuid,
    }
    for i in 0..10 {
        let code = format!("36{:04}", i * 100);
        let _: Vec<Id> = tx
            .fetch_all(
                "SELECT id FROM enterprises WHERE region_code BETWEEN ? AND ? ORDER BY id LIMIT 1",
                touchstone_store::args![code.clone(), code],
            )
            .await
            .expect("runs the statement");
    }
    let plans: Plans = tx
        .fetch_one(
            "SELECT CAST(COALESCE(SUM(generic_plans), 0) AS BIGINT) AS generic, \
             CAST(COALESCE(SUM(custom_plans), 0) AS BIGINT) AS custom FROM pg_prepared_statements \
             WHERE statement LIKE '%region_code BETWEEN%ORDER BY id LIMIT 1'",
            vec![],
        )
        .await
        .expect("reads the connection's plan counts");
    assert_eq!((plans.generic, plans.custom), (0, 10), "every execution planned for its own values");
    drop(tx); // rolled back: nothing was written
}
