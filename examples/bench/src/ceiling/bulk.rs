//! The ceiling's `POST /Bulk` for a load of new users: every operation a `POST /Users`; all of
//! a request's users written in one transaction with one multi-row `INSERT` of their rows and
//! one of their e-mails; the `BulkResponse` built from what was written. A request holding
//! anything else is `400`; a taken userName fails the whole request (`409`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{SubsecRound as _, Utc};
use hyper::body::Bytes;
use serde_json::{json, Map, Value};

use super::{answer, bad, base_url, etag, statements, user_location, Ceiling, Failure, NewUser};

/// `urn:…:BulkResponse`.
const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// One `POST /Users` operation of the request: its `bulkId` and the user.
struct Create {
    bulk_id: Option<String>,
    user: NewUser,
}

/// Reads the operations; each must be a `POST` to `/Users` with `data`.
fn creates(body: &[u8]) -> Result<Vec<Create>, Failure> {
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad("the body is not a JSON object"));
    };
    let Some(Value::Array(operations)) = body.remove("Operations") else {
        return Err(bad("Operations is required"));
    };
    let mut creates = Vec::with_capacity(operations.len());
    for operation in operations {
        let Value::Object(mut operation) = operation else {
            return Err(bad("an operation is not an object"));
        };
        let is = |key: &str, expected: &str| {
            operation
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(expected))
        };
        if !is("method", "POST") || !is("path", "/Users") {
            return Err(bad("the ceiling's /Bulk only creates users"));
        }
        let bulk_id = match operation.remove("bulkId") {
            Some(Value::String(id)) => Some(id),
            _ => None,
        };
        let data = operation
            .remove("data")
            .ok_or_else(|| bad("an operation has no data"))?;
        creates.push(Create {
            bulk_id,
            user: NewUser::from_json(data)?,
        });
    }
    Ok(creates)
}

/// `POST /Bulk`: the users' rows, then their e-mails, one statement each, one commit.
pub(super) async fn bulk(
    State(ceiling): State<Arc<Ceiling>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    ceiling.admit(&headers)?;
    let creates = creates(&body)?;
    let column = |f: fn(&NewUser) -> Option<String>| -> Vec<Option<String>> {
        creates.iter().map(|c| f(&c.user)).collect()
    };
    let user_names = column(|u| Some(u.user_name.clone()));
    let given_names = column(|u| u.given_name.clone());
    let family_names = column(|u| u.family_name.clone());
    let display_names = column(|u| u.display_name.clone());
    let titles = column(|u| u.title.clone());
    let external_ids = column(|u| u.external_id.clone());
    let extras = column(|u| Some(u.extra.clone()));
    let active: Vec<Option<bool>> = creates.iter().map(|c| c.user.active).collect();
    let now = Utc::now().trunc_subsecs(3);

    let mut tx = ceiling.pool.begin().await?;
    let written: Vec<(String, String)> = sqlx::query_as(statements::INSERT_USERS)
        .bind(&ceiling.tenant)
        .bind(now)
        .bind(&user_names)
        .bind(&given_names)
        .bind(&family_names)
        .bind(&display_names)
        .bind(&titles)
        .bind(&active)
        .bind(&external_ids)
        .bind(&extras)
        .fetch_all(&mut *tx)
        .await?;
    // The rows come back in no promised order: each id is found by its userName.
    let ids: HashMap<String, String> = written.into_iter().map(|(id, name)| (name, id)).collect();
    let id_of = |user: &NewUser| {
        ids.get(&user.user_name).ok_or_else(|| {
            Failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("no row came back for {}", user.user_name),
            )
        })
    };
    let (mut owners, mut positions, mut values, mut kinds, mut primaries) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for create in &creates {
        let id = id_of(&create.user)?;
        let (v, k, p) = &create.user.emails;
        for (position, ((value, kind), primary)) in v.iter().zip(k).zip(p).enumerate() {
            owners.push(id.clone());
            positions.push(i32::try_from(position).unwrap_or(i32::MAX));
            values.push(value.clone());
            kinds.push(kind.clone());
            primaries.push(*primary);
        }
    }
    if !owners.is_empty() {
        sqlx::query(statements::INSERT_EMAILS_OF_MANY)
            .bind(&owners)
            .bind(&positions)
            .bind(&values)
            .bind(&kinds)
            .bind(&primaries)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;

    let base = base_url(&headers);
    let mut entries = Vec::with_capacity(creates.len());
    for create in &creates {
        let id = id_of(&create.user)?;
        let mut entry = Map::new();
        entry.insert("method".to_owned(), json!("POST"));
        if let Some(bulk_id) = &create.bulk_id {
            entry.insert("bulkId".to_owned(), json!(bulk_id));
        }
        entry.insert("location".to_owned(), json!(user_location(&base, id)));
        entry.insert("version".to_owned(), json!(etag(1)));
        entry.insert("status".to_owned(), json!("201"));
        entries.push(Value::Object(entry));
    }
    let response = json!({"schemas": [BULK_RESPONSE_SCHEMA], "Operations": entries});
    Ok(answer(StatusCode::OK, &response, None, None))
}
