//! One table out of any file the import reads: a CSV/TSV file or a sheet of a workbook. The
//! header row is found below title rows (merged header cells included), and the data rows below
//! it stream from a reader thread, so reading the file and writing the database overlap and
//! memory stays bounded by a few batches of rows.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::csv_source::{CsvSource, ReadError};
use crate::mapping::find_header;
use crate::workbook::{Cell, Workbook};

/// Largest CSV file read at all (a spreadsheet program's sheet holds at most 1,048,576 rows).
pub const MAX_CSV_BYTES: u64 = 512 * 1024 * 1024;
/// Rows the header is looked for in.
const HEADER_SEARCH_ROWS: usize = 30;
const BATCH_ROWS: usize = 1024;

/// A data row; `number` is the row number the spreadsheet program shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub number: u64,
    pub cells: Vec<Cell>,
}

/// What was found out about the file before any row was read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableInfo {
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: u64,
    /// "CSV (Windows-1252, Trennzeichen ;)" or "XLSX".
    pub format: String,
    /// All sheets of a workbook (empty for CSV).
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    /// Row number of the header row (its last row where the header spans two rows).
    pub header_row: u64,
    /// The header text of each column (merged header cells filled in and joined).
    pub header: Vec<String>,
    /// The header of each column split into its parts, top row first (for mapping by the
    /// most specific part).
    #[serde(skip)]
    pub header_parts: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// Sheet to read; default: the first sheet with data.
    pub sheet: Option<String>,
    /// Row number of the header row; default: found automatically.
    pub header_row: Option<u64>,
    /// CSV separator; default: guessed.
    pub separator: Option<u8>,
}

type Batch = Result<Vec<TableRow>, ReadError>;

/// An open table: its info and an iterator over its data rows.
pub struct Table {
    pub info: TableInfo,
    buffered: VecDeque<TableRow>,
    rx: Option<Receiver<Batch>>,
    current: std::vec::IntoIter<TableRow>,
    failed: bool,
    progress: Arc<Progress>,
}

/// How far the reader thread got, for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of a CSV file read so far.
    pub bytes: AtomicU64,
    /// Row number reached in a workbook sheet.
    pub row: AtomicU64,
    /// Total: the file size (CSV) or the sheet's last row (workbook), 0 if unknown.
    pub total: AtomicU64,
    pub by_bytes: std::sync::atomic::AtomicBool,
}

impl Progress {
    /// Fraction done, 0.0 to 1.0, if the total is known.
    pub fn fraction(&self) -> Option<f64> {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return None;
        }
        let done = if self.by_bytes.load(Ordering::Relaxed) {
            self.bytes.load(Ordering::Relaxed)
        } else {
            self.row.load(Ordering::Relaxed)
        };
        Some((done as f64 / total as f64).min(1.0))
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> ReadError {
    ReadError { code: "io", message: format!("„{}“ kann nicht gelesen werden: {e}", file_name(path)), row: None }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// SHA-256 of the file, as lowercase hex.
pub fn sha256_of(path: &Path) -> Result<String, ReadError> {
    let mut file = File::open(path).map_err(|e| io_error(path, &e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| io_error(path, &e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[derive(PartialEq)]
enum Kind {
    Csv,
    Workbook,
}

fn kind_of(path: &Path) -> Result<Kind, ReadError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    Ok(match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => Kind::Workbook,
        "csv" | "tsv" | "txt" | "tab" => Kind::Csv,
        _ => {
            let mut head = [0u8; 4];
            let n = File::open(path).and_then(|mut f| f.read(&mut head)).map_err(|e| io_error(path, &e))?;
            if n == 4 && (head == *b"PK\x03\x04" || head == [0xD0, 0xCF, 0x11, 0xE0]) {
                Kind::Workbook
            } else {
                Kind::Csv
            }
        }
    })
}

/// Counts the bytes a reader has delivered.
struct Counting<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The rows before the data: the header region and what lies above it.
struct Head {
    rows: Vec<TableRow>,
    merges: Vec<calamine::Dimensions>,
}

/// Opens a table and finds its header. Reading continues in a background thread.
pub fn open_table(path: &Path, options: &TableOptions) -> Result<Table, ReadError> {
    let size = std::fs::metadata(path).map_err(|e| io_error(path, &e))?.len();
    let progress = Arc::new(Progress::default());
    let (tx, rx) = sync_channel::<Batch>(4);
    let (head_tx, head_rx) = sync_channel::<Result<(Head, String, Vec<String>, Option<String>), ReadError>>(1);
    let want_header = options.header_row;
    let wanted_rows = want_header.map_or(HEADER_SEARCH_ROWS, |h| (h as usize).max(1) + 2);

    match kind_of(path)? {
        Kind::Csv => {
            if size > MAX_CSV_BYTES {
                return Err(ReadError {
                    code: "file_too_large",
                    message: format!(
                        "„{}“ ist {} MB groß; CSV-Dateien werden bis {} MB gelesen. Bitte die Datei aufteilen.",
                        file_name(path),
                        size / 1_048_576,
                        MAX_CSV_BYTES / 1_048_576
                    ),
                    row: None,
                });
            }
            progress.total.store(size, Ordering::Relaxed);
            progress.by_bytes.store(true, Ordering::Relaxed);
            let file = File::open(path).map_err(|e| io_error(path, &e))?;
            let source = CsvSource::open(Counting { inner: file, progress: progress.clone() }, options.separator)?;
            let f = source.format().clone();
            let format = format!(
                "CSV ({}, Trennzeichen {})",
                f.encoding.label(),
                match f.separator {
                    b'\t' => "Tabulator".to_owned(),
                    s => (s as char).to_string(),
                }
            );
            std::thread::spawn(move || {
                let mut source =
                    source.filter(|r| !matches!(r, Ok(row) if row.cells.iter().all(|c| c.trim().is_empty())));
                let mut head = Vec::new();
                let mut row_errors = Vec::new();
                for r in source.by_ref() {
                    match r {
                        Ok(row) => head.push(csv_row(row)),
                        // A broken row among the first rows is that row's error, reported later.
                        Err(e) if e.row.is_some() => row_errors.push(e),
                        Err(e) => {
                            let _ = head_tx.send(Err(e));
                            return;
                        }
                    }
                    if head.len() >= wanted_rows {
                        break;
                    }
                }
                if head_tx.send(Ok((Head { rows: head, merges: Vec::new() }, format, Vec::new(), None))).is_err() {
                    return;
                }
                for e in row_errors {
                    if tx.send(Err(e)).is_err() {
                        return;
                    }
                }
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                for r in source {
                    match r {
                        Ok(row) => batch.push(csv_row(row)),
                        Err(e) => {
                            // A row the CSV reader cannot read is reported as that row's error.
                            if !batch.is_empty() && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                                return;
                            }
                            if tx.send(Err(e)).is_err() {
                                return;
                            }
                            continue;
                        }
                    }
                    if batch.len() == BATCH_ROWS
                        && tx.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS)))).is_err()
                    {
                        return;
                    }
                }
                if !batch.is_empty() {
                    let _ = tx.send(Ok(batch));
                }
            });
        }
        Kind::Workbook => {
            let mut wb = Workbook::open(path)?;
            let sheets = wb.sheet_names();
            let sheet = match &options.sheet {
                Some(s) if sheets.contains(s) => s.clone(),
                Some(s) => {
                    return Err(ReadError {
                        code: "unknown_sheet",
                        message: format!("Die Datei hat kein Blatt „{s}“. Vorhanden: {}.", sheets.join(", ")),
                        row: None,
                    })
                }
                None => wb.first_sheet_with_data()?.ok_or_else(|| ReadError {
                    code: "empty_file",
                    message: "Die Datei enthält kein Blatt mit Daten.".into(),
                    row: None,
                })?,
            };
            let ext = path.extension().map(|e| e.to_string_lossy().to_uppercase()).unwrap_or_default();
            let format = if ext.is_empty() { "Arbeitsmappe".to_owned() } else { ext };
            if let Some(total) = wb.row_count_hint(&sheet) {
                progress.total.store(total, Ordering::Relaxed);
            }
            let merges = wb.merged_regions(&sheet);
            let progress_thread = progress.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut head_tx = Some(head_tx);
                let mut batch = Vec::with_capacity(BATCH_ROWS);
                let mut merges = Some(merges);
                let chosen = Some(sheet.clone());
                let result = wb.for_each_row(&sheet, |row| {
                    progress_thread.row.store(row.number, Ordering::Relaxed);
                    let row = TableRow { number: row.number, cells: row.cells };
                    if let Some(htx) = &head_tx {
                        head.push(row);
                        if head.len() >= wanted_rows {
                            let h = Head { rows: std::mem::take(&mut head), merges: merges.take().unwrap_or_default() };
                            let ok = htx.send(Ok((h, format.clone(), sheets.clone(), chosen.clone()))).is_ok();
                            head_tx = None;
                            return ok;
                        }
                        return true;
                    }
                    batch.push(row);
                    if batch.len() == BATCH_ROWS {
                        return tx.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS)))).is_ok();
                    }
                    true
                });
                match (result, head_tx) {
                    (Err(e), Some(htx)) => {
                        let _ = htx.send(Err(e));
                    }
                    (Ok(()), Some(htx)) => {
                        let h = Head { rows: head, merges: merges.take().unwrap_or_default() };
                        let _ = htx.send(Ok((h, format, sheets, chosen)));
                    }
                    (Err(e), None) => {
                        if !batch.is_empty() {
                            let _ = tx.send(Ok(std::mem::take(&mut batch)));
                        }
                        let _ = tx.send(Err(e));
                    }
                    (Ok(()), None) => {
                        if !batch.is_empty() {
                            let _ = tx.send(Ok(batch));
                        }
                    }
                }
            });
        }
    }

    // Hashed while the reader thread reads the head of the file.
    let sha256 = sha256_of(path)?;
    let (head, format, sheets, sheet) = head_rx.recv().map_err(|_| ReadError {
        code: "io",
        message: format!("„{}“ konnte nicht gelesen werden.", file_name(path)),
        row: None,
    })??;
    let (header_index, header_end, parts) = locate_header(&head, want_header)?;
    let header: Vec<String> = parts.iter().map(|p| p.join(" ")).collect();
    let header_row = head.rows[header_end].number;
    let _ = header_index;
    let buffered: VecDeque<TableRow> = head.rows.into_iter().skip(header_end + 1).collect();
    Ok(Table {
        info: TableInfo {
            file_name: file_name(path),
            sha256,
            size_bytes: size,
            format,
            sheets,
            sheet,
            header_row,
            header,
            header_parts: parts,
        },
        buffered,
        rx: Some(rx),
        current: Vec::new().into_iter(),
        failed: false,
        progress,
    })
}

fn csv_row(row: crate::csv_source::SheetRow) -> TableRow {
    TableRow {
        number: row.number,
        cells: row.cells.into_iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c) }).collect(),
    }
}

/// Finds the header row (or takes the one the user named) and the rows a merged header spans.
/// Returns (index of the header's first row, index of its last row, per column the header
/// texts from top to bottom).
fn locate_header(head: &Head, wanted: Option<u64>) -> Result<(usize, usize, Vec<Vec<String>>), ReadError> {
    let texts: Vec<Vec<String>> = head.rows.iter().map(|r| r.cells.iter().map(Cell::to_text).collect()).collect();
    let start = match wanted {
        Some(n) => head.rows.iter().position(|r| r.number == n).ok_or_else(|| ReadError {
            code: "no_header",
            message: format!("Zeile {n} ist leer oder gibt es nicht; sie kann nicht die Kopfzeile sein."),
            row: Some(n),
        })?,
        None => find_header(&texts).ok_or_else(|| ReadError {
            code: "no_header",
            message: format!(
                "Keine Kopfzeile gefunden: in den ersten {HEADER_SEARCH_ROWS} Zeilen nennt keine Zeile mindestens zwei \
                 bekannte Spalten (z. B. „Inventarnummer“, „Seriennummer“, „Schulnummer“). Bitte die Kopfzeile angeben."
            ),
            row: None,
        })?,
    };
    // A merged cell reaching into the header row from above ("Schulnummer" over two rows,
    // "Gerät" over its sub-headers) starts the header there.
    let mut start = start;
    while let Some(m) = head.merges.iter().find(|m| {
        let row0 = head.rows[start].number - 1;
        u64::from(m.start.0) < row0 && u64::from(m.end.0) >= row0
    }) {
        match head.rows.iter().position(|r| r.number == u64::from(m.start.0) + 1) {
            Some(i) if i < start => start = i,
            _ => break,
        }
    }
    let header_row0 = head.rows[start].number - 1; // 0-based sheet row
    let mut end = start;
    let width = texts.iter().map(Vec::len).max().unwrap_or(0);
    let mut grid: Vec<Vec<String>> = texts.clone();
    for g in &mut grid {
        g.resize(width, String::new());
    }
    // Merged regions that begin in the header row: fill their text into every cell they cover;
    // a region spanning several columns heads sub-headers in the row below.
    let mut spans_columns = false;
    for m in head.merges.iter().filter(|m| u64::from(m.start.0) == header_row0) {
        let (r0, c0) = (start, m.start.1 as usize);
        if c0 >= width {
            continue;
        }
        let text = grid[r0][c0].clone();
        let last_col = (m.end.1 as usize).min(width - 1);
        let last_row = (start + (m.end.0 - m.start.0) as usize).min(grid.len() - 1);
        for row in grid.iter_mut().take(last_row + 1).skip(start) {
            for cell in row.iter_mut().take(last_col + 1).skip(c0) {
                if cell.is_empty() {
                    cell.clone_from(&text);
                }
            }
        }
        end = end.max(last_row);
        if last_col > c0 {
            spans_columns = true;
        }
    }
    if spans_columns && end == start && start + 1 < grid.len() {
        // Sub-headers below a merged group heading: the next row is header if it is all text.
        let next = &head.rows[start + 1];
        if next.number == head.rows[start].number + 1
            && next.cells.iter().all(|c| matches!(c, Cell::Text(_) | Cell::Empty))
        {
            end = start + 1;
        }
    }
    let parts = (0..width)
        .map(|c| {
            let mut p: Vec<String> = Vec::new();
            for row in &grid[start..=end] {
                let t = row[c].trim().to_owned();
                if !t.is_empty() && p.last() != Some(&t) {
                    p.push(t);
                }
            }
            p
        })
        .collect();
    Ok((start, end, parts))
}

impl Table {
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }
}

impl Iterator for Table {
    type Item = Result<TableRow, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(r) = self.buffered.pop_front() {
            return Some(Ok(r));
        }
        loop {
            if let Some(r) = self.current.next() {
                return Some(Ok(r));
            }
            if self.failed {
                return None;
            }
            match self.rx.as_ref()?.recv() {
                Ok(Ok(batch)) => self.current = batch.into_iter(),
                Ok(Err(e)) => {
                    // A file-level error ends the table; a row-level one (e.g. a broken CSV line)
                    // is that row's error and reading goes on.
                    if e.row.is_none() {
                        self.failed = true;
                    }
                    return Some(Err(e));
                }
                Err(_) => {
                    self.rx = None;
                    return None;
                }
            }
        }
    }
}
