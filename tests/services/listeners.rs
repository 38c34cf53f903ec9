//! Listeners for the transport failures: a port nobody listens on, and one that accepts
//! connections and never answers.

use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

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
}
