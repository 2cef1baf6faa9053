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
