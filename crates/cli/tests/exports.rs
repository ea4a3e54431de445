//! Exports of every list (staff, bureaus, enterprises, certificates, audit log) through HTTP:
//! the filtered list as CSV and XLSX, streamed page by page (chunked, across several pages of
//! the list), personal data masked (R-PRIV-1), each export audited with its format and row
//! count (R-AUD-1), a bad filter refused before anything is written. Runs on SQLite, and on
//! PostgreSQL when TOUCHSTONE_TEST_PG_URL is set.

use std::io::Read;

use touchstone_app::generate::{self, GenerateOptions};
use touchstone_testing::{Reply, TestApp, TestClient};

/// The rows of the first worksheet of an XLSX body (its `<row` elements).
fn xlsx_rows(bytes: &[u8]) -> (usize, String) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").expect("one worksheet").read_to_string(&mut sheet).expect("xml");
    (sheet.matches("<row ").count(), sheet)
}

async fn bytes(c: &TestClient, base: &str, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("signed in")))
        .send()
        .await
        .expect("request");
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.bytes().await.expect("body").to_vec())
}

async fn exports(admin: &mut TestClient) -> i64 {
    admin.get("/api/v1/audit?action=export&per_page=1").await.json()["total"].as_i64().unwrap_or(-1)
}

fn streamed(headers: &reqwest::header::HeaderMap) -> bool {
    headers.get("transfer-encoding").is_some_and(|v| v == "chunked") && headers.get("content-length").is_none()
}

// R-ENT-5, R-PRIV-1, R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_of_1200_enterprises_exports_whole_as_streamed_csv_and_xlsx_masked_and_audited() {
    let t = TestApp::spawn().await;
    let opts = GenerateOptions { province: "360000".into(), enterprises: 1200, seed: 7 };
    generate::load_into(&t.app, &touchstone_app::Actor::system(None), &opts).await.expect("generated");
    let province = t.signed_in("jx.officer").await;
    let mut admin = t.signed_in("admin").await;
    let before = exports(&mut admin).await;

    let (status, headers, csv) = bytes(&province, &t.base, "/enterprises/export.csv?sort=uscc").await;
    assert_eq!(status, 200);
    assert!(streamed(&headers), "{headers:?}");
    let text = String::from_utf8(csv).expect("UTF-8");
    assert!(text.starts_with("\u{feff}统一社会信用代码,"), "BOM and the header in Chinese");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 1200, "three pages of the list, every row once");
    let mut codes: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap_or("")).collect();
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted by code, no row twice across pages");
    codes.dedup();
    assert_eq!(codes.len(), 1200);
    assert!(lines[1..].iter().all(|l| !l.contains("1380") || l.contains("****")), "phones masked");

    let (status, headers, xlsx) = bytes(&province, &t.base, "/enterprises/export.xlsx").await;
    assert_eq!(status, 200);
    assert!(streamed(&headers), "{headers:?}");
    assert!(headers["content-disposition"].to_str().unwrap_or("").contains("enterprises.xlsx"));
    let (rows, sheet) = xlsx_rows(&xlsx);
    assert_eq!(rows, 1 + 1200);
    assert!(sheet.contains(codes[0]) && sheet.contains(codes[1199]), "first and last code in the sheet");

    let county = t.signed_in("ncx.officer").await;
    let (_, _, mine) = bytes(&county, &t.base, "/enterprises/export.csv").await;
    let mine = String::from_utf8(mine).expect("UTF-8");
    let expected = generate::enterprises(&opts).expect("opts").filter(|e| e.region_code == "360121").count();
    assert_eq!(mine.trim_end().split("\r\n").count(), 1 + expected, "the county exports its own only");

    assert_eq!(exports(&mut admin).await, before + 3, "three exports, three audit entries the province reads");
    let log = admin.get("/api/v1/audit?action=export&per_page=3").await.json();
    let described: Vec<(i64, String)> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(e["after_json"].as_str()?).ok())
        .map(|a| (a["rows"].as_i64().unwrap_or(-1), a["format"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(
        described,
        [(expected as i64, "csv".to_string()), (1200, "xlsx".to_string()), (1200, "csv".to_string())],
        "each entry says how many rows in which format"
    );
}

// R-AUD-1, R-AUTH-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_exports_as_csv_and_xlsx_and_a_bad_filter_writes_nothing() {
    let t = TestApp::spawn().await;
    let mut admin = t.signed_in("admin").await;
    let before = exports(&mut admin).await;
    let lists = [
        ("/admin/users", "用户名"),
        ("/admin/organisations", "代码"),
        ("/enterprises", "统一社会信用代码"),
        ("/certificates", "证书编号"),
        ("/admin/audit", "序号"),
    ];
    for (list, first_column) in lists {
        let (status, headers, csv) = bytes(&admin, &t.base, &format!("{list}/export.csv")).await;
        assert_eq!(status, 200, "{list}");
        assert!(streamed(&headers) && headers["content-type"].to_str().unwrap_or("").starts_with("text/csv"), "{list}");
        let csv = String::from_utf8(csv).expect("UTF-8");
        assert!(csv.starts_with(&format!("\u{feff}{first_column},")), "{list}: {}", csv.lines().next().unwrap_or(""));
        let (status, _, xlsx) = bytes(&admin, &t.base, &format!("{list}/export.xlsx")).await;
        assert_eq!(status, 200, "{list}");
        let (rows, sheet) = xlsx_rows(&xlsx);
        assert!(rows >= 1 && sheet.contains(first_column), "{list}: {rows} rows");
        // The audit log's XLSX holds one more entry: the CSV export's own.
        let extra = usize::from(list == "/admin/audit");
        assert_eq!(rows, csv.trim_end().split("\r\n").count() + extra, "{list}: the same rows in both formats");
    }
    assert_eq!(exports(&mut admin).await, before + 10, "ten exports, ten audit entries");
    let bad: Reply = admin.get("/enterprises/export.csv?status=bogus").await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.headers["content-type"].to_str().unwrap_or("").starts_with("text/html"), "an error page, not a file");
    assert_eq!(admin.get("/admin/audit/export.xlsx?from=2026-02-30").await.status, 422);
    assert_eq!(exports(&mut admin).await, before + 10, "a refused export is not recorded as one");
    let mut inspector = t.signed_in("ncx.inspector").await;
    assert_eq!(inspector.get("/admin/audit/export.csv").await.status, 403);
}

/// Every row of a list read page by page, from one streamed query (inside a `ListStream`) or by OFFSET.
async fn read_all(
    t: &TestApp,
    text: Option<&str>,
    sort: &'static str,
    descending: bool,
    streamed: bool,
) -> Vec<touchstone_store::enterprises::EnterpriseRow> {
    use touchstone_store::enterprises::{EnterpriseFilter, Visibility};
    use touchstone_store::list::Window;
    let scope = touchstone_domain::jurisdiction::Scope::Everything;
    let v = Visibility { regions: &scope, own: None };
    let stream = touchstone_store::stream::ListStream::new();
    let filter = EnterpriseFilter { text: text.map(str::to_string), ..EnterpriseFilter::default() };
    let mut out = Vec::new();
    for page in 1.. {
        let window = Window { sort, descending, page, per_page: Window::MAX_PER_PAGE };
        let read = touchstone_store::enterprises::list(&t.app.db, &v, &filter, &window);
        let items = if streamed { stream.scope(read).await } else { read.await }.expect("page").items;
        let done = items.len() < Window::MAX_PER_PAGE as usize;
        out.extend(items);
        if done {
            return out;
        }
    }
    out
}

// R-ENT-5, R-NF-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_list_reads_exactly_the_rows_paging_by_offset_reads_whatever_the_sort_and_its_nulls() {
    let t = TestApp::spawn().await;
    let opts = GenerateOptions { province: "360000".into(), enterprises: 1300, seed: 11 };
    generate::load_into(&t.app, &touchstone_app::Actor::system(None), &opts).await.expect("generated");
    // The industrial park is empty for about 60 % of them: NULLs on both sides of the values.
    for (sort, descending) in
        [("e.name", false), ("e.region_code", true), ("e.industrial_park", false), ("e.industrial_park", true)]
    {
        let by_offset: Vec<uuid::Uuid> =
            read_all(&t, None, sort, descending, false).await.iter().map(|e| e.id).collect();
        let streamed: Vec<uuid::Uuid> = read_all(&t, None, sort, descending, true).await.iter().map(|e| e.id).collect();
        assert_eq!(by_offset.len(), 1300, "{sort}");
        assert_eq!(streamed, by_offset, "{sort} {}", if descending { "desc" } else { "asc" });
    }
}

// R-ENT-5 search, ADR 0010
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broad_search_walking_the_name_index_pages_the_same_rows_in_the_same_order_as_sorting_every_match() {
    let t = TestApp::spawn().await;
    let opts = GenerateOptions { province: "360000".into(), enterprises: 2600, seed: 5 };
    generate::load_into(&t.app, &touchstone_app::Actor::system(None), &opts).await.expect("generated");
    let v = touchstone_store::enterprises::Visibility {
        regions: &touchstone_domain::jurisdiction::Scope::Everything,
        own: None,
    };
    let filter = touchstone_store::enterprises::EnterpriseFilter { text: Some("有".into()), ..Default::default() };
    let window = touchstone_store::list::Window { sort: "e.name", descending: false, page: 1, per_page: 1 };
    let counted = touchstone_store::enterprises::list(&t.app.db, &v, &filter, &window).await.expect("page").total;
    assert!(
        counted >= touchstone_store::list::WALK_SORT_INDEX_FROM,
        "{counted} matches: too few for the page to walk the sort column's index"
    );
    // Paged by OFFSET, a page walks the index once the matches are many; streamed, the one
    // query collects and sorts every match.
    for (sort, descending) in [("e.name", false), ("e.name", true), ("e.region_code", true), ("e.status", false)] {
        let walked: Vec<uuid::Uuid> =
            read_all(&t, Some("有"), sort, descending, false).await.iter().map(|e| e.id).collect();
        let sorted: Vec<uuid::Uuid> =
            read_all(&t, Some("有"), sort, descending, true).await.iter().map(|e| e.id).collect();
        assert_eq!(walked.len() as i64, counted, "every match once");
        assert_eq!(walked, sorted, "{sort} {}", if descending { "desc" } else { "asc" });
    }
}
