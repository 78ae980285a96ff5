//! The client certificate as the connection shows it, and as the request's caller presents it.
//!
//! Envoy 1.40 answers (tested): `connection.mtls` one byte, 1 when the client presented a
//! certificate that passed the listener's validation; `connection.uri_san_peer_certificate`
//! the *first* URI SAN as a string (later ones are not visible); `connection.subject_peer_
//! certificate` the subject in RFC 2253 form (`O=Example,CN=payments`, commas in values
//! escaped as `\,`); `connection.sha256_peer_certificate_digest` 64 lower-case hex digits. On a
//! plain-text connection, or without a client certificate, `connection.mtls` is 0 and the
//! others are absent. Identities are only ever read from here — never from a request header,
//! unless a trusted front proxy forwarded them (see [`super::forwarded`]).

use super::xfcc::hex32;
use palisade_shared::host::Host;

/// What the connection says about the client's certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerFacts {
    /// Whether the client presented a certificate that Envoy verified.
    pub mtls: bool,
    /// The certificate's first URI SAN (a SPIFFE ID in a mesh).
    pub uri_san: Option<String>,
    /// The certificate's subject, RFC 2253.
    pub subject: Option<String>,
    /// SHA-256 of the certificate (DER).
    pub sha256: Option<[u8; 32]>,
}

/// Reads the connection's certificate facts: one host call on connections without a client
/// certificate, four with one. A property that cannot be read counts as absent, so every
/// check that needs it fails closed.
pub fn read(host: &dyn Host) -> PeerFacts {
    let text = |name: &str| -> Option<String> {
        let bytes = host.property(&["connection", name]).ok().flatten()?;
        String::from_utf8(bytes)
            .ok()
            .filter(|text| !text.is_empty())
    };
    let mtls = host
        .property(&["connection", "mtls"])
        .ok()
        .flatten()
        .is_some_and(|value| value == [1]);
    if !mtls {
        return PeerFacts::default();
    }
    PeerFacts {
        mtls,
        uri_san: text("uri_san_peer_certificate"),
        subject: text("subject_peer_certificate"),
        sha256: text("sha256_peer_certificate_digest").and_then(|hex| hex32(&hex)),
    }
}

/// The certificate of the request's caller: the connection's own, or the one a trusted front
/// proxy forwarded in XFCC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCert {
    pub uri: Option<String>,
    pub subject: Option<String>,
    pub sha256: Option<[u8; 32]>,
    /// Whether it came through a trusted front proxy.
    pub forwarded: bool,
}

impl ClientCert {
    /// The connection's certificate, when the client presented one.
    pub fn of_connection(peer: &PeerFacts) -> Option<ClientCert> {
        peer.mtls.then(|| ClientCert {
            uri: peer.uri_san.clone(),
            subject: peer.subject.clone(),
            sha256: peer.sha256,
            forwarded: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_shared::host::FakeHost;

    const DIGEST: &str = "4312e4f4f5a62792d630958baac1c598be43af40c53ed5b48b710e0174463874";

    fn host(mtls: &[u8]) -> FakeHost {
        FakeHost::default()
            .with_property(&["connection", "mtls"], mtls)
            .with_property(
                &["connection", "uri_san_peer_certificate"],
                b"spiffe://e.org/a",
            )
            .with_property(&["connection", "subject_peer_certificate"], b"CN=a")
            .with_property(
                &["connection", "sha256_peer_certificate_digest"],
                DIGEST.as_bytes(),
            )
    }

    #[test]
    fn reads_the_certificate_of_an_mtls_connection() {
        let facts = read(&host(&[1]));
        assert!(facts.mtls);
        assert_eq!(facts.uri_san.as_deref(), Some("spiffe://e.org/a"));
        assert_eq!(facts.subject.as_deref(), Some("CN=a"));
        assert_eq!(facts.sha256, hex32(DIGEST));
        let cert = ClientCert::of_connection(&facts).unwrap();
        assert!(!cert.forwarded);
    }

    #[test]
    fn sees_no_certificate_unless_mtls_says_so() {
        for mtls in [&[0u8][..], &[], &[2], &[1, 0]] {
            let facts = read(&host(mtls));
            assert_eq!(facts, PeerFacts::default(), "{mtls:?}");
            assert_eq!(ClientCert::of_connection(&facts), None);
        }
        assert_eq!(read(&FakeHost::default()), PeerFacts::default());
    }

    #[test]
    fn a_digest_that_is_not_hex_counts_as_absent() {
        let host =
            host(&[1]).with_property(&["connection", "sha256_peer_certificate_digest"], b"xyz");
        assert_eq!(read(&host).sha256, None);
    }
}
