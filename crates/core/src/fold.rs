//! Text folding for search: lower case, ß → ss, diacritics removed (ä → a, é → e), so that
//! "Brändström", "BRANDSTROM" and "brandstrom" are the same word. Both the indexed text and the
//! query go through [`fold`].

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'œ' | 'Œ' => out.push_str("oe"),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The searchable words of free text a user typed, folded, at most 16.
pub fn words(text: &str) -> Vec<String> {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(16).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_german_and_diacritics() {
        assert_eq!(fold("Brändström-Straße"), "brandstrom-strasse");
        assert_eq!(fold("ÖKO Café"), "oko cafe");
    }

    #[test]
    fn words_are_folded_and_split() {
        assert_eq!(words("Brändström 12b"), vec!["brandstrom", "12b"]);
        assert_eq!(words("\"; DROP TABLE x; --"), vec!["drop", "table", "x"]);
        assert!(words("  -- ").is_empty());
    }
}
