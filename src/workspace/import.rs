//! Import: read other tools' files, preview what will be made, then store the secrets in the
//! keychain, create the profiles and write the collection — in that order, so a locked keychain
//! leaves nothing written.

use super::{Workspace, WorkspaceError};
use crate::core::collection::{COLLECTION_FILE, CollectionMeta, FolderOrder, RequestPath, file_stem_for};
use crate::core::import::{self, ImportPlan, Source};
use crate::core::profile::{Environment, Profile, SecretRef};
use crate::infra::collections as files;
use crate::infra::read::{self, limit as limits};
use std::path::{Path, PathBuf};

/// At most this many files are read from a folder (a Bruno collection is a few hundred).
const MAX_FOLDER_FILES: usize = 20_000;

/// An import, read and planned, not yet written.
#[derive(Debug)]
pub struct ImportPreview {
    pub plan: ImportPlan,
    /// The collection folder it will be written to.
    pub target: PathBuf,
    /// For each planned profile: the existing profile of that name, when there is one (it is
    /// kept as it is, and gets only what it lacks).
    pub existing: Vec<Option<Profile>>,
}

impl ImportPreview {
    /// `(name, environment, created)` for each profile, as the summary gives them.
    pub fn profiles(&self) -> Vec<(String, Environment, bool)> {
        self.plan
            .finished_profiles
            .iter()
            .zip(&self.existing)
            .map(|(p, existing)| (p.name.clone(), p.environment.clone(), existing.is_none()))
            .collect()
    }

    /// Each moved secret: where it was found and the profile whose keychain entry takes it.
    pub fn secret_moves(&self) -> Vec<(String, String)> {
        self.plan
            .secrets
            .iter()
            .map(|s| {
                let profile = self.plan.finished_profiles.get(s.profile).map_or("", |p| p.name.as_str());
                (s.found_in.clone(), profile.to_owned())
            })
            .collect()
    }
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDone {
    pub collection: PathBuf,
    pub requests: usize,
    pub folders: usize,
    pub secrets_moved: usize,
    /// `(name, environment, created)`.
    pub profiles: Vec<(String, Environment, bool)>,
}

/// Read what the user named: files (bounded) and folders (their text files, bounded in number
/// and size, without `.git` and `node_modules`).
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>, WorkspaceError> {
    let mut out = Vec::new();
    for path in paths {
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        if path.is_dir() {
            out.push(Source::Folder { name, files: read_folder(path)? });
        } else {
            let limit = if name.to_ascii_lowercase().ends_with(".har") { limits::HAR } else { limits::IMPORT };
            let text = read::bounded_text(path, limit, "the file to import")?;
            out.push(Source::File { name, text });
        }
    }
    Ok(out)
}

/// Why an import stopped before writing anything, in words.
#[derive(Debug, thiserror::Error)]
pub enum ImportRefused {
    #[error("The folder {} could not be read: {detail}", path.display())]
    FolderUnreadable { path: PathBuf, detail: String },
    #[error("The folder {} holds more than {MAX_FOLDER_FILES} files. Give the collection's own folder.", .0.display())]
    TooManyFiles(PathBuf),
    #[error("The folder {} holds more than {} of text. Give the collection's own folder.", .0.display(), read::size_words(limits::IMPORT))]
    TooMuchText(PathBuf),
    #[error("Gatepass found secrets it could not take out of the files it would write ({}), so it imports nothing. Please report this.", .0.join("; "))]
    SecretsLeft(Vec<String>),
    #[error("{} already holds a collection (\"{existing}\"). Gatepass does not write over it: import into a new folder, or remove that folder first.", target.display())]
    TargetHoldsCollection { target: PathBuf, existing: String },
    #[error("{} is inside the collection {}. Import into a folder outside it.", target.display(), outer.display())]
    InsideCollection { target: PathBuf, outer: PathBuf },
    #[error("{} is a file. Choose a folder to import into.", .0.display())]
    TargetIsAFile(PathBuf),
    #[error(
        "The secrets could not be stored in the keychain ({detail}), so nothing was imported: no profile was made and no file was written. Unlock the keychain and import again."
    )]
    KeychainRefused { detail: String },
    #[error("The folder {} could not be made: {detail}", path.display())]
    FolderNotMade { path: PathBuf, detail: String },
}

fn read_folder(root: &Path) -> Result<Vec<(String, String)>, WorkspaceError> {
    let mut files = Vec::new();
    let mut total: u64 = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| ImportRefused::FolderUnreadable { path: dir.clone(), detail: e.to_string() })?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if name != ".git" && name != "node_modules" {
                    pending.push(entry.path());
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            let wanted =
                [".bru", ".json", ".yml", ".yaml", ".env", ".txt", ".md"].iter().any(|ext| lower.ends_with(ext));
            if !wanted {
                continue;
            }
            if files.len() >= MAX_FOLDER_FILES {
                return Err(ImportRefused::TooManyFiles(root.to_path_buf()).into());
            }
            let path = entry.path();
            let Ok(text) = read::bounded_text(&path, limits::IMPORT, "a file of the folder to import") else {
                continue;
            };
            total += text.len() as u64;
            if total > limits::IMPORT {
                return Err(ImportRefused::TooMuchText(root.to_path_buf()).into());
            }
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            files.push((relative, text));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

impl Workspace {
    /// Read and plan an import; nothing is written. `into` is the collection folder to make
    /// (default: a folder named after the collection, in the current folder); `name` renames it.
    pub fn preview_import(
        &self,
        paths: &[PathBuf],
        into: Option<&Path>,
        name: Option<&str>,
    ) -> Result<ImportPreview, WorkspaceError> {
        self.preview_import_where(paths, into, Path::new(""), name)
    }

    /// [`Self::preview_import`], with the default folder made inside `parent` (the window's
    /// collections folder) instead of the current folder.
    pub fn preview_import_where(
        &self,
        paths: &[PathBuf],
        into: Option<&Path>,
        parent: &Path,
        name: Option<&str>,
    ) -> Result<ImportPreview, WorkspaceError> {
        let sources = read_sources(paths)?;
        let mut plan = import::plan(&sources)?;
        if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
            name.clone_into(&mut plan.name);
        }
        if plan.name.trim().is_empty() {
            "Imported collection".clone_into(&mut plan.name);
        }
        let leaks = plan.leaks();
        if !leaks.is_empty() {
            return Err(ImportRefused::SecretsLeft(leaks).into());
        }
        let target = match into {
            Some(dir) => dir.to_path_buf(),
            None => parent.join(file_stem_for(&plan.name)),
        };
        let target = std::path::absolute(&target).unwrap_or(target);
        if target.join(COLLECTION_FILE).exists() {
            let existing = files::load(&target).map(|c| c.meta.name).unwrap_or_default();
            return Err(ImportRefused::TargetHoldsCollection { target: target.clone(), existing }.into());
        }
        if let Some(outer) = files::enclosing_collection(&target) {
            return Err(ImportRefused::InsideCollection { target: target.clone(), outer: outer.clone() }.into());
        }
        if target.is_file() {
            return Err(ImportRefused::TargetIsAFile(target.clone()).into());
        }
        let known = self.load_profiles()?.file;
        let existing = plan.finished_profiles.iter().map(|p| known.profile_by_name(&p.name).cloned()).collect();
        Ok(ImportPreview { plan, target, existing })
    }

    /// Write a previewed import: secrets first (all or none), then profiles, then the files.
    pub fn apply_import(&self, preview: ImportPreview) -> Result<ImportDone, WorkspaceError> {
        let summary_profiles = preview.profiles();
        let ImportPreview { plan, target, existing } = preview;
        // Profiles that exist already keep their id: the slots move to it.
        let mut profiles: Vec<Profile> = Vec::new();
        let mut slot_moves: Vec<(SecretRef, SecretRef)> = Vec::new();
        for (planned, existing) in plan.finished_profiles.iter().zip(&existing) {
            match existing {
                None => profiles.push(planned.clone()),
                Some(have) => {
                    let mut merged = have.clone();
                    for (name, slot) in &planned.secret_variables {
                        if !merged.secret_variables.contains_key(name) {
                            let moved = Profile::secret_variable_slot(&have.id, name);
                            slot_moves.push((slot.clone(), moved.clone()));
                            merged.secret_variables.insert(name.clone(), moved);
                        }
                    }
                    for (name, value) in &planned.variables {
                        merged.variables.entry(name.clone()).or_insert_with(|| value.clone());
                    }
                    profiles.push(merged);
                }
            }
        }
        let store = self.secret_store();
        let mut stored: Vec<SecretRef> = Vec::new();
        for secret in &plan.secrets {
            let slot = match existing.get(secret.profile) {
                Some(Some(_)) => match slot_moves.iter().find(|(from, _)| from == &secret.slot) {
                    Some((_, to)) => to.clone(),
                    None => continue, // the existing profile keeps its own value
                },
                _ => secret.slot.clone(),
            };
            if let Err(e) = store.set(&slot, &secret.value) {
                for done in &stored {
                    let _ = store.delete(done);
                }
                return Err(ImportRefused::KeychainRefused { detail: e.to_string() }.into());
            }
            stored.push(slot);
        }
        for (profile, existing) in profiles.iter().zip(&existing) {
            let saved = self.profiles.update(|f| {
                if let Some(slot) = f.profiles.iter_mut().find(|p| p.id == profile.id) {
                    *slot = profile.clone();
                } else if existing.is_none() {
                    f.profiles.push(profile.clone());
                }
                false
            });
            if let Err(e) = saved {
                for done in &stored {
                    let _ = store.delete(done);
                }
                return Err(e.into());
            }
        }
        crate::infra::private_files::create_dir_all(&target)
            .map_err(|e| ImportRefused::FolderNotMade { path: target.clone(), detail: e.to_string() })?;
        let mut meta = CollectionMeta {
            name: plan.name.clone(),
            notes: plan.notes.clone(),
            variables: plan.variables.clone(),
            ..Default::default()
        };
        let mut taken: Vec<RequestPath> = Vec::new();
        for folder in &plan.folders {
            meta.order.push(FolderOrder { folder: folder.clone(), requests: Vec::new() });
        }
        for planned in &plan.requests {
            let mut path = RequestPath::for_name(&planned.folder, &planned.request.name);
            let mut n = 2;
            while taken.contains(&path) {
                path = RequestPath::for_name(&planned.folder, &format!("{} {n}", planned.request.name));
                n += 1;
            }
            files::write_request(&target, &path, &planned.request)?;
            match meta.order.iter_mut().find(|o| o.folder == path.folder()) {
                Some(order) => order.requests.push(path.stem().to_owned()),
                None => {
                    meta.order
                        .push(FolderOrder { folder: path.folder().to_owned(), requests: vec![path.stem().to_owned()] });
                }
            }
            taken.push(path);
        }
        files::write_meta(&target, &meta)?;
        self.add_collection(&target)?;
        Ok(ImportDone {
            collection: target,
            requests: plan.requests.len(),
            folders: plan.folders.len(),
            secrets_moved: stored.len(),
            profiles: summary_profiles,
        })
    }
}
