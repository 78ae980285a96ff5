use super::*;
use crate::abi::serialize_pairs;

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn pairs_round_trip_through_the_abi_encoding() {
    let pairs = [(":path", "/a"), ("x-empty", ""), ("k", "v\u{e9}")];
    let list = HeaderList::decode(serialize_pairs(&pairs));
    assert_eq!(list.pairs(), pairs);
    assert_eq!(list.to_owned_pairs(), owned(&pairs));
    assert_eq!(list.len(), 3);
    assert_eq!(list, HeaderList::decode(serialize_pairs(&pairs)));
    assert_eq!(HeaderList::from_pairs(&pairs).pairs(), pairs);
}

#[test]
fn text_that_is_not_utf8_is_repaired_in_place_of_the_header() {
    let mut bytes = serialize_pairs(&[("a", "ok"), ("b", "xx"), ("c", "end")]);
    // The value of `b` becomes 0xff 0x78: not UTF-8.
    let at = bytes.windows(3).position(|w| w == b"xx\0").unwrap();
    bytes[at] = 0xff;
    let list = HeaderList::decode(bytes);
    assert_eq!(
        list.pairs(),
        [("a", "ok"), ("b", "\u{fffd}x"), ("c", "end")],
        "only the broken value changes, and the order holds"
    );
}

#[test]
fn malformed_buffers_yield_the_headers_before_the_fault_and_never_panic() {
    let good = serialize_pairs(&[("name", "value"), ("b", "c")]);
    // Only the last value's NUL may be missing for both headers to be read.
    for cut in 0..good.len() - 1 {
        let list = HeaderList::decode(good[..cut].to_vec());
        assert!(list.len() <= 1, "cut at {cut}: {:?}", list.pairs());
    }
    let mut lying = good.clone();
    lying[0] = 0xff;
    assert!(HeaderList::decode(lying).len() <= 2);
    let mut long_name = good.clone();
    long_name[4] = 0xff;
    assert!(HeaderList::decode(long_name).is_empty());
    assert!(HeaderList::decode(vec![0xff, 0xff, 0xff, 0xff]).is_empty());
    assert!(HeaderList::decode(Vec::new()).is_empty());
}
