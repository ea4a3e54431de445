//! The server-rendered pages (askama templates in `templates/`), in the request's language,
//! usable on a phone. Handlers call the same use cases as the API.

pub mod account;
pub mod accounts;
pub mod activation;
pub mod admin;
pub mod attachments;
pub mod audit;
pub mod campaigns;
pub mod catalogue;
pub mod certificates;
pub mod documents;
pub mod enterprises;
pub mod hazards;
pub mod imports;
pub mod inspection_plans;
pub mod inspections;
pub mod laboratories;
pub mod login;
pub mod notifications;
pub mod pairs;
pub mod products;
pub mod registrations;
pub mod reports;
pub mod self_inspections;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use touchstone_domain::FieldError;
use touchstone_domain::role::{BindingKind, Permission};

use crate::AppState;
use crate::context::{LANG_COOKIE, urlencode};
use crate::error::{ErrorInfo, WebResult, field_message};
use crate::extract::{Auth, Ctx, Q};
use crate::i18n::{Locale, Tr};
use crate::listing::ListParams;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/lang/{locale}", get(switch_language))
        .route("/login", get(login::page).post(login::submit))
        .route("/login/second-factor", get(login::second_factor_page).post(login::second_factor_submit))
        .route("/logout", post(login::logout))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/second-factor", get(account::enrol_page).post(account::enrol_submit))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/export.csv", get(admin::export_users))
        .route("/admin/users/export.xlsx", get(admin::export_users_xlsx))
        .route("/admin/users/new", get(admin::new_user))
        .route("/admin/users/{id}", get(admin::user).post(admin::update_user))
        .route("/admin/users/{id}/{action}", post(admin::user_action))
        .route("/admin/roles", get(admin::roles))
        .route("/admin/organisations", get(admin::organisations).post(admin::create_organisation))
        .route("/admin/organisations/new", get(admin::new_organisation))
        .route("/admin/organisations/export.csv", get(admin::export_organisations))
        .route("/admin/organisations/export.xlsx", get(admin::export_organisations_xlsx))
        .route("/admin/organisations/{id}", get(admin::organisation).post(admin::update_organisation))
        .route("/enterprises", get(enterprises::list).post(enterprises::create))
        .route("/enterprises/new", get(enterprises::new))
        .route("/enterprises/export.csv", get(enterprises::export))
        .route("/enterprises/export.xlsx", get(enterprises::export_xlsx))
        .route("/enterprises/{id}", get(enterprises::file))
        .route("/enterprises/{id}/unmask", post(enterprises::unmask))
        .route("/enterprises/{id}/credit-code", get(enterprises::credit_code).post(enterprises::complete_credit_code))
        .route("/enterprises/{id}/edit", get(enterprises::edit).post(enterprises::update))
        .route("/enterprises/{id}/activation-code", post(activation::issue))
        .route(
            "/enterprises/{id}/attachments",
            post(attachments::upload).layer(axum::extract::DefaultBodyLimit::max(
                touchstone_app::attachments::MAX_BYTES as usize + 64 * 1024,
            )),
        )
        .route("/attachments/{id}", get(attachments::download))
        .route("/activate", get(activation::page).post(activation::submit))
        .route("/certificates", get(certificates::list).post(certificates::create))
        .route("/certificates/new", get(certificates::new))
        .route("/certificates/export.csv", get(certificates::export))
        .route("/certificates/export.xlsx", get(certificates::export_xlsx))
        .route("/certificates/{id}", get(certificates::show))
        .route("/certificates/{id}/status", post(certificates::change_status))
        .route("/certification-bodies", get(certificates::bodies).post(certificates::create_body))
        .route("/certification-bodies/{id}", get(accounts::body))
        .route("/certification-bodies/{id}/accounts", post(accounts::create_body_account))
        .route("/hazards", get(hazards::list).post(hazards::create))
        .route("/hazards/new", get(hazards::new))
        .route("/hazards/similar", get(hazards::similar_fragment))
        .route("/hazards/{id}/promote", post(hazards::promote))
        .route("/hazard-samples", get(hazards::samples))
        .route("/hazards/export.csv", get(hazards::export))
        .route("/hazards/export.xlsx", get(hazards::export_xlsx))
        .route("/hazards/{id}", get(hazards::show))
        .route("/hazards/{id}/steps", post(hazards::step))
        .route("/hazards/{id}/documents", post(documents::issue_for_hazard))
        .route("/inspections/{id}/documents", post(documents::issue_for_inspection))
        .route("/self-inspections", get(self_inspections::list).post(self_inspections::start))
        .route("/self-inspections/export.csv", get(self_inspections::export))
        .route("/self-inspections/export.xlsx", get(self_inspections::export_xlsx))
        .route("/self-inspections/{id}", get(self_inspections::show).post(self_inspections::fill))
        .route("/inspection-plans", get(inspection_plans::list).post(inspection_plans::create))
        .route("/inspection-plans/new", get(inspection_plans::new))
        .route("/inspection-plans/export.csv", get(inspection_plans::export))
        .route("/inspection-plans/export.xlsx", get(inspection_plans::export_xlsx))
        .route("/inspection-plans/{id}", get(inspection_plans::show))
        .route(
            "/inspections",
            get(inspections::list).post(inspections::create).layer(axum::extract::DefaultBodyLimit::max(
                touchstone_app::attachments::MAX_BYTES as usize + 1024 * 1024,
            )),
        )
        .route("/inspections/new", get(inspections::new))
        .route("/inspections/export.csv", get(inspections::export))
        .route("/inspections/export.xlsx", get(inspections::export_xlsx))
        .route(
            "/inspections/{id}",
            get(inspections::show).post(inspections::save).layer(axum::extract::DefaultBodyLimit::max(
                touchstone_app::attachments::MAX_BYTES as usize + 1024 * 1024,
            )),
        )
        .route("/campaigns", get(campaigns::list).post(campaigns::create))
        .route("/campaigns/new", get(campaigns::new))
        .route("/campaigns/from-template", post(campaigns::from_template))
        .route("/campaigns/{id}", get(campaigns::show))
        .route("/campaigns/{id}/actions", post(campaigns::take_action))
        .route("/campaigns/{id}/report", get(reports::show))
        .route("/campaigns/{id}/report/records", get(reports::records))
        .route("/campaigns/{id}/report/submit", post(reports::submit))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read-all", post(notifications::read_all))
        .route("/notifications/{id}/read", post(notifications::read))
        .route("/laboratories", get(laboratories::list).post(laboratories::create))
        .route("/laboratories/new", get(laboratories::new))
        .route("/laboratories/export.csv", get(laboratories::export))
        .route("/laboratories/export.xlsx", get(laboratories::export_xlsx))
        .route("/laboratories/{id}", get(laboratories::show))
        .route("/laboratories/{id}/edit", get(laboratories::edit).post(laboratories::update))
        .route("/laboratories/{id}/accounts", post(laboratories::create_account))
        .route("/register", get(registrations::page).post(registrations::submit))
        .route("/registrations", get(registrations::list))
        .route("/registrations/{id}", get(registrations::show))
        .route("/registrations/{id}/unmask", post(registrations::unmask))
        .route("/registrations/{id}/confirm", post(registrations::confirm))
        .route("/registrations/{id}/reject", post(registrations::reject))
        .route(
            "/imports",
            get(imports::list).post(imports::upload).layer(axum::extract::DefaultBodyLimit::max(
                touchstone_app::imports::MAX_FILE_BYTES as usize + 64 * 1024,
            )),
        )
        .route(
            "/imports/archive",
            axum::routing::post(imports::upload_archive).layer(axum::extract::DefaultBodyLimit::max(
                touchstone_app::imports::MAX_FILE_BYTES as usize + 1024 * 1024,
            )),
        )
        .route("/imports/{id}", get(imports::show))
        .route("/imports/{id}/errors.csv", get(imports::errors_csv))
        .route("/imports/{id}/errors.xlsx", get(imports::errors_xlsx))
        .route("/enterprises/{id}/products", post(products::create))
        .route("/enterprises/{id}/products/new", get(products::new))
        .route("/products/{id}", get(products::show).post(products::update))
        .route("/catalogue", get(catalogue::page))
        .route("/catalogue/lists", post(catalogue::create_list))
        .route("/catalogue/lists/{id}", get(catalogue::list_page).post(catalogue::update_list))
        .route("/catalogue/lists/{id}/items", post(catalogue::add_item))
        .route("/catalogue/lists/{id}/items/remove", post(catalogue::remove_item))
        .route("/admin/audit", get(audit::page))
        .route("/admin/audit/export.csv", get(audit::export))
        .route("/admin/audit/export.xlsx", get(audit::export_xlsx))
        .route("/static/app.css", get(|| static_file("text/css; charset=utf-8", include_str!("../../static/app.css"))))
        .route(
            "/static/app.js",
            get(|| static_file("text/javascript; charset=utf-8", include_str!("../../static/app.js"))),
        )
        .route(
            "/static/offline.js",
            get(|| static_file("text/javascript; charset=utf-8", include_str!("../../static/offline.js"))),
        )
        .route(
            "/static/vendor/htmx.min.js",
            get(|| static_file("text/javascript; charset=utf-8", include_str!("../../static/vendor/htmx.min.js"))),
        )
}

async fn static_file(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// What the header and navigation need.
#[derive(Debug, Clone)]
pub struct Nav {
    pub signed_in: bool,
    pub display_name: String,
    pub can_manage: bool,
    pub can_read_staff: bool,
    pub can_read_audit: bool,
    pub can_read_enterprises: bool,
    /// Opens accounts for the supervised: the self-registrations to decide.
    pub can_manage_accounts: bool,
    /// A supervised-side user's own record (enterprise file, body or laboratory page).
    pub own_record: Option<String>,
    /// A certification body's users read the certificates it issued.
    pub own_certificates: bool,
    /// Reads the hazard ledger: the bureau's staff, or an enterprise's users (their own).
    pub can_read_hazards: bool,
    /// Records hazards at enterprises (officers, inspectors).
    pub can_record_hazards: bool,
    /// An enterprise's user: fills the enterprise's self-inspections.
    pub own_enterprise: bool,
    /// Unread notifications, for the badge beside the nav link (counted up to one more than
    /// `BADGE_MOST`).
    pub unread: i64,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
}

impl Nav {
    pub fn anonymous(path: &str) -> Nav {
        Nav {
            signed_in: false,
            display_name: String::new(),
            can_manage: false,
            can_read_staff: false,
            can_read_audit: false,
            can_read_enterprises: false,
            can_manage_accounts: false,
            own_record: None,
            own_certificates: false,
            can_read_hazards: false,
            can_record_hazards: false,
            own_enterprise: false,
            unread: 0,
            here: path.to_string(),
        }
    }
    pub fn of(auth: &Auth) -> Nav {
        Nav {
            signed_in: true,
            display_name: auth.actor.display_name.clone(),
            can_manage: auth.actor.can(Permission::ManageUsers),
            can_read_staff: auth.actor.can(Permission::ReadStaff),
            can_read_audit: auth.actor.can(Permission::ReadAudit),
            can_read_enterprises: auth.actor.can(Permission::ReadEnterprises),
            can_manage_accounts: auth.actor.can(Permission::ManageSupervisedAccounts),
            own_record: auth.actor.binding.map(|(kind, id)| match kind {
                BindingKind::Enterprise => format!("/enterprises/{id}"),
                BindingKind::CertificationBody => format!("/certification-bodies/{id}"),
                BindingKind::Laboratory => format!("/laboratories/{id}"),
            }),
            own_certificates: auth.actor.bound_to(BindingKind::CertificationBody).is_some(),
            can_read_hazards: auth.actor.can(Permission::ReadEnterprises)
                || auth.actor.bound_to(BindingKind::Enterprise).is_some(),
            can_record_hazards: auth.actor.can(Permission::RecordHazards),
            own_enterprise: auth.actor.own_enterprise().is_some(),
            unread: auth.unread,
            here: auth.ctx.path.clone(),
        }
    }
    /// The badge's text: the unread count, or "99+" past what it counts.
    pub fn badge(&self) -> String {
        let most = touchstone_app::notifications::BADGE_MOST;
        if self.unread > most { format!("{most}+") } else { self.unread.to_string() }
    }
    pub fn lang_href(&self, lang: &str) -> String {
        format!("/lang/{lang}?next={}", urlencode(&self.here))
    }
}

/// Messages shown above a form: the summary and the per-field errors.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    pub summary: Option<String>,
    pub fields: Vec<(String, String)>,
    pub notice: Option<String>,
}

impl Alerts {
    pub fn from_error(tr: &Tr, e: &touchstone_app::Error) -> Alerts {
        let info = ErrorInfo::from_error(e);
        Alerts {
            summary: Some(info.message(tr)),
            fields: info.fields.iter().map(|f: &FieldError| (f.field.clone(), field_message(tr, f))).collect(),
            notice: None,
        }
    }
    pub fn notice(text: String) -> Alerts {
        Alerts { notice: Some(text), ..Alerts::default() }
    }
    /// The message for one field, empty when none.
    pub fn field(&self, name: &str) -> String {
        self.fields.iter().filter(|(f, _)| f == name).map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; ")
    }
}

/// Renders a template; a template error is logged and shown as a plain 500.
pub fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Pagination and sortable column headers for a list page.
#[derive(Debug, Clone)]
pub struct Pager {
    pub total: i64,
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub label: String,
    pub href: Option<String>,
    pub arrow: &'static str,
}

impl Pager {
    /// The total as a list shows it: "10000+" when the count stopped at its cap.
    pub fn total_label(&self) -> String {
        if self.total_is_lower_bound { format!("{}+", self.total) } else { self.total.to_string() }
    }

    pub fn new<T>(
        base: &str,
        params: &ListParams,
        page: &touchstone_store::list::Page<T>,
        columns: &[(String, Option<&str>)],
    ) -> Pager {
        let pages = page.pages();
        let link = |n: i64| format!("{base}?{}", params.query_string(&[("page", n.to_string())]));
        let current_sort = params.sort.clone().unwrap_or_default();
        let desc = params.dir.as_deref() == Some("desc");
        Pager {
            total: page.total,
            total_is_lower_bound: page.total_is_lower_bound,
            page: page.page,
            pages,
            prev: (page.page > 1).then(|| link(page.page - 1)),
            next: (page.page < pages).then(|| link(page.page + 1)),
            columns: columns
                .iter()
                .map(|(label, sort)| match sort {
                    Some(s) => {
                        let active = current_sort == *s;
                        let dir = if active && !desc { "desc" } else { "asc" };
                        Column {
                            label: label.clone(),
                            href: Some(format!(
                                "{base}?{}",
                                params.query_string(&[
                                    ("sort", s.to_string()),
                                    ("dir", dir.into()),
                                    ("page", "1".into())
                                ])
                            )),
                            arrow: if !active {
                                ""
                            } else if desc {
                                " ▼"
                            } else {
                                " ▲"
                            },
                        }
                    }
                    None => Column { label: label.clone(), href: None, arrow: "" },
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    tr: Tr,
    nav: Nav,
    me: crate::api::me::Me,
    bureau_region: String,
}

async fn home(auth: Auth) -> Response {
    let me = crate::api::me::me_of(&auth);
    let bureau_region = me.organisation.as_ref().map(|o| auth.tr.region(&o.region_code)).unwrap_or_default();
    render(StatusCode::OK, &HomePage { tr: auth.tr, nav: Nav::of(&auth), me, bureau_region })
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// Only local paths: never an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn switch_language(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    axum::extract::Path(locale): axum::extract::Path<String>,
    Q(q): Q<NextParam>,
) -> WebResult<Response> {
    let locale = Locale::parse(&locale).ok_or(touchstone_app::Error::NotFound)?;
    if let Some(token) = &ctx.session_token
        && let Ok(live) = touchstone_app::auth::session(&state.app, token).await
    {
        let actor = touchstone_app::Actor::for_user(&state.app, &live.user, ctx.origin.clone()).await?;
        touchstone_app::users::set_locale(&state.app, &actor, locale.code()).await?;
    }
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", locale.code()))
    {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    nav: Nav,
    title: String,
    message: String,
    request_id: String,
}

/// The page for an error (404, 403, 409, 500, …) in the user's language.
pub fn error_page(tr: &Tr, info: &ErrorInfo, request_id: &str) -> Response {
    let title = tr.try_t(&format!("status-{}", info.status.as_u16())).unwrap_or_else(|| info.status.to_string());
    let page = ErrorPage {
        tr: *tr,
        nav: Nav::anonymous("/"),
        title,
        message: info.message(tr),
        request_id: request_id.to_string(),
    };
    render(info.status, &page)
}
