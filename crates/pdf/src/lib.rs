//! Touchstone's official documents (现场检查笔录, 责令限期整改通知书, 整改复查意见书) and
//! report tables rendered to PDF with correct Chinese, using typst as a library.
//!
//! This is a leaf crate: it depends on no other touchstone crate and nothing but it depends
//! on typst, so editing the rest of the workspace never rebuilds the typst tree. Callers
//! fill plain serde structs ([`Document`]) with strings already formatted for print (dates
//! as `2026年3月5日`, numbers as `1,234`) and get PDF bytes back.
//!
//! ```no_run
//! use touchstone_pdf::{Document, Renderer, Table, HeaderCell, Cell};
//!
//! // Once, at start-up (parses the fonts: keep it in the application state, it is Sync).
//! let renderer = Renderer::new(Some(std::path::Path::new("/etc/touchstone/fonts")))?;
//! let table = Table {
//!     title: "专项行动周报".into(),
//!     header: vec![vec![HeaderCell::new("地区"), HeaderCell::new("隐患数")]],
//!     rows: vec![vec![Cell::text("章贡区"), Cell::number(12)]],
//!     ..Table::default()
//! };
//! let pdf: Vec<u8> = renderer.render(&Document::Table(table))?;
//! # Ok::<(), touchstone_pdf::PdfError>(())
//! ```
//!
//! - **Blocking work.** A render takes ~10 ms of CPU for a letter and ~100 ms for a 200-row
//!   table (release; `examples/render_time.rs` measures it): from async
//!   code call it inside `tokio::task::spawn_blocking` (ARCHITECTURE pitfall 14), moving an
//!   `Arc<Renderer>` in.
//! - **Fonts.** A GB2312 subset of Noto Sans SC (regular and bold, OFL, see `fonts/README.md`)
//!   is compiled in, so a fresh machine needs nothing installed. Every TTF/OTF/TTC in the
//!   directory given to [`Renderer::new`] is loaded too, when the directory exists, and its
//!   families are preferred: put a full CJK font there for names beyond GB2312. WOFF/WOFF2
//!   files are refused with an error, since typst reads no face from them.
//! - **Errors, never boxes.** Before typst runs, every character of the data is checked against
//!   the loaded fonts; one that no font has gives [`PdfError::MissingGlyph`] naming the field
//!   (`enterprise.name`) and the character. Shape rules (two officers on an inspection record,
//!   a table's columns adding up) give [`PdfError::Invalid`]. Both carry `field()` and `code()`
//!   for mapping onto the app's validation errors.
//! - **No injection.** The data reaches the templates as JSON (`json("/data.json")`), never as
//!   typst markup: `#`, `*`, `$`, `[`, `\` in a name print as themselves.

mod check;
mod error;
mod fonts;
mod model;
pub mod samples;
mod world;

use std::path::Path;

use typst::Library;
use typst::LibraryExt;
use typst::foundations::{Bytes, Smart};
use typst::utils::LazyHash;
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

pub use error::PdfError;
pub use fonts::BUILTIN_FAMILY;
pub use model::{
    Cell, ChecklistResult, Document, Enterprise, HazardItem, HeaderCell, InspectionRecord, Officer, Person,
    RectificationOrder, ReviewConclusion, ReviewOpinion, Table,
};

/// Renders documents. Built once (fonts parsed, templates parsed, typst's library set up)
/// and shared: it is `Send + Sync`, and renders may run on several threads at once.
pub struct Renderer {
    library: LazyHash<Library>,
    fonts: fonts::Fonts,
    templates: world::Templates,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("families", &self.fonts.families).finish_non_exhaustive()
    }
}

impl Renderer {
    /// The committed subset plus every font in `font_dir` when that directory exists (a
    /// configured directory that is missing is not an error: the subset alone is used).
    pub fn new(font_dir: Option<&Path>) -> Result<Self, PdfError> {
        Ok(Renderer {
            library: LazyHash::new(Library::default()),
            fonts: fonts::Fonts::load(font_dir)?,
            templates: world::Templates::parse(),
        })
    }

    /// The font families the documents use, in order of preference.
    pub fn families(&self) -> &[String] {
        &self.fonts.families
    }

    /// Checks `doc` without rendering it: its shape, then that every character of every
    /// field is in a loaded font.
    pub fn check(&self, doc: &Document) -> Result<(), PdfError> {
        check::shape(doc)?;
        check::glyphs(&fields(doc)?, &self.fonts)
    }

    /// Renders `doc` to PDF bytes. CPU-bound: call from `spawn_blocking` in async code.
    pub fn render(&self, doc: &Document) -> Result<Vec<u8>, PdfError> {
        self.render_with_warnings(doc).map(|(pdf, _)| pdf)
    }

    /// As [`Renderer::render`], also returning typst's warnings (tests assert there are none).
    #[doc(hidden)]
    pub fn render_with_warnings(&self, doc: &Document) -> Result<(Vec<u8>, Vec<String>), PdfError> {
        check::shape(doc)?;
        let fields = fields(doc)?;
        check::glyphs(&fields, &self.fonts)?;
        let data = serde_json::json!({ "fonts": self.fonts.families, "doc": fields });
        let data = serde_json::to_vec(&data).map_err(|e| PdfError::Typst(e.to_string()))?;
        let world = world::RenderWorld {
            library: &self.library,
            fonts: &self.fonts,
            templates: &self.templates,
            main: world::file_id(&format!("/{}.typ", doc.kind())),
            data_id: world::file_id(world::DATA_PATH),
            data: Bytes::new(data),
        };
        let compiled = typst::compile::<PagedDocument>(&world);
        let warnings = compiled.warnings.iter().map(|w| w.message.to_string()).collect();
        let result = compiled.output.map_err(diagnostics).and_then(|document| {
            // Tagged PDF (structure for screen readers) costs ~10 KB on a letter but ~3 KB per
            // table row: a 200-row report would be 650 KB instead of 65 KB.
            let tagged = !matches!(doc, Document::Table(_));
            let options =
                PdfOptions { creator: Smart::Custom(Some("Touchstone".into())), tagged, ..PdfOptions::default() };
            typst_pdf::pdf(&document, &options).map_err(diagnostics)
        });
        // typst memoizes across compilations; drop what the last few renders did not reuse
        // so a long-running server does not grow without bound.
        typst::comemo::evict(10);
        result.map(|pdf| (pdf, warnings))
    }
}

/// The document's own fields as JSON (without the `kind` tag): what the template reads and
/// what the glyph check walks, so error paths match the struct's field names.
fn fields(doc: &Document) -> Result<serde_json::Value, PdfError> {
    let value = match doc {
        Document::InspectionRecord(d) => serde_json::to_value(d),
        Document::RectificationOrder(d) => serde_json::to_value(d),
        Document::ReviewOpinion(d) => serde_json::to_value(d),
        Document::Table(d) => serde_json::to_value(d),
    };
    value.map_err(|e| PdfError::Typst(e.to_string()))
}

fn diagnostics(errors: typst::ecow::EcoVec<typst::diag::SourceDiagnostic>) -> PdfError {
    PdfError::Typst(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}
