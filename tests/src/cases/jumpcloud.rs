//! JumpCloud's test connection (../shared/IDP-NOTES.md, "Other IdPs" and "More identity
//! providers"): it creates a test user and a test group, deletes both, and the server must
//! have forgotten them.

use serde_json::json;

use crate::harness::{q, Adapter, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Create a test user and a test group, delete both, then both are `404` and neither is found.
pub async fn jumpcloud_test_connection<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let login = format!("{}@jumpcloud.example", h.unique("jctestuser"));
    let user = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": login, "active": true,
                    "name": {"givenName": "JumpCloud", "familyName": "Test"},
                    "emails": [{"value": login, "type": "work", "primary": true}]}),
        )
        .await
        .expect(201);
    let uid = user.id();
    let name = h.unique("JumpCloud test group");
    let gid = h
        .post("/Groups", &json!({"schemas": [GROUP], "displayName": name}))
        .await
        .expect(201)
        .id();
    h.get(&format!("/Users/{uid}")).await.expect(200);
    h.get(&format!("/Groups/{gid}")).await.expect(200);

    h.delete(&format!("/Users/{uid}")).await.expect(204);
    h.delete(&format!("/Groups/{gid}")).await.expect(204);
    let gone = h.get(&format!("/Users/{uid}")).await.expect(404);
    assert_eq!(gone.body["status"], "404");
    h.get(&format!("/Groups/{gid}")).await.expect(404);
    let users = h
        .get(&format!(
            "/Users?filter={}",
            q(&format!("userName eq \"{login}\""))
        ))
        .await
        .expect(200);
    assert_eq!(users.body["totalResults"], 0);
    let groups = h
        .get(&format!(
            "/Groups?filter={}",
            q(&format!("displayName eq \"{name}\""))
        ))
        .await
        .expect(200);
    assert_eq!(groups.body["totalResults"], 0);
}
