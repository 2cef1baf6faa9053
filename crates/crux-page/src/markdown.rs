//! A page's Markdown as a list of top-level blocks (pulldown-cmark, with
//! tables): headings, paragraphs (noting a bold lead such as
//! `**Key question**: ...`), tables, lists and everything else, each with its
//! source range so that what is not interpreted can be kept exactly as written.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// One top-level block of the page's body.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// Byte range in the text that was parsed.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    Heading {
        level: u8,
        /// The heading's inline Markdown, as written.
        text: String,
    },
    Paragraph {
        /// The bold label and the text after it, when the paragraph is
        /// `**Label**: text` (or `**Label:** text`).
        lead: Option<Lead>,
    },
    Table(Table),
    List {
        /// The items' inline Markdown when the list is a bullet list whose
        /// items are one line of text each (no nested blocks).
        items: Option<Vec<String>>,
    },
    /// An HTML block; `component` when it is an MDX component (`<Callout>`).
    Html {
        component: bool,
    },
    /// Anything else: code, quotes, rules, footnotes...
    Other,
}

/// A bold-labelled paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub label: String,
    pub text: String,
}

/// A table's cells as inline Markdown (pipes unescaped).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// False when some row has more cells than the header: the parser drops
    /// the extra cells, so such a table must be kept as written.
    pub regular: bool,
}

/// The source text of a block, without its trailing newline.
pub fn source<'a>(text: &'a str, block: &Block) -> &'a str {
    text[block.range.clone()].trim_end()
}

/// Whether a paragraph is an MDX `import` or `export` line.
pub fn is_mdx_statement(raw: &str) -> bool {
    let first = raw.trim_start();
    (first.starts_with("import ") || first.starts_with("export "))
        && (first.contains(" from ") || first.contains('=') || first.contains('"') || first.contains('\''))
}

/// Parses `text` into top-level blocks.
pub fn blocks(text: &str) -> Vec<Block> {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let events: Vec<(Event, Range<usize>)> = parser.into_offset_iter().collect();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < events.len() {
        let (event, range) = &events[index];
        let end = block_end(&events, index);
        let inner = &events[index + 1..end.saturating_sub(1).max(index + 1)];
        let kind = match event {
            Event::Start(Tag::Heading { level, .. }) => {
                BlockKind::Heading { level: *level as u8, text: inline_source(text, inner).trim().to_string() }
            }
            Event::Start(Tag::Paragraph) => BlockKind::Paragraph { lead: lead(text, range.clone(), inner) },
            Event::Start(Tag::Table(_)) => BlockKind::Table(table(text, inner)),
            Event::Start(Tag::List(first)) => {
                BlockKind::List { items: if first.is_none() { list_items(text, inner) } else { None } }
            }
            Event::Start(Tag::HtmlBlock) => {
                let raw = text[range.clone()].trim_start();
                let component = raw.strip_prefix('<').and_then(|rest| rest.strip_prefix('/').or(Some(rest)));
                BlockKind::Html {
                    component: component.is_some_and(|rest| rest.starts_with(|ch: char| ch.is_ascii_uppercase())),
                }
            }
            _ => BlockKind::Other,
        };
        blocks.push(Block { kind, range: range.clone() });
        index = end;
    }
    blocks
}

/// The index just past the event that closes the block starting at `start`.
fn block_end(events: &[(Event, Range<usize>)], start: usize) -> usize {
    if !matches!(events[start].0, Event::Start(_)) {
        return start + 1;
    }
    let mut depth = 0usize;
    for (offset, (event, _)) in events[start..].iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return start + offset + 1;
                }
            }
            _ => {}
        }
    }
    events.len()
}

/// The source of inline events: from the first one's start to the last one's end.
fn inline_source<'a>(text: &'a str, inner: &[(Event, Range<usize>)]) -> &'a str {
    let start = inner.iter().map(|(_, range)| range.start).min();
    let end = inner.iter().map(|(_, range)| range.end).max();
    match (start, end) {
        (Some(start), Some(end)) if start <= end => &text[start..end],
        _ => "",
    }
}

/// `**Label**: text` or `**Label:** text`, with non-empty label and text.
fn lead(text: &str, paragraph: Range<usize>, inner: &[(Event, Range<usize>)]) -> Option<Lead> {
    let (Event::Start(Tag::Strong), strong) = inner.first()? else { return None };
    if strong.start != paragraph.start {
        return None;
    }
    let close = block_end(inner, 0);
    let label = inline_source(text, &inner[1..close - 1]).trim();
    let after = text[strong.end..paragraph.end].trim_end();
    let (label, rest) = match label.strip_suffix(':') {
        Some(label) => (label.trim_end(), after),
        None => (label, after.strip_prefix(':')?),
    };
    let rest = rest.trim();
    if label.is_empty() || rest.is_empty() || label.contains('\n') {
        return None;
    }
    Some(Lead { label: label.to_string(), text: rest.to_string() })
}

fn table(text: &str, inner: &[(Event, Range<usize>)]) -> Table {
    let mut header = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut regular = true;
    let mut in_head = false;
    let mut row_range: Option<Range<usize>> = None;
    let mut last_cell_end = 0;
    let mut index = 0;
    while index < inner.len() {
        let (event, range) = &inner[index];
        match event {
            Event::Start(Tag::TableHead) => {
                in_head = true;
                row_range = Some(range.clone());
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                regular &= no_extra_cells(text, row_range.take(), last_cell_end);
            }
            Event::Start(Tag::TableRow) => {
                rows.push(Vec::new());
                row_range = Some(range.clone());
            }
            Event::End(TagEnd::TableRow) => regular &= no_extra_cells(text, row_range.take(), last_cell_end),
            Event::Start(Tag::TableCell) => {
                let end = block_end(inner, index);
                let cell_inner = &inner[index + 1..end - 1];
                let cell = unescape_pipes(inline_source(text, cell_inner).trim());
                last_cell_end =
                    cell_inner.iter().map(|(_, range)| range.end).max().unwrap_or(range.end).max(range.start);
                if in_head {
                    header.push(cell);
                } else if let Some(row) = rows.last_mut() {
                    row.push(cell);
                }
                index = end;
                continue;
            }
            _ => {}
        }
        index += 1;
    }
    // A row with fewer cells than the header has empty cells at its end (GFM).
    for row in &mut rows {
        if row.len() < header.len() {
            row.resize(header.len(), String::new());
        }
    }
    Table { header, rows, regular }
}

/// Whether the row's source has nothing but pipes and spaces after its last
/// cell (else the parser dropped cells beyond the header's count).
fn no_extra_cells(text: &str, row: Option<Range<usize>>, last_cell_end: usize) -> bool {
    let Some(row) = row else { return true };
    let from = last_cell_end.clamp(row.start, row.end);
    text[from..row.end].chars().all(|ch| ch == '|' || ch.is_whitespace())
}

/// `\|` in a table cell is a pipe of the cell's text.
fn unescape_pipes(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.peek() {
                Some('|') => {
                    out.push('|');
                    chars.next();
                }
                Some('\\') => {
                    out.push_str("\\\\");
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// `|` is the cell separator: escape it in a cell's text.
pub fn escape_pipes(cell: &str) -> String {
    cell.replace('|', "\\|")
}

/// The items of a bullet list, if each is inline text only.
fn list_items(text: &str, inner: &[(Event, Range<usize>)]) -> Option<Vec<String>> {
    let mut items = Vec::new();
    let mut index = 0;
    while index < inner.len() {
        let (Event::Start(Tag::Item), _) = &inner[index] else { return None };
        let end = block_end(inner, index);
        let mut content = &inner[index + 1..end - 1];
        if let Some((Event::Start(Tag::Paragraph), _)) = content.first() {
            if block_end(content, 0) != content.len() {
                return None;
            }
            content = &content[1..content.len() - 1];
        }
        let nested = content.iter().any(|(event, _)| match event {
            Event::Start(tag) => !is_inline(tag),
            Event::Rule | Event::TaskListMarker(_) => true,
            _ => false,
        });
        if nested || content.is_empty() {
            return None;
        }
        items.push(inline_source(text, content).trim().to_string());
        index = end;
    }
    Some(items)
}

fn is_inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<BlockKind> {
        blocks(text).into_iter().map(|block| block.kind).collect()
    }

    #[test]
    fn headings_paragraphs_and_leads() {
        let text = "## Crux 1: A *b*\n\n**Key question**: At what level?\n\n**Tension:** x and\ny\n\n**Bold** alone\n";
        assert_eq!(
            kinds(text),
            vec![
                BlockKind::Heading { level: 2, text: "Crux 1: A *b*".to_string() },
                BlockKind::Paragraph {
                    lead: Some(Lead { label: "Key question".to_string(), text: "At what level?".to_string() })
                },
                BlockKind::Paragraph {
                    lead: Some(Lead { label: "Tension".to_string(), text: "x and\ny".to_string() })
                },
                BlockKind::Paragraph { lead: None },
            ]
        );
    }

    #[test]
    fn tables_keep_escaped_pipes_and_dollars() {
        let text = "| A | B |\n|:--|--:|\n| costs \\$5M | a \\| b |\n| `x` |\n";
        let BlockKind::Table(table) = &kinds(text)[0] else { panic!("not a table") };
        assert_eq!(table.header, vec!["A", "B"]);
        assert_eq!(
            table.rows,
            vec![vec!["costs \\$5M".to_string(), "a | b".to_string()], vec!["`x`".to_string(), String::new()]]
        );
        assert!(table.regular);
    }

    #[test]
    fn a_row_with_more_cells_than_the_header_is_irregular() {
        let BlockKind::Table(table) = &kinds("| A | B |\n|---|---|\n| 1 | 2 | 3 |\n")[0] else { panic!() };
        assert!(!table.regular);
    }

    #[test]
    fn simple_and_nested_lists() {
        assert_eq!(
            kinds("- one\n- **two**: 2\n")[0],
            BlockKind::List { items: Some(vec!["one".to_string(), "**two**: 2".to_string()]) }
        );
        assert_eq!(kinds("- one\n  - nested\n")[0], BlockKind::List { items: None });
        assert_eq!(kinds("1. one\n2. two\n")[0], BlockKind::List { items: None });
    }

    #[test]
    fn mdx_components_and_imports() {
        let text =
            "import { Callout } from '@/components'\n\n<Callout type=\"note\">\nhi\n</Callout>\n\n<div>x</div>\n";
        let blocks = blocks(text);
        assert!(is_mdx_statement(source(text, &blocks[0])));
        assert_eq!(blocks[1].kind, BlockKind::Html { component: true });
        assert_eq!(blocks.last().map(|block| &block.kind), Some(&BlockKind::Html { component: false }));
    }
}
