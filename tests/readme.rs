//! The README's exit-code table lists every code the binary can return.

use lifeboat::exit::Exit;

#[test]
fn every_exit_code_is_documented() {
    let readme = include_str!("../README.md");
    for exit in Exit::ALL {
        let row = format!("| {} |", exit.code());
        assert!(
            readme.contains(&row),
            "README.md lacks a row for exit code {} ({exit:?})",
            exit.code()
        );
    }
}

#[test]
fn codes_are_distinct() {
    let mut codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), Exit::ALL.len());
}
