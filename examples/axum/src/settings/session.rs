//! Who may use the settings page: the admin token (`--admin-token`) is exchanged once, on the
//! sign-in form, for a session cookie; every form the page posts carries the session's
//! anti-forgery value.
//!
//! Sessions live in this process (a restart signs everyone out; each instance behind a load
//! balancer has its own). The cookie is `HttpOnly` and `SameSite=Strict`, scoped to `/admin`;
//! behind TLS a host would add `Secure`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use http::HeaderMap;
use scimkit_core::auth::BearerTokens;
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "scimkit_admin";

/// How long a session lasts after sign-in.
pub const LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// The most sessions kept at once; signing in beyond that ends the oldest.
pub const MAX_SESSIONS: usize = 64;

/// A signed-in administrator's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The cookie's value.
    pub id: String,
    /// The value every form must send back (`csrf`).
    pub csrf: String,
}

/// The admin token's hash and the live sessions.
#[derive(Debug)]
pub struct Sessions {
    admin_hash: [u8; 32],
    live: Mutex<Live>,
}

/// The live sessions by id, and how many were ever started (their order).
#[derive(Debug, Default)]
struct Live {
    by_id: HashMap<String, Entry>,
    started: u64,
}

#[derive(Debug)]
struct Entry {
    csrf: String,
    expires: Instant,
    /// The session's place in the order of sign-ins (the oldest goes first when full).
    order: u64,
}

/// Why a session could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The token given is not the admin token.
    #[error("that is not the admin token")]
    WrongToken,
    /// The system's random source failed.
    #[error("no random numbers for a session: {0}")]
    Random(getrandom::Error),
}

impl Sessions {
    /// Sessions for whoever knows `admin_token` (only its hash is kept, as bearer tokens').
    pub fn new(admin_token: &str) -> Self {
        Sessions {
            admin_hash: BearerTokens::hash_token(admin_token),
            live: Mutex::new(Live::default()),
        }
    }

    /// Whether `token` is the admin token (compared in constant time).
    pub fn is_admin_token(&self, token: &str) -> bool {
        let hash = BearerTokens::hash_token(token.trim());
        bool::from(hash.ct_eq(&self.admin_hash))
    }

    /// A new session for the holder of `token`.
    pub fn sign_in(&self, token: &str) -> Result<Session, SignInError> {
        if !self.is_admin_token(token) {
            return Err(SignInError::WrongToken);
        }
        let session = Session {
            id: random()?,
            csrf: random()?,
        };
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        live.by_id.retain(|_, entry| entry.expires > now);
        if live.by_id.len() >= MAX_SESSIONS {
            let oldest = live
                .by_id
                .iter()
                .min_by_key(|(_, entry)| entry.order)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                live.by_id.remove(&oldest);
            }
        }
        live.started += 1;
        let order = live.started;
        live.by_id.insert(
            session.id.clone(),
            Entry {
                csrf: session.csrf.clone(),
                expires: now + LIFETIME,
                order,
            },
        );
        Ok(session)
    }

    /// The session the request's cookie names, if it is live.
    pub fn current(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, COOKIE)?;
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = live.by_id.get(id)?;
        (entry.expires > Instant::now()).then(|| Session {
            id: id.to_owned(),
            csrf: entry.csrf.clone(),
        })
    }

    /// Ends a session.
    pub fn sign_out(&self, session: &Session) {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_id
            .remove(&session.id);
    }
}

impl Session {
    /// Whether `sent` is this session's anti-forgery value (compared in constant time).
    pub fn accepts(&self, sent: &str) -> bool {
        bool::from(sent.as_bytes().ct_eq(self.csrf.as_bytes()))
    }

    /// The `Set-Cookie` value starting this session.
    pub fn set_cookie(&self) -> String {
        format!(
            "{COOKIE}={}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={}",
            self.id,
            LIFETIME.as_secs()
        )
    }
}

/// The `Set-Cookie` value ending a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// 32 random bytes, base64url.
fn random() -> Result<String, SignInError> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(SignInError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The value of the cookie `name` among the request's `Cookie` headers.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = value.parse() {
            headers.insert(http::header::COOKIE, value);
        }
        headers
    }

    #[test]
    fn only_the_admin_token_signs_in() {
        let sessions = Sessions::new("s3cret-admin");
        assert!(matches!(
            sessions.sign_in("guess"),
            Err(SignInError::WrongToken)
        ));
        let session = sessions.sign_in(" s3cret-admin\n");
        assert!(session.is_ok());
    }

    #[test]
    fn a_session_is_found_by_its_cookie_and_ends_on_sign_out() {
        let sessions = Sessions::new("admin");
        let Ok(session) = sessions.sign_in("admin") else {
            panic!("sign-in refused");
        };
        let headers = with_cookie(&format!("theme=dark; {COOKIE}={}", session.id));
        assert_eq!(sessions.current(&headers), Some(session.clone()));
        assert!(session.accepts(&session.csrf));
        assert!(!session.accepts("forged"));
        assert_eq!(
            sessions.current(&with_cookie(&format!("{COOKIE}=made-up"))),
            None
        );
        sessions.sign_out(&session);
        assert_eq!(sessions.current(&headers), None);
    }

    #[test]
    fn sessions_are_bounded() {
        let sessions = Sessions::new("admin");
        let first = sessions.sign_in("admin").ok();
        for _ in 0..MAX_SESSIONS {
            assert!(sessions.sign_in("admin").is_ok());
        }
        let first_cookie = first.map(|s| with_cookie(&format!("{COOKIE}={}", s.id)));
        assert_eq!(first_cookie.and_then(|h| sessions.current(&h)), None);
        assert!(sessions.live.lock().map_or(0, |live| live.by_id.len()) <= MAX_SESSIONS);
    }
}
