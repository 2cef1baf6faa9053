//! The preset profiles of the built-in model: three coherent positions from
//! the public debate, shipped in `profiles/` and embedded in the binary.

/// (name to call it by, file text) of each preset.
pub const PRESETS: &[(&str, &str)] = &[
    ("open-release-advocate", include_str!("../../../profiles/open-release-advocate.toml")),
    ("conditional-on-capability", include_str!("../../../profiles/conditional-on-capability.toml")),
    ("security-first", include_str!("../../../profiles/security-first.toml")),
];

/// The text of the preset called `name`, if there is one.
pub fn preset(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(preset, _)| *preset == name).map(|(_, text)| *text)
}

/// The presets written for `model` (their `model` key is its id), each as a
/// worldview of it for the report's side-by-side ([`crux_report::results::Worldview`]).
/// `build(name)` makes the model with preset `name` applied (and whatever
/// the caller applies after it, such as `--set` overrides); a preset it
/// cannot build is left out.
pub fn preset_worldviews(
    model: &crux_lang::hir::Model,
    mut build: impl FnMut(&str) -> Option<crux_lang::hir::Model>,
) -> Vec<crux_report::results::Worldview> {
    PRESETS
        .iter()
        .filter_map(|(name, text)| {
            let mut sources = crux_lang::Sources::new();
            let file = sources.add(*name, *text);
            let profile = crux_lang::profile::parse_profile(&mut sources, file).ok()?;
            let written_for = profile.model.as_ref().map(|id| id.get_ref().as_str());
            if written_for != Some(model.file.header.id.as_str()) {
                return None;
            }
            Some(crux_report::results::Worldview { name: profile.name, model: build(name)? })
        })
        .collect()
}
