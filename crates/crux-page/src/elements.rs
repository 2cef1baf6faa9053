//! The content of a page as a flat list of elements (headings, table rows,
//! list items, bold notes, paragraphs, HTML and code), each as plain text
//! with whitespace collapsed. Two pages with the same outline say the same
//! thing, whatever their spacing, table alignment or escaping: this is how a
//! round trip through a model file is checked.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Heading {
        level: u8,
        text: String,
    },
    /// A table row (the header row too), its cells joined by ` | `.
    TableRow(String),
    ListItem(String),
    /// A paragraph that starts with bold text, such as `**Key question**: ...`.
    BoldNote(String),
    Paragraph(String),
    Html(String),
    Code(String),
}

/// The outline of a page's Markdown body (without frontmatter).
pub fn outline(markdown: &str) -> Vec<Element> {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut elements = Vec::new();
    // Text being gathered for each open element; items and cells nest.
    let mut stack: Vec<(Kind, String)> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut paragraph_start = false;
    for event in parser {
        match event {
            Event::Start(tag) => {
                let kind = match tag {
                    Tag::Heading { level, .. } => Some(Kind::Heading(level as u8)),
                    Tag::Paragraph => {
                        paragraph_start = true;
                        Some(Kind::Paragraph { bold: false })
                    }
                    Tag::Item => Some(Kind::Item),
                    Tag::TableCell => Some(Kind::Cell),
                    Tag::HtmlBlock => Some(Kind::Html),
                    Tag::CodeBlock(_) => Some(Kind::Code),
                    Tag::Strong => {
                        if paragraph_start && let Some((Kind::Paragraph { bold }, text)) = stack.last_mut() {
                            *bold = text.is_empty();
                        }
                        None
                    }
                    _ => None,
                };
                if !matches!(kind, Some(Kind::Paragraph { .. })) {
                    paragraph_start = false;
                }
                if let Some(kind) = kind {
                    // A paragraph inside a list item is the item's text.
                    if matches!(kind, Kind::Paragraph { .. }) && matches!(stack.last(), Some((Kind::Item, _))) {
                        continue;
                    }
                    stack.push((kind, String::new()));
                }
            }
            Event::End(tag) => {
                paragraph_start = false;
                let closes = match tag {
                    TagEnd::Heading(_) => matches!(stack.last(), Some((Kind::Heading(_), _))),
                    TagEnd::Paragraph => matches!(stack.last(), Some((Kind::Paragraph { .. }, _))),
                    TagEnd::Item => matches!(stack.last(), Some((Kind::Item, _))),
                    TagEnd::TableCell => matches!(stack.last(), Some((Kind::Cell, _))),
                    TagEnd::HtmlBlock => matches!(stack.last(), Some((Kind::Html, _))),
                    TagEnd::CodeBlock => matches!(stack.last(), Some((Kind::Code, _))),
                    TagEnd::TableHead | TagEnd::TableRow => {
                        elements.push(Element::TableRow(row.join(" | ")));
                        row.clear();
                        false
                    }
                    _ => false,
                };
                if closes && let Some((kind, text)) = stack.pop() {
                    let text = collapse(&text);
                    match kind {
                        Kind::Heading(level) => elements.push(Element::Heading { level, text }),
                        Kind::Paragraph { bold: true } => elements.push(Element::BoldNote(text)),
                        Kind::Paragraph { bold: false } => elements.push(Element::Paragraph(text)),
                        Kind::Item => elements.push(Element::ListItem(text)),
                        Kind::Cell => row.push(text),
                        Kind::Html => elements.push(Element::Html(text)),
                        Kind::Code => elements.push(Element::Code(text)),
                    }
                }
            }
            Event::Text(text) | Event::Code(text) | Event::Html(text) | Event::InlineHtml(text) => {
                if let Some((_, gathered)) = stack.last_mut() {
                    gathered.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, gathered)) = stack.last_mut() {
                    gathered.push(' ');
                }
            }
            _ => {}
        }
    }
    elements
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Heading(u8),
    Paragraph { bold: bool },
    Item,
    Cell,
    Html,
    Code,
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The elements of `expected` missing from `actual` and those `actual` adds,
/// in order: empty when the two say the same.
pub fn differences(expected: &[Element], actual: &[Element]) -> Vec<String> {
    let mut out = Vec::new();
    let mut actual_index = 0;
    for element in expected {
        match actual[actual_index..].iter().position(|candidate| candidate == element) {
            Some(offset) => {
                for added in &actual[actual_index..actual_index + offset] {
                    out.push(format!("added:   {added:?}"));
                }
                actual_index += offset + 1;
            }
            None => out.push(format!("missing: {element:?}")),
        }
    }
    for added in &actual[actual_index..] {
        out.push(format!("added:   {added:?}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_placement_escapes_and_alignment_do_not_matter() {
        let a = "**Key question:** why?\n\n| A | B |\n|:--|--:|\n| x \\| y | \\$5 |\n\n- one\n- two\n";
        let b = "**Key question**: why?\n\n| A | B |\n|---|---|\n| x \\| y | \\$5 |\n\n* one\n* two\n";
        assert_eq!(outline(a), outline(b));
        assert_eq!(outline(a)[0], Element::BoldNote("Key question: why?".to_string()));
        assert_eq!(outline(a)[2], Element::TableRow("x | y | $5".to_string()));
    }

    #[test]
    fn differences_name_what_is_missing_and_added() {
        let expected = outline("# A\n\n- one\n- two\n");
        let actual = outline("# A\n\n- one\n- three\n");
        assert_eq!(
            differences(&expected, &actual),
            vec!["missing: ListItem(\"two\")".to_string(), "added:   ListItem(\"three\")".to_string()]
        );
        assert!(differences(&expected, &expected).is_empty());
    }
}
