//! Importers: documents from other tools (`OpenAPI`, Swagger, …) turned into a collection.
//!
//! Pure: the caller reads the file (bounded) and writes the result through the collection writer.

pub mod openapi;

/// Why a document could not be imported, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("This file is neither JSON nor YAML ({0}). Check that it is the exported document itself.")]
    NotJsonOrYaml(String),
    #[error("This file is not an OpenAPI or Swagger document: it has no `openapi` or `swagger` field.")]
    WrongKind,
    #[error("OpenAPI version {0} is not supported. Gatepass reads Swagger 2.0 and OpenAPI 3.0 and 3.1.")]
    UnknownVersion(String),
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
