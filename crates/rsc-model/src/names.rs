//! People's names as plain letters: accents taken off, for file names and for matching a name
//! typed without them.

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

#[cfg(test)]
mod tests {
    use super::without_accents;

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
}
