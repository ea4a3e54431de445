//! In-app notifications (R-NOTE-1): addressed to a bureau, an enterprise or one user, read
//! per user. A notification's `dedup_key` is unique, so a sweep repeated on any node sends
//! each one once.

use crate::list::Count;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::list::{Page, Window, fetch_page};
use crate::{Arg, Db, StoreError, Tx, args};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// `deadline_soon`, `deadline_reached`, `overdue_escalated`, `major_risk`, `review_late`, …
    pub kind: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    /// JSON object of the values the message is written from (number, enterprise, date…).
    pub params: String,
    /// Where the notification leads, e.g. `/hazards/{id}`.
    pub link: String,
    pub dedup_key: String,
    pub created_at: i64,
}

/// A notification with whether this reader has read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InboxRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub notification: NotificationRow,
    pub read_at: Option<i64>,
}

/// Whose notifications a reader sees: their own, their bureau's, their enterprise's.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub user_id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
}

const COLUMNS: &str = "n.id, n.organisation_id, n.enterprise_id, n.user_id, n.kind, n.subject_type, n.subject_id, \
     n.params, n.link, n.dedup_key, n.created_at";

fn addressed_to(r: &Reader) -> (String, Vec<Arg>) {
    let mut parts = vec!["n.user_id = ?".to_string()];
    let mut args = args![r.user_id];
    if let Some(o) = r.organisation_id {
        parts.push("n.organisation_id = ?".into());
        args.push(Arg::from(o));
    }
    if let Some(e) = r.enterprise_id {
        parts.push("n.enterprise_id = ?".into());
        args.push(Arg::from(e));
    }
    (format!("({})", parts.join(" OR ")), args)
}

/// Adds `n` unless a notification with its `dedup_key` exists; whether it was added.
pub async fn insert_once(tx: &mut Tx, n: &NotificationRow) -> Result<bool, StoreError> {
    let added = tx
        .execute(
            "INSERT INTO notifications (id, organisation_id, enterprise_id, user_id, kind, subject_type, subject_id, params, link, \
             dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
            args![
                n.id, n.organisation_id, n.enterprise_id, n.user_id, &n.kind, &n.subject_type, n.subject_id, &n.params, &n.link,
                &n.dedup_key, n.created_at
            ],
        )
        .await?;
    Ok(added == 1)
}

/// The reader's notifications, newest first, unread ones only when `unread_only`.
pub async fn inbox(db: &Db, r: &Reader, unread_only: bool, window: &Window) -> Result<Page<InboxRow>, StoreError> {
    let (cond, mut args) = addressed_to(r);
    let mut all = args![r.user_id];
    all.append(&mut args);
    let mut from_where = format!(
        "FROM notifications n LEFT JOIN notification_reads nr ON nr.notification_id = n.id AND nr.user_id = ? WHERE {cond}"
    );
    if unread_only {
        from_where.push_str(" AND nr.read_at IS NULL");
    }
    fetch_page(db, &format!("{COLUMNS}, nr.read_at AS read_at"), &from_where, all, window, "n.id").await
}

/// How many of the reader's notifications are unread (the badge).
pub async fn unread_count(db: &Db, r: &Reader, up_to: Option<i64>) -> Result<i64, StoreError> {
    let (cond, mut args) = addressed_to(r);
    args.push(Arg::from(r.user_id));
    let limit = up_to.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let c: Option<Count> = db
        .fetch_optional(
            &format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM notifications n WHERE {cond} AND NOT EXISTS \
                 (SELECT 1 FROM notification_reads nr WHERE nr.notification_id = n.id AND nr.user_id = ?){limit}) unread"
            ),
            args,
        )
        .await?;
    Ok(c.map(|c| c.n).unwrap_or(0))
}

/// Marks one of the reader's notifications read; false when it is not addressed to them.
pub async fn mark_read(tx: &mut Tx, r: &Reader, id: Uuid, at: i64) -> Result<bool, StoreError> {
    let (cond, mut args) = addressed_to(r);
    let mut all = args![id];
    all.append(&mut args);
    let found: Option<NotificationRow> =
        tx.fetch_optional(&format!("SELECT {COLUMNS} FROM notifications n WHERE n.id = ? AND {cond}"), all).await?;
    if found.is_none() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO notification_reads (notification_id, user_id, read_at) VALUES (?, ?, ?) \
         ON CONFLICT (notification_id, user_id) DO NOTHING",
        args![id, r.user_id, at],
    )
    .await?;
    Ok(true)
}

/// Marks every unread notification of the reader read; how many.
pub async fn mark_all_read(tx: &mut Tx, r: &Reader, at: i64) -> Result<u64, StoreError> {
    let (cond, args) = addressed_to(r);
    let mut all = args![r.user_id, at];
    all.extend(args);
    all.push(Arg::from(r.user_id));
    tx.execute(
        &format!(
            "INSERT INTO notification_reads (notification_id, user_id, read_at) SELECT n.id, ?, ? FROM notifications n \
             WHERE {cond} AND NOT EXISTS (SELECT 1 FROM notification_reads nr WHERE nr.notification_id = n.id AND nr.user_id = ?)"
        ),
        all,
    )
    .await
}
