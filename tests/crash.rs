//! The crash sweep: `snapshot` killed with SIGKILL at many points while it replaces an
//! existing snapshot with a large one. After every kill the file is the complete old
//! snapshot or the complete new one; a killed writer's temporary file holds no plaintext,
//! and the next `snapshot` into the directory removes it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{assert_no_secrets, Sandbox, CANARIES};

/// Secrets in the large snapshot: about 1.4 MB sealed, so writing it takes a while.
const LARGE: usize = 20_000;
/// Kills at evenly spread times over a whole run (fetching, sealing, writing).
const TIMED_KILLS: u32 = 12;
/// Kills at growing delays after the temporary file appears (the write itself).
const WRITE_KILLS: u32 = 24;
const WRITE_STEP: Duration = Duration::from_micros(250);

fn temporary_files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(".lifeboat-") && name.ends_with(".tmp")
        })
        .collect()
}

fn large_env() -> String {
    let mut text = format!("CANARY={}\n", CANARIES[0]);
    for i in 0..LARGE - 1 {
        text.push_str(&format!("SECRET_{i:05}=value-{i}-{}\n", "x".repeat(40)));
    }
    text
}

#[test]
fn snapshot_killed_at_any_point_leaves_the_old_or_the_new_file() {
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("key.txt");
    sandbox.write("large.env", large_env());
    sandbox.canary_snapshot("snap.age", &[&recipient], &[]);
    let args = [
        "snapshot",
        "--source",
        "file:large.env",
        "-r",
        &recipient,
        "-o",
        "snap.age",
    ];

    // How long a whole run takes, to spread the timed kills over it.
    let started = Instant::now();
    sandbox.run(&[&args[..6], &["probe.age"]].concat()).ok();
    let whole_run = started.elapsed();

    let (mut kept_old, mut became_new, mut finished) = (0, 0, 0);
    let mut orphans = std::collections::HashSet::new();
    for kill in 0..TIMED_KILLS + WRITE_KILLS {
        let before = sandbox.read("snap.age");
        let mut child = sandbox
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if kill < TIMED_KILLS {
            std::thread::sleep(whole_run * kill / TIMED_KILLS);
        } else {
            // Waits for this run's temporary file (older orphans are already there).
            let known = temporary_files(sandbox.root());
            while child.try_wait().unwrap().is_none()
                && temporary_files(sandbox.root())
                    .iter()
                    .all(|path| known.contains(path))
            {
                std::hint::spin_loop();
            }
            let delay = WRITE_STEP * (kill - TIMED_KILLS);
            let until = Instant::now() + delay;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        }

        let after = sandbox.read("snap.age");
        if after == before {
            kept_old += 1;
        } else {
            let verify = sandbox.run(&["verify", "snap.age", "-i", "key.txt", "--json"]);
            let report: serde_json::Value = serde_json::from_str(&verify.ok().stdout).unwrap();
            assert_eq!(
                report["secret_count"], LARGE,
                "kill {kill}: not the complete new file"
            );
            became_new += 1;
        }
        for temporary in temporary_files(sandbox.root()) {
            let contents = std::fs::read(&temporary).unwrap_or_default();
            assert_no_secrets(
                &String::from_utf8_lossy(&contents),
                "a killed writer's temporary file",
            );
            orphans.insert(temporary);
        }
    }
    eprintln!(
        "crash sweep: {} kills ({TIMED_KILLS} timed over {whole_run:?}, {WRITE_KILLS} during the write): \
         old file kept {kept_old}, complete new file {became_new}, finished before the kill {finished}, \
         temporary files left by kills {}",
        TIMED_KILLS + WRITE_KILLS,
        orphans.len()
    );
    assert_eq!(kept_old + became_new, TIMED_KILLS + WRITE_KILLS);
    assert!(kept_old > 0, "no kill landed before the rename");
    assert!(
        !orphans.is_empty(),
        "no kill landed while the temporary file existed"
    );

    // The next snapshot into the directory removes what the killed writers left.
    sandbox.run(&args).ok();
    assert_eq!(
        temporary_files(sandbox.root()),
        Vec::<std::path::PathBuf>::new()
    );
    sandbox.run(&["verify", "snap.age", "-i", "key.txt"]).ok();
}
