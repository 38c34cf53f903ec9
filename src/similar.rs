//! "Did you mean": names close to a mistyped one, for messages that say what to write
//! instead (a source kind, a secret's name given to `--only`).

/// Levenshtein distance, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// The candidates close to `wanted`: the same but for case, or at most two edits away
/// (one for short names), nearest first, at most five.
pub fn close_to<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let limit = if wanted.chars().count() <= 4 { 1 } else { 2 };
    let lowered = wanted.to_lowercase();
    let mut close: Vec<(usize, &str)> = candidates
        .filter_map(|candidate| {
            let distance = if candidate.to_lowercase() == lowered {
                0
            } else {
                edit_distance(wanted, candidate)
            };
            (distance <= limit).then_some((distance, candidate))
        })
        .collect();
    close.sort();
    close.into_iter().take(5).map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_nearest_first() {
        assert_eq!(edit_distance("vualt", "vault"), 2);
        assert_eq!(edit_distance("", "env"), 3);
        let names = ["API_KEY", "API_KEYS", "DB_PASSWORD", "api_key"];
        assert_eq!(
            close_to("API_KY", names.iter().copied()),
            ["API_KEY", "API_KEYS"]
        );
        assert_eq!(close_to("API_KEY", names.iter().copied())[0], "API_KEY");
        assert!(close_to("TOKEN", names.iter().copied()).is_empty());
    }
}
