//! Arbitrary text as a profile of a fixed model: validation never panics,
//! and a profile that validates runs.
#![no_main]

use crux_lang::Sources;
use crux_store::{ModelSource, validate};
use libfuzzer_sys::fuzz_target;

const MODEL: &str = "[model]\nid = \"fuzz\"\n\n[axis]\nname = \"c\"\nfrom = 23.0\nto = 29.0\nstep = 1.0\n\n\
[params]\nthreshold = { value = \"normal(27, 0.9)\", crux = \"capability\" }\nsevere = { value = \"1 to 100\", crux = \"harm\" }\n\
hard = \"bernoulli(0.5)\"\nvalue = \"if hard then 5 to 50 else 1 to 5\"\n\n\
[derived]\nuplift = \"logistic((c - threshold) / 0.5)\"\n\n\
[mechanisms.research]\nside = \"benefit\"\neffect = \"value\"\n\n[mechanisms.misuse]\nside = \"risk\"\neffect = \"severe * uplift\"\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let model = ModelSource { name: "fuzz.toml".to_string(), text: MODEL.to_string() };
    let _ = validate(&mut Sources::new(), &model, "profile.toml", text);
});
