//! Accounts, passwords, device tokens and sign-in rate limits.
//!
//! Passwords are hashed with argon2id (the crate's default parameters) on a thread of their own.
//! A device token is 32 random bytes shown once; the server keeps only its SHA-256, so a
//! database leak yields no usable token. Sign-in failures are counted in the database, per
//! account and per address, so every server process enforces the same limits.

use std::net::IpAddr;

use argon2::{Argon2, PasswordHash};
use base64::Engine;
use rsc_protocol::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Role};
use sha2::{Digest, Sha256};

use crate::AppError;
use crate::store::{DeviceRecord, Store, UserId, UserRecord};

/// How far back sign-in failures count.
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures allowed per account in the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
/// Failures allowed per client address in the window.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 50;

use crate::clock::{new_id, now_ms};

/// A normalized email, or a 422 naming `email`.
pub fn normalize_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if valid { Ok(email) } else { Err(AppError::invalid("email", "is not an email address like ana@example.org")) }
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(AppError::invalid(
            "password",
            format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters; it is {chars}"),
        ));
    }
    Ok(())
}

/// Checks a short display text (a person's or a device's name).
pub fn check_name(text: &str, field: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 100 || text.chars().any(char::is_control) {
        return Err(AppError::invalid(field, "must be 1 to 100 printable characters"));
    }
    Ok(text.to_string())
}

/// The most memory a stored hash may ask for, in KiB: the default's 19 MiB with room for
/// stronger parameters later, and a bound on what one damaged row can make the server allocate.
const MAX_HASH_MEMORY_KIB: u32 = 64 * 1024;

/// Runs `work` on the one thread that hashes passwords, with that thread's argon2 memory, and
/// waits for it.
///
/// argon2id fills 19 MiB for each hash, and memory allocated per hash was not reused by the
/// allocator, so resident memory grew with each sign-in. One thread of its own, filling the
/// same blocks every time, keeps it at one hash's worth for the life of the process. Hashes
/// wait their turn there; with sign-ins rate-limited, the queue stays short.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
) -> Result<T, AppError> {
    type Job = Box<dyn FnOnce(&mut Vec<argon2::Block>) + Send>;
    static JOBS: std::sync::OnceLock<std::sync::mpsc::Sender<Job>> = std::sync::OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (send, receive) = std::sync::mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new().name("password-hashing".into()).spawn(move || {
            let mut memory = Vec::new();
            for job in receive {
                job(&mut memory);
            }
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the password-hashing thread");
        }
        send
    });
    let (done, result) = tokio::sync::oneshot::channel();
    jobs.send(Box::new(move |memory: &mut Vec<argon2::Block>| {
        let _ = done.send(work(memory));
    }))
    .map_err(|e| AppError::caused("the hashing thread", std::io::Error::other(e.to_string())))?;
    result.await.map_err(|e| AppError::caused("the hashing thread", e))
}

/// Hashes `password` with `argon` into `out`, in `memory` (grown to the parameters' size once,
/// then reused).
fn argon2_into(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<argon2::Block>,
) -> Result<(), argon2::Error> {
    let blocks = argon.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::new());
    }
    argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
}

/// The argon2id PHC string for `password`.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    use argon2::password_hash::phc::{Output, ParamsString, Salt};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::caused("no randomness for a salt", e))?;
    on_hashing_thread(move |memory| {
        let argon = Argon2::default();
        let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
        argon2_into(&argon, password.as_bytes(), &salt, &mut out, memory)
            .map_err(|e| AppError::caused("hashing a password", e))?;
        let phc = |e: argon2::password_hash::phc::Error| AppError::caused("writing a password hash", e);
        let hash = PasswordHash {
            algorithm: argon2::Algorithm::Argon2id.ident(),
            version: Some(argon2::Version::V0x13.into()),
            params: ParamsString::try_from(argon.params())
                .map_err(|e| AppError::caused("writing a password hash", e))?,
            salt: Some(Salt::new(&salt).map_err(phc)?),
            hash: Some(Output::new(&out).map_err(phc)?),
        };
        Ok(hash.to_string())
    })
    .await?
}

/// Whether `password` matches the stored PHC string, computed with the parameters it names (up
/// to [`MAX_HASH_MEMORY_KIB`]) and compared in constant time.
pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    on_hashing_thread(move |memory| {
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
        let (Ok(algorithm), Ok(params)) =
            (argon2::Algorithm::try_from(parsed.algorithm.as_str()), argon2::Params::try_from(&parsed))
        else {
            return false;
        };
        let version = match parsed.version.map(argon2::Version::try_from) {
            None => argon2::Version::default(),
            Some(Ok(version)) => version,
            Some(Err(_)) => return false,
        };
        if params.m_cost() > MAX_HASH_MEMORY_KIB {
            tracing::error!(m_cost = params.m_cost(), "a stored password hash asks for more memory than allowed");
            return false;
        }
        let mut out = vec![0u8; expected.len()];
        let argon = Argon2::new(algorithm, version, params);
        argon2_into(&argon, password.as_bytes(), salt, &mut out, memory).is_ok()
            && argon2::password_hash::phc::Output::new(&out).is_ok_and(|computed| &computed == expected)
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random password, made once per process, that sign-ins for unknown emails
/// are checked against so that they take as long as real ones.
pub async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let (random, _) = new_token()?;
    let hash = hash_password(random).await?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

/// A fresh device token and the hash the server keeps.
pub fn new_token() -> Result<(String, Vec<u8>), AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::caused("no randomness for a token", e))?;
    let token = format!("rsc_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// What the server stores for a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Failures a client that signed in to the account before may make in the window, counted for
/// that client alone.
pub const MAX_FAILURES_PER_KNOWN_CLIENT: i64 = 10;
/// How long a client stays known after its last sign-in.
pub const KNOWN_CLIENT_DAYS: i64 = 365;
/// The longest known-client mark read (a real one is about 150 characters).
const MAX_MARK_LEN: usize = 512;
/// What a known-client mark's signature covers before its fields.
const KNOWN_CLIENT_DOMAIN: &[u8] = b"rsc-known-client\x01";

/// Who is signing in, for the limits: a client that signed in to this account before (its mark's
/// nonce), or anyone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// A browser or device holding a valid mark for the account.
    Known(String),
    /// Anyone else.
    Unknown,
}

fn mark_message(email: &str, issued_ms: i64, nonce: &str) -> Vec<u8> {
    let mut message = KNOWN_CLIENT_DOMAIN.to_vec();
    message.extend_from_slice(email.as_bytes());
    message.push(0);
    message.extend_from_slice(issued_ms.to_string().as_bytes());
    message.push(0);
    message.extend_from_slice(nonce.as_bytes());
    message
}

/// A mark for a client that just signed in to `email`, signed by the server's key (OWASP's
/// "device cookie"): `<issued ms>.<nonce>.<key id>.<signature>`. Shown again at sign-in, it
/// makes the client known: its failures count for it alone, so that a stranger's wrong
/// passwords never lock the owner out of a browser or device she signed in from before.
pub async fn known_client_mark<S: Store>(store: &S, email: &str) -> Result<String, AppError> {
    let key = crate::server_keys::signing_key(store).await?;
    let secret: [u8; 32] =
        key.secret.as_slice().try_into().map_err(|_| AppError::internal("a stored server key is not 32 bytes"))?;
    let issued = now_ms();
    let nonce = random_code(20)?;
    let signature = ed25519_dalek::Signer::sign(
        &ed25519_dalek::SigningKey::from_bytes(&secret),
        &mark_message(email, issued, &nonce),
    );
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.to_bytes());
    Ok(format!("{issued}.{nonce}.{}.{encoded}", key.id))
}

/// Whether `mark` is a valid, current mark for `email`, signed by one of the server's keys.
pub async fn known_client<S: Store>(store: &S, email: &str, mark: Option<&str>) -> Result<Client, AppError> {
    let Some(mark) = mark.map(str::trim).filter(|m| !m.is_empty() && m.len() <= MAX_MARK_LEN) else {
        return Ok(Client::Unknown);
    };
    let parts: Vec<&str> = mark.split('.').collect();
    let [issued, nonce, key_id, signature] = parts.as_slice() else { return Ok(Client::Unknown) };
    let Ok(issued_ms) = issued.parse::<i64>() else { return Ok(Client::Unknown) };
    if now_ms() - issued_ms > KNOWN_CLIENT_DAYS * 24 * 3600 * 1000 {
        return Ok(Client::Unknown);
    }
    let Some(key) = store.server_keys().await?.into_iter().find(|k| k.id == *key_id) else {
        return Ok(Client::Unknown);
    };
    let public: Option<[u8; 32]> = key.public_key.as_slice().try_into().ok();
    let signature: Option<[u8; 64]> =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).ok().and_then(|b| b.try_into().ok());
    let (Some(public), Some(signature)) = (public, signature) else { return Ok(Client::Unknown) };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&public) else { return Ok(Client::Unknown) };
    let valid = ed25519_dalek::Verifier::verify(
        &key,
        &mark_message(email, issued_ms, nonce),
        &ed25519_dalek::Signature::from_bytes(&signature),
    )
    .is_ok();
    Ok(if valid { Client::Known(nonce.to_string()) } else { Client::Unknown })
}

/// Reserves a sign-in attempt before the password is checked, or refuses with 429 when the
/// client has failed too often recently: a known client against its own count; anyone else
/// against the account's count for unknown clients and the address's. The reservation counts as
/// a failure until [`release_attempt`] forgets it, so parallel guesses cannot overrun the limit.
pub async fn reserve_attempt<S: Store>(
    store: &S,
    email: &str,
    address: IpAddr,
    client: &Client,
) -> Result<String, AppError> {
    let attempt = crate::clock::random_id();
    let now = now_ms();
    let limits = match client {
        Client::Known(nonce) => vec![(format!("known:{nonce}"), MAX_FAILURES_PER_KNOWN_CLIENT)],
        Client::Unknown => vec![
            (format!("account:{email}"), MAX_FAILURES_PER_ACCOUNT),
            (format!("address:{address}"), MAX_FAILURES_PER_ADDRESS),
        ],
    };
    if !store.reserve_login_attempt(&limits, &attempt, now, now - LOGIN_WINDOW_MS).await? {
        return Err(AppError::RateLimited {
            retry_after_secs: (LOGIN_WINDOW_MS / 1000) as u64,
            message: "too many failed sign-ins; wait 15 minutes and try again".into(),
        });
    }
    Ok(attempt)
}

/// Forgets a reserved attempt whose password was right: only failures count.
pub async fn release_attempt<S: Store>(store: &S, attempt: &str) -> Result<(), AppError> {
    store.release_login_attempt(attempt).await?;
    Ok(())
}

/// The device (and its account) making an authenticated request.
#[derive(Debug, Clone)]
pub struct AuthDevice {
    /// The device.
    pub device: DeviceRecord,
    /// Its account.
    pub user: UserRecord,
}

impl AuthDevice {
    /// The account's role.
    pub fn role(&self) -> Role {
        self.user.role
    }
}

/// The device whose token is `token`, and its account; signed out and revoked devices have none.
pub async fn device_by_token<S: Store>(store: &S, token: &str) -> Result<AuthDevice, AppError> {
    let (device, user) = store
        .device_by_token_hash(&token_hash(token.trim()))
        .await?
        .ok_or_else(|| AppError::Unauthorized("this device is signed out or revoked; sign in again".into()))?;
    Ok(AuthDevice { device, user })
}

/// A device signing in: a phone, a computer, or a browser with its Web Crypto key.
#[derive(Debug, Clone, Copy)]
pub struct NewDevice<'a> {
    /// Its name, as the account's device list shows it.
    pub name: &'a str,
    /// Its ed25519 public key, hex.
    pub public_key: &'a str,
    /// Its Automerge actor id, hex.
    pub actor_id: &'a str,
    /// The field errors are reported under (`device` in the API's JSON).
    pub field: &'a str,
}

fn hex_field<const N: usize>(text: &str, field: &str) -> Result<[u8; N], AppError> {
    let bytes =
        hex::decode(text.trim()).map_err(|_| AppError::invalid(field, format!("must be {} hex digits", N * 2)))?;
    bytes.try_into().map_err(|_| AppError::invalid(field, format!("must be {} hex digits", N * 2)))
}

/// What a sign-in gives: the account, its new device, the device's token, and a fresh mark
/// that makes this client known at its next sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// The account.
    pub user: UserRecord,
    /// The device just registered.
    pub device: DeviceRecord,
    /// Its bearer token (shown once).
    pub token: String,
    /// The client's known-client mark (see [`known_client_mark`]).
    pub known_client: String,
}

/// Checks the password (rate limited: a client that signed in before, shown by `known_client`,
/// against its own failures; anyone else per account and per address; each attempt reserved
/// before the check) and registers the device.
pub async fn sign_in<S: Store>(
    store: &S,
    ip: std::net::IpAddr,
    email: &str,
    password: &str,
    new: NewDevice<'_>,
    known_client: Option<&str>,
) -> Result<SignedIn, AppError> {
    let field = |name: &str| format!("{}.{name}", new.field);
    let email = normalize_email(email)?;
    let name = check_name(new.name, &field("name"))?;
    let public_key: [u8; 32] = hex_field(new.public_key, &field("public_key"))?;
    if !rsc_doc::attest::is_valid_public_key(&public_key) {
        return Err(AppError::invalid(field("public_key"), "is not an ed25519 public key"));
    }
    let actor_id: [u8; 16] = hex_field(new.actor_id, &field("actor_id"))?;
    let client = self::known_client(store, &email, known_client).await?;
    let attempt = reserve_attempt(store, &email, ip, &client).await?;
    let user = store.user_by_email(&email).await?;
    let verified = match &user {
        Some(user) => verify_password(password.to_string(), user.password_hash.clone()).await,
        None => {
            // Spend the same time as a real check, so the answer does not reveal accounts.
            let _ = verify_password(password.to_string(), dummy_hash().await?).await;
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("failed sign-in");
        return Err(AppError::Unauthorized("wrong email or password".into()));
    };
    release_attempt(store, &attempt).await?;
    let (token, token_hash) = new_token()?;
    let device = DeviceRecord {
        id: crate::clock::random_id().into(),
        user_id: user.id.clone(),
        name,
        public_key: public_key.to_vec(),
        actor_id: actor_id.to_vec(),
        created_at_ms: now_ms(),
        revoked_at_ms: None,
    };
    store.create_device(&device, &token_hash).await.map_err(|e| match e {
        crate::store::StoreError::Conflict(_) => {
            AppError::Conflict("this actor id is already registered to another device; generate a new one".into())
        }
        other => other.into(),
    })?;
    tracing::info!(user_id = %user.id, device_id = %device.id, known = client != Client::Unknown, "device signed in");
    let known_client = known_client_mark(store, &email).await?;
    Ok(SignedIn { user, device, token, known_client })
}

/// Creates an account (used by registration and by `rsc-server admin create`).
pub async fn create_account<S: Store>(
    store: &S,
    email: &str,
    password: &str,
    display_name: &str,
    role: Role,
) -> Result<UserRecord, AppError> {
    let email = normalize_email(email)?;
    check_password(password)?;
    let display_name = check_name(display_name, "display_name")?;
    let user = UserRecord {
        id: new_id().to_string().into(),
        email,
        display_name,
        password_hash: hash_password(password.to_string()).await?,
        role,
        created_at_ms: now_ms(),
    };
    store.create_user(&user).await.map_err(|e| match e {
        crate::store::StoreError::Conflict(_) => AppError::Conflict("an account with this email already exists".into()),
        other => other.into(),
    })?;
    Ok(user)
}

/// A new password's rules, named as the field it arrives in.
fn check_new_password(password: &str) -> Result<(), AppError> {
    check_password(password).map_err(|_| {
        AppError::invalid("new_password", format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"))
    })
}

/// How long a password reset code works.
pub const RESET_CODE_HOURS: i64 = 24;

/// The hash a reset code is kept (and looked up) by: its canonical form's SHA-256.
fn reset_code_hash(code: &str) -> Vec<u8> {
    let canonical: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    Sha256::digest(canonical.as_bytes()).to_vec()
}

/// `len` random characters of the code alphabet (no look-alike letters; 5 bits each), for the
/// codes people read aloud or type: connection codes, reset codes, export ids.
pub fn random_code(len: usize) -> Result<String, AppError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("the random source failed: {e}")))?;
    // 256 is a multiple of 32, so every character is equally likely.
    Ok(bytes.iter().map(|b| rsc_protocol::CODE_ALPHABET[usize::from(*b) % 32] as char).collect())
}

/// Issues a one-time reset code for the account with `email` (for staff to hand over, since
/// the server sends no email), replacing any earlier one. Returns the account and the code.
pub(crate) async fn issue_reset_code<S: Store>(store: &S, email: &str) -> Result<(UserRecord, String), AppError> {
    let email = normalize_email(email)?;
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no account has the email {email}")))?;
    let raw = random_code(12)?;
    let code = format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]);
    let now = now_ms();
    store.create_password_reset(&user.id, &reset_code_hash(&code), now, now + RESET_CODE_HOURS * 3_600_000).await?;
    Ok((user, code))
}

/// Sets a new password with a reset code and signs every device of the account out. Wrong
/// codes are throttled like wrong passwords; an unknown email gets the same answer as a wrong
/// code.
pub async fn reset_password<S: Store>(
    store: &S,
    email: &str,
    code: &str,
    new_password: &str,
    address: IpAddr,
) -> Result<u64, AppError> {
    let email = normalize_email(email)?;
    check_new_password(new_password)?;
    let attempt = reserve_attempt(store, &email, address, &Client::Unknown).await?;
    let wrong = || AppError::Unauthorized("wrong email or reset code (codes work once, for 24 hours)".into());
    let Some(user) = store.user_by_email(&email).await? else { return Err(wrong()) };
    let id = UserId::from(&user.id);
    if !store.use_password_reset(&id, &reset_code_hash(code), now_ms()).await? {
        return Err(wrong());
    }
    release_attempt(store, &attempt).await?;
    store.set_password_hash(&id, &hash_password(new_password.to_string()).await?).await?;
    Ok(store.revoke_all_devices(&id, now_ms()).await?)
}

/// Changes the signed-in person's password after checking the current one (throttled like a
/// sign-in). Other devices stay signed in.
pub async fn change_password<S: Store>(
    store: &S,
    user: &UserRecord,
    device_id: &str,
    current: &str,
    new_password: &str,
    address: IpAddr,
) -> Result<(), AppError> {
    check_new_password(new_password)?;
    // Signed in already: the device is a known client, and its failures count for it alone.
    let attempt = reserve_attempt(store, &user.email, address, &Client::Known(device_id.to_string())).await?;
    if !verify_password(current.to_string(), user.password_hash.clone()).await {
        return Err(AppError::invalid("current_password", "is not your password"));
    }
    release_attempt(store, &attempt).await?;
    store.set_password_hash(&user.id, &hash_password(new_password.to_string()).await?).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Ana@Example.ORG ").expect("valid"), "ana@example.org");
        for bad in ["", "ana", "ana@", "@example.org", "ana@localhost", "a b@example.org"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, hash_a) = new_token().expect("token");
        let (b, _) = new_token().expect("token");
        assert_ne!(a, b);
        assert!(a.starts_with("rsc_") && a.len() > 40);
        assert_eq!(token_hash(&a), hash_a);
        assert_eq!(hash_a.len(), 32);
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse battery".into(), hash).await);
        assert!(check_password("short").is_err());
    }

    /// The hashes in the field were made by the argon2 crate's own hasher: they still verify,
    /// and the crate's verifier reads the hashes made here.
    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default().hash_password(b"correct horse battery").expect("hash").to_string();
        assert!(verify_password("correct horse battery".into(), theirs.clone()).await);
        assert!(!verify_password("correct horse batterY".into(), theirs).await);
        let ours = hash_password("correct horse battery".into()).await.expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(Argon2::default().verify_password(b"correct horse battery", &parsed).is_ok());
    }

    /// A stored hash that asks for more memory than allowed, or does not parse, fails without
    /// being computed.
    #[tokio::test]
    async fn hostile_stored_hashes_fail_closed() {
        let ours = hash_password("correct horse battery".into()).await.expect("hash");
        let greedy = ours.replacen("m=19456", "m=4194304", 1);
        assert_ne!(greedy, ours, "{ours}");
        assert!(!verify_password("correct horse battery".into(), greedy).await);
        for broken in ["", "$argon2id$", "plain text", &ours[..ours.len() - 10]] {
            assert!(!verify_password("correct horse battery".into(), broken.to_string()).await, "{broken}");
        }
    }
}
