//! Arbitrary bytes as a knowledge-base page: importing never panics or hangs;
//! a page that imports gives a model file that loads (placeholders and all)
//! and renders back as a page.
#![no_main]

use crux_lang::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    let Ok(imported) = crux_page::import(&mut sources, "fuzz.md", data) else { return };
    let file = sources.add("fuzz.toml", imported.model.as_str());
    let model = match crux_lang::load(&mut sources, file) {
        Ok(model) => model,
        Err(diagnostics) => panic!("an imported page gave a model that does not load: {diagnostics:?}\n{}", imported.model),
    };
    let _ = crux_page::render::render(&model.file);
});
