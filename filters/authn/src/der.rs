//! The few DER structures the host's `verify_signature` needs, written by hand.
//!
//! Envoy takes a public key as a DER SubjectPublicKeyInfo and an ECDSA signature as a DER
//! ECDSA-Sig-Value; JWKS and JWS carry raw big-endian numbers instead. Only encoding is needed,
//! and only for inputs whose sizes the callers have already bounded.

use crate::jwks::Curve;

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_SEQUENCE: u8 = 0x30;

/// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }, already encoded.
const RSA_ALGORITHM: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
/// AlgorithmIdentifier { id-ecPublicKey (1.2.840.10045.2.1), prime256v1 (1.2.840.10045.3.1.7) }.
const P256_ALGORITHM: [u8; 21] = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];
/// AlgorithmIdentifier { id-ecPublicKey (1.2.840.10045.2.1), secp384r1 (1.3.132.0.34) }.
const P384_ALGORITHM: [u8; 18] = [
    0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04,
    0x00, 0x22,
];

/// SubjectPublicKeyInfo of an RSA key from its modulus and exponent (big-endian, unsigned).
pub fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut numbers = integer(modulus);
    numbers.extend(integer(exponent));
    let rsa_public_key = tlv(TAG_SEQUENCE, &numbers);
    spki(&RSA_ALGORITHM, &rsa_public_key)
}

/// SubjectPublicKeyInfo of an EC key from its uncompressed SEC1 point (`04 || x || y`).
pub fn ec_spki(curve: Curve, point: &[u8]) -> Vec<u8> {
    let algorithm: &[u8] = match curve {
        Curve::P256 => &P256_ALGORITHM,
        Curve::P384 => &P384_ALGORITHM,
    };
    spki(algorithm, point)
}

/// ECDSA-Sig-Value { r INTEGER, s INTEGER } from the two big-endian halves of a JWS signature.
pub fn ecdsa_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut numbers = integer(r);
    numbers.extend(integer(s));
    tlv(TAG_SEQUENCE, &numbers)
}

fn spki(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    // A BIT STRING starts with the count of unused bits in its last byte: none here.
    let mut bits = Vec::with_capacity(key.len() + 1);
    bits.push(0);
    bits.extend_from_slice(key);
    let mut content = algorithm.to_vec();
    content.extend(tlv(TAG_BIT_STRING, &bits));
    tlv(TAG_SEQUENCE, &content)
}

/// A non-negative INTEGER: leading zero bytes dropped, one added back when the top bit is set.
fn integer(unsigned: &[u8]) -> Vec<u8> {
    let first = unsigned.iter().position(|b| *b != 0);
    let digits = first.and_then(|at| unsigned.get(at..)).unwrap_or(&[]);
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    tlv(TAG_INTEGER, &content)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// Definite-length form: short below 128, else the count of length bytes and the bytes.
fn push_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
        return;
    }
    let bytes = length.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let significant = bytes.get(first..).unwrap_or(&[]);
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_never_negative() {
        assert_eq!(integer(&[0x00, 0x00, 0x7f]), vec![0x02, 0x01, 0x7f]);
        assert_eq!(integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0x00, 0x00]), vec![0x02, 0x01, 0x00]);
        assert_eq!(integer(&[]), vec![0x02, 0x01, 0x00]);
    }

    #[test]
    fn lengths_switch_to_long_form_at_128() {
        assert_eq!(tlv(0x04, &[0; 127]).get(..2), Some(&[0x04, 0x7f][..]));
        assert_eq!(tlv(0x04, &[0; 128]).get(..3), Some(&[0x04, 0x81, 0x80][..]));
        assert_eq!(
            tlv(0x04, &[0; 300]).get(..4),
            Some(&[0x04, 0x82, 0x01, 0x2c][..])
        );
    }

    #[test]
    fn ecdsa_signature_of_small_and_high_bit_halves() {
        let der = ecdsa_signature(&[0x00, 0x01], &[0xff]);
        assert_eq!(
            der,
            vec![0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0xff]
        );
    }
}
