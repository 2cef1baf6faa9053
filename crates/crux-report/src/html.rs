//! The HTML writer: a [`Document`] as HTML sections, through maud's
//! templates, which escape every text they are given. Text from the model
//! file ([`Inline::Source`], [`Block::Markdown`]) is Markdown as written;
//! it is not handed to a Markdown library but read by [`source`], which
//! turns only a few inline marks into HTML and keeps everything else as
//! escaped text. Charts are data: the caller draws them (the web page as
//! inline SVG) through a callback, and a chart it does not draw is left out,
//! as in the Markdown.

use crate::document::{Block, Chart, Document, Inline, ListItem, Section, SectionKind, Table, Text};
use crux_lang::model::Side;
use maud::{Markup, html};

/// Draws a chart of the document, or `None` to leave it out.
pub type DrawChart<'a> = &'a dyn Fn(&Chart) -> Option<Markup>;

/// Writes `document` as HTML: its title and its sections, each charts drawn by `chart`.
pub fn write(document: &Document, chart: DrawChart<'_>) -> Markup {
    html! {
        article.report-document {
            h1 { (document.title) }
            @for (_, section) in sections(document, chart) { (section) }
        }
    }
}

/// Each section of `document` with its HTML, in order.
pub fn sections<'a>(document: &'a Document, chart: DrawChart<'_>) -> Vec<(&'a Section, Markup)> {
    let ids = section_ids(document);
    document.sections.iter().zip(ids).map(|(section, id)| (section, self::section(section, &id, chart))).collect()
}

/// A stable id for each section of `document`, from its kind (and its crux):
/// `report-evaluation`, `report-crux-<id>`, ...; a kind seen again gets `-2`,
/// `-3`, ... The same document structure gives the same ids.
pub fn section_ids(document: &Document) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(document.sections.len());
    for section in &document.sections {
        let base = format!("report-{}", kind_id(&section.kind));
        let mut id = base.clone();
        let mut count = 1;
        while ids.contains(&id) {
            count += 1;
            id = format!("{base}-{count}");
        }
        ids.push(id);
    }
    ids
}

/// The name of a section's kind, as its `data-kind`.
pub fn kind_name(kind: &SectionKind) -> &'static str {
    match kind {
        SectionKind::About => "about",
        SectionKind::Question => "question",
        SectionKind::Evaluation => "evaluation",
        SectionKind::Arguments(Side::Benefit) => "benefits",
        SectionKind::Arguments(Side::Risk) => "risks",
        SectionKind::Crux(_) => "crux",
        SectionKind::Threshold => "threshold",
        SectionKind::Policies => "policies",
        SectionKind::Sensitivity => "sensitivity",
        SectionKind::Robustness => "robustness",
        SectionKind::Decision => "decision",
        SectionKind::Studies => "studies",
        SectionKind::References => "references",
        SectionKind::Details => "details",
        SectionKind::NetByAxis => "net-by-axis",
        SectionKind::Text => "text",
    }
}

/// The part of a section's id that its kind gives: the kind's name, with a
/// crux's id made safe for an id (letters, digits, `-` and `_`).
fn kind_id(kind: &SectionKind) -> String {
    match kind {
        SectionKind::Crux(crux) => {
            let safe: String =
                crux.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
            format!("crux-{safe}")
        }
        other => kind_name(other).to_string(),
    }
}

/// One section, with the id `id`.
pub fn section(section: &Section, id: &str, chart: DrawChart<'_>) -> Markup {
    let crux = match &section.kind {
        SectionKind::Crux(crux) => Some(crux.as_str()),
        _ => None,
    };
    html! {
        section.report id=(id) data-kind=(kind_name(&section.kind)) data-crux=[crux] {
            @if let Some(heading) = &section.heading {
                @match heading.level {
                    0 | 1 => h1 { (inline(&heading.text)) },
                    2 => h2 { (inline(&heading.text)) },
                    3 => h3 { (inline(&heading.text)) },
                    4 => h4 { (inline(&heading.text)) },
                    5 => h5 { (inline(&heading.text)) },
                    _ => h6 { (inline(&heading.text)) },
                }
            }
            @for block in &section.blocks { (self::block(block, chart)) }
        }
    }
}

/// One block.
pub fn block(block: &Block, chart: DrawChart<'_>) -> Markup {
    match block {
        Block::Paragraph(text) => html! { p { (inline(text)) } },
        Block::Note(text) => html! { blockquote { p { (inline(text)) } } },
        Block::Caption(text) => html! { p.caption { em { (inline(text)) } } },
        Block::List(items) => list(items),
        Block::Table(table) => self::table(table),
        Block::Chart(data) => chart(data).unwrap_or_default(),
        Block::Markdown(text) => paragraphs(text),
    }
}

fn list(items: &[ListItem]) -> Markup {
    html! {
        ul {
            @for item in items {
                li {
                    (inline(&item.text))
                    @if !item.children.is_empty() { (list(&item.children)) }
                }
            }
        }
    }
}

/// A table, each row as wide as the headings.
fn table(table: &Table) -> Markup {
    let width = table.headings.len();
    let empty = Text::new();
    html! {
        table {
            thead { tr { @for heading in &table.headings { th { (inline(heading)) } } } }
            tbody {
                @for row in &table.rows {
                    tr {
                        @for index in 0..width.max(row.len()) {
                            td { (inline(row.get(index).unwrap_or(&empty))) }
                        }
                    }
                }
            }
        }
    }
}

/// Inline text with its marks.
pub fn inline(text: &Text) -> Markup {
    html! {
        @for piece in &text.0 {
            @match piece {
                Inline::Plain(text) => (text),
                Inline::Strong(text) => strong { (inline(text)) },
                Inline::Emphasis(text) => em { (inline(text)) },
                Inline::Code(text) => code { (text) },
                Inline::Link { text, url } => {
                    @if is_web_url(url) { a href=(url) { (inline(text)) } } @else { (inline(text)) }
                }
                Inline::Source(text) => (source(text)),
            }
        }
    }
}

/// Page text from the model file: a paragraph for each run of lines between
/// blank lines, each read by [`source`].
pub fn paragraphs(text: &str) -> Markup {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join("\n"));
    }
    html! { @for paragraph in &paragraphs { p { (source(paragraph)) } } }
}

/// Whether a link's address may be followed: `http:` and `https:` only
/// (never `javascript:`, `data:` or an address relative to the page).
pub fn is_web_url(url: &str) -> bool {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > "http://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Inline Markdown from the model file as HTML, without a Markdown
/// library: `**strong**`, `_emphasis_` and `*emphasis*`, `` `code` ``, links
/// `[text](url)` to `http(s)` addresses, and `\` before a punctuation mark
/// to keep it as written. Everything else, HTML included, is escaped text.
pub fn source(text: &str) -> Markup {
    render(&parse(text, 0, true))
}

/// A piece of inline text read from the model file.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Code(String),
    Strong(Vec<Piece>),
    Emphasis(Vec<Piece>),
    Link(Vec<Piece>, String),
}

/// How deep marks nest before the rest is read as text.
const MAX_DEPTH: usize = 8;

fn render(pieces: &[Piece]) -> Markup {
    html! {
        @for piece in pieces {
            @match piece {
                Piece::Text(text) => (text),
                Piece::Code(text) => code { (text) },
                Piece::Strong(inner) => strong { (render(inner)) },
                Piece::Emphasis(inner) => em { (render(inner)) },
                Piece::Link(inner, url) => a href=(url) { (render(inner)) },
            }
        }
    }
}

/// Reads `text` into pieces; `links`: whether a link may start here (not inside another).
fn parse(text: &str, depth: usize, links: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let flush = |plain: &mut String, pieces: &mut Vec<Piece>| {
        if !plain.is_empty() {
            pieces.push(Piece::Text(std::mem::take(plain)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let before = text[..text.len() - rest.len()].chars().next_back();
        if depth < MAX_DEPTH
            && let Some((piece, length)) = mark(rest, before, depth, links)
        {
            flush(&mut plain, &mut pieces);
            pieces.push(piece);
            rest = &rest[length..];
            continue;
        }
        if c == '\\'
            && let Some(next) = rest[1..].chars().next()
            && next.is_ascii_punctuation()
        {
            plain.push(next);
            rest = &rest[1 + next.len_utf8()..];
            continue;
        }
        plain.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut plain, &mut pieces);
    pieces
}

/// The mark that starts `rest` (after the character `before`), with the
/// number of bytes it spans, if one does.
fn mark(rest: &str, before: Option<char>, depth: usize, links: bool) -> Option<(Piece, usize)> {
    if let Some(after) = rest.strip_prefix('`') {
        let end = after.find('`')?;
        let code = &after[..end];
        return (!code.trim().is_empty()).then(|| (Piece::Code(code.to_string()), end + 2));
    }
    if let Some(after) = rest.strip_prefix("**") {
        let end = closing(after, "**")?;
        return Some((Piece::Strong(parse(&after[..end], depth + 1, links)), end + 4));
    }
    for delimiter in ["*", "_"] {
        if let Some(after) = rest.strip_prefix(delimiter) {
            // Opens only at the start of a word: `c_misuse` stays as written.
            if before.is_some_and(char::is_alphanumeric) {
                return None;
            }
            let end = closing(after, delimiter)?;
            return Some((Piece::Emphasis(parse(&after[..end], depth + 1, links)), end + 2));
        }
    }
    if links && let Some(after) = rest.strip_prefix('[') {
        let close = after.find("](")?;
        let label = &after[..close];
        let target = &after[close + 2..];
        let end = target.find(')')?;
        let url = &target[..end];
        if label.is_empty() || !is_web_url(url) {
            return None;
        }
        return Some((Piece::Link(parse(label, depth + 1, false), url.to_string()), 1 + close + 2 + end + 1));
    }
    None
}

/// Where the mark `delimiter` that closes `after` starts: not after a space,
/// not at the start, and (for `_` and `*`) not inside a word.
fn closing(after: &str, delimiter: &str) -> Option<usize> {
    if after.starts_with(char::is_whitespace) || after.starts_with(delimiter) {
        return None;
    }
    let mut from = 0;
    while let Some(found) = after[from..].find(delimiter) {
        let at = from + found;
        let inside = &after[..at];
        let next = after[at + delimiter.len()..].chars().next();
        let word_continues = delimiter.len() == 1 && next.is_some_and(char::is_alphanumeric);
        let doubled = delimiter == "*" && next == Some('*');
        if !inside.ends_with(char::is_whitespace) && !word_continues && !doubled {
            return Some(at);
        }
        from = at + delimiter.len();
        if doubled {
            from += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Heading, Section};

    fn html(text: &str) -> String {
        source(text).into_string()
    }

    #[test]
    fn marks_become_html() {
        assert_eq!(html("a **b** c"), "a <strong>b</strong> c");
        assert_eq!(html("a _b_ c *d*"), "a <em>b</em> c <em>d</em>");
        assert_eq!(html("use `x < y`"), "use <code>x &lt; y</code>");
        assert_eq!(html("**bold _and em_**"), "<strong>bold <em>and em</em></strong>");
        assert_eq!(
            html("see [the paper](https://arxiv.org/abs/2310.20624)."),
            "see <a href=\"https://arxiv.org/abs/2310.20624\">the paper</a>."
        );
        assert_eq!(
            html("[**x**](http://a.b/c?d=1&e=2)"),
            "<a href=\"http://a.b/c?d=1&amp;e=2\"><strong>x</strong></a>"
        );
    }

    #[test]
    fn text_that_is_not_a_mark_stays_as_written() {
        assert_eq!(html("c_misuse and misuse_harm"), "c_misuse and misuse_harm");
        assert_eq!(html("2 * 3 * 4"), "2 * 3 * 4");
        assert_eq!(html("_open"), "_open");
        assert_eq!(html("**"), "**");
        assert_eq!(html("a ` b"), "a ` b");
        assert_eq!(html("[@williams2025; @righetti2025]"), "[@williams2025; @righetti2025]");
        assert_eq!(html("[a](b)"), "[a](b)");
        assert_eq!(html(r"\*not em\*"), "*not em*");
        assert_eq!(html("\"thing to work on\"—it's"), "&quot;thing to work on&quot;—it's");
        assert_eq!(html("# heading\n- item"), "# heading\n- item");
    }

    #[test]
    fn deep_nesting_ends_as_text() {
        let text = "*".repeat(200) + "x" + &"*".repeat(200);
        let out = html(&text);
        assert!(out.contains('x'));
        let brackets = "[".repeat(500) + "x";
        assert_eq!(html(&brackets), brackets);
    }

    const HOSTILE: [&str; 4] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](  javascript:alert(1))",
    ];

    /// No markup of the hostile text survives: no tag, no attribute, no script link.
    fn assert_inert(out: &str) {
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(!out.contains("href=\"javascript"), "{out}");
        assert!(!out.contains("href=\" javascript") && !out.contains("href=\"  javascript"), "{out}");
    }

    #[test]
    fn model_text_is_escaped_everywhere() {
        for hostile in HOSTILE {
            assert_inert(&html(hostile));
            assert_inert(&html(&format!("**{hostile}**")));
            assert_inert(&html(&format!("_{hostile}_")));
            assert_inert(&html(&format!("[{hostile}](https://example.org/)")));
            assert_inert(&html(&format!("[x](https://example.org/{hostile})")));
            assert_inert(&paragraphs(&format!("first\n\n{hostile}\n\nlast")).into_string());
            let link = Text(vec![Inline::Link { text: Text::source(hostile), url: "javascript:alert(1)".to_string() }]);
            assert_inert(&inline(&link).into_string());
            let document = Document {
                title: hostile.to_string(),
                frontmatter: Some(hostile.to_string()),
                sections: vec![Section {
                    kind: SectionKind::Crux(hostile.to_string()),
                    heading: Some(Heading { level: 2, text: Text::plain(hostile) }),
                    blocks: vec![
                        Block::Markdown(hostile.to_string()),
                        Block::Paragraph(Text::new().and_source(hostile).and(hostile)),
                        Block::Note(Text::source(hostile)),
                        Block::Caption(Text::source(hostile)),
                        Block::List(vec![ListItem::new(Text::source(hostile))]),
                        Block::Table(Table {
                            headings: vec![Text::plain(hostile)],
                            rows: vec![vec![Text::source(hostile)]],
                        }),
                    ],
                }],
            };
            let out = write(&document, &|_| None).into_string();
            assert_inert(&out);
            assert!(out.contains("&lt;script&gt;") || out.contains("&lt;img") || out.contains("javascript:"), "{out}");
        }
        // The link to a script address is shown as its text, without a link.
        assert_eq!(html("[click](javascript:alert(1))"), "[click](javascript:alert(1))");
    }

    #[test]
    fn page_text_is_split_into_paragraphs() {
        assert_eq!(
            paragraphs("One **two**\nthree.\n\n  \nFour <b>.\n").into_string(),
            "<p>One <strong>two</strong>\nthree.</p><p>Four &lt;b&gt;.</p>"
        );
    }

    #[test]
    fn sections_carry_kind_crux_and_stable_ids() {
        let section = |kind: SectionKind| Section { kind, heading: None, blocks: Vec::new() };
        let document = Document {
            title: "T".to_string(),
            frontmatter: None,
            sections: vec![
                section(SectionKind::Text),
                section(SectionKind::Crux("misuse".to_string())),
                section(SectionKind::Text),
                section(SectionKind::Crux("a b\"".to_string())),
            ],
        };
        assert_eq!(section_ids(&document), ["report-text", "report-crux-misuse", "report-text-2", "report-crux-a-b-"]);
        let out = write(&document, &|_| None).into_string();
        assert!(
            out.contains(
                "<section class=\"report\" id=\"report-crux-misuse\" data-kind=\"crux\" data-crux=\"misuse\">"
            )
        );
        assert!(out.contains("data-crux=\"a b&quot;\""), "{out}");
        assert!(out.contains("<section class=\"report\" id=\"report-text\" data-kind=\"text\">"), "{out}");
    }

    #[test]
    fn charts_are_drawn_by_the_caller() {
        let chart = Chart {
            id: "robustness-chart".to_string(),
            chart: crux_plot::Chart::Swing(crux_plot::Swing {
                title: String::new(),
                x_label: String::new(),
                base: 0.0,
                base_label: String::new(),
                low_name: String::new(),
                high_name: String::new(),
                rows: Vec::new(),
                marks: Vec::new(),
            }),
            figures: Vec::new(),
            caption: Text::plain("caption"),
        };
        let block = Block::Chart(Box::new(chart));
        let drawn = self::block(&block, &|chart| Some(html! { svg id=(chart.id) {} })).into_string();
        assert_eq!(drawn, "<svg id=\"robustness-chart\"></svg>");
        assert_eq!(self::block(&block, &|_| None).into_string(), "");
    }
}
