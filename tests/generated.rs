//! The completion scripts (completions/) and man pages (man/) are generated from the
//! parser's own definition and committed, so a release needs no generator and the binary
//! no clap_complete. These tests fail when a flag changes and the files do not:
//! `LIFEBOAT_BLESS=1 cargo test --test tests generated` writes them again. They also check
//! that the binary prints exactly the committed scripts, that bash loads one, and that
//! `man -l` renders every page.

use std::path::PathBuf;
use std::process::Command;

use clap::CommandFactory;
use lifeboat::cli::{Cli, Shell};

use crate::util::Sandbox;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn clap_shell(shell: Shell) -> clap_complete::Shell {
    match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
        Shell::Elvish => clap_complete::Shell::Elvish,
    }
}

/// Every generated file: its path in the repository and what it should hold.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for shell in Shell::ALL {
        let mut script = Vec::new();
        clap_complete::generate(
            clap_shell(shell),
            &mut Cli::command(),
            "lifeboat",
            &mut script,
        );
        files.push((repo().join("completions").join(shell.file_name()), script));
    }
    // Man pages carry the release, not the commit (which changes with every commit).
    let mut command = Cli::command().version(env!("CARGO_PKG_VERSION"));
    command.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .unwrap();
    files.push((repo().join("man/lifeboat.1"), page));
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        // clap takes names as &'static str (without its `string` feature); a test may leak.
        let name: &'static str = format!("lifeboat-{}", sub.get_name()).leak();
        let bin_name: &'static str = format!("lifeboat {}", sub.get_name()).leak();
        let sub = sub
            .clone()
            .name(name)
            .bin_name(bin_name)
            .version(env!("CARGO_PKG_VERSION"));
        let mut page = Vec::new();
        clap_mangen::Man::new(sub).render(&mut page).unwrap();
        files.push((repo().join(format!("man/{name}.1")), page));
    }
    files
}

#[test]
fn generated_completions_and_man_pages_are_current() {
    let bless = std::env::var_os("LIFEBOAT_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, contents) in generated() {
        if std::fs::read(&path).ok().as_deref() != Some(&contents[..]) {
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &contents).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // No page for a subcommand that no longer exists.
    let wanted: Vec<PathBuf> = generated().into_iter().map(|(path, _)| path).collect();
    for entry in std::fs::read_dir(repo().join("man")).unwrap() {
        let path = entry.unwrap().path();
        if !wanted.contains(&path) {
            stale.push(format!("{} (no such subcommand)", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the command line: {stale:?}; run LIFEBOAT_BLESS=1 cargo test --test tests generated"
    );
}

#[test]
fn the_binary_prints_the_committed_scripts_and_bash_loads_them() {
    let sandbox = Sandbox::new();
    for shell in Shell::ALL {
        let name = format!("{shell:?}").to_lowercase();
        let printed = sandbox.run(&["completions", &name]);
        let committed =
            std::fs::read_to_string(repo().join("completions").join(shell.file_name())).unwrap();
        assert_eq!(printed.ok().stdout, committed, "{name}");
    }
    let lifeboat = env!("CARGO_BIN_EXE_lifeboat");
    // Loaded into bash, the function completes subcommands and run's flags.
    let script = format!(
        "source <('{lifeboat}' completions bash) || exit 9
         complete -p lifeboat || exit 8
         COMP_WORDS=(lifeboat ru); COMP_CWORD=1; _lifeboat lifeboat ru lifeboat
         echo \"words: ${{COMPREPLY[*]}}\"
         COMP_WORDS=(lifeboat run --files-); COMP_CWORD=2; _lifeboat lifeboat --files- run
         echo \"flags: ${{COMPREPLY[*]}}\""
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("complete -o bashdefault -o default -o nosort -F _lifeboat lifeboat"),
        "{stdout}"
    );
    assert!(stdout.contains("words: run"), "{stdout}");
    assert!(stdout.contains("flags: --files-dir"), "{stdout}");
    sandbox
        .run(&["completions", "tcsh"])
        .code(2)
        .stderr_has("tcsh");
}

#[test]
fn every_man_page_renders() {
    let pages: Vec<PathBuf> = generated()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.extension().is_some_and(|e| e == "1"))
        .collect();
    assert!(
        pages.len() >= 9,
        "one page for lifeboat and each subcommand: {pages:?}"
    );
    for page in pages {
        let output = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "100")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .expect("man is required (scripts/test.sh installs man-db)");
        let text = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{}: {stderr}", page.display());
        assert!(
            !stderr.contains("warning"),
            "{} renders with warnings: {stderr}",
            page.display()
        );
        let name = page.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(text.contains("NAME"), "{}: {text}", page.display());
        assert!(text.contains(&name), "{}: {text}", page.display());
        if name == "lifeboat-run" {
            assert!(text.contains("--files-dir"), "{text}");
            assert!(text.contains("LIFEBOAT_FILES_DIR"), "{text}");
        }
    }
}
