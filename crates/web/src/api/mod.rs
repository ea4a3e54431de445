//! The JSON API under `/api/v1` (R-EXC-1): everything the pages do, for machine clients,
//! authenticated by the session cookie or an `Authorization: Bearer` API token.

pub mod accounts;
pub mod activation;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod catalogue;
pub mod certificates;
pub mod documents;
pub mod enterprises;
pub mod hazards;
pub mod imports;
pub mod inspections;
pub mod laboratories;
pub mod me;
pub mod notifications;
pub mod openapi;
pub mod organisations;
pub mod products;
pub mod regions;
pub mod registrations;
pub mod reports;
pub mod similar;
pub mod users;

use axum::Router;
use axum::routing::{delete, get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sign-in", post(auth::sign_in))
        .route("/auth/second-factor", post(auth::second_factor))
        .route("/auth/sign-out", post(auth::sign_out))
        .route("/me", get(me::me))
        .route("/me/password", post(me::change_password))
        .route("/me/locale", post(me::set_locale))
        .route("/me/second-factor", post(me::begin_enrolment))
        .route("/me/second-factor/confirm", post(me::confirm_enrolment))
        .route("/me/tokens", get(me::tokens).post(me::create_token))
        .route("/me/tokens/{id}", delete(me::revoke_token))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get).put(users::update))
        .route("/users/{id}/lock", post(users::lock))
        .route("/users/{id}/unlock", post(users::unlock))
        .route("/users/{id}/reset-password", post(users::reset_password))
        .route("/users/{id}/reset-second-factor", post(users::reset_second_factor))
        .route("/organisations", get(organisations::list).post(organisations::create))
        .route("/organisations/{id}", get(organisations::get).put(organisations::update))
        .route("/enterprises", get(enterprises::list).post(enterprises::create))
        .route("/enterprises/{id}", get(enterprises::get).put(enterprises::update))
        .route("/enterprises/{id}/unmask", post(enterprises::unmask))
        .route("/enterprises/{id}/credit-code", post(enterprises::complete_credit_code))
        .route("/enterprises/{id}/activation-code", post(activation::issue))
        .route(
            "/enterprises/{id}/attachments",
            get(attachments::list)
                .post(attachments::upload)
                .layer(axum::extract::DefaultBodyLimit::max(touchstone_app::attachments::MAX_BYTES as usize + 1024)),
        )
        .route("/attachments/{id}/content", get(crate::ui::attachments::download))
        .route("/activate", post(activation::claim))
        .route("/enterprises/{id}/history", get(enterprises::history))
        .route("/enterprises/{id}/timeline", get(enterprises::timeline))
        .route("/me/enterprise/contacts", axum::routing::put(enterprises::own_contacts))
        .route("/certificates", get(certificates::list).post(certificates::create))
        .route("/certificates/check", get(certificates::check))
        .route("/certificates/{id}", get(certificates::get))
        .route("/certificates/{id}/status", post(certificates::change_status))
        .route("/certification-bodies", get(certificates::bodies).post(certificates::create_body))
        .route("/certification-bodies/{id}", get(accounts::body))
        .route("/certification-bodies/{id}/accounts", get(accounts::body_accounts).post(accounts::create_body_account))
        .route("/laboratories", get(laboratories::list).post(laboratories::create))
        .route("/laboratories/{id}", get(laboratories::get).put(laboratories::update))
        .route(
            "/laboratories/{id}/accounts",
            get(accounts::laboratory_accounts).post(accounts::create_laboratory_account),
        )
        .route("/registrations", get(registrations::list).post(registrations::submit))
        .route("/registrations/{id}", get(registrations::get))
        .route("/registrations/{id}/unmask", post(registrations::unmask))
        .route("/registrations/{id}/confirm", post(registrations::confirm))
        .route("/registrations/{id}/reject", post(registrations::reject))
        .route("/catalogue", get(catalogue::categories))
        .route("/key-products", get(catalogue::key_products))
        .route("/key-products/effective", get(catalogue::effective))
        .route("/key-product-lists", get(catalogue::lists).post(catalogue::create_list))
        .route("/key-product-lists/{id}", get(catalogue::get_list).put(catalogue::update_list))
        .route("/key-product-lists/{id}/items", post(catalogue::add_item))
        .route("/key-product-lists/{id}/items/{code}", delete(catalogue::remove_item))
        .route(
            "/imports/enterprises",
            post(imports::enterprises)
                .layer(axum::extract::DefaultBodyLimit::max(touchstone_app::imports::MAX_FILE_BYTES as usize + 1024)),
        )
        .route(
            "/imports/products",
            post(imports::products)
                .layer(axum::extract::DefaultBodyLimit::max(touchstone_app::imports::MAX_FILE_BYTES as usize + 1024)),
        )
        .route(
            "/imports/certificates",
            post(imports::certificates)
                .layer(axum::extract::DefaultBodyLimit::max(touchstone_app::imports::MAX_FILE_BYTES as usize + 1024)),
        )
        .route(
            "/imports/archive",
            post(imports::archive).layer(axum::extract::DefaultBodyLimit::max(
                touchstone_app::imports::MAX_FILE_BYTES as usize + 1024 * 1024,
            )),
        )
        .route("/imports/{id}", get(imports::get))
        .route("/imports/{id}/errors.csv", get(imports::errors_csv))
        .route("/imports/{id}/errors.xlsx", get(imports::errors_xlsx))
        .route("/enterprises/{id}/products", get(products::list).post(products::create))
        .route("/products/{id}", get(products::get).put(products::update))
        .route("/hazards", get(hazards::list).post(hazards::create))
        .route("/hazards/open-at-cutoff", get(hazards::open_at_cutoff))
        .route("/hazards/similar", get(similar::suggest))
        .route("/hazards/{id}/promote", post(similar::promote))
        .route("/hazard-samples", get(similar::samples))
        .route("/hazards/{id}", get(hazards::get))
        .route("/hazards/{id}/steps", post(hazards::step))
        .route("/hazards/{id}/documents", post(documents::issue_for_hazard))
        .route("/inspections/{id}/documents", post(documents::issue_for_inspection))
        .route("/documents/{id}", get(documents::get))
        .route("/documents/{id}/pdf", get(documents::pdf))
        .route("/enterprises/{id}/documents", get(documents::of_enterprise))
        .route("/inspection-plans", get(inspections::list_plans).post(inspections::create_plan))
        .route("/inspection-plans/{id}", get(inspections::get_plan))
        .route("/inspections", get(inspections::list).post(inspections::create))
        .route("/inspections/{id}", get(inspections::get).put(inspections::save))
        .route("/self-inspections", get(inspections::list_self).post(inspections::start_self))
        .route("/self-inspections/{id}", get(inspections::get_self).put(inspections::fill_self))
        .route("/campaigns", get(campaigns::list).post(campaigns::create))
        .route("/campaigns/from-template", post(campaigns::from_template))
        .route("/campaigns/{id}", get(campaigns::get))
        .route("/campaigns/{id}/actions", post(campaigns::take_action))
        .route("/campaigns/{id}/weekly-report", get(reports::weekly))
        .route("/campaigns/{id}/weekly-report/records", get(reports::records))
        .route("/campaigns/{id}/weekly-reports", get(reports::submissions).post(reports::submit))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read-all", post(notifications::read_all))
        .route("/notifications/{id}/read", post(notifications::read))
        .route("/audit", get(audit::list))
        .route("/regions", get(regions::list))
}

/// One page of a list.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Rows the filter matched, counted up to 10,000.
    pub total: i64,
    /// True when more than `total` rows matched (narrow the filter, or export them all).
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub per_page: i64,
}

impl<T> From<touchstone_store::list::Page<T>> for Page<T> {
    fn from(p: touchstone_store::list::Page<T>) -> Self {
        Page {
            items: p.items,
            total: p.total,
            total_is_lower_bound: p.total_is_lower_bound,
            page: p.page,
            per_page: p.per_page,
        }
    }
}
