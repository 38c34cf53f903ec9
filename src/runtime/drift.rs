//! Drift: how the live secrets differ from a snapshot's. Reported when `run` starts live
//! (so a stale fallback is learned of before the outage) and by `lifeboat diff` (the CI
//! gate). Names and counts, never a value.

use crate::secret::Secrets;

/// The names added, removed and changed since the snapshot was made, each sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// In the live secrets, not in the snapshot.
    pub added: Vec<String>,
    /// In the snapshot, no longer live.
    pub removed: Vec<String>,
    /// In both, with another value.
    pub changed: Vec<String>,
}

impl Drift {
    /// Compares. One pass over both sorted sets.
    pub fn between(live: &Secrets, snapshot: &Secrets) -> Drift {
        let mut drift = Drift::default();
        for (name, value) in live.iter() {
            match snapshot.get(name) {
                None => drift.added.push(name.to_string()),
                Some(old) if old.expose() != value.expose() => drift.changed.push(name.to_string()),
                Some(_) => {}
            }
        }
        drift.removed = snapshot
            .names()
            .filter(|name| !live.contains(name))
            .map(str::to_string)
            .collect();
        drift
    }

    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// "2 added, 1 removed, 3 changed".
    pub fn counts(&self) -> String {
        format!(
            "{} added, {} removed, {} changed",
            self.added.len(),
            self.removed.len(),
            self.changed.len()
        )
    }

    /// "added: A, B; removed: C; changed: D".
    pub fn names(&self) -> String {
        [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed", &self.changed),
        ]
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(what, names)| format!("{what}: {}", crate::redact::shown(&names.join(", "))))
        .collect::<Vec<_>>()
        .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretValue;

    fn secrets(pairs: &[(&str, &str)]) -> Secrets {
        let mut secrets = Secrets::new();
        for (name, value) in pairs {
            secrets.insert(name.to_string(), SecretValue::new(value.to_string()));
        }
        secrets
    }

    #[test]
    fn added_removed_changed_and_never_a_value() {
        let built = secrets(&[("KEEP", "1"), ("GONE", "x"), ("ROTATED", "canary-old")]);
        let live = secrets(&[("KEEP", "1"), ("NEW", "y"), ("ROTATED", "canary-new")]);
        let drift = Drift::between(&live, &built);
        assert_eq!(drift.added, ["NEW"]);
        assert_eq!(drift.removed, ["GONE"]);
        assert_eq!(drift.changed, ["ROTATED"]);
        assert_eq!(drift.counts(), "1 added, 1 removed, 1 changed");
        assert_eq!(drift.names(), "added: NEW; removed: GONE; changed: ROTATED");
        assert!(!format!("{drift:?}{}", drift.names()).contains("canary"));
        assert!(Drift::between(&built, &built).is_empty());
    }
}
