//! Checks done before typst runs: the document's shape (two officers, a table's columns
//! adding up) and that every character of the data is in a loaded font, so a name typst
//! cannot draw is an error naming the field and the character, never a box on paper.

use serde_json::Value;

use crate::error::PdfError;
use crate::fonts::Fonts;
use crate::model::{Document, HeaderCell, Table};

/// Characters that need no glyph: line breaks and tabs, and the invisible "default
/// ignorable" ones text pasted from office software carries (zero-width space and joiners,
/// direction marks, the BOM, soft hyphen, variation selectors), which shaping hides.
fn needs_no_glyph(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\t'
            | '\u{AD}'
            | '\u{34F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The first character of `data` (in field order) that no loaded font covers.
pub(crate) fn glyphs(data: &Value, fonts: &Fonts) -> Result<(), PdfError> {
    walk(data, &mut String::new(), &mut |path, s| match s.chars().find(|&c| !needs_no_glyph(c) && !fonts.covers(c)) {
        Some(c) => Err(PdfError::MissingGlyph { field: path.to_owned(), character: c, code_point: c as u32 }),
        None => Ok(()),
    })
}

fn walk(v: &Value, path: &mut String, f: &mut dyn FnMut(&str, &str) -> Result<(), PdfError>) -> Result<(), PdfError> {
    match v {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, f)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                walk(item, path, f)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// The rules a document of each kind must meet to be printable.
pub(crate) fn shape(doc: &Document) -> Result<(), PdfError> {
    match doc {
        Document::InspectionRecord(r) => {
            // R-INSP-3: an inspection has at least two officers, and both sign the record.
            if r.officers.len() < 2 {
                return Err(PdfError::invalid(
                    "officers",
                    "too_few_officers",
                    format!("an inspection record needs at least two officers, got {}", r.officers.len()),
                ));
            }
            Ok(())
        }
        Document::RectificationOrder(o) => non_empty("hazards", o.hazards.len(), "an order lists at least one hazard"),
        Document::ReviewOpinion(o) => {
            non_empty("hazards", o.hazards.len(), "a review opinion names at least one hazard")?;
            non_empty("reviewers", o.reviewers.len(), "a review opinion names its reviewing officer")
        }
        Document::Table(t) => table(t),
    }
}

fn non_empty(field: &str, len: usize, message: &str) -> Result<(), PdfError> {
    if len == 0 { Err(PdfError::invalid(field, "required", message)) } else { Ok(()) }
}

/// The header rows must tile a rectangle (spans included); every body and totals row has
/// exactly that many cells; widths, when given, one per column.
fn table(t: &Table) -> Result<(), PdfError> {
    let columns = header_columns(&t.header)?;
    for (i, row) in t.rows.iter().enumerate() {
        row_width(&format!("rows[{i}]"), row.len(), columns)?;
    }
    if let Some(totals) = &t.totals {
        row_width("totals", totals.len(), columns)?;
    }
    if !t.column_widths.is_empty() {
        if t.column_widths.len() != columns {
            return Err(PdfError::invalid(
                "column_widths",
                "wrong_width_count",
                format!("{} widths for {columns} columns", t.column_widths.len()),
            ));
        }
        if let Some(i) = t.column_widths.iter().position(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(PdfError::invalid(
                format!("column_widths[{i}]"),
                "bad_width",
                "a column width is a positive number",
            ));
        }
    }
    Ok(())
}

fn row_width(field: &str, len: usize, columns: usize) -> Result<(), PdfError> {
    if len == columns {
        Ok(())
    } else {
        Err(PdfError::invalid(field, "wrong_cell_count", format!("{len} cells, but the header has {columns} columns")))
    }
}

/// The number of columns the header rows define, checking they fill a full rectangle.
fn header_columns(header: &[Vec<HeaderCell>]) -> Result<usize, PdfError> {
    let Some(first) = header.first() else {
        return Err(PdfError::invalid("header", "required", "a table has at least one header row"));
    };
    let columns: usize = first.iter().map(|c| c.colspan).sum();
    if columns == 0 {
        return Err(PdfError::invalid("header[0]", "required", "the first header row has no cells"));
    }
    let mut taken = vec![vec![false; columns]; header.len()];
    for (r, row) in header.iter().enumerate() {
        let mut col = 0;
        for (i, cell) in row.iter().enumerate() {
            let field = format!("header[{r}][{i}]");
            if cell.colspan == 0 || cell.rowspan == 0 {
                return Err(PdfError::invalid(field, "bad_span", "spans are at least 1"));
            }
            while col < columns && taken[r][col] {
                col += 1;
            }
            if col + cell.colspan > columns || r + cell.rowspan > header.len() {
                return Err(PdfError::invalid(field, "bad_span", "the cell reaches past the header"));
            }
            for row_taken in &mut taken[r..r + cell.rowspan] {
                for slot in &mut row_taken[col..col + cell.colspan] {
                    if *slot {
                        return Err(PdfError::invalid(field, "bad_span", "the cell overlaps another"));
                    }
                    *slot = true;
                }
            }
            col += cell.colspan;
        }
        if taken[r].iter().any(|t| !t) {
            return Err(PdfError::invalid(
                format!("header[{r}]"),
                "wrong_cell_count",
                format!("the header row does not cover all {columns} columns"),
            ));
        }
    }
    Ok(columns)
}
