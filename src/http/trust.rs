//! Which TLS certificates lifeboat trusts: the system's roots (`SSL_CERT_FILE` and
//! `SSL_CERT_DIR` are honoured), Mozilla's roots compiled in as a fallback so a `FROM
//! scratch` image with no CA bundle still works, and any CA files the user adds
//! (`--ca-file`, `VAULT_CACERT`). TLS is rustls with the ring provider.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::FetchError;

/// Extra trust on top of the system and compiled-in roots.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// PEM files of CA certificates to add.
    pub ca_files: Vec<PathBuf>,
}

impl Trust {
    /// The rustls configuration. `needs_tls` is false when every URL is `http://`: then no
    /// roots are loaded at all.
    ///
    /// With TLS, a server's chain is checked first against the CA files given and the
    /// compiled-in roots, which cost nothing to load; the system's bundle (a Debian image's
    /// 140-odd certificates take some 20 million instructions to read, parse and decode:
    /// several milliseconds of every start) is read only if that check fails, and the
    /// chain is then checked against all three. Trust is the same as loading all three up
    /// front; only a server whose CA is in the system's bundle alone pays for reading it.
    pub fn client_config(&self, needs_tls: bool) -> Result<rustls::ClientConfig, FetchError> {
        let added = self.added_certificates()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| FetchError::Config(format!("TLS setup failed: {e}")))?;
        let mut config = if needs_tls {
            let roots = SystemRootsWhenNeeded::new(added, provider)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(roots))
                .with_no_client_auth()
        } else {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(added);
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }

    /// The certificates of every `--ca-file`, each file read and checked now, so a bad
    /// one is a configuration error before anything is sent.
    fn added_certificates(&self) -> Result<Vec<CertificateDer<'static>>, FetchError> {
        let mut certificates = Vec::new();
        for path in &self.ca_files {
            // A CA bundle is small; a FIFO or a device never ends: capped, never blocking.
            let pem = crate::read_capped::read_capped(path, 16 << 20)
                .and_then(|bytes| {
                    bytes.map(|b| b.to_vec()).ok_or_else(|| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "more than 16 MiB: not a CA file",
                        )
                    })
                })
                .map_err(|source| FetchError::Unreadable {
                    what: format!("the CA file {}", crate::redact::path(path)),
                    source,
                })?;
            let mut added = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|_| {
                    FetchError::Config(format!(
                        "{} is not a PEM certificate file",
                        crate::redact::path(path)
                    ))
                })?;
                // Parsed as a trust anchor now, so an unusable one is named with its file.
                RootCertStore::empty().add(cert.clone()).map_err(|e| {
                    FetchError::Config(format!(
                        "{}: unusable CA certificate: {e}",
                        crate::redact::path(path)
                    ))
                })?;
                certificates.push(cert);
                added += 1;
            }
            if added == 0 {
                return Err(FetchError::Config(format!(
                    "{} holds no PEM certificates",
                    crate::redact::path(path)
                )));
            }
        }
        Ok(certificates)
    }
}

/// The server-certificate check of [`Trust::client_config`]: the CAs given and the
/// compiled-in roots first, and on any failure, all of those with the system's roots.
#[derive(Debug)]
struct SystemRootsWhenNeeded {
    added: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    without_system: Arc<WebPkiServerVerifier>,
    with_system: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
}

impl SystemRootsWhenNeeded {
    fn new(
        added: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, FetchError> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        roots.add_parsable_certificates(added.iter().cloned());
        let without_system = verifier(roots, &provider)
            .map_err(|e| FetchError::Config(format!("TLS setup failed: {e}")))?;
        Ok(SystemRootsWhenNeeded {
            added,
            provider,
            without_system,
            with_system: OnceLock::new(),
        })
    }

    fn with_system(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.with_system
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                // Missing or partly unreadable system bundles are normal in minimal
                // images; the compiled-in roots cover them.
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
                roots.add_parsable_certificates(self.added.iter().cloned());
                verifier(roots, &self.provider).map_err(|e| rustls::Error::General(e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn verifier(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, rustls::client::VerifierBuilderError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build()
}

impl ServerCertVerifier for SystemRootsWhenNeeded {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let check = |verifier: &WebPkiServerVerifier| {
            verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        };
        // The second check has every root the first had: its answer is the answer.
        check(&self.without_system).or_else(|_| check(self.with_system()?))
    }

    // Handshake signatures are checked with the server's own key: no root is involved.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.without_system
            .verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.without_system
            .verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.without_system.supported_verify_schemes()
    }
}
