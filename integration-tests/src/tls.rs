//! Certificates and an HTTPS client for the mTLS tests.
//!
//! [`Pki`] makes, with the `openssl` command-line tool, a throwaway CA, a server certificate
//! for `localhost` and 127.0.0.1, and client certificates carrying a chosen SPIFFE ID (URI SAN)
//! and subject — all P-256, valid for two days, in a folder under `target/palisade-it/` that
//! is removed when the `Pki` is dropped (kept when the test is failing). [`mtls_template`]
//! turns the demo template into one whose listener speaks TLS and validates client
//! certificates against that CA. [`send`] is the HTTPS client (the `openssl` crate over the
//! system's libssl), with or without a client certificate; it verifies Envoy's certificate
//! for `localhost`, so requests carry `Host: localhost:<port>`.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use openssl::hash::MessageDigest;
use openssl::ssl::{SslConnector, SslFiletype, SslMethod};
use openssl::x509::X509;

use crate::error::HarnessError;
use crate::http::{self, Request, Response};
use crate::paths;

const IO_TIMEOUT: Duration = Duration::from_secs(30);
const DOWNSTREAM_TLS: &str =
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

/// A test CA and the certificates it issued.
pub struct Pki {
    dir: PathBuf,
    serial: AtomicU32,
}

/// A client certificate, its key, and the SHA-256 of its DER encoding (RFC 8705 `x5t#S256`).
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub sha256: [u8; 32],
}

impl Pki {
    /// A fresh CA and server certificate in a new folder named after `label`.
    pub fn generate(label: &str) -> Result<Pki, HarnessError> {
        let pki = Pki {
            dir: paths::run_dir(&format!("{label}-pki"))?,
            serial: AtomicU32::new(1),
        };
        let ca_extensions = [
            "basicConstraints=critical,CA:TRUE",
            "keyUsage=critical,keyCertSign,cRLSign",
        ];
        let mut args = vec![
            "req",
            "-x509",
            "-days",
            "2",
            "-subj",
            "/CN=Palisade Test CA",
        ];
        args.extend(ca_extensions.iter().flat_map(|ext| ["-addext", *ext]));
        pki.openssl_new_key("ca", &args)?;
        pki.issue(
            "server",
            "/CN=localhost",
            "DNS:localhost,IP:127.0.0.1",
            "serverAuth",
        )?;
        Ok(pki)
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// A client certificate named `name` with `subject` (`/O=Example/CN=api` form) and, when
    /// given, `spiffe_id` as its one URI SAN.
    pub fn client(
        &self,
        name: &str,
        spiffe_id: Option<&str>,
        subject: &str,
    ) -> Result<ClientIdentity, HarnessError> {
        let san = spiffe_id.map(|id| format!("URI:{id}")).unwrap_or_default();
        self.issue(name, subject, &san, "clientAuth")?;
        let cert = self.dir.join(format!("{name}.pem"));
        let pem = std::fs::read(&cert)?;
        let digest = X509::from_pem(&pem)
            .and_then(|x509| x509.digest(MessageDigest::sha256()))
            .map_err(|e| HarnessError::new(format!("reading {name}.pem: {e}")))?;
        let sha256 = <[u8; 32]>::try_from(digest.as_ref())
            .map_err(|_| HarnessError::new("sha-256 digest is not 32 bytes"))?;
        Ok(ClientIdentity {
            key: self.dir.join(format!("{name}.key")),
            cert,
            sha256,
        })
    }

    /// A key pair and certificate signed by the CA.
    fn issue(&self, name: &str, subject: &str, san: &str, usage: &str) -> Result<(), HarnessError> {
        self.openssl_new_key(name, &["req", "-subj", subject])?;
        let mut extensions = format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage={usage}\n"
        );
        if !san.is_empty() {
            extensions.push_str(&format!("subjectAltName={san}\n"));
        }
        let ext_file = self.dir.join(format!("{name}.ext"));
        std::fs::write(&ext_file, extensions)?;
        let serial = self.serial.fetch_add(1, Ordering::SeqCst).to_string();
        let (csr, out) = (self.file(name, "csr"), self.file(name, "pem"));
        let (ca, ca_key, ext) = (
            self.file("ca", "pem"),
            self.file("ca", "key"),
            path(&ext_file),
        );
        let args = [
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-set_serial",
            &serial,
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &out,
        ];
        openssl(&args)
    }

    /// `openssl <args> -newkey ec (P-256) -nodes -keyout <name>.key -out <name>.{csr,pem}`.
    fn openssl_new_key(&self, name: &str, args: &[&str]) -> Result<(), HarnessError> {
        let self_signed = args.contains(&"-x509");
        let out = self.file(name, if self_signed { "pem" } else { "csr" });
        let key = self.file(name, "key");
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ]);
        all.extend(["-keyout", &key, "-out", &out]);
        openssl(&all)
    }

    fn file(&self, name: &str, extension: &str) -> String {
        path(&self.dir.join(format!("{name}.{extension}")))
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn path(path: &Path) -> String {
    path.display().to_string()
}

fn openssl(args: &[&str]) -> Result<(), HarnessError> {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .map_err(|e| HarnessError::new(format!("running openssl: {e}")))?;
    match output.status.success() {
        true => Ok(()),
        false => Err(HarnessError::new(format!(
            "openssl {} failed: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&output.stderr)
        ))),
    }
}

/// The demo template with a TLS listener: Envoy's certificate from `pki`, client certificates
/// validated against its CA and, with `require_client_certificate`, demanded in the handshake;
/// `forward_client_cert_details` set to `forward` (e.g. `FORWARD_ONLY`).
pub fn mtls_template(
    pki: &Pki,
    require_client_certificate: bool,
    forward: &str,
) -> Result<String, HarnessError> {
    let template =
        std::fs::read_to_string(paths::repo_root().join("envoy-configs/demo.template.yaml"))?;
    let chain = "    filter_chains:\n    - filters:\n";
    let hcm = "          stat_prefix: palisade_demo\n";
    if !template.contains(chain) || !template.contains(hcm) {
        return Err(HarnessError::new(
            "the demo template's listener has changed shape",
        ));
    }
    let lines = [
        "    filter_chains:".to_string(),
        "    - transport_socket:".to_string(),
        "        name: envoy.transport_sockets.tls".to_string(),
        "        typed_config:".to_string(),
        format!("          \"@type\": {DOWNSTREAM_TLS}"),
        format!("          require_client_certificate: {require_client_certificate}"),
        "          common_tls_context:".to_string(),
        "            tls_certificates:".to_string(),
        format!(
            "            - certificate_chain: {{ filename: {} }}",
            path(&pki.server_cert())
        ),
        format!(
            "              private_key: {{ filename: {} }}",
            path(&pki.server_key())
        ),
        "            validation_context:".to_string(),
        format!(
            "              trusted_ca: {{ filename: {} }}",
            path(&pki.ca())
        ),
        "      filters:\n".to_string(),
    ];
    let tls = lines.join("\n");
    let forwarding = format!("{hcm}          forward_client_cert_details: {forward}\n");
    Ok(template
        .replacen(chain, &tls, 1)
        .replacen(hcm, &forwarding, 1))
}

/// Sends `request` over HTTPS to Envoy's listener, presenting `client` when given. An error
/// (no answer) is what a refused handshake looks like.
pub fn send(
    port: u16,
    pki: &Pki,
    client: Option<&ClientIdentity>,
    request: &Request,
) -> Result<Response, HarnessError> {
    let tls = |e: openssl::error::ErrorStack| HarnessError::new(format!("tls setup: {e}"));
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(tls)?;
    builder.set_ca_file(pki.ca()).map_err(tls)?;
    if let Some(client) = client {
        builder
            .set_certificate_chain_file(&client.cert)
            .map_err(tls)?;
        builder
            .set_private_key_file(&client.key, SslFiletype::PEM)
            .map_err(tls)?;
    }
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| HarnessError::new(format!("connect to 127.0.0.1:{port}: {e}")))?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    let stream = builder
        .build()
        .connect("localhost", tcp)
        .map_err(|e| HarnessError::new(format!("tls handshake: {e}")))?;
    http::exchange(stream, &format!("localhost:{port}"), request)
}
