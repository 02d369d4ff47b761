//! What every test of text people read checks it with: the shared list of real names, and
//! whether a text shows an id.

/// Display names from the shared list (`data/names.txt`), for tests of anything that prints
/// people: accents, apostrophes and scripts a real user's name has.
pub fn names() -> Vec<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/names.txt")).expect("names.txt");
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect()
}

/// Whether `text` shows a whole id anywhere (8-4-4-4-12 hex digits): people never read one.
pub fn shows_an_id(text: &str) -> bool {
    let groups = [8, 4, 4, 4, 12];
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).any(|start| {
        let mut at = start;
        for (i, len) in groups.iter().enumerate() {
            if i > 0 {
                if chars.get(at) != Some(&'-') {
                    return false;
                }
                at += 1;
            }
            if !(0..*len).all(|k| chars.get(at + k).is_some_and(|c| c.is_ascii_hexdigit())) {
                return false;
            }
            at += len;
        }
        true
    })
}
