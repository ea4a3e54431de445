//! The fonts typst may use: the committed GB2312 subset of Noto Sans SC (always), plus every
//! TTF/OTF/TTC in a configured directory when it exists. Fonts come from bytes, never from
//! the system, so a server renders the same PDF on every machine.

use std::path::Path;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use crate::error::PdfError;

/// The family name of the committed subset (both weights).
pub const BUILTIN_FAMILY: &str = "Noto Sans SC";

static REGULAR: &[u8] = include_bytes!("../fonts/NotoSansSC-Regular-GB2312.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/NotoSansSC-Bold-GB2312.ttf");

/// Extensions of files in the font directory that are read; WOFF/WOFF2 are read only to
/// be refused clearly, since typst loads no face from them.
const FONT_EXTENSIONS: &[&str] = &["ttf", "otf", "ttc", "otc", "woff", "woff2"];

/// Loaded faces, their book, and the family list templates ask for (directory families
/// first, so a full font wins over the subset for every character it has).
pub(crate) struct Fonts {
    pub faces: Vec<Font>,
    pub book: LazyHash<FontBook>,
    pub families: Vec<String>,
}

impl Fonts {
    pub fn load(dir: Option<&Path>) -> Result<Self, PdfError> {
        let mut faces = Vec::new();
        let mut families: Vec<String> = Vec::new();
        if let Some(dir) = dir.filter(|d| d.is_dir()) {
            for face in load_dir(dir)? {
                let family = face.info().family.clone();
                if !families.contains(&family) {
                    families.push(family);
                }
                faces.push(face);
            }
        }
        for data in [REGULAR, BOLD] {
            faces.extend(Font::iter(Bytes::new(data)));
        }
        if !families.iter().any(|f| f == BUILTIN_FAMILY) {
            families.push(BUILTIN_FAMILY.to_owned());
        }
        let book = LazyHash::new(FontBook::from_fonts(&faces));
        Ok(Fonts { faces, book, families })
    }

    /// Whether some loaded face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.faces.iter().any(|f| f.info().coverage.contains(c as u32))
    }
}

fn load_dir(dir: &Path) -> Result<Vec<Font>, PdfError> {
    let unreadable = |path: &Path, e: std::io::Error| PdfError::Font { path: path.to_owned(), message: e.to_string() };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| FONT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    paths.sort();
    let mut faces = Vec::new();
    for path in paths {
        let data = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
        let before = faces.len();
        faces.extend(Font::iter(Bytes::new(data)));
        if faces.len() == before {
            return Err(PdfError::Font {
                path,
                message: "no font face could be read from it (typst reads TTF, OTF and TTC, not WOFF or WOFF2)".into(),
            });
        }
    }
    Ok(faces)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The templates' own words (现场检查笔录, 印章, 销号 …) must print with the committed
    // subset alone, whatever font directory a deployment has.
    #[test]
    fn every_character_the_templates_print_is_in_the_committed_subset() {
        let fonts = Fonts::load(None).expect("the committed fonts load");
        for (path, text) in crate::world::TEMPLATES {
            for c in text.chars().filter(|c| !c.is_ascii_control()) {
                assert!(fonts.covers(c), "{path}: '{c}' (U+{:04X}) is not in the subset", c as u32);
            }
        }
    }

    #[test]
    fn the_committed_subset_has_a_regular_and_a_bold_face() {
        let fonts = Fonts::load(None).expect("the committed fonts load");
        let weights: Vec<u16> = fonts.faces.iter().map(|f| f.info().variant.weight.to_number()).collect();
        assert_eq!(weights, [400, 700]);
        assert_eq!(fonts.families, [BUILTIN_FAMILY]);
    }
}
