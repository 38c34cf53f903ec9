//! Listeners for the transport failures: a port nobody listens on, one that accepts
//! connections and never answers (as an HTTP server, a TLS server that never finishes
//! the handshake, or a proxy that never answers a CONNECT), one whose connects hang, and
//! a nameserver that swallows every query.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A loopback port with nothing listening on it.
pub fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
    // Dropped here: connections to the port are refused.
}

/// A listener that accepts and then says nothing, holding every connection open.
pub struct Silent {
    /// Its port.
    pub port: u16,
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

impl Silent {
    /// Starts it.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = Arc::new(Mutex::new(Vec::new()));
        let keep = held.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                keep.lock().unwrap().push(stream);
            }
        });
        Silent { port, _held: held }
    }

    /// How many connections it has accepted.
    pub fn accepted(&self) -> usize {
        self._held.lock().unwrap().len()
    }

    /// Waits until it has accepted `count` connections (a condition, not a sleep).
    pub fn wait_for(&self, count: usize, within: Duration) {
        let until = Instant::now() + within;
        while self.accepted() < count {
            assert!(Instant::now() < until, "no connection within {within:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A port whose TCP connects hang: its listener's accept queue is full and nobody
/// accepts, so the kernel drops every new SYN, as a firewall that drops packets does.
/// Made by a small python3 process (std's listener cannot set a backlog of 0), which is
/// killed on drop.
pub struct HangingConnect {
    /// Its port.
    pub port: u16,
    child: Child,
}

const FULL_BACKLOG: &str = r#"
import socket, sys, time
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
port = listener.getsockname()[1]
held = []
for _ in range(8):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.2)
print(port, flush=True)
sys.stdin.read()
"#;

impl HangingConnect {
    /// Starts it.
    pub fn start() -> Self {
        let mut child = Command::new("python3")
            .args(["-c", FULL_BACKLOG])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is required (scripts/test.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the helper prints its port");
        HangingConnect { port, child }
    }
}

impl Drop for HangingConnect {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A nameserver that receives every query and never answers, on port 53 of a loopback
/// address of its own (127.0.0.N), for a `resolv.conf` that points at it.
pub struct BlackHoleDns {
    /// Its address.
    pub address: String,
    _socket: Arc<UdpSocket>,
    queries: Arc<Mutex<usize>>,
}

impl BlackHoleDns {
    /// Starts it on the first free 127.0.0.N:53 (binding port 53 needs root, which
    /// the tests that use it have: they run `unshare`).
    pub fn start() -> Self {
        let pid = std::process::id();
        for n in 0..200u32 {
            let address = format!("127.0.{}.{}", 100 + (pid + n) % 100, 2 + n % 250);
            if let Ok(socket) = UdpSocket::bind((address.as_str(), 53)) {
                let socket = Arc::new(socket);
                let swallow = socket.clone();
                let queries = Arc::new(Mutex::new(0));
                let counted = queries.clone();
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 512];
                    while swallow.recv_from(&mut buffer).is_ok() {
                        *counted.lock().unwrap() += 1;
                    }
                });
                return BlackHoleDns {
                    address,
                    _socket: socket,
                    queries,
                };
            }
        }
        panic!("no free 127.0.N.M:53 for the black-hole nameserver (is this test root?)")
    }

    /// How many queries it has swallowed.
    pub fn queries(&self) -> usize {
        *self.queries.lock().unwrap()
    }
}
