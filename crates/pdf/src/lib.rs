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
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

const TEMPLATE: &str = include_str!("report.typ");

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

#[derive(Serialize)]
struct View {
    title: String,
    subtitle: Option<String>,
    header: String,
    date: String,
    sections: Vec<SectionView>,
}

#[derive(Serialize)]
struct SectionView {
    title: String,
    blocks: Vec<BlockView>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum BlockView {
    Heading { text: String },
    Paragraph { text: String },
    Facts { rows: Vec<(String, String)> },
    Table { columns: Vec<ColumnView>, rows: Vec<Vec<String>>, totals: Option<Vec<String>>, small: bool },
    Chart { title: String, unit: String, categories: Vec<String>, series: Vec<SeriesView>, max: f64, stacked: bool },
    Signatures { captions: Vec<String> },
}

#[derive(Serialize)]
struct ColumnView {
    title: String,
    right: bool,
}

#[derive(Serialize)]
struct SeriesView {
    name: String,
    values: Vec<f64>,
    labels: Vec<String>,
}

fn view(doc: &Document) -> View {
    let sections = doc
        .sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            blocks: s
                .blocks
                .iter()
                .map(|b| match b {
                    Block::Heading { text } => BlockView::Heading { text: text.clone() },
                    Block::Paragraph { text } => BlockView::Paragraph { text: text.clone() },
                    Block::Facts { rows } => {
                        BlockView::Facts { rows: rows.iter().map(|(l, v)| (l.clone(), v.display())).collect() }
                    }
                    Block::Table(t) => BlockView::Table {
                        columns: t
                            .columns
                            .iter()
                            .map(|c| ColumnView {
                                title: c.title.clone(),
                                right: c.kind != ColumnKind::Text && c.kind != ColumnKind::Date,
                            })
                            .collect(),
                        rows: t.rows.iter().map(|r| r.iter().map(Cell::display).collect()).collect(),
                        totals: t.totals.as_ref().map(|r| r.iter().map(Cell::display).collect()),
                        small: t.columns.len() > 8,
                    },
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
                .collect(),
        })
        .collect();
    View {
        title: doc.title.clone(),
        subtitle: doc.subtitle.clone(),
        header: doc.header.clone(),
        date: doc.created_on.format("%d.%m.%Y").to_string(),
        sections,
    }
}

/// Renders the document as the bytes of a PDF file.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    render_with_template(doc, TEMPLATE)
}

/// Renders with another template (for trying layout changes with the `pdf_timing` example).
#[doc(hidden)]
pub fn render_with_template(doc: &Document, template: &str) -> Result<Vec<u8>, PdfError> {
    let data = serde_json::to_vec(&view(doc))
        .map_err(|e| PdfError(format!("Der Bericht konnte nicht aufbereitet werden: {e}")))?;
    let d = doc.created_on;
    let world = ReportWorld {
        main: Source::new(file_id("/main.typ"), template.to_owned()),
        data_id: file_id("/data.json"),
        data: Bytes::new(data),
        today: Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8),
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let document = compiled.output.map_err(|errors| {
        let details: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        PdfError(format!("Der Bericht konnte nicht gesetzt werden ({}).", details.join("; ")))
    })?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        let details: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        PdfError(format!("Die PDF-Datei konnte nicht erzeugt werden ({}).", details.join("; ")))
    })
}
