//! Over `https://`, envelopes reach a server whose certificate comes from a private CA when
//! `ca_certs` names that CA's file; without it the TLS handshake fails, nothing is delivered
//! and the events are counted as `network_error`. An unreadable CA file, or one without a
//! certificate, fails `Client::try_new` with a message that names the file.
#![cfg(feature = "http")]
mod common;

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::server::{Request, read_request};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use scopeline::{Client, ClientOptions, Level};

struct TlsServer {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    ca_file: PathBuf,
}

/// A loopback HTTPS server answering 200 to everything, with a certificate for 127.0.0.1
/// signed by a CA made for this test (written to a PEM file).
fn tls_server(name: &str) -> TlsServer {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "scopeline test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();

    let ca_file = std::env::temp_dir().join(format!(
        "scopeline-test-ca-{}-{name}.pem",
        std::process::id()
    ));
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    let config = Arc::new(config);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, seen) = (config.clone(), seen.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut reader = BufReader::new(rustls::StreamOwned::new(conn, stream));
                while let Some(request) = read_request(&mut reader) {
                    seen.lock().unwrap().push(request);
                    let body = br#"{"id":"00000000000000000000000000000000"}"#;
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
                    let tls = reader.get_mut();
                    if tls.write_all(head.as_bytes()).is_err() || tls.write_all(body).is_err() {
                        return;
                    }
                    let _ = tls.flush();
                }
            });
        }
    });
    TlsServer {
        port,
        requests,
        ca_file,
    }
}

impl TlsServer {
    fn dsn(&self) -> String {
        format!("https://public@127.0.0.1:{}/7", self.port)
    }
}

fn send_one(client: &Client, message: &'static str) {
    scopeline::with_isolation_scope(|scope| {
        scope.bind_client(Some(client.clone()));
        scope.capture_message(message, Level::Error);
    });
    let _ = client.flush(Duration::from_secs(10));
}

#[test]
fn the_given_ca_is_trusted_and_the_event_arrives() {
    let server = tls_server("trusted");
    let client = Client::try_new(
        ClientOptions::new()
            .dsn(server.dsn())
            .ca_certs(&server.ca_file),
    )
    .expect("the CA file is valid");
    send_one(&client, "over TLS");

    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "sent once");
    assert_eq!(requests[0].path, "/api/7/envelope/");
    assert!(
        requests[0]
            .header("x-sentry-auth")
            .unwrap()
            .contains("sentry_key=public")
    );
    let event = requests[0].item("event").expect("an event item");
    assert_eq!(event["logentry"]["message"], "over TLS", "{event}");
    assert!(client.discarded_events().is_empty());
}

#[test]
fn without_the_ca_the_handshake_fails_and_the_event_is_counted() {
    let server = tls_server("untrusted");
    let client = Client::try_new(ClientOptions::new().dsn(server.dsn())).unwrap();
    send_one(&client, "not over TLS");

    assert!(server.requests.lock().unwrap().is_empty());
    let lost = common::dropped(&client, "network_error", "error");
    assert_eq!(lost, 1, "{:?}", client.discarded_events());
}

#[test]
fn a_missing_or_empty_ca_file_is_an_error_that_names_it() {
    let missing = std::env::temp_dir().join("scopeline-no-such-ca.pem");
    let err = Client::try_new(
        ClientOptions::new()
            .dsn("https://public@127.0.0.1:9/1")
            .ca_certs(&missing),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("scopeline-no-such-ca.pem"), "{err}");
    assert!(err.contains("HTTP transport"), "{err}");

    let empty = std::env::temp_dir().join(format!("scopeline-empty-ca-{}.pem", std::process::id()));
    std::fs::write(&empty, "just text\n").unwrap();
    let err = Client::try_new(
        ClientOptions::new()
            .dsn("https://public@127.0.0.1:9/1")
            .ca_certs(&empty),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no CERTIFICATE"), "{err}");
}
