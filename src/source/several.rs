//! Several sources in one snapshot (`--source` repeated, or `LIFEBOAT_SOURCE` with
//! commas): fetched in order within the one deadline, merged in order. A name two sources
//! define is an error naming the name and both sources, unless `--allow-override`, when
//! the later source wins and the names it replaced are reported. One source failing fails
//! the whole fetch, in its own class: half a set of secrets is never sealed or started.
//! The scope records every source's own (`provider: several`, `parts`).

use std::collections::BTreeMap;

use super::{Fetched, Scope, Source, SourceError};
use crate::http::Deadline;
use crate::secret::Secrets;

/// The most sources one snapshot takes.
pub const MAX_SOURCES: usize = 16;

/// The provider name of a merged scope.
pub const SEVERAL: &str = "several";

/// Sources merged in order.
pub struct SeveralSources {
    /// Each source.
    pub sources: Vec<Box<dyn Source>>,
    /// A later source may replace a name an earlier one defined.
    pub allow_override: bool,
}

impl Source for SeveralSources {
    fn fetch(&self, deadline: Deadline) -> Result<Fetched, SourceError> {
        let mut secrets = Secrets::new();
        let mut defined_by: BTreeMap<String, String> = BTreeMap::new();
        let mut parts = Vec::new();
        let mut overridden = Vec::new();
        for source in &self.sources {
            let fetched = source.fetch(deadline)?;
            let label = fetched.scope.to_string();
            for (name, value) in fetched.secrets.into_pairs() {
                if let Some(first) = defined_by.get(&name) {
                    if !self.allow_override {
                        return Err(SourceError::Conflict {
                            name: crate::redact::shown(&name),
                            first: first.clone(),
                            second: label,
                        });
                    }
                    overridden.push(name.clone());
                }
                defined_by.insert(name.clone(), label.clone());
                secrets.insert(name, value);
            }
            parts.push(fetched.scope);
        }
        overridden.sort();
        overridden.dedup();
        Ok(Fetched {
            secrets,
            scope: Scope {
                provider: SEVERAL.into(),
                parts,
                ..Scope::default()
            },
            overridden,
        })
    }
}

/// The warning for names a later source replaced, if any.
pub fn overridden_message(names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let shown: Vec<String> = names.iter().map(|n| crate::redact::shown(n)).collect();
    Some(format!(
        "warning: a later source replaced {} {} an earlier one defined (--allow-override): {}",
        names.len(),
        if names.len() == 1 { "name" } else { "names" },
        shown.join(", ")
    ))
}
