//! Blocked addresses in every notation, public ones only in dotted decimal, and names for
//! local use.

use super::tests::{anywhere, check_table};
use super::UrlError::*;

#[test]
fn blocked_ipv4_addresses_are_refused_in_every_notation() {
    let blocked = |range| Err(BlockedAddress(range));
    check_table(
        &anywhere(),
        &[
            ("https://127.0.0.1/", blocked("loopback")),
            ("https://2130706433/", blocked("loopback")),
            ("https://0177.0.0.1/", blocked("loopback")),
            ("https://0x7f.1/", blocked("loopback")),
            ("https://0X7F000001/", blocked("loopback")),
            ("https://127.1/", blocked("loopback")),
            ("https://127.0.1/", blocked("loopback")),
            ("https://0x7f.0.0.01/", blocked("loopback")),
            ("https://127.0.0.1./", blocked("loopback")),
            ("https://127.0.0.1:8443/", blocked("loopback")),
            ("https://0/", blocked("this-network")),
            ("https://0.0.0.0/", blocked("this-network")),
            ("https://10.1.2.3/", blocked("private")),
            ("https://012.1.2.3/", blocked("private")),
            ("https://172.16.0.1/", blocked("private")),
            ("https://172.31.255.255/", blocked("private")),
            ("https://192.168.1.1/", blocked("private")),
            ("https://3232235777/", blocked("private")),
            ("https://169.254.169.254/", blocked("cloud metadata")),
            ("https://0xa9fea9fe/", blocked("cloud metadata")),
            ("https://169.254.43518/", blocked("cloud metadata")),
            ("https://100.100.100.200/", blocked("cloud metadata")),
            ("https://169.254.1.1/", blocked("link-local")),
            ("https://100.64.0.1/", blocked("shared (CGNAT)")),
            ("https://255.255.255.255/", blocked("broadcast")),
            ("https://224.0.0.1/", blocked("multicast")),
            ("https://240.0.0.1/", blocked("reserved")),
            ("https://198.18.0.1/", blocked("benchmarking")),
            ("https://192.0.2.1/", blocked("documentation")),
        ],
    );
}

#[test]
fn public_ipv4_addresses_pass_only_in_dotted_decimal() {
    check_table(
        &anywhere(),
        &[
            ("https://8.8.8.8/", Ok(())),
            ("https://172.32.0.1/", Ok(())),
            ("https://100.128.0.1/", Ok(())),
            ("https://134744072/", Err(IpNotation)),
            ("https://010.8.8.8/", Err(IpNotation)),
            ("https://0x8.8.8.8/", Err(IpNotation)),
            ("https://8.8.8.8./", Err(IpNotation)),
            ("https://8.8.2056/", Err(IpNotation)),
            ("https://256.1.1.1/", Err(MalformedIp)),
            ("https://1.2.3.4.5/", Err(MalformedIp)),
            ("https://4294967296/", Err(MalformedIp)),
            ("https://09.1.1.1/", Err(MalformedIp)),
            ("https://1..1/", Err(MalformedIp)),
            ("https://a.1/", Err(MalformedIp)),
            ("https://+8.8.8.8/", Err(MalformedIp)),
            ("https://99999999999999999999999/", Err(MalformedIp)),
        ],
    );
}

#[test]
fn blocked_ipv6_addresses_are_refused_in_every_notation() {
    let blocked = |range| Err(BlockedAddress(range));
    check_table(
        &anywhere(),
        &[
            ("https://[::1]/", blocked("loopback")),
            ("https://[0:0:0:0:0:0:0:1]:443/", blocked("loopback")),
            ("https://[::]/", blocked("unspecified")),
            ("https://[::ffff:127.0.0.1]/", blocked("loopback")),
            ("https://[::FFFF:7f00:1]/", blocked("loopback")),
            ("https://[::127.0.0.1]/", blocked("loopback")),
            ("https://[::ffff:0:7f00:1]/", blocked("loopback")),
            ("https://[64:ff9b::7f00:1]/", blocked("loopback")),
            (
                "https://[::ffff:169.254.169.254]/",
                blocked("cloud metadata"),
            ),
            ("https://[::ffff:8.8.8.8]/", blocked("IPv4-mapped")),
            ("https://[64:ff9b::808:808]/", blocked("NAT64")),
            ("https://[fe80::1]/", blocked("link-local")),
            ("https://[FE80::1]/", blocked("link-local")),
            ("https://[fc00::1]/", blocked("unique-local")),
            ("https://[fd00:ec2::254]/", blocked("cloud metadata")),
            ("https://[ff02::1]/", blocked("multicast")),
            ("https://[2002:7f00:1::]/", blocked("6to4")),
            ("https://[2001::1]/", blocked("Teredo")),
            ("https://[2001:db8::1]/", blocked("documentation")),
            ("https://[100::1]/", blocked("reserved")),
            ("https://[fe80::1%25eth0]/", Err(EncodedHost)),
            ("https://[fe80::1%eth0]/", Err(EncodedHost)),
            ("https://[v1.fe80]/", Err(MalformedIp)),
            ("https://[::1/", Err(MalformedIp)),
            ("https://[[::1]]/", Err(MalformedPort)),
            ("https://[::1]x/", Err(MalformedPort)),
            ("https://::1/", Err(EmptyHost)),
            ("https://[2606:4700::1111]/", Ok(())),
        ],
    );
}

#[test]
fn names_for_local_use_are_refused_even_by_a_wildcard() {
    check_table(
        &anywhere(),
        &[
            ("https://localhost/", Err(ReservedName)),
            ("https://LOCALHOST:443/", Err(ReservedName)),
            ("https://api.localhost/", Err(ReservedName)),
            ("https://intranet/", Err(ReservedName)),
            ("https://example.com/", Ok(())),
        ],
    );
}
