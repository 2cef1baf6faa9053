//! A page's YAML frontmatter: finding it (including a closing `---` glued to
//! the first line of text), reading `title` and `description`, and keeping
//! every other field as the YAML it was written in.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

/// Where the frontmatter and the body are in the page text.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The YAML between the fences and its byte offset in the page.
    pub yaml: Option<(String, usize)>,
    /// The byte offset where the Markdown body starts.
    pub body_offset: usize,
    /// The offset of a closing `---` that was glued to text, if any.
    pub glued: Option<usize>,
}

/// A problem with the frontmatter, at a byte offset of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontmatterError {
    pub offset: usize,
    pub length: usize,
    pub message: String,
    pub help: String,
}

/// The frontmatter's fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frontmatter {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Every other top-level field, as written (comments included).
    pub extra: Option<String>,
    /// Fields named `title` or `description` whose value is not text, kept in
    /// `extra` (their names, for a warning).
    pub kept_as_yaml: Vec<String>,
}

/// Finds the frontmatter at the start of `text`.
pub fn split(text: &str) -> Result<Split, FrontmatterError> {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n');
    let opening = loop {
        match lines.next() {
            Some(line) if line.trim().is_empty() => offset += line.len(),
            Some(line) => break Some(line),
            None => break None,
        }
    };
    let Some(opening) = opening.filter(|line| line.trim_end() == "---") else {
        return Ok(Split { yaml: None, body_offset: 0, glued: None });
    };
    let opening_offset = offset;
    offset += opening.len();
    let yaml_start = offset;
    for line in lines {
        let content = line.trim_end();
        if content == "---" || content == "..." {
            let yaml = text[yaml_start..offset].to_string();
            return Ok(Split { yaml: Some((yaml, yaml_start)), body_offset: offset + line.len(), glued: None });
        }
        if let Some(rest) = content.strip_prefix("---")
            && !rest.starts_with('-')
            && !rest.trim().is_empty()
        {
            let yaml = text[yaml_start..offset].to_string();
            return Ok(Split { yaml: Some((yaml, yaml_start)), body_offset: offset + 3, glued: Some(offset) });
        }
        offset += line.len();
    }
    Err(FrontmatterError {
        offset: opening_offset,
        length: 3,
        message: "the frontmatter that opens here is never closed".to_string(),
        help: "end the frontmatter with a line `---`".to_string(),
    })
}

/// Reads the frontmatter's YAML (`base` is its offset in the page, for errors).
pub fn read(yaml: &str, base: usize) -> Result<Frontmatter, FrontmatterError> {
    let entries = top_level_entries(yaml).map_err(|error| {
        let offset = base + char_to_byte(yaml, error.marker().index());
        FrontmatterError {
            offset,
            length: 1,
            message: format!("the frontmatter is not valid YAML: {}", error.info()),
            help: "frontmatter is YAML: `key: value` lines between two `---` lines".to_string(),
        }
    })?;
    let Some(entries) = entries else {
        let extra = yaml.trim_end();
        return Ok(Frontmatter {
            extra: (!extra.trim().is_empty()).then(|| extra.to_string()),
            ..Frontmatter::default()
        });
    };
    let lines: Vec<&str> = yaml.split_inclusive('\n').collect();
    // An entry's lines: the comments and blank lines just before its key, the
    // key and its value. Only lines starting with `#` in the first column are
    // comments (block scalars are indented).
    let mut starts: Vec<usize> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let floor = if index == 0 { 0 } else { entries[index - 1].line };
        let mut start = entry.line - 1;
        while start > floor && (lines[start - 1].starts_with('#') || lines[start - 1].trim().is_empty()) {
            start -= 1;
        }
        starts.push(start);
    }
    let mut frontmatter = Frontmatter::default();
    let mut extra = String::new();
    extra.extend(lines[..starts.first().copied().unwrap_or(lines.len())].iter().copied());
    for (index, entry) in entries.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(lines.len());
        let (comments, text) = (lines[starts[index]..entry.line - 1].concat(), lines[entry.line - 1..end].concat());
        let field = match entry.key.as_str() {
            "title" => Some(&mut frontmatter.title),
            "description" => Some(&mut frontmatter.description),
            _ => None,
        };
        extra.push_str(&comments);
        match (field, &entry.value) {
            (Some(field), Some(value)) if field.is_none() => *field = Some(value.clone()),
            (Some(_), _) => {
                frontmatter.kept_as_yaml.push(entry.key.clone());
                extra.push_str(&text);
            }
            (None, _) => extra.push_str(&text),
        }
    }
    let extra = extra.trim_end();
    if !extra.trim().is_empty() {
        frontmatter.extra = Some(extra.to_string());
    }
    Ok(frontmatter)
}

/// A top-level `key: value` of the frontmatter: its key, its 1-based line in
/// the YAML and its value when it is text.
struct Entry {
    key: String,
    line: usize,
    value: Option<String>,
}

/// The top-level entries of a YAML mapping, or `None` when the YAML is empty
/// or not a mapping.
fn top_level_entries(yaml: &str) -> Result<Option<Vec<Entry>>, ScanError> {
    let mut entries = Vec::new();
    let mut depth = 0usize;
    let mut expecting_key = false;
    let mut documents = 0;
    let mut root_is_mapping = None;
    for event in Parser::new_from_str(yaml) {
        let (event, span) = event?;
        match event {
            Event::DocumentStart(_) => documents += 1,
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if depth == 0 {
                    root_is_mapping = Some(matches!(event, Event::MappingStart(..)));
                    expecting_key = true;
                } else if depth == 1 {
                    expecting_key = true;
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
            Event::Scalar(value, style, ..) if depth == 1 => {
                if expecting_key {
                    entries.push(Entry { key: value.to_string(), line: span.start.line(), value: None });
                } else if let Some(entry) = entries.last_mut() {
                    let null = style == ScalarStyle::Plain && matches!(value.as_ref(), "" | "~" | "null");
                    entry.value = (!null).then(|| value.to_string());
                }
                expecting_key = !expecting_key;
            }
            Event::Scalar(..) | Event::Alias(_) if depth == 0 => root_is_mapping = Some(false),
            Event::Alias(_) if depth == 1 => expecting_key = !expecting_key,
            _ => {}
        }
    }
    if documents > 1 || root_is_mapping != Some(true) {
        return Ok(None);
    }
    Ok(Some(entries))
}

/// The byte offset of the `index`-th character of `text`.
fn char_to_byte(text: &str, index: usize) -> usize {
    text.char_indices().nth(index).map_or(text.len(), |(offset, _)| offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_frontmatter_and_a_glued_closing_fence() {
        let page = "---\ntitle: A\n---**The question**: why?\n";
        let split = split(page).unwrap();
        assert_eq!(split.yaml, Some(("title: A\n".to_string(), 4)));
        assert_eq!(&page[split.body_offset..], "**The question**: why?\n");
        assert_eq!(split.glued, Some(13));
    }

    #[test]
    fn a_page_without_frontmatter_is_all_body() {
        let split = split("# Title\n\ntext\n").unwrap();
        assert_eq!(split, Split { yaml: None, body_offset: 0, glued: None });
    }

    #[test]
    fn an_unclosed_frontmatter_is_an_error() {
        let error = split("---\ntitle: A\n\n# Body\n").unwrap_err();
        assert_eq!(error.offset, 0);
        assert!(error.message.contains("never closed"));
    }

    #[test]
    fn keeps_extra_fields_as_written() {
        let yaml = "# kept comment\ntitle: \"Open: Source\"\nsidebar:\n  order: 3\n  label: x\ndescription: >\n  Folded\n  text.\ntags: [a, b]\n";
        let frontmatter = read(yaml, 0).unwrap();
        assert_eq!(frontmatter.title.as_deref(), Some("Open: Source"));
        assert_eq!(frontmatter.description.as_deref(), Some("Folded text.\n"));
        assert_eq!(
            frontmatter.extra.as_deref(),
            Some("# kept comment\nsidebar:\n  order: 3\n  label: x\ntags: [a, b]")
        );
    }

    #[test]
    fn a_title_that_is_not_text_is_kept_as_yaml() {
        let frontmatter = read("title:\n  en: A\n  fr: B\n", 0).unwrap();
        assert_eq!(frontmatter.title, None);
        assert_eq!(frontmatter.kept_as_yaml, vec!["title".to_string()]);
        assert_eq!(frontmatter.extra.as_deref(), Some("title:\n  en: A\n  fr: B"));
    }

    #[test]
    fn invalid_yaml_is_an_error_with_its_place() {
        let error = read("title: [unclosed\n", 10).unwrap_err();
        assert!(error.message.contains("not valid YAML"), "{}", error.message);
        assert!(error.offset >= 10);
    }

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        for value in ["Open Source Safety", "Why: because", "- dash", "true", "3.5", "a \"quote\"", " padded", "x #y"] {
            let yaml = format!("title: {}\n", crux_lang::outline::yaml_scalar(value));
            assert_eq!(read(&yaml, 0).unwrap().title.as_deref(), Some(value), "{yaml}");
        }
        assert_eq!(crux_lang::outline::yaml_scalar("Open Source Safety"), "Open Source Safety");
    }
}
