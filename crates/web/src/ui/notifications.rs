//! The caller's inbox: each notification as a short sentence linking to its subject, marked
//! read when opened; "mark all read".

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use touchstone_app::notifications;

use super::{Nav, Pager, render, safe_next};
use crate::AppState;
use crate::error::WebResult;
use crate::extract::{Auth, Id, PageForm, Q};
use crate::i18n::Tr;
use crate::listing::ListParams;

pub struct Item {
    pub id: uuid::Uuid,
    pub kind: String,
    pub text: String,
    pub unread: bool,
    pub at: i64,
    pub link: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct InboxPage {
    tr: Tr,
    nav: Nav,
    pager: Pager,
    items: Vec<Item>,
    unread: i64,
}

/// The sentence for a notification: its kind's message with the params as fluent arguments
/// (codes turned into their labels).
pub fn sentence(tr: &Tr, kind: &str, params: &str) -> String {
    let v: Value = serde_json::from_str(params).unwrap_or(Value::Null);
    let text = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let args = [
        ("number", text("number")),
        ("enterprise", text("enterprise")),
        ("deadline", text("deadline")),
        ("bureau", text("bureau")),
        ("action", tr.label("haction", &text("action"))),
        ("status", tr.label("hstatus", &text("status"))),
        ("level", tr.label("hlevel", &text("level"))),
        ("campaign", text("campaign")),
        ("kind", tr.label("caction", &text("kind"))),
        ("note", text("note")),
        ("submitted_on", text("submitted_on")),
    ];
    let key = format!("notif-text-{}", kind.replace('_', "-"));
    let sentence = tr.t_args(&key, &args);
    if sentence == key { tr.label("notif", kind) } else { sentence }
}

pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Response> {
    let unread_only = p.flag("unread", &p.unread)?.unwrap_or(false);
    let window = p.window(&[("created_at", "n.created_at")], true)?;
    let inbox = notifications::inbox(&state.app, &auth.actor, unread_only, &window).await?;
    let tr = auth.tr;
    let page = touchstone_store::list::Page {
        items: Vec::<()>::new(),
        total: inbox.page.total,
        total_is_lower_bound: inbox.page.total_is_lower_bound,
        page: inbox.page.page,
        per_page: inbox.page.per_page,
    };
    let columns = [(tr.t("col-time"), Some("created_at")), (tr.t("col-notif-kind"), None), (tr.t("col-message"), None)];
    let pager = Pager::new("/notifications", &p, &page, &columns);
    let items = inbox
        .page
        .items
        .into_iter()
        .map(|r| Item {
            id: r.notification.id,
            text: sentence(&tr, &r.notification.kind, &r.notification.params),
            kind: tr.label("notif", &r.notification.kind),
            unread: r.read_at.is_none(),
            at: r.notification.created_at,
            link: r.notification.link.clone(),
        })
        .collect();
    let mut nav = Nav::of(&auth);
    nav.unread = inbox.unread;
    Ok(render(StatusCode::OK, &InboxPage { tr, nav, pager, items, unread: inbox.unread }))
}

/// Marks the notification read and goes to what it is about.
pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<ReadForm>,
) -> WebResult<Response> {
    notifications::mark_read(&state.app, &auth.actor, id).await?;
    let to = match f.next.as_deref() {
        Some(n) if !n.is_empty() => safe_next(Some(n)),
        _ => "/notifications".to_string(),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    next: Option<String>,
}

pub async fn read_all(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    notifications::mark_all_read(&state.app, &auth.actor).await?;
    Ok(Redirect::to("/notifications").into_response())
}
