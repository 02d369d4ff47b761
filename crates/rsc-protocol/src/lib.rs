//! The wire protocol between devices and the server: account and device messages, and the
//! batched sync exchange. JSON over HTTP; binary Automerge changes travel base64-encoded.
//!
//! Every sync message carries `v`, the protocol version; the server refuses versions it does
//! not speak with a message that names `v`, so old clients learn to update instead of
//! misreading. Limits live here too, so both ends agree on them.

mod account;
mod bytes;
mod connections;
mod cursor;
mod directory;
mod me;
mod own_data;
mod registry;
mod sync;

pub use account::{
    DeviceInfo, DeviceView, ErrorBody, LoginRequest, LoginResponse, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, MeResponse,
    PasswordChange, PasswordReset, REGISTERED_MESSAGE, RegisterRequest, RegisterResponse, Role,
};
pub use bytes::Bytes;
pub use connections::{
    CODE_ALPHABET, CODE_LEN, CONNECT_FAILURES_PER_HOUR, CONNECT_PATH, ConnectRequest, Connected, ConnectionCode,
    ConnectionEntry, ConnectionRole, ConnectionSource, ConnectionState, Connections, DEFAULT_CODE_DAYS, GroupChange,
    GroupMember, GroupView, MAX_ACTIVE_CODES, MAX_CODE_DAYS, MAX_ENDORSEMENT_NUMBER_BYTES, MAX_GROUP_MEMBERS,
    MAX_GROUP_NAME_CHARS, MAX_GROUPS, MAX_REQUESTS_PER_DAY, NewConnectionCode, NewConnectionRequest, NewGroup,
    NotACode, Person, REQUEST_AGAIN_AFTER_DAYS, display_code, normalize_code,
};
pub use cursor::{Cursor, CursorError};
pub use directory::{DirectoryPerson, DirectoryProvider, ProviderDirectory};
pub use me::{
    AttendanceStatus, Certificate, Claim, EvaluationQuery, ExportDownload, ExportLink, ExportStanding,
    MAX_CERTIFICATE_BYTES, NewClaim, PendingConfirmation, Profile, certificate_media_type,
};
pub use own_data::{
    CLOSE_CONFIRMATION, CloseAccount, OWN_DATA_FORMAT, OwnAccount, OwnCertificate, OwnClaim, OwnConnection, OwnData,
    OwnDevice, OwnEntry, OwnExport, OwnSession, OwnTraining,
};
pub use registry::{
    AccountSummary, ClaimDecision, ClaimReview, ClaimStatus, ClaimedRecord, ClaimsQuery, ImportQuery, ImportRefused,
    ImportResult, LapseRequest, RecordWithHistory, RegistryRecordView, RevokeRequest, RowError,
};
pub use sync::{
    AccountNews, DEFAULT_PAGE_CHANGES, DocAck, DocChanges, DocPush, DocRefusal, MAX_BODY_BYTES, MAX_CHANGES_PER_DOC,
    MAX_DOCS_PER_REQUEST, MAX_PAGE_BYTES, MAX_PAGE_CHANGES, MAX_REQUEST_EXPANDED_BYTES, PROTOCOL_VERSION, RefusalCode,
    SyncRequest, SyncResponse,
};
