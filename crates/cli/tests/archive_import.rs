//! Legacy archive import (R-ENT-6) on an extract of the real Toronto DineSafe archive
//! (fixtures/dinesafe, Open Government Licence – Toronto): counts computed here from the
//! extract itself, idempotent re-runs, per-row errors naming file, row and field, a bad
//! mapping refused, orphans reported, strict refusal that writes nothing, and the HTTP route.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use touchstone_testing::TestApp;
use touchstone_testing::process::{output_text, run_cli};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dinesafe")
}

/// The mapping shipped as the example (docs/examples/archive).
fn mapping() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/archive/toronto_dinesafe.toml")
}

fn extract() -> Vec<PathBuf> {
    ["toronto_dinesafe_2011.csv", "toronto_dinesafe_2012.csv", "toronto_dinesafe_2021.csv"]
        .iter()
        .map(|f| fixtures().join(f))
        .collect()
}

/// What the extract holds, counted from the CSV files with the example mapping's rules.
#[derive(Debug, Default)]
struct Expected {
    establishments: i64,
    inspections: i64,
    findings: i64,
    major: i64,
    corrected: i64,
    records: i64,
    fines: i64,
    fine_cents: i64,
    outcomes: i64,
}

fn expected(files: &[PathBuf]) -> Expected {
    let (mut ests, mut insps) = (BTreeSet::new(), BTreeSet::new());
    let mut e = Expected::default();
    for f in files {
        let mut r = csv::Reader::from_path(f).expect("fixture");
        let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
        for row in r.records() {
            let row = row.expect("row");
            let get = |name: &str| row.get(header.iter().position(|h| h == name).expect("column")).unwrap_or("").trim();
            ests.insert(get("Establishment ID").to_string());
            insps.insert(get("Inspection ID").to_string());
            if get("Infraction Details").is_empty() {
                continue;
            }
            e.findings += 1;
            e.major += i64::from(get("Severity") == "C - Crucial");
            e.corrected += i64::from(get("Action") == "Corrected During Inspection");
            let fine = get("Amount Fined");
            if !get("Action").is_empty() || !get("Outcome").is_empty() || !fine.is_empty() {
                e.records += 1;
            }
            e.outcomes += i64::from(!get("Outcome").is_empty());
            if !fine.is_empty() {
                let cents = (fine.parse::<f64>().expect("amount") * 100.0).round() as i64;
                e.fines += i64::from(cents > 0);
                e.fine_cents += cents;
            }
        }
    }
    e.establishments = ests.len() as i64;
    e.inspections = insps.len() as i64;
    e
}

#[derive(sqlx::FromRow)]
struct N {
    n: i64,
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    let n: Option<N> = t.app.db.fetch_optional(sql, vec![]).await.expect("query");
    n.map(|n| n.n).unwrap_or(-1)
}

/// Everything the archive wrote, by table.
async fn written(t: &TestApp, source: &str) -> BTreeMap<&'static str, i64> {
    let mut out = BTreeMap::new();
    let q = |s: &str| s.replace("$SRC", source);
    out.insert(
        "establishments",
        count(t, &q("SELECT COUNT(*) AS n FROM archive_establishments WHERE source = '$SRC'")).await,
    );
    out.insert(
        "inspections",
        count(t, &q("SELECT COUNT(*) AS n FROM inspections WHERE archive_source = '$SRC'")).await,
    );
    let hazards =
        "SELECT COUNT(*) AS n FROM hazards h JOIN inspections i ON i.id = h.source_id WHERE i.archive_source = '$SRC'";
    out.insert("hazards", count(t, &q(hazards)).await);
    out.insert(
        "events",
        count(
            t,
            &q("SELECT COUNT(*) AS n FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id \
                JOIN inspections i ON i.id = h.source_id WHERE i.archive_source = '$SRC'"),
        )
        .await,
    );
    out.insert(
        "records",
        count(
            t,
            &q("SELECT COUNT(*) AS n FROM hazard_enforcement_records r JOIN hazards h ON h.id = r.hazard_id \
                JOIN inspections i ON i.id = h.source_id WHERE i.archive_source = '$SRC'"),
        )
        .await,
    );
    out
}

async fn import(t: &TestApp, mapping: &std::path::Path, files: &[PathBuf], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> =
        ["import", "archive", "--as", "ncx.officer", "--db", &t.db_url, "--data"].map(String::from).to_vec();
    args.push(t.data_dir.to_str().expect("path").into());
    args.push("--mapping".into());
    args.push(mapping.to_str().expect("path").into());
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(files.iter().map(|f| f.to_str().expect("path").to_string()));
    run_cli(&args.iter().map(String::as_str).collect::<Vec<_>>()).await
}

// R-ENT-6: establishments, inspections, findings and fines; merged repeats; one audit entry;
// a second run changes nothing and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dinesafe_extract_imports_with_the_counts_of_its_files_and_a_second_run_changes_nothing() {
    let t = TestApp::spawn().await;
    let want = expected(&extract());
    assert!(want.fines > 0 && want.corrected > 0 && want.outcomes > 0, "the extract has every case: {want:?}");
    let indexes_before = touchstone_testing::index_definitions(&t.app).await;
    let hazards_before = count(&t, "SELECT COUNT(*) AS n FROM hazards").await;
    assert!(hazards_before < want.findings, "the import at least doubles the hazards ({hazards_before} before)");
    let out = import(&t, &mapping(), &extract(), &[]).await;
    assert!(out.status.success(), "{}", output_text(&out));
    // ADR 0014: the import at least doubles the hazard table, so on SQLite it set its indexes
    // aside and built them again before committing.
    assert_eq!(
        touchstone_testing::index_definitions(&t.app).await,
        indexes_before,
        "every index as the migrations define it"
    );
    // ADR 0016: written without SQLite's foreign-key checks, every reference names its row.
    assert_eq!(touchstone_testing::dangling_references(&t.app).await, Vec::<String>::new());
    if t.app.db.engine() == touchstone_store::Engine::Sqlite {
        // The planner's figures, taken before the import commits, count its rows.
        let counted =
            "SELECT CAST(stat AS INTEGER) AS n FROM sqlite_stat1 WHERE tbl = 'hazards' AND idx = 'hazards_region'";
        assert_eq!(count(&t, counted).await, count(&t, "SELECT COUNT(*) AS n FROM hazards").await);
    }
    let got = written(&t, "toronto_dinesafe").await;
    assert_eq!(got["establishments"], want.establishments, "{got:?} {want:?}");
    assert_eq!(got["inspections"], want.inspections, "{got:?} {want:?}");
    assert_eq!(got["hazards"], want.findings, "{got:?} {want:?}");
    assert_eq!(got["events"], want.findings * 2, "a record and a closing event per finding");
    assert_eq!(got["records"], want.records, "{got:?} {want:?}");
    let text = output_text(&out);
    assert!(
        text.contains(&format!(
            "establishments: {} new ({} without a credit code)",
            want.establishments, want.establishments
        )),
        "{text}"
    );
    // Every establishment is flagged: DineSafe has no credit codes.
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM archive_establishments WHERE credit_code_missing = TRUE").await,
        want.establishments
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM hazards WHERE source = 'archive' AND level = 'major'").await,
        want.major
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM hazards WHERE status = 'closed' AND closed_because = 'corrected_on_spot'")
            .await,
        want.corrected
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM hazards WHERE status = 'closed' AND closed_because = 'archived' AND closed_on = found_on").await,
        want.findings - want.corrected,
        "closed as archived at the inspection date"
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM hazard_enforcement_records WHERE fine_minor > 0 AND currency = 'CAD'")
            .await,
        want.fines
    );
    assert_eq!(
        count(&t, "SELECT CAST(COALESCE(SUM(fine_minor), 0) AS BIGINT) AS n FROM hazard_enforcement_records").await,
        want.fine_cents
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM hazard_enforcement_records WHERE outcome IS NOT NULL").await,
        want.outcomes
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM inspections WHERE archived = TRUE AND status = 'completed'").await,
        want.inspections
    );
    // What every record of the import shares (bound once per statement): who and when.
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) AS n FROM inspections WHERE archive_source = 'toronto_dinesafe' \
             AND updated_by = 'ncx.officer' AND updated_at = created_at AND created_at > 0"
        )
        .await,
        want.inspections
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) AS n FROM hazards WHERE source = 'archive' AND found_by_names = 'toronto_dinesafe (archive)' \
             AND responsible_person = '' AND updated_by = 'ncx.officer' AND updated_at = created_at AND created_at > 0"
        )
        .await,
        want.findings
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) AS n FROM hazard_events e JOIN users u ON u.id = e.actor_id \
             WHERE u.username = 'ncx.officer' AND e.actor_name = u.display_name"
        )
        .await,
        want.findings * 2,
        "every event names the officer who imported"
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'import.archive'").await,
        1,
        "one audit entry"
    );
    // Every series of numbers (a region's inspections or hazards of a year) runs 1, 2, 3 … with
    // no gap and no repeat.
    for table in ["inspections", "hazards"] {
        let series = format!(
            "SELECT COUNT(*) AS n FROM (SELECT substr(number, 1, length(number) - 6) AS prefix, COUNT(*) AS taken, \
             COUNT(DISTINCT number) AS distinct_numbers, MAX(CAST(substr(number, length(number) - 5) AS INTEGER)) AS last \
             FROM {table} GROUP BY substr(number, 1, length(number) - 6)) AS s"
        );
        let whole = count(&t, &series).await;
        assert!(whole > 0, "{table} has numbered series");
        let gapless = count(&t, &format!("{series} WHERE taken = distinct_numbers AND taken = last")).await;
        assert_eq!(gapless, whole, "every series of {table} is numbered 1..n");
    }
    // The officer finds an archived establishment by name, flagged by its placeholder code.
    let mut c = t.signed_in("ncx.officer").await;
    let found = c.get("/api/v1/enterprises?q=SATELLITE").await.json();
    let items = found["items"].as_array().cloned().unwrap_or_default();
    assert!(!items.is_empty(), "{found}");
    let page = c.get(&format!("/enterprises/{}", items[0]["id"].as_str().unwrap_or(""))).await.text;
    assert!(page.contains("id=\"credit-code-missing\""), "the page flags it: {page}");
    for e in &items {
        assert!(e["name"].as_str().is_some_and(|n| n.contains("SATELLITE")), "{e}");
        assert!(e["uscc"].as_str().is_some_and(|u| u.starts_with("archive:toronto_dinesafe:")), "{e}");
    }
    // …and by the archive's own id of it, whole or its last six digits.
    let placeholder = items[0]["uscc"].as_str().unwrap_or("");
    let external_id = placeholder.rsplit(':').next().unwrap_or("");
    for q in [external_id, &external_id[external_id.len().saturating_sub(6)..]] {
        let by_id = c.get(&format!("/api/v1/enterprises?q={q}")).await.json();
        let ids: Vec<&str> =
            by_id["items"].as_array().into_iter().flatten().filter_map(|e| e["uscc"].as_str()).collect();
        assert!(ids.contains(&placeholder), "{q}: {by_id}");
    }

    let again = import(&t, &mapping(), &extract(), &[]).await;
    assert!(again.status.success(), "{}", output_text(&again));
    assert!(output_text(&again).contains("nothing changed"), "{}", output_text(&again));
    assert_eq!(written(&t, "toronto_dinesafe").await, got, "the second run wrote nothing");
    assert_eq!(count(&t, "SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'import.archive'").await, 2);
}

// R-ENT-6: bad rows reported with file, row and field; the good rows imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_are_reported_with_their_file_row_and_field_and_the_good_rows_are_imported() {
    let t = TestApp::spawn().await;
    let bad = fixtures().join("bad/toronto_dinesafe_bad.csv");
    let report = t.data_dir.join("errors.csv");
    let out = import(&t, &mapping(), std::slice::from_ref(&bad), &["--errors", report.to_str().expect("path")]).await;
    assert!(out.status.success(), "{}", output_text(&out));
    let report = std::fs::read_to_string(&report).expect("report");
    assert!(report.starts_with("\u{feff}file,row,field,value,reason"), "{report}");
    assert!(report.contains("toronto_dinesafe_bad.csv,3,inspection_date,2012-13-45"), "{report}");
    assert!(report.contains("toronto_dinesafe_bad.csv,5,severity,X - Extreme"), "{report}");
    assert!(output_text(&out).contains("2 rows with errors"), "{}", output_text(&out));
    // Rows 2, 4, 6 and 7 are good: their findings and inspections are in.
    let got = written(&t, "toronto_dinesafe").await;
    assert_eq!((got["hazards"], got["inspections"]), (2, 4), "{got:?}");
}

// R-ENT-6: with --strict a bad file refuses the whole archive: nothing half-written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_strict_mode_one_bad_file_refuses_the_whole_archive_and_nothing_is_written() {
    let t = TestApp::spawn().await;
    let mut files = extract();
    files.push(fixtures().join("bad/toronto_dinesafe_bad.csv"));
    let enterprises = count(&t, "SELECT COUNT(*) AS n FROM enterprises").await;
    let out = import(&t, &mapping(), &files, &["--strict"]).await;
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(output_text(&out).contains("with strict checking nothing was imported"), "{}", output_text(&out));
    assert!(written(&t, "toronto_dinesafe").await.values().all(|n| *n == 0));
    assert_eq!(count(&t, "SELECT COUNT(*) AS n FROM enterprises").await, enterprises);
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM import_jobs WHERE kind = 'archive' AND status = 'refused'").await,
        1
    );
    assert_eq!(count(&t, "SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'import.archive'").await, 0);
}

// R-ENT-6: a mapping naming a column the file lacks, or a field that does not exist, is refused
// with an error naming it, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_mapping_is_refused_naming_what_is_wrong() {
    let t = TestApp::spawn().await;
    let text = std::fs::read_to_string(mapping()).expect("mapping");
    let wrong_column = t.data_dir.join("wrong-column.toml");
    std::fs::write(&wrong_column, text.replace("\"Infraction Details\"", "\"Infraction Detail\"")).expect("write");
    let out = import(&t, &wrong_column, &extract()[..1], &[]).await;
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(output_text(&out).contains("\"Infraction Detail\""), "{}", output_text(&out));
    let unknown_field = t.data_dir.join("unknown-field.toml");
    std::fs::write(&unknown_field, text.replace("outcome = \"Outcome\"", "court = \"Outcome\"")).expect("write");
    let out = import(&t, &unknown_field, &extract()[..1], &[]).await;
    assert!(!out.status.success(), "{}", output_text(&out));
    assert!(output_text(&out).contains("files[0].columns.court"), "{}", output_text(&out));
    assert!(written(&t, "toronto_dinesafe").await.values().all(|n| *n == 0));
}

// R-ENT-6: several linked files; an inspection of no establishment and a finding of no
// inspection are reported as orphans; repeated establishment rows merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_files_import_and_their_orphans_are_reported() {
    let t = TestApp::spawn().await;
    let dir = fixtures().join("normalised");
    let files: Vec<PathBuf> =
        ["findings.csv", "inspections.csv", "establishments.csv"].iter().map(|f| dir.join(f)).collect();
    let report = t.data_dir.join("errors.csv");
    let out = import(&t, &dir.join("mapping.toml"), &files, &["--errors", report.to_str().expect("path")]).await;
    assert!(out.status.success(), "{}", output_text(&out));
    let report = std::fs::read_to_string(&report).expect("report");
    assert!(report.contains("inspections.csv,") && report.contains("orphan: no establishment 88888888"), "{report}");
    assert!(report.contains("findings.csv,") && report.contains("orphan: no inspection 999000002"), "{report}");
    let read = |name: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(dir.join(name)).expect("file").records().map(|r| r.expect("row")).collect()
    };
    let establishments: BTreeSet<String> = read("establishments.csv").iter().map(|r| r[0].to_string()).collect();
    let inspections: BTreeSet<String> =
        read("inspections.csv").iter().filter(|r| establishments.contains(&r[1])).map(|r| r[0].to_string()).collect();
    let findings =
        read("findings.csv").iter().filter(|r| inspections.contains(&r[0]) && &r[3] != "NA - Not Applicable").count()
            as i64;
    let got = written(&t, "dinesafe_linked").await;
    assert_eq!(got["establishments"], establishments.len() as i64, "{got:?}");
    assert_eq!(got["inspections"], inspections.len() as i64, "{got:?}");
    assert_eq!(got["hazards"], findings, "{got:?}");
}

// R-ENT-6 over HTTP: the mapping and the files in one multipart form; the job says what it did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_uploaded_over_http_is_imported_and_its_job_reports_the_counts() {
    let t = TestApp::spawn().await;
    let mut c = t.signed_in("ncx.officer").await;
    let boundary = "touchstone-archive-boundary";
    let mut body = Vec::new();
    let mut part = |name: &str, file: Option<&str>, bytes: &[u8]| {
        let disposition = match file {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend(format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(b"\r\n");
    };
    part("mapping", Some("toronto_dinesafe.toml"), &std::fs::read(mapping()).expect("mapping"));
    for f in extract() {
        let name = f.file_name().expect("name").to_string_lossy().to_string();
        part("file", Some(&name), &std::fs::read(&f).expect("file"));
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/imports/archive", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("origin", t.base.clone())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 202);
    let job: serde_json::Value = res.json().await.expect("job");
    let id = job["id"].as_str().expect("id").to_string();
    let mut outcome = serde_json::Value::Null;
    for _ in 0..200 {
        outcome = c.get(&format!("/api/v1/imports/{id}")).await.json();
        if outcome["job"]["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(outcome["job"]["status"], "done", "{outcome}");
    assert_eq!(outcome["job"]["kind"], "archive");
    let want = expected(&extract());
    assert_eq!(outcome["job"]["inserted"], want.establishments + want.inspections + want.findings, "{outcome}");
    assert_eq!(written(&t, "toronto_dinesafe").await["hazards"], want.findings);
    // The imports page offers the archive form and lists the job.
    let page = c.get("/imports").await.text;
    assert!(page.contains("id=\"archive-form\"") && page.contains("toronto_dinesafe_2011.csv"), "{page}");
    // A bad mapping is refused at once, naming its key.
    let bad = reqwest::Client::new()
        .post(format!("{}/api/v1/imports/archive", t.base))
        .header("cookie", format!("ts_session={}", c.session.clone().expect("session")))
        .header("origin", t.base.clone())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"; filename=\"m.toml\"\r\n\r\nsource = \"x\"\r\n--{boundary}--\r\n"
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(bad.status().as_u16(), 422);
    assert!(bad.text().await.expect("body").contains("files"), "the missing [[files]] is named");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_completes_an_archived_establishments_credit_code_and_a_rerun_of_the_archive_still_finds_it_adr_0008()
 {
    use serde_json::json;
    let t = TestApp::spawn().await;
    let out = import(&t, &mapping(), &extract(), &[]).await;
    assert!(out.status.success(), "{}", output_text(&out));
    let before = written(&t, "toronto_dinesafe").await;
    let mut c = t.signed_in("ncx.officer").await;
    let found = c.get("/api/v1/enterprises?q=SATELLITE").await.json();
    let id = found["items"][0]["id"].as_str().expect("id").to_string();
    let version = found["items"][0]["version"].as_i64().expect("version");
    let placeholder = found["items"][0]["uscc"].as_str().expect("uscc").to_string();
    let missing = "SELECT COUNT(*) AS n FROM archive_establishments WHERE credit_code_missing = TRUE";
    let flagged = count(&t, missing).await;
    let path = format!("/api/v1/enterprises/{id}/credit-code");

    // Other fields of the establishment can be edited while its code is still missing.
    let file = c.get(&format!("/api/v1/enterprises/{id}")).await.json();
    let mut edit = file.clone();
    edit["legal_representative"] = json!("JOHN SMITH");
    edit["roles"] = json!(["distributor"]);
    let r = c.put_json(&format!("/api/v1/enterprises/{id}"), edit).await;
    assert_eq!(r.status, 200, "the placeholder is kept as registered: {}", r.text);
    let version = version + 1;

    // A bad code is refused naming the field; a code another enterprise holds, naming it.
    let bad = c.post_json(&path, json!({"uscc": "91360121MA35P8C1XX", "version": version})).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.json()["error"]["fields"][0]["field"], "uscc");
    let (other, _) = t.enterprise_with_account(&mut c, "MA35Q1A1", "已登记电缆厂").await;
    let held = c.get(&format!("/api/v1/enterprises/{other}")).await.json()["uscc"].as_str().expect("uscc").to_string();
    let taken = c.post_json(&path, json!({"uscc": held, "version": version})).await;
    assert_eq!(
        (taken.status, taken.json()["error"]["fields"][0]["code"].as_str()),
        (422, Some("registered_elsewhere"))
    );
    assert!(taken.text.contains("已登记电缆厂"), "{}", taken.text);
    let real = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35Q1B2").expect("composes").to_string();
    let stale = c.post_json(&path, json!({"uscc": real, "version": version - 1})).await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(count(&t, missing).await, flagged, "nothing changed");

    // Its real code: registered, the flag cleared, found by the code, in its history.
    let done = c.post_json(&path, json!({"uscc": real.to_lowercase(), "version": version})).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["uscc"], real.as_str(), "normalised");
    assert_eq!(count(&t, missing).await, flagged - 1);
    let by_code = c.get(&format!("/api/v1/enterprises?q={real}")).await.json();
    assert_eq!(by_code["items"][0]["id"], id.as_str(), "{by_code}");
    let history = c.get(&format!("/api/v1/enterprises/{id}/history")).await.json();
    assert_eq!(history[0]["action"], "enterprise.complete_credit_code", "{history}");
    let change = history[0]["changes"].as_array().expect("changes").iter().find(|f| f["field"] == "uscc").cloned();
    assert!(change.is_some_and(|f| f["before"] == placeholder.as_str()), "{history}");
    let page = c.get(&format!("/enterprises/{id}")).await.text;
    assert!(!page.contains("id=\"credit-code-missing\""), "no longer flagged");
    // Once registered, the code does not change.
    let again = c.post_json(&path, json!({"uscc": held, "version": version + 1})).await;
    assert_eq!(again.json()["error"]["fields"][0]["code"], "immutable", "{}", again.text);

    // A re-run of the archive finds the establishment by its source and external id.
    let rerun = import(&t, &mapping(), &extract(), &[]).await;
    assert!(output_text(&rerun).contains("nothing changed"), "{}", output_text(&rerun));
    assert_eq!(written(&t, "toronto_dinesafe").await, before);

    // The page form: another establishment, a bad code shown again, then completed.
    #[derive(sqlx::FromRow)]
    struct Flagged {
        enterprise_id: uuid::Uuid,
    }
    let next: Flagged = t
        .app
        .db
        .fetch_optional("SELECT enterprise_id FROM archive_establishments WHERE credit_code_missing = TRUE", vec![])
        .await
        .expect("query")
        .expect("one still flagged");
    let next_id = next.enterprise_id.to_string();
    let next_version = c.get(&format!("/api/v1/enterprises/{next_id}")).await.json()["version"].to_string();
    let file = c.get(&format!("/enterprises/{next_id}")).await.text;
    assert!(file.contains(&format!("/enterprises/{next_id}/credit-code")), "the file links to the form");
    let form = c.get(&format!("/enterprises/{next_id}/credit-code")).await;
    assert_eq!(form.status, 200, "{}", form.text);
    let bad = c
        .post_form(&format!("/enterprises/{next_id}/credit-code"), &[("uscc", "12345"), ("version", &next_version)])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("field-error") && bad.text.contains("value=\"12345\""), "{}", bad.text);
    let code = touchstone_domain::uscc::Uscc::compose("91", "360121", "MA35Q1C3").expect("composes").to_string();
    let ok = c
        .post_form(&format!("/enterprises/{next_id}/credit-code"), &[("uscc", &code), ("version", &next_version)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(count(&t, missing).await, flagged - 2);
}
