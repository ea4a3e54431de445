//! Reading an archive's files into the staging area (R-ENT-6): each file decoded, its header
//! checked against the mapping, every row validated through the mapping's formats and value
//! maps, and repeated establishments, inspections and findings merged by their keys. No
//! database here: what the archive already brought is compared in the plan step.

use std::collections::HashMap;
use std::path::PathBuf;

use time::Date;
use touchstone_domain::archive::{self as rules, Disposition, Field, Mapping, Role, Severity};
use touchstone_domain::hazard::Level;
use touchstone_domain::jurisdiction::Scope;
use touchstone_domain::region::RegionCode;

use crate::{Error, Result};

/// Where a record came from: the file (index into the import's files) and its row (the
/// header is row 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub file: u32,
    pub row: u32,
}

#[derive(Debug)]
pub(crate) struct Establishment {
    pub external_id: String,
    pub credit_code: Option<String>,
    pub name: String,
    pub establishment_type: Option<String>,
    pub address: String,
    pub region: String,
    pub latitude: Option<i64>,
    pub longitude: Option<i64>,
    pub at: At,
}

#[derive(Debug)]
pub(crate) struct Inspection {
    pub external_id: String,
    pub establishment: String,
    pub date: Date,
    pub result: Option<String>,
    pub at: At,
}

#[derive(Debug)]
pub(crate) struct Finding {
    pub inspection: String,
    pub key: String,
    pub description: String,
    pub level: Level,
    pub disposition: Disposition,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub fine: Option<i64>,
    pub at: At,
}

/// What a row holds besides its inspection.
#[derive(Debug)]
pub(crate) enum Found {
    /// No description: an inspection without a finding.
    Nothing,
    /// A severity the mapping says to ignore.
    Ignored,
    Finding(Finding),
}

/// A row problem: the field (a mapping field name), the value, and why.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub at: At,
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

/// Everything the files hold, merged, with the rows that could not be read.
#[derive(Debug, Default)]
pub(crate) struct Staged {
    /// The files' names, as `At::file` counts them.
    pub files: Vec<String>,
    pub rows: usize,
    pub establishments: Vec<Establishment>,
    pub inspections: Vec<Inspection>,
    pub findings: Vec<Finding>,
    /// Findings whose severity the mapping says to ignore.
    pub ignored: usize,
    pub problems: Vec<Problem>,
    establishment_at: HashMap<String, usize>,
    inspection_at: HashMap<String, usize>,
    finding_at: HashMap<(String, String), At>,
}

/// The mapping's columns found in one file's header.
struct Columns([Option<usize>; Field::ALL.len()]);

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, field: Field) -> &'r str {
        self.0[field as usize].and_then(|i| record.get(i)).map(str::trim).unwrap_or("")
    }
    fn has(&self, field: Field) -> bool {
        self.0[field as usize].is_some()
    }
}

/// A file of the import: where it is on disk and the name it was given.
#[derive(Debug, Clone)]
pub struct ArchiveFile {
    pub path: PathBuf,
    pub name: String,
}

/// Reads every file in role order (establishments, inspections, findings; or the
/// denormalised files as given). A file the mapping does not fit (a column it names is
/// missing, an undecodable text) refuses the whole import. `progress(rows read, estimate)`.
pub(crate) fn stage(
    mapping: &Mapping,
    regions: &Scope,
    files: &[ArchiveFile],
    progress: &(dyn Fn(i64, i64) + Sync),
) -> Result<Staged> {
    let mut order: Vec<(usize, &rules::FileMapping)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let fm = mapping.file_for(&f.name).ok_or_else(|| {
            Error::field("file", "unmapped_file", format!("{}: no [[files]] entry of the mapping matches it", f.name))
        })?;
        order.push((i, fm));
    }
    let rank = |r: Role| Role::ALL.iter().position(|x| *x == r).unwrap_or(0);
    order.sort_by_key(|(i, fm)| (rank(fm.role).min(3), *i));
    let total_bytes: u64 = files.iter().filter_map(|f| std::fs::metadata(&f.path).ok()).map(|m| m.len()).sum();
    let (mut read_bytes, mut staged) = (0u64, Staged::default());
    staged.files = files.iter().map(|f| f.name.clone()).collect();
    let mut regions_seen: HashMap<String, std::result::Result<String, String>> = HashMap::new();
    for (i, fm) in order {
        let file = &files[i];
        let text = decode(mapping, file)?;
        read_bytes += text.len() as u64;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(mapping.delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", file.name)))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut at = [None; Field::ALL.len()];
        for (field, column) in &fm.columns {
            let found = header
                .iter()
                .position(|h| h == column)
                .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(column)));
            match found {
                Some(p) => at[*field as usize] = Some(p),
                None => {
                    return Err(Error::field(
                        "mapping",
                        "unknown_column",
                        format!(
                            "{}: the mapping names column {column:?} for {field}, but the file's columns are {}",
                            file.name,
                            header.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
        }
        let columns = Columns(at);
        let mut record = csv::StringRecord::new();
        let mut row = 1u32;
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    return Err(Error::field("file", "unreadable", format!("{} row {}: {e}", file.name, row + 1)));
                }
            }
            row += 1;
            staged.rows += 1;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let at = At { file: i as u32, row };
            let mut row_problems = Vec::new();
            let mut region_of = |raw: Option<&str>| -> std::result::Result<String, String> {
                let code = mapping.region_of(raw).unwrap_or_default();
                regions_seen
                    .entry(code.clone())
                    .or_insert_with(|| match RegionCode::parse(&code) {
                        Ok(r) if regions.contains(r.as_str()) => Ok(r.as_str().to_string()),
                        Ok(_) => Err(format!("region {code} is outside your jurisdiction")),
                        Err(e) => Err(e.to_string()),
                    })
                    .clone()
            };
            let ctx = Row { mapping, columns: &columns, record: &record, at, file: &file.name };
            match fm.role {
                Role::Denormalised => {
                    let e = ctx.establishment(&mut region_of, &mut row_problems);
                    let s = ctx.inspection(&mut row_problems);
                    let f = ctx.finding(&mut row_problems);
                    if row_problems.is_empty()
                        && let (Some(e), Some(s), Some(f)) = (e, s, f)
                    {
                        staged.add_denormalised(e, s, f, &mut row_problems);
                    }
                }
                Role::Establishments => {
                    if let Some(e) = ctx.establishment(&mut region_of, &mut row_problems)
                        && row_problems.is_empty()
                    {
                        staged.add_establishment(e);
                    }
                }
                Role::Inspections => {
                    if let Some(s) = ctx.inspection(&mut row_problems)
                        && row_problems.is_empty()
                    {
                        staged.add_inspection(s, &mut row_problems);
                    }
                }
                Role::Findings => {
                    let f = ctx.finding(&mut row_problems);
                    if row_problems.is_empty() {
                        match f {
                            Some(Found::Finding(f)) => staged.add_finding(f, &mut row_problems),
                            Some(Found::Ignored) => staged.ignored += 1,
                            Some(Found::Nothing) | None => {}
                        }
                    }
                }
            }
            staged.problems.extend(row_problems);
            if row.is_multiple_of(20_000) {
                let estimate = staged.rows as u64 * total_bytes / (read_bytes.max(1));
                progress(staged.rows as i64, estimate.max(staged.rows as u64) as i64);
            }
        }
    }
    Ok(staged)
}

fn decode(mapping: &Mapping, file: &ArchiveFile) -> Result<String> {
    let encoding = encoding_rs::Encoding::for_label(mapping.encoding.as_bytes()).ok_or_else(|| {
        Error::field("encoding", "unknown_encoding", format!("{:?} is not an encoding", mapping.encoding))
    })?;
    let bytes =
        std::fs::read(&file.path).map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", file.name)))?;
    let (text, _, had_errors) = encoding.decode(&bytes);
    if had_errors {
        return Err(Error::field(
            "file",
            "bad_encoding",
            format!("{}: not valid {} text; set `encoding` in the mapping", file.name, encoding.name()),
        ));
    }
    Ok(text.into_owned())
}

/// One row being read.
struct Row<'a> {
    mapping: &'a Mapping,
    columns: &'a Columns,
    record: &'a csv::StringRecord,
    at: At,
    file: &'a str,
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl Row<'_> {
    fn get(&self, f: Field) -> &str {
        self.columns.get(self.record, f)
    }

    fn problem(&self, out: &mut Vec<Problem>, field: Field, reason: impl Into<String>) {
        out.push(Problem {
            at: self.at,
            field: field.code(),
            value: self.get(field).to_string(),
            reason: reason.into(),
        });
    }

    fn required(&self, out: &mut Vec<Problem>, field: Field) -> Option<String> {
        let v = self.get(field);
        if v.is_empty() {
            self.problem(out, field, "required");
            None
        } else {
            Some(v.to_string())
        }
    }

    fn establishment(
        &self,
        region_of: &mut dyn FnMut(Option<&str>) -> std::result::Result<String, String>,
        out: &mut Vec<Problem>,
    ) -> Option<Establishment> {
        let external_id = self.required(out, Field::EstablishmentId);
        let name = self.required(out, Field::Name);
        let credit_code = match self.get(Field::CreditCode) {
            "" => None,
            c => match touchstone_domain::uscc::Uscc::parse(c) {
                Ok(u) => Some(u.to_string()),
                Err(e) => {
                    self.problem(out, Field::CreditCode, e.to_string());
                    None
                }
            },
        };
        let raw_region = self.columns.has(Field::Region).then(|| self.get(Field::Region));
        let region = match region_of(raw_region) {
            Ok(r) => Some(r),
            Err(reason) => {
                self.problem(out, Field::Region, reason);
                None
            }
        };
        Some(Establishment {
            external_id: external_id?,
            credit_code,
            name: name?,
            establishment_type: optional(self.get(Field::EstablishmentType)),
            address: self.get(Field::Address).to_string(),
            region: region?,
            latitude: rules::parse_coordinate(self.get(Field::Latitude), 90.0),
            longitude: rules::parse_coordinate(self.get(Field::Longitude), 180.0),
            at: self.at,
        })
    }

    fn inspection(&self, out: &mut Vec<Problem>) -> Option<Inspection> {
        let external_id = self.required(out, Field::InspectionId);
        let establishment = self.required(out, Field::EstablishmentId);
        let raw = self.get(Field::InspectionDate);
        let date = match self.mapping.date_of(raw) {
            Some(d) => Some(d),
            None => {
                let formats = self.mapping.date_formats.join(" or ");
                self.problem(
                    out,
                    Field::InspectionDate,
                    if raw.is_empty() { "required".into() } else { format!("not a date in {formats}") },
                );
                None
            }
        };
        Some(Inspection {
            external_id: external_id?,
            establishment: establishment?,
            date: date?,
            result: optional(self.get(Field::InspectionResult)),
            at: self.at,
        })
    }

    /// What the row holds as a finding; `None` when it has a problem.
    fn finding(&self, out: &mut Vec<Problem>) -> Option<Found> {
        let description = self.get(Field::Description);
        if description.is_empty() {
            return Some(Found::Nothing);
        }
        let inspection = self.required(out, Field::InspectionId);
        let level = match self.mapping.severity_of(self.get(Field::Severity), self.columns.has(Field::Severity)) {
            Ok(Severity::Level(l)) => Some(Some(l)),
            Ok(Severity::Ignore) => Some(None),
            Err(reason) => {
                self.problem(out, Field::Severity, reason);
                None
            }
        };
        let fine = match rules::parse_money(self.get(Field::Fine)) {
            Ok(f) => Some(f),
            Err(reason) => {
                self.problem(out, Field::Fine, reason);
                None
            }
        };
        let (inspection, level, fine) = (inspection?, level?, fine?);
        let Some(level) = level else { return Some(Found::Ignored) };
        let action = self.get(Field::Action);
        let id = self.columns.has(Field::FindingId).then(|| self.get(Field::FindingId));
        Some(Found::Finding(Finding {
            key: rules::finding_key(id, self.file, self.at.row as usize),
            inspection,
            description: description.to_string(),
            level,
            disposition: self.mapping.disposition_of(action, self.get(Field::FindingStatus)),
            action: optional(action),
            outcome: optional(self.get(Field::Outcome)),
            fine,
            at: self.at,
        }))
    }
}

impl Staged {
    fn add_establishment(&mut self, e: Establishment) {
        // Repeated rows of one establishment merge: the first row's details stay.
        if !self.establishment_at.contains_key(&e.external_id) {
            self.establishment_at.insert(e.external_id.clone(), self.establishments.len());
            self.establishments.push(e);
        }
    }

    /// Whether `s` agrees with an inspection of the same key already read.
    fn place(&self, at: At) -> String {
        format!("{} row {}", self.files.get(at.file as usize).map(String::as_str).unwrap_or(""), at.row)
    }

    fn inspection_conflict(&self, s: &Inspection, out: &mut Vec<Problem>) -> bool {
        let Some(&i) = self.inspection_at.get(&s.external_id) else { return false };
        let first = &self.inspections[i];
        let place = self.place(first.at);
        if first.establishment != s.establishment {
            out.push(Problem {
                at: s.at,
                field: Field::EstablishmentId.code(),
                value: s.establishment.clone(),
                reason: format!("inspection {} is of establishment {} ({place})", s.external_id, first.establishment),
            });
            return true;
        }
        if first.date != s.date {
            out.push(Problem {
                at: s.at,
                field: Field::InspectionDate.code(),
                value: s.date.to_string(),
                reason: format!("inspection {} is dated {} ({place})", s.external_id, first.date),
            });
            return true;
        }
        false
    }

    fn add_inspection(&mut self, s: Inspection, out: &mut Vec<Problem>) {
        if !self.inspection_conflict(&s, out) && !self.inspection_at.contains_key(&s.external_id) {
            self.inspection_at.insert(s.external_id.clone(), self.inspections.len());
            self.inspections.push(s);
        }
    }

    fn finding_conflict(&self, f: &Finding, out: &mut Vec<Problem>) -> bool {
        match self.finding_at.get(&(f.inspection.clone(), f.key.clone())) {
            Some(first) => {
                out.push(Problem {
                    at: f.at,
                    field: Field::FindingId.code(),
                    value: f.key.clone(),
                    reason: format!("the same finding as {}", self.place(*first)),
                });
                true
            }
            None => false,
        }
    }

    fn add_finding(&mut self, f: Finding, out: &mut Vec<Problem>) {
        if !self.finding_conflict(&f, out) {
            self.finding_at.insert((f.inspection.clone(), f.key.clone()), f.at);
            self.findings.push(f);
        }
    }

    /// One row of a denormalised file: all of it or none of it.
    fn add_denormalised(&mut self, e: Establishment, s: Inspection, f: Found, out: &mut Vec<Problem>) {
        if self.inspection_conflict(&s, out) {
            return;
        }
        if let Found::Finding(f) = &f
            && self.finding_conflict(f, out)
        {
            return;
        }
        self.add_establishment(e);
        self.add_inspection(s, out);
        match f {
            Found::Finding(f) => self.add_finding(f, out),
            Found::Ignored => self.ignored += 1,
            Found::Nothing => {}
        }
    }
}
