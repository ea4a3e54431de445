//! Official documents through HTTP (R-INSP-3, R-HAZ-2, R-ENT-3, R-AUTH-1, R-AUD-1): a completed
//! inspection's 现场检查笔录 and 责令限期整改通知书, a hazard's 整改复查意见书 after its review
//! passed or failed — numbered, printed as PDF with the records' Chinese text, kept on the
//! enterprise's file by SHA-256, audited; a name no font can draw refused naming its field;
//! another county can neither issue nor download them.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use touchstone_testing::{TestApp, TestClient};

/// The response to a GET as raw bytes (a PDF), with the client's session.
async fn download(t: &TestApp, c: &TestClient, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", t.base));
    if let Some(s) = &c.session {
        req = req.header(reqwest::header::COOKIE, format!("ts_session={s}"));
    }
    let res = req.send().await.expect("request");
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.bytes().await.expect("body").to_vec())
}

/// The text of a PDF as `pdftotext` reads it, without white space (table cells and line
/// breaks split text anywhere).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A completed inspection of `enterprise` by the inspector and the officer, with two
/// findings whose deadlines differ; its id and its hazards.
async fn completed_inspection(inspector: &mut TestClient, officer_id: uuid::Uuid, enterprise: &str) -> (String, Value) {
    let body = json!({
        "enterprise_id": enterprise, "kind": "special", "notice": "none", "officers": [officer_id],
        "place": "生产车间及成品仓库", "started_at": "2026-03-05T09:30", "ended_at": "2026-03-05T11:20",
        "inspected_on": "2026-03-05",
        "checklist": [{"item": "GN-01", "result": "fail", "note": "记录不全"}],
        "findings": [
            {"description": "出厂检验缺导体电阻项目", "level": "general", "deadline": "2026-04-05",
             "legal_basis": "《产品质量法》第十二条"},
            {"description": "成品仓库消防通道被占用", "level": "major", "deadline": "2026-03-20"}
        ],
        "measures": "当场责令清理消防通道", "feedback": "已向企业负责人反馈检查发现的问题", "complete": true
    });
    let r = inspector.post_json("/api/v1/inspections", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    assert_eq!(v["status"], "completed", "{v}");
    (v["id"].as_str().expect("id").to_string(), v["hazards"].clone())
}

async fn step(c: &mut TestClient, hazard: &str, body: Value) -> Value {
    let r = c.post_json(&format!("/api/v1/hazards/{hazard}/steps"), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// Issues and checks the common part: the number's series, the PDF (text, type, Chinese file
/// name) and its SHA-256 against the enterprise file's attachment; the document and the text.
async fn issue(t: &TestApp, c: &mut TestClient, path: &str, kind: &str, series: &str) -> (Value, String) {
    let r = c.post_json(path, json!({"kind": kind})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let doc = r.json();
    let number = doc["number"].as_str().expect("number");
    assert!(number.starts_with(series) && number.ends_with('号'), "{number}");
    let link = doc["download"].as_str().expect("link").to_string();
    let (status, headers, pdf) = download(t, c, &link).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(disposition.contains("filename*=UTF-8''%E"), "a Chinese name, RFC 5987 encoded: {disposition}");
    assert!(pdf.starts_with(b"%PDF-"));
    let sha = hex(&Sha256::digest(&pdf));
    assert_eq!(doc["sha256"].as_str(), Some(sha.as_str()), "the recorded hash is the file's");
    let e = doc["enterprise_id"].as_str().expect("enterprise");
    let files = c.get(&format!("/api/v1/enterprises/{e}/attachments")).await.json();
    let kept = files.as_array().expect("attachments").iter().find(|a| a["id"] == doc["attachment_id"]).cloned();
    let kept = kept.expect("the PDF is on the enterprise's file");
    assert_eq!((kept["sha256"].as_str(), kept["content_type"].as_str()), (Some(sha.as_str()), Some("application/pdf")));
    let text = pdf_text(&pdf);
    assert!(text.contains(&squeeze(number)), "the number is printed: {text}");
    (doc, text)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspection_record_an_order_and_review_opinions_print_the_records_and_stay_on_the_file_r_insp_3_r_haz_2() {
    let t = TestApp::spawn().await;
    let year = &t.app.clock.now().china_date()[..4];
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35WD01", "文书测试电缆厂").await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    let (id, hazards) = completed_inspection(&mut inspector, t.user_id("ncx.officer").await, &e).await;
    let hazards = hazards.as_array().expect("hazards").clone();
    assert_eq!(hazards.len(), 2);
    let (h_general, h_major) = {
        let by = |level: &str| hazards.iter().find(|h| h["level"] == level).expect("hazard").clone();
        (by("general"), by("major"))
    };
    assert_eq!(h_general["legal_basis"], "《产品质量法》第十二条", "the finding's provisions go with its hazard");
    assert_eq!(h_major["legal_basis"], "", "none given, none recorded");

    // 现场检查笔录: the enterprise, both officers with the inspector's certificate, the findings.
    let path = format!("/api/v1/inspections/{id}/documents");
    let (record, text) =
        issue(&t, &mut inspector, &path, "inspection_record", &format!("赣360121市监现检〔{year}〕")).await;
    assert_eq!(record["number"].as_str(), Some(format!("赣360121市监现检〔{year}〕1号").as_str()));
    for expected in [
        "现场检查笔录",
        "南昌市南昌县市场监督管理局",
        "文书测试电缆厂",
        "孙伟",
        "郑丽",
        "36012100017",
        "2026年3月5日9时30分",
        "专项检查",
        "未提前告知",
        "出厂检验缺导体电阻项目",
        "成品仓库消防通道被占用",
        "当场责令清理消防通道",
    ] {
        assert!(text.contains(expected), "the record prints {expected}: {text}");
    }
    // Issuing it again returns the same document; the record is final, so it never changes.
    let again = inspector.post_json(&path, json!({"kind": "inspection_record"})).await;
    assert_eq!((again.status, &again.json()["id"]), (200, &record["id"]), "{}", again.text);

    // 责令限期整改通知书 for both open hazards: numbers, texts, each its own deadline.
    let (order, text) =
        issue(&t, &mut inspector, &path, "rectification_order", &format!("赣360121市监责改〔{year}〕")).await;
    for expected in [
        "责令限期整改通知书",
        "文书测试电缆厂",
        h_general["number"].as_str().expect("n"),
        h_major["number"].as_str().expect("n"),
        "出厂检验缺导体电阻项目",
        "成品仓库消防通道被占用",
        "重大隐患",
        // The provisions the finding breaches (违反的规定), as the inspector wrote them (the
        // cell wraps before the article's number).
        "违反的规定",
        "《产品质量法》",
        // Each its own deadline (the table cell may wrap before 日), the latest for all.
        "整改期限：2026年3月20",
        "于2026年4月5日前对上述隐患整改完毕",
    ] {
        assert!(text.contains(&squeeze(expected)), "the order prints {expected}: {text}");
    }

    // The enterprise rectifies the general hazard; a second officer passes the review.
    let hg = h_general["id"].as_str().expect("id");
    let r = inspector.post_json(&format!("/api/v1/hazards/{hg}/documents"), json!({"kind": "review_opinion"})).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["code"].as_str()), (422, Some("not_reviewed")), "{}", r.text);
    step(&mut own, hg, json!({"action": "plan", "note": "补做导体电阻检验", "version": 1})).await;
    step(&mut own, hg, json!({"action": "submit_evidence", "note": "已补做检验并建立记录", "version": 2})).await;
    let mut city = t.signed_in("nc.officer").await;
    step(&mut city, hg, json!({"action": "pass_review", "note": "现场核实检验记录已补齐", "version": 3})).await;
    let (passed, text) = issue(
        &t,
        &mut city,
        &format!("/api/v1/hazards/{hg}/documents"),
        "review_opinion",
        &format!("赣360121市监复查〔{year}〕"),
    )
    .await;
    for expected in [
        "整改复查意见书",
        "文书测试电缆厂",
        order["number"].as_str().expect("order number"),
        "刘芳",
        "现场核实检验记录已补齐",
        "已补做检验并建立记录",
        "予以销号",
    ] {
        assert!(text.contains(&squeeze(expected)), "the passed opinion prints {expected}: {text}");
    }
    assert!(!text.contains("退回整改"), "{text}");

    // The major one fails its review: sent back.
    let hm = h_major["id"].as_str().expect("id");
    step(&mut own, hm, json!({"action": "plan", "note": "清理通道", "version": 1})).await;
    step(&mut own, hm, json!({"action": "submit_evidence", "note": "通道已清理", "version": 2})).await;
    step(&mut city, hm, json!({"action": "fail_review", "note": "通道仍堆放电缆盘", "version": 3})).await;
    let (_, text) = issue(
        &t,
        &mut city,
        &format!("/api/v1/hazards/{hm}/documents"),
        "review_opinion",
        &format!("赣360121市监复查〔{year}〕"),
    )
    .await;
    assert!(text.contains("退回整改") && text.contains("通道仍堆放电缆盘") && !text.contains("予以销号"), "{text}");

    // The inspection's order issued again after a hazard closed is a new edition, numbered anew.
    let (reissued, text) =
        issue(&t, &mut inspector, &path, "rectification_order", &format!("赣360121市监责改〔{year}〕")).await;
    assert_eq!(reissued["number"].as_str(), Some(format!("赣360121市监责改〔{year}〕2号").as_str()));
    assert_eq!(reissued["edition"], 2);
    assert!(text.contains("成品仓库消防通道被占用") && !text.contains("出厂检验缺导体电阻项目"), "{text}");

    // The file lists them all, its timeline shows them; the enterprise reads its own.
    let listed = officer.get(&format!("/api/v1/enterprises/{e}/documents")).await.json();
    assert_eq!(listed["total"], 5, "{listed}");
    let timeline = officer.get(&format!("/api/v1/enterprises/{e}/timeline?kind=attachment")).await.text;
    assert!(timeline.contains(record["number"].as_str().expect("n")), "{timeline}");
    assert_eq!(own.get(&format!("/api/v1/enterprises/{e}/documents")).await.json()["total"], 5);
    let (status, _, _) = download(&t, &own, passed["download"].as_str().expect("link")).await;
    assert_eq!(status, 200, "the enterprise downloads its review opinion");

    // Each issue is audited with its number and hash (R-AUD-1).
    let mut admin = t.signed_in("ncx.admin").await;
    let audit = admin.get(&format!("/api/v1/audit?entity_id={}", record["id"].as_str().expect("id"))).await.json();
    assert_eq!(audit["total"], 1, "{audit}");
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "document.issue");
    let after: Value = serde_json::from_str(entry["after_json"].as_str().unwrap_or("{}")).unwrap_or(Value::Null);
    assert_eq!(after["sha256"], record["sha256"], "{entry}");

    // Another county neither issues nor reads them (R-AUTH-1).
    let mut neighbour = t.signed_in("xj.officer").await;
    for kind in ["inspection_record", "rectification_order"] {
        assert_eq!(neighbour.post_json(&path, json!({"kind": kind})).await.status, 404);
    }
    assert_eq!(
        neighbour.post_json(&format!("/api/v1/hazards/{hm}/documents"), json!({"kind": "review_opinion"})).await.status,
        404
    );
    let doc = record["id"].as_str().expect("id");
    assert_eq!(neighbour.get(&format!("/api/v1/documents/{doc}")).await.status, 404);
    let (status, _, body) = download(&t, &neighbour, &format!("/api/v1/documents/{doc}/pdf")).await;
    assert_eq!(status, 404);
    assert!(!body.starts_with(b"%PDF"));
    assert_eq!(neighbour.get(&format!("/api/v1/enterprises/{e}/documents")).await.status, 404);
    // Enterprises do not issue documents.
    assert_eq!(own.post_json(&path, json!({"kind": "inspection_record"})).await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_a_character_no_font_has_is_refused_naming_the_field_and_nothing_is_issued() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    // 堃 (U+5803) is outside GB2312, so outside the committed font subset.
    let uscc = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35WD02").expect("composes").to_string();
    let r = officer
        .post_json(
            "/api/v1/enterprises",
            json!({"uscc": uscc, "name": "南昌堃华电缆有限公司", "legal_representative": "张建国",
                   "address": "南昌县莲塘镇", "region_code": "360121", "scale": "small", "status": "operating",
                   "roles": ["producer"], "categories": ["04.01"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let e = r.json()["id"].as_str().expect("id").to_string();
    let mut inspector = t.signed_in("ncx.inspector").await;
    let (id, _) = completed_inspection(&mut inspector, t.user_id("ncx.officer").await, &e).await;

    for kind in ["inspection_record", "rectification_order"] {
        let r = inspector.post_json(&format!("/api/v1/inspections/{id}/documents"), json!({"kind": kind})).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let field = &r.json()["error"]["fields"][0];
        assert_eq!(
            (field["field"].as_str(), field["code"].as_str()),
            (Some("enterprise.name"), Some("char_not_in_font"))
        );
        assert!(field["message"].as_str().expect("message").contains("U+5803"), "{field}");
    }
    assert_eq!(officer.get(&format!("/api/v1/enterprises/{e}/documents")).await.json()["total"], 0);
    let files = officer.get(&format!("/api/v1/enterprises/{e}/attachments")).await.json();
    assert_eq!(files.as_array().map(Vec::len), Some(0), "no PDF was kept: {files}");

    // A kind that does not fit the subject is refused naming `kind`.
    let r =
        inspector.post_json(&format!("/api/v1/inspections/{id}/documents"), json!({"kind": "review_opinion"})).await;
    assert_eq!((r.status, r.json()["error"]["fields"][0]["field"].as_str()), (422, Some("kind")));

    // With a font that has 堃 in `documents.font_dir`, the same record prints.
    let mut config = (*t.app.config).clone();
    config.documents.font_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../pdf/tests/fonts").into();
    let with_font = touchstone_app::App::open(config).await.expect("opens with the font directory");
    let u = touchstone_store::users::find_by_username(&t.app.db, "ncx.inspector").await.expect("q").expect("user");
    let actor = touchstone_app::Actor::for_user(&with_font, &u, Default::default()).await.expect("actor");
    let input = touchstone_app::documents::IssueInput { kind: "inspection_record".into() };
    let issued = touchstone_app::documents::issue_for_inspection(&with_font, &actor, id.parse().expect("id"), &input)
        .await
        .expect("issued with the configured font");
    let (status, _, pdf) = download(&t, &officer, &issued.view.download).await;
    assert_eq!(status, 200);
    assert!(pdf_text(&pdf).contains("南昌堃华电缆有限公司"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_buttons_issue_the_document_and_open_its_pdf() {
    let t = TestApp::spawn().await;
    let mut officer = t.signed_in("ncx.officer").await;
    let (e, mut own) = t.enterprise_with_account(&mut officer, "MA35WD03", "页面文书电缆厂").await;
    let mut inspector = t.signed_in("ncx.inspector").await;
    let (id, hazards) = completed_inspection(&mut inspector, t.user_id("ncx.officer").await, &e).await;

    // The completed inspection offers its record and the order for its open hazards.
    let page = inspector.get(&format!("/inspections/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("打印现场检查笔录") && page.text.contains("value=\"rectification_order\""),
        "{}",
        page.text
    );
    let r = inspector.post_form(&format!("/inspections/{id}/documents"), &[("kind", "inspection_record")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = r.headers["location"].to_str().expect("location").to_string();
    assert!(to.starts_with("/api/v1/documents/") && to.ends_with("/pdf"), "{to}");
    let (status, headers, pdf) = download(&t, &inspector, &to).await;
    assert_eq!((status, headers["content-type"].to_str().ok()), (200, Some("application/pdf")));
    assert!(pdf_text(&pdf).contains("页面文书电缆厂"));
    // Pressing it again opens the same document.
    let again = inspector.post_form(&format!("/inspections/{id}/documents"), &[("kind", "inspection_record")]).await;
    assert_eq!(again.headers["location"].to_str().ok(), Some(to.as_str()));
    // A refusal is an error page naming the problem, not a PDF.
    let r = inspector.post_form(&format!("/inspections/{id}/documents"), &[("kind", "review_opinion")]).await;
    assert_eq!(r.status, 422, "{}", r.text);

    // The order from the hazard's page, then the review opinion once it was reviewed.
    let hazard = hazards[0]["id"].as_str().expect("id");
    let page = officer.get(&format!("/hazards/{hazard}")).await.text;
    assert!(page.contains("责令限期整改通知书") && !page.contains("value=\"review_opinion\""), "{page}");
    let r = officer.post_form(&format!("/hazards/{hazard}/documents"), &[("kind", "rectification_order")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    step(&mut own, hazard, json!({"action": "plan", "note": "整改", "version": 1})).await;
    step(&mut own, hazard, json!({"action": "submit_evidence", "note": "已整改", "version": 2})).await;
    let mut city = t.signed_in("nc.officer").await;
    step(&mut city, hazard, json!({"action": "pass_review", "note": "复查合格", "version": 3})).await;
    let page = city.get(&format!("/hazards/{hazard}")).await.text;
    assert!(page.contains("value=\"review_opinion\""), "{page}");
    let r = city.post_form(&format!("/hazards/{hazard}/documents"), &[("kind", "review_opinion")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let (status, _, pdf) = download(&t, &city, r.headers["location"].to_str().expect("location")).await;
    assert_eq!(status, 200);
    assert!(pdf_text(&pdf).contains("予以销号"));

    // The enterprise's own users see no buttons: documents are the bureau's to issue.
    let page = own.get(&format!("/hazards/{hazard}")).await.text;
    assert!(!page.contains("hazard-documents"), "{page}");

    // The API documents its document routes.
    let doc = t.client().get("/api/openapi.json").await.json();
    for p in [
        "/api/v1/inspections/{id}/documents",
        "/api/v1/hazards/{id}/documents",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/pdf",
        "/api/v1/enterprises/{id}/documents",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} is not in the OpenAPI document");
    }
}
