//! The enterprise file as one timeline of dated events (R-ENT-3), filterable by kind and date
//! range. Every capability that hangs records on the file adds a `Source` to `SOURCES` (and
//! its kind to `KINDS`) and returns `TimelineEvent`s: the page and the API show them without
//! reshaping. Today: changes of the record, certificate status changes, attachments; the
//! inspection, hazard and risk kinds are reserved for the capabilities that will fill them.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use touchstone_domain::role::Permission;
use touchstone_domain::time::Timestamp;
use touchstone_store::enterprises::{self as enterprise_store, EnterpriseRow, Visibility};
use touchstone_store::timeline::{self as store, Span};

use crate::enterprises::FieldChange;
use crate::{Actor, App, Error, Result};

/// Every kind of event the file knows, in display order.
pub const KINDS: &[&str] = &["change", "certificate_status", "attachment", "inspection", "hazard", "risk"];

/// The most events one timeline answers (the newest); narrow the filter for older ones.
pub const MAX_EVENTS: usize = 500;

/// Actions of the record's own history that other kinds show (or that are reads, not changes).
const SHOWN_ELSEWHERE: &[&str] = &["enterprise.unmask", "enterprise.attachment", "certificate.create"];

/// One dated event on the enterprise file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEvent {
    /// When it happened (recorded), microseconds since the epoch.
    pub at: i64,
    /// One of `KINDS`.
    pub kind: String,
    /// What happened, as a stable code the pages label: an audit action such as
    /// `enterprise.update`, `certificate.status`, `attachment.add`.
    pub action: String,
    /// What it concerns, as data: a certificate number, a file name; empty for the record itself.
    pub title: String,
    /// Free text: a reason, a note, an effective date.
    pub detail: String,
    /// Where the concerned record lives, when it has a page of its own.
    pub link: Option<String>,
    /// Who did it.
    pub actor: String,
    /// Field-by-field differences, personal data masked (changes and status changes).
    pub changes: Vec<FieldChange>,
}

/// Which events to show: kinds (empty: all) and a recorded-time window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    pub kinds: Vec<String>,
    pub span: Span,
}

impl TimelineFilter {
    /// Parses kinds (each one of `KINDS`, comma-separated or repeated) and China dates
    /// `YYYY-MM-DD`, `to` inclusive; bad input names its field.
    pub fn parse(kinds: &[String], from: Option<&str>, to: Option<&str>) -> Result<TimelineFilter> {
        let mut wanted: Vec<String> = Vec::new();
        for k in kinds.iter().flat_map(|k| k.split(',')).map(str::trim).filter(|k| !k.is_empty()) {
            if !KINDS.contains(&k) {
                return Err(Error::field(
                    "kind",
                    "invalid_choice",
                    format!("{k:?} is not one of {}", KINDS.join(", ")),
                ));
            }
            if !wanted.iter().any(|w| w == k) {
                wanted.push(k.to_string());
            }
        }
        let date = |field: &str, v: Option<&str>, end: bool| -> Result<Option<i64>> {
            match v.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => Timestamp::parse_china_date(s)
                    .map(|t| Some(if end { t.plus_seconds(86_400) } else { t }.as_micros()))
                    .ok_or_else(|| Error::field(field, "invalid_date", "a date like 2026-11-23")),
            }
        };
        let span = Span { from: date("from", from, false)?, to: date("to", to, true)? };
        if let (Some(f), Some(t)) = (span.from, span.to)
            && t <= f
        {
            return Err(Error::field("to", "before_from", "the end date must not come before the start date"));
        }
        Ok(TimelineFilter { kinds: wanted, span })
    }

    pub fn wants(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }
}

/// The events matching a filter, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub events: Vec<TimelineEvent>,
    /// True when more than `MAX_EVENTS` matched and only the newest are here.
    pub truncated: bool,
}

type Events<'a> = Pin<Box<dyn Future<Output = Result<Vec<TimelineEvent>>> + Send + 'a>>;

/// Where one kind of event comes from.
struct Source {
    kind: &'static str,
    events: for<'a> fn(&'a App, &'a Actor, &'a EnterpriseRow, Span) -> Events<'a>,
}

/// The kinds with a source, in display order. Later capabilities add theirs here.
const SOURCES: &[Source] = &[
    Source { kind: "change", events: |app, actor, e, span| Box::pin(changes(app, actor, e, span)) },
    Source { kind: "certificate_status", events: |app, _, e, span| Box::pin(certificate_statuses(app, e, span)) },
    Source { kind: "attachment", events: |app, _, e, span| Box::pin(attachments(app, e, span)) },
];

/// The kinds that have events today (for the page's filter).
pub fn available_kinds() -> Vec<&'static str> {
    SOURCES.iter().map(|s| s.kind).collect()
}

async fn changes(app: &App, actor: &Actor, e: &EnterpriseRow, span: Span) -> Result<Vec<TimelineEvent>> {
    Ok(crate::enterprises::history(app, actor, e.id)
        .await?
        .into_iter()
        .filter(|h| span.contains(h.at) && !SHOWN_ELSEWHERE.contains(&h.action.as_str()))
        .map(|h| TimelineEvent {
            at: h.at,
            kind: "change".into(),
            action: h.action,
            title: String::new(),
            detail: String::new(),
            link: None,
            actor: h.actor,
            changes: h.changes,
        })
        .collect())
}

async fn certificate_statuses(app: &App, e: &EnterpriseRow, span: Span) -> Result<Vec<TimelineEvent>> {
    Ok(store::certificate_statuses(&app.db, e.id, span, MAX_EVENTS as i64 + 1)
        .await?
        .into_iter()
        .map(|s| {
            let h = s.change;
            TimelineEvent {
                at: h.changed_at,
                kind: "certificate_status".into(),
                action: "certificate.status".into(),
                title: s.number,
                detail: format!("{} {}", h.effective_on, h.reason),
                link: Some(format!("/certificates/{}", h.certificate_id)),
                actor: h.changed_by,
                changes: vec![FieldChange {
                    field: "certificate_status".into(),
                    before: h.from_status.map(serde_json::Value::String).unwrap_or(serde_json::Value::Null),
                    after: serde_json::Value::String(h.to_status),
                }],
            }
        })
        .collect())
}

async fn attachments(app: &App, e: &EnterpriseRow, span: Span) -> Result<Vec<TimelineEvent>> {
    Ok(store::attachments(&app.db, e.id, span, MAX_EVENTS as i64 + 1)
        .await?
        .into_iter()
        .map(|a| TimelineEvent {
            at: a.uploaded_at,
            kind: "attachment".into(),
            action: "attachment.add".into(),
            title: a.file_name,
            detail: a.note.unwrap_or_default(),
            link: Some(format!("/attachments/{}", a.id)),
            actor: a.uploaded_by,
            changes: Vec::new(),
        })
        .collect())
}

/// The file's timeline: 404 when the enterprise is absent or outside the jurisdiction; an
/// enterprise's own users see their own.
pub async fn of_enterprise(app: &App, actor: &Actor, id: uuid::Uuid, filter: &TimelineFilter) -> Result<Timeline> {
    if actor.own_enterprise().is_none() {
        actor.require(Permission::ReadEnterprises, "reading enterprises")?;
    }
    let v = Visibility { regions: &actor.regions, own: actor.own_enterprise() };
    let e = enterprise_store::get(&app.db, &v, id).await?.ok_or(Error::NotFound)?;
    let mut events = Vec::new();
    for source in SOURCES.iter().filter(|s| filter.wants(s.kind)) {
        events.extend((source.events)(app, actor, &e, filter.span).await?);
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    let truncated = events.len() > MAX_EVENTS;
    events.truncate(MAX_EVENTS);
    Ok(Timeline { events, truncated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_takes_comma_separated_or_repeated_kinds_and_names_a_bad_field() {
        let f = TimelineFilter::parse(&["change,attachment".into(), "change".into()], None, None).expect("parses");
        assert_eq!(f.kinds, ["change", "attachment"]);
        assert!(f.wants("attachment") && !f.wants("certificate_status"));
        assert!(TimelineFilter::default().wants("hazard"), "no kinds: every kind");
        let field = |r: Result<TimelineFilter>| match r {
            Err(Error::Validation(v)) => v.0[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(field(TimelineFilter::parse(&["gossip".into()], None, None)), "kind");
        assert_eq!(field(TimelineFilter::parse(&[], Some("2026-13-01"), None)), "from");
        assert_eq!(field(TimelineFilter::parse(&[], Some("2026-05-02"), Some("2026-05-01"))), "to");
        let day = TimelineFilter::parse(&[], Some("2026-05-01"), Some("2026-05-01")).expect("one day");
        assert_eq!(day.span.to.zip(day.span.from).map(|(t, f)| t - f), Some(86_400_000_000));
    }

    #[test]
    fn every_source_is_a_known_kind() {
        for kind in available_kinds() {
            assert!(KINDS.contains(&kind), "{kind}");
        }
    }
}
