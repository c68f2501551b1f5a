//! `strict-ssl` against an https registry on 127.0.0.1 whose certificate nobody trusts
//! (signed by a CA made for these tests only: the key in `fixtures/` protects nothing).

use std::collections::BTreeMap;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use utoo_config::{Config, ConfigSources};
use utoo_registry::RegistryClient;

const PACKUMENT: &str = r#"{"name":"p","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"name":"p","version":"1.0.0"}}}"#;

/// Serves `PACKUMENT` over TLS to every connection; returns the port.
async fn https_registry() -> u16 {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("fixtures/loopback-cert.pem"))
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("fixtures/loopback-key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PACKUMENT}",
                    PACKUMENT.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn client(port: u16, strict_ssl: Option<&str>) -> RegistryClient {
    client_with(port, strict_ssl, None)
}

fn client_with(port: u16, strict_ssl: Option<&str>, cafile: Option<&str>) -> RegistryClient {
    let dir = tempfile::tempdir().unwrap();
    let mut overrides = BTreeMap::from([
        ("registry".to_owned(), format!("https://127.0.0.1:{port}/")),
        ("fetch-retries".to_owned(), "0".to_owned()),
    ]);
    if let Some(value) = strict_ssl {
        overrides.insert("strict-ssl".to_owned(), value.to_owned());
    }
    if let Some(path) = cafile {
        overrides.insert("cafile".to_owned(), path.to_owned());
    }
    let sources = ConfigSources {
        project_dir: dir.path().to_path_buf(),
        overrides,
        ..Default::default()
    };
    RegistryClient::new(Arc::new(Config::load(&sources).unwrap()))
}

#[tokio::test]
async fn an_untrusted_certificate_fails_unless_strict_ssl_is_off() {
    let port = https_registry().await;
    let err = client(port, None).packument("p").await.unwrap_err();
    assert_eq!(err.code(), "ENETWORK", "{err}");
    let packument = client(port, Some("false")).packument("p").await.unwrap();
    assert!(packument.has_version("1.0.0"));
}

#[tokio::test]
async fn a_cafile_makes_the_certificate_trusted() {
    let port = https_registry().await;
    let cafile = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/loopback-ca.pem"
    );
    let packument = client_with(port, None, Some(cafile))
        .packument("p")
        .await
        .unwrap();
    assert!(packument.has_version("1.0.0"));
}
