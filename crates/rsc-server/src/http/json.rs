//! A JSON body extractor whose errors name the field (`push[2].changes[0]: not base64`) and
//! map to this server's error bodies: 413 over the size limit, 400 for unreadable JSON.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::AppError;

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
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            AppError::bad_request(field, e.into_inner().to_string())
        })?;
        Ok(JsonBody(value))
    }
}
