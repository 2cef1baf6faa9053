//! Arbitrary text as an expression: parsing never panics, and whatever
//! parses prints to text that parses back to the same tree.
#![no_main]

use crux_lang::FileId;
use crux_lang::parser::parse_expr;
use crux_lang::print::print_expr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = parse_expr(text, FileId(0), 0) else { return };
    let printed = print_expr(&expr);
    let reparsed = parse_expr(&printed, FileId(0), 0).unwrap_or_else(|error| panic!("{printed:?} does not parse: {error}"));
    assert!(reparsed.same_as(&expr), "{text:?} printed as {printed:?} parses differently");
});
