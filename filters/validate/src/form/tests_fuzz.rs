//! Fuzz-style robustness of the request readers: thousands of mutated multipart bodies, form
//! bodies, query strings and YAML texts must be read or refused, never panic.

use super::tests::settings_for_fuzz;
use crate::params::text::{self, Allow, Decoding};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PIECES: &[&[u8]] = &[
    b"--XyZ",
    b"--XyZ--",
    b"\r\n",
    b"\n",
    b"\r",
    b"Content-Disposition: form-data; name=\"file\"",
    b"Content-Disposition: form-data; name=\"meta\"; filename=\"a\"",
    b"Content-Type: application/json",
    b"Content-Type: text/plain; charset=\"",
    b"{\"title\":",
    b"%",
    b"%25",
    b"%C0%AE",
    b"&",
    b"=",
    b"[",
    b"]",
    b"\xff",
    b"\x00",
    b"name",
    b",",
    b"  ",
];

/// Mutates `seed` by splicing in random pieces and dropping random bytes.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.below(6) {
        let at = rng.below(out.len() + 1);
        match rng.below(3) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())];
                out.splice(at..at, piece.iter().copied());
            }
            1 if at < out.len() => {
                out.remove(at);
            }
            _ => out.truncate(at),
        }
    }
    out
}

#[test]
fn readers_never_panic_on_mutated_input() {
    let (settings, upload, profile) = settings_for_fuzz();
    let seed_multipart = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"title\":\"t\"}\r\n--XyZ--\r\n";
    let seed_form = b"name=ann&age=3&tags=a&colors=r,b&filter[a]=1&x=%41";
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..3000 {
        let body = mutate(&mut rng, seed_multipart);
        let _ = crate::content::judge(&settings, &upload, &body);
        let body = mutate(&mut rng, seed_form);
        let _ = crate::content::judge(&settings, &profile, &body);
        let raw = String::from_utf8_lossy(&body).into_owned();
        let _ = text::read(&raw, Decoding::Form, Allow::default());
        let yaml = mutate(&mut rng, b"a: &x [1, {b: *x}]\nc: !!str 2\nd: |\n  e\n");
        let _ = crate::document::load(
            serde_json::Value::String(String::from_utf8_lossy(&yaml).into_owned()),
            Default::default(),
        );
    }
}
