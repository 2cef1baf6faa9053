//! Every line of the knowledge-base page appears in the report, in order:
//! the frontmatter fields, the question, every heading, every table row
//! (each evaluation row, each benefit and risk, each crux side and row), the
//! key question, the lead sentence and every policy bullet. Computed columns
//! may follow a row's cells, computed notes may follow the page's note, and
//! a computed assessment shows the page's beside it.
//! The page's mojibake (`â€”`, an em dash read as Windows-1252) must come out
//! as a proper em dash.

mod common;

use crux_report::markdown;

/// Cells of a Markdown table line, or `None` if it is not a table row.
fn cells(line: &str) -> Option<Vec<String>> {
    let line = line.trim();
    let inner = line.strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(|cell| cell.trim().to_string()).collect())
}

fn is_separator(cells: &[String]) -> bool {
    cells.iter().all(|cell| !cell.is_empty() && cell.chars().all(|ch| ch == '-' || ch == ':'))
}

/// Whether a report line holds the page line: the same text, or a table row
/// whose first cells are the page's (the last may be continued).
fn holds(report_line: &str, page_line: &str) -> bool {
    if report_line == page_line {
        return true;
    }
    let (Some(report), Some(page)) = (cells(report_line), cells(page_line)) else { return false };
    if report.len() < page.len() {
        return false;
    }
    let last = page.len() - 1;
    // A computed assessment shows the page's beside it: "Negative (page: Unclear)".
    let same = |report: &String, page: &String| *report == *page || report.ends_with(&format!(" (page: {page})"));
    report[..last].iter().zip(&page[..last]).all(|(report, page)| same(report, page))
        && (report[last] == page[last] || report[last].starts_with(&format!("{}; ", page[last])))
}

#[test]
fn every_line_of_the_page_is_in_the_report() {
    let (page, origin) = common::page();
    assert!(page.contains("â€”"), "the page in {origin} is expected to carry its mojibake dash");
    let page = page.replace("â€”", "—");
    let model = common::builtin(&[]);
    let results = common::results(&model, 2000);
    let report = markdown::render(&model, &results);
    assert!(!report.contains("â€”"), "the report must print a proper em dash");
    let report_lines: Vec<&str> = report.lines().collect();
    let mut position = 0;
    let mut checked = 0;
    for line in page.lines().map(str::trim_end).filter(|line| !line.is_empty() && *line != "---") {
        if cells(line).is_some_and(|cells| is_separator(&cells)) {
            continue;
        }
        let found = report_lines[position..].iter().position(|candidate| holds(candidate, line));
        let Some(offset) = found else {
            panic!("the report lacks, after line {position}, the page's line\n  {line}\n(page: {origin})");
        };
        position += offset + 1;
        checked += 1;
    }
    // 2 frontmatter fields, the question, 8 headings, 5 + 6 + 6 + 4 + 3 + 3
    // table lines (headers and rows), the This Is Different paragraph, the
    // key question, the lead sentence and 4 policy bullets.
    assert_eq!(checked, 45, "the page's lines were not all checked");
}
