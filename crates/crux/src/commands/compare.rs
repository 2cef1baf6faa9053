//! `crux compare` and `crux pool`: several views of a model side by side,
//! the double crux of each pair, and the pooled view of a group.

use crate::input::{Failure, Text, model_text, parse_model_with, profile_text};
use crate::{Outcome, ViewFormat};
use crux_lang::Sources;
use crux_lang::model::ModelFile;
use crux_lang::profile::parse_profile;
use crux_report::Options;
use crux_store::{Location, Store};
use crux_worldview::Beliefs;
use crux_worldview::compare::{View, compute_view, double_crux};
use crux_worldview::group::{Method, group_view};
use crux_worldview::report::{double_cruxes_markdown, group_markdown, positions_markdown, positions_text};
use std::path::{Path, PathBuf};

/// Reads each profile, checks it against the model, and makes it a view.
fn views(sources: &mut Sources, model: &ModelFile, profiles: &[Text]) -> Result<Vec<View>, Failure> {
    let mut views = Vec::with_capacity(profiles.len());
    let mut diagnostics = Vec::new();
    for text in profiles {
        let file = sources.add(text.name.clone(), text.text.as_str());
        match parse_profile(sources, file) {
            Ok(profile) => {
                if let Err(errors) = profile.apply(&mut model.clone()) {
                    diagnostics.extend(errors);
                }
                views.push(View { label: profile.name.clone(), beliefs: Beliefs::from_profile(&profile) });
            }
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if !diagnostics.is_empty() {
        return Err(Failure::input(diagnostics));
    }
    // Two views with one name would be indistinguishable in the output.
    for index in 0..views.len() {
        let duplicates = views[..index].iter().filter(|view| view.label == views[index].label).count();
        if duplicates > 0 {
            views[index].label = format!("{} ({})", views[index].label, duplicates + 1);
        }
    }
    Ok(views)
}

pub struct CompareArgs<'a> {
    pub profiles: &'a [PathBuf],
    pub model: Option<&'a Path>,
    pub samples: usize,
    pub seed: u64,
    pub format: ViewFormat,
}

pub fn compare(sources: &mut Sources, args: &CompareArgs) -> Outcome {
    if args.profiles.len() < 2 {
        return Err(Failure::input(vec![
            crux_lang::Diagnostic::error("compare needs at least two profiles")
                .with_help("for example `crux compare open-release-advocate security-first`"),
        ]));
    }
    let model_text = model_text(args.model)?;
    let model = parse_model_with(sources, &model_text, None, &[])?;
    let texts: Vec<Text> = args.profiles.iter().map(|path| profile_text(path)).collect::<Result<_, _>>()?;
    let views = views(sources, &model, &texts)?;
    let options = Options::new(args.samples, args.seed);
    let mut positions = Vec::with_capacity(views.len());
    for view in &views {
        positions.push(compute_view(sources, &model, view, &options)?.0);
    }
    let mut pairs = Vec::new();
    for a in 0..views.len() {
        for b in a + 1..views.len() {
            pairs.push(double_crux(sources, &model, (&views[a], &positions[a]), (&views[b], &positions[b]), &options)?);
        }
    }
    Ok(match args.format {
        ViewFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "samples": args.samples,
                "seed": args.seed,
                "positions": positions,
                "double_cruxes": pairs,
            }))
            .expect("the comparison serialises")
                + "\n"
        }
        ViewFormat::Md => format!(
            "## Side by side\n\n{}\n## The double crux\n\n{}",
            positions_markdown(&positions),
            double_cruxes_markdown(&pairs)
        ),
        ViewFormat::Text => {
            let mut out = positions_text(&positions);
            for pair in &pairs {
                out.push('\n');
                out.push_str(&pair.summary);
                out.push('\n');
            }
            out
        }
    })
}

pub struct PoolArgs<'a> {
    pub profiles: &'a [PathBuf],
    pub db: Option<&'a Path>,
    pub weights: Option<&'a [f64]>,
    pub method: Method,
    pub model: Option<&'a Path>,
    pub samples: usize,
    pub seed: u64,
    pub format: ViewFormat,
}

pub fn pool(sources: &mut Sources, args: &PoolArgs) -> Outcome {
    let model_text = model_text(args.model)?;
    let model = parse_model_with(sources, &model_text, None, &[])?;
    let mut texts: Vec<Text> = args.profiles.iter().map(|path| profile_text(path)).collect::<Result<_, _>>()?;
    if let Some(db) = args.db {
        let mut store = Store::open_location(&Location::parse(&db.to_string_lossy()))
            .map_err(|error| Failure::input(vec![crux_lang::Diagnostic::error(error.message)]))?;
        let stored = store
            .list(Some(&model.header.id))
            .map_err(|error| Failure::input(vec![crux_lang::Diagnostic::error(error.message)]))?;
        texts.extend(stored.into_iter().map(|profile| Text {
            name: format!("{} (stored profile {})", db.display(), profile.id),
            text: profile.profile_toml,
        }));
    }
    if texts.is_empty() {
        return Err(Failure::input(vec![
            crux_lang::Diagnostic::error("nothing to pool")
                .with_help("give profile files or preset names, or a store with --db"),
        ]));
    }
    let weights: Vec<f64> = match args.weights {
        Some(weights) if weights.len() != texts.len() => {
            return Err(Failure::input(vec![crux_lang::Diagnostic::error(format!(
                "{} weights for {} profiles",
                weights.len(),
                texts.len()
            ))]));
        }
        Some(weights) => weights.to_vec(),
        None => vec![1.0; texts.len()],
    };
    if let Some(bad) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
        return Err(Failure::input(vec![crux_lang::Diagnostic::error(format!(
            "weights must be finite and not negative, but one is {bad}"
        ))]));
    }
    if weights.iter().sum::<f64>() <= 0.0 {
        return Err(Failure::input(vec![crux_lang::Diagnostic::error("at least one weight must be positive")]));
    }
    let views = views(sources, &model, &texts)?;
    let options = Options::new(args.samples, args.seed);
    let group = group_view(sources, &model, &views, &weights, args.method, &options)?;
    Ok(match args.format {
        ViewFormat::Json => serde_json::to_string_pretty(&group).expect("the group view serialises") + "\n",
        ViewFormat::Md => group_markdown(&group),
        ViewFormat::Text => {
            let mut positions = vec![group.pooled.clone()];
            positions.extend(group.members.iter().cloned());
            let mut out = positions_text(&positions);
            out.push('\n');
            for line in &group.disagreement {
                out.push_str(line);
                out.push('\n');
            }
            out
        }
    })
}
