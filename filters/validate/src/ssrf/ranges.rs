//! Address ranges an outbound URL must never point at, with the name a refusal gives them.
//!
//! IPv4: every special-purpose block of RFC 6890 and its successors. IPv6: everything outside
//! global unicast (2000::/3), the special blocks inside it, and every form that embeds an IPv4
//! address (mapped, compatible, translated, NAT64, 6to4, Teredo), since clients and kernels
//! may connect to the embedded address.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Cloud instance-metadata endpoints (AWS, GCP, Azure, Alibaba, ECS tasks), named apart.
const METADATA_V4: [Ipv4Addr; 3] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(100, 100, 100, 200),
];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)];

const V4: [(u32, u32, &str); 16] = [
    (0x0000_0000, 8, "this-network"),
    (0x0a00_0000, 8, "private"),
    (0x6440_0000, 10, "shared (CGNAT)"),
    (0x7f00_0000, 8, "loopback"),
    (0xa9fe_0000, 16, "link-local"),
    (0xac10_0000, 12, "private"),
    (0xc000_0000, 24, "IETF protocol"),
    (0xc000_0200, 24, "documentation"),
    (0xc058_6300, 24, "6to4 relay"),
    (0xc0a8_0000, 16, "private"),
    (0xc612_0000, 15, "benchmarking"),
    (0xc633_6400, 24, "documentation"),
    (0xcb00_7100, 24, "documentation"),
    (0xe000_0000, 4, "multicast"),
    (0xffff_ffff, 32, "broadcast"),
    (0xf000_0000, 4, "reserved"),
];

/// Prefixes whose low 32 bits are an IPv4 address.
const V6_EMBEDDING: [(u128, u32, &str); 5] = [
    (0xffff_0000_0000, 96, "IPv4-mapped"),
    (0, 96, "IPv4-compatible"),
    (0xffff_0000_0000_0000, 96, "IPv4-translated"),
    (0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96, "NAT64"),
    (0x0064_ff9b_0001_0000_0000_0000_0000_0000, 48, "NAT64"),
];

const V6: [(u128, u32, &str); 9] = [
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 32, "Teredo"),
    (
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        "documentation",
    ),
    (
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        23,
        "IETF protocol",
    ),
    (0x2002_0000_0000_0000_0000_0000_0000_0000, 16, "6to4"),
    (
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        "documentation",
    ),
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7, "unique-local"),
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10, "link-local"),
    (0xfec0_0000_0000_0000_0000_0000_0000_0000, 10, "site-local"),
    (0xff00_0000_0000_0000_0000_0000_0000_0000, 8, "multicast"),
];
const GLOBAL_UNICAST: (u128, u32) = (0x2000_0000_0000_0000_0000_0000_0000_0000, 3);

/// The blocked range holding `address`, if any.
pub fn v4_block(address: Ipv4Addr) -> Option<&'static str> {
    if METADATA_V4.contains(&address) {
        return Some("cloud metadata");
    }
    let bits = u32::from(address);
    V4.iter()
        .find(|(network, length, _)| in_v4(bits, *network, *length))
        .map(|(_, _, name)| *name)
}

/// The blocked range holding `address`, if any; for the IPv4-embedding forms, the embedded
/// address's range when it has one.
pub fn v6_block(address: Ipv6Addr) -> Option<&'static str> {
    if address == Ipv6Addr::UNSPECIFIED {
        return Some("unspecified");
    }
    if address == Ipv6Addr::LOCALHOST {
        return Some("loopback");
    }
    if METADATA_V6.contains(&address) {
        return Some("cloud metadata");
    }
    let bits = u128::from(address);
    let embedding = V6_EMBEDDING
        .iter()
        .find(|(network, length, _)| in_v6(bits, *network, *length));
    if let Some((_, _, name)) = embedding {
        let embedded = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
        return Some(v4_block(embedded).unwrap_or(name));
    }
    if let Some((_, _, name)) = V6.iter().find(|(n, l, _)| in_v6(bits, *n, *l)) {
        return Some(name);
    }
    let (network, length) = GLOBAL_UNICAST;
    (!in_v6(bits, network, length)).then_some("reserved")
}

fn in_v4(bits: u32, network: u32, length: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - length).unwrap_or(0);
    bits & mask == network
}

fn in_v6(bits: u128, network: u128, length: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - length).unwrap_or(0);
    bits & mask == network
}
