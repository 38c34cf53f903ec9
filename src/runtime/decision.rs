//! The one decision of `run`: start from live secrets, from the snapshot, or not at all.
//! A pure function of what the live fetch and the snapshot came to, generic over what
//! they carry, so every case is a unit test without a socket and the runtime gets back
//! exactly the values it acts on. This is where a 503 becomes a fallback.

use super::{FallbackPolicy, Start};
use crate::http::FailureClass;

/// What the live fetch came to, carrying its secrets (`L`) or its error (`E`).
#[derive(Debug, PartialEq, Eq)]
pub enum Live<L, E> {
    /// It was not asked (`--offline`).
    NotAsked,
    /// It answered.
    Fetched(L),
    /// It failed, in a class of the fallback table.
    Failed(FailureClass, E),
}

/// What the snapshot came to, carrying it (`S`) or why it cannot serve (`P`).
#[derive(Debug, PartialEq, Eq)]
pub enum Backup<S, P> {
    /// It was not opened (`--live-only`).
    NotOpened,
    /// Opened, fresh enough and for this scope.
    Usable(S),
    /// It cannot serve (missing, unopenable, stale, another scope).
    Unusable(P),
}

/// What `run` does.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision<L, S, E, P> {
    /// Start with the live secrets. `backup` is what the snapshot came to: unusable says
    /// why it could not have served as a fallback (the operator learns of it before an
    /// outage does); usable, it is compared with the live secrets for drift.
    Live {
        /// The live answer.
        fetched: L,
        /// The snapshot, as it came.
        backup: Backup<S, P>,
    },
    /// Start from the snapshot: after a live failure, or `--offline` (`after` is `None`).
    Snapshot {
        /// The snapshot.
        opened: S,
        /// The live failure that came first.
        after: Option<(FailureClass, E)>,
    },
    /// Do not start: the live failure is the answer (a class that does not fall back, or
    /// `--live-only`).
    LiveFailed(E),
    /// Do not start: the live failure falls back, but the snapshot cannot serve.
    NoFallback {
        /// The live failure's class.
        class: FailureClass,
        /// The live failure.
        failure: E,
        /// Why the snapshot cannot serve.
        problem: P,
    },
    /// Do not start: `--offline`, and the snapshot cannot serve (`None`: it was neither
    /// asked for nor opened, which no plan makes).
    SnapshotFailed(Option<P>),
}

/// Decides.
pub fn decide<L, S, E, P>(
    start: Start,
    live: Live<L, E>,
    backup: Backup<S, P>,
    policy: &FallbackPolicy,
) -> Decision<L, S, E, P> {
    match live {
        Live::NotAsked => match backup {
            Backup::Usable(opened) => Decision::Snapshot {
                opened,
                after: None,
            },
            Backup::Unusable(problem) => Decision::SnapshotFailed(Some(problem)),
            Backup::NotOpened => Decision::SnapshotFailed(None),
        },
        Live::Fetched(fetched) => Decision::Live { fetched, backup },
        Live::Failed(class, failure)
            if start == Start::LiveFirst && policy.falls_back_on(class) =>
        {
            match backup {
                Backup::Usable(opened) => Decision::Snapshot {
                    opened,
                    after: Some((class, failure)),
                },
                Backup::Unusable(problem) => Decision::NoFallback {
                    class,
                    failure,
                    problem,
                },
                Backup::NotOpened => Decision::LiveFailed(failure),
            }
        }
        Live::Failed(_, failure) => Decision::LiveFailed(failure),
    }
}

/// The freshest usable copy to start from: the baked snapshot or the runtime cache, by
/// creation time (`created`, whole seconds); a tie goes to the cache, which was written at
/// run time, after the image was built. An unusable baked snapshot leaves the cache, if
/// there is one.
pub fn freshest<S, P, T: Ord>(
    baked: Backup<S, P>,
    cache: Option<S>,
    created: impl Fn(&S) -> T,
) -> Backup<S, P> {
    match (baked, cache) {
        (Backup::Usable(baked), Some(cache)) if created(&cache) >= created(&baked) => {
            Backup::Usable(cache)
        }
        (Backup::Usable(baked), _) => Backup::Usable(baked),
        (_, Some(cache)) => Backup::Usable(cache),
        (baked, None) => baked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::DEFAULT_FALLBACK_ON;

    const CLASSES: [FailureClass; 5] = [
        FailureClass::Unreachable,
        FailureClass::ServerError,
        FailureClass::BadResponse,
        FailureClass::Denied,
        FailureClass::NotFound,
    ];

    type Plain = Decision<&'static str, &'static str, &'static str, &'static str>;

    fn after(start: Start, class: FailureClass, usable: bool, policy: &FallbackPolicy) -> Plain {
        let backup = if usable {
            Backup::Usable("snapshot")
        } else {
            Backup::Unusable("stale")
        };
        decide(start, Live::Failed(class, "failure"), backup, policy)
    }

    fn default_policy() -> FallbackPolicy {
        FallbackPolicy::parse(DEFAULT_FALLBACK_ON).unwrap()
    }

    #[test]
    fn every_class_by_default() {
        let policy = default_policy();
        for class in CLASSES {
            let usable = after(Start::LiveFirst, class, true, &policy);
            let unusable = after(Start::LiveFirst, class, false, &policy);
            if matches!(class, FailureClass::Denied | FailureClass::NotFound) {
                // A revoked token wins over any snapshot, usable or not.
                assert_eq!(usable, Decision::LiveFailed("failure"), "{class}");
                assert_eq!(unusable, Decision::LiveFailed("failure"), "{class}");
            } else {
                assert_eq!(
                    usable,
                    Decision::Snapshot {
                        opened: "snapshot",
                        after: Some((class, "failure"))
                    },
                    "{class}"
                );
                assert_eq!(
                    unusable,
                    Decision::NoFallback {
                        class,
                        failure: "failure",
                        problem: "stale"
                    },
                    "{class}"
                );
            }
        }
    }

    #[test]
    fn the_policy_decides_not_the_class() {
        let all = FallbackPolicy::parse("all").unwrap();
        let none = FallbackPolicy::parse("none").unwrap();
        for class in CLASSES {
            assert!(matches!(
                after(Start::LiveFirst, class, true, &all),
                Decision::Snapshot { after: Some(_), .. }
            ));
            assert_eq!(
                after(Start::LiveFirst, class, true, &none),
                Decision::LiveFailed("failure")
            );
        }
    }

    #[test]
    fn live_wins_and_reports_an_unusable_snapshot() {
        let policy = default_policy();
        for start in [Start::LiveFirst, Start::LiveOnly] {
            for backup in [
                Backup::Usable("snapshot"),
                Backup::Unusable("stale"),
                Backup::NotOpened,
            ] {
                let decision: Plain = decide(start, Live::Fetched("live"), backup, &policy);
                assert!(matches!(
                    decision,
                    Decision::Live {
                        fetched: "live",
                        ..
                    }
                ));
            }
            let decision: Plain = decide(
                start,
                Live::Fetched("live"),
                Backup::Unusable("stale"),
                &policy,
            );
            assert_eq!(
                decision,
                Decision::Live {
                    fetched: "live",
                    backup: Backup::Unusable("stale")
                }
            );
        }
    }

    #[test]
    fn the_freshest_copy_wins_and_a_tie_goes_to_the_cache() {
        type Copies = Backup<(&'static str, u32), &'static str>;
        let created = |copy: &(&str, u32)| copy.1;
        let pick = |baked: Copies, cache| match freshest(baked, cache, created) {
            Backup::Usable((name, _)) => name,
            Backup::Unusable(problem) => problem,
            Backup::NotOpened => "nothing",
        };
        assert_eq!(
            pick(Backup::Usable(("baked", 1)), Some(("cache", 2))),
            "cache"
        );
        assert_eq!(
            pick(Backup::Usable(("baked", 2)), Some(("cache", 1))),
            "baked"
        );
        assert_eq!(
            pick(Backup::Usable(("baked", 2)), Some(("cache", 2))),
            "cache"
        );
        assert_eq!(pick(Backup::Unusable("stale"), Some(("cache", 1))), "cache");
        assert_eq!(pick(Backup::Unusable("stale"), None), "stale");
        assert_eq!(pick(Backup::Usable(("baked", 1)), None), "baked");
    }

    #[test]
    fn offline_and_live_only() {
        let policy = FallbackPolicy::parse("all").unwrap();
        let offline: Plain = decide(
            Start::Offline,
            Live::NotAsked,
            Backup::Usable("snapshot"),
            &policy,
        );
        assert_eq!(
            offline,
            Decision::Snapshot {
                opened: "snapshot",
                after: None
            }
        );
        let offline: Plain = decide(
            Start::Offline,
            Live::NotAsked,
            Backup::Unusable("stale"),
            &policy,
        );
        assert_eq!(offline, Decision::SnapshotFailed(Some("stale")));
        for class in CLASSES {
            let decision: Plain = decide(
                Start::LiveOnly,
                Live::Failed(class, "failure"),
                Backup::NotOpened,
                &policy,
            );
            assert_eq!(decision, Decision::LiveFailed("failure"));
            // Even a usable snapshot is not used when told to start live or not at all.
            assert_eq!(
                after(Start::LiveOnly, class, true, &policy),
                Decision::LiveFailed("failure")
            );
        }
    }
}
