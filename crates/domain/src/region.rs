//! The GB/T 2260 administrative-division table (provinces, prefectures, counties), embedded from
//! `data/regions.tsv` (see `data/REGIONS.md` for its source and how to regenerate it), and
//! `RegionCode`, a six-digit code that is known to exist in that table.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The embedded table. Columns: `code`, `parent`, `level`, `name`, `name_en`.
const REGIONS_TSV: &str = include_str!("../data/regions.tsv");
const HEADER: &str = "code\tparent\tlevel\tname\tname_en";

/// The tier of an administrative division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省级: provinces, autonomous regions, municipalities, SARs.
    Province,
    /// 地级: prefecture-level cities, prefectures, autonomous prefectures, leagues, and the
    /// "省直辖县级行政区划" grouping rows (e.g. 429000).
    Prefecture,
    /// 县级: districts, counties, county-level cities, banners, …
    County,
}

impl RegionLevel {
    fn from_tsv(s: &str) -> Option<Self> {
        match s {
            "province" => Some(Self::Province),
            "prefecture" => Some(Self::Prefecture),
            "county" => Some(Self::County),
            _ => None,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub code: &'static str,
    /// `None` for provincial-level units only.
    pub parent: Option<&'static str>,
    pub level: RegionLevel,
    /// The official Chinese name, e.g. `瑞金市`.
    pub name: &'static str,
    /// An English display name (pinyin plus translated suffix), e.g. `Ruijin City`.
    pub name_en: &'static str,
}

/// Why a string is not a usable region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("region code must be six digits, got {0:?}")]
    Malformed(String),
    #[error("region code {0} is not in GB/T 2260")]
    Unknown(String),
}

/// A six-digit GB/T 2260 code that exists in the embedded table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Accepts exactly six ASCII digits naming a region of the table.
    pub fn parse(s: &str) -> Result<RegionCode, RegionError> {
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionError::Malformed(s.to_string()));
        }
        match regions().get(s) {
            Some(region) => Ok(RegionCode(region.code.to_string())),
            None => Err(RegionError::Unknown(s.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The table row of this code.
    pub fn region(&self) -> &'static Region {
        match regions().get(&self.0) {
            Some(region) => region,
            // A RegionCode is only ever built by `parse`, which checked the code is in the
            // (immutable, embedded) table, so the lookup cannot fail.
            None => unreachable!("RegionCode {} constructed outside RegionCode::parse", self.0),
        }
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> String {
        code.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

/// The whole region table, indexed by code and by parent.
#[derive(Debug)]
pub struct RegionTable {
    /// Every row, sorted by code.
    rows: &'static [Region],
    by_code: HashMap<&'static str, usize>,
    /// Direct children of each code that has any, sorted by code.
    children: HashMap<&'static str, Vec<&'static str>>,
}

static TABLE: LazyLock<RegionTable> = LazyLock::new(|| {
    // The embedded file is a build input checked by `the_embedded_table_parses` below; a failure
    // here can only come from a malformed `data/regions.tsv` committed without running the tests.
    RegionTable::parse(REGIONS_TSV).expect("embedded data/regions.tsv is a valid region table")
});

/// The embedded GB/T 2260 table, parsed once on first use.
pub fn regions() -> &'static RegionTable {
    &TABLE
}

impl RegionTable {
    /// Parses and validates a table in the `regions.tsv` format: header line, five tab-separated
    /// columns, six-digit unique codes, known levels, provinces without parent and every other
    /// row with a parent that is itself in the table. The parsed rows live for the rest of the
    /// program (the table is built once).
    fn parse(text: &'static str) -> Result<RegionTable, String> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim_end_matches('\r') == HEADER => {}
            _ => return Err(format!("first line must be the header {HEADER:?}")),
        }
        let mut rows: Vec<Region> = Vec::new();
        for (index, line) in lines {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let lineno = index + 1;
            let fields: Vec<&'static str> = line.split('\t').collect();
            let [code, parent, level, name, name_en] = fields[..] else {
                return Err(format!("line {lineno}: expected 5 columns, got {}", fields.len()));
            };
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("line {lineno}: malformed code {code:?}"));
            }
            let level =
                RegionLevel::from_tsv(level).ok_or_else(|| format!("line {lineno}: unknown level {level:?}"))?;
            let parent = if parent.is_empty() { None } else { Some(parent) };
            if (level == RegionLevel::Province) != parent.is_none() {
                return Err(format!("line {lineno}: exactly the provinces have no parent"));
            }
            if name.is_empty() || name_en.is_empty() {
                return Err(format!("line {lineno}: empty name"));
            }
            rows.push(Region { code, parent, level, name, name_en });
        }
        rows.sort_by(|a, b| a.code.cmp(b.code));

        let mut by_code = HashMap::with_capacity(rows.len());
        for (i, region) in rows.iter().enumerate() {
            if by_code.insert(region.code, i).is_some() {
                return Err(format!("duplicate code {}", region.code));
            }
        }
        let mut children: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for region in &rows {
            if let Some(parent) = region.parent {
                if !by_code.contains_key(parent) {
                    return Err(format!("{}: parent {parent} is not in the table", region.code));
                }
                // Rows are sorted, so each child list is too.
                children.entry(parent).or_default().push(region.code);
            }
        }
        Ok(RegionTable { rows: Vec::leak(rows), by_code, children })
    }

    /// The row for `code`, if the table has it.
    pub fn get(&self, code: &str) -> Option<&'static Region> {
        let rows: &'static [Region] = self.rows;
        self.by_code.get(code).and_then(|&i| rows.get(i))
    }

    /// Direct children of `code`, sorted by code; empty for a leaf or an unknown code.
    pub fn children(&self, code: &str) -> &[&'static str] {
        self.children.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// `code` itself first, then every region below it (depth first, by code). Empty when
    /// `code` is not in the table.
    pub fn descendants_and_self(&self, code: &str) -> Vec<&'static str> {
        let Some(root) = self.get(code) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack = vec![root.code];
        while let Some(current) = stack.pop() {
            out.push(current);
            stack.extend(self.children(current).iter().rev());
        }
        out
    }

    /// Parent, grandparent, … up to the province; empty for a province or an unknown code.
    pub fn ancestors(&self, code: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut current = self.get(code).and_then(|r| r.parent);
        while let Some(parent) = current {
            out.push(parent);
            current = self.get(parent).and_then(|r| r.parent);
        }
        out
    }

    /// True when `code` is in the table and is `ancestor` or lies below it.
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        self.get(code).is_some() && (code == ancestor || self.ancestors(code).contains(&ancestor))
    }

    /// The 34 provincial-level units, by code.
    pub fn provinces(&self) -> Vec<&'static Region> {
        let rows: &'static [Region] = self.rows;
        rows.iter().filter(|r| r.level == RegionLevel::Province).collect()
    }

    /// `codes` as runs of consecutive table codes `(first, last)` — a province's whole
    /// jurisdiction is one run — and the codes the table does not have. Every stored region
    /// code is a table code, so `code BETWEEN first AND last` selects exactly the run.
    pub fn runs<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> (Vec<(&'static str, &'static str)>, Vec<&'a str>) {
        let mut unknown = Vec::new();
        let mut indices: Vec<usize> = Vec::new();
        for code in codes {
            match self.by_code.get(code) {
                Some(&i) => indices.push(i),
                None => unknown.push(code),
            }
        }
        indices.sort_unstable();
        indices.dedup();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for i in indices {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == i => *last = i,
                _ => runs.push((i, i)),
            }
        }
        (runs.into_iter().map(|(a, b)| (self.rows[a].code, self.rows[b].code)).collect(), unknown)
    }

    /// Every row of the table, by code.
    pub fn iter(&self) -> impl Iterator<Item = &'static Region> + use<> {
        let rows: &'static [Region] = self.rows;
        rows.iter()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The names from the province down, space-separated, e.g. `江西省 赣州市 瑞金市`
    /// (`Jiangxi Ganzhou City Ruijin City` in English). The "省直辖县级行政区划" grouping rows
    /// are left out (`湖北省 仙桃市`). An unknown code is returned as it is.
    pub fn path_name(&self, code: &str, english: bool) -> String {
        let Some(region) = self.get(code) else {
            return code.to_string();
        };
        let mut chain: Vec<&'static Region> = self
            .ancestors(code)
            .into_iter()
            .filter_map(|c| self.get(c))
            .filter(|r| !r.name.ends_with("直辖县级行政区划"))
            .collect();
        chain.reverse();
        chain.push(region);
        let names: Vec<&str> = chain.iter().map(|r| if english { r.name_en } else { r.name }).collect();
        names.join(" ")
    }
}

#[cfg(test)]
mod tests {
    // R-AUTH-1 / issue 3 requirement 1: jurisdictions are built on the real GB/T 2260
    // hierarchy, so the table must be complete at province level and internally consistent.
    use super::*;

    const MAINLAND_PROVINCES: [&str; 31] = [
        "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000", "330000",
        "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000", "460000", "500000",
        "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000", "650000",
    ];

    #[test]
    fn a_whole_province_is_one_run_of_codes_and_a_scattered_set_several() {
        let t = regions();
        let jiangxi = t.descendants_and_self("360000");
        let (runs, unknown) = t.runs(jiangxi.iter().copied());
        assert_eq!(runs, vec![("360000", *jiangxi.iter().max().expect("codes"))]);
        assert!(unknown.is_empty());
        let (runs, unknown) = t.runs(["360121", "360425", "999999", "360121"]);
        assert_eq!(runs, vec![("360121", "360121"), ("360425", "360425")]);
        assert_eq!(unknown, vec!["999999"]);
        let every_code_between = |a: &str, b: &str| t.iter().filter(|r| r.code >= a && r.code <= b).count();
        assert_eq!(every_code_between(runs[0].0, runs[0].1), 1, "a run holds only its own codes");
    }

    #[test]
    fn the_embedded_table_parses() {
        let table = RegionTable::parse(REGIONS_TSV).expect("embedded table parses");
        assert!(table.len() > 3000, "only {} rows", table.len());
        assert_eq!(regions().len(), table.len());
        assert!(!regions().is_empty());
    }

    #[test]
    fn all_31_mainland_provincial_level_units_are_present() {
        let table = regions();
        for code in MAINLAND_PROVINCES {
            let region = table.get(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(region.level, RegionLevel::Province, "{code}");
            assert_eq!(region.parent, None, "{code}");
        }
        let provinces: Vec<&str> = table.provinces().iter().map(|r| r.code).collect();
        for code in MAINLAND_PROVINCES {
            assert!(provinces.contains(&code));
        }
        // 31 mainland units plus Taiwan, Hong Kong and Macao.
        assert_eq!(provinces.len(), 34);
    }

    #[test]
    fn every_parent_code_exists_and_is_one_level_up_or_a_municipality() {
        let table = regions();
        for region in table.iter() {
            let Some(parent) = region.parent else {
                assert_eq!(region.level, RegionLevel::Province);
                continue;
            };
            let parent = table.get(parent).unwrap_or_else(|| panic!("{} parent missing", region.code));
            match region.level {
                RegionLevel::Province => panic!("province {} has a parent", region.code),
                RegionLevel::Prefecture => assert_eq!(parent.level, RegionLevel::Province),
                RegionLevel::County => assert_ne!(parent.level, RegionLevel::County),
            }
            assert_eq!(&parent.code[..2], &region.code[..2], "{} crosses provinces", region.code);
        }
    }

    #[test]
    fn jiangxi_has_exactly_its_eleven_prefecture_level_cities() {
        let expected = [
            ("360100", "南昌市"),
            ("360200", "景德镇市"),
            ("360300", "萍乡市"),
            ("360400", "九江市"),
            ("360500", "新余市"),
            ("360600", "鹰潭市"),
            ("360700", "赣州市"),
            ("360800", "吉安市"),
            ("360900", "宜春市"),
            ("361000", "抚州市"),
            ("361100", "上饶市"),
        ];
        let table = regions();
        let children = table.children("360000");
        assert_eq!(children, expected.map(|(code, _)| code).as_slice());
        for (code, name) in expected {
            let region = table.get(code).expect("present");
            assert_eq!(region.name, name);
            assert_eq!(region.level, RegionLevel::Prefecture);
        }
        for (code, name) in [("360781", "瑞金市"), ("360482", "共青城市"), ("360425", "永修县"), ("360112", "新建区")]
        {
            assert_eq!(table.get(code).map(|r| r.name), Some(name));
        }
    }

    #[test]
    fn ruijin_is_within_ganzhou_and_jiangxi_but_not_nanchang() {
        let table = regions();
        assert!(table.is_within("360781", "360700"));
        assert!(table.is_within("360781", "360000"));
        assert!(table.is_within("360781", "360781"));
        assert!(!table.is_within("360781", "360100"));
        assert!(!table.is_within("999999", "999999"));
        assert_eq!(table.ancestors("360781"), vec!["360700", "360000"]);
        assert_eq!(table.path_name("360781", false), "江西省 赣州市 瑞金市");
        assert_eq!(table.path_name("360781", true), "Jiangxi Ganzhou City Ruijin City");
        assert_eq!(table.path_name("429004", false), "湖北省 仙桃市");
    }

    #[test]
    fn parse_rejects_short_non_numeric_and_unknown_codes() {
        assert_eq!(RegionCode::parse("36000"), Err(RegionError::Malformed("36000".into())));
        assert_eq!(RegionCode::parse("abcdef"), Err(RegionError::Malformed("abcdef".into())));
        assert_eq!(RegionCode::parse("999999"), Err(RegionError::Unknown("999999".into())));
        assert_eq!(RegionCode::parse("３６００００"), Err(RegionError::Malformed("３６００００".into())));
        let ruijin = RegionCode::parse("360781").expect("known code");
        assert_eq!(ruijin.as_str(), "360781");
        assert_eq!(ruijin.region().name, "瑞金市");
        assert_eq!(ruijin.to_string(), "360781");
        assert_eq!("360781".parse::<RegionCode>(), Ok(ruijin.clone()));
        assert_eq!(String::from(ruijin), "360781");
    }

    #[test]
    fn region_codes_round_trip_through_serde_and_reject_unknown_codes() {
        let code: RegionCode = serde_json::from_str("\"360700\"").expect("deserialises");
        assert_eq!(serde_json::to_string(&code).expect("serialises"), "\"360700\"");
        assert!(serde_json::from_str::<RegionCode>("\"999999\"").is_err());
        let level = serde_json::to_string(&RegionLevel::Prefecture).expect("serialises");
        assert_eq!(level, "\"prefecture\"");
    }

    #[test]
    fn descendants_and_self_of_jiangxi_start_with_itself_and_contain_ruijin() {
        let table = regions();
        let below = table.descendants_and_self("360000");
        assert_eq!(below.first(), Some(&"360000"));
        assert!(below.contains(&"360781"));
        assert!(below.iter().all(|c| c.starts_with("36")));
        assert_eq!(
            below.len(),
            1 + 11 + table.iter().filter(|r| r.code.starts_with("36") && r.level == RegionLevel::County).count()
        );
        assert!(table.descendants_and_self("999999").is_empty());
    }

    #[test]
    fn a_malformed_table_is_an_error_not_a_panic() {
        let bad = [
            "",
            "code\tparent\n",
            "code\tparent\tlevel\tname\tname_en\n36000\t\tprovince\t江西省\tJiangxi\n",
            "code\tparent\tlevel\tname\tname_en\n360000\t\tstate\t江西省\tJiangxi\n",
            "code\tparent\tlevel\tname\tname_en\n360100\t360000\tprefecture\t南昌市\tNanchang City\n",
            "code\tparent\tlevel\tname\tname_en\n360000\t\tprovince\t江西省\n",
            "code\tparent\tlevel\tname\tname_en\n360000\t\tprovince\t江西省\tJiangxi\n360000\t\tprovince\t江西省\tJiangxi\n",
        ];
        for text in bad {
            assert!(RegionTable::parse(text).is_err(), "{text:?} accepted");
        }
    }
}
