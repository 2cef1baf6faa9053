//! No crate of the workspace has modules that import each other: every
//! crate's modules form one-way layers (see ARCHITECTURE.md).

use crux_test_support::modules::module_graph;
use crux_test_support::workspace_root;

#[test]
fn no_crate_has_a_module_cycle() {
    let crates = workspace_root().join("crates");
    let mut found = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).expect("crates/ is readable") {
        let dir = entry.expect("a directory entry").path();
        if !dir.join("Cargo.toml").exists() {
            continue;
        }
        let graph = module_graph(&dir).expect("the crate's sources are readable");
        checked += 1;
        for cycle in graph.cycles() {
            found.push(format!("{}: {cycle}", dir.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(checked >= 10, "only {checked} crates found under {}", crates.display());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_cycle_is_found() {
    let dir = std::env::temp_dir().join(format!("crux-module-cycle-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "mod a;\nmod b;\nmod c;\n").unwrap();
    std::fs::write(dir.join("src/a.rs"), "use crate::b::X;\n").unwrap();
    std::fs::write(dir.join("src/b.rs"), "pub struct X;\nfn f() { super::a::g(); }\n").unwrap();
    std::fs::write(dir.join("src/c.rs"), "use crate::a;\n").unwrap();
    let cycles = module_graph(&dir).unwrap().cycles();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    let names: Vec<String> = cycles[0].modules.iter().map(|m| m.join("::")).collect();
    assert_eq!(names, ["a", "b"]);
}
