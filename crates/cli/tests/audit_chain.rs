//! R-AUD-1: the audit chain is tamper-evident. Each test plays an attacker with direct SQL
//! access to the database (but without the audit key) and checks that verification names
//! what was done; the CLI's `audit verify` and `audit checkpoint` are run end to end.
//! Runs on SQLite, and on PostgreSQL when TOUCHSTONE_TEST_PG_URL is set.

use touchstone_app::audit;
use touchstone_testing::process::run_cli;
use touchstone_testing::{TestApp, raw_sql};

/// SHA-256 of the bytes `forged`: what an attacker without the key might write as a "MAC".
const SHA256_OF_FORGED: &str = "ccdd35168ab474fa5764a526cfb83621351e23682c5075b2e18d56bddf96aa30";

async fn head_seq(t: &TestApp) -> i64 {
    touchstone_store::audit::head(&t.app.db).await.expect("head").seq
}

fn verify_error(r: touchstone_app::Result<audit::Verified>) -> String {
    match r {
        Ok(v) => panic!("verification passed ({} entries) but the chain was tampered with", v.entries),
        Err(e) => {
            assert_eq!(e.code(), "audit_chain_broken", "{e}");
            e.to_string()
        }
    }
}

// R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intact_chain_verifies_with_and_without_a_checkpoint() {
    let t = TestApp::spawn().await;
    let head = head_seq(&t).await;
    assert!(head > 50, "the demo should leave a long chain, got {head}");
    let v = audit::verify(&t.app, None).await.expect("intact chain verifies");
    assert_eq!(v.entries, head);
    let (_, cp) = audit::checkpoint(&t.app).await.expect("checkpoint");
    let v = audit::verify(&t.app, Some(cp)).await.expect("intact chain verifies against its checkpoint");
    assert_eq!(v.entries, head);
    assert_eq!(v.checkpoint_seq, Some(head));
}

// R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_an_entry_altered_by_raw_sql_even_with_a_recomputed_sha256() {
    let t = TestApp::spawn().await;
    let (_, cp) = audit::checkpoint(&t.app).await.expect("checkpoint");
    let n = head_seq(&t).await / 2;
    let changed = raw_sql(
        &t.app,
        &format!("UPDATE audit_entries SET actor_name = 'someone.else', mac = '{SHA256_OF_FORGED}' WHERE seq = {n}"),
    )
    .await
    .expect("attacker's update");
    assert_eq!(changed, 1);
    let msg = verify_error(audit::verify(&t.app, Some(cp)).await);
    assert!(msg.contains(&format!("entry {n}:")), "the message should name entry {n}: {msg}");
    assert!(msg.contains("altered"), "{msg}");
}

// R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_gap_left_by_an_entry_deleted_from_the_middle() {
    let t = TestApp::spawn().await;
    let (_, cp) = audit::checkpoint(&t.app).await.expect("checkpoint");
    let n = head_seq(&t).await / 2;
    assert_eq!(raw_sql(&t.app, &format!("DELETE FROM audit_entries WHERE seq = {n}")).await.expect("delete"), 1);
    let msg = verify_error(audit::verify(&t.app, Some(cp)).await);
    assert!(
        msg.contains(&format!("entry {}: expected sequence number {n}", n + 1)),
        "the message should name the gap at {n}: {msg}"
    );
    // Without a checkpoint too.
    let msg = verify_error(audit::verify(&t.app, None).await);
    assert!(msg.contains(&format!("expected sequence number {n}")), "{msg}");
}

// R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_rejects_a_forged_entry_appended_with_the_head_moved_to_it() {
    let t = TestApp::spawn().await;
    let last = head_seq(&t).await;
    let forged = last + 1;
    // A copy of the last entry with a new sequence number, a correct previous-MAC link, the
    // real key id, a different actor and a made-up MAC.
    let inserted = raw_sql(
        &t.app,
        &format!(
            "INSERT INTO audit_entries (seq, id, at, actor_id, actor_name, os_user, ip, user_agent, action, entity_type, \
             entity_id, region_code, organisation_id, before_json, after_json, key_id, prev_mac, mac) \
             SELECT seq + 1, id, at + 1, actor_id, 'intruder', os_user, ip, user_agent, 'user.delete', entity_type, \
             entity_id, region_code, organisation_id, before_json, after_json, key_id, mac, '{SHA256_OF_FORGED}' \
             FROM audit_entries WHERE seq = {last}"
        ),
    )
    .await
    .expect("attacker's insert");
    assert_eq!(inserted, 1);
    raw_sql(&t.app, &format!("UPDATE audit_head SET seq = {forged}, mac = '{SHA256_OF_FORGED}' WHERE id = 1"))
        .await
        .expect("attacker moves the head");
    let msg = verify_error(audit::verify(&t.app, None).await);
    assert!(msg.contains(&format!("entry {forged}:")), "the message should name the forged entry {forged}: {msg}");
}

// R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_with_a_checkpoint_detects_a_tail_cut_even_when_the_head_is_moved_back() {
    let t = TestApp::spawn().await;
    let (_, cp) = audit::checkpoint(&t.app).await.expect("checkpoint");
    let last = head_seq(&t).await;
    assert_eq!(cp.seq, last);
    let deleted = raw_sql(&t.app, &format!("DELETE FROM audit_entries WHERE seq > {}", last - 3))
        .await
        .expect("attacker's delete");
    assert_eq!(deleted, 3);
    raw_sql(
        &t.app,
        "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_entries), \
         mac = (SELECT mac FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)) WHERE id = 1",
    )
    .await
    .expect("attacker moves the head back");
    assert_eq!(head_seq(&t).await, last - 3);
    let msg = verify_error(audit::verify(&t.app, Some(cp)).await);
    assert!(msg.contains("tail was cut off"), "the message should say the tail was cut: {msg}");
    assert!(msg.contains(&format!("entry {last}")), "{msg}");
}

// R-AUD-1
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_verifies_an_intact_chain_writes_a_checkpoint_and_exits_2_naming_an_altered_entry() {
    let t = TestApp::spawn().await;
    let db = t.db_url.clone();
    let data = t.data_dir.display().to_string();

    let out = run_cli(&["audit", "checkpoint", "--db", &db, "--data", &data]).await;
    assert!(out.status.success(), "checkpoint failed: {}", String::from_utf8_lossy(&out.stderr));
    let latest = t.data_dir.join("checkpoints").join("latest.json");
    assert!(latest.exists(), "audit checkpoint should write {}", latest.display());
    let written = std::fs::read_dir(t.data_dir.join("checkpoints"))
        .expect("checkpoint dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("checkpoint-"))
        .count();
    assert_eq!(written, 1, "one dated checkpoint file besides latest.json");

    let out = run_cli(&["audit", "verify", "--db", &db, "--data", &data]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "intact chain: {stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("audit chain intact"), "{stdout}");

    let n = head_seq(&t).await / 3;
    raw_sql(
        &t.app,
        &format!("UPDATE audit_entries SET actor_name = 'nobody', mac = '{SHA256_OF_FORGED}' WHERE seq = {n}"),
    )
    .await
    .expect("attacker's update");
    let out = run_cli(&["audit", "verify", "--db", &db, "--data", &data]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "an altered chain exits 2: {stderr}");
    assert!(stderr.contains(&format!("entry {n}:")), "stderr should name entry {n}: {stderr}");
}
