//! Renders every document kind and reads the text back with `pdftotext` (Debian's
//! poppler-utils): the Chinese fields are there, a character no loaded font has is refused
//! by field and character, and no data is ever read as typst markup.

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use touchstone_pdf::{Cell, Document, Officer, PdfError, Renderer, ReviewConclusion, samples};

static RENDERER: LazyLock<Renderer> = LazyLock::new(|| Renderer::new(None).expect("the committed fonts load"));

/// `.ci/run` installs poppler-utils in the background while the workspace builds: under CI,
/// wait for it rather than fail on a race.
fn poppler(tool: &str) -> String {
    let path = format!("/usr/bin/{tool}");
    let wait = if std::env::var_os("CI").is_some() { Duration::from_secs(600) } else { Duration::ZERO };
    let deadline = Instant::now() + wait;
    while !Path::new(&path).exists() {
        assert!(Instant::now() < deadline, "{path} is missing: apt-get install poppler-utils");
        std::thread::sleep(Duration::from_secs(2));
    }
    path
}

fn run_poppler(tool: &str, pdf: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).expect("the PDF is written");
    let out = Command::new(poppler(tool)).args(args).arg(&file).arg("-").output().expect("the tool runs");
    assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

/// The PDF's text, one string per page, whitespace removed (letter-spaced titles and line
/// breaks inside table cells would otherwise split words).
fn pages(pdf: &[u8]) -> Vec<String> {
    let text = run_poppler("pdftotext", pdf, &["-raw", "-enc", "UTF-8"]);
    let mut pages: Vec<String> = text.split('\u{c}').map(squash).collect();
    if pages.last().is_some_and(|p| p.is_empty()) {
        pages.pop();
    }
    pages
}

fn text(pdf: &[u8]) -> String {
    pages(pdf).concat()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(&squash(e)), "the PDF text lacks {e:?}:\n{text}");
    }
}

fn render(doc: &Document) -> Vec<u8> {
    let (pdf, warnings) = RENDERER.render_with_warnings(doc).expect("the document renders");
    assert!(warnings.is_empty(), "typst warned: {warnings:?}");
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    pdf
}

fn pdfinfo(pdf: &[u8], key: &str) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, pdf).expect("the PDF is written");
    let out = Command::new(poppler("pdfinfo")).arg(&file).output().expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim_start_matches(':').trim().to_owned()))
        .unwrap_or_else(|| panic!("pdfinfo has no {key}: {info}"))
}

// R-INSP-3: the record shows advance notice, two officers, experts, staff present,
// checklist results, findings, on-site measures, feedback, attachments, times and place.
#[test]
fn an_inspection_record_prints_every_field_in_chinese() {
    let r = samples::inspection_record();
    let pdf = render(&Document::InspectionRecord(r.clone()));
    let t = text(&pdf);
    assert_has(
        &t,
        &[
            &r.bureau,
            "现场检查笔录",
            &r.number,
            &r.enterprise.name,
            &r.enterprise.credit_code,
            &r.enterprise.address,
            &r.enterprise.legal_representative,
            &r.place,
            &r.start,
            &r.end,
            &r.kind,
            &r.advance_notice,
            &r.officers[0].name,
            &r.officers[1].certificate_number,
            &r.experts[0].name,
            &r.staff_present[1].name,
            &r.staff_present[1].role,
            &r.checklist[2].item,
            &r.checklist[2].result,
            &r.checklist[2].note,
            "出厂检验记录缺少导体电阻项目",
            "消防通道被占用",
            &r.measures,
            &r.feedback,
            &r.attachments[1],
            "执法人员（签名）",
            "被检查单位负责人（签名）",
            "第1页",
        ],
    );
    assert_eq!(pdfinfo(&pdf, "Page size"), "595.276 x 841.89 pts (A4)");
}

#[test]
fn a_rectification_order_prints_the_hazards_the_deadline_and_the_rights_notice() {
    let o = samples::rectification_order();
    let t = text(&render(&Document::RectificationOrder(o.clone())));
    assert_has(
        &t,
        &[
            "责令限期整改通知书",
            &o.number,
            &o.bureau,
            &o.enterprise.name,
            &o.facts,
            &o.hazards[0].number,
            &o.hazards[0].description,
            &o.hazards[1].level,
            &o.hazards[1].legal_basis,
            &o.deadline,
            &o.requirements,
            &o.rights_notice,
            &o.contact,
            &o.date,
            "（印章）",
            "签收日期",
        ],
    );
}

// R-HAZ-2: a passed review closes the hazards (销号); a failed one sends them back.
#[test]
fn a_passed_review_opinion_closes_the_hazards() {
    let o = samples::review_opinion(ReviewConclusion::Passed);
    let t = text(&render(&Document::ReviewOpinion(o.clone())));
    assert_has(
        &t,
        &[
            "整改复查意见书",
            &o.number,
            &o.order_number,
            &o.enterprise.name,
            &o.hazards[1].description,
            &o.evidence[1],
            &o.findings,
            "予以销号",
            &o.reviewers[0].name,
            &o.reviewers[0].certificate_number,
            "复查人员（签名）",
            &o.date,
        ],
    );
    assert!(!t.contains("退回整改"));
}

#[test]
fn a_failed_review_opinion_sends_the_hazards_back_with_the_new_deadline() {
    let o = samples::review_opinion(ReviewConclusion::Failed);
    let t = text(&render(&Document::ReviewOpinion(o.clone())));
    assert_has(&t, &["未整改到位，退回整改", &o.new_deadline]);
    assert!(!t.contains("予以销号"));
}

// R-REP-1: the weekly table is landscape A4 and a long one repeats its header on every page.
#[test]
fn a_long_report_table_breaks_across_landscape_pages_repeating_its_header() {
    let table = samples::weekly_table(120);
    let pdf = render(&Document::Table(table.clone()));
    assert_eq!(pdfinfo(&pdf, "Page size"), "841.89 x 595.276 pts (A4)");
    let pages = pages(&pdf);
    assert!(pages.len() >= 3, "120 rows should take several pages, got {}", pages.len());
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert_has(page, &["地区", "企业自查", "隐患排查", "重大隐患", "后处理完成"]);
        assert_has(page, &[&format!("第{}页共{n}页", i + 1)]);
    }
    assert_has(&pages[0], &[&table.title, &table.subtitles[1], &table.subtitles[2]]);
    let last = &pages[n - 1];
    assert_has(last, &["合计", &table.footnotes[1]]);
    let Some(Cell::Number(first_total)) = table.totals.as_ref().and_then(|t| t.get(1)) else {
        panic!("the sample has numeric totals")
    };
    assert_has(last, &[first_total]);
}

#[test]
fn a_character_in_no_loaded_font_is_refused_naming_the_field_and_the_character() {
    let mut r = samples::inspection_record();
    r.officers[1].name = "陈堃".into(); // U+5803, common in names, outside GB2312
    let err = RENDERER.render(&Document::InspectionRecord(r)).expect_err("refused");
    match &err {
        PdfError::MissingGlyph { field, character, code_point } => {
            assert_eq!(field, "officers[1].name");
            assert_eq!(*character, '堃');
            assert_eq!(*code_point, 0x5803);
        }
        other => panic!("expected MissingGlyph, got {other:?}"),
    }
    assert_eq!(err.code(), "char_not_in_font");
    assert!(err.to_string().contains("officers[1].name") && err.to_string().contains("U+5803"), "{err}");

    let mut t = samples::weekly_table(3);
    t.rows[2][0] = Cell::text("𠮷野家"); // outside the BMP
    let err = RENDERER.check(&Document::Table(t)).expect_err("refused");
    assert_eq!(err.field(), Some("rows[2][0].text"));
    assert!(err.to_string().contains("U+20BB7"), "{err}");
}

// Text pasted from office software carries invisible characters no font needs to draw.
#[test]
fn invisible_formatting_characters_are_not_refused() {
    let mut r = samples::inspection_record();
    r.enterprise.name = "\u{FEFF}赣州\u{200B}恒泰\u{200D}有限公司\u{AD}".into();
    let t = text(&render(&Document::InspectionRecord(r)));
    assert_has(&t, &["赣州"]);
}

#[test]
fn a_table_with_relative_column_widths_renders_and_wrong_widths_are_refused() {
    let mut table = samples::weekly_table(3);
    table.column_widths = vec![2.0; 15];
    table.column_widths[0] = 3.0;
    assert_has(&text(&render(&Document::Table(table.clone()))), &["章贡区", "合计"]);
    table.column_widths.pop();
    let err = RENDERER.check(&Document::Table(table.clone())).expect_err("refused");
    assert_eq!((err.field(), err.code()), (Some("column_widths"), "wrong_width_count"));
    table.column_widths.push(-1.0);
    let err = RENDERER.check(&Document::Table(table)).expect_err("refused");
    assert_eq!(err.field(), Some("column_widths[14]"));
}

#[test]
fn a_font_directory_adds_the_characters_its_fonts_have() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fonts");
    let renderer = Renderer::new(Some(&dir)).expect("the directory's fonts load");
    assert_eq!(renderer.families(), ["Noto Sans SC"]);
    let mut r = samples::inspection_record();
    r.officers[1].name = "陈堃".into();
    r.enterprise.legal_representative = "刘堃".into();
    let pdf = renderer.render(&Document::InspectionRecord(r)).expect("renders with the directory's font");
    assert_has(&text(&pdf), &["刘堃"]);
}

#[test]
fn a_missing_font_directory_leaves_the_committed_subset() {
    let renderer = Renderer::new(Some(Path::new("/nonexistent/touchstone-fonts"))).expect("no error");
    assert_eq!(renderer.families(), ["Noto Sans SC"]);
    renderer.check(&Document::InspectionRecord(samples::inspection_record())).expect("the subset covers the sample");
}

#[test]
fn a_woff2_font_in_the_directory_is_refused_rather_than_silently_ignored() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("NotoSansSC.woff2"), b"wOF2\0\x01\0\0").expect("written");
    let err = Renderer::new(Some(dir.path())).expect_err("refused");
    assert!(matches!(err, PdfError::Font { .. }), "{err:?}");
    assert!(err.to_string().contains("WOFF"), "{err}");
}

// No injection: data goes to typst as JSON, so markup characters print as themselves.
#[test]
fn user_text_with_typst_markup_characters_prints_literally() {
    let evil = r##"恒泰#set page(width: 1cm)*粗*$x^2$[内容]\"引号"<标签>@ref_下划线_`代码`~//注释"##;
    let mut r = samples::inspection_record();
    r.enterprise.name = evil.into();
    r.findings = "= 不是标题\n- 不是列表\n+ 也不是\n#emph[不斜体]".into();
    r.officers[0] = Officer { name: "王#{1+1}".into(), certificate_number: "#(\"x\")".into() };
    let t = text(&render(&Document::InspectionRecord(r)));
    assert_has(&t, &[evil, "=不是标题", "-不是列表", "+也不是", "#emph[不斜体]", "王#{1+1}", "#(\"x\")"]);

    let mut table = samples::weekly_table(2);
    table.title = evil.into();
    table.rows[1][0] = Cell::text(evil);
    let t = text(&render(&Document::Table(table)));
    assert_eq!(t.matches(&squash(evil)).count(), 2, "{t}");
}

// R-INSP-3: at least two officers.
#[test]
fn an_inspection_record_with_one_officer_is_refused() {
    let mut r = samples::inspection_record();
    r.officers.truncate(1);
    let err = RENDERER.render(&Document::InspectionRecord(r)).expect_err("refused");
    assert_eq!((err.field(), err.code()), (Some("officers"), "too_few_officers"));
}

#[test]
fn a_table_row_with_the_wrong_number_of_cells_is_refused_naming_the_row() {
    let mut t = samples::weekly_table(5);
    t.rows[3].pop();
    let err = RENDERER.render(&Document::Table(t)).expect_err("refused");
    assert_eq!((err.field(), err.code()), (Some("rows[3]"), "wrong_cell_count"));
    assert!(err.to_string().contains("14 cells, but the header has 15 columns"), "{err}");

    let mut t = samples::weekly_table(5);
    t.header[1].pop();
    let err = RENDERER.render(&Document::Table(t)).expect_err("refused");
    assert_eq!(err.field(), Some("header[1]"));
}

#[test]
fn documents_are_plain_serde_data() {
    let doc = Document::ReviewOpinion(samples::review_opinion(ReviewConclusion::Failed));
    let json = serde_json::to_string(&doc).expect("serializes");
    assert!(json.starts_with(r#"{"kind":"review_opinion""#), "{json}");
    assert!(json.contains(r#""conclusion":"failed""#), "{json}");
    let back: Document = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, doc);
}

// The fonts are subset into each PDF: documents stay small enough to mail and archive.
#[test]
fn pdfs_embed_only_the_glyphs_they_use() {
    for doc in [
        Document::InspectionRecord(samples::inspection_record()),
        Document::RectificationOrder(samples::rectification_order()),
        Document::ReviewOpinion(samples::review_opinion(ReviewConclusion::Passed)),
        Document::Table(samples::weekly_table(40)),
    ] {
        let pdf = render(&doc);
        assert!(pdf.len() < 250_000, "{} is {} bytes", doc.kind(), pdf.len());
    }
}

// Callers keep one renderer in an `Arc` and render from `spawn_blocking` threads at once.
#[test]
fn one_renderer_renders_on_several_threads_at_once() {
    let renderer = std::sync::Arc::new(Renderer::new(None).expect("the committed fonts load"));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let renderer = renderer.clone();
            std::thread::spawn(move || {
                let mut r = samples::inspection_record();
                r.number = format!("赣市监检〔2026〕{}号", 100 + i);
                renderer.render(&Document::InspectionRecord(r)).expect("renders")
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let pdf = t.join().expect("the thread finishes");
        assert_has(&text(&pdf), &[&format!("赣市监检〔2026〕{}号", 100 + i)]);
    }
}
