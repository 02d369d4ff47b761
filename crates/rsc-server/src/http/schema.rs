//! OpenAPI schemas for bodies whose shape another document fixes rather than a Rust type of
//! this server, so that handlers and the API description can both name them.

/// A JSON document whose shape another document fixes: the evaluation and the dossier
/// (`shared/contracts/evaluate.md`) and the published server keys.
pub struct JsonObject;

impl utoipa::PartialSchema for JsonObject {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Object)
            .description(Some("described in shared/contracts/evaluate.md (evaluation, dossier) or rsc-export (keys)"))
            .into()
    }
}

impl utoipa::ToSchema for JsonObject {}
