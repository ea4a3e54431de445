//! In-app notifications (R-NOTE-1): deadlines, escalations, reviews due and major risks, sent
//! to a bureau, an enterprise or one user, in the transaction of the change that caused
//! them; read per user. Nothing is e-mailed.

use serde::Serialize;
use serde_json::Value;
use touchstone_domain::region::regions;
use touchstone_store::list::{Page, Window};
use touchstone_store::notifications::{self as store, InboxRow, NotificationRow, Reader};
use touchstone_store::organisations::{self, OrganisationRow};
use touchstone_store::{Db, Tx};
use uuid::Uuid;

use crate::{Actor, App, Error, Result};

/// Who a notification goes to.
#[derive(Debug, Clone, Copy)]
pub enum Recipient {
    Bureau(Uuid),
    Enterprise(Uuid),
    User(Uuid),
}

/// What happened, about which record.
#[derive(Debug, Clone)]
pub struct Notice {
    pub to: Recipient,
    pub kind: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Uuid,
    pub params: Value,
    pub link: String,
    /// Unique per notice: sending the same key again sends nothing.
    pub dedup_key: String,
}

/// Sends `notice` in `tx` unless one with its key was sent; whether it was sent now.
pub async fn send(app: &App, tx: &mut Tx, notice: Notice) -> Result<bool> {
    let (organisation_id, enterprise_id, user_id) = match notice.to {
        Recipient::Bureau(id) => (Some(id), None, None),
        Recipient::Enterprise(id) => (None, Some(id), None),
        Recipient::User(id) => (None, None, Some(id)),
    };
    let row = NotificationRow {
        id: Uuid::now_v7(),
        organisation_id,
        enterprise_id,
        user_id,
        kind: notice.kind.into(),
        subject_type: notice.subject_type.into(),
        subject_id: notice.subject_id,
        params: notice.params.to_string(),
        link: notice.link,
        dedup_key: notice.dedup_key,
        created_at: app.clock.now().as_micros(),
    };
    Ok(store::insert_once(tx, &row).await?)
}

/// The bureau responsible for `region_code`: the one whose jurisdiction has the nearest root
/// at or above it. `None` when no bureau covers it.
pub async fn responsible_bureau(db: &Db, region_code: &str) -> Result<Option<OrganisationRow>> {
    let mut path: Vec<&str> = vec![region_code];
    path.extend(regions().ancestors(region_code));
    let found = organisations::with_roots(db, &path).await?;
    Ok(path.iter().find_map(|code| found.iter().find(|(_, root)| root == code).map(|(o, _)| o.clone())))
}

/// The reporting line above `bureau`, nearest first, up to the top bureau.
pub async fn bureaus_above(db: &Db, bureau: &OrganisationRow) -> Result<Vec<OrganisationRow>> {
    let mut out: Vec<OrganisationRow> = Vec::new();
    let mut next = bureau.parent_id;
    while let Some(id) = next {
        if out.iter().any(|o| o.id == id) || id == bureau.id {
            break;
        }
        let Some(o) = organisations::find(db, id).await? else { break };
        next = o.parent_id;
        out.push(o);
    }
    Ok(out)
}

fn reader(actor: &Actor) -> Result<Reader> {
    let user_id = actor.user_id.ok_or(Error::Forbidden("reading notifications (the system account has none)"))?;
    Ok(Reader {
        user_id,
        organisation_id: actor.organisation.as_ref().map(|o| o.id),
        enterprise_id: actor.own_enterprise(),
    })
}

/// A notification as its reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    #[serde(flatten)]
    pub page: InboxPage,
    /// Unread notifications in all.
    pub unread: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxPage {
    pub items: Vec<InboxRow>,
    pub total: i64,
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub per_page: i64,
}

impl From<Page<InboxRow>> for InboxPage {
    fn from(p: Page<InboxRow>) -> Self {
        InboxPage {
            items: p.items,
            total: p.total,
            total_is_lower_bound: p.total_is_lower_bound,
            page: p.page,
            per_page: p.per_page,
        }
    }
}

/// The actor's notifications, newest first.
pub async fn inbox(app: &App, actor: &Actor, unread_only: bool, window: &Window) -> Result<Inbox> {
    let r = reader(actor)?;
    let page = store::inbox(&app.db, &r, unread_only, window).await?;
    Ok(Inbox { page: page.into(), unread: store::unread_count(&app.db, &r, None).await? })
}

/// The most unread notifications the badge counts; past it, it shows "99+". Every page shows
/// the badge, and a province bureau collects tens of thousands of escalations: counting them
/// all took longer than the page itself (BENCHMARKS.md). The inbox still says how many.
pub const BADGE_MOST: i64 = 99;

/// The badge: how many of the actor's notifications are unread, up to one more than
/// [`BADGE_MOST`] (0 for the system account).
pub async fn unread(app: &App, actor: &Actor) -> Result<i64> {
    match reader(actor) {
        Ok(r) => Ok(store::unread_count(&app.db, &r, Some(BADGE_MOST + 1)).await?),
        Err(_) => Ok(0),
    }
}

/// Marks one notification read; 404 when it is not the actor's.
pub async fn mark_read(app: &App, actor: &Actor, id: Uuid) -> Result<()> {
    let r = reader(actor)?;
    let mut tx = app.db.begin().await?;
    if !store::mark_read(&mut tx, &r, id, app.clock.now().as_micros()).await? {
        return Err(Error::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Marks all the actor's notifications read; how many were unread.
pub async fn mark_all_read(app: &App, actor: &Actor) -> Result<u64> {
    let r = reader(actor)?;
    let mut tx = app.db.begin().await?;
    let n = store::mark_all_read(&mut tx, &r, app.clock.now().as_micros()).await?;
    tx.commit().await?;
    Ok(n)
}
