//! The audit log of the actor's jurisdiction (administrators).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use touchstone_store::audit::{AuditFilter, AuditRow};

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::extract::{Auth, Q};
use crate::listing::{ListParams, collect_all, export_response};

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

/// Every entry the filter matches, as CSV or XLSX (itself an audited export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<Response> {
    let f = &filter(p)?;
    let entries = collect_all(p.window(SORTS, true)?, |w| async move {
        touchstone_app::audit::list(&state.app, &auth.actor, f, &w).await
    })
    .await?;
    let rows: Vec<Vec<String>> = entries
        .into_iter()
        .map(|a| {
            vec![
                a.seq.to_string(),
                auth.tr.time(a.at),
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
        })
        .collect();
    touchstone_app::audit::record_export(
        &state.app,
        &auth.actor,
        "audit_entry",
        serde_json::json!({"filter": p.query_string(&[]), "rows": rows.len(), "format": if xlsx { "xlsx" } else { "csv" }}),
    )
    .await?;
    let header = [
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
    ]
    .iter()
    .map(|k| auth.tr.t(&format!("col-{k}")))
    .collect();
    Ok(export_response("audit", xlsx, header, rows))
}
