#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]
//! Bearer-token authentication: `BearerTokens` through the `Authenticator` trait (valid,
//! refused, rotated, revoked, expired, wrong tenant), its secrecy, and closure authenticators.

use std::collections::HashSet;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{Duration, Utc};
use http::{HeaderMap, HeaderValue, Method};
use scimkit_core::auth::{
    AuthError, AuthRequest, Authenticator, BearerTokens, TokenError, TokenId, TokenInfo,
};
use scimkit_core::context::{Caller, Context, Tenant};

fn headers(authorization: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization {
        headers.insert("authorization", HeaderValue::from_str(value).unwrap());
    }
    headers
}

/// Authenticates a `GET /Users` with the given `Authorization` header and tenant segment.
async fn auth<A: Authenticator + ?Sized>(
    authn: &A,
    authorization: Option<&str>,
    tenant: Option<&str>,
) -> Result<Context, AuthError> {
    let headers = headers(authorization);
    let request = AuthRequest {
        method: &Method::GET,
        path: "/Users",
        headers: &headers,
        tenant,
    };
    authn.authenticate(&request).await
}

async fn bearer<A: Authenticator + ?Sized>(
    authn: &A,
    token: &str,
    tenant: Option<&str>,
) -> Result<Context, AuthError> {
    auth(authn, Some(&format!("Bearer {token}")), tenant).await
}

/// The one refusal every failure case must produce.
async fn generic_refusal(tokens: &BearerTokens) -> AuthError {
    let refusal = auth(tokens, None, None).await.unwrap_err();
    assert!(matches!(refusal, AuthError::Unauthorized(_)), "{refusal:?}");
    refusal
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut hex, b| {
        write!(hex, "{b:02x}").unwrap();
        hex
    })
}

#[tokio::test]
async fn valid_token_gives_tenant_and_label_as_caller() {
    let tokens = BearerTokens::new();
    let minted = tokens
        .mint(Tenant::new("acme"), "Entra ID production", None)
        .unwrap();

    let ctx = bearer(&tokens, &minted.token, Some("acme")).await.unwrap();
    assert_eq!(ctx.tenant(), &Tenant::new("acme"));
    assert_eq!(ctx.caller(), &Caller::new("Entra ID production"));

    // No tenant segment (single mount point): the token's tenant decides.
    let ctx = bearer(&tokens, &minted.token, None).await.unwrap();
    assert_eq!(ctx.tenant().as_str(), "acme");
}

#[tokio::test]
async fn empty_label_uses_token_id_as_caller() {
    let tokens = BearerTokens::new();
    let minted = tokens.mint(Tenant::new("acme"), "", None).unwrap();
    let ctx = bearer(&tokens, &minted.token, None).await.unwrap();
    assert_eq!(ctx.caller().id(), minted.id.as_str());
    assert!(!ctx.caller().id().contains(&minted.token));
}

#[tokio::test]
async fn every_refusal_is_unauthorized_with_the_same_detail() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    let revoked = tokens.mint(acme.clone(), "old", None).unwrap();
    assert!(tokens.revoke(&revoked.id));
    let expired = tokens
        .mint(
            acme.clone(),
            "expired",
            Some(Utc::now() - Duration::seconds(1)),
        )
        .unwrap();
    let valid = tokens.mint(acme.clone(), "valid", None).unwrap();
    let refusal = generic_refusal(&tokens).await;
    let AuthError::Unauthorized(detail) = &refusal else {
        unreachable!()
    };

    let cases: Vec<(&str, Option<String>, Option<&str>)> = vec![
        ("missing header", None, None),
        (
            "basic scheme",
            Some(format!("Basic {}", valid.token)),
            Some("acme"),
        ),
        ("empty token", Some("Bearer ".to_owned()), Some("acme")),
        ("scheme only", Some("Bearer".to_owned()), Some("acme")),
        (
            "unknown token",
            Some("Bearer scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
            Some("acme"),
        ),
        (
            "token with a changed last character",
            Some(format!(
                "Bearer {}{}",
                &valid.token[..valid.token.len() - 1],
                if valid.token.ends_with('A') { 'B' } else { 'A' }
            )),
            Some("acme"),
        ),
        (
            "revoked token",
            Some(format!("Bearer {}", revoked.token)),
            Some("acme"),
        ),
        (
            "expired token",
            Some(format!("Bearer {}", expired.token)),
            Some("acme"),
        ),
        (
            "another tenant's path segment",
            Some(format!("Bearer {}", valid.token)),
            Some("globex"),
        ),
        (
            "tenant segment differing in case",
            Some(format!("Bearer {}", valid.token)),
            Some("ACME"),
        ),
    ];
    for (name, authorization, tenant) in cases {
        let result = auth(&tokens, authorization.as_deref(), tenant).await;
        assert_eq!(result, Err(refusal.clone()), "{name}");
    }
    // The detail is generic: it names neither a reason nor a token.
    for word in ["revoked", "expired", "unknown", "globex"] {
        assert!(!detail.contains(word), "{detail}");
    }
    assert!(!detail.contains(&valid.token));
    // And the valid token still works.
    assert!(bearer(&tokens, &valid.token, Some("acme")).await.is_ok());
}

#[tokio::test]
async fn expiry_is_inclusive_of_the_instant() {
    let tokens = BearerTokens::new();
    let at = Utc::now() + Duration::hours(1);
    let minted = tokens.mint(Tenant::new("acme"), "ci", Some(at)).unwrap();
    let headers = headers(Some(&format!("Bearer {}", minted.token)));
    let request = AuthRequest {
        method: &Method::GET,
        path: "/Users",
        headers: &headers,
        tenant: Some("acme"),
    };
    assert!(tokens
        .authenticate_at(&request, at - Duration::milliseconds(1))
        .is_ok());
    assert!(matches!(
        tokens.authenticate_at(&request, at),
        Err(AuthError::Unauthorized(_))
    ));
    // Not yet expired now, through the trait.
    assert!(tokens.authenticate(&request).await.is_ok());
}

#[tokio::test]
async fn bearer_scheme_is_case_insensitive() {
    let tokens = BearerTokens::new();
    let minted = tokens.mint(Tenant::new("acme"), "okta", None).unwrap();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let header = format!("{scheme} {}", minted.token);
        let ctx = auth(&tokens, Some(&header), Some("acme")).await;
        assert_eq!(ctx.unwrap().caller().id(), "okta", "{scheme}");
    }
}

#[tokio::test]
async fn two_active_tokens_for_one_tenant_both_work() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    let old = tokens.mint(acme.clone(), "old", None).unwrap();
    let new = tokens.mint(acme.clone(), "new", None).unwrap();
    assert_eq!(
        bearer(&tokens, &old.token, Some("acme"))
            .await
            .unwrap()
            .caller()
            .id(),
        "old"
    );
    assert_eq!(
        bearer(&tokens, &new.token, Some("acme"))
            .await
            .unwrap()
            .caller()
            .id(),
        "new"
    );
    // Rotation without downtime: revoke the old one, the new one keeps working.
    assert!(tokens.revoke(&old.id));
    assert!(!tokens.revoke(&old.id), "already revoked");
    assert!(bearer(&tokens, &old.token, Some("acme")).await.is_err());
    assert!(bearer(&tokens, &new.token, Some("acme")).await.is_ok());
}

#[tokio::test]
#[allow(deprecated)]
async fn regenerate_replaces_the_old_token_at_once() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    let other = tokens.mint(acme.clone(), "other", None).unwrap();
    let old = tokens.mint(acme.clone(), "Entra ID", None).unwrap();
    let expires = Some(Utc::now() + Duration::days(365));

    let new = tokens.regenerate(&old.id, expires).unwrap();
    assert_ne!(new.id, old.id);
    assert_ne!(new.token, old.token);
    assert_eq!(new.info.tenant, acme);
    assert_eq!(new.info.label, "Entra ID");
    assert_eq!(new.info.expires_at, expires);

    assert!(bearer(&tokens, &old.token, Some("acme")).await.is_err());
    let ctx = bearer(&tokens, &new.token, Some("acme")).await.unwrap();
    assert_eq!(ctx.caller().id(), "Entra ID");
    // Other tokens of the tenant are untouched.
    assert!(bearer(&tokens, &other.token, Some("acme")).await.is_ok());
    assert_eq!(tokens.tokens(&acme).len(), 2);

    // The old id is gone: regenerating it again is an error naming the id, not a panic.
    assert_eq!(
        tokens.regenerate(&old.id, None).unwrap_err(),
        TokenError::UnknownToken(old.id.clone())
    );
    assert!(tokens.get(&old.id).is_none());
    // The new token's metadata, with the use made above.
    let stored = tokens.get(&new.id).unwrap();
    assert!(stored.last_used_at.is_some());
    assert_eq!(
        TokenInfo {
            last_used_at: None,
            ..stored
        },
        new.info
    );
}

#[tokio::test]
async fn revoke_tenant_revokes_only_that_tenant() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    let globex = Tenant::new("globex");
    let a1 = tokens.mint(acme.clone(), "a1", None).unwrap();
    let a2 = tokens.mint(acme.clone(), "a2", None).unwrap();
    let g = tokens.mint(globex.clone(), "g", None).unwrap();

    assert_eq!(tokens.revoke_tenant(&acme), 2);
    assert_eq!(tokens.revoke_tenant(&acme), 0);
    assert!(bearer(&tokens, &a1.token, None).await.is_err());
    assert!(bearer(&tokens, &a2.token, None).await.is_err());
    assert!(bearer(&tokens, &g.token, Some("globex")).await.is_ok());
    assert!(tokens.tokens(&acme).is_empty());
    assert_eq!(tokens.len(), 1);
}

#[tokio::test]
async fn remove_expired_drops_only_expired_tokens() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    tokens
        .mint(
            acme.clone(),
            "gone",
            Some(Utc::now() - Duration::seconds(1)),
        )
        .unwrap();
    let later = tokens
        .mint(acme.clone(), "later", Some(Utc::now() + Duration::days(1)))
        .unwrap();
    let never = tokens.mint(acme.clone(), "never", None).unwrap();
    assert_eq!(tokens.remove_expired(), 1);
    assert_eq!(tokens.remove_expired(), 0);
    let ids: Vec<TokenId> = tokens.tokens(&acme).into_iter().map(|i| i.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&later.id) && ids.contains(&never.id));
}

#[tokio::test]
async fn tokens_lists_metadata_without_secrets() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    let expires = Some(Utc::now() + Duration::days(30));
    let first = tokens.mint(acme.clone(), "first", expires).unwrap();
    let second = tokens.mint(acme.clone(), "second", None).unwrap();
    tokens.mint(Tenant::new("globex"), "theirs", None).unwrap();

    let list = tokens.tokens(&acme);
    assert_eq!(list, vec![first.info.clone(), second.info.clone()]);
    assert_eq!(list[0].label, "first");
    assert_eq!(list[0].expires_at, expires);
    assert_eq!(list[0].tenant, acme);
    assert!(list[0].created <= list[1].created);
    let printed = format!("{list:?}");
    for minted in [&first, &second] {
        assert!(!printed.contains(&minted.token));
        assert!(!printed.contains(&hex(&minted.hash)));
    }
    assert!(tokens.tokens(&Tenant::new("initech")).is_empty());
}

#[tokio::test]
async fn debug_never_shows_tokens_or_hashes() {
    let tokens = BearerTokens::new();
    let minted = tokens.mint(Tenant::new("acme"), "okta", None).unwrap();
    tokens.mint(Tenant::new("acme"), "entra", None).unwrap();
    tokens.mint(Tenant::new("globex"), "okta", None).unwrap();
    let hash_hex = hex(&minted.hash);
    let secret = minted.token.trim_start_matches("scim_");

    let table = format!("{tokens:?} {tokens:#?}");
    assert_eq!(
        format!("{tokens:?}"),
        "BearerTokens { tokens: 3, tenants: 2 }"
    );
    let one = format!("{minted:?} {minted:#?}");
    for printed in [&table, &one] {
        assert!(!printed.contains(secret), "{printed}");
        assert!(!printed.contains(&hash_hex), "{printed}");
        assert!(
            !printed.contains(&format!("{:?}", minted.hash)),
            "{printed}"
        );
    }
    assert!(one.contains(minted.id.as_str()));
    assert!(one.contains("redacted"));
}

#[tokio::test]
async fn minted_tokens_are_distinct_and_carry_256_random_bits() {
    let tokens = BearerTokens::new();
    let acme = Tenant::new("acme");
    let mut texts = HashSet::new();
    let mut ids = HashSet::new();
    for i in 0..64 {
        let minted = tokens.mint(acme.clone(), format!("t{i}"), None).unwrap();
        let encoded = minted.token.strip_prefix("scim_").unwrap();
        assert_eq!(encoded.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(encoded).unwrap().len(), 32);
        assert_eq!(minted.hash, BearerTokens::hash_token(&minted.token));
        assert_eq!(minted.id, minted.info.id);
        assert_eq!(minted.id.as_str().len(), 16);
        assert!(minted.id.as_str().chars().all(|c| c.is_ascii_hexdigit()));
        assert!(texts.insert(minted.token));
        assert!(ids.insert(minted.id));
    }
    assert_eq!(tokens.len(), 64);
}

#[tokio::test]
async fn insert_hash_reloads_persisted_tokens() {
    // A host persisted (info, hash) from an earlier process and reloads it.
    let before = BearerTokens::new();
    let minted = before
        .mint(
            Tenant::new("acme"),
            "Entra ID",
            Some(Utc::now() + Duration::days(1)),
        )
        .unwrap();
    let (info, hash) = (minted.info.clone(), minted.hash);
    drop(before);

    let after = BearerTokens::new();
    after.insert_hash(info.clone(), hash);
    let ctx = bearer(&after, &minted.token, Some("acme")).await.unwrap();
    assert_eq!(ctx.caller().id(), "Entra ID");
    // The same metadata, now with the use just made.
    let listed = after.tokens(&Tenant::new("acme"));
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    assert_eq!(
        TokenInfo {
            last_used_at: None,
            ..listed[0].clone()
        },
        info
    );

    // A token the host provisioned itself (hash_token + insert_hash).
    let own = TokenInfo {
        id: TokenId::new("legacy-1"),
        tenant: Tenant::new("globex"),
        label: String::new(),
        created: Utc::now(),
        expires_at: None,
        last_used_at: None,
    };
    after.insert_hash(own.clone(), BearerTokens::hash_token("legacy secret"));
    let ctx = bearer(&after, "legacy secret", Some("globex"))
        .await
        .unwrap();
    assert_eq!(ctx.caller().id(), "legacy-1");

    // Re-inserting the same id replaces it (no stale hash keeps working).
    after.insert_hash(own.clone(), BearerTokens::hash_token("new secret"));
    assert!(bearer(&after, "legacy secret", None).await.is_err());
    assert!(bearer(&after, "new secret", None).await.is_ok());
    assert_eq!(after.len(), 2);
    assert!(after.revoke(&TokenId::new("legacy-1")));
}

#[tokio::test]
async fn arc_handle_shares_the_table_with_the_engine() {
    let host = Arc::new(BearerTokens::new());
    let engine: Box<dyn Authenticator> = Box::new(Arc::clone(&host));
    let minted = host.mint(Tenant::new("acme"), "okta", None).unwrap();
    assert!(bearer(&*engine, &minted.token, Some("acme")).await.is_ok());
    host.revoke(&minted.id);
    assert!(bearer(&*engine, &minted.token, Some("acme")).await.is_err());
}

#[tokio::test]
async fn closure_authenticator_works_through_the_trait() {
    let closure = |req: &AuthRequest<'_>| match (req.bearer_token(), req.tenant) {
        (Some("s3cret"), Some(tenant)) => Ok(Context::new(Tenant::new(tenant), Caller::new("idp"))),
        _ => Err(AuthError::Unauthorized(
            "a valid bearer token is required".into(),
        )),
    };
    let ctx = bearer(&closure, "s3cret", Some("acme")).await.unwrap();
    assert_eq!(ctx, Context::new(Tenant::new("acme"), Caller::new("idp")));
    assert!(bearer(&closure, "nope", Some("acme")).await.is_err());

    // A closure can wrap BearerTokens too (e.g. to add a check of its own).
    let tokens = Arc::new(BearerTokens::new());
    let minted = tokens.mint(Tenant::new("acme"), "okta", None).unwrap();
    let handle = Arc::clone(&tokens);
    let wrapped = move |req: &AuthRequest<'_>| handle.authenticate_at(req, Utc::now());
    let dynamic: Arc<dyn Authenticator> = Arc::new(wrapped);
    let ctx = bearer(&*dynamic, &minted.token, Some("acme"))
        .await
        .unwrap();
    assert_eq!(ctx.caller().id(), "okta");
}

#[tokio::test]
async fn concurrent_minting_and_authentication() {
    let tokens = Arc::new(BearerTokens::new());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let tokens = Arc::clone(&tokens);
        tasks.push(tokio::spawn(async move {
            let tenant = format!("t{}", i % 2);
            let minted = tokens.mint(Tenant::new(tenant.as_str()), "", None).unwrap();
            let ctx = bearer(&tokens, &minted.token, Some(&tenant)).await.unwrap();
            assert_eq!(ctx.tenant().as_str(), tenant);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(tokens.len(), 8);
    assert_eq!(tokens.tokens(&Tenant::new("t0")).len(), 4);
}
