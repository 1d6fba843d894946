//! Compile-time checks of `#[derive(LockerConfig)]`: one case per mistake, with its message.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
