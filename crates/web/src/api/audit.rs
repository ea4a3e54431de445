//! The audit log of the actor's jurisdiction (administrators).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use touchstone_app::{Actor, App};
use touchstone_store::audit::{AuditFilter, AuditRow};
use touchstone_store::list::Window;

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::ExportSpec;
use crate::extract::{Auth, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] =
    &[("seq", "a.seq"), ("at", "a.at"), ("actor", "a.actor_name"), ("action", "a.action")];

pub fn filter(p: &ListParams) -> WebResult<AuditFilter> {
    Ok(AuditFilter {
        actor: p.text(&p.actor),
        entity_type: p.text(&p.entity_type),
        entity_id: p.text(&p.entity_id),
        action: p.text(&p.action),
        from: p.date("from", &p.from, false)?,
        to: p.date("to", &p.to, true)?,
    })
}

/// Audit entries, newest first by default.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(ListParams),
    responses((status = 200, body = Page<AuditRow>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Json<Page<AuditRow>>> {
    Ok(Json(touchstone_app::audit::list(&state.app, &auth.actor, &filter(&p)?, &p.window(SORTS, true)?).await?.into()))
}

/// Every entry the filter matches, as CSV or XLSX (itself an audited, streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    let tr = auth.tr;
    let columns = [
        "seq",
        "time",
        "actor",
        "os-user",
        "ip",
        "action",
        "entity-type",
        "entity-id",
        "region",
        "before",
        "after",
        "mac",
    ];
    let spec = ExportSpec::new(auth, "audit", "audit_entry", xlsx, &columns);
    let list = |app: App, actor: Actor, f: AuditFilter, w: Window| async move {
        touchstone_app::audit::list(&app, &actor, &f, &w).await
    };
    let row = move |a: AuditRow| {
        vec![
            a.seq.to_string(),
            tr.time(a.at),
            a.actor_name,
            a.os_user.unwrap_or_default(),
            a.ip.unwrap_or_default(),
            a.action,
            a.entity_type,
            a.entity_id.unwrap_or_default(),
            a.region_code.unwrap_or_default(),
            a.before_json.unwrap_or_default(),
            a.after_json.unwrap_or_default(),
            a.mac,
        ]
    };
    crate::export::export(state, auth, p, spec, p.window(SORTS, true)?, filter(p)?, list, row).await
}
