//! Verification of Supabase access tokens (JWT).
//!
//! Accepted: HS256 signed with the project's JWT secret (`SUPABASE_JWT_SECRET`), and RS256/ES256
//! signed by a key of the project's JWKS (`SUPABASE_JWKS` as JSON text and/or `SUPABASE_JWKS_URL`,
//! fetched once at start-up). The header's `alg` must belong to the family of the key it selects,
//! so an HMAC token can never be checked against a public key (algorithm confusion) and `none` is
//! never accepted (jsonwebtoken has no such algorithm). `exp` and `aud = authenticated` are
//! required, `nbf` is checked when present, both with a small leeway (`JWT_LEEWAY_SECS`, default 30).

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::config;

pub const AUDIENCE: &str = "authenticated";
pub const DEFAULT_LEEWAY_SECS: u64 = 30;

/// Why a request is not authenticated. The message is safe to show the caller (no token content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header is missing")]
    Missing,
    #[error("the Authorization header must be `Bearer <token>`")]
    NotBearer,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token algorithm is not accepted")]
    Algorithm,
    #[error("the token was not signed by a known key")]
    UnknownKey,
    #[error("the token signature is invalid")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token audience is not `authenticated`")]
    Audience,
    #[error("the token has no valid user id (`sub`) or lacks a required claim")]
    Claims,
    #[error("the token was not issued by this project's Supabase Auth")]
    Issuer,
    #[error("the token's role is not `authenticated`")]
    Role,
}

impl AuthError {
    /// A stable machine-readable code for problem bodies.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_token",
            AuthError::NotBearer => "not_bearer",
            AuthError::Malformed => "malformed_token",
            AuthError::Algorithm => "algorithm_not_accepted",
            AuthError::UnknownKey => "unknown_key",
            AuthError::Signature => "invalid_signature",
            AuthError::Expired => "token_expired",
            AuthError::NotYetValid => "token_not_yet_valid",
            AuthError::Audience => "invalid_audience",
            AuthError::Claims => "invalid_claims",
            AuthError::Issuer => "invalid_issuer",
            AuthError::Role => "invalid_role",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error(
        "no verification key: set SUPABASE_JWT_SECRET and/or SUPABASE_JWKS / SUPABASE_JWKS_URL"
    )]
    NoKeys,
    #[error("JWKS is not valid: {0}")]
    Jwks(String),
    #[error("fetching the JWKS failed: {0}")]
    Fetch(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
}

/// Whether the token's header is JSON with a string `alg` (used to tell "unknown algorithm" from
/// "garbage" when the library rejects the header).
fn header_names_an_alg(token: &str) -> bool {
    let Some(segment) = token.split('.').next() else {
        return false;
    };
    let Some(bytes) = base64url_decode(segment) else {
        return false;
    };
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("alg").map(Value::is_string))
        .unwrap_or(false)
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().take_while(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedUser {
    pub user_id: Uuid,
    /// The verified claims as JSON text, for `request.jwt.claims` (what RLS policies read).
    pub claims_json: String,
}

struct PublicKey {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

/// Verifies access tokens; built once per Lambda instance.
pub struct JwtVerifier {
    hmac: Option<DecodingKey>,
    public: Vec<PublicKey>,
    leeway: u64,
    /// The only accepted `iss`, when configured.
    issuer: Option<String>,
}

impl std::fmt::Debug for JwtVerifier {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hmac", &self.hmac.is_some())
            .field("public_keys", &self.public.len())
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl JwtVerifier {
    /// A verifier from an HS256 secret and/or a JWKS. Only RSA and EC (P-256) keys of the JWKS are
    /// used; symmetric keys in a JWKS are ignored (the secret is configured separately).
    pub fn new(
        hs256_secret: Option<&[u8]>,
        jwks: Option<&JwkSet>,
        leeway: u64,
    ) -> Result<Self, AuthConfigError> {
        let hmac = match hs256_secret {
            Some(s) if !s.is_empty() => Some(
                DecodingKey::from_secret(s).map_err(|e| AuthConfigError::Jwks(e.to_string()))?,
            ),
            _ => None,
        };
        let mut public = Vec::new();
        for jwk in jwks.map(|s| s.keys.as_slice()).unwrap_or_default() {
            let algorithms = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => vec![Algorithm::RS256],
                AlgorithmParameters::EllipticCurve(_) => vec![Algorithm::ES256],
                _ => continue,
            };
            let key =
                DecodingKey::from_jwk(jwk).map_err(|e| AuthConfigError::Jwks(e.to_string()))?;
            public.push(PublicKey {
                kid: jwk.common.key_id.clone(),
                algorithms,
                key,
            });
        }
        if hmac.is_none() && public.is_empty() {
            return Err(AuthConfigError::NoKeys);
        }
        Ok(JwtVerifier {
            hmac,
            public,
            leeway,
            issuer: None,
        })
    }

    /// Accepts only tokens whose `iss` is `issuer` (Supabase Auth: `<project URL>/auth/v1`).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// From `SUPABASE_JWT_SECRET`, `SUPABASE_JWKS`, `SUPABASE_JWKS_URL` and `JWT_LEEWAY_SECS`.
    pub async fn from_env() -> Result<Self, AuthConfigError> {
        let secret = config::optional("SUPABASE_JWT_SECRET");
        let leeway = config::parsed("JWT_LEEWAY_SECS", DEFAULT_LEEWAY_SECS)?;
        let mut keys = Vec::new();
        if let Some(text) = config::optional("SUPABASE_JWKS") {
            let set: JwkSet =
                serde_json::from_str(&text).map_err(|e| AuthConfigError::Jwks(e.to_string()))?;
            keys.extend(set.keys);
        }
        if let Some(url) = config::optional("SUPABASE_JWKS_URL") {
            let set: JwkSet = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .map_err(|e| AuthConfigError::Fetch(e.to_string()))?
                .get(&url)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| AuthConfigError::Fetch(e.to_string()))?
                .json()
                .await
                .map_err(|e| AuthConfigError::Fetch(e.to_string()))?;
            keys.extend(set.keys);
        }
        let jwks = JwkSet { keys };
        let verifier = Self::new(secret.as_deref().map(str::as_bytes), Some(&jwks), leeway)?;
        // SUPABASE_URL names the project: its Auth server is the only accepted issuer.
        Ok(match config::optional("SUPABASE_URL") {
            Some(url) => verifier.with_issuer(format!("{}/auth/v1", url.trim_end_matches('/'))),
            None => verifier,
        })
    }

    /// Verifies the value of an `Authorization` header.
    pub fn verify_header(&self, header: Option<&str>) -> Result<AuthenticatedUser, AuthError> {
        let header = header
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .ok_or(AuthError::Missing)?;
        let (scheme, token) = header.split_once(' ').ok_or(AuthError::NotBearer)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::NotBearer);
        }
        self.verify(token.trim())
    }

    /// Verifies a compact JWT and returns the user it names.
    pub fn verify(&self, token: &str) -> Result<AuthenticatedUser, AuthError> {
        if token.len() > 16 * 1024 || token.split('.').count() != 3 {
            return Err(AuthError::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithmName
            | jsonwebtoken::errors::ErrorKind::UnsupportedAlgorithm => AuthError::Algorithm,
            // A well-formed header naming an algorithm we do not know (`none`, ...).
            _ if header_names_an_alg(token) => AuthError::Algorithm,
            _ => AuthError::Malformed,
        })?;
        let key = match header.alg {
            Algorithm::HS256 => self.hmac.as_ref().ok_or(AuthError::Algorithm)?,
            Algorithm::RS256 | Algorithm::ES256 => {
                let candidates = self
                    .public
                    .iter()
                    .filter(|k| k.algorithms.contains(&header.alg));
                let found = match header.kid.as_deref() {
                    Some(kid) => candidates
                        .into_iter()
                        .find(|k| k.kid.as_deref() == Some(kid)),
                    // Without a kid only an unambiguous key set can be used.
                    None => {
                        let all: Vec<&PublicKey> = candidates.collect();
                        if all.len() == 1 {
                            Some(all[0])
                        } else {
                            None
                        }
                    }
                };
                &found.ok_or(AuthError::UnknownKey)?.key
            }
            _ => return Err(AuthError::Algorithm),
        };
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
        }
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::ExpiredSignature => AuthError::Expired,
                    K::ImmatureSignature => AuthError::NotYetValid,
                    K::InvalidAudience => AuthError::Audience,
                    K::InvalidIssuer => AuthError::Issuer,
                    K::MissingRequiredClaim(c) if c == "iss" => AuthError::Issuer,
                    K::InvalidSignature | K::InvalidEcdsaKey | K::InvalidRsaKey(_) => {
                        AuthError::Signature
                    }
                    K::InvalidAlgorithm | K::MissingAlgorithm => AuthError::Algorithm,
                    K::MissingRequiredClaim(_) | K::InvalidClaimFormat(_) | K::InvalidSubject => {
                        AuthError::Claims
                    }
                    _ => AuthError::Malformed,
                }
            })?;
        let user_id = data
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or(AuthError::Claims)?;
        // The database role is forced to `authenticated` anyway; a token claiming another role
        // (service_role, anon, anything else) is refused rather than silently downgraded.
        match data.claims.get("role") {
            None => {}
            Some(Value::String(r)) if r == "authenticated" => {}
            Some(_) => return Err(AuthError::Role),
        }
        let claims_json = serde_json::to_string(&data.claims).map_err(|_| AuthError::Claims)?;
        Ok(AuthenticatedUser {
            user_id,
            claims_json,
        })
    }
}
