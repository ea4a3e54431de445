//! List parameters shared by the JSON API and the pages: filter, sort (whitelisted columns),
//! page. Exports of whole lists are in `export`.

use axum::response::Response;
use serde::Deserialize;
use touchstone_app::Error;
use touchstone_store::list::Window;

use crate::error::WebError;

/// Query parameters every list understands, plus the per-list filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Free-text filter.
    pub q: Option<String>,
    /// Filter: role code (users), action (audit).
    pub role: Option<String>,
    /// Filter: bureau id (users).
    pub organisation_id: Option<String>,
    /// Filter: `true` for locked accounts only (users).
    pub locked: Option<String>,
    /// Filter: region code (bureaus).
    pub region_code: Option<String>,
    /// Filter: actor name contains (audit).
    pub actor: Option<String>,
    /// Filter: entity type (audit).
    pub entity_type: Option<String>,
    /// Filter: entity id (audit).
    pub entity_id: Option<String>,
    /// Filter: action (audit).
    pub action: Option<String>,
    /// Filter: from this date, YYYY-MM-DD, China time (audit).
    pub from: Option<String>,
    /// Filter: up to and including this date, YYYY-MM-DD (audit).
    pub to: Option<String>,
    /// Filter: operating status (enterprises).
    pub status: Option<String>,
    /// Filter: scale (enterprises).
    pub scale: Option<String>,
    /// Filter: product-category code (enterprises).
    pub category: Option<String>,
    /// Filter: certificate kind.
    pub kind: Option<String>,
    /// Filter: `true` for valid certificates expiring within 90 days.
    pub expiring: Option<String>,
    /// Filter: the holding enterprise's id (certificates).
    pub holder_id: Option<String>,
    /// Filter: hazard level, `general` or `major`.
    pub level: Option<String>,
    /// Filter: hazard source (self_inspection, inspection, spot_check…).
    pub source: Option<String>,
    /// Filter: the campaign's id (hazards).
    pub campaign_id: Option<String>,
    /// Filter: the enterprise's id (hazards).
    pub enterprise_id: Option<String>,
    /// Filter: the record a hazard was found in (a self-inspection, an inspection…).
    pub source_id: Option<String>,
    /// Filter: the inspection plan's id (inspections).
    pub plan_id: Option<String>,
    /// Filter: `true` for archived inspections only, `false` for live ones.
    pub archived: Option<String>,
    /// Filter: `true` for self-inspections reporting a major risk.
    pub major_risk: Option<String>,
    /// Filter: `true` for hazards overdue today.
    pub overdue: Option<String>,
    /// Filter: `true` for evidence waiting longer than the review time (hazards).
    pub review_late: Option<String>,
    /// Filter: `true` for hazards escalated to the caller's bureau.
    pub escalated_to_me: Option<String>,
    /// Filter: `true` for unread notifications only.
    pub unread: Option<String>,
    /// Column to sort by.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ListParams {
    pub fn text(&self, v: &Option<String>) -> Option<String> {
        blank(v).map(String::from)
    }

    pub fn uuid(&self, field: &str, v: &Option<String>) -> Result<Option<uuid::Uuid>, WebError> {
        blank(v)
            .map(|s| {
                uuid::Uuid::parse_str(s).map_err(|_| WebError(Error::field(field, "invalid_id", "not a valid id")))
            })
            .transpose()
    }

    pub fn flag(&self, field: &str, v: &Option<String>) -> Result<Option<bool>, WebError> {
        match blank(v) {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(_) => Err(WebError(Error::field(field, "invalid_choice", "true or false"))),
        }
    }

    pub fn date(&self, field: &str, v: &Option<String>, end_of_day: bool) -> Result<Option<i64>, WebError> {
        blank(v)
            .map(|s| {
                touchstone_domain::time::Timestamp::parse_china_date(s)
                    .map(|t| if end_of_day { t.plus_seconds(86_400) } else { t }.as_micros())
                    .ok_or_else(|| WebError(Error::field(field, "invalid_date", "a date like 2026-11-23")))
            })
            .transpose()
    }

    /// The window: `sort` must be one of `allowed` (name → column), else the first is used.
    pub fn window(&self, allowed: &[(&str, &'static str)], default_desc: bool) -> Result<Window, WebError> {
        let sort = match blank(&self.sort) {
            None => allowed[0].1,
            Some(s) => allowed.iter().find(|(name, _)| *name == s).map(|(_, c)| *c).ok_or_else(|| {
                WebError(Error::field(
                    "sort",
                    "invalid_choice",
                    format!("one of {}", allowed.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")),
                ))
            })?,
        };
        let descending = match blank(&self.dir) {
            None => default_desc && blank(&self.sort).is_none(),
            Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(WebError(Error::field("dir", "invalid_choice", "asc or desc"))),
        };
        let number = |field: &str, v: &Option<String>, default: i64| -> Result<i64, WebError> {
            match blank(v) {
                None => Ok(default),
                Some(s) => s
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| WebError(Error::field(field, "invalid_number", "a whole number of at least 1"))),
            }
        };
        Ok(Window {
            sort,
            descending,
            page: number("page", &self.page, 1)?,
            per_page: number("per_page", &self.per_page, 50)?.min(Window::MAX_PER_PAGE),
        })
    }

    /// The same parameters as a query string, for pagination and sort links.
    pub fn query_string(&self, overrides: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("q", &self.q),
            ("role", &self.role),
            ("organisation_id", &self.organisation_id),
            ("locked", &self.locked),
            ("region_code", &self.region_code),
            ("actor", &self.actor),
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("scale", &self.scale),
            ("category", &self.category),
            ("kind", &self.kind),
            ("expiring", &self.expiring),
            ("holder_id", &self.holder_id),
            ("campaign_id", &self.campaign_id),
            ("plan_id", &self.plan_id),
            ("enterprise_id", &self.enterprise_id),
            ("archived", &self.archived),
            ("major_risk", &self.major_risk),
            ("sort", &self.sort),
            ("dir", &self.dir),
            ("page", &self.page),
            ("per_page", &self.per_page),
        ]
        .into_iter()
        .filter_map(|(k, v)| blank(v).map(|v| (k, v.to_string())))
        .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
        .collect();
        pairs.extend(overrides.iter().cloned());
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            ser.append_pair(k, &v);
        }
        ser.finish()
    }
}

/// A small table already in memory (an import's error report) as an XLSX download named
/// `file_name`, through the export writer.
pub fn xlsx_response(file_name: &str, header_row: Vec<String>, rows: Vec<Vec<String>>) -> Response {
    crate::export::table(file_name.trim_end_matches(".xlsx"), true, header_row, rows)
}
