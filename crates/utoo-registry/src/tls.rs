use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use utoo_config::Config;

use crate::RegistryError;

/// The roots npm would trust here: the system store (which honours SSL_CERT_FILE /
/// SSL_CERT_DIR), npm's `cafile` and `ca`, and NODE_EXTRA_CA_CERTS.
pub(crate) fn client_config(config: &Config) -> Result<rustls::ClientConfig, RegistryError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!(%error, "skipping unreadable system certificate");
    }
    roots.add_parsable_certificates(native.certs);
    for path in config.ca_files() {
        let pem = std::fs::read(&path).map_err(|source| RegistryError::CaFile {
            path: path.clone(),
            source,
        })?;
        roots.add_parsable_certificates(parse_pem(&pem));
    }
    if let Some(inline) = config.ca_inline() {
        roots.add_parsable_certificates(parse_pem(inline.replace("\\n", "\n").as_bytes()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    if !config.strict_ssl() {
        // npm's `strict-ssl=false`: any certificate is accepted (signatures are still
        // checked, so the handshake itself stays sound).
        tls.dangerous()
            .set_certificate_verifier(Arc::new(AnyCertificate(provider)));
    }
    // HTTP/1.1 over a pool of sockets by default: for bulk transfer one multiplexed HTTP/2
    // connection (one congestion window) measured slower, in other installers and here
    // (a cold install from a lockfile, h1 vs h2, against a real registry; no h2 gain was
    // seen). UTOO_HTTP2=1 offers h2 for comparison.
    tls.alpn_protocols = if std::env::var_os("UTOO_HTTP2").is_some_and(|v| v == "1") {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(tls)
}

fn parse_pem(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem).flatten().collect()
}

/// The verifier for `strict-ssl=false`.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
