//! Use cases for curl commands: save an imported credential into a profile's keychain entry, and
//! export a request with a profile's credential (masked, as `$VAR`, or revealed).

use super::{Workspace, WorkspaceError};
use crate::core::curl::FoundCredential;
use crate::core::curl_export::{SecretChoice, to_curl};
use crate::core::profile::{AuthMethod, Environment, Profile, ProfileId};
use crate::core::request::{RequestDraft, prepare};
use crate::core::secret::Secret;

impl Workspace {
    /// Make a new profile whose keychain entry holds the credential found in a curl command
    /// (blocks: keychain and profiles file).
    pub fn save_imported_profile(
        &self,
        name: &str,
        environment: Environment,
        base_url: &str,
        credential: &FoundCredential,
    ) -> Result<Profile, WorkspaceError> {
        let mut profile = Profile::new(name.trim(), environment, base_url.trim());
        profile.auth = credential.suggested.to_auth_method(&profile.id);
        self.save_profile(&profile, Some(&credential.secret))?;
        Ok(profile)
    }

    /// Put the credential found in a curl command into an existing profile's keychain entry. The
    /// profile must send a credential the same way (see `SuggestedAuth::matches`).
    pub fn store_imported_credential(
        &self,
        id: &ProfileId,
        credential: &FoundCredential,
    ) -> Result<(), WorkspaceError> {
        let profile = self.profile(id)?;
        if !credential.suggested.matches(&profile.auth) {
            return Err(WorkspaceError::Other(format!(
                "The profile \"{}\" sends {}, not {}. Make a new profile from the credential instead.",
                profile.name,
                profile.auth.kind().label(),
                credential.suggested.words()
            )));
        }
        self.save_profile(&profile, Some(&credential.secret))?;
        Ok(())
    }

    /// The draft as a curl command with `profile`'s credential (blocks: keychain). With
    /// [`SecretChoice::EnvVar`] the keychain is not read at all.
    pub fn export_curl(
        &self,
        id: &ProfileId,
        draft: &RequestDraft,
        choice: &SecretChoice,
    ) -> Result<String, WorkspaceError> {
        let profile = self.profile(id)?;
        let secret = if !draft.send_credential || matches!(profile.auth, AuthMethod::None) {
            None
        } else if let SecretChoice::EnvVar(var) = choice {
            // The keychain is not read: the variable's name stands where the value goes.
            Some(Secret::new(format!("${var}")))
        } else {
            match &profile.auth {
                AuthMethod::ApiKey { key, .. } => self.read_secret(key)?,
                AuthMethod::Basic { password, .. } => self.read_secret(password)?,
                _ => self.profile_token(id)?,
            }
        };
        let draft =
            if secret.is_none() { RequestDraft { send_credential: false, ..draft.clone() } } else { draft.clone() };
        let prepared = prepare(&draft, &profile, secret.as_ref())?;
        Ok(to_curl(&prepared, choice))
    }
}
