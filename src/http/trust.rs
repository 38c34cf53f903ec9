//! Which TLS certificates lifeboat trusts: the system's roots (`SSL_CERT_FILE` and
//! `SSL_CERT_DIR` are honoured), Mozilla's roots compiled in as a fallback so a `FROM
//! scratch` image with no CA bundle still works, and any CA files the user adds
//! (`--ca-file`, `VAULT_CACERT`). TLS is rustls with the ring provider.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use super::FetchError;

/// Extra trust on top of the system and compiled-in roots.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// PEM files of CA certificates to add.
    pub ca_files: Vec<PathBuf>,
}

impl Trust {
    /// The rustls configuration. `needs_tls` is false when every URL is `http://`, which
    /// skips reading the system's bundle (a few milliseconds on the start path).
    pub fn client_config(&self, needs_tls: bool) -> Result<rustls::ClientConfig, FetchError> {
        let mut roots = RootCertStore::empty();
        if needs_tls {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            // Missing or partly unreadable system bundles are normal in minimal images;
            // the compiled-in roots cover them.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
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
                roots.add(cert).map_err(|e| {
                    FetchError::Config(format!(
                        "{}: unusable CA certificate: {e}",
                        crate::redact::path(path)
                    ))
                })?;
                added += 1;
            }
            if added == 0 {
                return Err(FetchError::Config(format!(
                    "{} holds no PEM certificates",
                    crate::redact::path(path)
                )));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| FetchError::Config(format!("TLS setup failed: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}
