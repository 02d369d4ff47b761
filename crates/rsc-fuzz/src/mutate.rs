//! A small deterministic mutator for the test command's smoke runs: bit flips, byte changes,
//! cuts, duplications and splices of the seeds. The campaigns use AFL++'s own, guided by
//! coverage; this one only makes sure that each target's harness takes damaged input.

/// An endless stream of mutations of `seeds`, the same for the same `seed`.
pub fn mutations(seeds: &[Vec<u8>], seed: u64) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut state = seed | 1;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % (n.max(1) as u64)) as usize
    };
    std::iter::from_fn(move || {
        let mut input = seeds.get(next(seeds.len()))?.clone();
        for _ in 0..=next(4) {
            let len = input.len();
            match next(6) {
                0 if len > 0 => input[next(len)] ^= 1 << next(8),
                1 if len > 0 => input[next(len)] = [0, 0xff, b'"', b'{', b'-', b'9', b'\n'][next(7)],
                2 if len > 0 => input.truncate(next(len)),
                3 if len > 0 => {
                    let start = next(len);
                    let piece: Vec<u8> = input[start..(start + next(64)).min(len)].to_vec();
                    let at = next(len);
                    input.splice(at..at, piece);
                }
                4 => {
                    let other = &seeds[next(seeds.len())];
                    let at = next(input.len() + 1);
                    input.truncate(at);
                    input.extend_from_slice(&other[next(other.len() + 1).min(other.len())..]);
                }
                _ if len > 0 => {
                    input.remove(next(len));
                }
                _ => input.push(next(256) as u8),
            }
        }
        Some(input)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs_and_they_differ_from_the_seeds() {
        let seeds = vec![b"{\"a\": 1}".to_vec(), b"name,date\nAna,2025-01-01\n".to_vec()];
        let first: Vec<Vec<u8>> = mutations(&seeds, 7).take(50).collect();
        let again: Vec<Vec<u8>> = mutations(&seeds, 7).take(50).collect();
        assert_eq!(first, again);
        assert!(first.iter().filter(|m| !seeds.contains(m)).count() > 40, "most are changed");
        assert_eq!(mutations(&[], 1).next(), None, "nothing to mutate");
    }
}
