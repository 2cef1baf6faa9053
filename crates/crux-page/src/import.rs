//! Importing a page: its blocks become the parts of a model file (the
//! question, the evaluation rows, mechanisms with placeholder effects from the
//! Benefit/Risk + Mechanism tables, cruxes with their sides, rows and notes,
//! the policy list) and `[[sections]]` that keep the page's order, with every
//! block that is not interpreted kept as raw Markdown in a section's body.

use crate::frontmatter::Frontmatter;
use crate::markdown::{self, Block, BlockKind, Lead, Table};
use crux_lang::model::{RESERVED, Side, is_identifier};
use std::collections::HashSet;

/// The model skeleton of a page, before it is written as TOML.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub frontmatter: Option<String>,
    pub mechanisms: Vec<MechanismDraft>,
    pub question: Option<Lead>,
    pub evaluation: Vec<[String; 3]>,
    pub cruxes: Vec<CruxDraft>,
    pub policies: Vec<Item>,
    pub sections: Vec<SectionDraft>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MechanismDraft {
    pub id: String,
    pub side: Side,
    pub name: String,
    pub mechanism: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CruxDraft {
    pub id: String,
    pub number: Option<u32>,
    pub title: String,
    pub sides: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<Lead>,
}

impl CruxDraft {
    fn heading(&self) -> String {
        match self.number {
            Some(number) => format!("Crux {number}: {}", self.title),
            None => self.title.clone(),
        }
    }
}

/// A policy bullet: `- text` or `- **label**: text`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub label: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectionDraft {
    pub heading: Option<String>,
    pub level: u8,
    pub body: Option<String>,
    pub show: Option<ShowDraft>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShowDraft {
    Question,
    Evaluation {
        columns: Vec<String>,
    },
    Mechanisms {
        side: Side,
        columns: Vec<String>,
        ids: Vec<String>,
    },
    /// Index into `Draft::cruxes`.
    Crux(usize),
    Policies,
}

/// Something about the page worth telling its author, at a byte offset of
/// the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub offset: usize,
    pub length: usize,
    pub message: String,
    pub help: Option<String>,
}

/// Builds the draft of a page whose body is `body` (starting at byte
/// `body_offset` of the page, for notices).
pub fn draft(frontmatter: Frontmatter, fallback_title: &str, body: &str, body_offset: usize) -> (Draft, Vec<Notice>) {
    let title = frontmatter.title.clone().unwrap_or_else(|| fallback_title.to_string());
    let mut importer = Importer {
        text: body,
        base: body_offset,
        draft: Draft {
            id: slug(&title).unwrap_or_else(|| "page".to_string()).replace('_', "-"),
            title,
            description: frontmatter.description,
            frontmatter: frontmatter.extra,
            ..Draft::default()
        },
        notices: Vec::new(),
        ids: HashSet::new(),
        seen_h2: false,
    };
    let blocks = markdown::blocks(body);
    let mut start = 0;
    while start < blocks.len() {
        let end = blocks[start + 1..]
            .iter()
            .position(|block| matches!(block.kind, BlockKind::Heading { .. }))
            .map_or(blocks.len(), |i| start + 1 + i);
        importer.chunk(&blocks[start..end]);
        start = end;
    }
    (importer.draft, importer.notices)
}

struct Importer<'a> {
    text: &'a str,
    base: usize,
    draft: Draft,
    notices: Vec<Notice>,
    /// Mechanism and crux ids in use.
    ids: HashSet<String>,
    /// Whether a second-level heading was seen (the lead statement comes before).
    seen_h2: bool,
}

/// A section being built: its heading and the raw Markdown gathered so far.
struct Open {
    heading: Option<String>,
    level: u8,
    body: Vec<String>,
}

impl Importer<'_> {
    fn notice(&mut self, block: &Block, message: impl Into<String>, help: Option<&str>) {
        self.notices.push(Notice {
            offset: self.base + block.range.start,
            length: markdown::source(self.text, block).len().clamp(1, 80),
            message: message.into(),
            help: help.map(str::to_string),
        });
    }

    fn raw(&self, block: &Block) -> String {
        markdown::source(self.text, block).to_string()
    }

    /// Closes `open` with `show` and opens a continuation without a heading.
    fn close(&mut self, open: &mut Open, show: Option<ShowDraft>) {
        let body = (!open.body.is_empty()).then(|| open.body.join("\n\n"));
        if open.heading.is_some() || body.is_some() || show.is_some() {
            self.draft.sections.push(SectionDraft { heading: open.heading.take(), level: open.level, body, show });
        }
        open.body.clear();
    }

    /// One heading and the blocks under it (or the blocks before the first heading).
    fn chunk(&mut self, blocks: &[Block]) {
        let (heading, level, rest) = match blocks.first().map(|block| &block.kind) {
            Some(BlockKind::Heading { level, text }) => (Some(text.clone()), *level, &blocks[1..]),
            _ => (None, 2, blocks),
        };
        if level == 2 && heading.is_some() {
            self.seen_h2 = true;
        }
        let mut open = Open { heading: heading.clone(), level, body: Vec::new() };
        let rest = match heading.as_deref().and_then(crux_heading) {
            Some((number, title)) => self.crux(&mut open, number, title, rest),
            None => rest,
        };
        let heading = heading.unwrap_or_default().to_lowercase();
        for block in rest {
            match &block.kind {
                BlockKind::Paragraph { lead: Some(lead) } if self.draft.question.is_none() && !self.seen_h2 => {
                    self.draft.question = Some(lead.clone());
                    self.close(&mut open, Some(ShowDraft::Question));
                }
                BlockKind::Table(table) if self.is_evaluation(table, &heading) => {
                    for row in &table.rows {
                        self.draft.evaluation.push([row[0].clone(), row[1].clone(), row[2].clone()]);
                    }
                    let columns = table.header.clone();
                    self.close(&mut open, Some(ShowDraft::Evaluation { columns }));
                }
                BlockKind::Table(table) if argument_side(table).is_some() => {
                    let show = self.mechanisms(table);
                    self.close(&mut open, Some(show));
                }
                BlockKind::List { items: Some(items) }
                    if heading.contains("polic") && self.draft.policies.is_empty() =>
                {
                    self.draft.policies = items.iter().map(|item| policy(item)).collect();
                    self.close(&mut open, Some(ShowDraft::Policies));
                }
                _ => {
                    self.check_kept(block);
                    let raw = self.raw(block);
                    open.body.push(raw);
                }
            }
        }
        self.close(&mut open, None);
    }

    /// Tells the author about blocks kept as written that they may not expect.
    fn check_kept(&mut self, block: &Block) {
        match &block.kind {
            BlockKind::Paragraph { .. } if markdown::is_mdx_statement(markdown::source(self.text, block)) => {
                self.notice(block, "MDX statement kept as written; Crux does not run it", None);
            }
            BlockKind::Html { component: true } => {
                self.notice(block, "MDX component kept as written; Crux does not interpret it", None);
            }
            BlockKind::Table(table) if !table.regular => self.notice(
                block,
                "a row of this table has more cells than its header: the table is kept as written",
                Some("give every row as many cells as the header"),
            ),
            _ => {}
        }
    }

    fn is_evaluation(&self, table: &Table, heading: &str) -> bool {
        let named = heading.contains("evaluation")
            || table.header.first().is_some_and(|first| first.eq_ignore_ascii_case("dimension"));
        // An assessment that starts with `verdict` would be read as a computed verdict.
        let literal =
            table.rows.iter().all(|row| !row.get(1).is_some_and(|cell| cell.trim_start().starts_with("verdict")));
        named
            && literal
            && table.regular
            && table.header.len() == 3
            && self.draft.evaluation.is_empty()
            && !table.rows.is_empty()
    }

    fn mechanisms(&mut self, table: &Table) -> ShowDraft {
        let side = argument_side(table).unwrap_or(Side::Benefit);
        let mut ids = Vec::new();
        for row in &table.rows {
            let id = self.fresh_id(&row[0], "mechanism");
            self.draft.mechanisms.push(MechanismDraft {
                id: id.clone(),
                side,
                name: row[0].clone(),
                mechanism: row[1].clone(),
            });
            ids.push(id);
        }
        ShowDraft::Mechanisms { side, columns: table.header.clone(), ids }
    }

    /// The blocks of a `Crux N: title` section: text before the table is the
    /// body, the table gives the sides and rows, bold notes after it are the
    /// crux's notes. Returns the blocks after those, for the continuation.
    fn crux<'b>(&mut self, open: &mut Open, number: Option<u32>, title: String, blocks: &'b [Block]) -> &'b [Block] {
        let table_at = blocks.iter().position(
            |block| matches!(&block.kind, BlockKind::Table(table) if table.regular && !table.header.is_empty()),
        );
        let (before, table, after) = match table_at {
            Some(index) => (&blocks[..index], Some(&blocks[index]), &blocks[index + 1..]),
            None => {
                // No table: trailing bold notes are the crux's notes.
                let notes = blocks.iter().rev().take_while(|block| is_lead(block)).count();
                (&blocks[..blocks.len() - notes], None, &blocks[blocks.len() - notes..])
            }
        };
        for block in before {
            self.check_kept(block);
            let raw = self.raw(block);
            open.body.push(raw);
        }
        let (sides, rows) = match table.map(|block| &block.kind) {
            Some(BlockKind::Table(table)) => (table.header.clone(), table.rows.clone()),
            _ => (Vec::new(), Vec::new()),
        };
        let notes: Vec<Lead> = after
            .iter()
            .map_while(|block| match &block.kind {
                BlockKind::Paragraph { lead: Some(lead) } => Some(lead.clone()),
                _ => None,
            })
            .collect();
        let id = self.fresh_id(&title, "crux");
        let crux = CruxDraft { id, number, title, sides, rows, notes };
        if open.heading.as_deref() == Some(crux.heading().as_str()) {
            open.heading = None;
        }
        let consumed = crux.notes.len();
        self.draft.cruxes.push(crux);
        let index = self.draft.cruxes.len() - 1;
        self.close(open, Some(ShowDraft::Crux(index)));
        &after[consumed..]
    }

    /// A new identifier from a row name or title, unique among mechanisms and cruxes.
    fn fresh_id(&mut self, name: &str, what: &str) -> String {
        let base = slug(name).unwrap_or_else(|| what.to_string());
        let base = if RESERVED.contains(&base.as_str()) { format!("{base}_{what}") } else { base };
        let mut id = base.clone();
        let mut counter = 2;
        while self.ids.contains(&id) {
            id = format!("{base}_{counter}");
            counter += 1;
        }
        self.ids.insert(id.clone());
        id
    }
}

fn is_lead(block: &Block) -> bool {
    matches!(block.kind, BlockKind::Paragraph { lead: Some(_) })
}

/// The side of a Benefit/Risk + Mechanism table.
fn argument_side(table: &Table) -> Option<Side> {
    if !table.regular || table.header.len() != 2 || table.rows.is_empty() {
        return None;
    }
    let first = table.header[0].trim().to_lowercase();
    let first = first.strip_suffix('s').unwrap_or(&first);
    if !table.header[1].trim().to_lowercase().starts_with("mechanism") {
        return None;
    }
    match first {
        "benefit" | "advantage" | "pro" | "upside" => Some(Side::Benefit),
        "risk" | "harm" | "cost" | "concern" | "downside" | "con" => Some(Side::Risk),
        _ => None,
    }
}

/// `Crux 1: Title` -> (Some(1), "Title"); `Crux: Title` -> (None, "Title").
fn crux_heading(heading: &str) -> Option<(Option<u32>, String)> {
    let rest = heading.strip_prefix("Crux")?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse().ok();
    let rest = rest[digits.len()..].trim_start();
    let title = rest.strip_prefix(':').or_else(|| rest.strip_prefix('—')).or_else(|| rest.strip_prefix('-'))?.trim();
    (!title.is_empty()).then(|| (number, title.to_string()))
}

fn policy(item: &str) -> Item {
    let lead = markdown::blocks(item).into_iter().find_map(|block| match block.kind {
        BlockKind::Paragraph { lead } if block.range == (0..item.len()) => lead,
        _ => None,
    });
    match lead {
        Some(lead) => Item { label: Some(lead.label), text: lead.text },
        None => Item { label: None, text: item.to_string() },
    }
}

/// A lowercase identifier made of the words of `text`, such as
/// `more_safety_research` for "More safety research".
pub fn slug(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
            gap = false;
        } else if ch != '\'' && ch != '’' {
            gap = true;
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        return None;
    }
    let out = if out.starts_with(|ch: char| ch.is_ascii_digit()) { format!("n{out}") } else { out };
    is_identifier(&out).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_identifiers() {
        assert_eq!(slug("More safety research").as_deref(), Some("more_safety_research"));
        assert_eq!(slug("Can't recall: Red-teaming!").as_deref(), Some("cant_recall_red_teaming"));
        assert_eq!(slug("2024 rules").as_deref(), Some("n2024_rules"));
        assert_eq!(slug("—"), None);
    }

    #[test]
    fn crux_headings() {
        assert_eq!(crux_heading("Crux 2: Capability Threshold"), Some((Some(2), "Capability Threshold".to_string())));
        assert_eq!(crux_heading("Crux: Timing"), Some((None, "Timing".to_string())));
        assert_eq!(crux_heading("Crux 3 — Compute vs. Weights"), Some((Some(3), "Compute vs. Weights".to_string())));
        assert_eq!(crux_heading("Cruxes overview"), None);
    }

    #[test]
    fn argument_tables_by_header() {
        let table = |a: &str, b: &str| Table {
            header: vec![a.to_string(), b.to_string()],
            rows: vec![vec!["x".to_string(), "y".to_string()]],
            regular: true,
        };
        assert_eq!(argument_side(&table("Benefit", "Mechanism")), Some(Side::Benefit));
        assert_eq!(argument_side(&table("Risks", "Mechanisms")), Some(Side::Risk));
        assert_eq!(argument_side(&table("Net positive", "Net negative")), None);
    }
}
