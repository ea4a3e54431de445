//! Reading spreadsheets people bring: CSV in UTF-8 (with or without BOM) or GBK, and XLSX;
//! headers in Chinese or English mapped to field names by alias tables. Every record keeps
//! its line number so errors can name it. Bad files are clear errors naming `file`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::{Error, Result};

/// A data record: its 1-based line (the header is line 1) and its cells by field name.
pub type Record = (usize, HashMap<&'static str, String>);

/// One sheet (a CSV file is one sheet): its records and the fields its header mapped.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub fields: Vec<&'static str>,
    pub records: Vec<Record>,
}

/// Field name → the header texts that mean it (compared trimmed and case-insensitively).
pub type Aliases = [(&'static str, &'static [&'static str])];

fn field_of(aliases: &Aliases, header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    aliases.iter().find(|(_, names)| names.iter().any(|n| n.to_lowercase() == h)).map(|(k, _)| *k)
}

/// Decodes bytes as UTF-8 (dropping a BOM) or, failing that, GBK; anything else is an error.
pub fn decode(bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(Error::field("file", "bad_encoding", "the file is neither UTF-8 nor GBK text"));
            }
            text.into_owned()
        }
    };
    if text.contains('\0') {
        return Err(Error::field("file", "bad_encoding", "the file holds binary data, not text"));
    }
    Ok(text)
}

/// Parses CSV text; a malformed record (an unterminated quote, a wrong number of fields) is
/// an error naming its line.
pub fn parse_csv(text: &str, aliases: &Aliases) -> Result<Sheet> {
    // The csv reader takes an unterminated quote at the end as a complete field: a file cut
    // off mid-record must not import a truncated value.
    if text.chars().filter(|c| *c == '"').count() % 2 == 1 {
        let line = text.lines().count();
        return Err(Error::field(
            "file",
            "bad_csv",
            format!("line {line}: the last record is cut off inside a quoted field"),
        ));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<Option<&'static str>> = reader
        .headers()
        .map_err(|e| Error::field("file", "bad_csv", format!("header: {e}")))?
        .iter()
        .map(|h| field_of(aliases, h))
        .collect();
    let mut records = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::field("file", "bad_csv", format!("line {line}: {e}"))
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(records.len() + 2);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row = HashMap::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if let Some(h) = h {
                row.insert(*h, v.trim().to_string());
            }
        }
        records.push((line, row));
    }
    Ok(Sheet { name: "csv".into(), fields: headers.into_iter().flatten().collect(), records })
}

/// What an XLSX workbook (a zip archive) may unpack to. Checked from the zip's central
/// directory before anything is decompressed, so a zip bomb is refused without being read;
/// the zip reader then stops any entry that unpacks beyond the size its directory declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Total uncompressed bytes of all entries.
    pub max_unpacked: u64,
    /// Largest uncompressed : compressed ratio of one entry …
    pub max_ratio: u64,
    /// … counted for entries that unpack to more than this many bytes.
    pub ratio_from: u64,
    /// Most entries.
    pub max_entries: usize,
}

/// The limits every XLSX read here is held to. Real workbooks compress about 5–20 : 1; a
/// million-row sheet unpacks to about 1 GiB.
pub const XLSX_LIMITS: ZipLimits =
    ZipLimits { max_unpacked: 2 << 30, max_ratio: 100, ratio_from: 4 << 20, max_entries: 10_000 };

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Refuses a workbook whose zip directory says it unpacks to more than `limits` allow.
pub fn check_zip(path: &Path, limits: &ZipLimits) -> Result<()> {
    let refuse = |code: &str, message: String| Error::field("file", code, message);
    let file = std::fs::File::open(path).map_err(|e| refuse("unreadable", format!("{}: {e}", path.display())))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| refuse("bad_xlsx", format!("not an XLSX workbook (its zip directory is unreadable: {e})")))?;
    if zip.len() > limits.max_entries {
        return Err(refuse(
            "xlsx_too_large",
            format!("the workbook holds {} parts, at most {} are accepted", zip.len(), limits.max_entries),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| refuse("bad_xlsx", format!("part {i} is unreadable: {e}")))?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("part {i}"));
        if size > limits.ratio_from && size / packed.max(1) > limits.max_ratio {
            return Err(refuse(
                "xlsx_bomb",
                format!(
                    "the workbook's part {name} unpacks from {} to {} ({}:1, at most {}:1 is accepted): refused as a zip bomb",
                    mib(packed),
                    mib(size),
                    size / packed.max(1),
                    limits.max_ratio
                ),
            ));
        }
        total = total.saturating_add(size);
        if total > limits.max_unpacked {
            return Err(refuse(
                "xlsx_too_large",
                format!(
                    "the workbook unpacks to more than {} (at most {} is accepted)",
                    mib(total),
                    mib(limits.max_unpacked)
                ),
            ));
        }
    }
    Ok(())
}

fn read_xlsx(path: &Path, aliases: &Aliases) -> Result<Vec<Sheet>> {
    use calamine::{Reader, Xlsx, open_workbook};
    check_zip(path, &XLSX_LIMITS)?;
    let mut wb: Xlsx<_> =
        open_workbook(path).map_err(|e: calamine::XlsxError| Error::field("file", "bad_xlsx", e.to_string()))?;
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| Error::field("file", "bad_xlsx", e.to_string()))?;
        let mut rows = range.rows();
        let Some(header) = rows.next() else { continue };
        let headers: Vec<Option<&'static str>> = header.iter().map(|c| field_of(aliases, &c.to_string())).collect();
        let mut records = Vec::new();
        for (i, r) in rows.enumerate() {
            let mut row = HashMap::new();
            for (h, v) in headers.iter().zip(r.iter()) {
                if let Some(h) = h {
                    row.insert(*h, v.to_string().trim().to_string());
                }
            }
            if row.values().any(|v| !v.is_empty()) {
                records.push((i + 2, row));
            }
        }
        sheets.push(Sheet { name, fields: headers.into_iter().flatten().collect(), records });
    }
    Ok(sheets)
}

/// Reads a `.csv` or `.xlsx` file of at most `max_bytes`.
pub fn read(path: &Path, aliases: &Aliases, max_bytes: u64) -> Result<Vec<Sheet>> {
    let meta =
        std::fs::metadata(path).map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", path.display())))?;
    if meta.len() > max_bytes {
        return Err(Error::field("file", "too_large", format!("at most {} MiB", max_bytes / 1024 / 1024)));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    match ext.as_str() {
        "csv" => {
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            std::fs::File::open(path)?.read_to_end(&mut bytes)?;
            Ok(vec![parse_csv(&decode(&bytes)?, aliases)?])
        }
        "xlsx" => read_xlsx(path, aliases),
        _ => Err(Error::field("file", "unsupported_type", "a .csv or .xlsx file")),
    }
}

/// The records of a file, read as they are needed: a UTF-8 CSV is never held whole (a GBK
/// one, a legacy format, is decoded whole; an XLSX sheet is read whole by calamine). `fields`
/// are the first sheet's mapped header fields; `estimated` counts lines, for progress.
pub struct Stream {
    pub fields: Vec<&'static str>,
    pub estimated: usize,
    records: Box<dyn Iterator<Item = Result<Record>> + Send>,
}

impl Iterator for Stream {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        self.records.next()
    }
}

/// What one pass over a CSV file's bytes learned, before any record is parsed.
struct CsvScan {
    utf8: bool,
    lines: usize,
    nul: bool,
    odd_quotes: bool,
}

/// Reads a CSV file once in blocks, without holding it: whether it is UTF-8, its lines, and
/// what `decode` and `parse_csv` check on the whole text (binary data; a last record cut off
/// inside quotes — a `"` byte is never part of a GBK character).
fn scan_csv(path: &Path) -> Result<CsvScan> {
    let mut file = std::fs::File::open(path)?;
    let mut block = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    let mut scan = CsvScan { utf8: true, lines: 0, nul: false, odd_quotes: false };
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            break;
        }
        let bytes = &block[..n];
        scan.nul |= bytes.contains(&0);
        scan.lines += bytes.iter().filter(|b| **b == b'\n').count();
        scan.odd_quotes ^= bytes.iter().filter(|b| **b == b'"').count() % 2 == 1;
        if scan.utf8 {
            carry.extend_from_slice(bytes);
            match std::str::from_utf8(&carry) {
                Ok(_) => carry.clear(),
                // A character cut by the block's end: keep its first bytes for the next block.
                Err(e) if e.error_len().is_none() => {
                    carry.drain(..e.valid_up_to());
                }
                Err(_) => scan.utf8 = false,
            }
        }
    }
    scan.utf8 &= carry.is_empty();
    Ok(scan)
}

/// Streams a UTF-8 CSV file's records.
fn stream_utf8_csv(path: &Path, aliases: &Aliases, lines: usize) -> Result<Stream> {
    let file = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let headers: Vec<Option<&'static str>> = reader
        .headers()
        .map_err(|e| Error::field("file", "bad_csv", format!("header: {e}")))?
        .iter()
        .map(|h| field_of(aliases, h))
        .collect();
    let fields: Vec<&'static str> = headers.iter().flatten().copied().collect();
    let records = reader.into_records().filter_map(move |rec| {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Some(Err(Error::field("file", "bad_csv", format!("line {line}: {e}"))));
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            return None;
        }
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let row = headers.iter().zip(rec.iter()).filter_map(|(h, v)| h.map(|h| (h, v.trim().to_string()))).collect();
        Some(Ok((line, row)))
    });
    Ok(Stream { fields, estimated: lines.saturating_sub(1), records: Box::new(records) })
}

/// Opens a `.csv` or `.xlsx` file of at most `max_bytes` for streaming its records, with
/// the same checks and errors as `read`.
pub fn stream(path: &Path, aliases: &Aliases, max_bytes: u64) -> Result<Stream> {
    let meta =
        std::fs::metadata(path).map_err(|e| Error::field("file", "unreadable", format!("{}: {e}", path.display())))?;
    if meta.len() > max_bytes {
        return Err(Error::field("file", "too_large", format!("at most {} MiB", max_bytes / 1024 / 1024)));
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let sheets = match ext.as_str() {
        "csv" => {
            let scan = scan_csv(path)?;
            if !scan.utf8 {
                // GBK (or not text at all): decoded whole, with `read`'s checks and errors.
                read(path, aliases, max_bytes)?
            } else if scan.nul {
                return Err(Error::field("file", "bad_encoding", "the file holds binary data, not text"));
            } else if scan.odd_quotes {
                return Err(Error::field(
                    "file",
                    "bad_csv",
                    format!("line {}: the last record is cut off inside a quoted field", scan.lines + 1),
                ));
            } else {
                return stream_utf8_csv(path, aliases, scan.lines);
            }
        }
        _ => read(path, aliases, max_bytes)?,
    };
    let fields = sheets.first().map(|s| s.fields.clone()).unwrap_or_default();
    let estimated = sheets.iter().map(|s| s.records.len()).sum();
    let records = sheets.into_iter().flat_map(|s| s.records).map(Ok);
    Ok(Stream { fields, estimated, records: Box::new(records) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALIASES: &Aliases = &[("code", &["code", "代码"]), ("name", &["name", "名称"])];

    #[test]
    fn utf8_with_a_bom_and_gbk_decode_to_the_same_text() {
        let (gbk, _, _) = encoding_rs::GBK.encode("代码,名称\n1,南昌\n");
        assert_eq!(decode(&gbk).expect("gbk"), "代码,名称\n1,南昌\n");
        assert_eq!(decode("\u{feff}代码".as_bytes()).expect("utf-8"), "代码");
        assert!(decode(&[0x81, 0x0A, 0x41]).is_err(), "a GBK lead byte without its trail byte");
        assert!(decode(b"a\0b").is_err(), "binary");
    }

    #[test]
    fn records_keep_their_line_numbers_and_blank_lines_are_skipped() {
        let sheet = parse_csv("代码,名称,other\n1,甲,x\n,,\n2,乙,y\n", ALIASES).expect("parses");
        assert_eq!(sheet.fields, vec!["code", "name"]);
        assert_eq!(sheet.records.len(), 2);
        assert_eq!(sheet.records[1].0, 4);
        assert_eq!(sheet.records[1].1["name"], "乙");
    }

    /// A zip with one entry of `size` zero bytes (deflated), named like a worksheet.
    fn zip_of_zeros(dir: &Path, size: usize) -> std::path::PathBuf {
        use std::io::Write;
        let path = dir.join("bomb.xlsx");
        let mut w = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.start_file("xl/worksheets/sheet1.xml", opts).expect("entry");
        let chunk = vec![0u8; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len());
            w.write_all(&chunk[..n]).expect("write");
            left -= n;
        }
        w.finish().expect("finish");
        path
    }

    #[test]
    fn a_zip_bomb_or_an_oversized_workbook_is_refused_before_it_is_unpacked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let small = ZipLimits { max_unpacked: 8 << 20, max_ratio: 100, ratio_from: 1 << 20, max_entries: 10 };
        let bomb = zip_of_zeros(dir.path(), 4 << 20);
        let err = check_zip(&bomb, &small).expect_err("a 1000:1 entry");
        let Error::Validation(v) = err else { panic!("validation error") };
        assert_eq!((v.0[0].field.as_str(), v.0[0].code.as_str()), ("file", "xlsx_bomb"));
        assert!(v.0[0].message.contains("xl/worksheets/sheet1.xml"), "{}", v.0[0].message);
        let lenient = ZipLimits { max_ratio: u64::MAX, ..small };
        assert!(check_zip(&bomb, &lenient).is_ok());
        let big = zip_of_zeros(dir.path(), 9 << 20);
        let err = check_zip(&big, &lenient).expect_err("over the total");
        assert!(err.to_string().contains("unpacks to more than"), "{err}");
        let text = dir.path().join("text.xlsx");
        std::fs::write(&text, "not a zip").expect("write");
        assert!(check_zip(&text, &small).expect_err("not a zip").to_string().contains("not an XLSX workbook"));
    }

    fn stream_of(text: &[u8]) -> Result<Vec<Record>> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.csv");
        std::fs::write(&path, text).expect("write");
        stream(&path, ALIASES, 1 << 20)?.collect()
    }

    #[test]
    fn streaming_reads_what_reading_whole_reads_in_utf8_and_gbk() {
        let text = "\u{feff}代码,名称,other\n1,甲,x\n,,\n2,\"乙\n丙\",y\n";
        let whole = parse_csv(&decode(text.as_bytes()).expect("utf-8"), ALIASES).expect("parses").records;
        assert_eq!(stream_of(text.as_bytes()).expect("streams"), whole);
        let (gbk, _, _) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
        assert_eq!(stream_of(&gbk).expect("streams GBK"), whole);
    }

    #[test]
    fn streaming_refuses_what_reading_whole_refuses() {
        assert!(stream_of(b"a,b\n1,\"2\n").expect_err("cut off").to_string().contains("cut off"));
        assert!(stream_of(b"a,b\n\0,1\n").expect_err("binary").to_string().contains("binary"));
        assert!(stream_of(&[b'a', b',', 0x81, b'\n']).is_err(), "neither UTF-8 nor GBK");
        let wrong = stream_of("代码,名称\n1,甲,多余\n".as_bytes()).expect_err("extra field");
        assert!(wrong.to_string().contains("line"), "{wrong}");
    }

    #[test]
    fn a_truncated_last_record_is_an_error_naming_its_line() {
        let err = parse_csv("代码,名称\n1,甲\n2,\"乙", ALIASES).expect_err("unterminated quote");
        let Error::Validation(v) = err else { panic!("validation error") };
        assert_eq!(v.0[0].field, "file");
        let wrong = parse_csv("代码,名称\n1,甲,多余\n", ALIASES).expect_err("extra field");
        assert!(wrong.to_string().contains("line"), "{wrong}");
    }
}
