//! People's names as plain letters: accents taken off, for file names, and names matched as
//! people type them (any case, no accents, from the start of any word).

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// `text` with its accents taken off: `Núñez` → `Nunez`, `Thảo` → `Thao`, `Weiß` → `Weiss`.
/// Letters that Unicode does not decompose into a base and a mark (`ß`, `ø`, `ł`, `æ`, …) are
/// spelled as they are usually written without them.
pub fn without_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => out.push_str("ss"),
            'ẞ' => out.push_str("SS"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'đ' | 'ð' => out.push('d'),
            'Đ' | 'Ð' => out.push('D'),
            'þ' => out.push_str("th"),
            'Þ' => out.push_str("Th"),
            'ı' => out.push('i'),
            other => out.push(other),
        }
    }
    out
}

/// How closely a typed name matches a person's name; closer first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameMatch {
    /// The whole name, ignoring case and accents.
    Whole,
    /// The start of the name.
    Start,
    /// The start of words of the name, in order ("Jurgen W", "thao", "Ibanez").
    Words,
}

/// Apostrophes as names are written (`O’Brien`, `Hashkʼeʼ`) and as keyboards type them.
const APOSTROPHES: [char; 6] = ['\'', '`', '\u{2018}', '\u{2019}', '\u{02BB}', '\u{02BC}'];

/// The words of `text` as matching compares them: lower case, accents and apostrophes off,
/// split at anything else that is not a letter or digit (spaces, hyphens, commas).
fn words(text: &str) -> Vec<String> {
    raw_words(text).iter().map(|w| w.replace(APOSTROPHES, "")).collect()
}

fn raw_words(text: &str) -> Vec<String> {
    without_accents(text)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && !APOSTROPHES.contains(&c))
        .map(|w| w.trim_matches(APOSTROPHES))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A name's words to match typed words against: each word whole, and a word with an
/// apostrophe also in its parts, so that `D’Souza` is found as `dsouza`, `d'souza` or `souza`.
fn name_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in raw_words(text) {
        out.push(word.replace(APOSTROPHES, ""));
        if word.contains(APOSTROPHES) {
            out.extend(word.split(APOSTROPHES).filter(|p| !p.is_empty()).map(str::to_string));
        }
    }
    out
}

/// Whether `typed` names `name`, and how closely: case, accents and apostrophes never matter,
/// and each typed word may be the start of a word of the name, in order.
pub fn name_match(name: &str, typed: &str) -> Option<NameMatch> {
    let (whole, wanted) = (words(name), words(typed));
    if wanted.is_empty() {
        return None;
    }
    if whole == wanted {
        return Some(NameMatch::Whole);
    }
    if whole.join(" ").starts_with(&wanted.join(" ")) {
        return Some(NameMatch::Start);
    }
    let parts = name_words(name);
    let mut rest = parts.iter();
    wanted.iter().all(|t| rest.any(|w| w.starts_with(t.as_str()))).then_some(NameMatch::Words)
}

/// Whether `text` contains `typed`, ignoring case and accents (a search box's filter).
pub fn contains(text: &str, typed: &str) -> bool {
    let plain = |t: &str| without_accents(t).to_lowercase();
    plain(text).contains(&plain(typed))
}

#[cfg(test)]
mod tests {
    use super::{NameMatch, contains, name_match, without_accents};

    #[test]
    fn accents_come_off_and_the_rest_stays() {
        assert_eq!(without_accents("María de los Ángeles Núñez"), "Maria de los Angeles Nunez");
        assert_eq!(without_accents("Jürgen Weiß"), "Jurgen Weiss");
        assert_eq!(without_accents("Nguyễn Thị Thảo"), "Nguyen Thi Thao");
        assert_eq!(without_accents("Małgorzata Wiśniewska"), "Malgorzata Wisniewska");
        assert_eq!(without_accents("Søren Ørsted"), "Soren Orsted");
        assert_eq!(without_accents("Siobhán Ó Briain-O'Neill"), "Siobhan O Briain-O'Neill");
        // Scripts without Latin accents are left as written.
        assert_eq!(without_accents("王芳"), "王芳");
    }

    #[test]
    fn names_match_as_people_type_them() {
        let m = |name, typed| name_match(name, typed);
        assert_eq!(m("Siobhán Ó Súilleabháin", "Siobhan"), Some(NameMatch::Start));
        assert_eq!(m("Jürgen Weiß", "Jurgen Weiss"), Some(NameMatch::Whole));
        assert_eq!(m("Jürgen Weiß", "jürgen weiss"), Some(NameMatch::Whole));
        assert_eq!(m("Małgorzata Wiśniewska", "wiśniewska"), Some(NameMatch::Words));
        assert_eq!(m("Lê Phương Thảo", "thao"), Some(NameMatch::Words));
        assert_eq!(m("Lê Phương Thảo", "Thảo"), Some(NameMatch::Words));
        assert_eq!(m("Begoña Ibáñez-Güell", "guell"), Some(NameMatch::Words));
        assert_eq!(m("Begoña Ibáñez-Güell", "beg ib"), Some(NameMatch::Words));
        // Words in another order, or the middle of a word, do not match.
        assert_eq!(m("Jürgen Weiß", "Weiss Jurgen"), None);
        assert_eq!(m("Jürgen Weiß", "rgen"), None);
        assert_eq!(m("Jürgen Weiß", "  "), None);
        assert_eq!(m("Ana-Lucía D’Souza", "souza"), Some(NameMatch::Words));
        assert_eq!(m("Ana-Lucía D’Souza", "Ana-Lucia D'Souza"), Some(NameMatch::Whole));
        assert_eq!(m("O’Brien, Mary-Kate", "obrien mary"), Some(NameMatch::Start));
        assert_eq!(m("Ałtsé Hashkʼeʼ", "altse hashke"), Some(NameMatch::Whole));
        assert!(contains("María de los Ángeles Núñez", "angeles nu"));
        assert!(!contains("María", "mario"));
    }

    /// Every name of the shared list is found typed without accents, in any case, from the
    /// start of any of its words.
    #[test]
    fn every_listed_name_is_found_as_typed() {
        let list = include_str!("../../../tests/data/names.txt");
        for name in list.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let plain = without_accents(name);
            for typed in [plain.clone(), plain.to_uppercase(), plain.to_lowercase(), name.to_lowercase()] {
                assert!(name_match(name, &typed).is_some(), "{name} typed as {typed}");
            }
            for word in plain.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                assert!(name_match(name, &word.to_lowercase()).is_some(), "{name} typed as {word}");
            }
        }
    }
}
