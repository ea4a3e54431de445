//! Official documents from the pages: the buttons on a completed inspection and on a reviewed
//! hazard post here; the document is issued (or the one already issued found) and the browser
//! is sent to its PDF, which opens inline under its Chinese file name.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use touchstone_app::documents::{self, IssueInput};

use crate::AppState;
use crate::error::WebResult;
use crate::extract::{Auth, Id, PageForm};

#[derive(Deserialize)]
pub struct KindForm {
    #[serde(default)]
    kind: String,
}

/// 打印现场检查笔录 / 责令限期整改通知书 on the inspection's page.
pub async fn issue_for_inspection(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<KindForm>,
) -> WebResult<Response> {
    let issued = documents::issue_for_inspection(&state.app, &auth.actor, id, &IssueInput { kind: f.kind }).await?;
    Ok(Redirect::to(&issued.view.download).into_response())
}

/// 责令限期整改通知书 / 整改复查意见书 on the hazard's page.
pub async fn issue_for_hazard(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    PageForm(f): PageForm<KindForm>,
) -> WebResult<Response> {
    let issued = documents::issue_for_hazard(&state.app, &auth.actor, id, &IssueInput { kind: f.kind }).await?;
    Ok(Redirect::to(&issued.view.download).into_response())
}
