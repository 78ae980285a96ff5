//! What of the request path a record keeps.

use crate::path::recorded;

#[test]
fn query_fragment_and_path_parameters_never_reach_the_record() {
    let table = [
        ("/accounts/a1", "/accounts/a1"),
        ("/accounts/a1?access_token=t0k3n", "/accounts/a1"),
        ("/accounts/a1#frag", "/accounts/a1"),
        ("/accounts;jsessionid=sess-s3cr3t/a1", "/accounts;/a1"),
        ("/accounts/a1;jsessionid=s3cr3t", "/accounts/a1;"),
        ("/a;x=1;y=2/b;z/c", "/a;/b;/c"),
        ("/;s3cr3t", "/;"),
        ("/accounts%3Bjsessionid=s3cr3t/a1", "/accounts;/a1"),
        ("/accounts%3bjsessionid=s3cr3t/a1", "/accounts;/a1"),
        ("/a%3b;x/b", "/a;/b"),
        ("/accounts;x=1?q=2;y", "/accounts;"),
        ("*", "*"),
        ("", ""),
    ];
    for (target, expected) in table {
        assert_eq!(recorded(target, 1024), expected, "{target}");
    }
}

#[test]
fn length_is_capped_at_a_character_boundary_after_stripping() {
    let table = [
        ("/abcdef", 4, "/abc"),
        ("/é/x", 2, "/"),
        ("/é/x", 3, "/é"),
        ("/a;s3cr3t-that-is-long/b", 4, "/a;/"),
        ("/a;s3cr3t", 2, "/a"),
    ];
    for (target, max, expected) in table {
        assert_eq!(recorded(target, max), expected, "{target} to {max}");
    }
    let long = format!("/{}", "seg/".repeat(10_000));
    assert_eq!(recorded(&long, 64).len(), 64);
}
