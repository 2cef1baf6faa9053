//! The profile store as the API and the pages use it: a page of stored
//! profiles, saving one (within the quotas, at most once per idempotency
//! key), editing and deleting one (only its author may, where there are
//! per-person tokens), and choosing the profiles a comparison or a group
//! view takes.
//!
//! A stored profile that no longer parses, or no longer applies to the
//! model, is listed with the reason (`invalid`) and left out of comparisons
//! and pools: it is never read as someone holding the model's own beliefs.
//! Store failures are answered without the store's location (which goes to
//! the log), and a read-only store answers writes with 503.

use crate::auth::Identity;
use crate::error::{ApiError, located};
use crate::state::AppState;
use crate::wire::{LeftOut, ProfileInfo, SaveProfile};
use axum::http::{HeaderMap, StatusCode};
use crux_lang::Sources;
use crux_lang::profile::parse_profile;
use crux_store::{ErrorKind, Inserted, NewProfile, Store, StoreError, StoredProfile, ValidatedProfile};
use crux_worldview::Beliefs;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Reads a stored profile: its beliefs, or why they cannot be read.
fn profile_info(state: &AppState, stored: &StoredProfile) -> ProfileInfo {
    let mut sources = Sources::new();
    let file = sources.add(format!("profile {}", stored.id), stored.profile_toml.as_str());
    let (notes, overrides, mut invalid) = match parse_profile(&mut sources, file) {
        Ok(profile) => (profile.notes.clone(), Beliefs::from_profile(&profile).overrides, None),
        Err(diagnostics) => {
            let reason = diagnostics.first().map_or_else(
                || "it does not parse".to_string(),
                |diagnostic| match diagnostic.span {
                    Some(span) => format!("{}: {}", sources.location(span), diagnostic.message),
                    None => diagnostic.message.clone(),
                },
            );
            (String::new(), BTreeMap::new(), Some(reason))
        }
    };
    if invalid.is_none()
        && let Err(error) = state.model_with(&overrides)
    {
        let detail = error.body().error;
        let param = detail.param.map_or(String::new(), |param| format!("`{param}`: "));
        invalid = Some(format!("it no longer applies to the model: {param}{}", detail.message));
    }
    ProfileInfo {
        id: stored.id,
        name: stored.name.clone(),
        respondent: stored.respondent.clone(),
        author: stored.author.clone(),
        created_at: stored.created_at.clone(),
        updated_at: stored.updated_at.clone(),
        notes,
        overrides,
        current: stored.model_hash == state.model.hash(),
        invalid,
    }
}

/// A store failure as the client sees it: the status its kind calls for and
/// a message without the store's location (which is logged instead).
pub fn store_error(error: &StoreError) -> ApiError {
    let status = match error.kind {
        ErrorKind::ReadOnly => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Quota => StatusCode::INSUFFICIENT_STORAGE,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::NotAuthor => StatusCode::FORBIDDEN,
        ErrorKind::IdempotencyConflict => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(error = %error.message, "the profile store failed");
    }
    ApiError::with_status(status, error.public_message())
}

/// Runs `work` on the store, on a blocking thread.
async fn with_store<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&mut Store, &AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let worker = state.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = worker.store.lock().map_err(|_| ApiError::internal("the profile store is unavailable"))?;
        work(&mut store, &worker)
    })
    .await
    .map_err(|_| ApiError::internal("the profile store is unavailable"))?
}

/// 503 at once when the store was found read-only at start.
fn writable(state: &AppState) -> Result<(), ApiError> {
    if state.store_read_only {
        let error = StoreError { kind: ErrorKind::ReadOnly, message: String::new() };
        return Err(ApiError::with_status(StatusCode::SERVICE_UNAVAILABLE, error.public_message()));
    }
    Ok(())
}

/// A page of stored profiles (at most `limit`, after id `after`), whether more follow, and how many are stored.
pub async fn profile_page(
    state: &Arc<AppState>,
    after: Option<i64>,
    limit: usize,
) -> Result<(Vec<ProfileInfo>, bool, usize), ApiError> {
    let (mut profiles, total) = with_store(state, move |store, state| {
        let model = Some(state.base.header.id.as_str());
        let stored = store.page(model, after, Some(limit + 1)).map_err(|error| store_error(&error))?;
        let total = store.count_of(model).map_err(|error| store_error(&error))?;
        Ok((stored.iter().map(|profile| profile_info(state, profile)).collect::<Vec<_>>(), total))
    })
    .await?;
    let more = profiles.len() > limit;
    profiles.truncate(limit);
    Ok((profiles, more, total))
}

#[derive(Serialize)]
struct ProfileFile<'a> {
    profile: ProfileHeader<'a>,
    params: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct ProfileHeader<'a> {
    name: &'a str,
    author: &'a str,
    model: &'a str,
    notes: &'a str,
}

/// Checks a profile a client sent and writes it as the store keeps it: the
/// validated profile and who holds it.
fn validated(state: &AppState, request: &SaveProfile) -> Result<(ValidatedProfile, String), ApiError> {
    let name = request.name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("a profile needs a name"));
    }
    let limit = state.limits.max_text_chars;
    for (field, text) in
        [("name", name), ("respondent", request.respondent.as_str()), ("notes", request.notes.as_str())]
    {
        if text.chars().count() > limit {
            return Err(ApiError::bad_request(format!("the {field} is longer than {limit} characters")));
        }
        if text.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\t' && ch != '\r') {
            return Err(ApiError::bad_request(format!("the {field} contains control characters")));
        }
    }
    let beliefs = state.beliefs(&request.overrides);
    // Locate problems in the expressions the client wrote before storing anything.
    state.model_with(&beliefs.overrides)?;
    let respondent = if request.respondent.trim().is_empty() { "anonymous" } else { request.respondent.trim() };
    let file = ProfileFile {
        profile: ProfileHeader { name, author: respondent, model: &state.base.header.id, notes: request.notes.trim() },
        params: &beliefs.overrides,
    };
    let text =
        toml::to_string(&file).map_err(|error| ApiError::bad_request(format!("cannot write the profile: {error}")))?;
    let mut sources = Sources::new();
    let validated = crux_store::validate(&mut sources, &state.model, "profile", &text)
        .map_err(|diagnostics| located(&diagnostics, &sources))?;
    Ok((validated, respondent.to_string()))
}

/// The `Idempotency-Key` header, checked.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 200 || key.chars().any(|ch| ch.is_control()) {
        return Err(ApiError::bad_request("the Idempotency-Key header must be 1 to 200 printable characters"));
    }
    Ok(Some(key.to_string()))
}

/// Stores `request`'s beliefs as a named profile by `identity`, after
/// checking them against the model; whether it was stored before under the
/// same idempotency key (in `headers`), and the profile.
pub async fn save(
    state: &Arc<AppState>,
    identity: &Identity,
    headers: &HeaderMap,
    request: &SaveProfile,
) -> Result<(Inserted, ProfileInfo), ApiError> {
    writable(state)?;
    let key = idempotency_key(headers)?;
    let (validated, respondent) = validated(state, request)?;
    let author = identity.author().map(str::to_string);
    let (inserted, info) = with_store(state, move |store, state| {
        let hash = crux_store::sha256_hex(
            format!("{}\0{respondent}\0{}", author.as_deref().unwrap_or(""), validated.text).as_bytes(),
        );
        let new = NewProfile {
            respondent: &respondent,
            author: author.as_deref(),
            profile: &validated,
            idempotency: key.as_deref().map(|key| (key, hash.as_str())),
        };
        let inserted = store.insert(&new, &state.limits.quotas).map_err(|error| store_error(&error))?;
        let stored = store
            .get(inserted.id())
            .map_err(|error| store_error(&error))?
            .ok_or_else(|| ApiError::internal("the stored profile is missing"))?;
        Ok((inserted, profile_info(state, &stored)))
    })
    .await?;
    if matches!(inserted, Inserted::Created(_)) {
        state.metrics.profile_write("create");
    }
    Ok((inserted, info))
}

/// Replaces profile `id`'s name, respondent, notes and beliefs, if `identity` may.
pub async fn update(
    state: &Arc<AppState>,
    identity: &Identity,
    id: i64,
    request: &SaveProfile,
) -> Result<ProfileInfo, ApiError> {
    writable(state)?;
    let (validated, respondent) = validated(state, request)?;
    let editor = identity.author().map(str::to_string);
    let info = with_store(state, move |store, state| {
        store.update(id, editor.as_deref(), &respondent, &validated).map_err(|error| store_error(&error))?;
        let stored = store
            .get(id)
            .map_err(|error| store_error(&error))?
            .ok_or_else(|| ApiError::with_status(StatusCode::NOT_FOUND, format!("no stored profile {id}")))?;
        Ok(profile_info(state, &stored))
    })
    .await?;
    state.metrics.profile_write("update");
    Ok(info)
}

/// Deletes profile `id`, if `identity` may.
pub async fn delete(state: &Arc<AppState>, identity: &Identity, id: i64) -> Result<(), ApiError> {
    writable(state)?;
    let editor = identity.author().map(str::to_string);
    with_store(state, move |store, _| store.delete(id, editor.as_deref()).map_err(|error| store_error(&error))).await?;
    state.metrics.profile_write("delete");
    Ok(())
}

/// The profiles a comparison or pool takes, and those it leaves out.
#[derive(Debug, Clone)]
pub struct Selected {
    pub profiles: Vec<ProfileInfo>,
    pub left_out: Vec<LeftOut>,
}

/// The stored profiles named by `ids`, or (`None`) the newest valid ones;
/// at most `limits.max_profiles`: the rest are left out, saying so. An
/// invalid profile is left out of the newest; named, it is an error (409).
pub async fn select_profiles(state: &Arc<AppState>, ids: Option<Vec<i64>>) -> Result<Selected, ApiError> {
    let most = state.limits.max_profiles.max(1);
    with_store(state, move |store, state| {
        let model = state.base.header.id.clone();
        let mut left_out = Vec::new();
        let mut profiles = Vec::new();
        match ids {
            None => {
                // The newest profiles first; invalid ones are left out, saying why.
                let total = store.count_of(Some(&model)).map_err(|error| store_error(&error))?;
                let stored = store.newest(Some(&model), most * 2).map_err(|error| store_error(&error))?;
                for info in stored.iter().rev().map(|profile| profile_info(state, profile)) {
                    match &info.invalid {
                        Some(reason) => {
                            left_out.push(LeftOut { id: Some(info.id), name: info.name, reason: reason.clone() })
                        }
                        None if profiles.len() < most => profiles.push(info),
                        None => left_out.push(LeftOut {
                            id: Some(info.id),
                            name: info.name,
                            reason: format!("only the newest {most} profiles are taken at once"),
                        }),
                    }
                }
                profiles.reverse();
                left_out.reverse();
                let older = total.saturating_sub(stored.len());
                if older > 0 {
                    left_out.insert(
                        0,
                        LeftOut {
                            id: None,
                            name: format!("{older} older profiles"),
                            reason: format!(
                                "only the newest {most} profiles are taken at once; choose others with `ids`"
                            ),
                        },
                    );
                }
            }
            Some(ids) => {
                let mut seen = std::collections::BTreeSet::new();
                for id in ids.into_iter().filter(|id| seen.insert(*id)) {
                    let stored = store.get(id).map_err(|error| store_error(&error))?;
                    let Some(stored) = stored.filter(|stored| stored.model_id == model) else {
                        return Err(ApiError::with_status(StatusCode::NOT_FOUND, format!("no stored profile {id}")));
                    };
                    let info = profile_info(state, &stored);
                    if let Some(reason) = &info.invalid {
                        return Err(ApiError::with_status(
                            StatusCode::CONFLICT,
                            format!("profile {id} (\"{}\") cannot be used: {reason}", info.name),
                        ));
                    }
                    if profiles.len() < most {
                        profiles.push(info);
                    } else {
                        left_out.push(LeftOut {
                            id: Some(id),
                            name: info.name,
                            reason: format!("at most {most} profiles are taken at once"),
                        });
                    }
                }
            }
        }
        Ok(Selected { profiles, left_out })
    })
    .await
}
