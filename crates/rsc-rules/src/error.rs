//! The one error type of the rules crate.

use rsc_model::ModelError;

/// Why a rulebook could not be loaded or an evaluation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// The rulebook id is not built in and is not a file.
    #[error(
        "--rulebook: unknown rulebook `{0}`; built-in rulebooks are: nmaimh, orimha, ct-aimh (or give a path to a rulebook file)"
    )]
    UnknownRulebook(String),
    /// The rulebook does not define the requested purpose.
    #[error("--purpose: rulebook `{rulebook}` does not define the purpose `{purpose}`; it defines: {defined}")]
    PurposeNotDefined {
        /// The rulebook's id.
        rulebook: String,
        /// The requested purpose.
        purpose: String,
        /// The purposes it does define.
        defined: String,
    },
    /// A rulebook file breaks the format; `field` is its TOML path.
    #[error("rulebook {field}: {message}")]
    Rulebook {
        /// Where in the file.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The dossier is invalid.
    #[error(transparent)]
    Dossier(#[from] ModelError),
}

impl RulesError {
    /// A rulebook problem at `field`.
    pub fn rulebook(field: impl Into<String>, message: impl Into<String>) -> Self {
        RulesError::Rulebook { field: field.into(), message: message.into() }
    }
}
