//! The manifests in `deploy/kubernetes/` are valid against Kubernetes' own schema
//! (PyPI kubernetes-validate, pinned in scripts/test.sh, `--strict`), and every
//! `LIFEBOAT_*` variable they set is one lifeboat reads. No cluster can run here, so this
//! is what can be tested of them; the same settings are exercised by the `run` tests.

const MANIFESTS: [&str; 2] = ["deployment.yaml", "secrets.yaml"];

#[test]
fn the_manifests_follow_the_kubernetes_schema() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/kubernetes");
    let output = std::process::Command::new("python3")
        .args(["-m", "kubernetes_validate", "-k", "1.37.0", "--strict"])
        .args(MANIFESTS)
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/python"),
        )
        .current_dir(dir)
        .output()
        .expect("python3 is required");
    assert!(
        output.status.success(),
        "kubernetes-validate (scripts/test.sh installs it): {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_lifeboat_variable_the_manifests_set_is_read() {
    let cli = include_str!("../src/cli.rs");
    let deployment = include_str!("../deploy/kubernetes/deployment.yaml");
    let mut checked = 0;
    for line in deployment.lines() {
        let Some(name) = line.trim().strip_prefix("- name: LIFEBOAT_") else {
            continue;
        };
        let variable = format!("LIFEBOAT_{name}");
        assert!(
            cli.contains(&format!("env = \"{variable}\"")),
            "{variable} in deployment.yaml is no variable lifeboat reads"
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} variables found");
}
