//! Certificates and certification bodies over JSON (R-CERT-1, R-CERT-2, R-CERT-4).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use touchstone_app::certificates::{self, BodyInput, CertificateInput, CertificateView, NumberCheck, StatusChange};
use touchstone_store::certificates::{BodyRow, CertificateFilter, CertificateRow};
use touchstone_store::list::Window;

use crate::AppState;
use crate::api::Page;
use crate::error::{ErrorBody, WebResult};
use crate::export::ExportSpec;
use crate::extract::{ApiJson, Auth, Id, Q};
use crate::listing::ListParams;

pub const SORTS: &[(&str, &str)] =
    &[("expires_on", "c.expires_on"), ("number", "c.number"), ("issued_on", "c.issued_on"), ("status", "c.status")];

pub fn filter(app: &touchstone_app::App, p: &ListParams) -> WebResult<CertificateFilter> {
    use touchstone_domain::certificate::{KINDS, STATUSES};
    let choice = |field: &str, v: Option<String>, allowed: &[&str]| -> WebResult<Option<String>> {
        match v {
            Some(x) if !allowed.contains(&x.as_str()) => {
                Err(touchstone_app::Error::field(field, "invalid_choice", allowed.join(", ")).into())
            }
            other => Ok(other),
        }
    };
    Ok(CertificateFilter {
        number: p.text(&p.q),
        kind: choice("kind", p.text(&p.kind), KINDS)?,
        status: choice("status", p.text(&p.status), STATUSES)?,
        expiring_by: p.flag("expiring", &p.expiring)?.filter(|e| *e).map(|_| certificates::warning_horizon(app)),
        holder_id: p.uuid("holder_id", &p.holder_id)?,
        issuer_body_id: None,
    })
}

/// Certificates of the jurisdiction; `expiring=true` lists valid ones expiring within 90 days.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(ListParams),
    responses((status = 200, body = Page<CertificateRow>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Q(p): Q<ListParams>,
) -> WebResult<Json<Page<CertificateRow>>> {
    let f = filter(&state.app, &p)?;
    Ok(Json(certificates::list(&state.app, &auth.actor, &f, &p.window(SORTS, false)?).await?.into()))
}

/// Register a certificate held by an enterprise of the jurisdiction.
#[utoipa::path(post, path = "/api/v1/certificates", tag = "certificates", request_body = CertificateInput,
    responses((status = 201, body = CertificateView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CertificateInput>,
) -> WebResult<(StatusCode, Json<CertificateView>)> {
    Ok((StatusCode::CREATED, Json(certificates::create(&state.app, &auth.actor, body).await?)))
}

/// One certificate with its status history and flags.
#[utoipa::path(get, path = "/api/v1/certificates/{id}", tag = "certificates", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CertificateView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, auth: Auth, Id(id): Id) -> WebResult<Json<CertificateView>> {
    Ok(Json(certificates::get(&state.app, &auth.actor, id).await?))
}

/// Suspend, restore, revoke, cancel, withdraw or expire a certificate (legal transitions only).
#[utoipa::path(post, path = "/api/v1/certificates/{id}/status", tag = "certificates", params(("id" = uuid::Uuid, Path)), request_body = StatusChange,
    responses((status = 200, body = CertificateView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<StatusChange>,
) -> WebResult<Json<CertificateView>> {
    Ok(Json(certificates::change_status(&state.app, &auth.actor, id, body).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CheckQuery {
    /// The certificate number an enterprise claims.
    pub number: String,
    /// The claiming enterprise's credit code.
    pub uscc: String,
}

/// Does a claimed certificate number exist, and does it belong to the claimant? (R-CERT-4)
#[utoipa::path(get, path = "/api/v1/certificates/check", tag = "certificates", params(CheckQuery),
    responses((status = 200, body = NumberCheck), (status = 422, body = ErrorBody)))]
pub async fn check(State(state): State<AppState>, auth: Auth, Q(q): Q<CheckQuery>) -> WebResult<Json<NumberCheck>> {
    Ok(Json(certificates::check_number(&state.app, &auth.actor, &q.number, &q.uscc).await?))
}

/// Registered certification bodies with their approved scope.
#[utoipa::path(get, path = "/api/v1/certification-bodies", tag = "certificates", params(ListParams),
    responses((status = 200, body = Page<BodyRow>)))]
pub async fn bodies(State(state): State<AppState>, auth: Auth, Q(p): Q<ListParams>) -> WebResult<Json<Page<BodyRow>>> {
    let window = p.window(&[("name", "b.name"), ("approval_number", "b.approval_number")], false)?;
    Ok(Json(certificates::bodies(&state.app, &auth.actor, p.q.as_deref(), &window).await?.into()))
}

/// Register a certification body (administrators).
#[utoipa::path(post, path = "/api/v1/certification-bodies", tag = "certificates", request_body = BodyInput,
    responses((status = 201, body = BodyRow), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_body(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BodyInput>,
) -> WebResult<(StatusCode, Json<BodyRow>)> {
    Ok((StatusCode::CREATED, Json(certificates::create_body(&state.app, &auth.actor, body).await?)))
}

/// Every certificate the filter matches, as CSV or XLSX (an audited, streamed export).
pub async fn export(state: &AppState, auth: &Auth, p: &ListParams, xlsx: bool) -> WebResult<axum::response::Response> {
    let tr = auth.tr;
    let columns = ["number", "kind", "issuer", "scope", "issued-on", "expires-on", "status"];
    let spec = ExportSpec::new(auth, "certificates", "certificate", xlsx, &columns);
    let list = |app: touchstone_app::App, actor: touchstone_app::Actor, f: CertificateFilter, w: Window| async move {
        certificates::list(&app, &actor, &f, &w).await
    };
    let row = move |c: CertificateRow| {
        vec![
            c.number,
            tr.label("kind", &c.kind),
            c.issuer_name,
            c.scope.split_whitespace().map(|s| tr.category(s)).collect::<Vec<_>>().join("、"),
            c.issued_on,
            c.expires_on,
            tr.label("cstatus", &c.status),
        ]
    };
    let f = filter(&state.app, p)?;
    crate::export::export(state, auth, p, spec, p.window(SORTS, false)?, f, list, row).await
}
