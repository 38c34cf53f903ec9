//! A TLS front for the Doppler fake, so the benchmarks' HTTPS rows have the handshake in
//! them as production does: it terminates TLS (rustls, the ring provider, the
//! certificate and key files given) on 127.0.0.1 and passes each connection's one request
//! on to the plain-HTTP fake behind it, whose answer it sends back. The fake answers one
//! request a connection (`connection: close`), so a connection is: read the request,
//! forward it, copy the answer to its end, close.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Serves TLS on 127.0.0.1:`port` (0: any free one) in front of `upstream`
/// (`127.0.0.1:PORT`) from a thread of its own; returns the port.
pub fn start(port: u16, cert: &Path, key: &Path, upstream: String) -> u16 {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .expect("--tls-cert: a PEM file")
        .collect::<Result<_, _>>()
        .expect("--tls-cert: PEM certificates");
    let key = PrivateKeyDer::from_pem_file(key).expect("--tls-key: a PEM private key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the certificate and key match");
    let config = Arc::new(config);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the TLS port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, upstream) = (config.clone(), upstream.clone());
            std::thread::spawn(move || {
                // A client that gives up mid-handshake is nothing to report.
                let _ = relay(stream, config, &upstream);
            });
        }
    });
    port
}

fn relay(
    stream: TcpStream,
    config: Arc<rustls::ServerConfig>,
    upstream: &str,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let connection = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let request = read_request(&mut tls)?;
    let mut plain = TcpStream::connect(upstream)?;
    plain.set_nodelay(true)?;
    plain.write_all(&request)?;
    let mut answer = Vec::new();
    plain.read_to_end(&mut answer)?;
    tls.write_all(&answer)?;
    tls.conn.send_close_notify();
    tls.flush()
}

/// One request: its head, and as much body as its `content-length` says.
fn read_request(tls: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return Ok(request);
            }
        }
        let read = tls.read(&mut chunk)?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        request.extend_from_slice(&chunk[..read]);
    }
}
