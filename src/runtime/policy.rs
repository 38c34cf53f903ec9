//! Which failures of the live fetch fall back to the snapshot (`--fallback-on`).

use std::collections::BTreeSet;

use crate::http::FailureClass;

/// The classes that fall back. The rest are fatal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FallbackPolicy {
    classes: BTreeSet<&'static str>,
}

/// The default: the service is unavailable, so the snapshot is the best there is. A
/// denial or an unknown path is fatal: a revoked token must win, and a configuration
/// error must be fixed, not papered over.
pub const DEFAULT_FALLBACK_ON: &str = "unreachable,server-error,bad-response";

const ALL: [FailureClass; 5] = [
    FailureClass::Unreachable,
    FailureClass::ServerError,
    FailureClass::BadResponse,
    FailureClass::Denied,
    FailureClass::NotFound,
];

impl FallbackPolicy {
    /// Reads a comma-separated list of classes; `none` is the empty set, `all` every class.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut classes = BTreeSet::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "none" => {}
                "all" => classes.extend(ALL.iter().map(|c| c.name())),
                _ => {
                    let class = ALL.iter().find(|c| c.name() == word).ok_or_else(|| {
                        format!(
                            "unknown failure class {word:?}; the classes are unreachable, server-error, bad-response, denied, not-found (or all, none)"
                        )
                    })?;
                    classes.insert(class.name());
                }
            }
        }
        Ok(FallbackPolicy { classes })
    }

    /// Whether this class falls back.
    pub fn falls_back_on(&self, class: FailureClass) -> bool {
        self.classes.contains(class.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matches_the_spec_table() {
        let policy = FallbackPolicy::parse(DEFAULT_FALLBACK_ON).unwrap();
        assert!(policy.falls_back_on(FailureClass::Unreachable));
        assert!(policy.falls_back_on(FailureClass::ServerError));
        assert!(policy.falls_back_on(FailureClass::BadResponse));
        assert!(!policy.falls_back_on(FailureClass::Denied));
        assert!(!policy.falls_back_on(FailureClass::NotFound));
    }

    #[test]
    fn sets_and_mistakes() {
        assert!(FallbackPolicy::parse("all")
            .unwrap()
            .falls_back_on(FailureClass::Denied));
        assert!(!FallbackPolicy::parse("none")
            .unwrap()
            .falls_back_on(FailureClass::Unreachable));
        assert!(FallbackPolicy::parse("unreachable,typo").is_err());
    }
}
