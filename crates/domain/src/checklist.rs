//! Self-inspection checklist templates (R-SELF-1), embedded from `data/checklists.tsv` (see
//! `data/CHECKLISTS.md` for where each group of items comes from).
//!
//! Items are keyed by enterprise type — production-licence holder, CCC holder, other — with the
//! focus seed 004 measure 2 (全覆盖检查) gives each, and optionally by product category for the
//! key products the seeds name. Each item has a legal basis and a severity: a failed `major` item
//! is a major hazard.
//!
//! An item applies to an enterprise when its type is one of the enterprise's types (or the item
//! has no type) and its category is one of the enterprise's categories or an ancestor of one (or
//! the item has no category): an item for 电线电缆 applies to every sub-category of it.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Serialize;

use crate::catalogue::catalogue;

/// The embedded checklist.
const CHECKLISTS_TSV: &str = include_str!("../data/checklists.tsv");
const CHECKLISTS_HEADER: &str = "code\tenterprise_type\tcategory\tseverity\tquestion\tquestion_en\tlegal_basis\tsource";
const SOURCES: &[&str] = &["seed001", "seed004", "reference"];

code_enum!(
    /// The enterprise types of seed 004 measure 2, each with its own inspection focus.
    EnterpriseType {
        /// Holds an industrial product production licence (工业产品生产许可证获证企业): key raw
        /// materials, production process, outgoing inspection; premises, production and testing
        /// equipment; skimping on materials.
        LicenceHolder = "licence_holder",
        /// Holds CCC certificates (强制性产品认证获证企业): no shipping or selling uncertified, or
        /// while a certificate is suspended, revoked or cancelled; consistency with the certified
        /// product.
        CccHolder = "ccc_holder",
        /// Neither (其他类型企业): quality responsibility, product consistency, conformity to
        /// standards.
        Other = "other",
    }
);

code_enum!(
    /// How serious a failed item is.
    Severity {
        /// A failed item is a general hazard (一般隐患).
        General = "general",
        /// A failed item is a major hazard (重大隐患), reported to the bureau at once (R-SELF-2).
        Major = "major",
    }
);

/// The enterprise types of an enterprise by the certificates it holds: a licence holder, a CCC
/// holder, both (it gets the items of each), or neither (`Other`). Never empty.
pub fn enterprise_types(licence_held: bool, ccc_held: bool) -> &'static [EnterpriseType] {
    match (licence_held, ccc_held) {
        (true, true) => &[EnterpriseType::LicenceHolder, EnterpriseType::CccHolder],
        (true, false) => &[EnterpriseType::LicenceHolder],
        (false, true) => &[EnterpriseType::CccHolder],
        (false, false) => &[EnterpriseType::Other],
    }
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Stable code, e.g. `LH-01`: two upper-case letters, a hyphen, two digits.
    pub code: &'static str,
    /// The enterprise type the item is for; `None`: every type.
    pub enterprise_type: Option<EnterpriseType>,
    /// The catalogue category the item is for (and every category below it); `None`: every
    /// category.
    pub category: Option<&'static str>,
    pub severity: Severity,
    /// The question, in Chinese.
    pub question: &'static str,
    /// The question, in English.
    pub question_en: &'static str,
    /// The law, regulation or document the item rests on, e.g. `《产品质量法》第十二条`.
    pub legal_basis: &'static str,
    /// Where the item comes from: `seed004`, `seed001` or `reference`.
    pub source: &'static str,
}

impl Item {
    /// Whether the item applies to an enterprise of `types` making or selling `category_codes`
    /// (see the module documentation). Unknown category codes match nothing.
    pub fn applies_to(&self, types: &[EnterpriseType], category_codes: &[&str]) -> bool {
        let type_matches = self.enterprise_type.is_none_or(|t| types.contains(&t));
        let category_matches =
            self.category.is_none_or(|c| category_codes.iter().any(|&code| is_self_or_ancestor(c, code)));
        type_matches && category_matches
    }
}

/// Whether `ancestor` is `code` or one of its ancestors in the catalogue.
fn is_self_or_ancestor(ancestor: &str, code: &str) -> bool {
    let cat = catalogue();
    let mut current = cat.get(code);
    while let Some(category) = current {
        if category.code == ancestor {
            return true;
        }
        current = category.parent.and_then(|p| cat.get(p));
    }
    false
}

/// Why the embedded checklist (or a table in the same format) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    #[error("checklists.tsv: first line must be the header {expected:?}")]
    Header { expected: &'static str },
    #[error("checklists.tsv line {line}: {reason}")]
    Row { line: usize, reason: String },
}

static ITEMS: LazyLock<Vec<Item>> = LazyLock::new(|| {
    // The embedded file is a build input checked by `the_embedded_checklist_is_valid` below; a
    // failure here can only come from a malformed data file committed without running the tests.
    parse(CHECKLISTS_TSV).expect("embedded checklist data is valid")
});

/// Every item, in file order.
pub fn items() -> &'static [Item] {
    &ITEMS
}

/// The item with this code.
pub fn item(code: &str) -> Option<&'static Item> {
    items().iter().find(|i| i.code == code)
}

/// The checklist for an enterprise of `types` (see [`enterprise_types`]) making or selling
/// `category_codes`: first the items without a category (every-type items and the items of its
/// types), then the category items that apply (for its categories or their ancestors, and for any
/// type or one of its types); each item once, in file order within each group.
pub fn items_for(types: &[EnterpriseType], category_codes: &[&str]) -> Vec<&'static Item> {
    let applicable = |item: &&'static Item| item.applies_to(types, category_codes);
    let general = items().iter().filter(|i| i.category.is_none()).filter(applicable);
    let by_category = items().iter().filter(|i| i.category.is_some()).filter(applicable);
    general.chain(by_category).collect()
}

fn is_item_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && b[..2].iter().all(u8::is_ascii_uppercase) && b[2] == b'-' && b[3..].iter().all(u8::is_ascii_digit)
}

/// Parses and validates the table: header, 8 columns, unique well-formed codes, known enterprise
/// types, categories that exist in the catalogue, known severities and sources, no empty text.
fn parse(tsv: &'static str) -> Result<Vec<Item>, ChecklistError> {
    let mut lines = tsv.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_end_matches('\r') == CHECKLISTS_HEADER => {}
        _ => return Err(ChecklistError::Header { expected: CHECKLISTS_HEADER }),
    }
    let mut items = Vec::new();
    let mut codes = HashSet::new();
    for (index, text) in lines {
        let line = index + 1;
        let text = text.trim_end_matches('\r');
        if text.is_empty() {
            continue;
        }
        let err = |reason: String| ChecklistError::Row { line, reason };
        let fields: Vec<&'static str> = text.split('\t').collect();
        let [code, enterprise_type, category, severity, question, question_en, legal_basis, source] = fields[..] else {
            return Err(err(format!("expected 8 columns, got {}", fields.len())));
        };
        if !is_item_code(code) {
            return Err(err(format!("malformed code {code:?} (expected e.g. LH-01)")));
        }
        if !codes.insert(code) {
            return Err(err(format!("duplicate code {code}")));
        }
        let enterprise_type = match enterprise_type {
            "" => None,
            t => Some(EnterpriseType::parse(t).ok_or_else(|| err(format!("unknown enterprise type {t:?}")))?),
        };
        let category = match category {
            "" => None,
            c if catalogue().get(c).is_some() => Some(c),
            c => return Err(err(format!("category {c:?} is not in the catalogue"))),
        };
        let severity = Severity::parse(severity)
            .ok_or_else(|| err(format!("severity must be general or major, got {severity:?}")))?;
        if [question, question_en, legal_basis].iter().any(|s| s.trim().is_empty()) {
            return Err(err("empty question or legal basis".to_string()));
        }
        if !SOURCES.contains(&source) {
            return Err(err(format!("unknown source {source:?}")));
        }
        items.push(Item { code, enterprise_type, category, severity, question, question_en, legal_basis, source });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(items: &[&Item]) -> Vec<&'static str> {
        items.iter().map(|i| i.code).collect()
    }

    #[test]
    fn the_embedded_checklist_is_valid() {
        let parsed = parse(CHECKLISTS_TSV).expect("embedded checklist parses");
        assert_eq!(parsed.len(), items().len());
        assert!(items().len() >= 50, "only {} items", items().len());
    }

    #[test]
    fn each_enterprise_type_has_8_to_12_items_with_at_least_one_major() {
        for t in EnterpriseType::ALL {
            let own: Vec<&Item> =
                items().iter().filter(|i| i.enterprise_type == Some(*t) && i.category.is_none()).collect();
            assert!((8..=12).contains(&own.len()), "{t}: {} items", own.len());
            assert!(own.iter().any(|i| i.severity == Severity::Major), "{t}");
        }
    }

    #[test]
    fn category_items_name_catalogue_categories_with_3_to_5_items_per_named_product() {
        let cat = catalogue();
        for item in items() {
            if let Some(c) = item.category {
                assert!(cat.get(c).is_some(), "{}: {c}", item.code);
            }
        }
        for product in ["01.01", "03.01", "04.01", "05.01", "07.01", "07.02"] {
            let n = items()
                .iter()
                .filter(|i| i.category.is_some_and(|c| cat.descendants_and_self(product).contains(&c)))
                .count();
            assert!((3..=5).contains(&n), "{product}: {n} items");
        }
    }

    #[test]
    fn every_item_cites_a_legal_basis_and_a_known_source() {
        for item in items() {
            assert!(item.legal_basis.contains('《') || item.legal_basis.contains('〔'), "{}", item.code);
            assert!(SOURCES.contains(&item.source), "{}", item.code);
            assert!(item.code.starts_with(|c: char| c.is_ascii_uppercase()));
        }
        assert_eq!(item("LH-01").map(|i| i.enterprise_type), Some(Some(EnterpriseType::LicenceHolder)));
        assert!(item("ZZ-99").is_none());
    }

    #[test]
    fn an_enterprise_holding_both_certificates_is_both_types() {
        assert_eq!(enterprise_types(true, true), [EnterpriseType::LicenceHolder, EnterpriseType::CccHolder]);
        assert_eq!(enterprise_types(true, false), [EnterpriseType::LicenceHolder]);
        assert_eq!(enterprise_types(false, true), [EnterpriseType::CccHolder]);
        assert_eq!(enterprise_types(false, false), [EnterpriseType::Other]);
    }

    #[test]
    fn type_items_come_first_then_category_items_in_file_order_without_duplicates() {
        let list = items_for(enterprise_types(true, true), &["04.01", "04.01"]);
        let got = codes(&list);
        let first_category = got.iter().position(|c| c.starts_with("WC")).expect("cable items");
        assert!(got[..first_category].iter().all(|c| item(c).is_some_and(|i| i.category.is_none())));
        assert!(got[first_category..].iter().all(|c| item(c).is_some_and(|i| i.category.is_some())));
        assert!(got.contains(&"GN-01") && got.contains(&"LH-01") && got.contains(&"CC-01"));
        assert!(!got.iter().any(|c| c.starts_with("OT")), "not an 'other' enterprise");
        let unique: HashSet<_> = got.iter().collect();
        assert_eq!(unique.len(), got.len());
        // Within each group, file order.
        let position = |code: &str| items().iter().position(|i| i.code == code);
        for pair in got[..first_category].windows(2).chain(got[first_category..].windows(2)) {
            assert!(position(pair[0]) < position(pair[1]), "{pair:?}");
        }
        assert_eq!(got[first_category..], ["WC-01", "WC-02", "WC-03", "WC-04", "WC-05"]);
    }

    #[test]
    fn an_item_for_a_category_applies_to_its_sub_categories() {
        // A lithium-battery maker (07.02.02) gets the battery items and those for 07.02, but not
        // the charger item (07.02.01).
        let got = codes(&items_for(&[EnterpriseType::Other], &["07.02.02"]));
        assert!(got.contains(&"BT-01") && got.contains(&"BT-02") && got.contains(&"BT-04"), "{got:?}");
        assert!(!got.contains(&"BT-03"));
        assert!(!got.iter().any(|c| c.starts_with("EB")), "07.01 is a sibling, not an ancestor");
        // A gas-cooker maker gets the cooker item and the 燃气具 items, not the water-heater item.
        let got = codes(&items_for(&[EnterpriseType::CccHolder], &["05.01.01"]));
        assert!(got.contains(&"GA-01") && got.contains(&"GA-02") && got.contains(&"GA-04"));
        assert!(!got.contains(&"GA-03"));
        // The parent group alone does not pull in its children's items.
        assert!(!codes(&items_for(&[EnterpriseType::Other], &["07"])).contains(&"BT-01"));
        // Unknown categories match nothing.
        assert!(items_for(&[EnterpriseType::Other], &["99.99"]).iter().all(|i| i.category.is_none()));
    }

    #[test]
    fn a_category_item_for_one_type_applies_only_to_that_type() {
        let ccc = codes(&items_for(&[EnterpriseType::CccHolder], &["07.01"]));
        assert!(ccc.contains(&"EB-03"));
        let other = codes(&items_for(&[EnterpriseType::Other], &["07.01"]));
        assert!(!other.contains(&"EB-03") && other.contains(&"EB-01"));
    }

    #[test]
    fn severity_and_type_codes_round_trip_and_serialize_as_codes() {
        for t in EnterpriseType::ALL {
            assert_eq!(EnterpriseType::parse(t.code()), Some(*t));
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.code()), Some(*s));
        }
        let json = serde_json::to_value(item("CC-02").expect("present")).expect("serializes");
        assert_eq!(json["enterprise_type"], "ccc_holder");
        assert_eq!(json["severity"], "major");
        assert_eq!(json["category"], serde_json::Value::Null);
    }

    #[test]
    fn parse_rejects_bad_rows() {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let row = |fields: &str| leak(format!("{CHECKLISTS_HEADER}\n{fields}\n"));
        let good = "LH-01\tlicence_holder\t\tmajor\t问\tQ\t《产品质量法》\tseed004";
        assert_eq!(parse(row(good)).map(|v| v.len()), Ok(1));
        for bad in [
            "LH-1\tlicence_holder\t\tmajor\t问\tQ\t《产品质量法》\tseed004",
            "LH-01\tholder\t\tmajor\t问\tQ\t《产品质量法》\tseed004",
            "LH-01\tlicence_holder\t99.99\tmajor\t问\tQ\t《产品质量法》\tseed004",
            "LH-01\tlicence_holder\t\tfatal\t问\tQ\t《产品质量法》\tseed004",
            "LH-01\tlicence_holder\t\tmajor\t\tQ\t《产品质量法》\tseed004",
            "LH-01\tlicence_holder\t\tmajor\t问\tQ\t《产品质量法》\tseed999",
            "LH-01\tlicence_holder\t\tmajor\t问\tQ",
        ] {
            assert!(matches!(parse(row(bad)), Err(ChecklistError::Row { line: 2, .. })), "{bad}");
        }
        let duplicate = leak(format!("{CHECKLISTS_HEADER}\n{good}\n{good}\n"));
        let err = parse(duplicate).expect_err("duplicate rejected");
        assert!(matches!(err, ChecklistError::Row { line: 3, .. }) && err.to_string().contains("duplicate"));
        assert!(matches!(parse("code\tquestion\n"), Err(ChecklistError::Header { .. })));
    }
}
