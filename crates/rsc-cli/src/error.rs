//! The command's one error type, and how each error leaves the process.

/// Why a command could not produce its output.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or invalid input: exit 2.
    #[error("{0}")]
    Invalid(String),
    /// A check failed (an export does not verify): exit 1.
    #[error("{0}")]
    Failed(String),
    /// Help or version text was asked for: printed on stdout, exit 0.
    #[error("{0}")]
    Info(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Info(_) => 0,
        }
    }

    /// The message as a single line (the contract promises one line on stderr).
    pub fn one_line(&self) -> String {
        match self {
            CliError::Info(text) => text.clone(),
            CliError::Invalid(text) | CliError::Failed(text) => {
                let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
                format!("error: {line}")
            }
        }
    }
}

impl From<rsc_rules::RulesError> for CliError {
    fn from(error: rsc_rules::RulesError) -> Self {
        CliError::Invalid(error.to_string())
    }
}

impl From<rsc_model::ModelError> for CliError {
    fn from(error: rsc_model::ModelError) -> Self {
        CliError::Invalid(error.to_string())
    }
}
