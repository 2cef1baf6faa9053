//! Writing a page's draft as a model file (TOML), in the order a reader
//! expects: the model, the page's extra frontmatter, the mechanisms, then the
//! page's parts and its sections.

use crate::import::{Draft, Item, ShowDraft};
use crate::markdown::Lead;
use std::fmt::Write;
use toml_writer::{ToTomlKey, ToTomlValue, TomlKeyBuilder, TomlStringBuilder};

fn string(value: &str) -> String {
    TomlStringBuilder::new(value).as_default().to_toml_value()
}

fn key(name: &str) -> String {
    TomlKeyBuilder::new(name).as_default().to_toml_key()
}

fn array(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|value| string(value)).collect();
    format!("[{}]", items.join(", "))
}

/// A crux note as an inline table `{ label = "...", text = "..." }`.
fn note(lead: &Lead) -> String {
    format!("{{ label = {}, text = {} }}", string(&lead.label), string(&lead.text))
}

/// The model file of a draft. `source` names the page in the header comment.
pub fn model_file(draft: &Draft, source: &str) -> String {
    let mut out = String::new();
    let source = source.replace('\n', " ");
    let _ = writeln!(out, "# Imported from {source} by `crux import`.");
    out.push_str(
        "# Mechanisms marked `placeholder = true` have an effect of 0 until they are\n\
         # quantified, and each crux is a group with no params yet: `crux check`\n\
         # lists what is left to quantify. The [[sections]] keep the page's order;\n\
         # a section's `body` is Markdown kept as written.\n\n",
    );
    out.push_str("[model]\n");
    let _ = writeln!(out, "id = {}", string(&draft.id));
    let _ = writeln!(out, "title = {}", string(&draft.title));
    if let Some(description) = &draft.description {
        let _ = writeln!(out, "description = {}", string(description));
    }
    if let Some(frontmatter) = &draft.frontmatter {
        let _ = writeln!(out, "\n[page]\nfrontmatter = {}", string(frontmatter));
    }
    for mechanism in &draft.mechanisms {
        let _ = writeln!(out, "\n[mechanisms.{}]", key(&mechanism.id));
        let _ = writeln!(out, "side = {}", string(mechanism.side.as_str()));
        let _ = writeln!(out, "name = {}", string(&mechanism.name));
        let _ = writeln!(out, "mechanism = {}", string(&mechanism.mechanism));
        out.push_str("effect = \"0\"\nplaceholder = true\n");
    }
    if let Some(Lead { label, text }) = &draft.question {
        let _ = writeln!(out, "\n[question]\nlabel = {}\ntext = {}", string(label), string(text));
    }
    for [dimension, assessment, notes] in &draft.evaluation {
        let _ = writeln!(
            out,
            "\n[[evaluation]]\ndimension = {}\nassessment = {}\nnotes = {}",
            string(dimension),
            string(assessment),
            string(notes)
        );
    }
    for crux in &draft.cruxes {
        let _ = writeln!(out, "\n[cruxes.{}]", key(&crux.id));
        if let Some(number) = crux.number {
            let _ = writeln!(out, "number = {number}");
        }
        let _ = writeln!(out, "title = {}", string(&crux.title));
        if !crux.sides.is_empty() {
            let _ = writeln!(out, "sides = {}", array(&crux.sides));
            out.push_str("rows = [\n");
            for row in &crux.rows {
                let _ = writeln!(out, "    {},", array(row));
            }
            out.push_str("]\n");
        }
        if !crux.notes.is_empty() {
            out.push_str("notes = [\n");
            for lead in &crux.notes {
                let _ = writeln!(out, "    {},", note(lead));
            }
            out.push_str("]\n");
        }
    }
    for Item { label, text } in &draft.policies {
        out.push_str("\n[[policies]]\n");
        if let Some(label) = label {
            let _ = writeln!(out, "label = {}", string(label));
        }
        let _ = writeln!(out, "text = {}", string(text));
    }
    for section in &draft.sections {
        out.push_str("\n[[sections]]\n");
        if let Some(heading) = &section.heading {
            let _ = writeln!(out, "heading = {}", string(heading));
        }
        if section.level != 2 {
            let _ = writeln!(out, "level = {}", section.level);
        }
        if let Some(body) = &section.body {
            let _ = writeln!(out, "body = {}", string(body));
        }
        match &section.show {
            None => {}
            Some(ShowDraft::Question) => out.push_str("show = \"question\"\n"),
            Some(ShowDraft::Evaluation { columns }) => {
                let _ = writeln!(out, "show = \"evaluation\"\ncolumns = {}", array(columns));
            }
            Some(ShowDraft::Mechanisms { side, columns, ids }) => {
                let show = if *side == crux_lang::model::Side::Benefit { "benefits" } else { "risks" };
                let _ = writeln!(out, "show = \"{show}\"\ncolumns = {}\nmechanisms = {}", array(columns), array(ids));
            }
            Some(ShowDraft::Crux(index)) => {
                let _ = writeln!(out, "show = \"crux\"\ncrux = {}", string(&draft.cruxes[*index].id));
            }
            Some(ShowDraft::Policies) => out.push_str("show = \"policies\"\n"),
        }
    }
    out
}
