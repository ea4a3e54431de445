//! Official documents (R-INSP-3, R-HAZ-2): 现场检查笔录 of a completed inspection,
//! 责令限期整改通知书 for its open hazards (or one hazard), 整改复查意见书 after a hazard's
//! review. Issuing one builds it from the records, numbers it for its bureau and year
//! (`domain::document`), renders it (`touchstone-pdf`, off the async threads), keeps the PDF
//! on the enterprise's file by its SHA-256 and records it, audited, in one transaction.
//! Issuing again returns the same document until what it prints changes; then a new edition
//! with a new number is issued and the old one stays on the file.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use touchstone_domain::checklist;
use touchstone_domain::document::{self as rules, DocumentKind, NUMBER_SUFFIX};
use touchstone_domain::hazard::{Action, Status};
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::regions;
use touchstone_domain::role::Permission;
use touchstone_domain::time::parse_date as date_of;
use touchstone_pdf::{
    ChecklistResult, Document, Enterprise, HazardItem, InspectionRecord, Officer, PdfError, Person, RectificationOrder,
    ReviewConclusion, ReviewOpinion,
};
use touchstone_store::attachments::{self as attachment_store, AttachmentRow};
use touchstone_store::documents::{self as store, DocumentRow};
use touchstone_store::enterprises::{self as enterprise_store, EnterpriseRow, Visibility};
use touchstone_store::hazards::{self as hazard_store, HazardEventRow, HazardRow};
use touchstone_store::list::{Page, Window};
use touchstone_store::organisations::OrganisationRow;
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::{Actor, App, Error, Result};

/// What to issue: `{kind}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct IssueInput {
    /// For an inspection: `inspection_record` or `rectification_order` (its open hazards).
    /// For a hazard: `rectification_order` or `review_opinion` (after its review).
    pub kind: String,
}

/// A document as the API and pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    #[serde(flatten)]
    pub document: DocumentRow,
    /// The title as printed, e.g. `现场检查笔录`.
    pub title: String,
    pub enterprise_name: String,
    /// The PDF's name on the enterprise's file.
    pub file_name: String,
    pub size_bytes: i64,
    /// Where the PDF is downloaded.
    pub download: String,
}

/// A document issued now (`created`) or the same one issued before.
#[derive(Debug, Clone)]
pub struct Issued {
    pub view: DocumentView,
    pub created: bool,
}

/// Everything needed to number, render and record a document.
struct Draft {
    kind: DocumentKind,
    enterprise: EnterpriseRow,
    region_code: String,
    bureau: OrganisationRow,
    subject_type: &'static str,
    subject_id: Uuid,
    hazard_ids: Vec<Uuid>,
    doc: Document,
    /// What else makes two documents with the same text different (a review's event).
    basis: String,
}

fn can_read(actor: &Actor) -> Result<()> {
    if actor.own_enterprise().is_some() {
        Ok(())
    } else {
        actor.require(Permission::ReadEnterprises, "reading documents")
    }
}

fn kind_of(text: &str, allowed: &[DocumentKind]) -> Result<DocumentKind> {
    DocumentKind::parse(text).filter(|k| allowed.contains(k)).ok_or_else(|| {
        let codes: Vec<&str> = allowed.iter().map(|k| k.code()).collect();
        Error::field("kind", "invalid_choice", format!("one of {}", codes.join(", ")))
    })
}

/// Issues a document about a completed inspection of the jurisdiction: its record, or the
/// order for the hazards it found that are still open.
pub async fn issue_for_inspection(app: &App, actor: &Actor, id: Uuid, input: &IssueInput) -> Result<Issued> {
    actor.require(Permission::RecordHazards, "issuing documents")?;
    let officer = Visibility { regions: &actor.regions, own: None };
    let row = touchstone_store::inspections::get(&app.db, &officer, id).await?.ok_or(Error::NotFound)?;
    let kind = kind_of(&input.kind, &[DocumentKind::InspectionRecord, DocumentKind::RectificationOrder])?;
    if row.status != "completed" {
        return Err(Error::field(
            "kind",
            "not_completed",
            format!("inspection {} is still a draft: complete it before printing its documents", row.number),
        ));
    }
    let view = crate::inspections::get(app, actor, id).await?;
    let enterprise = enterprise_of(app, row.enterprise_id).await?;
    let bureau = bureau_of(app, &row.region_code).await?;
    let inspected_on = date_of(&row.inspected_on).ok_or_else(|| Error::Internal(format!("inspection {id} date")))?;
    let (doc, hazard_ids) = match kind {
        DocumentKind::InspectionRecord => {
            (Document::InspectionRecord(record(app, &view, &enterprise, &bureau).await?), vec![])
        }
        _ => {
            let open: Vec<HazardRow> = view.hazards.iter().map(|h| h.hazard.clone()).filter(is_open).collect();
            if open.is_empty() {
                return Err(Error::field(
                    "kind",
                    "no_open_hazards",
                    format!("inspection {} left no hazard open: there is nothing to order", row.number),
                ));
            }
            let facts = format!(
                "{}，本局执法人员对你单位进行现场检查，发现你单位存在下列质量安全隐患：",
                rules::chinese_date(inspected_on)
            );
            let ids = open.iter().map(|h| h.id).collect();
            (Document::RectificationOrder(order(app, actor, &enterprise, &bureau, facts, &open)), ids)
        }
    };
    let draft = Draft {
        kind,
        region_code: row.region_code.clone(),
        enterprise,
        bureau,
        subject_type: "inspection",
        subject_id: row.id,
        hazard_ids,
        doc,
        basis: String::new(),
    };
    issue(app, actor, draft).await
}

/// Issues a document about one hazard of the jurisdiction: the order to rectify it while it
/// is open, or the opinion of its latest review.
pub async fn issue_for_hazard(app: &App, actor: &Actor, id: Uuid, input: &IssueInput) -> Result<Issued> {
    actor.require(Permission::RecordHazards, "issuing documents")?;
    let officer = Visibility { regions: &actor.regions, own: None };
    let hazard = hazard_store::get(&app.db, &officer, id).await?.ok_or(Error::NotFound)?;
    let kind = kind_of(&input.kind, &[DocumentKind::RectificationOrder, DocumentKind::ReviewOpinion])?;
    let enterprise = enterprise_of(app, hazard.enterprise_id).await?;
    let bureau = bureau_of(app, &hazard.region_code).await?;
    let (doc, basis) = match kind {
        DocumentKind::RectificationOrder => {
            if !is_open(&hazard) {
                return Err(Error::field(
                    "kind",
                    "hazard_not_open",
                    format!("hazard {} is {}: only an open hazard is ordered rectified", hazard.number, hazard.status),
                ));
            }
            let facts = facts_of(&hazard);
            (
                Document::RectificationOrder(order(
                    app,
                    actor,
                    &enterprise,
                    &bureau,
                    facts,
                    std::slice::from_ref(&hazard),
                )),
                String::new(),
            )
        }
        _ => {
            let events = hazard_store::events(&app.db, id).await?;
            let (opinion, event) = opinion(app, &hazard, &events, &enterprise, &bureau).await?;
            (Document::ReviewOpinion(opinion), event.id.to_string())
        }
    };
    let draft = Draft {
        kind,
        region_code: hazard.region_code.clone(),
        enterprise,
        bureau,
        subject_type: "hazard",
        subject_id: hazard.id,
        hazard_ids: vec![hazard.id],
        doc,
        basis,
    };
    issue(app, actor, draft).await
}

/// Which documents a hazard's page offers.
impl crate::hazards::HazardView {
    /// A 责令限期整改通知书 can be issued: the hazard is still open.
    pub fn may_order(&self) -> bool {
        is_open(&self.hazard)
    }

    /// A 整改复查意见书 can be issued: its review passed or failed at least once.
    pub fn was_reviewed(&self) -> bool {
        self.events.iter().any(|e| e.action == Action::PassReview.code() || e.action == Action::FailReview.code())
    }
}

/// Which documents a completed inspection's page offers.
impl crate::inspections::InspectionView {
    /// Completed: its 现场检查笔录 can be printed.
    pub fn printable(&self) -> bool {
        self.inspection.status == "completed"
    }

    /// Completed with hazards still open: a 责令限期整改通知书 can be issued for them.
    pub fn has_open_hazards(&self) -> bool {
        self.printable() && self.hazards.iter().any(|h| is_open(&h.hazard))
    }
}

fn is_open(h: &HazardRow) -> bool {
    !matches!(Status::parse(&h.status), Some(Status::Closed | Status::Voided) | None)
}

async fn enterprise_of(app: &App, id: Uuid) -> Result<EnterpriseRow> {
    let everything = Visibility { regions: &Scope::Everything, own: None };
    enterprise_store::get(&app.db, &everything, id).await?.ok_or(Error::NotFound)
}

async fn bureau_of(app: &App, region_code: &str) -> Result<OrganisationRow> {
    crate::notifications::responsible_bureau(&app.db, region_code).await?.ok_or_else(|| Error::Conflict {
        code: "no_bureau",
        message: format!("no bureau is responsible for region {region_code}: an administrator sets one up"),
    })
}

fn addressee(e: &EnterpriseRow) -> Enterprise {
    Enterprise {
        name: e.name.clone(),
        credit_code: e.uscc.clone(),
        address: e.address.clone(),
        legal_representative: e.legal_representative.clone(),
    }
}

/// An officer as printed: the name recorded and the certificate number of the account.
async fn officer(app: &App, user_id: Option<Uuid>, name: &str) -> Result<Officer> {
    let certificate_number = match user_id {
        Some(id) => touchstone_store::users::find(&app.db, id).await?.and_then(|u| u.officer_number),
        None => None,
    };
    Ok(Officer { name: name.to_string(), certificate_number: certificate_number.unwrap_or_default() })
}

async fn file_names(app: &App, ids: impl Iterator<Item = &str>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for id in ids {
        let Ok(id) = Uuid::parse_str(id) else { continue };
        if let Some(a) = attachment_store::get(&app.db, &Scope::Everything, None, id).await? {
            out.push(a.file_name);
        }
    }
    Ok(out)
}

/// 现场检查笔录 of a completed inspection.
async fn record(
    app: &App,
    view: &crate::inspections::InspectionView,
    enterprise: &EnterpriseRow,
    bureau: &OrganisationRow,
) -> Result<InspectionRecord> {
    let row = &view.inspection;
    let on = date_of(&row.inspected_on).map(rules::chinese_date).unwrap_or_default();
    let when = |t: &Option<String>| t.as_deref().and_then(rules::chinese_date_time).unwrap_or_else(|| on.clone());
    let mut officers = Vec::new();
    for o in &view.officer_list {
        officers.push(officer(app, Some(o.user_id), &o.name).await?);
    }
    let advance_notice = match (row.notice.as_str(), row.notice_note.as_deref()) {
        ("given", Some(note)) => format!("已提前告知：{note}"),
        ("given", None) => "已提前告知".to_string(),
        _ => "未提前告知".to_string(),
    };
    let checklist = view
        .checklist_results
        .iter()
        .map(|c| ChecklistResult {
            item: checklist::item(c.item.trim()).map(|i| i.question.to_string()).unwrap_or_else(|| c.item.clone()),
            result: rules::check_result_label(c.result.trim()).to_string(),
            note: c.note.clone().unwrap_or_default(),
        })
        .collect();
    let findings = if view.finding_list.is_empty() {
        "未发现问题。".to_string()
    } else {
        view.finding_list
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut line =
                    format!("{}. {}（{}）", i + 1, f.description.trim(), rules::hazard_level_label(f.level.trim()));
                if f.corrected_on_spot {
                    line.push_str(&format!("，已当场整改：{}", f.correction_note.as_deref().unwrap_or("").trim()));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let staff = row.staff_present.trim();
    Ok(InspectionRecord {
        number: String::new(),
        bureau: bureau.name.clone(),
        enterprise: addressee(enterprise),
        place: row.place.clone(),
        start: when(&row.started_at),
        end: when(&row.ended_at),
        kind: rules::inspection_kind_label(&row.kind).to_string(),
        officers,
        experts: view.expert_list.iter().map(|e| Person { name: e.clone(), role: String::new() }).collect(),
        staff_present: if staff.is_empty() { vec![] } else { vec![Person { name: staff.into(), role: String::new() }] },
        advance_notice,
        checklist,
        findings,
        measures: row.measures.clone(),
        feedback: row.feedback.clone(),
        attachments: file_names(app, row.attachment_ids.split_whitespace()).await?,
    })
}

/// The facts an order for one hazard rests on, by where it was found.
fn facts_of(h: &HazardRow) -> String {
    let on = date_of(&h.found_on).map(rules::chinese_date).unwrap_or_else(|| h.found_on.clone());
    match h.source.as_str() {
        "inspection" => format!("{on}，本局执法人员对你单位进行现场检查，发现你单位存在下列质量安全隐患："),
        "self_inspection" => format!("{on}，你单位在自查中报告存在下列质量安全隐患："),
        "spot_check" => format!("{on}，本局在监督抽查中发现你单位存在下列质量安全隐患："),
        "certification_audit" => format!("{on}，本局在认证监督检查中发现你单位存在下列质量安全隐患："),
        "risk_signal" => format!("{on}，本局在风险监测中发现你单位存在下列质量安全隐患："),
        "complaint" => format!("{on}，本局根据投诉举报核查发现你单位存在下列质量安全隐患："),
        _ => format!("{on}，本局发现你单位存在下列质量安全隐患："),
    }
}

/// 责令限期整改通知书 for `hazards`: one deadline, the latest; when they differ, each
/// hazard's own deadline is printed with it.
fn order(
    app: &App,
    actor: &Actor,
    enterprise: &EnterpriseRow,
    bureau: &OrganisationRow,
    facts: String,
    hazards: &[HazardRow],
) -> RectificationOrder {
    let deadlines: Vec<&str> = hazards.iter().map(|h| h.deadline.as_str()).collect();
    let latest = deadlines.iter().max().copied().unwrap_or_default();
    let differ = deadlines.iter().any(|d| *d != latest);
    let printed = |d: &str| date_of(d).map(rules::chinese_date).unwrap_or_else(|| d.to_string());
    let items = hazards
        .iter()
        .map(|h| HazardItem {
            number: h.number.clone(),
            description: if differ {
                format!("{}（整改期限：{}）", h.description, printed(&h.deadline))
            } else {
                h.description.clone()
            },
            level: rules::hazard_level_label(&h.level).to_string(),
            legal_basis: h.legal_basis.clone(),
        })
        .collect();
    let government = regions().get(&bureau.region_code).map(|r| r.name).unwrap_or("本级");
    RectificationOrder {
        number: String::new(),
        bureau: bureau.name.clone(),
        enterprise: addressee(enterprise),
        facts,
        hazards: items,
        deadline: printed(latest),
        requirements: "整改期间，你单位应当采取措施防止隐患危害发生；整改完成后，应当将整改报告及整改前后照片等证明材料报送本局，本局将组织复查。逾期未整改或者整改不到位的，本局将依法处理。".into(),
        rights_notice: format!(
            "你单位如对本通知不服，可以在收到本通知书之日起六十日内向{government}人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
        ),
        date: rules::chinese_date(app.today()),
        contact: actor.display_name.clone(),
    }
}

/// 整改复查意见书 of the hazard's latest review, with the evidence submitted since the review
/// before it; the review event it rests on.
async fn opinion(
    app: &App,
    hazard: &HazardRow,
    events: &[HazardEventRow],
    enterprise: &EnterpriseRow,
    bureau: &OrganisationRow,
) -> Result<(ReviewOpinion, HazardEventRow)> {
    let is_review = |e: &HazardEventRow| e.action == Action::PassReview.code() || e.action == Action::FailReview.code();
    let Some(review) = events.iter().rev().find(|e| is_review(e)).cloned() else {
        return Err(Error::field(
            "kind",
            "not_reviewed",
            format!("hazard {} has not been reviewed: pass or fail its review first", hazard.number),
        ));
    };
    let order =
        store::latest_listing(&app.db, DocumentKind::RectificationOrder.code(), hazard.enterprise_id, hazard.id)
            .await?
            .ok_or_else(|| {
                Error::field(
                    "kind",
                    "order_missing",
                    format!(
                        "no 责令限期整改通知书 lists hazard {}: issue the order before the review opinion it answers",
                        hazard.number
                    ),
                )
            })?;
    let since = events.iter().filter(|e| is_review(e) && e.seq < review.seq).map(|e| e.seq).max().unwrap_or(0);
    let mut evidence = Vec::new();
    for e in events.iter().filter(|e| e.action == Action::SubmitEvidence.code() && e.seq > since && e.seq < review.seq)
    {
        if let Some(note) = e.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            evidence.push(format!("整改情况说明：{note}"));
        }
        evidence.extend(file_names(app, e.attachment_ids.as_deref().unwrap_or("").split_whitespace()).await?);
    }
    let passed = review.action == Action::PassReview.code();
    let findings = review.note.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
        if passed {
            "复查人员对整改情况进行了核查，隐患已消除。"
        } else {
            "复查人员对整改情况进行了核查，隐患尚未消除。"
        }
        .into()
    });
    let reviewed_on = date_of(&review.on_date).unwrap_or_else(|| app.today());
    let new_deadline = match date_of(&hazard.deadline) {
        Some(d) if !passed && d >= reviewed_on => rules::chinese_date(d),
        _ => String::new(),
    };
    let opinion = ReviewOpinion {
        number: String::new(),
        bureau: bureau.name.clone(),
        enterprise: addressee(enterprise),
        order_number: order.number,
        hazards: vec![HazardItem {
            number: hazard.number.clone(),
            description: hazard.description.clone(),
            level: rules::hazard_level_label(&hazard.level).to_string(),
            legal_basis: hazard.legal_basis.clone(),
        }],
        evidence,
        findings,
        conclusion: if passed { ReviewConclusion::Passed } else { ReviewConclusion::Failed },
        new_deadline,
        reviewers: vec![officer(app, review.actor_id, &review.actor_name).await?],
        date: rules::chinese_date(reviewed_on),
    };
    Ok((opinion, review))
}

/// The document's data with `number` and the issue date set.
fn with_number(doc: &Document, number: &str, date: Option<&str>) -> Document {
    let mut doc = doc.clone();
    match &mut doc {
        Document::InspectionRecord(d) => d.number = number.into(),
        Document::RectificationOrder(d) => {
            d.number = number.into();
            if let Some(date) = date {
                d.date = date.into();
            }
        }
        Document::ReviewOpinion(d) => d.number = number.into(),
        Document::Table(_) => {}
    }
    doc
}

/// SHA-256 of what the document prints, and its basis — without what issuing it again
/// would change by itself: the number, the issue date, the issuing officer as contact.
fn content_hash(doc: &Document, basis: &str) -> String {
    let mut blank = with_number(doc, "", Some(""));
    if let Document::RectificationOrder(d) = &mut blank {
        d.contact.clear();
    }
    let text = serde_json::json!({"doc": blank, "basis": basis}).to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A rendering error as the app's: data errors name their field (422), the rest are ours.
fn pdf_error(e: PdfError) -> Error {
    match e.field() {
        Some(field) => Error::field(field, e.code(), e.to_string()),
        None => Error::Internal(format!("rendering a document: {e}")),
    }
}

/// Numbers, renders, stores and records `draft` — or returns the document already issued
/// for the same subject with the same content.
async fn issue(app: &App, actor: &Actor, draft: Draft) -> Result<Issued> {
    let hash = content_hash(&draft.doc, &draft.basis);
    let today = app.today();
    let prefix = rules::number_prefix(draft.kind, &draft.bureau.region_code, today.year());
    // Bad data (a character no font has, too few officers) is refused before anything is locked.
    app.renderer.check(&with_number(&draft.doc, &format!("{prefix}1{NUMBER_SUFFIX}"), None)).map_err(pdf_error)?;

    let mut tx = app.db.begin().await?;
    touchstone_store::dialect::lock_table(&mut tx, "documents").await?;
    let earlier = store::of_subject(&mut tx, draft.kind.code(), draft.subject_id).await?;
    if let Some(same) = earlier.iter().find(|d| d.content_hash == hash) {
        let same = same.clone();
        drop(tx);
        return Ok(Issued { view: view(app, same).await?, created: false });
    }
    let number = touchstone_store::numbers::next(&mut tx, "documents", &prefix, 1).await? + NUMBER_SUFFIX;
    let doc = with_number(&draft.doc, &number, Some(&rules::chinese_date(today)));
    let renderer = app.renderer.clone();
    let pdf = tokio::task::spawn_blocking(move || renderer.render(&doc))
        .await
        .map_err(|e| Error::Internal(format!("rendering a document: {e}")))?
        .map_err(pdf_error)?;
    let sha256 = crate::attachments::store_bytes(app, &pdf)?;
    let now = app.clock.now();
    let attachment = AttachmentRow {
        id: Uuid::now_v7(),
        enterprise_id: draft.enterprise.id,
        region_code: draft.enterprise.region_code.clone(),
        file_name: file_name(draft.kind, &number),
        content_type: "application/pdf".into(),
        size_bytes: pdf.len() as i64,
        sha256: sha256.clone(),
        note: Some(format!("{} {number}", draft.kind.title())),
        uploaded_by: actor.username.clone(),
        uploaded_at: now.as_micros(),
    };
    attachment_store::insert(&mut tx, &attachment).await?;
    let row = DocumentRow {
        id: Uuid::now_v7(),
        number,
        kind: draft.kind.code().into(),
        enterprise_id: draft.enterprise.id,
        region_code: draft.region_code,
        organisation_id: Some(draft.bureau.id),
        subject_type: draft.subject_type.into(),
        subject_id: draft.subject_id,
        hazard_ids: draft.hazard_ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(" "),
        attachment_id: attachment.id,
        sha256,
        content_hash: hash,
        edition: earlier.iter().map(|d| d.edition).max().unwrap_or(0) + 1,
        issued_by: actor.username.clone(),
        issued_by_name: actor.display_name.clone(),
        issued_on: today.to_string(),
        issued_at: now.as_micros(),
    };
    store::insert(&mut tx, &row).await?;
    let change =
        Change::new("document.issue", "document", row.id).region(row.region_code.clone(), Some(draft.bureau.id));
    let after = serde_json::json!({
        "kind": row.kind, "number": row.number, "enterprise_id": row.enterprise_id,
        "subject_type": row.subject_type, "subject_id": row.subject_id, "hazard_ids": row.hazard_ids,
        "edition": row.edition, "attachment_id": row.attachment_id, "file": attachment.file_name,
        "sha256": row.sha256, "size": attachment.size_bytes,
    });
    audit::record(app, &mut tx, actor, change.after(after)).await?;
    tx.commit().await?;
    Ok(Issued { view: view_with(row, attachment, draft.enterprise.name), created: true })
}

/// The PDF's name: the title and the number, e.g. `现场检查笔录（赣360121市监现检〔2026〕12号）.pdf`.
fn file_name(kind: DocumentKind, number: &str) -> String {
    format!("{}（{number}）.pdf", kind.title())
}

fn view_with(document: DocumentRow, attachment: AttachmentRow, enterprise_name: String) -> DocumentView {
    let kind = DocumentKind::parse(&document.kind);
    DocumentView {
        title: kind.map(|k| k.title().to_string()).unwrap_or_default(),
        enterprise_name,
        file_name: attachment.file_name,
        size_bytes: attachment.size_bytes,
        download: format!("/api/v1/documents/{}/pdf", document.id),
        document,
    }
}

async fn view(app: &App, document: DocumentRow) -> Result<DocumentView> {
    let attachment = attachment_store::get(&app.db, &Scope::Everything, None, document.attachment_id)
        .await?
        .ok_or_else(|| Error::Internal(format!("document {}: its attachment is missing", document.id)))?;
    let enterprise = enterprise_of(app, document.enterprise_id).await?;
    Ok(view_with(document, attachment, enterprise.name))
}

/// One document; 404 when it is not visible.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<DocumentView> {
    can_read(actor)?;
    let row = store::get(&app.db, &actor.visibility(), id).await?.ok_or(Error::NotFound)?;
    view(app, row).await
}

/// A document and where its PDF is in the attachment store.
pub async fn pdf(app: &App, actor: &Actor, id: Uuid) -> Result<(DocumentView, std::path::PathBuf)> {
    let view = get(app, actor, id).await?;
    let path = crate::attachments::store_path(app, &view.document.sha256);
    if !path.exists() {
        return Err(Error::Internal(format!("document {id}: file {} is missing from the store", view.document.sha256)));
    }
    Ok((view, path))
}

/// The documents issued to an enterprise, newest first.
pub async fn of_enterprise(
    app: &App,
    actor: &Actor,
    enterprise_id: Uuid,
    window: &Window,
) -> Result<Page<DocumentView>> {
    can_read(actor)?;
    let enterprise =
        enterprise_store::get(&app.db, &actor.visibility(), enterprise_id).await?.ok_or(Error::NotFound)?;
    let page = store::of_enterprise(&app.db, &actor.visibility(), enterprise_id, window).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for d in page.items {
        let attachment = attachment_store::get(&app.db, &Scope::Everything, None, d.attachment_id)
            .await?
            .ok_or_else(|| Error::Internal(format!("document {}: its attachment is missing", d.id)))?;
        items.push(view_with(d, attachment, enterprise.name.clone()));
    }
    Ok(Page {
        items,
        total: page.total,
        total_is_lower_bound: page.total_is_lower_bound,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The documents about one subject (an inspection or a hazard) the actor may read, newest
/// first: what its page offers to download again.
pub async fn of_subject(app: &App, actor: &Actor, subject_id: Uuid) -> Result<Vec<DocumentView>> {
    can_read(actor)?;
    let rows = store::about(&app.db, &actor.visibility(), subject_id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        out.push(view(app, d).await?);
    }
    Ok(out)
}
