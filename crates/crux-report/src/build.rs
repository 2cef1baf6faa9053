//! Builds the report's [`Document`] from a model and its results: the page's
//! sections in the page's order, each with its computed answers, then the
//! model details. A model without a page gets the same parts in the usual
//! order: the verdict on net, the benefits and risks, where net turns
//! negative, which crux matters most, and the details. The sentences come
//! from [`crate::sentences`].

use crate::document::{Block, Chart, Document, Heading, ListItem, Section, SectionKind, Table, Text};
use crate::format::{effect, flop, interval, on_half_step, param_value, probability, share, signed};
use crate::results::Results;
use crate::sentences;
use crate::words::Words;
use crux_analysis::robustness::Robustness;
use crux_lang::hir;
use crux_lang::model::Side;
use crux_lang::outline::{Assessment, Crux, Item, Show};

/// The report of `model`'s results.
pub fn document(model: &hir::Model, results: &Results) -> Document {
    let words = Words::new(model);
    let file = &model.file;
    let mut sections = vec![Section {
        kind: SectionKind::About,
        heading: None,
        blocks: vec![Block::Note(sentences::about(words, results))],
    }];
    // A model without a page gets the parts of one in the usual order.
    let page_sections = if file.outline.is_empty() {
        sections.extend(plain_sections(words, results));
        Vec::new()
    } else {
        file.sections()
    };
    let mut shown = Vec::new();
    for section in &page_sections {
        if let Some(Show::Crux(index)) = section.show {
            shown.push(index);
        }
        sections.push(page_section(words, results, section));
    }
    insert_robustness(&mut sections, words, results);
    add_worldviews(&mut sections, words, results);
    sections.extend(decision(words, results));
    sections.extend(studies(words, results));
    sections.extend(details(words, results, &shown));
    sections.extend(references(model));
    Document { title: file.header.name().to_string(), frontmatter: Some(file.frontmatter()), sections }
}

/// A section of the page with its answers.
fn page_section(words: Words, results: &Results, section: &crux_lang::outline::Section) -> Section {
    let model = words.model;
    let heading = section.heading.as_ref().map(|text| Heading { level: section.level, text: Text::plain(text) });
    let mut blocks = Vec::new();
    if let Some(body) = &section.body {
        let body = body.trim_end_matches('\n');
        if !body.trim().is_empty() {
            blocks.push(Block::Markdown(body.to_string()));
        }
    }
    let kind = match &section.show {
        None => SectionKind::Text,
        Some(Show::Question) => {
            if let Some(question) = &model.file.outline.question {
                blocks.push(Block::Paragraph(
                    Text::new().and_strong(&question.label).and(": ").and_source(&question.text),
                ));
            }
            SectionKind::Question
        }
        Some(Show::Evaluation { columns }) => {
            blocks.push(Block::Table(evaluation_table(words, results, columns)));
            SectionKind::Evaluation
        }
        Some(Show::Mechanisms { side, columns, mechanisms }) => {
            blocks.extend(mechanism_blocks(words, results, *side, columns, mechanisms));
            SectionKind::Arguments(*side)
        }
        Some(Show::Crux(index)) => {
            blocks.extend(crux_blocks(words, results, *index));
            SectionKind::Crux(model.file.outline.cruxes[*index].id.name.clone())
        }
        Some(Show::Policies) => {
            blocks.extend(policy_blocks(words, results));
            SectionKind::Policies
        }
    };
    Section { kind, heading, blocks }
}

fn cell(text: &str) -> Text {
    Text::source(text)
}

fn evaluation_table(words: Words, results: &Results, columns: &[String]) -> Table {
    let rows = words
        .model
        .file
        .outline
        .evaluation
        .iter()
        .zip(&results.evaluation)
        .zip(&results.evaluation_effects)
        .map(|((row, computed), effects)| {
            let (assessment, notes) = match (&row.assessment, computed) {
                (Assessment::Verdict(rule), Some(verdict)) => {
                    let computed = sentences::verdict_notes(words, rule, verdict.probability);
                    let mut notes = if row.notes.is_empty() {
                        Text::plain(computed)
                    } else {
                        Text::source(&row.notes).and("; ").and(computed)
                    };
                    let label = verdict.label.as_str();
                    let page = row.page_assessment.as_deref().map(str::trim).filter(|page| !page.is_empty());
                    let mut assessment = Text::plain(label);
                    if let Some(page) = page {
                        assessment = assessment.and(format!(" (page: {page})"));
                        if !page.eq_ignore_ascii_case(label)
                            && let Some(effects) = effects
                        {
                            notes =
                                notes.and(". ").and(sentences::evaluation_differs(words, page, label, rule, effects));
                        }
                    }
                    (assessment, notes)
                }
                (Assessment::Fixed(text), _)
                | (Assessment::Verdict(crux_lang::outline::Verdict { text, .. }), None) => {
                    (cell(text), cell(&row.notes))
                }
            };
            vec![cell(&row.dimension), assessment, notes]
        })
        .collect();
    Table { headings: columns.iter().map(|column| cell(column)).collect(), rows }
}

fn mechanism_blocks(
    words: Words,
    results: &Results,
    side: Side,
    columns: &[String],
    mechanisms: &[usize],
) -> Vec<Block> {
    let model = words.model;
    let mut headings: Vec<Text> = columns.iter().map(|column| cell(column)).collect();
    if results.now.is_some() {
        headings.push(Text::plain(sentences::effect_heading(words)));
        headings.push(Text::plain("90% interval"));
    }
    let rows = mechanisms
        .iter()
        .map(|index| {
            let mechanism = &model.file.mechanisms[*index];
            let mut row =
                vec![cell(mechanism.display_name()), cell(mechanism.mechanism.as_deref().unwrap_or_default())];
            if let Some(now) = &results.now {
                let summary = &now.mechanisms[*index];
                row.push(Text::plain(effect(summary.mean)));
                row.push(Text::plain(interval(summary)));
            }
            row
        })
        .collect();
    let mut blocks = vec![Block::Table(Table { headings, rows })];
    if results.now.is_some() {
        blocks.push(Block::Caption(sentences::effects_caption(words, side)));
    }
    blocks
}

fn crux_blocks(words: Words, results: &Results, index: usize) -> Vec<Block> {
    let crux = &words.model.file.outline.cruxes[index];
    let mut blocks = Vec::new();
    if let Some(description) = &crux.description {
        blocks.push(Block::Markdown(description.clone()));
    }
    if !crux.sides.is_empty() {
        blocks.push(Block::Table(Table {
            headings: crux.sides.iter().map(|side| cell(side)).collect(),
            rows: crux.rows.iter().map(|row| row.iter().map(|text| cell(text)).collect()).collect(),
        }));
    }
    for (note, answer) in crux.notes.iter().zip(&results.crux_notes[index]) {
        blocks.push(Block::Paragraph(item_text(note)));
        if let Some(answer) = answer {
            let lines = sentences::answer(words, results, answer);
            blocks.push(Block::List(lines.into_iter().map(ListItem::new).collect()));
        }
    }
    blocks.extend(params_blocks(words, results, crux, "What the model says"));
    blocks
}

/// A policy or a note: its bold label, then its text.
fn item_text(item: &Item) -> Text {
    match &item.label {
        Some(label) => Text::new().and_strong(label).and(": ").and_source(&item.text),
        None => Text::source(&item.text),
    }
}

/// The table of a crux's params, with its lead.
fn params_blocks(words: Words, results: &Results, crux: &Crux, lead: &str) -> Vec<Block> {
    let model = words.model;
    let params: Vec<usize> = (0..model.file.params.len())
        .filter(|index| model.file.params[*index].crux.as_ref().is_some_and(|id| id.name == crux.id.name))
        .collect();
    if params.is_empty() {
        return Vec::new();
    }
    let headings = ["Param", "What it is", "Median", "90% interval", "Source"]
        .iter()
        .map(|heading| Text::plain(*heading))
        .collect();
    let rows = params
        .iter()
        .map(|index| {
            let param = &model.file.params[*index];
            let range = &results.params[*index];
            let (median, spread) = match range.share_true {
                Some(share_true) => (format!("{} true", share(share_true)), "0 or 1".to_string()),
                None if range.summary.p05 == range.summary.p95 => {
                    (param_value(range.summary.p50, 0.0), "fixed".to_string())
                }
                None => {
                    let width = range.summary.p95 - range.summary.p05;
                    let shown = |x: f64| param_value(x, width);
                    (shown(range.summary.p50), format!("{} to {}", shown(range.summary.p05), shown(range.summary.p95)))
                }
            };
            vec![
                Text::new().and_code(&param.name.name),
                cell(param.label.as_deref().unwrap_or_default()),
                Text::plain(median),
                Text::plain(spread),
                cell(param.source.as_deref().unwrap_or_default()),
            ]
        })
        .collect();
    vec![Block::Paragraph(sentences::params_lead(lead, results.samples)), Block::Table(Table { headings, rows })]
}

fn policy_blocks(words: Words, results: &Results) -> Vec<Block> {
    let items = words
        .model
        .file
        .outline
        .policies
        .iter()
        .zip(&results.policies)
        .map(|(item, answer)| ListItem {
            text: item_text(item),
            children: answer
                .as_ref()
                .map(|answer| sentences::answer(words, results, answer).into_iter().map(ListItem::new).collect())
                .unwrap_or_default(),
        })
        .collect();
    let mut blocks = vec![Block::List(items)];
    blocks.extend(sensitivity_blocks(words, results));
    blocks
}

/// Which crux matters most, its table, and how it was estimated.
fn sensitivity_blocks(words: Words, results: &Results) -> Vec<Block> {
    let Some(sensitivity) = &results.sensitivity else { return Vec::new() };
    vec![
        Block::Paragraph(sentences::sensitivity_summary(words, sensitivity)),
        Block::Table(Table {
            headings: sentences::sensitivity_headings().iter().map(|heading| Text::plain(*heading)).collect(),
            rows: sentences::sensitivity_rows(words, sensitivity),
        }),
        Block::Paragraph(sentences::sensitivity_method(sensitivity)),
    ]
}

/// Which option of the model's decision is best along the axis: a section
/// only for a model with a `[decision]`.
fn decision(words: Words, results: &Results) -> Option<Section> {
    let decision = results.decision.as_ref()?;
    let mut headings = vec![Text::plain(words.axis())];
    headings.extend(decision.options.iter().map(|option| Text::plain(format!("E[{option}]"))));
    headings.push(Text::plain("Best"));
    headings.push(Text::plain("EVPI"));
    Some(Section {
        kind: SectionKind::Decision,
        heading: Some(Heading { level: 2, text: Text::plain("Which option is best") }),
        blocks: vec![
            Block::Paragraph(sentences::decision_summary(words, decision)),
            Block::Table(Table { headings, rows: sentences::decision_rows(decision) }),
            Block::Paragraph(sentences::decision_method(decision)),
        ],
    })
}

/// What each declared study is worth: a section only for a model with studies.
fn studies(words: Words, results: &Results) -> Option<Section> {
    let studies = results.studies.as_ref()?;
    Some(Section {
        kind: SectionKind::Studies,
        heading: Some(Heading { level: 2, text: Text::plain("What a study is worth") }),
        blocks: vec![
            Block::Paragraph(sentences::studies_summary(words, studies)),
            Block::Table(Table {
                headings: sentences::studies_headings().iter().map(|heading| Text::plain(*heading)).collect(),
                rows: sentences::studies_rows(words, studies),
            }),
            Block::Paragraph(sentences::studies_method(studies)),
        ],
    })
}

/// The sections of a model without a page: the verdict on net, the benefits
/// and the risks, and, on an axis, where net turns negative, then which crux
/// matters most when that was computed.
fn plain_sections(words: Words, results: &Results) -> Vec<Section> {
    let model = words.model;
    let heading = |text: &str| Some(Heading { level: 2, text: Text::plain(text) });
    let run = &results.run;
    let mut sections = vec![Section {
        kind: SectionKind::Evaluation,
        heading: heading("Verdict"),
        blocks: vec![
            Block::Paragraph(sentences::verdict_on_net(words, run)),
            Block::Caption(sentences::verdict_rule()),
        ],
    }];
    let picks = spread(run.points.len(), 7);
    for (side, title, column) in [(Side::Benefit, "Benefits", "Benefit"), (Side::Risk, "Risks", "Risk")] {
        let mechanisms: Vec<usize> =
            (0..model.file.mechanisms.len()).filter(|index| model.file.mechanisms[*index].side == side).collect();
        if mechanisms.is_empty() {
            continue;
        }
        let mut headings = vec![Text::plain(column), Text::plain("Mechanism")];
        headings
            .extend(picks.iter().map(|index| Text::plain(sentences::mean_effect_heading(words, run.points[*index]))));
        let rows = mechanisms
            .iter()
            .map(|index| {
                let mechanism = &model.file.mechanisms[*index];
                let mut row =
                    vec![cell(mechanism.display_name()), cell(mechanism.mechanism.as_deref().unwrap_or_default())];
                row.extend(picks.iter().map(|point| Text::plain(effect(run.mechanisms[*index].mean[*point]))));
                row
            })
            .collect();
        sections.push(Section {
            kind: SectionKind::Arguments(side),
            heading: heading(title),
            blocks: vec![
                Block::Table(Table { headings, rows }),
                Block::Caption(sentences::mean_effects_caption(words, side)),
            ],
        });
    }
    if let Some(threshold) = &results.threshold {
        sections.push(Section {
            kind: SectionKind::Threshold,
            heading: heading("Where net turns negative"),
            blocks: vec![Block::List(sentences::threshold(words, threshold).into_iter().map(ListItem::new).collect())],
        });
    }
    let sensitivity = sensitivity_blocks(words, results);
    if !sensitivity.is_empty() {
        sections.push(Section {
            kind: SectionKind::Sensitivity,
            heading: heading("Which crux matters most"),
            blocks: sensitivity,
        });
    }
    sections
}

/// Up to `count` indices spread evenly over `0..len`, ends included.
pub fn spread(len: usize, count: usize) -> Vec<usize> {
    if len <= count {
        return (0..len).collect();
    }
    let mut picks: Vec<usize> = (0..count).map(|i| (i * (len - 1) + (count - 1) / 2) / (count - 1)).collect();
    picks.dedup();
    picks
}

/// The model details: the cruxes the page does not show, the params
/// without a crux, and net along the axis.
fn details(words: Words, results: &Results, shown: &[usize]) -> Vec<Section> {
    let model = words.model;
    let heading = |level: u8, text: &str| Some(Heading { level, text: Text::plain(text) });
    let mut intro = vec![Block::Paragraph(sentences::details_intro(results))];
    let mut sections = Vec::new();
    for (index, crux) in model.file.outline.cruxes.iter().enumerate() {
        if shown.contains(&index) {
            continue;
        }
        let mut blocks = Vec::new();
        if let Some(description) = &crux.description {
            blocks.push(Block::Markdown(description.clone()));
        }
        blocks.extend(params_blocks(words, results, crux, "Parameters"));
        sections.push(Section {
            kind: SectionKind::Crux(crux.id.name.clone()),
            heading: heading(3, &crux.heading()),
            blocks,
        });
    }
    let ungrouped: Vec<&str> =
        model.file.params.iter().filter(|param| param.crux.is_none()).map(|param| param.name.name.as_str()).collect();
    if !ungrouped.is_empty() && !model.file.outline.cruxes.is_empty() {
        let paragraph = Block::Paragraph(sentences::ungrouped_params(&ungrouped));
        match sections.last_mut() {
            Some(last) => last.blocks.push(paragraph),
            None => intro.push(paragraph),
        }
    }
    let mut all = vec![Section { kind: SectionKind::Details, heading: heading(2, "Model details"), blocks: intro }];
    all.extend(sections);
    if results.run.points.len() > 1 {
        all.push(net_by_axis(words, results));
    }
    all
}

/// The works the model cites, in the bibliography's order: the report's last section.
fn references(model: &hir::Model) -> Option<Section> {
    let cited = model.file.cited_references();
    (!cited.is_empty()).then(|| Section {
        kind: SectionKind::References,
        heading: Some(Heading { level: 2, text: Text::plain("References") }),
        blocks: vec![Block::List(
            cited.into_iter().map(|reference| ListItem::new(sentences::reference(reference))).collect(),
        )],
    })
}

/// The worldviews' answers side by side, in the robustness section (made
/// for them, after the policies, when the model has none).
fn add_worldviews(sections: &mut Vec<Section>, words: Words, results: &Results) {
    if results.worldviews.is_empty() {
        return;
    }
    let computed: Vec<usize> = (0..results.evaluation.len()).filter(|row| results.evaluation[*row].is_some()).collect();
    let mut headings = vec![Text::plain("Worldview"), Text::plain(sentences::worldview_now_heading(words))];
    headings.push(Text::plain("P(net > 0)"));
    headings.push(Text::plain("E[net] negative from"));
    headings.extend(computed.iter().map(|row| cell(&words.model.file.outline.evaluation[*row].dimension)));
    let base = crate::results::WorldviewAnswer {
        name: "This model's defaults".to_string(),
        samples: results.samples,
        now: results.now.as_ref().map(|now| (now.net.mean, now.p_positive)),
        mean_crossing: results.threshold.as_ref().and_then(|threshold| threshold.mean_crossing_value()),
        evaluation: results.evaluation.clone(),
    };
    let rows = std::iter::once(&base)
        .chain(&results.worldviews)
        .map(|answer| {
            let mut row = vec![Text::plain(&answer.name)];
            row.extend(sentences::worldview_cells(words, answer, results.run.points.last().copied()));
            row.extend(computed.iter().map(|index| {
                Text::plain(answer.evaluation[*index].map_or_else(
                    || "–".to_string(),
                    |verdict| {
                        format!("{} ({})", verdict.label.as_str(), crate::format::probability(verdict.probability))
                    },
                ))
            }));
            row
        })
        .collect();
    let blocks = vec![
        Block::Paragraph(sentences::worldviews_lead(words, &results.worldviews, results.samples)),
        Block::Table(Table { headings, rows }),
    ];
    match sections.iter_mut().find(|section| section.kind == SectionKind::Robustness) {
        Some(section) => section.blocks.extend(blocks),
        None => {
            let after = sections
                .iter()
                .rposition(|section| matches!(section.kind, SectionKind::Policies | SectionKind::Threshold));
            let section = Section {
                kind: SectionKind::Robustness,
                heading: Some(Heading { level: 2, text: Text::plain("How robust the answer is") }),
                blocks,
            };
            sections.insert(after.map_or(sections.len(), |index| index + 1), section);
        }
    }
}

/// Puts the robustness section after the policies (a page) or the
/// threshold (a model without a page), else at the end, before the details.
fn insert_robustness(sections: &mut Vec<Section>, words: Words, results: &Results) {
    let Some(robustness) = &results.robustness else { return };
    let after =
        sections.iter().rposition(|section| matches!(section.kind, SectionKind::Policies | SectionKind::Threshold));
    let section = Section {
        kind: SectionKind::Robustness,
        heading: Some(Heading { level: 2, text: Text::plain("How robust the answer is") }),
        blocks: vec![
            Block::Paragraph(sentences::robustness_summary(words, robustness)),
            Block::Table(Table {
                headings: sentences::robustness_headings(words).into_iter().map(Text::plain).collect(),
                rows: sentences::robustness_rows(words, robustness),
            }),
            Block::Chart(Box::new(Chart {
                id: "robustness-chart".to_string(),
                chart: robustness_chart(words, robustness),
                figures: robustness_figures(robustness),
                caption: sentences::robustness_caption(words, robustness),
            })),
            Block::Paragraph(sentences::robustness_method(words, robustness, results.samples)),
        ],
    };
    sections.insert(after.map_or(sections.len(), |index| index + 1), section);
}

/// The key figures of the robustness chart: the earliest and the latest
/// crossing and the base (`never` beyond the grid).
fn robustness_figures(robustness: &Robustness) -> Vec<(String, String)> {
    let text = |crossing: Option<f64>| crossing.map_or_else(|| "never".to_string(), crate::format::capability);
    let (min, max) = robustness.crossing_range();
    vec![
        ("crossing-min".to_string(), text(min)),
        ("crossing-max".to_string(), text(max)),
        ("crossing-base".to_string(), text(robustness.base.crossing)),
    ]
}

/// The swing tornado of the robustness analysis: for each judgement param,
/// where E[net] turns negative with it held at its 10th and at its 90th
/// percentile, around the crossing with every param as drawn. A crossing
/// beyond the grid is drawn one step past its end, marked "never".
pub fn robustness_chart(words: Words, robustness: &Robustness) -> crux_plot::Chart {
    let beyond = robustness.beyond_grid();
    let end = robustness.grid.last().copied().unwrap_or(beyond);
    let value = |crossing: Option<f64>| crossing.unwrap_or(beyond);
    let text = |crossing: Option<f64>| crossing.map_or_else(|| "never".to_string(), crate::format::capability);
    let axis = words.axis();
    crux_plot::Chart::Swing(crux_plot::Swing {
        // No brackets: the title is also a Markdown image's alternative text.
        title: "How robust the answer is: where mean net turns negative, one judgement at a time".to_string(),
        x_label: format!("{axis} from which E[net] stays negative"),
        base: value(robustness.base.crossing),
        base_label: format!("every judgement as drawn: {}", text(robustness.base.crossing)),
        low_name: "held at its 10th percentile".to_string(),
        high_name: "held at its 90th percentile".to_string(),
        rows: robustness
            .rows
            .iter()
            .map(|row| crux_plot::SwingRow {
                label: row.name.clone(),
                low: value(row.at_low.crossing),
                high: value(row.at_high.crossing),
                low_text: text(row.at_low.crossing),
                high_text: text(row.at_high.crossing),
            })
            .collect(),
        // The end of the grid, when a bar reaches past it.
        marks: std::iter::once(robustness.base.crossing)
            .chain(robustness.rows.iter().flat_map(|row| [row.at_low.crossing, row.at_high.crossing]))
            .any(|crossing| crossing.is_none())
            .then(|| crux_plot::Mark {
                x: end,
                label: format!("end of the grid ({axis} = {})", crate::format::capability(end)),
            })
            .into_iter()
            .collect(),
    })
}

/// Net at each whole and half step of the axis.
fn net_by_axis(words: Words, results: &Results) -> Section {
    let flop_axis = words.flop_axis();
    let mut headings = vec![Text::plain(words.axis())];
    if flop_axis {
        headings.push(Text::plain("FLOP"));
    }
    headings.extend(["E[net]", "90% interval", "P(net > 0)"].iter().map(|heading| Text::plain(*heading)));
    let rows = results
        .run
        .points
        .iter()
        .zip(&results.run.net)
        .filter(|(x, _)| on_half_step(**x))
        .map(|(x, summary)| {
            let mut row = vec![Text::plain(crate::format::capability(*x))];
            if flop_axis {
                row.push(Text::plain(flop(*x).trim_end_matches(" FLOP")));
            }
            row.extend([
                Text::plain(signed(summary.mean)),
                Text::plain(format!("{} to {}", effect(summary.p05), effect(summary.p95))),
                Text::plain(probability(summary.p_positive)),
            ]);
            row
        })
        .collect();
    Section {
        kind: SectionKind::NetByAxis,
        heading: Some(Heading { level: 3, text: Text::plain(sentences::net_by_axis_heading(words)) }),
        blocks: vec![Block::Table(Table { headings, rows })],
    }
}
