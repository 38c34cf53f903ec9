//! A real moto server (PyPI `moto[server]`, installed by scripts/test.sh into
//! `.tools/moto`) for Secrets Manager, SSM and STS, on 127.0.0.1, with IAM
//! authentication enforced after the setup's first actions (`INITIAL_NO_AUTH_ACTION_COUNT`):
//! a request with a wrong signature or an unknown key is refused, so the suite can catch a
//! signing bug. The setup is boto3, the real AWS SDK for Python (`moto_setup.py`).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server and the IAM user it made.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The IAM user's access key.
    pub access_key_id: String,
    /// Its secret key.
    pub secret_access_key: String,
    /// A role a web identity can assume.
    pub role_arn: String,
    _dir: tempfile::TempDir,
}

fn tools() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/moto");
    assert!(
        path.join("moto").exists(),
        "moto is missing: run scripts/test.sh, which installs it into .tools/moto"
    );
    path
}

impl Moto {
    /// A server whose first `unauthenticated` actions need no signature (the setup's
    /// five, plus any a test leaves inside the window on purpose).
    pub fn start_with_window(unauthenticated: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .env("PYTHONPATH", tools())
            .env("INITIAL_NO_AUTH_ACTION_COUNT", unauthenticated.to_string())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(
                std::fs::File::create(dir.path().join("moto.log")).unwrap(),
            ))
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("moto.err")).unwrap(),
            ))
            .spawn()
            .expect("start moto");
        // Ready when it listens; a probe request would count as an action.
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let url = format!("http://127.0.0.1:{port}");
        let mut moto = Moto {
            child,
            url,
            access_key_id: String::new(),
            secret_access_key: String::new(),
            role_arn: String::new(),
            _dir: dir,
        };
        let made: serde_json::Value = serde_json::from_str(&moto.setup(&["init"])).unwrap();
        moto.access_key_id = made["access_key_id"].as_str().unwrap().into();
        moto.secret_access_key = made["secret_access_key"].as_str().unwrap().into();
        moto.role_arn = made["role_arn"].as_str().unwrap().into();
        moto
    }

    /// A server that checks every request after the setup's.
    pub fn start() -> Self {
        Self::start_with_window(5)
    }

    /// Runs moto_setup.py with this server's user; returns what it printed.
    #[track_caller]
    pub fn setup(&self, args: &[&str]) -> String {
        self.setup_in("us-east-1", args)
    }

    /// The same in another region.
    #[track_caller]
    pub fn setup_in(&self, region: &str, args: &[&str]) -> String {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/services/moto_setup.py");
        let output = Command::new("python3")
            .arg(script)
            .args(args)
            .env("PYTHONPATH", tools())
            .env("MOTO_URL", &self.url)
            .env("MOTO_REGION", region)
            .env("AWS_ACCESS_KEY_ID", &self.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_access_key)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "moto_setup.py {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }

    /// The environment lifeboat needs to reach this server with the user's keys. IMDS is
    /// off: nothing may reach 169.254.169.254 from here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

/// The access key id botocore (the AWS SDK for Python) signs with when it runs in `dir`
/// (its HOME and working directory) with only `env` and PATH set: the chain's answer that
/// lifeboat's must match. "none" when the chain finds nothing.
#[track_caller]
pub fn botocore_access_key(dir: &Path, env: &[(&str, &str)]) -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/services/moto_credentials.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("PYTHONPATH", tools())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "moto_credentials.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
