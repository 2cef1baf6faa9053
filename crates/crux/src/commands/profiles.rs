//! `crux profiles`: belief profiles in the elicitation store.

use crate::Outcome;
use crate::input::{Failure, read_text};
use crux_lang::{Diagnostic, Sources};
use crux_report::text::table;
use crux_store::{Location, ModelSource, Store, StoreError, validate};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Opens the store at `db`: a SQLite file, or a `postgres://` address.
fn open(db: &Path) -> Result<Store, Failure> {
    Store::open_location(&Location::parse(&db.to_string_lossy())).map_err(store_failure)
}

fn store_failure(error: StoreError) -> Failure {
    Failure { diagnostics: vec![Diagnostic::error(error.message)], exit_code: 2 }
}

/// Reads the model the profiles are for.
pub fn model_source(model: &Path) -> Result<ModelSource, Failure> {
    Ok(ModelSource { name: model.display().to_string(), text: read_text(model)? })
}

/// Validates every file first, then stores them, one transaction each; prints
/// a line per stored profile as soon as it is committed.
pub fn add(
    sources: &mut Sources,
    model: &ModelSource,
    files: &[PathBuf],
    db: &Path,
    respondent: Option<&str>,
) -> Outcome {
    let mut validated = Vec::with_capacity(files.len());
    let mut diagnostics = Vec::new();
    for file in files {
        let text = read_text(file)?;
        match validate(sources, model, &file.display().to_string(), &text) {
            Ok(profile) => validated.push((file, profile)),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if !diagnostics.is_empty() {
        diagnostics
            .push(Diagnostic::error("no profile was stored").with_help("fix the profiles above and add them again"));
        return Err(Failure::input(diagnostics));
    }
    let mut store = open(db)?;
    let mut stdout = std::io::stdout().lock();
    for (file, profile) in &validated {
        let respondent = respondent.map_or_else(|| profile.profile.author.clone(), str::to_string);
        let id = store.add(&respondent, profile).map_err(store_failure)?;
        let line = format!("stored profile {id}: {} ({}) from {}\n", profile.profile.name, respondent, file.display());
        crate::emit(&mut stdout, &line);
    }
    Ok(String::new())
}

pub fn list(db: &Path) -> Outcome {
    let mut store = open(db)?;
    let rows: Vec<Vec<String>> = store
        .list(None)
        .map_err(store_failure)?
        .into_iter()
        .map(|profile| {
            vec![
                profile.id.to_string(),
                profile.name,
                profile.respondent,
                profile.created_at,
                format!("{} ({})", profile.model_id, &profile.model_hash[..12.min(profile.model_hash.len())]),
            ]
        })
        .collect();
    if rows.is_empty() {
        return Ok(format!("no profiles in {}\n", Location::parse(&db.to_string_lossy()).display()));
    }
    Ok(table(&["id", "name", "respondent", "stored", "model"], &rows))
}

pub fn export(db: &Path, directory: &Path) -> Outcome {
    let mut store = open(db)?;
    let written = store.export(directory).map_err(store_failure)?;
    let mut out = String::new();
    for path in &written {
        let _ = writeln!(out, "{}", path.display());
    }
    let _ = writeln!(out, "exported {} profile{}", written.len(), if written.len() == 1 { "" } else { "s" });
    Ok(out)
}

/// Lists the preset profiles of the built-in model, with their notes.
pub fn presets() -> Outcome {
    let mut out = String::from("Preset profiles of the built-in model (use a name wherever a profile file goes):\n");
    for (name, text) in crux_worldview::presets::PRESETS {
        let mut sources = Sources::new();
        let file = sources.add(*name, *text);
        let profile = crux_lang::profile::parse_profile(&mut sources, file)
            .map_err(|_| Failure::input(vec![Diagnostic::error(format!("the preset {name} does not parse"))]))?;
        let _ = writeln!(out, "\n{name}: {}", profile.name);
        let changed: Vec<&str> = profile.param_names().collect();
        let _ = writeln!(out, "  sets: {}", changed.join(", "));
        for line in profile.notes.trim().lines() {
            let _ = writeln!(out, "  {}", line.trim());
        }
    }
    Ok(out)
}
