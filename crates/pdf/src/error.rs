//! What can go wrong: bad data (naming the field), a character no loaded font has, a font
//! file that cannot be read, or a template bug.

use std::path::PathBuf;

/// Why a document was not rendered. The data errors (`Invalid`, `MissingGlyph`) name the
/// field by its path in the serialized data (`enterprise.name`, `officers[1].name`,
/// `rows[3][2].text`), so callers can map them onto their own validation errors with
/// [`PdfError::field`] and [`PdfError::code`].
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The data does not make a valid document of its kind.
    #[error("{field}: {message}")]
    Invalid { field: String, code: &'static str, message: String },
    /// A character that none of the loaded fonts can draw: rendering it would print a box.
    #[error(
        "{field}: the character {character:?} (U+{code_point:04X}) is in none of the loaded fonts; \
         put a font that has it (e.g. the full Noto Sans SC or Noto Sans CJK) in the font directory"
    )]
    MissingGlyph { field: String, character: char, code_point: u32 },
    /// A file in the font directory could not be read or holds no usable face.
    #[error("font {path}: {message}")]
    Font { path: PathBuf, message: String },
    /// typst refused the template: a bug in this crate, not in the data.
    #[error("typst: {0}")]
    Typst(String),
}

impl PdfError {
    pub(crate) fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        PdfError::Invalid { field: field.into(), code, message: message.into() }
    }

    /// The data field at fault, for the two data errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            PdfError::Invalid { field, .. } | PdfError::MissingGlyph { field, .. } => Some(field),
            _ => None,
        }
    }

    /// A stable code for the two data errors (`char_not_in_font`, `too_few_officers`, …).
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Invalid { code, .. } => code,
            PdfError::MissingGlyph { .. } => "char_not_in_font",
            PdfError::Font { .. } => "font_unreadable",
            PdfError::Typst(_) => "template_failed",
        }
    }
}
