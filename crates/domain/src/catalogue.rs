//! The product catalogue (R-CAT-1) and the key-product lists (R-CAT-2), embedded from
//! `data/catalogue.tsv` and `data/key_products.tsv` (see `data/CATALOGUE.md` for their sources,
//! the hazard-level rationale and what is uncertain).
//!
//! The catalogue is a tree of product categories. Each category carries an inherent hazard level
//! (1 lowest … 4 highest), whether China's industrial product production licence
//! (工业产品生产许可证) applies, whether CCC compulsory certification (强制性产品认证) applies,
//! and the mandatory national standards (GB, not GB/T) that apply. On a group node, and on a
//! category only part of which is covered, a flag means "this category or some product in it".

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Serialize;

use crate::region::regions;

/// The embedded category tree.
const CATALOGUE_TSV: &str = include_str!("../data/catalogue.tsv");
const CATALOGUE_HEADER: &str =
    "code\tparent\tname\tname_en\thazard_level\tlicence_required\tccc_required\tstandards\tsource";

/// The embedded key-product lists.
const KEY_PRODUCTS_TSV: &str = include_str!("../data/key_products.tsv");
const KEY_PRODUCTS_HEADER: &str = "list\tyear\tregion_code\tcategory_code\tname_as_listed\tsource";

/// The highest inherent hazard level.
pub const MAX_HAZARD_LEVEL: u8 = 4;

/// One product category (a node of the tree).
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    /// Stable dotted code, e.g. `07.02.02`; a child's code extends its parent's.
    pub code: &'static str,
    /// `None` for a top-level group.
    pub parent: Option<&'static str>,
    /// Chinese name, e.g. `电动自行车用锂离子蓄电池`.
    pub name: &'static str,
    /// English display name.
    pub name_en: &'static str,
    /// Inherent hazard level, 1 (lowest) to 4 (highest).
    pub hazard_level: u8,
    /// The industrial product production licence (工业产品生产许可证) applies to this category or
    /// to part of it.
    pub licence_required: bool,
    /// CCC compulsory certification applies to this category or to part of it.
    pub ccc_required: bool,
    /// Mandatory national standards, e.g. `GB 43854-2024`; empty when none is recorded.
    pub standards: Vec<&'static str>,
    /// Where the category comes from: `seed001`, `seed002`, `seed004` or `reference`.
    pub sources: Vec<&'static str>,
}

/// One entry of a key-product list (重点产品目录) of a year / campaign / region.
#[derive(Debug, Clone, Serialize)]
pub struct KeyProduct {
    /// List identifier, e.g. `jiangxi-2022`.
    pub list: &'static str,
    pub year: i32,
    /// GB/T 2260 code of the region issuing the list, e.g. `360000`.
    pub region_code: &'static str,
    /// The catalogue category the listed product maps to.
    pub category_code: &'static str,
    /// The product's name exactly as the source document lists it.
    pub name_as_listed: &'static str,
    /// The source document, e.g. `seed004`.
    pub source: &'static str,
}

/// Why an embedded table (or a table in the same format) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("{file}: first line must be the header {expected:?}")]
    Header { file: &'static str, expected: &'static str },
    #[error("{file} line {line}: {reason}")]
    Row { file: &'static str, line: usize, reason: String },
    #[error("catalogue: {0}")]
    Tree(String),
}

/// The category tree and the key-product lists, indexed.
#[derive(Debug)]
pub struct Catalogue {
    /// Every category, sorted by code.
    categories: Vec<Category>,
    by_code: HashMap<&'static str, usize>,
    by_name: HashMap<&'static str, usize>,
    /// Indices of the direct children of each category (`None`: top level), sorted by code.
    children: HashMap<Option<&'static str>, Vec<usize>>,
    /// Every key-product entry, in file order (each list in its source's order).
    key_products: Vec<KeyProduct>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    // The embedded files are build inputs checked by `the_embedded_tables_parse` below; a failure
    // here can only come from a malformed data file committed without running the tests.
    Catalogue::parse(CATALOGUE_TSV, KEY_PRODUCTS_TSV).expect("embedded catalogue data is valid")
});

/// The embedded catalogue, parsed once on first use.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn split_list(s: &'static str) -> Vec<&'static str> {
    s.split(';').map(str::trim).filter(|x| !x.is_empty()).collect()
}

fn is_code(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
}

/// Data lines with their 1-based line numbers, after checking the header.
fn data_lines(
    text: &'static str,
    file: &'static str,
    header: &'static str,
) -> Result<Vec<(usize, &'static str)>, CatalogueError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_end_matches('\r') == header => {}
        _ => return Err(CatalogueError::Header { file, expected: header }),
    }
    Ok(lines
        .map(|(index, line)| (index + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.is_empty())
        .collect())
}

impl Catalogue {
    /// Parses and validates both tables: headers, column counts, unique codes and names, hazard
    /// levels 1–4, booleans, at least one source, every parent present, no cycles, and every key
    /// product naming a known category and a known GB/T 2260 region.
    fn parse(catalogue_tsv: &'static str, key_products_tsv: &'static str) -> Result<Catalogue, CatalogueError> {
        const CAT: &str = "catalogue.tsv";
        const KP: &str = "key_products.tsv";
        let row_err = |file: &'static str, line: usize, reason: String| CatalogueError::Row { file, line, reason };

        let mut categories = Vec::new();
        for (line, text) in data_lines(catalogue_tsv, CAT, CATALOGUE_HEADER)? {
            let fields: Vec<&'static str> = text.split('\t').collect();
            let [code, parent, name, name_en, hazard, licence, ccc, standards, source] = fields[..] else {
                return Err(row_err(CAT, line, format!("expected 9 columns, got {}", fields.len())));
            };
            if !is_code(code) {
                return Err(row_err(CAT, line, format!("malformed code {code:?}")));
            }
            let parent = if parent.is_empty() { None } else { Some(parent) };
            if parent == Some(code) {
                return Err(row_err(CAT, line, format!("{code} is its own parent")));
            }
            if name.trim().is_empty() || name_en.trim().is_empty() {
                return Err(row_err(CAT, line, "empty name".to_string()));
            }
            let hazard_level = match hazard.parse::<u8>() {
                Ok(level @ 1..=MAX_HAZARD_LEVEL) => level,
                _ => return Err(row_err(CAT, line, format!("hazard level must be 1 to 4, got {hazard:?}"))),
            };
            let licence_required = parse_bool(licence)
                .ok_or_else(|| row_err(CAT, line, format!("licence_required must be true/false, got {licence:?}")))?;
            let ccc_required = parse_bool(ccc)
                .ok_or_else(|| row_err(CAT, line, format!("ccc_required must be true/false, got {ccc:?}")))?;
            let sources = split_list(source);
            if sources.is_empty() {
                return Err(row_err(CAT, line, "no source".to_string()));
            }
            categories.push(Category {
                code,
                parent,
                name,
                name_en,
                hazard_level,
                licence_required,
                ccc_required,
                standards: split_list(standards),
                sources,
            });
        }
        categories.sort_by(|a, b| a.code.cmp(b.code));

        let mut by_code = HashMap::with_capacity(categories.len());
        let mut by_name = HashMap::with_capacity(categories.len());
        for (i, category) in categories.iter().enumerate() {
            if by_code.insert(category.code, i).is_some() {
                return Err(CatalogueError::Tree(format!("duplicate code {}", category.code)));
            }
            if by_name.insert(category.name, i).is_some() {
                return Err(CatalogueError::Tree(format!("duplicate name {}", category.name)));
            }
        }
        let mut children: HashMap<Option<&'static str>, Vec<usize>> = HashMap::new();
        for (i, category) in categories.iter().enumerate() {
            if let Some(parent) = category.parent
                && !by_code.contains_key(parent)
            {
                return Err(CatalogueError::Tree(format!(
                    "{}: parent {parent} is not in the catalogue",
                    category.code
                )));
            }
            // Categories are sorted, so each child list is too.
            children.entry(category.parent).or_default().push(i);
        }
        // Every parent exists; a chain longer than the table can only be a cycle.
        for category in &categories {
            let mut current = category.parent;
            let mut steps = 0;
            while let Some(code) = current {
                steps += 1;
                if steps > categories.len() {
                    return Err(CatalogueError::Tree(format!("{} is in a parent cycle", category.code)));
                }
                current = by_code.get(code).and_then(|&i| categories.get(i)).and_then(|c| c.parent);
            }
        }

        let mut key_products = Vec::new();
        let mut seen = HashSet::new();
        for (line, text) in data_lines(key_products_tsv, KP, KEY_PRODUCTS_HEADER)? {
            let fields: Vec<&'static str> = text.split('\t').collect();
            let [list, year, region_code, category_code, name_as_listed, source] = fields[..] else {
                return Err(row_err(KP, line, format!("expected 6 columns, got {}", fields.len())));
            };
            if !is_code(list) {
                return Err(row_err(KP, line, format!("malformed list name {list:?}")));
            }
            let year = year.parse::<i32>().map_err(|_| row_err(KP, line, format!("malformed year {year:?}")))?;
            if regions().get(region_code).is_none() {
                return Err(row_err(KP, line, format!("region {region_code:?} is not in GB/T 2260")));
            }
            if !by_code.contains_key(category_code) {
                return Err(row_err(KP, line, format!("category {category_code:?} is not in the catalogue")));
            }
            if name_as_listed.trim().is_empty() || source.trim().is_empty() {
                return Err(row_err(KP, line, "empty name or source".to_string()));
            }
            if !seen.insert((list, category_code)) {
                return Err(row_err(KP, line, format!("{list} lists category {category_code} twice")));
            }
            key_products.push(KeyProduct { list, year, region_code, category_code, name_as_listed, source });
        }

        Ok(Catalogue { categories, by_code, by_name, children, key_products })
    }

    /// The category with this code.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.by_code.get(code).and_then(|&i| self.categories.get(i))
    }

    /// Direct children of `code`, by code; `None` gives the top-level groups. Empty for a leaf or
    /// an unknown code.
    pub fn children(&self, code: Option<&str>) -> Vec<&Category> {
        // Normalise to the table's own `&'static str` key.
        let key = match code {
            None => None,
            Some(code) => match self.get(code) {
                Some(category) => Some(category.code),
                None => return Vec::new(),
            },
        };
        self.children
            .get(&key)
            .map(|indices| indices.iter().filter_map(|&i| self.categories.get(i)).collect())
            .unwrap_or_default()
    }

    /// Every category, by code (a parent always comes before its children).
    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    /// The entries of one key-product list, in the source's order; empty for an unknown list.
    pub fn key_products(&self, list: &str) -> Vec<&KeyProduct> {
        self.key_products.iter().filter(|k| k.list == list).collect()
    }

    /// The names of all key-product lists, in file order.
    pub fn lists(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for entry in &self.key_products {
            if !out.contains(&entry.list) {
                out.push(entry.list);
            }
        }
        out
    }

    /// `code` itself first, then every category below it (depth first, by code). Empty when
    /// `code` is not in the catalogue.
    pub fn descendants_and_self(&self, code: &str) -> Vec<&'static str> {
        let Some(root) = self.get(code) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack = vec![root.code];
        while let Some(current) = stack.pop() {
            out.push(current);
            stack.extend(self.children(Some(current)).iter().rev().map(|c| c.code));
        }
        out
    }

    /// The category whose Chinese name is exactly `name` (surrounding whitespace ignored), or
    /// failing that whose English name matches ignoring ASCII case.
    pub fn find_by_name(&self, name: &str) -> Option<&Category> {
        let name = name.trim();
        if let Some(&i) = self.by_name.get(name) {
            return self.categories.get(i);
        }
        self.categories.iter().find(|c| c.name_en.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    // R-CAT-1 / R-CAT-2: the shipped reference data is complete for the seeds and consistent.
    use super::*;

    /// The 11 key products of seed 004 (赣市监质监〔2022〕1号), in the seed's order.
    const JIANGXI_2022: [&str; 11] = [
        "危险化学品",
        "危险化学品包装物",
        "车载常压罐体",
        "钢筋",
        "水泥",
        "电线电缆",
        "燃气具",
        "烟花爆竹",
        "消防产品",
        "电动自行车",
        "电动自行车充电器和电池",
    ];

    #[test]
    fn the_embedded_tables_parse() {
        let parsed = Catalogue::parse(CATALOGUE_TSV, KEY_PRODUCTS_TSV).expect("embedded tables parse");
        assert!(parsed.len() >= 40, "only {} categories", parsed.len());
        assert_eq!(catalogue().len(), parsed.len());
        assert!(!catalogue().is_empty());
        assert_eq!(catalogue().lists(), vec!["jiangxi-2022", "guizhou-2023"]);
    }

    #[test]
    fn every_parent_exists_and_the_tree_has_no_cycles() {
        let cat = catalogue();
        let mut reached = 0;
        for category in cat.iter() {
            let mut current = category.parent;
            let mut depth = 0;
            while let Some(code) = current {
                let parent = cat.get(code).unwrap_or_else(|| panic!("{}: parent {code} missing", category.code));
                depth += 1;
                assert!(depth <= cat.len(), "{} is in a cycle", category.code);
                current = parent.parent;
            }
            reached += 1;
        }
        assert_eq!(reached, cat.len());
        // Every category is reachable from the top level, once.
        let from_roots: usize = cat.children(None).iter().map(|root| cat.descendants_and_self(root.code).len()).sum();
        assert_eq!(from_roots, cat.len());
    }

    #[test]
    fn a_childs_code_extends_its_parents_code() {
        for category in catalogue().iter() {
            if let Some(parent) = category.parent {
                assert!(category.code.starts_with(&format!("{parent}.")), "{} under {parent}", category.code);
            }
        }
    }

    #[test]
    fn hazard_levels_are_1_to_4() {
        for category in catalogue().iter() {
            assert!((1..=4).contains(&category.hazard_level), "{}: {}", category.code, category.hazard_level);
        }
    }

    #[test]
    fn a_parent_is_at_least_as_hazardous_as_its_children_and_carries_their_flags() {
        let cat = catalogue();
        for category in cat.iter() {
            let Some(parent) = category.parent.and_then(|p| cat.get(p)) else { continue };
            assert!(parent.hazard_level >= category.hazard_level, "{} vs {}", parent.code, category.code);
            assert!(!category.licence_required || parent.licence_required, "{} licence", parent.code);
            assert!(!category.ccc_required || parent.ccc_required, "{} ccc", parent.code);
        }
    }

    #[test]
    fn sources_are_seeds_or_reference_and_standards_are_mandatory_gb_numbers() {
        for category in catalogue().iter() {
            for source in &category.sources {
                assert!(["seed001", "seed002", "seed004", "reference"].contains(source), "{}", category.code);
            }
            for standard in &category.standards {
                assert!(standard.starts_with("GB ") && !standard.starts_with("GB/T"), "{standard}");
            }
        }
    }

    #[test]
    fn jiangxi_2022_has_exactly_11_key_products_whose_categories_exist() {
        let cat = catalogue();
        let list = cat.key_products("jiangxi-2022");
        assert_eq!(list.len(), 11);
        let names: Vec<&str> = list.iter().map(|k| k.name_as_listed).collect();
        assert_eq!(names, JIANGXI_2022);
        for entry in list {
            assert!(cat.get(entry.category_code).is_some(), "{}", entry.category_code);
            assert_eq!(entry.year, 2022);
            assert_eq!(entry.region_code, "360000");
            assert_eq!(entry.source, "seed004");
        }
    }

    #[test]
    fn each_jiangxi_key_products_category_has_the_seeds_name() {
        let cat = catalogue();
        for entry in cat.key_products("jiangxi-2022") {
            let category = cat.get(entry.category_code).expect("category exists");
            assert_eq!(category.name, entry.name_as_listed);
            assert!(category.sources.contains(&"seed004"), "{}", category.code);
        }
        // Spot checks by the exact names of seed 004.
        let charger_and_battery = cat.find_by_name("电动自行车充电器和电池").expect("listed");
        assert_eq!(cat.children(Some(charger_and_battery.code)).len(), 2);
        let tank = cat.find_by_name("车载常压罐体").expect("listed");
        assert_eq!(tank.hazard_level, 4);
        let packaging = cat.find_by_name("危险化学品包装物").expect("listed");
        assert!(packaging.licence_required);
    }

    #[test]
    fn guizhou_list_is_non_empty_and_its_categories_exist() {
        let cat = catalogue();
        let list = cat.key_products("guizhou-2023");
        assert!(!list.is_empty());
        assert!(list.len() <= 18, "seed 001 speaks of 18 key products");
        for entry in list {
            assert!(cat.get(entry.category_code).is_some(), "{}", entry.category_code);
            assert_eq!(entry.region_code, "520000");
            assert_eq!(entry.source, "seed001");
        }
    }

    #[test]
    fn every_category_the_seeds_name_is_in_the_catalogue() {
        let cat = catalogue();
        for name in [
            // seed 001 (Guizhou), besides those shared with seed 004
            "溶解乙炔",
            "液氯",
            "化肥",
            // seed 002 (a city's speech)
            "建筑防水卷材",
            "节水产品",
            "涂料",
            "服装",
            "电机",
            "小家电",
            "家具",
            "人造板",
            "玩具",
            "日用消费品",
            "建材",
            "农资",
            "妇女儿童用品",
            "节能灯",
            "成品油",
            "木地板",
            "摇摆机",
        ] {
            assert!(cat.find_by_name(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn lookups_by_code_name_and_subtree_behave() {
        let cat = catalogue();
        assert_eq!(cat.find_by_name(" 水泥 ").map(|c| c.code), cat.find_by_name("Cement").map(|c| c.code));
        assert!(cat.find_by_name("不存在的产品").is_none());
        let battery = cat.find_by_name("电动自行车用锂离子蓄电池").expect("present");
        assert!(battery.ccc_required);
        assert_eq!(battery.standards, vec!["GB 43854-2024"]);
        let top = cat.find_by_name("电动自行车及配件").expect("present");
        let subtree = cat.descendants_and_self(top.code);
        assert_eq!(subtree.first(), Some(&top.code));
        assert!(subtree.contains(&battery.code));
        assert!(cat.descendants_and_self("no-such-code").is_empty());
        assert!(cat.children(Some("no-such-code")).is_empty());
        assert!(cat.children(None).iter().all(|c| c.parent.is_none()));
        assert!(cat.key_products("no-such-list").is_empty());
    }

    #[test]
    fn parse_rejects_bad_hazard_levels_unknown_parents_cycles_and_unknown_categories() {
        let header = format!("{CATALOGUE_HEADER}\n");
        let kp = format!("{KEY_PRODUCTS_HEADER}\n");
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };

        let bad_level = leak(format!("{header}01\t\t甲\tA\t5\tfalse\tfalse\t\treference\n"));
        assert!(matches!(Catalogue::parse(bad_level, leak(kp.clone())), Err(CatalogueError::Row { line: 2, .. })));

        let orphan = leak(format!("{header}01.01\t01\t甲\tA\t1\tfalse\tfalse\t\treference\n"));
        assert!(matches!(Catalogue::parse(orphan, leak(kp.clone())), Err(CatalogueError::Tree(_))));

        let cycle = leak(format!(
            "{header}a\tb\t甲\tA\t1\tfalse\tfalse\t\treference\nb\ta\t乙\tB\t1\tfalse\tfalse\t\treference\n"
        ));
        let err = Catalogue::parse(cycle, leak(kp.clone())).expect_err("cycle rejected");
        assert!(err.to_string().contains("cycle"), "{err}");

        let one = leak(format!("{header}01\t\t甲\tA\t1\tfalse\tfalse\t\treference\n"));
        let unknown_category = leak(format!("{kp}x-2022\t2022\t360000\t02\t乙\tseed004\n"));
        assert!(matches!(Catalogue::parse(one, unknown_category), Err(CatalogueError::Row { line: 2, .. })));
        let unknown_region = leak(format!("{kp}x-2022\t2022\t999999\t01\t甲\tseed004\n"));
        assert!(Catalogue::parse(one, unknown_region).is_err());
        let fine = leak(format!("{kp}x-2022\t2022\t360000\t01\t甲\tseed004\n"));
        assert_eq!(Catalogue::parse(one, fine).map(|c| c.lists()), Ok(vec!["x-2022"]));

        assert!(matches!(Catalogue::parse("code\tname\n", leak(kp)), Err(CatalogueError::Header { .. })));
    }
}
