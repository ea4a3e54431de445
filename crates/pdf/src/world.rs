//! The typst `World` for one render: the embedded templates, the data as `/data.json`, the
//! loaded fonts. Nothing is read from disk or the network, and there is no "today".

use typst::Library;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use crate::fonts::Fonts;

/// The templates, by virtual path. The data reaches them only through `json("/data.json")`,
/// so no field is ever parsed as typst markup.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("/common.typ", include_str!("../templates/common.typ")),
    ("/inspection_record.typ", include_str!("../templates/inspection_record.typ")),
    ("/rectification_order.typ", include_str!("../templates/rectification_order.typ")),
    ("/review_opinion.typ", include_str!("../templates/review_opinion.typ")),
    ("/table.typ", include_str!("../templates/table.typ")),
];

pub(crate) const DATA_PATH: &str = "/data.json";

pub(crate) fn file_id(path: &str) -> FileId {
    // The paths are the constants above: always valid.
    let vpath = VirtualPath::new(path).unwrap_or_else(|e| panic!("template path {path}: {e}"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// Parsed templates, kept by the renderer so each render reuses them.
pub(crate) struct Templates(Vec<Source>);

impl Templates {
    pub fn parse() -> Self {
        Templates(TEMPLATES.iter().map(|(path, text)| Source::new(file_id(path), (*text).to_owned())).collect())
    }
    fn get(&self, id: FileId) -> Option<&Source> {
        self.0.iter().find(|s| s.id() == id)
    }
}

pub(crate) struct RenderWorld<'a> {
    pub library: &'a LazyHash<Library>,
    pub fonts: &'a Fonts,
    pub templates: &'a Templates,
    pub main: FileId,
    pub data_id: FileId,
    pub data: Bytes,
}

impl typst::World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.templates.get(id).cloned().ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        self.templates.get(id).map(|s| Bytes::from_string(s.clone())).ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.faces.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_with_slash().into())
}
