//! The report as a typed document: what a model's results say, built once
//! ([`crate::build`]) and written as Markdown ([`crate::markdown`]), terminal
//! text ([`crate::text`]) or HTML ([`crate::html`]). No writer reads
//! another's output: each walks this tree, in the manner of pandoc's and
//! comrak's documents.
//!
//! A [`Document`] is a list of [`Section`]s, each with a [`SectionKind`]
//! that says what it is (the question, the evaluation, a crux by id, the
//! policies, ...), so that a front end can find "the section of crux X"
//! without reading headings. A section holds [`Block`]s: paragraphs of
//! inline [`Text`], lists, tables, charts as data, and page text kept as
//! written in Markdown.

use crux_lang::model::Side;

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The model's title (its id without one).
    pub title: String,
    /// The page's YAML frontmatter, between its `---` lines, for the
    /// Markdown writer (the other writers show the title instead).
    pub frontmatter: Option<String>,
    pub sections: Vec<Section>,
}

impl Document {
    /// The section of crux `id`, if the document has one.
    pub fn crux_section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|section| matches!(&section.kind, SectionKind::Crux(crux) if crux == id))
    }
}

/// One section: what it is, its heading and its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub kind: SectionKind,
    pub heading: Option<Heading>,
    pub blocks: Vec<Block>,
}

/// A heading, with its level (1 to 6: `##` is 2).
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    pub level: u8,
    pub text: Text,
}

/// What a section is. Adding a kind of section is a change in the builder;
/// the writers need only know the blocks.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionKind {
    /// What was computed and how to read it (the report's first lines).
    About,
    /// The question the page asks.
    Question,
    /// The evaluation summary, with its computed verdicts (or, for a model
    /// without a page, the verdict on net).
    Evaluation,
    /// The benefits or the risks, with their effects.
    Arguments(Side),
    /// A crux of the page, by its id: its table, notes and params.
    Crux(String),
    /// Where net turns negative along the axis (a model without a page).
    Threshold,
    /// The policy implications and their answers.
    Policies,
    /// Which crux carries the uncertainty and what resolving it is worth.
    Sensitivity,
    /// How the answer moves when judgement-only params take other values.
    Robustness,
    /// Which option of the model's `[decision]` is best along the axis (only
    /// for a model with a decision).
    Decision,
    /// What each study the model declares is worth (only for a model with studies).
    Studies,
    /// The works the model cites.
    References,
    /// Model details: what the page does not show.
    Details,
    /// Net along the axis, as a table.
    NetByAxis,
    /// A section of the page that shows no analysis: its text as written.
    Text,
}

/// A block of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(Text),
    /// A note set apart from the text (a block quote in Markdown).
    Note(Text),
    /// A small print line under a table: how to read it.
    Caption(Text),
    List(Vec<ListItem>),
    Table(Table),
    Chart(Box<Chart>),
    /// Page text kept as written, in Markdown (a section's body).
    Markdown(String),
}

/// A list item, with its own list under it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    pub text: Text,
    pub children: Vec<ListItem>,
}

impl ListItem {
    pub fn new(text: Text) -> ListItem {
        ListItem { text, children: Vec::new() }
    }
}

/// A table: headings and rows of cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headings: Vec<Text>,
    pub rows: Vec<Vec<Text>>,
}

/// A chart, as data: what `crux-plot` draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// A stable id (`net-chart`, `threshold-chart`, ...), for pages and tests.
    pub id: String,
    pub chart: crux_plot::Chart,
    /// A few key figures of the chart by name (`crossing`, `median`), which
    /// pages carry as data attributes.
    pub figures: Vec<(String, String)>,
    /// What the chart shows, in words: its text alternative.
    pub caption: Text,
}

/// Inline text: a run of plain text, emphasis, code and links.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text(pub Vec<Inline>);

/// One piece of inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Plain(String),
    Strong(Text),
    Emphasis(Text),
    Code(String),
    Link {
        text: Text,
        url: String,
    },
    /// Text from the model file, in Markdown as written.
    Source(String),
}

impl Text {
    pub fn new() -> Text {
        Text(Vec::new())
    }

    /// Plain text alone.
    pub fn plain(text: impl Into<String>) -> Text {
        Text(vec![Inline::Plain(text.into())])
    }

    /// Text from the model file alone (Markdown as written).
    pub fn source(text: impl Into<String>) -> Text {
        Text(vec![Inline::Source(text.into())])
    }

    /// Appends plain text.
    pub fn and(mut self, text: impl Into<String>) -> Text {
        self.push(Inline::Plain(text.into()));
        self
    }

    /// Appends strong text.
    pub fn and_strong(mut self, text: impl Into<String>) -> Text {
        self.push(Inline::Strong(Text::plain(text)));
        self
    }

    /// Appends code.
    pub fn and_code(mut self, text: impl Into<String>) -> Text {
        self.push(Inline::Code(text.into()));
        self
    }

    /// Appends text from the model file.
    pub fn and_source(mut self, text: impl Into<String>) -> Text {
        self.push(Inline::Source(text.into()));
        self
    }

    /// Appends another text.
    pub fn and_text(mut self, text: Text) -> Text {
        for inline in text.0 {
            self.push(inline);
        }
        self
    }

    /// Appends an inline, joining plain text with the plain text before it.
    pub fn push(&mut self, inline: Inline) {
        match (self.0.last_mut(), inline) {
            (Some(Inline::Plain(last)), Inline::Plain(text)) => last.push_str(&text),
            (_, inline) => self.0.push(inline),
        }
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|inline| match inline {
            Inline::Plain(text) | Inline::Code(text) | Inline::Source(text) => text.is_empty(),
            Inline::Strong(text) | Inline::Emphasis(text) => text.is_empty(),
            Inline::Link { .. } => false,
        })
    }

    /// The text without its marks (links keep their text).
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for inline in &self.0 {
            match inline {
                Inline::Plain(text) | Inline::Code(text) | Inline::Source(text) => out.push_str(text),
                Inline::Strong(text) | Inline::Emphasis(text) | Inline::Link { text, .. } => {
                    out.push_str(&text.to_plain());
                }
            }
        }
        out
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::plain(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::plain(text)
    }
}
