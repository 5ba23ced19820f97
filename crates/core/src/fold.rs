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

/// Turns free text a user typed into an FTS5 query: every word must occur, as a prefix.
/// Returns `None` when the text holds no searchable word.
pub fn fts_query(text: &str) -> Option<String> {
    fts_terms(text, true)
}

/// Like [`fts_query`], but every word must occur as a whole word. Whole-word queries can seek in
/// the index, while a prefix of a frequent word makes FTS5 merge all matching words first.
pub fn fts_query_exact(text: &str) -> Option<String> {
    fts_terms(text, false)
}

fn fts_terms(text: &str, prefix: bool) -> Option<String> {
    let folded = fold(text);
    let star = if prefix { "*" } else { "" };
    let terms: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"{star}"))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
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
    fn query_quotes_every_word_as_prefix() {
        assert_eq!(fts_query("Brändström 12b").unwrap(), "\"brandstrom\"* \"12b\"*");
        assert_eq!(fts_query("\"; DROP TABLE x; --"), Some("\"drop\"* \"table\"* \"x\"*".into()));
        assert_eq!(fts_query("  -- "), None);
        assert_eq!(fts_query_exact("iPad Air").unwrap(), "\"ipad\" \"air\"");
    }
}
