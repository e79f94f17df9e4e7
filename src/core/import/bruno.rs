//! Bruno collections (`bruno.json` + `.bru` files) and `OpenCollection` YAML into an [`ImportPlan`].

use super::{ImportError, Part};

/// A Bruno collection folder, or `None` when the folder is not one.
pub fn read_folder(_name: &str, _files: &[(String, String)]) -> Result<Option<Part>, ImportError> {
    Ok(None)
}
