//! Search tokens for the ledger (R-ENT-3 search): one rule, used when a record is indexed and
//! when a query is parsed, so both engines match the same records. Every Chinese character
//! (any non-ASCII letter or digit) is a token of its own and a run of ASCII letters and digits
//! is one token, lower-cased; anything else separates. A query is the phrase of its tokens —
//! consecutive tokens in one field — so a Chinese substring of any length, one or two
//! characters included, finds every record containing it; the last token also matches as a
//! prefix ("9136" finds credit codes starting with it).

/// The tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for ch in text.chars().map(half_width) {
        if ch.is_ascii_alphanumeric() {
            word.push(ch.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase().map(String::from));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A field as stored for the index: its tokens separated by single spaces.
pub fn document(text: &str) -> String {
    tokens(text).join(" ")
}

/// Shortest tail of a code kept as a token of its own.
const CODE_TAIL: usize = 6;

/// A code (credit code, certificate number) as stored for the index: its tails of six
/// characters or more, so that the prefix match of a query's last token finds the code by
/// any part of it ("MA35K8P4", the embedded organisation code, included). An archive's
/// placeholder for a missing credit code (`archive:SOURCE:ID`) is no code: its words as they
/// are, and the tails of the external id alone.
pub fn code_document(code: &str) -> String {
    match crate::archive::placeholder_external_id(code) {
        Some(id) => format!("{} {}", document(code), tails(id)).trim_end().to_string(),
        None => tails(code),
    }
}

/// The tails of six characters or more of a code's letters and digits.
fn tails(code: &str) -> String {
    let code = document(code).replace(' ', "");
    let chars: Vec<char> = code.chars().collect();
    let last = chars.len().saturating_sub(CODE_TAIL);
    (0..=last).map(|i| chars[i..].iter().collect::<String>()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Full-width ASCII (Ａ１５ as typed by Chinese input methods) as its half-width form.
fn half_width(ch: char) -> char {
    match ch {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
        '\u{3000}' => ' ',
        _ => ch,
    }
}

/// A parsed query: the phrase to find. Empty when the text has no letters or digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub tokens: Vec<String>,
}

/// Longest query phrase honoured; longer text is cut (a name is rarely longer).
pub const MAX_QUERY_TOKENS: usize = 32;

impl Query {
    pub fn parse(text: &str) -> Query {
        let mut tokens = tokens(text);
        tokens.truncate(MAX_QUERY_TOKENS);
        Query { tokens }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Whether the last token is matched as a prefix (a run of ASCII letters and digits: part
    /// of a credit code, a model number or a Latin name). A single Chinese character is a
    /// whole token already.
    fn last_is_prefix(&self) -> bool {
        self.tokens.last().is_some_and(|t| t.chars().all(|c| c.is_ascii_alphanumeric()))
    }

    /// The query in SQLite FTS5 syntax: `"鑫 达 化" *`.
    pub fn fts5(&self) -> String {
        let star = if self.last_is_prefix() { " *" } else { "" };
        format!("\"{}\"{star}", self.tokens.join(" "))
    }

    /// The query as a PostgreSQL `tsquery` literal: `'鑫' <-> '达' <-> 'acm':*`. Tokens are
    /// letters and digits only, so no quoting is needed beyond the quotes themselves.
    pub fn tsquery(&self) -> String {
        let last = self.tokens.len().saturating_sub(1);
        self.tokens
            .iter()
            .enumerate()
            .map(|(i, t)| if i == last && self.last_is_prefix() { format!("'{t}':*") } else { format!("'{t}'") })
            .collect::<Vec<_>>()
            .join(" <-> ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chinese_character_is_a_token_and_ascii_runs_are_words() {
        assert_eq!(
            tokens("南昌鑫达电缆ABC-12有限公司"),
            ["南", "昌", "鑫", "达", "电", "缆", "abc", "12", "有", "限", "公", "司"]
        );
    }

    #[test]
    fn punctuation_and_spaces_separate_and_vanish() {
        assert_eq!(document("（江西）·  化工, Ltd."), "江 西 化 工 ltd");
    }

    #[test]
    fn full_width_letters_and_digits_match_their_half_width_forms() {
        assert_eq!(tokens("ＧＢ５０２３"), tokens("gb5023"));
    }

    #[test]
    fn a_query_is_a_phrase_whose_last_ascii_token_is_a_prefix() {
        let q = Query::parse("鑫达 9136");
        assert_eq!(q.fts5(), "\"鑫 达 9136\" *");
        assert_eq!(q.tsquery(), "'鑫' <-> '达' <-> '9136':*");
        let q = Query::parse("化工");
        assert_eq!(q.fts5(), "\"化 工\"");
        assert_eq!(q.tsquery(), "'化' <-> '工'");
    }

    #[test]
    fn a_code_is_indexed_by_its_tails_so_any_part_of_it_is_found_as_a_prefix() {
        let doc = code_document("91360121MA35K8P44X");
        let tails: Vec<&str> = doc.split(' ').collect();
        assert_eq!(tails.first(), Some(&"91360121ma35k8p44x"));
        assert_eq!(tails.last(), Some(&"k8p44x"));
        assert_eq!(tails.len(), 13);
        assert!(tails.iter().any(|t| t.starts_with("ma35k8p4")));
        assert_eq!(code_document("ab"), "ab");
        assert_eq!(code_document(""), "");
    }

    #[test]
    fn an_archive_placeholder_is_indexed_by_its_words_and_the_tails_of_its_external_id() {
        let doc = code_document(&crate::archive::placeholder_code("toronto_dinesafe", "9013060"));
        assert_eq!(doc, "archive toronto dinesafe 9013060 9013060 013060");
        let doc = code_document(&crate::archive::placeholder_code("src", "A1"));
        assert_eq!(doc, "archive src a1 a1");
    }

    #[test]
    fn a_query_of_only_punctuation_is_empty() {
        assert!(Query::parse(" ，。%_'\"*").is_empty());
    }

    #[test]
    fn quotes_and_operators_in_a_query_never_reach_the_engine() {
        let q = Query::parse("a' OR '1'='1 \" NEAR(");
        assert!(q.fts5().matches('"').count() == 2);
        assert!(q.tokens.iter().all(|t| t.chars().all(char::is_alphanumeric)));
    }
}
