//! Legacy archive import rules (R-ENT-6): the mapping file that says how an older ledger's
//! columns, dates and words become establishments, inspections, findings and enforcement
//! records; its validation; the value maps; and the merge keys. Pure: the app reads the files.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::{Date, Month};

use crate::ValidationErrors;
use crate::hazard::Level;

code_enum!(
    /// What one file of an archive holds: one row per finding with its inspection and
    /// establishment repeated on it, or one of three linked tables.
    #[derive(PartialOrd, Ord)]
    Role {
        Denormalised = "denormalised",
        Establishments = "establishments",
        Inspections = "inspections",
        Findings = "findings",
    }
);

code_enum!(
    /// The fields a mapping can name a column for.
    #[derive(PartialOrd, Ord)]
    Field {
        EstablishmentId = "establishment_id",
        CreditCode = "credit_code",
        Name = "name",
        EstablishmentType = "establishment_type",
        Address = "address",
        Region = "region",
        Latitude = "latitude",
        Longitude = "longitude",
        InspectionId = "inspection_id",
        InspectionDate = "inspection_date",
        InspectionResult = "inspection_result",
        FindingId = "finding_id",
        Description = "description",
        Severity = "severity",
        Action = "action",
        Outcome = "outcome",
        Fine = "fine",
        FindingStatus = "finding_status",
    }
);

code_enum!(
    /// What becomes of an archived finding: closed as archived at its inspection date,
    /// closed as corrected on the spot, or left open for follow-up.
    Disposition {
        Archived = "archived",
        CorrectedOnSpot = "corrected_on_spot",
        Open = "open",
    }
);

impl Role {
    /// The fields a file of this role must map.
    pub fn required(self) -> &'static [Field] {
        use Field::*;
        match self {
            Role::Denormalised => &[EstablishmentId, Name, InspectionId, InspectionDate, Description],
            Role::Establishments => &[EstablishmentId, Name],
            Role::Inspections => &[InspectionId, EstablishmentId, InspectionDate],
            Role::Findings => &[InspectionId, Description],
        }
    }

    /// The fields a file of this role may map.
    pub fn allowed(self) -> &'static [Field] {
        use Field::*;
        match self {
            Role::Denormalised => Field::ALL,
            Role::Establishments => {
                &[EstablishmentId, CreditCode, Name, EstablishmentType, Address, Region, Latitude, Longitude]
            }
            Role::Inspections => &[InspectionId, EstablishmentId, InspectionDate, InspectionResult],
            Role::Findings => &[InspectionId, FindingId, Description, Severity, Action, Outcome, Fine, FindingStatus],
        }
    }
}

/// The mapping file as written (TOML); unknown keys are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    source: String,
    default_region: Option<String>,
    encoding: Option<String>,
    delimiter: Option<String>,
    date_formats: Option<Vec<String>>,
    currency: Option<String>,
    #[serde(default)]
    findings_open: bool,
    #[serde(default)]
    files: Vec<RawFile>,
    #[serde(default)]
    values: RawValues,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    role: String,
    /// File-name patterns (`*` and `?`) this entry applies to.
    #[serde(rename = "match")]
    patterns: Vec<String>,
    columns: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValues {
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    action: BTreeMap<String, String>,
    #[serde(default)]
    finding_status: BTreeMap<String, String>,
    #[serde(default)]
    region: BTreeMap<String, String>,
}

/// One entry of `[[files]]`: which files, their role, and the column of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMapping {
    pub role: Role,
    pub patterns: Vec<String>,
    pub columns: BTreeMap<Field, String>,
}

/// What a severity cell becomes: a hazard of a level, or no hazard at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Level(Level),
    Ignore,
}

/// A validated mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The archive's name, kept on every record it brings (`toronto_dinesafe`).
    pub source: String,
    /// The region of establishments whose row names none (a GB/T 2260 code, checked by the app).
    pub default_region: Option<String>,
    /// An `encoding_rs` label (`utf-8`, `gbk`, `windows-1252` …).
    pub encoding: String,
    pub delimiter: u8,
    /// `%Y`, `%m`, `%d`, `%b` (month abbreviation), `%y`; anything after the date is ignored.
    pub date_formats: Vec<String>,
    /// ISO 4217 code of fines (`CAD`, `CNY`).
    pub currency: String,
    /// Findings stay open unless the value maps close them (default: closed as archived).
    pub findings_open: bool,
    pub files: Vec<FileMapping>,
    pub severity: BTreeMap<String, Severity>,
    pub action: BTreeMap<String, Disposition>,
    pub finding_status: BTreeMap<String, Disposition>,
    pub region: BTreeMap<String, String>,
}

/// Keys are compared trimmed and case-insensitively.
fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Mapping {
    /// Parses and validates a mapping file; every problem names its key.
    pub fn parse(text: &str) -> Result<Mapping, ValidationErrors> {
        let raw: RawMapping = toml::from_str(text).map_err(|e| {
            ValidationErrors::single("mapping", "invalid_mapping", format!("the mapping is not valid: {}", e.message()))
        })?;
        let mut errors = ValidationErrors::new();
        let source = raw.source.trim().to_string();
        if source.is_empty()
            || source.len() > 40
            || !source.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            errors.add("source", "invalid_source", "1 to 40 lower-case letters, digits, _ or -");
        }
        let encoding = raw.encoding.unwrap_or_else(|| "utf-8".into()).trim().to_lowercase();
        let delimiter = match raw.delimiter.as_deref().unwrap_or(",") {
            "\\t" | "\t" => b'\t',
            d if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
            _ => {
                errors.add("delimiter", "invalid_delimiter", "one ASCII character, or \\t");
                b','
            }
        };
        let date_formats = raw.date_formats.unwrap_or_else(|| vec!["%Y-%m-%d".into()]);
        for (i, f) in date_formats.iter().enumerate() {
            if let Err(e) = check_date_format(f) {
                errors.add(&format!("date_formats[{i}]"), "invalid_date_format", e);
            }
        }
        if date_formats.is_empty() {
            errors.add("date_formats", "required", "at least one date format");
        }
        let currency = raw.currency.unwrap_or_else(|| "CNY".into()).trim().to_uppercase();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
            errors.add("currency", "invalid_currency", "a three-letter ISO 4217 code such as CNY or CAD");
        }
        let mut files = Vec::new();
        for (i, f) in raw.files.iter().enumerate() {
            let at = format!("files[{i}]");
            let Some(role) = Role::parse(&f.role) else {
                errors.add(&format!("{at}.role"), "invalid_choice", format!("one of {}", Role::codes().join(", ")));
                continue;
            };
            if f.patterns.is_empty() || f.patterns.iter().any(|p| p.trim().is_empty()) {
                errors.add(&format!("{at}.match"), "required", "at least one file-name pattern");
            }
            let mut columns = BTreeMap::new();
            for (name, column) in &f.columns {
                match Field::parse(name) {
                    Some(field) if role.allowed().contains(&field) => {
                        if column.trim().is_empty() {
                            errors.add(&format!("{at}.columns.{name}"), "required", "the column's header");
                        }
                        columns.insert(field, column.trim().to_string());
                    }
                    Some(_) => errors.add(
                        &format!("{at}.columns.{name}"),
                        "not_allowed",
                        format!("a file of {role} has no {name}"),
                    ),
                    None => errors.add(
                        &format!("{at}.columns.{name}"),
                        "unknown_field",
                        format!("unknown field; fields are {}", Field::codes().join(", ")),
                    ),
                }
            }
            for field in role.required() {
                if !columns.contains_key(field) {
                    errors.add(&format!("{at}.columns.{field}"), "required", format!("a file of {role} needs it"));
                }
            }
            files.push(FileMapping { role, patterns: f.patterns.clone(), columns });
        }
        let roles: BTreeSet<Role> = files.iter().map(|f| f.role).collect();
        if raw.files.is_empty() {
            errors.add("files", "required", "at least one [[files]] entry");
        } else if roles.contains(&Role::Denormalised) && roles.len() > 1 {
            errors.add("files", "mixed_roles", "either denormalised files or linked tables, not both");
        } else if !roles.contains(&Role::Denormalised)
            && let Some(missing) =
                [Role::Establishments, Role::Inspections, Role::Findings].iter().find(|r| !roles.contains(r))
        {
            errors.add("files", "missing_role", format!("linked tables need a file of {missing}"));
        }
        let mut severity = BTreeMap::new();
        for (k, v) in &raw.values.severity {
            let s = match v.trim() {
                "ignore" => Some(Severity::Ignore),
                v => Level::parse(v).map(Severity::Level),
            };
            match s {
                Some(s) => {
                    severity.insert(norm(k), s);
                }
                None => errors.add(&format!("values.severity.{k}"), "invalid_choice", "general, major or ignore"),
            }
        }
        let mut dispositions = |map: &BTreeMap<String, String>, key: &str| {
            let mut out = BTreeMap::new();
            for (k, v) in map {
                match Disposition::parse(v) {
                    Some(d) => {
                        out.insert(norm(k), d);
                    }
                    None => errors.add(
                        &format!("values.{key}.{k}"),
                        "invalid_choice",
                        format!("one of {}", Disposition::codes().join(", ")),
                    ),
                }
            }
            out
        };
        let action = dispositions(&raw.values.action, "action");
        let finding_status = dispositions(&raw.values.finding_status, "finding_status");
        let region: BTreeMap<String, String> =
            raw.values.region.iter().map(|(k, v)| (norm(k), v.trim().to_string())).collect();
        let default_region = raw.default_region.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
        let maps_region = files.iter().any(|f| f.columns.contains_key(&Field::Region));
        if default_region.is_none() && !maps_region {
            errors.add("default_region", "required", "a default region, or a region column");
        }
        errors.into_result()?;
        Ok(Mapping {
            source,
            default_region,
            encoding,
            delimiter,
            date_formats,
            currency,
            findings_open: raw.findings_open,
            files,
            severity,
            action,
            finding_status,
            region,
        })
    }

    /// The mapping entry for a file name (the first whose pattern matches).
    pub fn file_for(&self, name: &str) -> Option<&FileMapping> {
        self.files.iter().find(|f| f.patterns.iter().any(|p| matches_pattern(p, name)))
    }

    /// What a severity cell becomes. An unmapped severity column makes general hazards; a
    /// value the map does not name is an error.
    pub fn severity_of(&self, raw: &str, column_mapped: bool) -> Result<Severity, String> {
        if !column_mapped {
            return Ok(Severity::Level(Level::General));
        }
        if let Some(s) = self.severity.get(&norm(raw)) {
            return Ok(*s);
        }
        Level::parse(&norm(raw))
            .map(Severity::Level)
            .ok_or_else(|| format!("{raw:?} is not among the mapping's severity values, nor general or major"))
    }

    /// What becomes of a finding: its status value, else its action value, else the default
    /// (closed as archived, or open with `findings_open`).
    pub fn disposition_of(&self, action: &str, status: &str) -> Disposition {
        self.finding_status
            .get(&norm(status))
            .or_else(|| self.action.get(&norm(action)))
            .copied()
            .unwrap_or(if self.findings_open { Disposition::Open } else { Disposition::Archived })
    }

    /// The region code of a row: its region cell through the region map (or as written),
    /// else the default region.
    pub fn region_of(&self, raw: Option<&str>) -> Option<String> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Some(self.region.get(&norm(r)).cloned().unwrap_or_else(|| r.to_string())),
            None => self.default_region.clone(),
        }
    }

    /// A date cell in the first of the mapping's formats that reads it.
    pub fn date_of(&self, raw: &str) -> Option<Date> {
        self.date_formats.iter().find_map(|f| parse_date_with(f, raw.trim()))
    }
}

/// Whether `name` matches a pattern of `*` (any run) and `?` (one character), ignoring case.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first().is_some_and(|x| x == c) && go(rest, &n[1..]),
        }
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    go(&p, &n)
}

fn check_date_format(f: &str) -> Result<(), String> {
    let mut chars = f.chars();
    let mut seen = BTreeSet::new();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some(d @ ('Y' | 'y' | 'm' | 'd' | 'b')) => {
                    seen.insert(d);
                }
                other => return Err(format!("unknown directive %{}", other.map(String::from).unwrap_or_default())),
            }
        }
    }
    let year = seen.contains(&'Y') || seen.contains(&'y');
    let month = seen.contains(&'m') || seen.contains(&'b');
    if year && month && seen.contains(&'d') { Ok(()) } else { Err("needs a year, a month and a day".into()) }
}

/// Reads a date written in `format` (`%Y-%m-%d`, `%d/%m/%Y`, `%d-%b-%y` …); text after the
/// date (a time) is ignored. Two-digit years are 1970–2069.
pub fn parse_date_with(format: &str, value: &str) -> Option<Date> {
    let (mut year, mut month, mut day) = (None, None, None);
    let v = value.as_bytes();
    let mut i = 0;
    let mut f = format.chars();
    let number = |i: &mut usize, max: usize| -> Option<i32> {
        let start = *i;
        while *i < v.len() && *i - start < max && v[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start { None } else { std::str::from_utf8(&v[start..*i]).ok()?.parse().ok() }
    };
    while let Some(c) = f.next() {
        if c != '%' {
            let mut buf = [0u8; 4];
            let lit = c.encode_utf8(&mut buf).as_bytes();
            if v.get(i..i + lit.len()) != Some(lit) {
                return None;
            }
            i += lit.len();
            continue;
        }
        match f.next()? {
            'Y' => year = Some(number(&mut i, 4)?),
            'y' => {
                let y = number(&mut i, 2)?;
                year = Some(if y < 70 { 2000 + y } else { 1900 + y });
            }
            'm' => month = Some(number(&mut i, 2)?),
            'd' => day = Some(number(&mut i, 2)?),
            'b' => {
                let word = v.get(i..i + 3)?;
                let word = std::str::from_utf8(word).ok()?.to_lowercase();
                const NAMES: [&str; 12] =
                    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
                month = Some(NAMES.iter().position(|n| *n == word)? as i32 + 1);
                i += 3;
                while i < v.len() && v[i].is_ascii_alphabetic() {
                    i += 1;
                }
            }
            _ => return None,
        }
    }
    let month = Month::try_from(u8::try_from(month?).ok()?).ok()?;
    Date::from_calendar_date(year?, month, u8::try_from(day?).ok()?).ok()
}

/// An amount such as `62.5`, `$1,250.00` or `¥300` in minor units (cents, fen). Empty is none.
pub fn parse_money(raw: &str) -> Result<Option<i64>, String> {
    let s: String = raw.trim().chars().filter(|c| !matches!(c, ',' | ' ' | '$' | '¥' | '￥' | '€' | '£')).collect();
    if s.is_empty() {
        return Ok(None);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 12 {
        return Err(format!("{raw:?} is not an amount"));
    }
    let whole: i64 =
        if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("{raw:?} is not an amount"))? };
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| format!("{raw:?} is not an amount"))?;
    Ok(Some(whole * 100 + cents))
}

/// A latitude or longitude in degrees as integer micro-degrees; empty or out of range is none
/// (`limit` 90 or 180).
pub fn parse_coordinate(raw: &str, limit: f64) -> Option<i64> {
    let d: f64 = raw.trim().parse().ok()?;
    (d.is_finite() && d.abs() <= limit && d != 0.0).then(|| (d * 1_000_000.0).round() as i64)
}

/// What an establishment without a credit code is registered under: never a valid code
/// (lower case and a colon), unique per archive and external id (ADR 0008).
pub fn placeholder_code(source: &str, external_id: &str) -> String {
    format!("archive:{source}:{}", external_id.trim())
}

/// Whether a registered code is an archive's placeholder: the credit code is missing.
pub fn is_placeholder_code(code: &str) -> bool {
    code.starts_with("archive:")
}

/// The external id a placeholder code stands for; `None` for any other code.
pub fn placeholder_external_id(code: &str) -> Option<&str> {
    code.strip_prefix("archive:")?.split_once(':').map(|(_, id)| id)
}

/// The key a finding is merged by inside its inspection: its own id, else the file and row it
/// came from (a re-run of the same file finds the same key).
pub fn finding_key(finding_id: Option<&str>, file: &str, row: usize) -> String {
    match finding_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_string(),
        None => format!("{file}#{row}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TORONTO: &str = r#"
source = "toronto_dinesafe"
default_region = "360121"
currency = "CAD"
[[files]]
role = "denormalised"
match = ["toronto_dinesafe_*.csv"]
[files.columns]
finding_id = "Rec #"
establishment_id = "Establishment ID"
inspection_id = "Inspection ID"
name = "Establishment Name"
inspection_date = "Inspection Date"
description = "Infraction Details"
severity = "Severity"
action = "Action"
fine = "Amount Fined"
[values.severity]
"C - Crucial" = "major"
"M - Minor" = "general"
"NA - Not Applicable" = "ignore"
[values.action]
"Corrected During Inspection" = "corrected_on_spot"
"#;

    #[test]
    fn a_mapping_names_columns_values_and_files() {
        let m = Mapping::parse(TORONTO).expect("valid");
        assert_eq!(m.source, "toronto_dinesafe");
        assert_eq!(m.currency, "CAD");
        assert_eq!(m.file_for("TORONTO_DINESAFE_2001.csv").map(|f| f.role), Some(Role::Denormalised));
        assert!(m.file_for("other.csv").is_none());
        assert_eq!(m.severity_of("c - crucial ", true), Ok(Severity::Level(Level::Major)));
        assert_eq!(m.severity_of("NA - Not Applicable", true), Ok(Severity::Ignore));
        assert!(m.severity_of("X - Unknown", true).is_err(), "an unmapped value is a row error");
        assert_eq!(m.severity_of("anything", false), Ok(Severity::Level(Level::General)));
        assert_eq!(m.disposition_of("Corrected During Inspection", ""), Disposition::CorrectedOnSpot);
        assert_eq!(m.disposition_of("Notice to Comply", ""), Disposition::Archived, "closed as archived by default");
        assert_eq!(m.region_of(None).as_deref(), Some("360121"));
    }

    #[test]
    fn findings_stay_open_when_the_mapping_says_so_unless_a_value_closes_them() {
        let m = Mapping::parse(&TORONTO.replace("currency", "findings_open = true\ncurrency")).expect("valid");
        assert_eq!(m.disposition_of("Notice to Comply", ""), Disposition::Open);
        assert_eq!(m.disposition_of("Corrected During Inspection", ""), Disposition::CorrectedOnSpot);
    }

    #[test]
    fn a_bad_mapping_names_every_broken_key() {
        let bad = TORONTO
            .replace("name = \"Establishment Name\"", "nmae = \"Establishment Name\"")
            .replace("= \"ignore\"", "= \"severe\"")
            .replace("source = \"toronto_dinesafe\"", "source = \"Toronto DineSafe\"");
        let e = Mapping::parse(&bad).expect_err("refused");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"source"), "{fields:?}");
        assert!(fields.contains(&"files[0].columns.nmae"), "{fields:?}");
        assert!(fields.contains(&"files[0].columns.name"), "the required field is missing: {fields:?}");
        assert!(fields.contains(&"values.severity.NA - Not Applicable"), "{fields:?}");
        let e = Mapping::parse("source = \"x\"\nunknown = 1").expect_err("refused");
        assert!(e.to_string().contains("unknown"), "{e}");
        let e = Mapping::parse(&TORONTO.replace("role = \"denormalised\"", "role = \"findings\"")).expect_err("x");
        assert!(e.0.iter().any(|f| f.field == "files" && f.code == "missing_role"), "{e}");
    }

    #[test]
    fn dates_are_read_in_the_mappings_formats() {
        let d = |f: &str, v: &str| parse_date_with(f, v).map(|d| d.to_string());
        assert_eq!(d("%Y-%m-%d", "2001-02-15").as_deref(), Some("2001-02-15"));
        assert_eq!(d("%Y-%m-%d", "2001-02-15 10:30:00").as_deref(), Some("2001-02-15"), "a time after it");
        assert_eq!(d("%d/%m/%Y", "5/3/2024").as_deref(), Some("2024-03-05"));
        assert_eq!(d("%d-%b-%y", "05-MAR-04").as_deref(), Some("2004-03-05"));
        assert_eq!(d("%Y-%m-%d", "2001-02-30"), None);
        assert_eq!(d("%Y-%m-%d", "15/02/2001"), None);
        assert!(check_date_format("%Y-%m").is_err());
        assert!(check_date_format("%Y-%q-%d").is_err());
    }

    #[test]
    fn fines_are_kept_in_minor_units() {
        assert_eq!(parse_money("62.5"), Ok(Some(6250)));
        assert_eq!(parse_money("$1,250.00"), Ok(Some(125_000)));
        assert_eq!(parse_money("0"), Ok(Some(0)));
        assert_eq!(parse_money(" "), Ok(None));
        assert!(parse_money("12.345").is_err());
        assert!(parse_money("sixty").is_err());
    }

    #[test]
    fn placeholders_and_keys_are_stable() {
        let p = placeholder_code("toronto_dinesafe", " 9013060 ");
        assert_eq!(p, "archive:toronto_dinesafe:9013060");
        assert!(is_placeholder_code(&p));
        assert_eq!(placeholder_external_id(&p), Some("9013060"));
        assert_eq!(placeholder_external_id("archive:src:a:b"), Some("a:b"));
        assert_eq!(placeholder_external_id("91360121MA35K8P44X"), None);
        assert!(crate::uscc::Uscc::parse(&p).is_err(), "never a valid credit code");
        assert_eq!(finding_key(Some(" 12 "), "a.csv", 3), "12");
        assert_eq!(finding_key(None, "a.csv", 3), "a.csv#3");
        assert!(matches_pattern("*_20??.csv", "dinesafe_2012.CSV"));
        assert!(!matches_pattern("*.csv", "a.xlsx"));
        assert_eq!(parse_coordinate("43.63816", 90.0), Some(43_638_160));
        assert_eq!(parse_coordinate("", 90.0), None);
    }
}
