//! Page form bodies read as name/value pairs, for forms with repeated names (checkboxes) and
//! indexed names named as the JSON API names its fields (`answers[3].plan`,
//! `findings[0].level`); a body may be URL-encoded or, when it carries photos from the phone's
//! camera, multipart.

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use touchstone_app::Error;
use touchstone_domain::{FieldError, ValidationErrors};

use super::imports::{Field, save_upload};
use crate::AppState;
use crate::error::WebResult;
use crate::extract::PageForm;

/// The fields of a submitted form, in order.
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    /// The first value of `name` as sent (multi-line text keeps its lines).
    pub fn raw(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// `Some(value)` when `name` was sent non-blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name` (checkboxes, hidden lists).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }

    /// The indices `i` of the fields named `list[i].…`.
    pub fn indices(&self, list: &str) -> BTreeSet<usize> {
        let prefix = format!("{list}[");
        self.0
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(&prefix)?.split_once("].")?.0.parse().ok())
            .filter(|i| *i < 1000)
            .collect()
    }

    /// The value of `list[i].field`, trimmed.
    pub fn at(&self, list: &str, i: usize, field: &str) -> String {
        self.get(&format!("{list}[{i}].{field}"))
    }
}

/// Renames the indexed fields of a validation error from the positions the use case saw
/// (`list[k].x`, `list[k]`) to the rows of the form they came from (`list[rows[k]].x`).
pub fn reindex(e: Error, list: &str, rows: &[usize]) -> Error {
    let Error::Validation(ValidationErrors(fields)) = e else { return e };
    let prefix = format!("{list}[");
    let fields = fields
        .into_iter()
        .map(|f| {
            let renamed = f.field.strip_prefix(&prefix).and_then(|rest| {
                let (k, tail) = rest.split_once(']')?;
                let row = rows.get(k.parse::<usize>().ok()?)?;
                Some(format!("{list}[{row}]{tail}"))
            });
            FieldError { field: renamed.unwrap_or(f.field), ..f }
        })
        .collect();
    Error::Validation(ValidationErrors(fields))
}

/// A file sent with the form, saved to a temporary place.
#[derive(Debug)]
pub struct Upload {
    pub path: PathBuf,
    pub file_name: String,
}

/// Reads a form body, URL-encoded or multipart; the non-empty files of the multipart field
/// `file_field` are saved (at most `max_bytes` each) and returned.
pub async fn read(state: &AppState, req: Request, file_field: &str, max_bytes: u64) -> WebResult<(Pairs, Vec<Upload>)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let PageForm(pairs) = PageForm::<Vec<(String, String)>>::from_request(req, state).await?;
        return Ok((Pairs(pairs), Vec::new()));
    }
    let mut form =
        Multipart::from_request(req, state).await.map_err(|e| Error::field("body", "invalid_form", e.body_text()))?;
    let mut pairs = Vec::new();
    let mut uploads = Vec::new();
    let read: WebResult<()> = async {
        while let Some(field) =
            form.next_field().await.map_err(|e| Error::field("body", "invalid_form", e.body_text()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if name == file_field {
                let file_name = field.file_name().unwrap_or_default().to_string();
                if file_name.is_empty() {
                    continue;
                }
                let path = save_upload(state, "uploads", &file_name, None, max_bytes, Field(field)).await?;
                if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0 {
                    let _ = std::fs::remove_file(&path);
                    continue;
                }
                uploads.push(Upload { path, file_name });
            } else {
                let value = field.text().await.map_err(|e| Error::field(&name, "invalid_form", e.body_text()))?;
                pairs.push((name, value));
            }
        }
        Ok(())
    }
    .await;
    match read {
        Ok(()) => Ok((Pairs(pairs), uploads)),
        Err(e) => {
            discard(uploads);
            Err(e)
        }
    }
}

/// Removes files saved from a form that will not be used.
pub fn discard(uploads: Vec<Upload>) {
    for u in uploads {
        let _ = std::fs::remove_file(&u.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_fields_are_found_and_errors_renamed_to_the_rows_they_came_from() {
        let p = Pairs(vec![
            ("answers[0].result".into(), "pass".into()),
            ("answers[3].plan".into(), " 补齐 ".into()),
            ("officers".into(), "a".into()),
            ("officers".into(), "".into()),
            ("officers".into(), "b".into()),
        ]);
        assert_eq!(p.indices("answers").into_iter().collect::<Vec<_>>(), vec![0, 3]);
        assert_eq!(p.at("answers", 3, "plan"), "补齐");
        assert_eq!(p.all("officers"), vec!["a", "b"]);
        let mut errors = ValidationErrors::new();
        errors.add("answers[1].plan", "required", "x");
        errors.add("answers[0]", "x", "x");
        errors.add("answers", "incomplete", "x");
        let Error::Validation(ValidationErrors(f)) = reindex(Error::Validation(errors), "answers", &[0, 3]) else {
            panic!("still a validation error")
        };
        let names: Vec<&str> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, vec!["answers[3].plan", "answers[0]", "answers"]);
    }
}
