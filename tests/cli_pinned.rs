//! Whole invocations pinned by snapshot files (args, exit status, stdout, stderr) in
//! `tests/cmd/`: the help of every command and the main error messages. After an
//! intended change, `TRYCMD=overwrite cargo test --test tests cli_pinned` rewrites them;
//! review the diff.
//!
//! Every case runs with an empty environment (`env.inherit = false`), so a developer's
//! own `LIFEBOAT_*` variables (or CI's) cannot change what a case sees.

#[test]
fn cli_pinned() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

#[test]
fn every_case_runs_with_an_empty_environment() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cmd");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            cases += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.lines().any(|l| l.trim() == "env.inherit = false"),
                "{} inherits the environment: add `env.inherit = false`",
                path.display()
            );
        }
    }
    assert!(cases > 20, "only {cases} cases found in {dir}");
}
