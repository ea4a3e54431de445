//! A bureau's jurisdiction (R-AUTH-1): a set of regions, by default its own region and
//! everything under it, expanded to the flat list of codes a store query filters by.

use std::collections::BTreeSet;

use crate::region::{RegionCode, regions};

/// The regions an actor may read and write, already expanded to every code below the roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The built-in system account (CLI maintenance): every region.
    Everything,
    /// A bureau's jurisdiction, expanded.
    Regions(BTreeSet<String>),
    /// Supervised-side users: no regional data except their own bound record.
    Nothing,
}

impl Scope {
    /// Expands jurisdiction roots (each a region and everything under it).
    pub fn from_roots<'a>(roots: impl IntoIterator<Item = &'a RegionCode>) -> Self {
        let table = regions();
        let mut codes = BTreeSet::new();
        for root in roots {
            for code in table.descendants_and_self(root.as_str()) {
                codes.insert(code.to_string());
            }
        }
        Scope::Regions(codes)
    }

    pub fn contains(&self, region_code: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Regions(codes) => codes.contains(region_code),
            Scope::Nothing => false,
        }
    }

    /// True when every region of `other` lies inside this scope (delegation never widens).
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Everything, _) | (_, Scope::Nothing) => true,
            (Scope::Regions(mine), Scope::Regions(theirs)) => theirs.is_subset(mine),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    #[test]
    fn a_city_jurisdiction_covers_its_counties_but_not_its_neighbours() {
        let ganzhou = Scope::from_roots([&code("360700")]);
        assert!(ganzhou.contains("360781"));
        assert!(ganzhou.contains("360700"));
        assert!(!ganzhou.contains("360121"));
        assert!(!ganzhou.contains("360000"));
    }

    #[test]
    fn an_administrator_defined_area_is_the_union_of_its_regions() {
        let area = Scope::from_roots([&code("360425"), &code("360482")]);
        assert!(area.contains("360425") && area.contains("360482"));
        assert!(!area.contains("360400"));
        let province = Scope::from_roots([&code("360000")]);
        assert!(province.covers(&area));
        assert!(!area.covers(&province));
    }
}

/// The bureaus whose staff and settings an actor may see: the bureau tree is the reporting
/// line, so a bureau sees itself and every bureau that reports to it, whatever their regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BureauScope {
    Everything,
    Subtree(uuid::Uuid),
    Nothing,
}
