//! [`AppStore`]: a `ResourceStore` over the app's own [`Account`] and [`Team`] structs, one
//! [`Org`] per tenant, behind one `tokio::sync::RwLock`.
//!
//! SCIM resources are mapped to and from the structs through scimkit's typed views (`User`,
//! `Group`). The store declares what the structs hold (`keeps`), so the engine advertises
//! exactly that and drops the rest of a write before it gets here. PATCH is the engine's: it
//! reads with `get` and writes with `replace` on the version it read, so nothing here applies
//! PATCH operations.

// The two kinds of row read as a table: `match user { true => …, false => … }`.
#![allow(clippy::match_bool)]

use std::collections::HashMap;

use scimkit_core::prelude::*;
use tokio::sync::RwLock;

use crate::model::{Account, NameTaken, Org, Stamp, Team};

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What an [`Account`] holds, as SCIM attributes (what `keeps` declares for Users).
pub const ACCOUNT_FIELDS: &str = "userName externalId displayName active emails.value groups";
/// What a [`Team`] holds (what `keeps` declares for Groups).
pub const TEAM_FIELDS: &str = "displayName members";

/// The app's organisations by tenant.
#[derive(Debug, Default)]
pub struct AppStore {
    orgs: RwLock<HashMap<String, Org>>,
}

/// Users are accounts; Groups are teams.
fn is_user(rt: &ResourceType) -> bool {
    rt.name == "User"
}

impl Org {
    /// An account as a SCIM User, with the teams it is in as its `groups`.
    fn user(&self, a: &Account) -> Result<Resource> {
        let mut user = User::new(&a.user_name);
        user.id = Some(a.id.clone());
        user.external_id.clone_from(&a.external_id);
        user.display_name.clone_from(&a.display_name);
        user.active = Some(a.active);
        user.emails = a.emails.iter().map(MultiValue::new).collect();
        let teams = self.teams.values().filter(|t| t.members.contains(&a.id));
        user.groups = teams.map(|t| GroupRef::new(&t.id, &t.name)).collect();
        let s = a.stamp;
        user.meta = Some(Meta::stored("User", s.created, s.updated, s.version));
        Ok(Resource::try_from(&user)?)
    }

    /// A team as a SCIM Group.
    fn group(t: &Team) -> Result<Resource> {
        let mut group = Group::new(&t.name);
        group.id = Some(t.id.clone());
        group.members = t.members.iter().map(Member::new).collect();
        let s = t.stamp;
        group.meta = Some(Meta::stored("Group", s.created, s.updated, s.version));
        Ok(Resource::try_from(&group)?)
    }

    fn read(&self, user: bool, id: &str) -> Result<Option<Resource>> {
        match user {
            true => self.accounts.get(id).map(|a| self.user(a)).transpose(),
            false => self.teams.get(id).map(Self::group).transpose(),
        }
    }

    fn list(&self, user: bool) -> Result<Vec<Resource>> {
        match user {
            true => self.accounts.values().map(|a| self.user(a)).collect(),
            false => self.teams.values().map(Self::group).collect(),
        }
    }

    /// The stamp of row `id`'s next version, if it exists and `if_match` allows changing it.
    fn next(&self, user: bool, id: &str, if_match: Option<&Version>) -> Result<Stamp> {
        let stamp = match user {
            true => self.accounts.get(id).map(|a| a.stamp),
            false => self.teams.get(id).map(|t| t.stamp),
        };
        let stamp = stamp.ok_or(StoreError::NotFound)?;
        Version::from(stamp.version).require(if_match)?;
        Ok(stamp.bumped())
    }

    /// Stores a User as account `id`, or a Group as team `id` (its members must be accounts
    /// or teams of the organisation).
    fn write(&mut self, user: bool, id: &str, r: &Resource, stamp: Stamp) -> Result<Resource> {
        if user {
            let u = User::try_from(r)?;
            let account = Account {
                id: id.to_owned(),
                user_name: u.user_name,
                external_id: u.external_id,
                display_name: u.display_name,
                active: u.active.unwrap_or(true),
                emails: u.emails.into_iter().filter_map(|e| e.value).collect(),
                stamp,
            };
            let taken = |e: NameTaken| StoreError::Uniqueness(e.to_string());
            self.put_account(account).map_err(taken)?;
        } else {
            let g = Group::try_from(r)?;
            let members: Vec<String> = g.members.into_iter().map(|m| m.value).collect();
            if let Some(m) = members.iter().find(|m| !self.has(m)) {
                let detail = format!("member \"{m}\" is no user or group of this organisation");
                return Err(ScimError::InvalidValue(detail).into());
            }
            let (id, name) = (id.to_owned(), g.display_name);
            self.teams.insert(
                id.clone(),
                Team {
                    id,
                    name,
                    members,
                    stamp,
                },
            );
        }
        self.read(user, id)?.ok_or(StoreError::NotFound)
    }
}

impl AppStore {
    /// Runs `f` on the caller's organisation (an empty one if it has none yet).
    async fn look<T>(&self, ctx: &Context, f: impl FnOnce(&Org) -> T) -> T {
        let orgs = self.orgs.read().await;
        f(orgs.get(ctx.tenant().as_str()).unwrap_or(&Org::default()))
    }

    /// Runs `f` on the caller's organisation, under the write lock.
    async fn change<T>(&self, ctx: &Context, f: impl FnOnce(&mut Org) -> Result<T>) -> Result<T> {
        let mut orgs = self.orgs.write().await;
        f(orgs.entry(ctx.tenant().as_str().to_owned()).or_default())
    }
}

#[async_trait]
impl ResourceStore for AppStore {
    fn keeps(&self, rt: &ResourceType) -> Kept {
        let (account, team) = (ACCOUNT_FIELDS.split(' '), TEAM_FIELDS.split(' '));
        Kept::only(if is_user(rt) { account } else { team })
    }

    async fn create(&self, ctx: &Context, rt: &ResourceType, r: Resource) -> Result<Resource> {
        let id = new_id()?;
        self.change(ctx, |org| org.write(is_user(rt), &id, &r, Stamp::new()))
            .await
    }

    async fn get(&self, ctx: &Context, rt: &ResourceType, id: &str) -> Result<Option<Resource>> {
        self.look(ctx, |org| org.read(is_user(rt), id)).await
    }

    /// Nothing is pushed down: every account (or team); the engine filters, sorts and pages.
    async fn list(&self, ctx: &Context, rt: &ResourceType, _: &ListQuery) -> Result<Page> {
        self.look(ctx, |org| org.list(is_user(rt)))
            .await
            .map(Page::all)
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        r: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource> {
        let user = is_user(rt);
        self.change(ctx, |org| {
            org.write(user, id, &r, org.next(user, id, if_match)?)
        })
        .await
    }

    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<()> {
        let user = is_user(rt);
        self.change(ctx, |org| {
            org.next(user, id, if_match).map(|_| org.remove(id))
        })
        .await
    }
}
