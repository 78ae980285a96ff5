//! A minimal HTTP/2 client (prior knowledge, cleartext) that reads whole answers: one request
//! per fresh connection on stream 1, headers sent as HPACK literals without indexing and without
//! Huffman coding (after `attack_authz.rs`), answers decoded with a full HPACK decoder (static
//! and dynamic tables, Huffman strings) so that every response header and trailer can be read.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const GOAWAY: u8 = 7;
const CONTINUATION: u8 = 9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;
const ACK: u8 = 0x1;

/// Everything that came back on stream 1.
#[derive(Debug, Default)]
pub struct Answer {
    /// Each header block in order: the response headers, then the trailers if any.
    pub blocks: Vec<Vec<(String, String)>>,
    pub body: Vec<u8>,
    /// The stream ended with END_STREAM (not a reset, GOAWAY or timeout).
    pub ended: bool,
}

impl Answer {
    /// The value of `name` in the response headers (the first block).
    pub fn header(&self, name: &str) -> Option<&str> {
        let block = self.blocks.first()?;
        block
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut out = vec![length[1], length[2], length[3], kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn encode_integer(value: usize, prefix_bits: u32, first: u8, out: &mut Vec<u8>) {
    let max = (1usize << prefix_bits) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
}

fn header_block(headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        out.push(0x00);
        encode_integer(name.len(), 7, 0, &mut out);
        out.extend_from_slice(name.as_bytes());
        encode_integer(value.len(), 7, 0, &mut out);
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// Sends `headers`, then `body` in one DATA frame that ends the stream, and reads the answer.
pub fn send(port: u16, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut out = PREFACE.to_vec();
    out.extend(frame(SETTINGS, 0, 0, &[]));
    out.extend(frame(HEADERS, END_HEADERS, 1, &header_block(headers)));
    out.extend(frame(DATA, END_STREAM, 1, body));
    stream.write_all(&out).unwrap();
    read_answer(&mut stream)
}

/// The payload of a HEADERS frame without its padding and priority fields.
fn header_fragment(flags: u8, payload: &[u8]) -> &[u8] {
    let mut fragment = payload;
    let mut padding = 0;
    if flags & PADDED != 0 {
        padding = usize::from(fragment[0]);
        fragment = &fragment[1..];
    }
    if flags & PRIORITY != 0 {
        fragment = &fragment[5..];
    }
    &fragment[..fragment.len() - padding]
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut answer = Answer::default();
    let mut decoder = Decoder::default();
    let mut pending: Vec<u8> = Vec::new();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 65536];
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(_) => {}
        }
        while buffer.len() >= 9 {
            let length =
                usize::from(buffer[0]) << 16 | usize::from(buffer[1]) << 8 | usize::from(buffer[2]);
            if buffer.len() < 9 + length {
                break;
            }
            let (kind, flags) = (buffer[3], buffer[4]);
            let id = u32::from_be_bytes([buffer[5], buffer[6], buffer[7], buffer[8]]) & 0x7fff_ffff;
            let payload: Vec<u8> = buffer[9..9 + length].to_vec();
            buffer.drain(..9 + length);
            if kind == SETTINGS && flags & ACK == 0 {
                stream.write_all(&frame(SETTINGS, ACK, 0, &[])).unwrap();
            }
            if kind == GOAWAY || (id == 1 && kind == RST_STREAM) {
                return answer;
            }
            if id != 1 {
                continue;
            }
            match kind {
                HEADERS => pending.extend_from_slice(header_fragment(flags, &payload)),
                CONTINUATION => pending.extend_from_slice(&payload),
                DATA => answer.body.extend_from_slice(&payload),
                _ => {}
            }
            if (kind == HEADERS || kind == CONTINUATION) && flags & END_HEADERS != 0 {
                answer.blocks.push(decoder.decode(&pending));
                pending.clear();
            }
            if (kind == HEADERS || kind == DATA) && flags & END_STREAM != 0 {
                answer.ended = true;
                return answer;
            }
        }
    }
    answer
}

/// RFC 7541 appendix A.
const STATIC_TABLE: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// The bit length of each symbol's code (0..=255 and EOS) in RFC 7541 appendix B; the codes
/// are canonical, so the lengths alone determine them.
const HUFFMAN_LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
    28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5,
    5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6,
    6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22,
    23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22,
    21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20,
    22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19,
    21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22,
    22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

/// (bit length, code) → symbol, built once per decoder.
fn huffman_codes() -> HashMap<(u8, u32), u16> {
    let mut symbols: Vec<u16> = (0..257).collect();
    symbols.sort_by_key(|s| (HUFFMAN_LENGTHS[usize::from(*s)], *s));
    let mut codes = HashMap::new();
    let (mut code, mut length) = (0u32, HUFFMAN_LENGTHS[usize::from(symbols[0])]);
    for (n, symbol) in symbols.iter().enumerate() {
        let next = HUFFMAN_LENGTHS[usize::from(*symbol)];
        if n > 0 {
            code = (code + 1) << (next - length);
            length = next;
        }
        codes.insert((length, code), *symbol);
    }
    codes
}

/// An HPACK decoder for one connection's answers.
#[derive(Default)]
struct Decoder {
    dynamic: Vec<(String, String)>,
    codes: HashMap<(u8, u32), u16>,
}

impl Decoder {
    fn decode(&mut self, block: &[u8]) -> Vec<(String, String)> {
        if self.codes.is_empty() {
            self.codes = huffman_codes();
        }
        let mut headers = Vec::new();
        let mut at = 0;
        while at < block.len() {
            let first = block[at];
            if first & 0x80 != 0 {
                let index = integer(block, &mut at, 7);
                headers.push(self.entry(index));
            } else if first & 0xe0 == 0x20 {
                integer(block, &mut at, 5); // table size update; entries are never evicted here
            } else {
                let indexing = first & 0xc0 == 0x40;
                let index = integer(block, &mut at, if indexing { 6 } else { 4 });
                let name = match index {
                    0 => self.string(block, &mut at),
                    _ => self.entry(index).0,
                };
                let value = self.string(block, &mut at);
                if indexing {
                    self.dynamic.insert(0, (name.clone(), value.clone()));
                }
                headers.push((name, value));
            }
        }
        headers
    }

    fn entry(&self, index: usize) -> (String, String) {
        match index {
            1..=61 => {
                let (name, value) = STATIC_TABLE[index - 1];
                (name.to_string(), value.to_string())
            }
            _ => self.dynamic[index - 62].clone(),
        }
    }

    fn string(&self, block: &[u8], at: &mut usize) -> String {
        let huffman = block[*at] & 0x80 != 0;
        let length = integer(block, at, 7);
        let raw = &block[*at..*at + length];
        *at += length;
        let bytes = match huffman {
            true => self.huffman(raw),
            false => raw.to_vec(),
        };
        String::from_utf8(bytes).unwrap()
    }

    fn huffman(&self, raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut code, mut length) = (0u32, 0u8);
        for bit in raw
            .iter()
            .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
        {
            code = code << 1 | u32::from(bit);
            length += 1;
            if let Some(symbol) = self.codes.get(&(length, code)) {
                out.push(u8::try_from(*symbol).unwrap());
                (code, length) = (0, 0);
            }
        }
        assert!(
            length < 8 && code.count_ones() == u32::from(length),
            "bad Huffman padding"
        );
        out
    }
}

/// An HPACK integer whose prefix is the low `prefix_bits` of `block[*at]`.
fn integer(block: &[u8], at: &mut usize, prefix_bits: u32) -> usize {
    let max = (1usize << prefix_bits) - 1;
    let mut value = usize::from(block[*at]) & max;
    *at += 1;
    if value < max {
        return value;
    }
    let mut shift = 0;
    loop {
        let byte = block[*at];
        *at += 1;
        value += usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return value;
        }
    }
}

#[test]
fn decodes_the_rfc_7541_examples() {
    // C.4.1: a request with Huffman-coded literals, the last one indexed.
    let block = [
        0x82, 0x86, 0x84, 0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90,
        0xf4, 0xff,
    ];
    let mut decoder = Decoder::default();
    let headers = decoder.decode(&block);
    let text: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        text,
        [
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com")
        ]
    );
    // C.4.2: the next request refers to that entry (index 62) and adds another.
    let next = [
        0x82, 0x86, 0x84, 0xbe, 0x58, 0x86, 0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf,
    ];
    let headers = decoder.decode(&next);
    assert_eq!(headers[3].1, "www.example.com");
    assert_eq!(
        headers[4],
        ("cache-control".to_string(), "no-cache".to_string())
    );
}
