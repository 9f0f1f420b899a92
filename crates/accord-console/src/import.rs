//! Spreadsheet import of exchanges (ADR 0028): reading an uploaded CSV or
//! XLSX file into rows, each row into a `RecordExchange` command or the
//! cell that is malformed and why; the deterministic command id of each
//! row; the template people fill in.
//!
//! Nothing here judges a row by the rules: the engine does, with
//! [`accord_engine::Engine::check`] for the preview and
//! [`accord_engine::Engine::submit`] for the commit (`pages::import`).
//!
//! # The file
//!
//! The first non-blank row names the columns ([`COLUMNS`], in any order,
//! any case); every later non-blank row is an exchange. The first sheet of
//! a workbook is read. Dates are `YYYY-MM-DD`, `DD/MM/YYYY` (as Vietnamese
//! writes them) or a spreadsheet date cell; `kind` is the API's value
//! (`meeting`) or its name in either language (`Họp`, `Meeting`);
//! `parties` are party ids separated by `;` or `,`. Texts are kept exactly
//! as given.

use std::collections::HashMap;
use std::io::Cursor;

use accord_domain::{
    AgreementId, AreaId, BusinessDate, ExchangeId, ExchangeKind, PartyId, RecordExchange,
};
use calamine::{Data, Reader, Xlsx};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::i18n::Lang;

/// The columns, in the template's order: the fields of `RecordExchange`
/// but `agreement_id` (the page's agreement).
pub const COLUMNS: [&str; 7] = [
    "exchange_id",
    "occurred_on",
    "area",
    "kind",
    "parties",
    "summary",
    "outcome",
];

/// Columns a file must have (`exchange_id` and `outcome` may be left out).
const REQUIRED: [&str; 5] = ["occurred_on", "area", "kind", "parties", "summary"];

/// The largest file accepted: 2 MiB, some thousands of rows.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The most text a file may hold once read (an XLSX is compressed): 4 MiB.
const MAX_TEXT: usize = 4 * 1024 * 1024;

/// The most exchanges one file may hold.
pub const MAX_ROWS: usize = 2_000;

/// The correlation id the import's commands carry, for the audit trail.
pub const CORRELATION_ID: &str = "console-import";

/// Why a whole file was refused, as a catalogue key and its placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The catalogue key of the message.
    pub key: &'static str,
    /// The `{ $value }` of the message (a column name, a limit), if any.
    pub value: String,
}

impl FileError {
    /// A refusal without a placeholder.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            value: String::new(),
        }
    }

    fn with(key: &'static str, value: impl ToString) -> Self {
        Self {
            key,
            value: value.to_string(),
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        lang.t_with(self.key, &[("value", &self.value)])
    }
}

/// A file read into text cells: the header's columns, and each non-blank
/// row below it with its row number in the spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// For each of [`COLUMNS`], where it is in the file (`None`: absent).
    places: [Option<usize>; 7],
    /// The column letter of the file's first column (`A` unless a sheet's
    /// used range starts further right).
    first_column: usize,
    /// Each row: its number (1 = the spreadsheet's first) and its cells.
    rows: Vec<(usize, Vec<String>)>,
}

/// A malformed cell: where, and why (a catalogue key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The cell as a spreadsheet names it (`B4`).
    pub cell: String,
    /// The column it is in.
    pub column: &'static str,
    /// The catalogue key of why.
    pub reason: &'static str,
}

/// One row of a file: its number, its cells by [`COLUMNS`], and the
/// command it asks for or why it cannot ask for one.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its number in the spreadsheet.
    pub line: usize,
    /// Its cells, in the order of [`COLUMNS`] (empty where absent).
    pub cells: Vec<String>,
    /// The command, or the first malformed cell.
    pub parsed: Result<RecordExchange, Malformed>,
}

/// Reads an uploaded file: an XLSX workbook (by its content, not its
/// name) or UTF-8 CSV text (comma- or semicolon-separated).
pub fn read(bytes: &[u8]) -> Result<Table, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_grid(bytes)?
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        // The binary .xls of Excel 97–2003.
        return Err(FileError::new("import-file-xls"));
    } else {
        csv_grid(bytes)?
    };
    table(grid)
}

/// The refusal of a file over [`MAX_BYTES`].
pub fn too_large() -> FileError {
    FileError::with("import-file-too-large", MAX_BYTES / (1024 * 1024))
}

/// Rows of cells, each row with its number, and the first column's index.
type Grid = (usize, Vec<(usize, Vec<String>)>);

fn csv_grid(bytes: &[u8]) -> Result<Grid, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::new("import-file-not-sheet"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err(FileError::new("import-file-not-sheet"));
    }
    // Spreadsheets set to languages that write decimals with a comma save
    // CSV with semicolons: the header line says which.
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.contains(';') && !header.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| FileError::new("import-file-not-sheet"))?;
        rows.push((i + 1, record.iter().map(str::to_owned).collect()));
    }
    Ok((0, rows))
}

/// The most a workbook may declare it unpacks to: a small file of
/// compressed XML must not unpack into gigabytes.
const MAX_UNPACKED: u64 = 64 * 1024 * 1024;

/// What the entries of a zip archive declare they unpack to, in all, from
/// its central directory; `None` if there is none to read.
fn unpacked_size(bytes: &[u8]) -> Option<u64> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    // The end-of-central-directory record: its signature, searched from the
    // end (a comment of up to 64 KiB may follow it).
    let end = (0..bytes.len().saturating_sub(21))
        .rev()
        .take(65_536 + 22)
        .find(|&at| u32_at(at) == Some(0x0605_4b50))?;
    let entries = u16_at(end + 10)?;
    let mut at = u32_at(end + 16)? as usize;
    let mut total = 0u64;
    for _ in 0..entries {
        if u32_at(at)? != 0x0201_4b50 {
            return None;
        }
        total += u64::from(u32_at(at + 24)?);
        let names = usize::from(u16_at(at + 28)?) + usize::from(u16_at(at + 30)?);
        at += 46 + names + usize::from(u16_at(at + 32)?);
    }
    Some(total)
}

fn xlsx_grid(bytes: &[u8]) -> Result<Grid, FileError> {
    let unreadable = |_| FileError::new("import-file-not-sheet");
    match unpacked_size(bytes) {
        None => return Err(FileError::new("import-file-not-sheet")),
        Some(size) if size > MAX_UNPACKED => return Err(too_large()),
        Some(_) => {}
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let range = match book.worksheet_range_at(0) {
        Some(range) => range.map_err(unreadable)?,
        None => return Err(FileError::new("import-file-empty")),
    };
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut text = 0;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        text += cells.iter().map(String::len).sum::<usize>();
        if text > MAX_TEXT {
            return Err(too_large());
        }
        rows.push((top as usize + i + 1, cells));
    }
    Ok((left as usize, rows))
}

/// A workbook cell as the text a person sees in it: numbers without a
/// needless `.0`, dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (year, month, day, ..) = d.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// The header and the rows of a grid; blank rows are skipped.
fn table((first_column, grid): Grid) -> Result<Table, FileError> {
    let mut rows = grid
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = rows.next() else {
        return Err(FileError::new("import-file-empty"));
    };
    let known = |name: &String| COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name.trim()));
    if !header.iter().any(known) {
        return Err(FileError::new("import-file-no-header"));
    }
    let mut places = [None; 7];
    for (at, name) in header.iter().enumerate() {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let known = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name));
        let Some(column) = known else {
            return Err(FileError::with("import-file-unknown-column", name));
        };
        if places[column].replace(at).is_some() {
            return Err(FileError::with("import-file-twice", COLUMNS[column]));
        }
    }
    if let Some(missing) = REQUIRED
        .iter()
        .find(|name| places[column_index(name)].is_none())
    {
        return Err(FileError::with("import-file-missing-column", missing));
    }
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        return Err(FileError::new("import-file-no-rows"));
    }
    if rows.len() > MAX_ROWS {
        return Err(FileError::with("import-file-too-many-rows", MAX_ROWS));
    }
    let text: usize = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter().map(String::len))
        .sum();
    if text > MAX_TEXT {
        return Err(too_large());
    }
    Ok(Table {
        places,
        first_column,
        rows,
    })
}

fn column_index(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| *c == name)
        .expect("a known column")
}

impl Table {
    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no row (never, once read).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How much text it holds, in bytes: what keeping it costs.
    pub fn text_len(&self) -> usize {
        self.rows
            .iter()
            .flat_map(|(_, cells)| cells.iter().map(String::len))
            .sum()
    }

    /// Every row as a command for `agreement`, or its first malformed cell.
    pub fn rows(&self, agreement: AgreementId) -> Vec<Row> {
        self.rows
            .iter()
            .map(|(line, cells)| {
                let cells: Vec<String> = self
                    .places
                    .iter()
                    .map(|at| at.and_then(|at| cells.get(at)).cloned().unwrap_or_default())
                    .collect();
                let parsed = self.command(agreement, *line, &cells);
                Row {
                    line: *line,
                    cells,
                    parsed,
                }
            })
            .collect()
    }

    /// Where the cell of `column` on row `line` is, as a spreadsheet names it.
    fn cell(&self, column: &'static str, line: usize) -> String {
        let at = self.places[column_index(column)].unwrap_or_default();
        format!("{}{line}", column_letters(self.first_column + at))
    }

    fn command(
        &self,
        agreement: AgreementId,
        line: usize,
        cells: &[String],
    ) -> Result<RecordExchange, Malformed> {
        let bad = |column: &'static str, reason: &'static str| Malformed {
            cell: self.cell(column, line),
            column,
            reason,
        };
        let value = |column: &'static str| cells[column_index(column)].trim();
        let required = |column: &'static str| match value(column) {
            "" => Err(bad(column, "import-bad-missing")),
            given => Ok(given),
        };
        let exchange_id = match value("exchange_id") {
            "" => None,
            given => Some(ExchangeId(
                given
                    .parse::<Uuid>()
                    .map_err(|_| bad("exchange_id", "import-bad-id"))?,
            )),
        };
        let occurred_on =
            date(required("occurred_on")?).ok_or_else(|| bad("occurred_on", "import-bad-date"))?;
        let area = AreaId::parse(required("area")?).map_err(|_| bad("area", "import-bad-area"))?;
        let kind = kind(required("kind")?).ok_or_else(|| bad("kind", "import-bad-kind"))?;
        let parties = required("parties")?
            .split([';', ','])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(PartyId::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad("parties", "import-bad-party"))?;
        // Texts as given: a blank summary is the rules' to refuse.
        let summary = cells[column_index("summary")].clone();
        let outcome = Some(cells[column_index("outcome")].clone()).filter(|o| !o.trim().is_empty());
        Ok(RecordExchange {
            agreement_id: agreement,
            exchange_id,
            occurred_on,
            area,
            kind,
            parties,
            summary,
            outcome,
            place: None,
            participants: Vec::new(),
            minutes: None,
            follow_ups: Vec::new(),
            activity_id: None,
        })
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// `2014-03-10` or `10/03/2014` (day first, as Vietnamese writes dates).
fn date(text: &str) -> Option<BusinessDate> {
    if let Ok(date) = BusinessDate::parse(text) {
        return Some(date);
    }
    let mut parts = text.split('/').map(|p| p.trim().parse::<u32>().ok());
    let (day, month, year) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || year < 1000 {
        return None;
    }
    BusinessDate::from_ymd(
        year as i32,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    )
}

/// The kind a cell names: its API value or its name in either language.
fn kind(text: &str) -> Option<ExchangeKind> {
    const KINDS: [ExchangeKind; 7] = [
        ExchangeKind::Meeting,
        ExchangeKind::Visit,
        ExchangeKind::Information,
        ExchangeKind::Support,
        ExchangeKind::Training,
        ExchangeKind::Event,
        ExchangeKind::Other,
    ];
    let text = text.to_lowercase();
    KINDS.into_iter().find(|kind| {
        let wire = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let key = format!("exchange-kind-{wire}");
        wire == text
            || Lang::ALL
                .into_iter()
                .any(|lang| lang.t(&key).to_lowercase() == text)
    })
}

/// The command id of each command (ADR 0028): a UUID v5 in the namespace
/// of the agreement's id, named by the SHA-256 of the command's canonical
/// JSON (the same canonical form as the API's request hash) and, for the
/// second and later rows asking for exactly the same command in one file,
/// their rank. Uploading the same rows again gives the same ids, so the
/// engine's idempotency answers each with its first result; a row changed
/// in any recorded value gets a new id.
pub fn command_ids<'a>(
    agreement: AgreementId,
    commands: impl IntoIterator<Item = &'a RecordExchange>,
) -> Vec<Uuid> {
    let mut seen: HashMap<[u8; 32], usize> = HashMap::new();
    commands
        .into_iter()
        .map(|command| {
            let content = json!({"type": "RecordExchange", "data": command});
            let digest = accord_api::request_hash(&content).unwrap_or_default();
            let rank = seen.entry(digest).or_default();
            *rank += 1;
            let mut name = format!("accord-import/RecordExchange/{}", hex::encode(digest));
            if *rank > 1 {
                name.push_str(&format!("#{rank}"));
            }
            Uuid::new_v5(&agreement.0, name.as_bytes())
        })
        .collect()
}

/// The request an import's command stands for, as `POST /v1/commands`
/// would receive it: what its request hash is computed over.
pub fn request(command: &RecordExchange, command_id: Uuid) -> Value {
    json!({
        "type": "RecordExchange",
        "command_id": command_id,
        "correlation_id": CORRELATION_ID,
        "data": command,
    })
}

/// The template: the header and one example row, as CSV with a byte-order
/// mark (so spreadsheets open it as UTF-8). The example uses the
/// agreement's parties and first area, dated on its term's first day; its
/// texts are Vietnamese, the register's language.
pub fn template(on: BusinessDate, area: &str, parties: &[String]) -> Vec<u8> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let example = [
            "",
            &on.to_string(),
            area,
            "meeting",
            &parties.join("; "),
            "Họp trao đổi kinh nghiệm thu hút đầu tư vào các khu công nghiệp",
            "Thống nhất kế hoạch phối hợp xúc tiến đầu tư năm tới",
        ];
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(COLUMNS);
        let _ = writer.write_record(example);
        let _ = writer.flush();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGREEMENT: &str = "0190f0a0-2013-7000-8000-000000002013";

    fn agreement() -> AgreementId {
        AGREEMENT.parse().expect("an agreement id")
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_csv_file_reads_into_commands_and_malformed_cells() {
        let table = read(&fixture("exchanges.csv")).expect("the file reads");
        let rows = table.rows(agreement());
        assert_eq!(rows.len(), 5, "the blank row is skipped");
        let first = rows[0].parsed.as_ref().expect("row 2 is well formed");
        assert_eq!(rows[0].line, 2);
        assert_eq!(first.occurred_on.to_string(), "2014-03-10");
        assert_eq!(first.kind, ExchangeKind::Meeting);
        assert_eq!(first.parties.len(), 2);
        assert_eq!(first.summary, "Hội nghị xúc tiến đầu tư tại Đà Lạt");
        assert_eq!(first.exchange_id, None);
        let second = rows[1].parsed.as_ref().expect("row 3 is well formed");
        assert_eq!(second.occurred_on.to_string(), "2014-05-20", "day first");
        assert_eq!(second.kind, ExchangeKind::Visit, "named in Vietnamese");
        assert_eq!(second.outcome, None);
        assert!(second.exchange_id.is_some());
        let bad = rows[2].parsed.as_ref().expect_err("row 4 has no date");
        assert_eq!(rows[2].line, 4);
        assert_eq!(
            (bad.cell.as_str(), bad.column, bad.reason),
            ("B4", "occurred_on", "import-bad-missing")
        );
        let bad = rows[3]
            .parsed
            .as_ref()
            .expect_err("row 5's kind is unknown");
        assert_eq!((bad.cell.as_str(), bad.reason), ("D5", "import-bad-kind"));
        // Row 6 was blank; row 7 is outside the term: well formed.
        assert_eq!(rows[4].line, 7);
        assert!(rows[4].parsed.is_ok());
    }

    #[test]
    fn an_xlsx_file_reads_as_its_csv_twin() {
        let csv = read(&fixture("exchanges.csv")).expect("the CSV reads");
        let xlsx = read(&fixture("exchanges.xlsx")).expect("the workbook reads");
        let (csv, xlsx) = (csv.rows(agreement()), xlsx.rows(agreement()));
        assert_eq!(csv.len(), xlsx.len());
        for (c, x) in csv.iter().zip(&xlsx) {
            assert_eq!(c.line, x.line);
            assert_eq!(c.parsed, x.parsed, "row {}", c.line);
        }
        // The workbook's first date is a date cell, not text.
        assert_eq!(xlsx[0].cells[1], "2014-03-10");
    }

    #[test]
    fn a_file_that_is_not_a_spreadsheet_of_exchanges_is_refused_whole() {
        let key = |bytes: &[u8]| read(bytes).expect_err("refused").key;
        assert_eq!(
            key(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            "import-file-not-sheet"
        );
        assert_eq!(key(b"PK\x03\x04 not really a zip"), "import-file-not-sheet");
        assert_eq!(key(b"\xD0\xCF\x11\xE0\xA1\xB1\x1a\xe1"), "import-file-xls");
        assert_eq!(key(b""), "import-file-empty");
        assert_eq!(
            key(b"occurred_on,area,kind,parties\n"),
            "import-file-missing-column"
        );
        assert_eq!(
            key(b"# Accord\n\nAn event-sourced service\n"),
            "import-file-no-header"
        );
        assert_eq!(
            key(b"occurred_on,area,kind,parties,summary,notes\n"),
            "import-file-unknown-column"
        );
        assert_eq!(
            key(b"occurred_on,area,kind,parties,summary\n"),
            "import-file-no-rows"
        );
        assert_eq!(key(&vec![b'a'; MAX_BYTES + 1]), "import-file-too-large");
        let mut many = String::from("occurred_on,area,kind,parties,summary\n");
        for _ in 0..=MAX_ROWS {
            many.push_str("2014-03-10,a,meeting,p,s\n");
        }
        assert_eq!(key(many.as_bytes()), "import-file-too-many-rows");
    }

    #[test]
    fn a_workbook_declaring_more_than_it_may_unpack_to_is_refused_unread() {
        let mut book = fixture("exchanges.xlsx");
        let declared = unpacked_size(&book).expect("a central directory");
        assert!(declared > 0 && declared < MAX_UNPACKED, "{declared}");
        // The first entry of the central directory now claims 4 GB.
        let entry = book
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .expect("a central directory entry");
        book[entry + 24..entry + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            read(&book).expect_err("refused").key,
            "import-file-too-large"
        );
    }

    #[test]
    fn semicolons_and_any_column_order_are_read() {
        let table = read("Summary;Parties;Kind;Area;Occurred_on\nHọp;dong-nai-iza;Meeting;scheme_30;10/03/2014\n".as_bytes())
            .expect("the file reads");
        let rows = table.rows(agreement());
        let command = rows[0].parsed.as_ref().expect("well formed");
        assert_eq!(command.summary, "Họp");
        assert_eq!(command.area.as_str(), "scheme_30");
    }

    #[test]
    fn command_ids_depend_on_the_agreement_and_the_content_alone() {
        let table = read(&fixture("exchanges.csv")).expect("the file reads");
        let commands: Vec<RecordExchange> = table
            .rows(agreement())
            .into_iter()
            .filter_map(|r| r.parsed.ok())
            .collect();
        let ids = command_ids(agreement(), &commands);
        assert_eq!(ids, command_ids(agreement(), &commands), "deterministic");
        assert!(ids.iter().all(|id| id.get_version_num() == 5));
        // One more row first: the others keep their ids.
        let mut more = vec![commands[2].clone()];
        more[0].summary.push_str(" (bổ sung)");
        more.extend(commands.iter().cloned());
        assert_eq!(command_ids(agreement(), &more)[1..], ids[..]);
        // Another agreement, another id.
        let other: AgreementId = "0190f0a0-2007-7000-8000-000000002007".parse().unwrap();
        assert_ne!(command_ids(other, &commands)[0], ids[0]);
        // The same command twice in a file: two ids, the first one's unchanged.
        let twice = [commands[0].clone(), commands[0].clone()];
        let twice = command_ids(agreement(), &twice);
        assert_eq!(twice[0], ids[0]);
        assert_ne!(twice[1], twice[0]);
        // A changed text, a changed id.
        let mut changed = commands[0].clone();
        changed.summary.push('.');
        assert_ne!(command_ids(agreement(), [&changed])[0], ids[0]);
    }

    #[test]
    fn the_template_reads_back_as_one_well_formed_row() {
        let on = BusinessDate::parse("2013-07-04").unwrap();
        let parties = vec!["dong-nai-iza".to_owned(), "lam-dong-iza".to_owned()];
        let bytes = template(on, "investment_promotion", &parties);
        assert!(bytes.starts_with("\u{feff}exchange_id,".as_bytes()));
        let rows = read(&bytes).expect("the template reads").rows(agreement());
        assert_eq!(rows.len(), 1);
        let command = rows[0].parsed.as_ref().expect("well formed");
        assert_eq!(command.parties.len(), 2);
        assert!(command.summary.contains("khu công nghiệp"));
    }

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
    }
}
