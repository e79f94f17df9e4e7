//! Importers: documents from other tools (`OpenAPI`, Swagger, Postman, Insomnia, Bruno, HAR)
//! turned into one [`ImportPlan`]: a collection, profiles, and the secrets to move.
//!
//! Pure: the caller reads the files (bounded), calls [`plan`], shows the preview, stores the
//! secrets, then writes the result through the collection writer.

pub mod bruno;
pub mod har;
pub mod insomnia;
pub mod openapi;
pub mod plan;
pub mod postman;

pub use plan::{ImportPlan, MovedSecret, PlannedAuth, PlannedProfile, PlannedRequest, Skipped};

/// What the user gave: one file's text, or a folder's files (Bruno, Postman's multi-file YAML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File {
        /// The file's name, for messages and for telling formats apart (`.bru`, `.har`).
        name: String,
        text: String,
    },
    Folder {
        name: String,
        /// Every readable text file under it: path relative to the folder (`/` between parts), text.
        files: Vec<(String, String)>,
    },
}

impl Source {
    pub fn name(&self) -> &str {
        match self {
            Source::File { name, .. } | Source::Folder { name, .. } => name,
        }
    }
}

/// Read every source into one plan: one collection, with any environment files beside it as
/// its profiles. The plan is finished: secrets are out of the requests (see [`ImportPlan::finish`]).
pub fn plan(sources: &[Source]) -> Result<ImportPlan, ImportError> {
    let mut collection: Option<ImportPlan> = None;
    let mut environments: Vec<PlannedProfile> = Vec::new();
    for part in sources.iter().map(read_one).collect::<Result<Vec<_>, _>>()?.into_iter().flatten() {
        match part {
            Part::Collection(plan) => {
                if let Some(first) = &collection {
                    return Err(ImportError::TwoCollections(first.name.clone(), plan.name));
                }
                collection = Some(*plan);
            }
            Part::Environment(profile) => environments.push(*profile),
        }
    }
    // Environment files alone: profiles without requests.
    let mut plan = collection.unwrap_or_else(|| {
        let name = environments.first().map_or_else(|| "Imported".to_owned(), |p| p.name.clone());
        ImportPlan::new("postman-environment", name)
    });
    if !environments.is_empty() {
        // An environment replaces the profiles guessed from the document, keeping their sign-in.
        let guessed_auth = plan.profiles.first().map(|p| p.auth.clone());
        for mut env in environments {
            if env.auth == PlannedAuth::None
                && let Some(auth) = &guessed_auth
            {
                env.auth = auth.clone();
            }
            if env.base_url.is_empty()
                && let Some(guess) = plan.profiles.iter().find(|p| p.environment == env.environment)
            {
                env.base_url.clone_from(&guess.base_url);
            }
            plan.profiles.retain(|p| p.environment != env.environment || !p.variables.is_empty());
            plan.profiles.push(env);
        }
        let mut seen = Vec::new();
        plan.profiles.retain(|p| {
            let fresh = !seen.contains(&p.name);
            seen.push(p.name.clone());
            fresh
        });
    }
    plan.finish();
    Ok(plan)
}

/// One source read: a collection, or an environment (a set of variables for one profile).
pub enum Part {
    Collection(Box<ImportPlan>),
    Environment(Box<PlannedProfile>),
}

/// One source read: one part for a file; a folder may hold a collection and its environments.
fn read_one(source: &Source) -> Result<Vec<Part>, ImportError> {
    match source {
        Source::Folder { name, files } => {
            if files.is_empty() {
                return Err(ImportError::EmptyFolder(name.clone()));
            }
            if let Some(part) = bruno::read_folder(name, files)? {
                return Ok(vec![part]);
            }
            if let Some(parts) = postman::v3::read_folder(name, files)?
                && !parts.is_empty()
            {
                return Ok(parts);
            }
            Err(ImportError::UnknownFolder(name.clone()))
        }
        Source::File { name, text } => {
            if text.trim().is_empty() {
                return Err(ImportError::Empty(name.clone()));
            }
            let doc = parse_document(text)?;
            if doc.get("openapi").is_some() || doc.get("swagger").is_some() {
                return openapi::plan(&doc).map(|p| vec![Part::Collection(Box::new(p))]);
            }
            if doc.get("opencollection").is_some() {
                return bruno::read_bundled(&doc).map(|p| vec![p]);
            }
            if har::detect(&doc) {
                return har::plan(&doc, name).map(|p| vec![Part::Collection(Box::new(p))]);
            }
            if let Some(part) = insomnia::read(&doc)? {
                return Ok(vec![part]);
            }
            if postman::is_collection(&doc) || postman::is_environment(&doc) {
                return postman::read(&doc).map(|p| vec![p]);
            }
            Err(ImportError::UnknownKind(name.clone()))
        }
    }
}

/// The format string of a plan (`openapi-3.0`, `postman-2.1`, …) in words, such as "`OpenAPI` 3.0".
pub fn format_words(format: &str) -> String {
    match format.split_once('-') {
        Some(("openapi", v)) => format!("OpenAPI {v}"),
        Some(("swagger", v)) => format!("Swagger {v}"),
        Some(("postman", "environment")) => "Postman environment".to_owned(),
        Some(("postman", v)) => format!("Postman collection {v}"),
        Some(("insomnia", v)) => format!("Insomnia export v{v}"),
        Some(("har", v)) => format!("HAR {v}"),
        _ if format == "bruno" => "Bruno collection".to_owned(),
        _ if format == "opencollection" => "OpenCollection".to_owned(),
        _ => format.to_owned(),
    }
}

/// Why a document could not be imported, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("This file is neither JSON nor YAML ({0}). Check that it is the exported document itself.")]
    NotJsonOrYaml(String),
    #[error("This file is not an OpenAPI or Swagger document: it has no `openapi` or `swagger` field.")]
    WrongKind,
    #[error("OpenAPI version {0} is not supported. Gatepass reads Swagger 2.0 and OpenAPI 3.0 and 3.1.")]
    UnknownVersion(String),
    #[error("{0} is empty.")]
    Empty(String),
    #[error("The folder {0} has no files Gatepass can read.")]
    EmptyFolder(String),
    #[error(
        "The folder {0} is not a Bruno collection (no bruno.json), an OpenCollection (no opencollection.yml) or a Postman collection folder. Give the folder that holds one of these files."
    )]
    UnknownFolder(String),
    #[error(
        "{0} is not a document Gatepass can import. It reads OpenAPI 3.0 and 3.1, Swagger 2.0, Postman collections and environments, Insomnia exports, Bruno collections and HAR files."
    )]
    UnknownKind(String),
    #[error(
        "Import one collection at a time: \"{0}\" and \"{1}\" are both collections. Environment files can go along with either."
    )]
    TwoCollections(String, String),
    /// A format-specific problem, already in words (`Postman collection: …`).
    #[error("{0}")]
    Invalid(String),
}

/// Parse JSON, or YAML when it is not JSON, into one value.
pub fn parse_document(text: &str) -> Result<serde_json::Value, ImportError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(json_error) => {
            let trimmed = text.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') {
                return Err(ImportError::NotJsonOrYaml(format!("JSON: {json_error}")));
            }
            serde_yaml_ng::from_str::<serde_json::Value>(text)
                .map_err(|e| ImportError::NotJsonOrYaml(format!("YAML: {e}")))
        }
    }
}
