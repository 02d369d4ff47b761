//! The API description, generated from the handlers' annotations and the message types of
//! `rsc-protocol`, so that a route cannot be served without being described (a test checks
//! the router's routes against it).

use std::sync::OnceLock;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, connections, me, ops, registry, sync, verify};

/// The device token scheme every authenticated route names.
struct DeviceToken;

impl Modify for DeviceToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("the device token from POST /v1/login"))
                    .build(),
            ),
        );
    }
}

/// The RSC Logbook API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "RSC Logbook sync server",
        description = "Accounts, devices, the batched sync of RS/C session documents, verified hours, exports and the endorsement registry. Every error answers with an ErrorBody. Authenticated routes take `Authorization: Bearer <device token>` from POST /v1/login."
    ),
    paths(
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::openapi,
        accounts::register,
        accounts::login,
        accounts::me,
        accounts::devices,
        accounts::revoke_device,
        accounts::change_password,
        accounts::reset_password,
        accounts::own_data,
        accounts::close_account,
        sync::sync,
        sync::events,
        me::server_keys,
        me::get_profile,
        me::put_profile,
        me::claims,
        me::create_claim,
        me::evaluation,
        me::dossier,
        me::pending,
        me::providers,
        me::upload_certificate,
        me::certificates,
        me::certificate,
        me::provided,
        me::provided_pdf,
        me::export,
        me::make_export,
        me::download_export,
        registry::import,
        registry::records,
        registry::record,
        registry::lapse,
        registry::revoke,
        registry::claims,
        registry::approve,
        registry::reject,
        connections::create_code,
        connections::codes,
        connections::revoke_code,
        connections::connect,
        connections::connections,
        connections::request,
        connections::accept,
        connections::decline,
        connections::end,
        connections::groups,
        connections::create_group,
        connections::change_group,
        connections::add_member,
        connections::remove_member,
        verify::verify_page,
        verify::verify_json,
        verify::verify_json_by_digest,
        verify::standing,
        verify::export_links,
        verify::withdraw_export,
    ),
    components(schemas(rsc_protocol::RefusalCode, rsc_protocol::Role)),
    modifiers(&DeviceToken)
)]
pub struct ApiDoc;

/// The description as JSON, made once.
pub fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        serde_json::to_string_pretty(&ApiDoc::openapi()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}
