//! The typed report document: its sections by kind (each crux findable by
//! its id), and the Markdown, terminal and HTML writers saying the same sentences.

mod common;

use crux_lang::Sources;
use crux_lang::model::Side;
use crux_report::build::document;
use crux_report::document::{Block, Document, SectionKind};
use crux_report::{html, markdown, text};

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown without its marks: strong, code and emphasis marks dropped,
/// links `[text](url)` as their text.
fn unmark(markdown: &str) -> String {
    let mut out = String::new();
    let mut rest = markdown;
    while let Some(middle) = rest.find("](") {
        let (Some(start), Some(end)) = (rest[..middle].rfind('['), rest[middle..].find(')').map(|at| middle + at))
        else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&rest[start + 1..middle]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.replace("**", "").replace('`', "").replace(" _", " ").replace("_.", ".").replace("_ ", " ")
}

/// HTML as text: tags dropped, the entities maud writes read back.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Every paragraph, note and list item of the document, as plain text.
fn sentences(document: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for section in &document.sections {
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) | Block::Note(text) | Block::Caption(text) => out.push(text.to_plain()),
                Block::List(items) => {
                    for item in items {
                        out.push(item.text.to_plain());
                        out.extend(item.children.iter().map(|child| child.text.to_plain()));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn the_builtin_report_has_a_section_of_each_kind_in_the_page_order() {
    let model = common::builtin(&[]);
    let results = common::results(&model, 2000);
    let document = document(&model, &results);
    let kinds: Vec<&SectionKind> = document.sections.iter().map(|section| &section.kind).collect();
    let crux = |id: &str| SectionKind::Crux(id.to_string());
    assert_eq!(
        kinds,
        [
            &SectionKind::About,
            &SectionKind::Question,
            &SectionKind::Evaluation,
            &SectionKind::Text,
            &SectionKind::Arguments(Side::Benefit),
            &SectionKind::Arguments(Side::Risk),
            &crux("net_effect"),
            &crux("threshold"),
            &crux("compute"),
            &SectionKind::Policies,
            &SectionKind::Robustness,
            &SectionKind::Details,
            &crux("alignment"),
            &crux("evidence"),
            &SectionKind::NetByAxis,
            &SectionKind::References,
        ]
    );
    for crux in &model.file.outline.cruxes {
        assert!(document.crux_section(&crux.id.name).is_some(), "the section of crux {}", crux.id.name);
    }
    // The Markdown, the terminal text and the HTML say every sentence of the document.
    let markdown = squeeze(&unmark(&markdown::write(&document)));
    let text = squeeze(&text::write(&document));
    let page = html::write(&document, &|_| None).into_string();
    let html = squeeze(&html_text(&page));
    for sentence in sentences(&document) {
        let sentence = squeeze(&sentence);
        assert!(text.contains(&sentence), "the text says {sentence}");
        assert!(markdown.contains(&sentence), "the Markdown says {sentence}");
        assert!(html.contains(&sentence), "the HTML says {sentence}");
    }
    // The HTML has a section of each kind, in order, each crux's by its id.
    let mut from = 0;
    for (section, id) in document.sections.iter().zip(html::section_ids(&document)) {
        let tag = format!("<section class=\"report\" id=\"{id}\" data-kind=\"{}\"", html::kind_name(&section.kind));
        let at = page[from..].find(&tag).unwrap_or_else(|| panic!("{tag} in order"));
        from += at + tag.len();
    }
    assert!(page.contains("id=\"report-crux-threshold\" data-kind=\"crux\" data-crux=\"threshold\""));
    assert!(page.contains("<a href=\"https://arxiv.org/abs/2310.20624\">"), "the references link");
}

#[test]
fn a_model_without_a_page_gets_a_verdict_its_mechanisms_and_its_threshold() {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(crux_test_support::fixture("cruxes.toml")).unwrap();
    let file = sources.add("no-page.toml", text);
    let model = crux_lang::load(&mut sources, file).expect("the model loads");
    let results = common::results(&model, 2000);
    let document = document(&model, &results);
    let kinds: Vec<&SectionKind> = document.sections.iter().map(|section| &section.kind).collect();
    for kind in [
        SectionKind::Evaluation,
        SectionKind::Arguments(Side::Benefit),
        SectionKind::Arguments(Side::Risk),
        SectionKind::Threshold,
        SectionKind::Details,
        SectionKind::NetByAxis,
    ] {
        assert!(kinds.contains(&&kind), "{kind:?} in {kinds:?}");
    }
    let markdown = markdown::write(&document);
    assert!(markdown.contains("**Verdict**: **Positive** up to c = "), "{markdown}");
    assert!(markdown.contains("| More safety research | Academics can study real models |"), "{markdown}");
    assert!(markdown.contains("E[net] is negative from c = "), "{markdown}");
}
