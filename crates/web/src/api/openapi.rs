//! The OpenAPI 3.1 document of the JSON API, and a readable page listing it (no external
//! viewer: nothing is fetched from a CDN).

use axum::Json;
use axum::response::{Html, IntoResponse};
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::{
    accounts, activation, attachments, audit, auth, campaigns, catalogue, certificates, documents, enterprises,
    hazards, imports, inspections, laboratories, me, notifications, organisations, products, regions, registrations,
    reports, similar, users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Touchstone API", description = "Quality and safety supervision of key industrial products: the JSON API behind every page. Errors use one envelope: {\"error\":{\"code\",\"message\",\"fields\",\"request_id\"}}. Records outside the caller's jurisdiction answer 404."),
    paths(
        auth::sign_in, auth::second_factor, auth::sign_out,
        me::me, me::change_password, me::set_locale, me::begin_enrolment, me::confirm_enrolment, me::tokens, me::create_token, me::revoke_token,
        users::list, users::get, users::create, users::update, users::lock, users::unlock, users::reset_password, users::reset_second_factor,
        organisations::list, organisations::get, organisations::create, organisations::update,
        enterprises::list, enterprises::create, enterprises::get, enterprises::unmask, enterprises::update, enterprises::complete_credit_code, enterprises::history, enterprises::own_contacts,
        certificates::list, certificates::create, certificates::get, certificates::change_status, certificates::check, certificates::bodies, certificates::create_body,
        catalogue::categories, catalogue::key_products, catalogue::effective, catalogue::lists, catalogue::create_list, catalogue::get_list,
        catalogue::update_list, catalogue::add_item, catalogue::remove_item, enterprises::timeline,
        imports::enterprises, imports::products, imports::certificates, imports::archive, imports::get, imports::errors_csv, imports::errors_xlsx,
        products::list, products::create, products::get, products::update, activation::issue, activation::claim, attachments::upload, attachments::list,
        accounts::body, accounts::body_accounts, accounts::create_body_account, accounts::laboratory_accounts, accounts::create_laboratory_account,
        laboratories::list, laboratories::create, laboratories::get, laboratories::update,
        registrations::submit, registrations::list, registrations::get, registrations::unmask, registrations::confirm, registrations::reject,
        hazards::list, hazards::create, hazards::get, hazards::step, hazards::open_at_cutoff, similar::suggest, similar::promote, similar::samples,
        inspections::list_plans, inspections::create_plan, inspections::get_plan, inspections::list, inspections::create,
        inspections::get, inspections::save, inspections::list_self, inspections::start_self, inspections::get_self,
        inspections::fill_self,
        documents::issue_for_inspection, documents::issue_for_hazard, documents::get, documents::pdf, documents::of_enterprise,
        campaigns::list, campaigns::create, campaigns::from_template, campaigns::get, campaigns::take_action,
        reports::weekly, reports::records, reports::submit, reports::submissions,
        notifications::list, notifications::read, notifications::read_all,
        audit::list, regions::list,
    ),
    modifiers(&Security),
    security(("session" = []), ("token" = [])),
    tags((name = "auth", description = "Signing in and out"), (name = "account", description = "The caller's own account"),
         (name = "users", description = "Staff administration, per bureau"), (name = "organisations", description = "Bureaus and jurisdictions"),
         (name = "enterprises", description = "The enterprise ledger (一企一档)"), (name = "certificates", description = "Certificates and certification bodies"), (name = "laboratories", description = "The laboratory registry"), (name = "accounts", description = "Accounts of certification bodies and laboratories"), (name = "catalogue", description = "Product categories and key-product lists"), (name = "imports", description = "Bulk imports"), (name = "hazards", description = "The hazard ledger (隐患台账)"), (name = "inspections", description = "On-site inspections and self-inspections"), (name = "documents", description = "Official documents printed as PDF (现场检查笔录, 责令限期整改通知书, 整改复查意见书)"), (name = "campaigns", description = "Special campaigns (专项行动)"), (name = "reports", description = "Campaign statistics and weekly reports"), (name = "audit", description = "The tamper-evident audit log"), (name = "regions", description = "GB/T 2260 regions"))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::context::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A plain page listing every operation with its parameters and responses.
pub async fn docs_page() -> Html<String> {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let mut body = String::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                body.push_str(&format!(
                    "<section class=\"op\"><h2><code class=\"method\">{}</code> <code>{}</code></h2><p>{}</p>",
                    esc(&method.to_uppercase()),
                    esc(path),
                    esc(op["summary"].as_str().or(op["description"].as_str()).unwrap_or(""))
                ));
                if let Some(params) = op["parameters"].as_array() {
                    body.push_str("<h3>Parameters</h3><ul>");
                    for p in params {
                        body.push_str(&format!(
                            "<li><code>{}</code> ({}) {}</li>",
                            esc(p["name"].as_str().unwrap_or("")),
                            esc(p["in"].as_str().unwrap_or("")),
                            esc(p["description"].as_str().unwrap_or(""))
                        ));
                    }
                    body.push_str("</ul>");
                }
                if let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() {
                    body.push_str(&format!(
                        "<p>Body: <code>{}</code></p>",
                        esc(schema.trim_start_matches("#/components/schemas/"))
                    ));
                }
                if let Some(responses) = op["responses"].as_object() {
                    let codes: Vec<String> = responses.keys().map(|k| format!("<code>{}</code>", esc(k))).collect();
                    body.push_str(&format!("<p>Responses: {}</p>", codes.join(" ")));
                }
                body.push_str("</section>");
            }
        }
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Touchstone API</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"docs\"><main>\
         <h1>Touchstone API</h1><p>{}</p><p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI {}).</p>{body}</main></body></html>",
        esc(doc["info"]["description"].as_str().unwrap_or("")),
        esc(doc["openapi"].as_str().unwrap_or(""))
    ))
}
