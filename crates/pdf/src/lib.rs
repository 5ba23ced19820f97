//! PDF rendering of a report [`Document`] with the typst typesetter used as a library: A4,
//! German hyphenation, a header with the Schulträger and the date on every page, "Seite N von
//! M", numbered sections, tables that break across pages with their header repeated, bar
//! charts, signature lines. Kept in its own crate because typst is heavy to compile.
//!
//! User text never becomes typst markup: the document goes to a fixed template
//! (`report.typ`) as JSON in a virtual file, and the template shows every value as text.

pub mod files;

use std::sync::OnceLock;

use chrono::Datelike;

use schulinventar_reports::document::{Block, Cell, ColumnKind, Document};
use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::model::Document as _;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

#[doc(hidden)]
pub const TEMPLATE: &str = include_str!("report.typ");

/// Why a PDF could not be made, in German (the typesetter's own message appended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PdfError {}

/// Fonts and the standard library, prepared once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Shared { library: LazyHash::new(Library::default()), book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

fn file_id(path: &str) -> FileId {
    FileId::new(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("a valid virtual path")))
}

struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Option<Datetime>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

// The template's view of the document: every value already as the German text it shows, so
// PDF and spreadsheets agree to the cent, and whether it is right-aligned.

#[derive(Serialize, Clone)]
struct View {
    title: String,
    subtitle: Option<String>,
    header: String,
    date: String,
    sections: Vec<SectionView>,
    /// This piece opens the document (shows the title).
    first: bool,
    /// Numbered sections before this piece.
    heading_offset: usize,
    /// Set only for the page-number overlay: per page to number, whether it is in landscape.
    footers: Option<Vec<bool>>,
}

#[derive(Serialize, Clone)]
struct SectionView {
    /// `None` where a section continues from the previous piece.
    title: Option<String>,
    /// Set on landscape pages: a table of the section is too wide for portrait.
    landscape: bool,
    blocks: Vec<BlockView>,
}

#[derive(Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum BlockView {
    Heading {
        text: String,
    },
    Paragraph {
        text: String,
    },
    Facts {
        rows: Vec<(String, String)>,
    },
    Table {
        columns: Vec<ColumnView>,
        rows: Vec<Vec<String>>,
        totals: Option<Vec<String>>,
        small: bool,
        /// Too wide for a portrait page: its section is set in landscape.
        #[serde(skip)]
        landscape: bool,
    },
    Chart {
        title: String,
        unit: String,
        categories: Vec<String>,
        series: Vec<SeriesView>,
        max: f64,
        stacked: bool,
    },
    Signatures {
        captions: Vec<String>,
    },
}

#[derive(Serialize, Clone)]
struct ColumnView {
    title: String,
    right: bool,
    /// The column's width in points (see `column_widths`).
    width: f64,
}

/// The text width of an A4 page with the template's 2 cm side margins, in points.
const PORTRAIT_WIDTH: f64 = 481.9;
const LANDSCAPE_WIDTH: f64 = 728.5;
/// A cell's left and right inset together (the template's `inset: (x: 4pt)`), in points.
const INSET: f64 = 8.0;
/// The widest character of a table (a digit of the table font), in ems; wider than the
/// average letter, so an estimate from it is on the safe side.
const CHAR_EM: f64 = 0.52;
/// A text column does not ask for more than this many characters: longer values wrap.
const TEXT_CAP: usize = 24;

/// The longest stretch of `text` that cannot wrap, in characters: lines break at spaces and after
/// a hyphen, though not after one that a digit follows ("RE-2019-0815" stays whole, as
/// Unicode's line breaking rules have it).
fn longest_unbroken(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            run = 0;
            continue;
        }
        run += 1;
        longest = longest.max(run);
        if c == '-' && chars.peek().is_some_and(|n| !n.is_ascii_digit()) {
            run = 0;
        }
    }
    longest
}

/// A table's font size in points: smaller for tables of many columns.
fn table_font(columns: usize) -> f64 {
    if columns > 8 {
        7.0
    } else {
        8.0
    }
}

/// What one column of a table holds, in characters: measured once, then laid out on a portrait
/// line, a landscape line and, failing both, in proportion.
struct ColumnMeasure {
    text: bool,
    /// The longest value, the totals row included.
    longest: usize,
    /// The longest value of the rows alone.
    longest_in_rows: usize,
    /// The longest run that does not break (see `longest_unbroken`), totals included.
    word: usize,
    /// The longest word of the title.
    title_word: usize,
}

fn measure_columns(
    t: &schulinventar_reports::document::Table,
    rows: &[Vec<String>],
    totals: Option<&Vec<String>>,
) -> Vec<ColumnMeasure> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let in_rows = || rows.iter().filter_map(|r| r.get(i));
            let values = || in_rows().chain(totals.and_then(|r| r.get(i)));
            let text = column.kind == ColumnKind::Text;
            ColumnMeasure {
                text,
                longest: values().map(|v| v.chars().count()).max().unwrap_or(0),
                longest_in_rows: in_rows().map(|v| v.chars().count()).max().unwrap_or(0),
                word: if text { values().map(|v| longest_unbroken(v)).max().unwrap_or(0) } else { 0 },
                title_word: column.title.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0),
            }
        })
        .collect()
}

/// Column widths in points for a table on a line of `line` points, or `None` where the columns
/// do not fit (`em`: the width of a character at the table's font size). Numbers and dates get
/// their full length, so they stay on one line; a text column gets at least its longest word
/// (an invoice number, say, does not break), and the rest of the line is shared out by the text
/// columns' longest values (capped, so one long name does not take the line). Fixed widths keep
/// a long list's columns alike on every page.
fn column_widths(columns: &[ColumnMeasure], em: f64, line: f64) -> Option<Vec<f64>> {
    let width = |chars: usize| chars as f64 * em + INSET;
    let mut fixed = Vec::with_capacity(columns.len());
    // (minimum, wanted) of the text columns, by column.
    let mut text: Vec<Option<(f64, f64)>> = Vec::with_capacity(columns.len());
    for c in columns {
        if !c.text {
            // A title wraps at its words, and a long one is hyphenated; numbers do not wrap.
            fixed.push(width(c.longest.max(c.title_word.min(10)).max(3)));
            text.push(None);
        } else {
            let min = width(c.word.min(TEXT_CAP).max(c.title_word.min(10)).max(3));
            let wanted = width(c.longest.min(TEXT_CAP)).max(min);
            fixed.push(0.0);
            text.push(Some((min, wanted)));
        }
    }
    let need: f64 = fixed.iter().sum::<f64>() + text.iter().flatten().map(|(min, _)| min).sum::<f64>();
    if need > line {
        return None;
    }
    // Text columns grow from their minimum towards what they want, all by the same share of
    // the difference; what is left over goes to them by what they want.
    let spare = line - need;
    let growth: f64 = text.iter().flatten().map(|(min, wanted)| wanted - min).sum();
    let wanted_all: f64 = text.iter().flatten().map(|(_, wanted)| wanted).sum();
    let share = if growth > 0.0 { (spare / growth).min(1.0) } else { 0.0 };
    let left = spare - growth * share;
    Some(
        fixed
            .iter()
            .zip(&text)
            .map(|(f, t)| match t {
                None => *f,
                Some((min, wanted)) => {
                    let extra = if wanted_all > 0.0 { left * wanted / wanted_all } else { 0.0 };
                    min + (wanted - min) * share + extra
                }
            })
            .collect(),
    )
}

/// The widths of a table's columns and whether it needs a landscape page: portrait where it
/// fits, else landscape; where not even that fits, landscape with the columns in proportion to
/// their longest values in the rows (capped like text).
fn layout_columns(
    t: &schulinventar_reports::document::Table,
    rows: &[Vec<String>],
    totals: Option<&Vec<String>>,
) -> (Vec<f64>, bool) {
    let columns = measure_columns(t, rows, totals);
    let em = table_font(t.columns.len()) * CHAR_EM;
    if let Some(w) = column_widths(&columns, em, PORTRAIT_WIDTH) {
        return (w, false);
    }
    if let Some(w) = column_widths(&columns, em, LANDSCAPE_WIDTH) {
        return (w, true);
    }
    let natural: Vec<f64> = columns.iter().map(|c| c.longest_in_rows.clamp(3, TEXT_CAP) as f64 * em + INSET).collect();
    let sum: f64 = natural.iter().sum();
    (natural.iter().map(|w| w * LANDSCAPE_WIDTH / sum).collect(), true)
}

#[derive(Serialize, Clone)]
struct SeriesView {
    name: String,
    values: Vec<f64>,
    labels: Vec<String>,
}

fn sections(doc: &Document) -> Vec<SectionView> {
    doc.sections
        .iter()
        .map(|s| {
            let blocks: Vec<BlockView> = s
                .blocks
                .iter()
                .filter(|b| !matches!(b, Block::Table(t) if !t.in_print()))
                .map(|b| match b {
                    Block::Heading { text } => BlockView::Heading { text: text.clone() },
                    Block::Paragraph { text } => BlockView::Paragraph { text: text.clone() },
                    Block::Facts { rows } => {
                        BlockView::Facts { rows: rows.iter().map(|(l, v)| (l.clone(), v.display())).collect() }
                    }
                    Block::Table(t) => {
                        let rows: Vec<Vec<String>> =
                            t.rows.iter().map(|r| r.iter().map(Cell::display).collect()).collect();
                        let totals: Option<Vec<String>> =
                            t.totals.as_ref().map(|r| r.iter().map(Cell::display).collect());
                        let (widths, landscape) = layout_columns(t, &rows, totals.as_ref());
                        BlockView::Table {
                            columns: t
                                .columns
                                .iter()
                                .zip(widths)
                                .map(|(c, width)| ColumnView {
                                    title: c.title.clone(),
                                    right: c.kind != ColumnKind::Text && c.kind != ColumnKind::Date,
                                    width,
                                })
                                .collect(),
                            rows,
                            totals,
                            small: t.columns.len() > 8,
                            landscape,
                        }
                    }
                    Block::Chart(c) => {
                        let max = if c.stacked {
                            (0..c.categories.len())
                                .map(|i| {
                                    c.series
                                        .iter()
                                        .map(|s| s.values.get(i).copied().unwrap_or(0.0).max(0.0))
                                        .sum::<f64>()
                                })
                                .fold(0.0, f64::max)
                        } else {
                            c.series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max)
                        };
                        let money = c.unit == "€";
                        BlockView::Chart {
                            title: c.title.clone(),
                            unit: c.unit.clone(),
                            categories: c.categories.clone(),
                            series: c
                                .series
                                .iter()
                                .map(|s| SeriesView {
                                    name: s.name.clone(),
                                    values: s.values.iter().map(|v| v.max(0.0)).collect(),
                                    labels: s
                                        .values
                                        .iter()
                                        .map(|v| {
                                            if money {
                                                schulinventar_reports::document::money((v * 100.0).round() as i64)
                                            } else {
                                                schulinventar_reports::document::decimal(*v, 2)
                                            }
                                        })
                                        .collect(),
                                })
                                .collect(),
                            max,
                            stacked: c.stacked,
                        }
                    }
                    Block::Signatures { captions } => BlockView::Signatures { captions: captions.clone() },
                })
                .collect();
            let landscape = blocks.iter().any(|b| matches!(b, BlockView::Table { landscape: true, .. }));
            SectionView { title: Some(s.title.clone()), landscape, blocks }
        })
        .collect()
}

/// Table cells per typesetting run. The typesetter's memory grows with the cells it lays out in
/// one run (about 8 KB each), so long reports are set in pieces of this size, each in a run of
/// its own whose caches are dropped afterwards; the pages are then joined and numbered. Smaller
/// pieces cost a few part-filled pages where a piece ends; on the municipality demo 3,000 cells
/// were as quick as 12,000 and needed 150 MB less.
pub const CELLS_PER_PIECE: usize = 3_000;

/// How far rendering has come, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// `done` of `total` pieces are typeset.
    Typeset { done: usize, total: usize },
    /// The pages are joined and numbered.
    Numbering,
    /// The PDF file is written.
    Writing,
}

/// Renders the document as the bytes of a PDF file.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    render_with(doc, TEMPLATE, CELLS_PER_PIECE, &|_| {})
}

/// Renders the document, reporting how far it has come (from the typesetting threads, too).
pub fn render_reporting(doc: &Document, progress: &(dyn Fn(Progress) + Sync)) -> Result<Vec<u8>, PdfError> {
    render_with(doc, TEMPLATE, CELLS_PER_PIECE, progress)
}

/// What a block costs the typesetter, in table cells.
fn cost(block: &BlockView) -> usize {
    match block {
        BlockView::Table { rows, .. } => rows.iter().map(|r| row_cost(r)).sum(),
        BlockView::Paragraph { text } => 1 + text.len() / 80,
        BlockView::Facts { rows } => rows.len() * 2,
        BlockView::Chart { categories, series, .. } => categories.len() * (series.len() + 1),
        BlockView::Heading { .. } | BlockView::Signatures { .. } => 1,
    }
}

/// A table row's cost: a cell each, and long text (which wraps over several lines) costs more.
fn row_cost(row: &[String]) -> usize {
    row.iter().map(|v| 1 + v.len() / 32).sum::<usize>().max(1)
}

/// Splits the document into pieces of about `budget` cells. A piece ends after a section or in
/// the middle of a long table (whose rows then go on in the next piece under the same columns,
/// the totals row at its very end). Every piece starts on a new page.
fn pieces(header: &View, sections: &[SectionView], budget: usize) -> Vec<View> {
    let budget = budget.max(1);
    let empty = |first: bool, heading_offset: usize| View { first, heading_offset, ..header.clone() };
    let mut out = Vec::new();
    let mut piece = empty(true, 0);
    let mut used = 0usize;
    let mut headings = 0usize;
    for section in sections {
        let landscape = section.landscape;
        piece.sections.push(SectionView { title: section.title.clone(), landscape, blocks: Vec::new() });
        headings += 1;
        for block in &section.blocks {
            let BlockView::Table { columns, rows, totals, small, landscape: wide } = block else {
                used += cost(block);
                piece.sections.last_mut().expect("a section was pushed").blocks.push(block.clone());
                continue;
            };
            let mut rest: &[Vec<String>] = rows;
            loop {
                // As many rows as fit the piece's budget; at least one in a piece of its own.
                let mut take = 0;
                let mut spent = 0;
                while take < rest.len() && ((used == 0 && take == 0) || used + spent + row_cost(&rest[take]) <= budget)
                {
                    spent += row_cost(&rest[take]);
                    take += 1;
                }
                if take == 0 && !rest.is_empty() {
                    out.push(std::mem::replace(&mut piece, empty(false, headings)));
                    piece.sections.push(SectionView { title: None, landscape, blocks: Vec::new() });
                    used = 0;
                    continue;
                }
                let last = take == rest.len();
                piece.sections.last_mut().expect("a section was pushed").blocks.push(BlockView::Table {
                    columns: columns.clone(),
                    rows: rest[..take].to_vec(),
                    totals: if last { totals.clone() } else { None },
                    small: *small,
                    landscape: *wide,
                });
                used += spent;
                rest = &rest[take..];
                if last {
                    break;
                }
                out.push(std::mem::replace(&mut piece, empty(false, headings)));
                piece.sections.push(SectionView { title: None, landscape, blocks: Vec::new() });
                used = 0;
            }
        }
        if used >= budget {
            out.push(std::mem::replace(&mut piece, empty(false, headings)));
            used = 0;
        }
    }
    if out.is_empty() || !piece.sections.is_empty() {
        out.push(piece);
    }
    out
}

fn typeset(view: &View, template: &str, created_on: chrono::NaiveDate) -> Result<PagedDocument, PdfError> {
    let data =
        serde_json::to_vec(view).map_err(|e| PdfError(format!("Der Bericht konnte nicht aufbereitet werden: {e}")))?;
    let d = created_on;
    let world = ReportWorld {
        main: Source::new(file_id("/main.typ"), template.to_owned()),
        data_id: file_id("/data.json"),
        data: Bytes::new(data),
        today: Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8),
    };
    typst::compile::<PagedDocument>(&world).output.map_err(|errors| {
        let details: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        PdfError(format!("Der Bericht konnte nicht gesetzt werden ({}).", details.join("; ")))
    })
}

/// Renders with another template and piece size (for the `pdf_timing` example and tests).
#[doc(hidden)]
pub fn render_with(
    doc: &Document,
    template: &str,
    cells_per_piece: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<u8>, PdfError> {
    // `SCHULINVENTAR_PDF_PHASES=1` prints the time and peak memory of each phase to stderr.
    let phases = std::env::var_os("SCHULINVENTAR_PDF_PHASES").is_some();
    let started = std::time::Instant::now();
    let phase = |name: &str| {
        if phases {
            let peak = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_owned())
                })
                .unwrap_or_default();
            eprintln!("{name}: {:.2} s, peak {peak} kB", started.elapsed().as_secs_f64());
        }
    };
    let header = view_header(doc);
    let parts = pieces(&header, &sections(doc), cells_per_piece);
    // The pieces are set on up to two threads, in order of their index; each run's caches are
    // dropped once it is done, and of its result only the pages are kept (not the run's
    // introspector), so memory holds the finished pages and at most two runs.
    type Set = Result<(Vec<typst_layout::Page>, typst::model::DocumentInfo), PdfError>;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Set>>> = parts.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 2).min(parts.len());
    progress(Progress::Typeset { done: 0, total: parts.len() });
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(part) = parts.get(i) else { break };
                let result = typeset(part, template, doc.created_on)
                    .map(|compiled| (compiled.pages().to_vec(), compiled.info().clone()));
                typst::comemo::evict(0);
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(Progress::Typeset { done: finished, total: parts.len() });
            });
        }
    });
    phase(&format!("{} pieces set", parts.len()));
    progress(Progress::Numbering);
    let mut pages = typst::ecow::EcoVec::new();
    let mut info = None;
    for slot in results {
        let (set, set_info) = slot
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .ok_or_else(|| PdfError("Der Bericht konnte nicht gesetzt werden.".into()))??;
        if info.is_none() {
            info = Some(set_info);
        }
        pages.extend(set);
    }
    // "Seite N von M" on every page, laid over the joined pages.
    let total = pages.len();
    let flipped = pages.iter().map(|p| p.frame.width() > p.frame.height()).collect();
    let numbers = View { footers: Some(flipped), first: false, ..header };
    let footers = typeset(&numbers, template, doc.created_on)?;
    typst::comemo::evict(0);
    if footers.pages().len() != total {
        return Err(PdfError(format!(
            "Die Seitenzahlen konnten nicht gesetzt werden ({} statt {total} Seiten).",
            footers.pages().len()
        )));
    }
    for (i, (page, footer)) in pages.make_mut().iter_mut().zip(footers.pages()).enumerate() {
        page.frame.push_frame(typst::layout::Point::zero(), footer.frame.clone());
        page.number = i as u64 + 1;
    }
    let document = PagedDocument::new(pages, info.unwrap_or_default());
    phase("page numbers");
    progress(Progress::Writing);
    let tagged = std::env::var_os("SCHULINVENTAR_PDF_UNTAGGED").is_none();
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions { tagged, ..Default::default() }).map_err(|errors| {
        let details: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        PdfError(format!("Die PDF-Datei konnte nicht erzeugt werden ({}).", details.join("; ")))
    });
    phase("pdf written");
    pdf
}

/// The document's title and header data without its sections: the view of an empty first piece.
fn view_header(doc: &Document) -> View {
    View {
        title: doc.title.clone(),
        subtitle: doc.subtitle.clone(),
        header: doc.header.clone(),
        date: doc.created_on.format("%d.%m.%Y").to_string(),
        sections: Vec::new(),
        first: true,
        heading_offset: 0,
        footers: None,
    }
}

#[cfg(test)]
mod tests {
    use super::longest_unbroken;

    #[test]
    fn lines_break_at_spaces_and_hyphens_but_not_before_digits() {
        assert_eq!(longest_unbroken("101209 Albert-Schweitzer-Förderschule Beispielstadt"), 13);
        assert_eq!(longest_unbroken("RE-2019-101209-01"), 17);
        assert_eq!(longest_unbroken("101195-00043, 101195-00045"), 13);
        assert_eq!(longest_unbroken(""), 0);
    }
}
