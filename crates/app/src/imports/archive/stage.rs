//! Reading an archive's files into the staging area (R-ENT-6): each file decoded, its header
//! checked against the mapping, every row validated through the mapping's formats and value
//! maps, and repeated establishments, inspections and findings merged by their keys. No
//! database here: what the archive already brought is compared in the plan step.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

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
/// Two threads read and validate the files, alternately; this one merges them in order, so
/// the outcome is the same as reading them one after the other.
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
    let read = Counter { rows: AtomicU64::new(0), bytes: AtomicU64::new(0), total_bytes, progress };
    let mut staged = Staged { files: files.iter().map(|f| f.name.clone()).collect(), ..Staged::default() };
    std::thread::scope(|scope| {
        // Each reader takes every other file and hands its rows over a chunk at a time; it runs
        // at most a few chunks ahead of the merge, so memory does not grow with a file's size.
        let receivers: Vec<std::sync::mpsc::Receiver<Result<Chunk>>> = (0..READERS)
            .map(|reader| {
                let (sender, receiver) = std::sync::mpsc::sync_channel(CHUNKS_AHEAD);
                let mine: Vec<(usize, &rules::FileMapping)> =
                    order.iter().skip(reader).step_by(READERS).copied().collect();
                let read = &read;
                scope.spawn(move || {
                    for (i, fm) in mine {
                        let mut hand_over = |chunk: Chunk| sender.send(Ok(chunk)).is_ok();
                        match read_file(mapping, regions, i, &files[i], fm, read, &mut hand_over) {
                            Ok(true) => {}
                            Ok(false) => return,
                            Err(e) => {
                                let _ = sender.send(Err(e));
                                return;
                            }
                        }
                    }
                });
                receiver
            })
            .collect();
        for n in 0..order.len() {
            loop {
                let chunk = receivers[n % READERS]
                    .recv()
                    .map_err(|_| Error::Internal("a reader of the archive stopped".into()))??;
                let last = chunk.last;
                staged.merge(chunk);
                if last {
                    break;
                }
            }
        }
        Ok::<(), Error>(())
    })?;
    Ok(staged)
}

/// Threads that read and validate files at once.
const READERS: usize = 2;

/// Rows handed over together, and how many chunks a reader may read ahead of the merge.
const CHUNK_ROWS: usize = 4_096;
const CHUNKS_AHEAD: usize = 8;

/// What the readers have read so far, for the progress shown.
struct Counter<'a> {
    rows: AtomicU64,
    bytes: AtomicU64,
    total_bytes: u64,
    progress: &'a (dyn Fn(i64, i64) + Sync),
}

impl Counter<'_> {
    fn add(&self, rows: u64, bytes: u64) {
        let rows = self.rows.fetch_add(rows, Ordering::Relaxed) + rows;
        let bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let estimate = rows * self.total_bytes / bytes.max(1);
        (self.progress)(rows as i64, estimate.max(rows) as i64);
    }
}

/// One row as read and validated: what it holds when it had no problem, and its problems.
enum RowRead {
    Denormalised(Box<Establishment>, Inspection, Found),
    Establishment(Establishment),
    Inspection(Inspection),
    Finding(Found),
    Problems(Vec<Problem>),
}

/// Consecutive rows of one file, before they are merged; `rows` counts the blank ones too;
/// `last` ends the file.
struct Chunk {
    rows: usize,
    read: Vec<RowRead>,
    last: bool,
}

/// Reads and validates one file (`i` in the import's files) as its mapping says, handing its
/// rows over a chunk at a time; `Ok(false)` when the merge no longer takes them.
fn read_file(
    mapping: &Mapping,
    regions: &Scope,
    i: usize,
    file: &ArchiveFile,
    fm: &rules::FileMapping,
    counter: &Counter,
    hand_over: &mut dyn FnMut(Chunk) -> bool,
) -> Result<bool> {
    let text = decode(mapping, file)?;
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
    let mut regions_seen: HashMap<String, std::result::Result<String, String>> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut out = Chunk { rows: 0, read: Vec::with_capacity(CHUNK_ROWS), last: false };
    let (mut row, mut counted_bytes) = (1u32, 0u64);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(Error::field("file", "unreadable", format!("{} row {}: {e}", file.name, row + 1)));
            }
        }
        row += 1;
        out.rows += 1;
        if out.rows == CHUNK_ROWS {
            let bytes = record.position().map(|p| p.byte()).unwrap_or(counted_bytes);
            counter.add(out.rows as u64, bytes.saturating_sub(counted_bytes));
            counted_bytes = bytes;
            let full =
                std::mem::replace(&mut out, Chunk { rows: 0, read: Vec::with_capacity(CHUNK_ROWS), last: false });
            if !hand_over(full) {
                return Ok(false);
            }
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let at = At { file: i as u32, row };
        let mut problems = Vec::new();
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
        let read = match fm.role {
            Role::Denormalised => {
                let e = ctx.establishment(&mut region_of, &mut problems);
                let s = ctx.inspection(&mut problems);
                let f = ctx.finding(&mut problems);
                match (e, s, f) {
                    (Some(e), Some(s), Some(f)) if problems.is_empty() => RowRead::Denormalised(Box::new(e), s, f),
                    _ => RowRead::Problems(problems),
                }
            }
            Role::Establishments => match ctx.establishment(&mut region_of, &mut problems) {
                Some(e) if problems.is_empty() => RowRead::Establishment(e),
                _ => RowRead::Problems(problems),
            },
            Role::Inspections => match ctx.inspection(&mut problems) {
                Some(s) if problems.is_empty() => RowRead::Inspection(s),
                _ => RowRead::Problems(problems),
            },
            Role::Findings => match ctx.finding(&mut problems) {
                Some(f) if problems.is_empty() => RowRead::Finding(f),
                _ => RowRead::Problems(problems),
            },
        };
        out.read.push(read);
    }
    counter.add(out.rows as u64, (text.len() as u64).saturating_sub(counted_bytes));
    out.last = true;
    Ok(hand_over(out))
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
    /// Adds rows of a file, in order: repeated records merge, conflicting ones are problems.
    fn merge(&mut self, chunk: Chunk) {
        self.rows += chunk.rows;
        for read in chunk.read {
            let mut problems = Vec::new();
            match read {
                RowRead::Denormalised(e, s, f) => self.add_denormalised(*e, s, f, &mut problems),
                RowRead::Establishment(e) => self.add_establishment(e),
                RowRead::Inspection(s) => self.add_inspection(s, &mut problems),
                RowRead::Finding(Found::Finding(f)) => self.add_finding(f, &mut problems),
                RowRead::Finding(Found::Ignored) => self.ignored += 1,
                RowRead::Finding(Found::Nothing) => {}
                RowRead::Problems(p) => problems = p,
            }
            self.problems.extend(problems);
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "\"Rec #\",\"Establishment ID\",\"Inspection ID\",\"Establishment Name\",\"Establishment Type\",\
        \"Establishment Address\",\"Latitude\",\"Longitude\",\"Establishment Status\",\"Min. Inspections Per Year\",\
        \"Infraction Details\",\"Inspection Date\",\"Severity\",\"Action\",\"Outcome\",\"Amount Fined\"";

    /// A DineSafe-shaped file of `rows` findings: an establishment per 10 rows, an inspection
    /// per 2, one row in 1,000 without a date (a row problem), every 7th without a finding.
    fn write_file(dir: &std::path::Path, name: &str, first: usize, rows: usize) -> ArchiveFile {
        let mut text = format!("{HEADER}\n");
        for n in first..first + rows {
            let date = if n % 1_000 == 999 { String::new() } else { format!("2011-03-{:02}", 1 + (n / 2) % 28) };
            let details = if n % 7 == 0 { String::new() } else { format!("infraction {n}") };
            text.push_str(&format!(
                "\"{n}\",\"{}\",\"{}\",\"PLACE {}\",\"Food Take Out\",\"{} KING ST\",\"43.6\",\"-79.3\",\"Pass\",\"2\",\
                 \"{details}\",\"{date}\",\"M - Minor\",\"Notice to Comply\",\"\",\"\"\n",
                n / 10,
                n / 2,
                n / 10,
                n / 10
            ));
        }
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        ArchiveFile { path, name: name.into() }
    }

    #[test]
    fn files_read_on_two_threads_in_chunks_merge_as_if_read_one_after_the_other() {
        let mapping = Mapping::parse(include_str!("../../../../../docs/examples/archive/toronto_dinesafe.toml"))
            .expect("the example mapping");
        let dir = tempfile::tempdir().expect("tempdir");
        // Three files, the first spanning several chunks; the rows run on across files, so the
        // last establishment and inspection of one file continue in the next.
        let sizes = [CHUNK_ROWS * 2 + 17, 5, CHUNK_ROWS + 1];
        let mut files = Vec::new();
        let mut first = 0;
        for (k, rows) in sizes.iter().enumerate() {
            files.push(write_file(dir.path(), &format!("toronto_dinesafe_{}.csv", 2011 + k), first, *rows));
            first += rows;
        }
        let total = first;
        let reported = std::sync::Mutex::new(Vec::new());
        let staged = stage(&mapping, &Scope::Everything, &files, &|done, estimate| {
            reported.lock().expect("lock").push((done, estimate));
        })
        .expect("staged");

        assert_eq!(staged.rows, total);
        let undated = (0..total).filter(|n| n % 1_000 == 999).collect::<Vec<_>>();
        let rows = (0..total).filter(|n| n % 1_000 != 999);
        assert_eq!(staged.findings.len(), rows.clone().filter(|n| n % 7 != 0).count());
        let inspections: std::collections::BTreeSet<usize> = rows.clone().map(|n| n / 2).collect();
        assert_eq!(staged.inspections.len(), inspections.len());
        let establishments: std::collections::BTreeSet<usize> = rows.map(|n| n / 10).collect();
        assert_eq!(staged.establishments.len(), establishments.len());
        // The problems name their file and row (the header is row 1), in file order.
        let places: Vec<(u32, u32)> = staged.problems.iter().map(|p| (p.at.file, p.at.row)).collect();
        let mut expected = Vec::new();
        for n in undated {
            let (mut file, mut start) = (0, 0);
            while n >= start + sizes[file] {
                start += sizes[file];
                file += 1;
            }
            expected.push((file as u32, (n - start) as u32 + 2));
        }
        assert_eq!(places, expected);
        // Records keep the order of the files: the first finding is row 2 of the first file.
        assert_eq!(staged.findings.first().map(|f| (f.at.file, f.at.row)), Some((0, 3)));
        let reported = reported.into_inner().expect("lock");
        assert_eq!(reported.iter().map(|(done, _)| *done).max(), Some(total as i64), "progress reaches the end");
    }
}
