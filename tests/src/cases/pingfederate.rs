//! The PingFederate SCIM connector, with its exact filters and payloads
//! (../shared/IDP-NOTES.md, "More identity providers"): users are matched by
//! `userName eq "x"`, by work e-mail as `emails eq "x"` (no sub-attribute: the `value`
//! sub-attribute is compared, RFC 7644 §3.4.2.2), or by an admin's filter as in Ping's own
//! example, `username Eq "x"` (attribute names and operators are case-insensitive); users are
//! never PATCHed: updates, disable and re-enable are PUTs of the whole user, and a user may be
//! created disabled; a group is found by listing all groups.

use serde_json::{json, Value};

use crate::cases::authentik::{ids, walk};
use crate::harness::{q, Adapter, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A user as the connector's default mapping writes it.
fn ping_user(login: &str, mail: &str, title: &str, active: bool) -> Value {
    json!({
        "schemas": [USER],
        "userName": login,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": mail, "type": "work", "primary": true}],
        "title": title,
        "active": active
    })
}

/// The ids a filtered `GET /Users` finds.
async fn matching(h: &Harness, filter: &str) -> Vec<String> {
    let r = h
        .get(&format!("/Users?filter={}", q(filter)))
        .await
        .expect(200);
    ids(r.body["Resources"].as_array().expect("a list"))
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Matching by each filter, create disabled, PUT updates, disable and re-enable, a group
/// found by listing all groups.
pub async fn pingfederate_connector<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let login = h.unique("alee");
    let mail = format!("{}@ping.example", h.unique("ann.lee"));
    for filter in [
        format!("userName eq \"{login}\""),
        format!("emails eq \"{mail}\""),
        format!("username Eq \"{login}\""),
    ] {
        assert!(matching(&h, &filter).await.is_empty(), "{filter}");
    }

    // Created disabled.
    let created = h
        .post("/Users", &ping_user(&login, &mail, "Analyst", false))
        .await
        .expect(201);
    assert_eq!(created.body["active"], false);
    let id = created.id();
    let upper_mail = mail.to_uppercase();
    for filter in [
        format!("userName eq \"{login}\""),
        format!("emails eq \"{mail}\""),
        format!("username Eq \"{login}\""),
        format!("USERNAME EQ \"{}\"", login.to_uppercase()),
        format!("Emails Eq \"{upper_mail}\""),
    ] {
        assert_eq!(
            matching(&h, &filter).await,
            std::slice::from_ref(&id),
            "{filter}"
        );
    }
    // Another user's mail is not a match.
    let other_login = h.unique("bkim");
    let other_mail = format!("{}@ping.example", h.unique("bo.kim"));
    let other = h
        .post(
            "/Users",
            &ping_user(&other_login, &other_mail, "Analyst", true),
        )
        .await
        .expect(201)
        .id();
    assert_eq!(
        matching(&h, &format!("emails eq \"{other_mail}\"")).await,
        std::slice::from_ref(&other)
    );

    // Enable, update, disable, re-enable: PUTs of the whole user.
    for (title, active) in [
        ("Analyst", true),
        ("Senior Analyst", true),
        ("Senior Analyst", false),
        ("Senior Analyst", true),
    ] {
        let r = h
            .put(
                &format!("/Users/{id}"),
                &ping_user(&login, &mail, title, active),
            )
            .await
            .expect(200);
        assert_eq!(r.body["active"], active);
        if A::keeps("title") {
            assert_eq!(r.body["title"], title);
        }
        let read = h.get(&format!("/Users/{id}")).await.expect(200);
        assert_eq!(read.body["active"], active);
    }

    // Groups: found by listing them all, then given members by PUT.
    let name = h.unique("ping-sales");
    let gid = h
        .post("/Groups", &json!({"schemas": [GROUP], "displayName": name}))
        .await
        .expect(201)
        .id();
    let (groups, total) = walk(&h, "/Groups").await;
    assert_eq!(groups.len(), total);
    let found = groups
        .iter()
        .find(|g| g["displayName"] == name.as_str())
        .expect("the group is listed");
    assert_eq!(found["id"], gid.as_str());
    let r = h
        .put(
            &format!("/Groups/{gid}"),
            &json!({"schemas": [GROUP], "displayName": name,
                    "members": [{"value": id}, {"value": other}]}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["members"].as_array().map_or(0, Vec::len), 2);

    h.delete(&format!("/Groups/{gid}")).await.expect(204);
    for user in [&id, &other] {
        h.delete(&format!("/Users/{user}")).await.expect(204);
    }
    assert!(matching(&h, &format!("emails eq \"{mail}\""))
        .await
        .is_empty());
}
