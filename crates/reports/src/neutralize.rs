//! Formula injection: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return is a formula (or becomes one) in Excel, LibreOffice and Google Sheets. Exports write
//! such text so that no spreadsheet program evaluates it; what is stored stays as typed.

use std::borrow::Cow;

/// Whether a spreadsheet program could take this text for a formula.
pub fn is_formula_like(text: &str) -> bool {
    matches!(text.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// The text as a CSV cell: formula-like text gets a leading apostrophe, which Excel and
/// LibreOffice show as text and never evaluate (the OWASP recommendation for CSV).
pub fn csv_text(text: &str) -> Cow<'_, str> {
    if is_formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_formula_starts_are_changed() {
        assert_eq!(csv_text("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(csv_text("+49 30 1234"), "'+49 30 1234");
        assert_eq!(csv_text("-Bestand"), "'-Bestand");
        assert_eq!(csv_text("@SUMME(A1)"), "'@SUMME(A1)");
        assert_eq!(csv_text("\tx"), "'\tx");
        assert_eq!(csv_text("\rx"), "'\rx");
        assert_eq!(csv_text("Raum 1=2"), "Raum 1=2");
        assert_eq!(csv_text(""), "");
        assert!(matches!(csv_text("INV-1"), Cow::Borrowed(_)));
    }
}
