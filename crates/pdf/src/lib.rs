//! PDF rendering of a [`Document`]: A4, German hyphenation, page header and numbers, tables
//! that break across pages with repeated headers. Kept in its own crate because the typesetter
//! is heavy to compile.

use schulinventar_reports::document::Document;

/// Why a PDF could not be made, in German.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PdfError {}

/// Renders the document as a PDF file's bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    Err(PdfError(format!("Der Bericht „{}“ kann in dieser Version noch nicht als PDF ausgegeben werden.", doc.title)))
}
