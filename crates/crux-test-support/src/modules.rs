//! The module graph of a crate, read from its source text, and its cycles.
//!
//! A module is a file reached from the crate's root (`src/lib.rs` or
//! `src/main.rs`) through `mod name;` declarations. Module `m` depends on
//! module `n` when its code (not its comments, strings or `#[cfg(test)]`
//! module) names a path `crate::…` or `super::…` that leads into `n`, or an
//! item the crate's root re-exports from `n` (`pub use n::Item`). An edge
//! between two modules counts between the two siblings below their lowest
//! common ancestor (`a::b` naming `c::d` is an edge from `a` to `c`); a
//! module naming its own ancestor or descendant is no edge, as a parent
//! declares its children.
//!
//! A cycle is a strongly connected set of two or more sibling modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path inside its crate, such as `["commands", "run"]`; the root is empty.
pub type ModulePath = Vec<String>;

/// One crate's modules and the edges between them.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    /// Each module's file.
    pub files: BTreeMap<ModulePath, PathBuf>,
    /// Edges between sibling modules, each with the first line that makes it
    /// (file and line number, 1-based).
    pub edges: BTreeMap<(ModulePath, ModulePath), (PathBuf, usize)>,
}

/// A set of sibling modules that import each other, with the lines that do.
#[derive(Debug)]
pub struct Cycle {
    /// The modules, in path order.
    pub modules: Vec<ModulePath>,
    /// Every edge inside the set: from, to, and where.
    pub edges: Vec<(ModulePath, ModulePath, PathBuf, usize)>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.modules.iter().map(|m| m.join("::")).collect();
        writeln!(f, "modules importing each other: {}", names.join(", "))?;
        for (from, to, file, line) in &self.edges {
            writeln!(f, "  {} -> {} at {}:{line}", from.join("::"), to.join("::"), file.display())?;
        }
        Ok(())
    }
}

/// The module graph of the crate in `crate_dir` (the folder of its `Cargo.toml`).
pub fn module_graph(crate_dir: &Path) -> std::io::Result<ModuleGraph> {
    let src = crate_dir.join("src");
    let root_file = if src.join("lib.rs").exists() { src.join("lib.rs") } else { src.join("main.rs") };
    let mut graph = ModuleGraph::default();
    let mut code = BTreeMap::new();
    let mut pending = vec![(ModulePath::new(), root_file)];
    while let Some((path, file)) = pending.pop() {
        let text = code_only(&std::fs::read_to_string(&file)?);
        let dir = if path.is_empty() || file.ends_with("mod.rs") {
            file.parent().expect("a source file has a folder").to_path_buf()
        } else {
            file.with_extension("")
        };
        for child in declared_modules(&text) {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(&child).join("mod.rs");
            let child_file = if flat.exists() { flat } else { nested };
            let mut child_path = path.clone();
            child_path.push(child);
            if child_file.exists() {
                pending.push((child_path, child_file));
            }
        }
        graph.files.insert(path.clone(), file);
        code.insert(path, text);
    }
    let reexports = root_reexports(&graph, &code[&ModulePath::new()]);
    for (module, text) in &code {
        for (segments, offset) in paths_named(module, text) {
            let Some(target) = resolve(&graph, &reexports, &segments) else { continue };
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == module.len() || common == target.len() {
                continue; // the module itself, an ancestor or a descendant
            }
            let from = module[..=common].to_vec();
            let to = target[..=common].to_vec();
            let line = text[..offset].matches('\n').count() + 1;
            graph.edges.entry((from, to)).or_insert_with(|| (graph.files[module].clone(), line));
        }
    }
    Ok(graph)
}

impl ModuleGraph {
    /// The sets of two or more modules that import each other (Tarjan's strongly connected components).
    pub fn cycles(&self) -> Vec<Cycle> {
        let nodes: Vec<&ModulePath> = self.files.keys().collect();
        let index_of: BTreeMap<&ModulePath, usize> = nodes.iter().enumerate().map(|(i, m)| (*m, i)).collect();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (from, to) in self.edges.keys() {
            if let (Some(&a), Some(&b)) = (index_of.get(from), index_of.get(to)) {
                next[a].push(b);
            }
        }
        let components = strongly_connected(&next);
        let mut cycles = Vec::new();
        for component in components.into_iter().filter(|c| c.len() > 1) {
            let members: BTreeSet<&ModulePath> = component.iter().map(|&i| nodes[i]).collect();
            let edges = self
                .edges
                .iter()
                .filter(|((from, to), _)| members.contains(from) && members.contains(to))
                .map(|((from, to), (file, line))| (from.clone(), to.clone(), file.clone(), *line))
                .collect();
            cycles.push(Cycle { modules: members.into_iter().cloned().collect(), edges });
        }
        cycles
    }
}

/// The strongly connected components of a graph given by its successor lists.
fn strongly_connected(next: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(state: &mut State<'_>, v: usize) {
        state.index[v] = Some(state.counter);
        state.low[v] = state.counter;
        state.counter += 1;
        state.stack.push(v);
        state.on_stack[v] = true;
        for &w in &state.next[v] {
            match state.index[w] {
                None => {
                    visit(state, w);
                    state.low[v] = state.low[v].min(state.low[w]);
                }
                Some(index) if state.on_stack[w] => state.low[v] = state.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(state.low[v]) == state.index[v] {
            let mut component = Vec::new();
            while let Some(w) = state.stack.pop() {
                state.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            state.components.push(component);
        }
    }
    let n = next.len();
    let mut state = State {
        next,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        counter: 0,
        components: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.components
}

/// The module a path from the crate's root leads into: the longest prefix
/// that names a module, or for an item of the root, the module it is re-exported from.
fn resolve(graph: &ModuleGraph, reexports: &BTreeMap<String, ModulePath>, segments: &[String]) -> Option<ModulePath> {
    let longest = (1..=segments.len()).rev().find(|&n| graph.files.contains_key(&segments[..n]));
    match longest {
        Some(n) => Some(segments[..n].to_vec()),
        None => segments.first().and_then(|name| reexports.get(name)).cloned(),
    }
}

/// The items the crate's root re-exports from its modules (`pub use module::Item;`), by name.
fn root_reexports(graph: &ModuleGraph, root: &str) -> BTreeMap<String, ModulePath> {
    let mut reexports = BTreeMap::new();
    let mut rest = root;
    while let Some(at) = find_word(rest, "use") {
        let after = &rest[at + 3..];
        let mut out = Vec::new();
        parse_tree(after.trim_start(), Vec::new(), &mut out);
        for segments in out {
            if let Some(n) = (1..segments.len()).rev().find(|&n| graph.files.contains_key(&segments[..n])) {
                let name = segments.last().expect("a path has a segment").clone();
                reexports.insert(name, segments[..n].to_vec());
            }
        }
        rest = after;
    }
    reexports
}

/// The modules a file declares with `mod name;` (not inline `mod name { … }`).
fn declared_modules(text: &str) -> Vec<String> {
    let mut modules = Vec::new();
    let mut rest = text;
    while let Some(at) = find_word(rest, "mod") {
        let after = rest[at + 3..].trim_start();
        let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && after[name.len()..].trim_start().starts_with(';') {
            modules.push(name.strip_prefix("r#").unwrap_or(&name).to_string());
        }
        rest = &rest[at + 3..];
    }
    modules
}

/// Every path from the crate's root that a module's code names through
/// `crate::` or `super::`, with the byte offset where it starts.
fn paths_named(module: &ModulePath, text: &str) -> Vec<(Vec<String>, usize)> {
    let mut found = Vec::new();
    for keyword in ["crate", "super"] {
        let mut start = 0;
        while let Some(at) = find_word(&text[start..], keyword) {
            let offset = start + at;
            start = offset + keyword.len();
            let mut base: Vec<String> = if keyword == "crate" { Vec::new() } else { module.clone() };
            let mut rest = &text[offset..];
            // `super::super::…`: one level up each.
            if keyword == "super" {
                if !text[..offset].trim_end().ends_with("::") {
                    while let Some(after) = rest.strip_prefix("super") {
                        let after = after.trim_start();
                        let Some(after) = after.strip_prefix("::") else { break };
                        base.pop();
                        rest = after.trim_start();
                    }
                } else {
                    continue; // counted with the `super` before it
                }
            } else {
                let Some(after) = rest["crate".len()..].trim_start().strip_prefix("::") else { continue };
                rest = after.trim_start();
            }
            if keyword == "super" && rest.starts_with("super") {
                continue;
            }
            let mut out = Vec::new();
            parse_tree(rest, base.clone(), &mut out);
            if out.is_empty() {
                out.push(base);
            }
            found.extend(out.into_iter().map(|segments| (segments, offset)));
        }
    }
    found
}

/// Parses a path or a `use` tree (`a::b`, `a::{b, c::d}`) after `prefix`, pushing each full path.
fn parse_tree<'a>(text: &'a str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> &'a str {
    let mut segments = prefix;
    let mut rest = text.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut inner = group;
            loop {
                inner = inner.trim_start();
                if let Some(after) = inner.strip_prefix('}') {
                    return after;
                }
                inner = parse_tree(inner, segments.clone(), out);
                inner = inner.trim_start();
                // Skip `as alias` and anything else up to the element's end.
                while !inner.is_empty() && !inner.starts_with(',') && !inner.starts_with('}') {
                    inner = &inner[inner.chars().next().map_or(1, char::len_utf8)..];
                }
                if let Some(after) = inner.strip_prefix(',') {
                    inner = after;
                } else if inner.is_empty() {
                    return inner;
                }
            }
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() || name == "self" || name == "*" {
            if !segments.is_empty() {
                out.push(segments);
            }
            return rest.get(name.len()..).unwrap_or("");
        }
        segments.push(name.clone());
        rest = rest[name.len()..].trim_start();
        match rest.strip_prefix("::") {
            Some(after) => rest = after.trim_start(),
            None => {
                out.push(segments);
                return rest;
            }
        }
    }
}

/// The byte offset of `word` standing as a whole word in `text`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = 0;
    while let Some(at) = text[start..].find(word) {
        let offset = start + at;
        let before = text[..offset].chars().next_back();
        let after = text[offset + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return Some(offset);
        }
        start = offset + word.len();
    }
    None
}

/// The code of a file with comments, string and character literals blanked
/// out (newlines kept, so line numbers hold) and each `#[cfg(test)]` module removed.
pub fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            i += 2 + hashes;
            out.push_str(&" ".repeat(2 + hashes));
            while i < chars.len() && !chars[i..].starts_with(&close) {
                out.push(blank(chars[i]));
                i += 1;
            }
            out.push_str(&" ".repeat(close.len()));
            i += close.len();
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            let end = if next == Some('\\') {
                chars[i + 2..].iter().position(|&q| q == '\'').map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    out.push_str(&" ".repeat(end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    remove_test_modules(&out)
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Blanks each `#[cfg(test)] mod name { … }` out of code whose literals are blanked already.
fn remove_test_modules(code: &str) -> String {
    let mut out = code.to_string();
    let mut start = 0;
    while let Some(at) = out[start..].find("#[cfg(test)]") {
        let attribute = start + at;
        let after = &out[attribute + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        let skipped = after.len() - trimmed.len();
        start = attribute + 1;
        let Some(body) = trimmed.strip_prefix("mod") else { continue };
        let Some(open) = body.find(['{', ';']) else { continue };
        if body.as_bytes()[open] == b';' {
            continue;
        }
        let open = attribute + "#[cfg(test)]".len() + skipped + 3 + open;
        let mut depth = 0usize;
        let mut end = out.len();
        for (offset, c) in out[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + offset + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        let blanked: String = out[attribute..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
        out.replace_range(attribute..end, &blanked);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(module: &[&str], text: &str) -> Vec<Vec<String>> {
        let module: ModulePath = module.iter().map(|s| s.to_string()).collect();
        paths_named(&module, &code_only(text)).into_iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn use_trees_are_read_in_full() {
        let found = paths(&["a"], "use crate::{b::{C, d::E}, f as g};\nfn x() { super::h::i(); }");
        let want: Vec<Vec<String>> = [vec!["b", "C"], vec!["b", "d", "E"], vec!["f"], vec!["h", "i"]]
            .iter()
            .map(|p| p.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(found, want);
    }

    #[test]
    fn comments_strings_and_test_modules_are_not_code() {
        let text = "// crate::a\n/// [`crate::b`]\nconst S: &str = \"crate::c\";\nconst R: &str = r#\"crate::d\"#;\nfn f<'a>(c: char) -> bool { c == '\"' }\n#[cfg(test)]\nmod tests { use crate::e; }\nuse crate::g;";
        assert_eq!(paths(&["x"], text), vec![vec!["g".to_string()]]);
    }

    #[test]
    fn super_climbs_one_level_each() {
        assert_eq!(paths(&["a", "b", "c"], "use super::super::d;"), vec![vec!["a".to_string(), "d".to_string()]]);
    }
}
