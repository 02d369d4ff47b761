//! A JSON body extractor whose errors name the field (`push[2].changes[0]: not base64`) and
//! map to this server's error bodies: 413 over the size limit, 400 for unreadable JSON, 422 for
//! text holding a control character (NUL, which Postgres refuses and SQLite stores, among them):
//! no such text reaches either backend, so both answer alike.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use rsc_service::AppError;

/// A request body read as `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge(format!(
                    "the request body is larger than {} bytes; send fewer documents per request",
                    rsc_protocol::MAX_BODY_BYTES
                ))
            } else {
                AppError::bad_request("body", rejection.body_text())
            }
        })?;
        if let Some(field) = control_character_at(&bytes) {
            return Err(AppError::invalid(field, CONTROL_CHARACTER));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            AppError::bad_request(field, e.into_inner().to_string())
        })?;
        Ok(JsonBody(value))
    }
}

/// What a field holding a control character is told.
pub const CONTROL_CHARACTER: &str =
    "holds a control character (such as NUL); no text here may, except tabs and line breaks";

/// Whether `c` may not appear in any text a client sends: a control character other than a tab
/// or a line break.
pub fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The path of the first string (or object key) in the JSON `bytes` that holds a forbidden
/// character, if any. JSON carries such characters only escaped, so a body without `\u00`,
/// `\b` or `\f` (nearly all, a sync's base64 included) is passed over by one scan; one with
/// them is read whole to find the field.
pub fn control_character_at(bytes: &[u8]) -> Option<String> {
    let escaped = bytes.windows(2).any(|w| w[0] == b'\\' && matches!(w[1], b'u' | b'b' | b'f'));
    if !escaped {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find(&value, String::new())
}

fn find(value: &serde_json::Value, path: String) -> Option<String> {
    let here = || if path.is_empty() { "body".to_string() } else { path.clone() };
    match value {
        serde_json::Value::String(text) => text.chars().any(forbidden).then(here),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| find(item, format!("{}[{i}]", here())))
        }
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if key.chars().any(forbidden) { Some(at) } else { find(item, at) }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::control_character_at;

    #[test]
    fn text_with_a_control_character_is_found_by_its_field() {
        let at = |json: &str| control_character_at(json.as_bytes());
        assert_eq!(at(r#"{"number":"NM-1\u0000"}"#).as_deref(), Some("number"));
        assert_eq!(at(r#"{"device":{"name":"a\u001fb"}}"#).as_deref(), Some("device.name"));
        assert_eq!(at(r#"{"members":["x","\u007f"]}"#).as_deref(), Some("members[1]"));
        assert_eq!(at(r#"{"reason":"a\bb"}"#).as_deref(), Some("reason"));
        assert_eq!(at(r#""\u0000""#).as_deref(), Some("body"));
        assert_eq!(at(r#"{"reason":"line one\nline two\ttabbed"}"#), None, "tabs and line breaks are text");
        assert_eq!(at(r#"{"name":"Nguy\u1ec5n \\u0000"}"#), None, "an escaped backslash before u0000 is text");
        assert_eq!(at(r#"{"name":"José"}"#), None);
    }
}
