use super::*;

/// A valid module with one function `() -> i32` exported under each of `names`.
fn module(names: &[&str]) -> Vec<u8> {
    let mut exports = Vec::new();
    write_leb(&mut exports, names.len());
    for name in names {
        write_leb(&mut exports, name.len());
        exports.extend_from_slice(name.as_bytes());
        exports.extend_from_slice(&[0x00, 0x00]);
    }
    let mut bytes = HEADER.to_vec();
    bytes.extend_from_slice(&[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f]);
    bytes.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]);
    bytes.push(EXPORT_SECTION);
    write_leb(&mut bytes, exports.len());
    bytes.extend_from_slice(&exports);
    bytes.extend_from_slice(&[0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b]);
    bytes
}

#[test]
fn removes_the_chosen_exports_and_keeps_the_rest_in_order() {
    let original = module(&["proxy_on_log", "memory_like", "proxy_on_done", "keep_me"]);
    let (trimmed, removed) =
        without_exports(&original, |name| name.starts_with("proxy_on_")).unwrap();
    assert_eq!(trimmed, module(&["memory_like", "keep_me"]));
    assert_eq!(removed, ["proxy_on_log", "proxy_on_done"]);
}

#[test]
fn trimming_twice_changes_nothing_more() {
    let original = module(&["proxy_on_log", "keep_me"]);
    let remove = |name: &str| name == "proxy_on_log";
    let (once, _) = without_exports(&original, remove).unwrap();
    let (twice, removed) = without_exports(&once, remove).unwrap();
    assert_eq!(once, twice);
    assert!(removed.is_empty());
}

#[test]
fn sizes_and_counts_past_one_leb128_byte_are_rewritten() {
    // 200 exports: the count and the section size both need two or more LEB128 bytes.
    let names: Vec<String> = (0..200).map(|n| format!("export_number_{n}")).collect();
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let (same, _) = without_exports(&module(&all), |_| false).unwrap();
    assert_eq!(same, module(&all));
    let odd = |name: &str| name.ends_with(['1', '3', '5', '7', '9']);
    let (trimmed, removed) = without_exports(&module(&all), odd).unwrap();
    let kept: Vec<&str> = all.iter().copied().filter(|name| !odd(name)).collect();
    assert_eq!(trimmed, module(&kept));
    assert_eq!(removed.len(), 100);
}

#[test]
fn refuses_what_is_not_a_whole_module() {
    assert_eq!(
        without_exports(b"\x7fELF....", |_| true),
        Err(ModuleError::NotWasm)
    );
    let original = module(&["proxy_on_log"]);
    // Where a section ends, what comes before is a whole module of fewer sections.
    let export_end = original.len() - 8;
    let section_ends = [8, 15, 19, export_end];
    for cut in HEADER.len() + 1..original.len() {
        let outcome = without_exports(&original[..cut], |_| true);
        match section_ends.contains(&cut) {
            true => assert!(outcome.is_ok(), "cut at {cut}"),
            false => assert_eq!(outcome, Err(ModuleError::Truncated), "cut at {cut}"),
        }
    }
}
