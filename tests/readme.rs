//! The README's exit-code table lists exactly the codes the binary can return: it is read
//! as a table (the codes of other tables, such as the failure classes', do not count),
//! and every code in `Exit::ALL` (which the compiler keeps complete) needs its own row.

use lifeboat::exit::Exit;

/// The rows of the table under `## Exit codes`: (code, meaning).
fn exit_code_table(readme: &str) -> Vec<(u8, String)> {
    let section = readme
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("README.md has an \"## Exit codes\" section");
    let section = section.split("\n## ").next().unwrap();
    let table: Vec<&str> = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert!(table.len() > 2, "the exit-code section has no table");
    assert_eq!(table[0].replace(' ', ""), "|code|meaning|", "header row");
    table[2..]
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 2, "row {row:?}");
            let code = cells[0]
                .parse()
                .unwrap_or_else(|_| panic!("row {row:?} does not start with a code"));
            (code, cells[1].to_string())
        })
        .collect()
}

#[test]
fn the_exit_code_table_lists_exactly_the_codes() {
    let rows = exit_code_table(include_str!("../README.md"));
    let documented: Vec<u8> = rows.iter().map(|(code, _)| *code).collect();
    let returned: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(documented, returned, "README.md's exit codes, in order");
    for (code, meaning) in rows {
        assert!(
            meaning.len() > 5,
            "exit code {code} has no meaning in README.md"
        );
    }
}

/// The reader itself: a table missing a row, or with one too many, fails.
#[test]
fn the_table_reader_sees_a_missing_row() {
    let readme = include_str!("../README.md");
    let without_12: String = readme
        .lines()
        .filter(|line| !line.starts_with("| 12 |"))
        .collect::<Vec<_>>()
        .join("\n");
    let codes: Vec<u8> = exit_code_table(&without_12).iter().map(|r| r.0).collect();
    assert!(!codes.contains(&12));
    assert_eq!(codes.len() + 1, Exit::ALL.len());
}

/// The README's AWS error table is the code's: every name with its class, no more.
#[test]
fn the_aws_error_table_is_the_code_s() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- aws-errors")
        .expect("the AWS error table's marker");
    let end = readme.find("<!-- /aws-errors -->").expect("its end marker");
    let mut documented = Vec::new();
    for line in readme[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let class = cells[1].trim_end_matches(" |").trim_matches('`');
        for name in cells[0].split('`').skip(1).step_by(2) {
            documented.push((name.to_string(), class.to_string()));
        }
    }
    let mut coded: Vec<(String, String)> = lifeboat::source::AWS_ERRORS
        .iter()
        .map(|(name, class, _)| (name.to_string(), class.name().to_string()))
        .collect();
    documented.sort();
    coded.sort();
    assert!(coded.len() > 20);
    assert_eq!(documented, coded, "README.md's AWS error table");
}
