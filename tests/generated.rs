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
    // No `help` subcommand: there is no lifeboat-help(1) page to point to.
    let mut command = Cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_subcommand(true);
    command.build();
    let subcommands: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    files.push((
        repo().join("man/lifeboat.1"),
        man_page(command.clone(), None, &subcommands),
    ));
    for sub in command.get_subcommands() {
        // clap takes names as &'static str (without its `string` feature); a test may leak.
        let name: &'static str = format!("lifeboat-{}", sub.get_name()).leak();
        let bin_name: &'static str = format!("lifeboat {}", sub.get_name()).leak();
        let page = sub
            .clone()
            .name(name)
            .bin_name(bin_name)
            .version(env!("CARGO_PKG_VERSION"));
        files.push((
            repo().join(format!("man/{name}.1")),
            man_page(page, Some(sub.get_name()), &subcommands),
        ));
    }
    files
}

/// A page: clap_mangen's sections, then the command's notes kept as written (they hold
/// tables that filling would wrap), EXIT STATUS (from the README's table, which the README
/// test holds to the code), EXAMPLES and SEE ALSO.
fn man_page(command: clap::Command, sub: Option<&str>, all: &[String]) -> Vec<u8> {
    let notes = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
        .map(|text| text.to_string());
    let command = command
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    let (head, version) = page.split_once(".SH VERSION\n").expect("a VERSION section");
    let mut extra = String::new();
    if let Some(notes) = notes {
        extra += &format!(".SH NOTES\n.nf\n{}\n.fi\n", roff_text(&notes));
    }
    extra += ".SH \"EXIT STATUS\"\n";
    for (code, meaning) in readme_exit_codes() {
        extra += &format!(".TP\n\\fB{code}\\fR\n{}\n", roff_text(&meaning));
    }
    extra += &format!(".SH EXAMPLES\n.nf\n{}\n.fi\n", roff_text(examples(sub)));
    let mut see: Vec<String> = std::iter::once("lifeboat".to_string())
        .chain(all.iter().map(|name| format!("lifeboat-{name}")))
        .filter(|page| {
            Some(page.as_str()) != sub.map(|s| format!("lifeboat-{s}")).as_deref()
                && !(sub.is_none() && page == "lifeboat")
        })
        .map(|page| format!("\\%\\fB{}\\fR(1)", page.replace('-', "\\-")))
        .collect();
    see.push("\\fBage\\fR(1)".into());
    extra += &format!(".SH \"SEE ALSO\"\n{}\n", see.join(", "));
    format!("{head}{extra}.SH VERSION\n{version}").into_bytes()
}

/// Text for roff, shown as written: backslashes and hyphens escaped, and a line that
/// starts with a dot or a quote kept from being read as a request.
fn roff_text(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace('\\', "\\e").replace('-', "\\-");
            if line.starts_with(['.', '\'']) {
                format!("\\&{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The README's exit codes: `| CODE | meaning |` rows under "Exit codes", markdown taken
/// out.
fn readme_exit_codes() -> Vec<(String, String)> {
    let readme = include_str!("../README.md");
    readme
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| ")?.split(" | ");
            let code = cells.next()?;
            let meaning = cells.next()?.trim_end_matches(" |");
            (!code.is_empty() && code.chars().all(|c| c.is_ascii_digit()))
                .then(|| (code.to_string(), meaning.replace(['`', '*'], "")))
        })
        .collect()
}

/// What a person types, per page; `recover`'s is what an operator types in an outage.
fn examples(sub: Option<&str>) -> &'static str {
    match sub {
        None => {
            "# a runtime key, a snapshot sealed to it at build, a start that
# falls back to it when the service is down
lifeboat keygen -o runtime.key
DOPPLER_TOKEN=dp.st.… lifeboat snapshot --source doppler \\
    -r \"$(lifeboat keygen -y runtime.key)\" -o snapshot.age
LIFEBOAT_IDENTITY_FILE=runtime.key lifeboat run \\
    --snapshot snapshot.age --source doppler -- /app/server"
        }
        Some("keygen") => {
            "lifeboat keygen -o runtime.key         # prints the recipient
lifeboat keygen --pq -o runtime.key    # hybrid post-quantum
lifeboat keygen --passphrase -o breakglass.key
lifeboat keygen -y runtime.key         # a key file's recipient"
        }
        Some("snapshot") => {
            "# a Dockerfile RUN step, the token from a BuildKit secret mount
lifeboat snapshot --source vault:secret/app \\
    --token-file /run/secrets/vault_token \\
    -r \"runtime=age1…\" -r \"breakglass=age1…\" \\
    --expires-in 30d -o /etc/lifeboat/snapshot.age"
        }
        Some("run") => {
            "# the entrypoint: live first, the baked snapshot if the service
# is down
ENTRYPOINT [\"/usr/local/bin/lifeboat\", \"run\", \"--\"]
lifeboat run --source doppler --cache-dir /run/lifeboat/cache \\
    -- /app/server --port 8080
lifeboat run --offline -- /app/server     # never the network
lifeboat run --check --source doppler -- /app/server"
        }
        Some("recover") => {
            "# an outage: the secrets out of the image, with the break-glass key
lifeboat recover --image app.tar -i breakglass.key \\
    --format dotenv -o recovered.env
lifeboat recover snapshot.age -i breakglass.key --only DATABASE_URL
lifeboat recover --image app.tar -i breakglass.key \\
    --format kubernetes | kubectl apply -f -"
        }
        Some("inspect") => {
            "lifeboat inspect /etc/lifeboat/snapshot.age
lifeboat inspect --image app.tar --json"
        }
        Some("verify") => "lifeboat verify snapshot.age -i runtime.key --max-age 7d",
        Some("diff") => {
            "# a CI gate: exit 24 when the snapshot no longer holds what the
# source holds
lifeboat diff snapshot.age -i runtime.key --source doppler"
        }
        Some("rekey") => {
            "lifeboat rekey snapshot.age -i breakglass.key \\
    -r \"runtime=age1…\" -o rekeyed.age"
        }
        Some("completions") => "lifeboat completions bash > /etc/bash_completion.d/lifeboat",
        Some(_) => "lifeboat --help",
    }
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
            .env("MANWIDTH", "80")
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
        // What a person in an outage looks for, and no page that does not exist.
        for section in ["EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
            assert!(text.contains(section), "{}: no {section}", page.display());
        }
        assert!(!text.contains("lifeboat-help"), "{}", page.display());
        // Nothing wider than the terminal it was rendered for (a character is one column
        // here: the pages are ASCII but for an ellipsis and a hyphen).
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{} renders wider than 80 columns: {line}",
                page.display()
            );
        }
        if name == "lifeboat-run" {
            assert!(text.contains("--files-dir"), "{text}");
            assert!(text.contains("LIFEBOAT_FILES_DIR"), "{text}");
        }
    }
}

/// `--fallback-on <TAB>` offers the failure classes, not file names (bash, run by bash).
#[test]
fn fallback_on_completes_the_classes() {
    let script = repo().join("completions/lifeboat.bash");
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(lifeboat run --fallback-on ''); COMP_CWORD=3; \
             _lifeboat lifeboat '' --fallback-on; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .expect("bash");
    let offered = String::from_utf8_lossy(&output.stdout);
    for class in [
        "unreachable",
        "server-error",
        "bad-response",
        "denied",
        "not-found",
    ] {
        assert!(offered.lines().any(|l| l == class), "{class}: {offered}");
    }
}
