//! The dated records of one enterprise that its file's timeline gathers (R-ENT-3), each query
//! bounded by a time window and a row limit so the file stays fast on a large ledger. The
//! caller has checked that the actor may read the enterprise.

use serde::Serialize;
use uuid::Uuid;

use crate::{Arg, Db, StoreError, args};

/// A time window `[from, to)` in microseconds; open ends when `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Span {
    pub fn contains(&self, at: i64) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at < t)
    }

    /// ` AND column >= ? AND column < ?` for the ends that are set, with their arguments.
    fn sql(&self, column: &str, args: &mut Vec<Arg>) -> String {
        let mut out = String::new();
        if let Some(f) = self.from {
            out.push_str(&format!(" AND {column} >= ?"));
            args.push(Arg::from(f));
        }
        if let Some(t) = self.to {
            out.push_str(&format!(" AND {column} < ?"));
            args.push(Arg::from(t));
        }
        out
    }
}

/// One status change of one of the enterprise's certificates, with the certificate's number.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CertificateStatusEvent {
    #[sqlx(flatten)]
    pub change: crate::certificates::StatusChangeRow,
    pub number: String,
    pub kind: String,
}

/// Status changes of the certificates `holder_id` holds, newest first.
pub async fn certificate_statuses(
    db: &Db,
    holder_id: Uuid,
    span: Span,
    limit: i64,
) -> Result<Vec<CertificateStatusEvent>, StoreError> {
    let mut args = args![holder_id];
    let window = span.sql("h.changed_at", &mut args);
    db.fetch_all(
        &format!(
            "SELECT h.id, h.certificate_id, h.from_status, h.to_status, h.reason, h.effective_on, h.changed_at, h.changed_by, \
             c.number, c.kind FROM certificate_status_history h JOIN certificates c ON c.id = h.certificate_id \
             WHERE c.holder_id = ?{window} ORDER BY h.changed_at DESC, h.id DESC LIMIT {limit}"
        ),
        args,
    )
    .await
}

/// Attachments added to the enterprise's file, newest first.
pub async fn attachments(
    db: &Db,
    enterprise_id: Uuid,
    span: Span,
    limit: i64,
) -> Result<Vec<crate::attachments::AttachmentRow>, StoreError> {
    let mut args = args![enterprise_id];
    let window = span.sql("a.uploaded_at", &mut args);
    db.fetch_all(
        &format!(
            "SELECT {} FROM attachments a WHERE a.enterprise_id = ?{window} ORDER BY a.uploaded_at DESC, a.id DESC LIMIT {limit}",
            crate::attachments::COLUMNS
        ),
        args,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_is_half_open_and_renders_only_its_set_ends() {
        let span = Span { from: Some(10), to: Some(20) };
        assert!(span.contains(10) && span.contains(19) && !span.contains(20) && !span.contains(9));
        assert!(Span::default().contains(i64::MIN));
        let mut args = Vec::new();
        assert_eq!(Span { from: None, to: Some(5) }.sql("x.at", &mut args), " AND x.at < ?");
        assert_eq!(args, vec![Arg::I64(Some(5))]);
    }
}
