//! The client certificate a trusted front proxy forwarded in `x-forwarded-client-cert`.
//!
//! Only a connection whose own peer certificate names a configured front proxy (its SPIFFE ID)
//! may speak for a client this way; for every other connection the header is removed before
//! the upstream and never read. The element that counts is the last one, the one the front
//! proxy added. When this Envoy itself appended an element for the front proxy's connection
//! (HCM `forward_client_cert_details: APPEND_FORWARD` or `SANITIZE_SET`), that element is
//! recognised by its `Hash` — the digest of the connection's own peer certificate — and
//! skipped. An element naming two URI SANs is refused: a SPIFFE SVID carries exactly one.

use super::peer::{ClientCert, PeerFacts};
use super::refusal::MtlsRefusal;
use super::xfcc::{self, Element};

/// The XFCC header's name, as Envoy gives header names (lower case).
pub const XFCC: &str = "x-forwarded-client-cert";

/// The forwarded client certificate, `None` when the front proxy forwarded none.
pub fn client(
    headers: &[(&str, &str)],
    peer: &PeerFacts,
) -> Result<Option<ClientCert>, MtlsRefusal> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| *name == XFCC)
        .map(|(_, value)| *value)
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    let elements = xfcc::parse(&values.join(",")).map_err(|_| MtlsRefusal::MalformedXfcc)?;
    let Some(element) = clients_element(&elements, peer) else {
        return Ok(None);
    };
    let uri = match element.uris.as_slice() {
        [] => None,
        [uri] => Some(uri.clone()),
        _ => return Err(MtlsRefusal::AmbiguousXfcc),
    };
    Ok(Some(ClientCert {
        uri,
        subject: element.subject.clone(),
        sha256: element.hash,
        forwarded: true,
    }))
}

/// The front proxy's element: the last, or the one before an element this Envoy added.
fn clients_element<'e>(elements: &'e [Element], peer: &PeerFacts) -> Option<&'e Element> {
    let mut from_last = elements.iter().rev();
    let last = from_last.next()?;
    let added_here = last.hash.is_some() && last.hash == peer.sha256;
    match added_here {
        true => from_last.next(),
        false => Some(last),
    }
}

/// Whether the request carries an XFCC header.
pub fn is_present(headers: &[(&str, &str)]) -> bool {
    headers.iter().any(|(name, _)| *name == XFCC)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY: &str = "4312e4f4f5a62792d630958baac1c598be43af40c53ed5b48b710e0174463874";
    const CLIENT: &str = "9d62b7017444900c42b9fcac4e391fa664c482dbf340c2fa116eea418f024284";

    fn proxy() -> PeerFacts {
        PeerFacts {
            mtls: true,
            uri_san: Some("spiffe://example.org/ns/edge/sa/front".into()),
            subject: None,
            sha256: xfcc::hex32(PROXY),
        }
    }

    fn read(values: &[&str]) -> Result<Option<ClientCert>, MtlsRefusal> {
        let headers: Vec<(&str, &str)> = values.iter().map(|value| (XFCC, *value)).collect();
        client(&headers, &proxy())
    }

    #[test]
    fn takes_the_last_element_as_the_client() {
        let value = format!(
            "URI=spiffe://example.org/ns/forged/sa/x,Hash={CLIENT};URI=spiffe://example.org/ns/payments/sa/api;Subject=\"CN=api\""
        );
        let cert = read(&[&value]).unwrap().unwrap();
        assert_eq!(
            cert.uri.as_deref(),
            Some("spiffe://example.org/ns/payments/sa/api")
        );
        assert_eq!(cert.subject.as_deref(), Some("CN=api"));
        assert_eq!(cert.sha256, xfcc::hex32(CLIENT));
        assert!(cert.forwarded);
    }

    #[test]
    fn skips_the_element_this_envoy_appended_for_the_proxy() {
        let front = format!("Hash={CLIENT};URI=spiffe://example.org/ns/payments/sa/api");
        let ours = format!("Hash={PROXY};URI=spiffe://example.org/ns/edge/sa/front");
        let cert = read(&[&format!("{front},{ours}")]).unwrap().unwrap();
        assert_eq!(
            cert.uri.as_deref(),
            Some("spiffe://example.org/ns/payments/sa/api")
        );
        assert_eq!(read(&[&ours]), Ok(None));
    }

    #[test]
    fn joins_repeated_header_lines_in_order() {
        let cert = read(&["URI=spiffe://e.org/first", "URI=spiffe://e.org/second"]).unwrap();
        assert_eq!(cert.unwrap().uri.as_deref(), Some("spiffe://e.org/second"));
    }

    #[test]
    fn refuses_malformed_or_ambiguous_elements() {
        let cases = [
            ("URI=a;URI=b", MtlsRefusal::AmbiguousXfcc),
            ("URI=a b", MtlsRefusal::MalformedXfcc),
            ("Hash=zz", MtlsRefusal::MalformedXfcc),
        ];
        for (value, refusal) in cases {
            assert_eq!(read(&[value]), Err(refusal), "{value}");
        }
        assert_eq!(read(&[]), Ok(None));
    }
}
