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

/// The manifests as JSON, read by PyYAML (which kubernetes-validate brings).
fn manifest(name: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/deploy/kubernetes/{name}", env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
            &path,
        ])
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/python"),
        )
        .output()
        .expect("python3 is required");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The Deployment's container, started the way the kubelet would start it, since no
/// cluster can run here: the image built by buildah (the static lifeboat and a baked
/// snapshot on busybox, as Dockerfile.example makes it), its root filesystem bound
/// read-only, each volume mounted where the manifest says (memory emptyDirs as tmpfs, the
/// Secret and the projected service-account token as read-only files), the manifest's
/// environment, its user and group, no capabilities and no_new_privs; live secrets from a
/// real OpenBao through the kubernetes login (TokenReview from the fake API server), then
/// the snapshot when OpenBao is gone. Only VAULT_ADDR and the snapshot pin are changed
/// (to the local server and the real sha256), and the app's args (a shell that reports).
#[test]
fn the_deployment_starts_as_the_kubelet_would_start_it() {
    use crate::image::{repo, Buildah};
    use crate::services::bao::{Bao, ROOT_TOKEN};
    use crate::util::{Sandbox, CANARIES};
    use crate::vault_logins::{pod_claims, rsa_key, sign_jwt, token_review_fake};
    use std::path::Path;

    let deployment = manifest("deployment.yaml").remove(0);
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let user = pod["securityContext"]["runAsUser"].as_u64().unwrap();
    let group = pod["securityContext"]["runAsGroup"].as_u64().unwrap();
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    let env: Vec<(String, String)> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let value = e["value"].as_str().expect("every variable has a value");
            (e["name"].as_str().unwrap().to_string(), value.to_string())
        })
        .collect();
    let env_of = |name: &str| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let (source, role) = (
        env_of("LIFEBOAT_SOURCE").unwrap(),
        env_of("LIFEBOAT_VAULT_ROLE").unwrap(),
    );
    let path = source
        .strip_prefix("vault:secret/")
        .expect("a vault source under secret/");
    let audience = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|v| v["projected"]["sources"][0]["serviceAccountToken"]["audience"].as_str())
        .unwrap()
        .to_string();
    let namespace = "shop";
    let account = pod["serviceAccountName"].as_str().unwrap();

    // The services: OpenBao with the app's secrets and the kubernetes login as the
    // manifest's comment configures it, and the fake API server behind it.
    let sandbox = Sandbox::new();
    let recipient = sandbox.keygen("runtime.key");
    let bao = Bao::start();
    let tls_key = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
        CANARIES[1]
    );
    bao.put(
        path,
        &[
            &format!("API_KEY={}", CANARIES[0]),
            &format!("TLS_KEY={tls_key}"),
        ],
    );
    sandbox.write(
        "policy.hcl",
        format!("path \"secret/data/{path}\" {{ capabilities = [\"read\"] }}\n"),
    );
    bao.must(&[
        "policy",
        "write",
        "shop-read",
        &sandbox.path("policy.hcl").display().to_string(),
    ]);
    let (cluster_key, _) = rsa_key(&sandbox, "cluster");
    let pod_token = sign_jwt(
        &sandbox,
        &cluster_key,
        &pod_claims(namespace, account, &audience),
    );
    let review = token_review_fake(pod_token.clone(), namespace, account);
    let made = sandbox.tool(
        "openssl",
        &[
            "req",
            "-x509",
            "-key",
            &cluster_key,
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=fake-cluster-ca",
        ],
    );
    assert!(made.status.success());
    bao.must(&["auth", "enable", "kubernetes"]);
    bao.must(&[
        "write",
        "auth/kubernetes/config",
        &format!("kubernetes_host={}", review.url()),
        &format!("token_reviewer_jwt={}", "reviewer-jwt-canary-77c1"),
        &format!(
            "kubernetes_ca_cert={}",
            String::from_utf8(sandbox.read("ca.pem")).unwrap()
        ),
        "disable_local_ca_jwt=true",
    ]);
    bao.must(&[
        "write",
        &format!("auth/kubernetes/role/{role}"),
        &format!("bound_service_account_names={account}"),
        &format!("bound_service_account_namespaces={namespace}"),
        &format!("audience={audience}"),
        "token_policies=shop-read",
    ]);
    // The image build's snapshot (from the same service, as the build would take it).
    let snapshot = sandbox.run_env(
        &[
            "snapshot",
            "--source",
            &source,
            "-r",
            &recipient,
            "-o",
            "image-snapshot.age",
        ],
        &[("VAULT_ADDR", &bao.address), ("VAULT_TOKEN", ROOT_TOKEN)],
    );
    snapshot.ok();
    let pin = sandbox.inspect_json("image-snapshot.age")["sha256"]
        .as_str()
        .unwrap()
        .to_string();

    // The image.
    let buildah = Buildah::new();
    let context = sandbox.path("image");
    std::fs::create_dir(&context).unwrap();
    std::fs::copy("/bin/busybox", context.join("busybox")).unwrap();
    std::fs::copy(
        repo().join("target/x86_64-unknown-linux-musl/release/lifeboat"),
        context.join("lifeboat"),
    )
    .unwrap();
    sandbox.holds_secrets(context.join("lifeboat"));
    std::fs::copy(
        sandbox.path("image-snapshot.age"),
        context.join("snapshot.age"),
    )
    .unwrap();
    std::fs::write(
        context.join("Containerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         COPY lifeboat /usr/local/bin/lifeboat\nCOPY snapshot.age /etc/lifeboat/snapshot.age\n\
         USER 65534:65534\nENTRYPOINT [\"/usr/local/bin/lifeboat\", \"run\", \"--\"]\n",
    )
    .unwrap();
    buildah.must(&[
        "bud",
        "-t",
        "localhost/shop-with-lifeboat:test",
        &context.display().to_string(),
    ]);
    let config: serde_json::Value = serde_json::from_slice(
        &buildah
            .must(&["inspect", "localhost/shop-with-lifeboat:test"])
            .stdout,
    )
    .unwrap();
    let entrypoint: Vec<String> =
        serde_json::from_value(config["OCIv1"]["config"]["Entrypoint"].clone()).unwrap();
    let id = String::from_utf8(
        buildah
            .must(&["from", "localhost/shop-with-lifeboat:test"])
            .stdout,
    )
    .unwrap();
    let rootfs = String::from_utf8(buildah.must(&["mount", id.trim()]).stdout).unwrap();
    let rootfs = Path::new(rootfs.trim());

    // The volumes' contents on the host, as the kubelet lays them out (fsGroup: group
    // readable by the pod's group, owned by root).
    let volume_dir = |name: &str, file: &str, contents: &str| {
        let dir = sandbox.path(&format!("volume-{name}"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(file), contents).unwrap();
        sandbox.holds_secrets(dir.join(file));
        std::process::Command::new("chgrp")
            .arg(group.to_string())
            .arg(dir.join(file))
            .status()
            .unwrap();
        std::fs::set_permissions(
            dir.join(file),
            std::os::unix::fs::PermissionsExt::from_mode(0o440),
        )
        .unwrap();
        dir
    };
    let key_text = String::from_utf8(sandbox.read("runtime.key")).unwrap();
    let mut mounts = String::new();
    for mount in container["volumeMounts"].as_array().unwrap() {
        let name = mount["name"].as_str().unwrap();
        let at = mount["mountPath"].as_str().unwrap();
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap();
        std::fs::create_dir_all(rootfs.join(at.trim_start_matches('/'))).unwrap();
        let target = format!("{}{at}", rootfs.display());
        if volume["emptyDir"]["medium"] == "Memory" {
            mounts +=
                &format!("mount -t tmpfs -o size=16m,mode=0770,gid={group} tmpfs '{target}'\n");
        } else {
            let dir = if volume["secret"].is_object() {
                let key_file = env_of("LIFEBOAT_IDENTITY_FILE").unwrap();
                volume_dir(
                    name,
                    Path::new(&key_file).file_name().unwrap().to_str().unwrap(),
                    &key_text,
                )
            } else {
                let token_file = env_of("LIFEBOAT_JWT_FILE").unwrap();
                volume_dir(
                    name,
                    Path::new(&token_file)
                        .file_name()
                        .unwrap()
                        .to_str()
                        .unwrap(),
                    &pod_token,
                )
            };
            mounts += &format!(
                "mount --bind '{}' '{target}'\nmount -o remount,bind,ro '{target}'\n",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(rootfs.join("proc")).unwrap();
    // A directory the app's user owns: writing there fails only because the root is
    // read-only (a root-owned one would fail for its permissions alone).
    std::fs::create_dir_all(rootfs.join("scratch")).unwrap();
    std::process::Command::new("chown")
        .arg(format!("{user}:{group}"))
        .arg(rootfs.join("scratch"))
        .status()
        .unwrap();
    let root = rootfs.display().to_string();
    let script = format!(
        "set -e\nmount --make-rprivate /\nmount --bind '{root}' '{root}'\nmount -o remount,bind,ro '{root}'\n\
         {mounts}mount -t proc proc '{root}/proc'\n\
         exec setpriv --no-new-privs chroot --userspec={user}:{group} --groups={group} '{root}' \
         /bin/env PATH=/usr/local/bin:/bin \"$@\""
    );
    let app = "id -u; grep CapEff /proc/self/status; echo \"origin=$LIFEBOAT_ORIGIN\"; \
               echo \"api=$API_KEY\"; cat \"$TLS_KEY_FILE\"; echo; \
               if touch /scratch/written 2>/dev/null; then echo root-writable; else echo root-read-only; fi; \
               env | grep -c -e VAULT_TOKEN -e eyJ || true";
    let vault_addr = bao.address.clone();
    let start = |env: &[(String, String)]| {
        let mut command = std::process::Command::new("unshare");
        command.args(["-m", "sh", "-c", &script, "kubelet"]);
        command.args(&entrypoint).args(["/bin/sh", "-c", app]);
        // The host's PATH for the kubelet's part; the container gets its own.
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        for (name, value) in env {
            let value = match name.as_str() {
                "VAULT_ADDR" => vault_addr.clone(),
                _ => value.clone(),
            };
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        crate::util::assert_no_secrets(&stderr, "the container's stderr");
        assert!(!stderr.contains(&pod_token[..40]), "{stderr}");
        assert!(output.status.success(), "{stderr}");
        String::from_utf8(output.stdout).unwrap()
    };
    // As shipped, the manifest starts the app: nothing in it names what only some apps
    // have (a file's secret) or what changes with every build (the pin).
    let shipped = start(&env);
    assert!(shipped.contains("origin=live\n"), "{shipped}");
    assert!(
        shipped.contains(&format!("api={}\n", CANARIES[0])),
        "{shipped}"
    );
    let text = include_str!("../deploy/kubernetes/deployment.yaml");
    for commented in [
        "# - name: LIFEBOAT_FILES\n",
        "# - name: LIFEBOAT_FILE_ENV\n",
        "# - name: LIFEBOAT_SNAPSHOT_SHA256\n",
    ] {
        assert!(text.contains(commented), "{commented}");
    }
    // Then as its comments say to configure it: TLS_KEY as a file, the build's pin.
    let mut env = env.clone();
    env.extend([
        ("LIFEBOAT_FILES".to_string(), "TLS_KEY".to_string()),
        ("LIFEBOAT_FILE_ENV".to_string(), "yes".to_string()),
        ("LIFEBOAT_SNAPSHOT_SHA256".to_string(), pin.clone()),
    ]);
    let review_before = review.seen().len();
    let live = start(&env);
    // No effective capability: what a non-root user with `drop: ["ALL"]` has (this
    // start cannot also empty the bounding set: chroot needs its capability first).
    let expected_common = format!("{user}\nCapEff:\t0000000000000000\n");
    assert!(live.starts_with(&expected_common), "{live}");
    assert!(live.contains("origin=live\n"), "{live}");
    assert!(live.contains(&format!("api={}\n", CANARIES[0])), "{live}");
    assert!(
        live.contains(&format!("{tls_key}\n")),
        "TLS_KEY as a file: {live}"
    );
    assert!(live.contains("root-read-only\n"), "{live}");
    assert!(
        live.ends_with("0\n"),
        "a credential reached the app: {live}"
    );
    assert_eq!(
        review.seen().len() - review_before,
        1,
        "one TokenReview for one login"
    );
    // OpenBao gone: the baked snapshot (pinned) starts the same app.
    drop(bao);
    let fallback = start(&env);
    assert!(fallback.contains("origin=snapshot\n"), "{fallback}");
    assert!(fallback.contains(&format!("{tls_key}\n")), "{fallback}");
    buildah.must(&["umount", id.trim()]);
}
