//! Whole invocations pinned by snapshot files (args, exit status, stdout, stderr) in
//! `tests/cmd/`: the help of every command and the main error messages. After an
//! intended change, `TRYCMD=overwrite cargo test --test tests cli_pinned` rewrites them;
//! review the diff.

#[test]
fn cli_pinned() {
    trycmd::TestCases::new()
        .env("LIFEBOAT_TEST_PINNED", "1")
        .case("tests/cmd/*.toml");
}
