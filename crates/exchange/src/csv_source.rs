//! Reading CSV/TSV files as they come from German offices: UTF-8 with or without BOM or
//! Windows-1252, `;`, `,` or tab separated, sometimes with a first line `sep=;` that tells Excel
//! the separator. Rows are streamed: memory stays bounded whatever the file size.

use std::io::{BufRead, BufReader, Read};

use encoding_rs::WINDOWS_1252;
use encoding_rs_io::DecodeReaderBytesBuilder;

/// How much of the file is looked at to guess encoding and separator.
const SNIFF_BYTES: usize = 64 * 1024;
/// Longest cell we keep whole; longer cells are an error of their row, not of the file.
pub const MAX_CELL_CHARS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (mit BOM)",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// What the sniffing found out about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFormat {
    pub encoding: TextEncoding,
    pub separator: u8,
    /// The file started with a `sep=` line (not a row of the table).
    pub sep_line: bool,
}

/// One row as the spreadsheet program shows it: `number` is its row number there (1-based;
/// a `sep=` line is not shown by Excel and not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub number: u64,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub code: &'static str,
    pub message: String,
    /// Row number where the problem is, if it concerns one row.
    pub row: Option<u64>,
}

/// Undoes the formula neutralisation of our own CSV exports (and of other careful tools): an
/// apostrophe before `=`, `+`, `-`, `@`, a tab or a carriage return only kept the text from being
/// evaluated, so the text itself starts after it.
fn unquote_formula(cell: &str) -> &str {
    match cell.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &cell[1..],
        _ => cell,
    }
}

fn is_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        // A multi-byte character cut off by the sniff window is still UTF-8.
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

/// Counts a separator candidate outside quotes on each of the first lines.
fn separator_counts(text: &str, sep: char) -> Vec<usize> {
    let mut counts = Vec::new();
    let mut in_quotes = false;
    let mut n = 0;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => {
                counts.push(n);
                n = 0;
                if counts.len() == 30 {
                    break;
                }
            }
            c if c == sep && !in_quotes => n += 1,
            _ => {}
        }
    }
    if n > 0 {
        counts.push(n);
    }
    counts
}

/// The separator that splits the first lines most consistently; `;` wins ties, as German Excel
/// writes it.
fn guess_separator(text: &str) -> u8 {
    let mut best = (b';', 0usize, 0usize);
    for sep in [';', '\t', ','] {
        let counts = separator_counts(text, sep);
        let non_zero: Vec<usize> = counts.iter().copied().filter(|n| *n > 0).collect();
        if non_zero.is_empty() {
            continue;
        }
        // The most common count among lines that have the separator, and how many lines share it.
        let mut freq = std::collections::HashMap::new();
        for n in &non_zero {
            *freq.entry(*n).or_insert(0usize) += 1;
        }
        let (mode, lines) = freq.into_iter().max_by_key(|(n, f)| (*f, *n)).unwrap_or((0, 0));
        if (lines, mode) > (best.1, best.2) {
            best = (sep as u8, lines, mode);
        }
    }
    best.0
}

/// Streams the rows of a CSV file.
pub struct CsvSource {
    format: CsvFormat,
    records: csv::StringRecordsIntoIter<Box<dyn Read + Send>>,
    number: u64,
    /// The record after the current one, read ahead to see where the current one ended.
    peeked: Option<csv::Result<csv::StringRecord>>,
}

impl CsvSource {
    /// Looks at the start of `input` to find encoding and separator (unless `separator` is
    /// given), then reads rows one at a time.
    pub fn open<R: Read + Send + 'static>(input: R, separator: Option<u8>) -> Result<CsvSource, ReadError> {
        let mut reader = BufReader::with_capacity(SNIFF_BYTES, input);
        let head = reader
            .fill_buf()
            .map_err(|e| ReadError {
                code: "io",
                message: format!("Die Datei kann nicht gelesen werden: {e}"),
                row: None,
            })?
            .to_vec();
        if head.contains(&0) {
            return Err(ReadError {
                code: "not_text",
                message: "Die Datei ist keine Textdatei (CSV). Ist es vielleicht eine Excel- oder PDF-Datei?".into(),
                row: None,
            });
        }
        let encoding = if head.starts_with(b"\xEF\xBB\xBF") {
            TextEncoding::Utf8Bom
        } else if is_utf8_prefix(&head) {
            TextEncoding::Utf8
        } else {
            TextEncoding::Windows1252
        };
        let head_text = match encoding {
            TextEncoding::Windows1252 => WINDOWS_1252.decode_without_bom_handling(&head).0.into_owned(),
            _ => String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head)).into_owned(),
        };
        let first_line = head_text.lines().next().unwrap_or("").trim();
        let sep_line = first_line.len() == 5 && first_line.to_ascii_lowercase().starts_with("sep=");
        let separator = match separator {
            Some(s) => s,
            None if sep_line => first_line.as_bytes()[4],
            None => guess_separator(&head_text),
        };

        let decoded: Box<dyn Read + Send> = Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(match encoding {
                    TextEncoding::Windows1252 => Some(WINDOWS_1252),
                    _ => None, // UTF-8, BOM removed
                })
                .build(reader),
        );
        let mut decoded = BufReader::new(decoded);
        if sep_line {
            let mut skipped = String::new();
            decoded.read_line(&mut skipped).map_err(|e| ReadError {
                code: "io",
                message: format!("Die Datei kann nicht gelesen werden: {e}"),
                row: None,
            })?;
        }
        let records = csv::ReaderBuilder::new()
            .delimiter(separator)
            .has_headers(false)
            .flexible(true)
            .from_reader(Box::new(decoded) as Box<dyn Read + Send>)
            .into_records();
        Ok(CsvSource { format: CsvFormat { encoding, separator, sep_line }, records, number: 0, peeked: None })
    }

    pub fn format(&self) -> &CsvFormat {
        &self.format
    }
}

impl Iterator for CsvSource {
    type Item = Result<SheetRow, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = match self.peeked.take() {
            Some(r) => r,
            None => self.records.next()?,
        };
        self.peeked = self.records.next();
        // The row number counts the blank lines the CSV reader skips (a spreadsheet program shows
        // them as empty rows) but not the line breaks inside quoted cells. A record's position is
        // where the reader started looking for it, before any blank lines; where the next record
        // starts tells how many lines this one took.
        let blank_lines = match &record {
            Ok(r) => {
                let start = r.position().map_or(0, |p| p.line());
                let end = match &self.peeked {
                    Some(Ok(next)) => next.position().map_or(start, |p| p.line()),
                    Some(Err(_)) => start,
                    // The last record: what follows it is at most blank lines, which do not
                    // change its number. (Blank lines right before the last record are not
                    // seen; the reader's end position is not precise enough to tell.)
                    None => start,
                };
                let breaks = r.iter().map(|c| c.matches('\n').count() as u64).sum::<u64>();
                end.saturating_sub(start).saturating_sub(1 + breaks)
            }
            Err(_) => 0,
        };
        self.number += 1 + blank_lines;
        let number = self.number;
        Some(match record {
            Ok(r) => {
                if let Some(long) = r.iter().position(|c| c.chars().count() > MAX_CELL_CHARS) {
                    Err(ReadError {
                        code: "cell_too_long",
                        message: format!("Zelle {} hat mehr als {MAX_CELL_CHARS} Zeichen.", long + 1),
                        row: Some(number),
                    })
                } else {
                    Ok(SheetRow {
                        number,
                        cells: r.iter().map(|c| unquote_formula(c.trim_end_matches('\r')).to_owned()).collect(),
                    })
                }
            }
            Err(e) => Err(ReadError {
                code: "invalid_csv",
                message: format!("Die Zeile ist kein gültiges CSV: {e}"),
                row: Some(number),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &'static [u8]) -> (CsvFormat, Vec<SheetRow>) {
        let src = CsvSource::open(bytes, None).unwrap();
        let format = src.format().clone();
        (format, src.map(Result::unwrap).collect())
    }

    #[test]
    fn separators_are_guessed() {
        assert_eq!(rows(b"a;b;c\n1;2;3\n").0.separator, b';');
        assert_eq!(rows(b"a,b,c\n1,2,3\n").0.separator, b',');
        assert_eq!(rows(b"a\tb\tc\n1\t2\t3\n").0.separator, b'\t');
        // German decimals contain commas; the consistent separator still wins.
        assert_eq!(rows(b"Modell;Preis\nA;1,50\nB;2,75\n").0.separator, b';');
        assert_eq!(rows(b"\"x;y\",b\n\"1;2\",3\n").0.separator, b',');
    }

    #[test]
    fn sep_line_is_honoured_and_not_a_row() {
        let (f, r) = rows(b"sep=,\na,b\n1,2\n");
        assert!(f.sep_line);
        assert_eq!(f.separator, b',');
        assert_eq!(r[0], SheetRow { number: 1, cells: vec!["a".into(), "b".into()] });
        assert_eq!(r[1].number, 2);
    }

    #[test]
    fn encodings() {
        let (f, r) = rows(b"\xEF\xBB\xBFName;Ort\nM\xC3\xBCller;K\xC3\xB6ln\n");
        assert_eq!(f.encoding, TextEncoding::Utf8Bom);
        assert_eq!(r[0].cells[0], "Name", "BOM removed");
        assert_eq!(r[1].cells, vec!["Müller", "Köln"]);
        let (f, r) = rows(b"Name;Ort\nM\xFCller;K\xF6ln \x80\n");
        assert_eq!(f.encoding, TextEncoding::Windows1252);
        assert_eq!(r[1].cells, vec!["Müller", "Köln €"]);
    }

    #[test]
    fn binary_files_are_refused() {
        let err = CsvSource::open(&b"%PDF-1.7\n\x00\x01\x02binary"[..], None).err().unwrap();
        assert_eq!(err.code, "not_text");
    }

    #[test]
    fn a_neutralised_formula_reads_back_as_the_text() {
        assert_eq!(unquote_formula("'=HYPERLINK(\"http://x\")"), "=HYPERLINK(\"http://x\")");
        assert_eq!(unquote_formula("'-5"), "-5");
        assert_eq!(unquote_formula("'Text"), "'Text", "an apostrophe before other text is content");
        assert_eq!(unquote_formula("'"), "'");
        assert_eq!(unquote_formula("=1"), "=1");
    }

    #[test]
    fn quoted_cells_keep_separators_quotes_and_line_breaks() {
        let (_, r) = rows(b"a;b\n\"x;y\";\"er sagte \"\"ja\"\"\nzweite Zeile\"\n3;4\n");
        assert_eq!(r[1].cells, vec!["x;y", "er sagte \"ja\"\nzweite Zeile"]);
        assert_eq!(r[2].number, 3, "a cell with a line break is still one row");
    }

    #[test]
    fn blank_lines_count_as_rows_like_in_excel() {
        let (_, r) = rows(b"a;b\n\n1;2\n\"x\ny\";3\n\n\n4;5\n6;7\n\n");
        let numbers: Vec<u64> = r.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![1, 3, 4, 7, 8]);
        let (_, r) = rows(b"sep=;\na;b\n\n1;2\n3;4\n");
        assert_eq!(r.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1, 3, 4]);
    }
}
