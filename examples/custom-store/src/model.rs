//! The app's own data: accounts and teams as the rest of the app uses them, per organisation.
//! Nothing here knows SCIM.

use std::collections::BTreeMap;

use scimkit_core::chrono::{DateTime, Utc};

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// The account's id (a UUID).
    pub id: String,
    /// The sign-in name, unique in the organisation whatever its letter case.
    pub user_name: String,
    /// The identity provider's id for the account.
    pub external_id: Option<String>,
    /// The name shown in the app.
    pub display_name: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
    /// E-mail addresses, in the order given.
    pub emails: Vec<String>,
    /// When it was created and changed, and its version.
    pub stamp: Stamp,
}

/// A team of accounts (and of other teams).
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// The team's id (a UUID).
    pub id: String,
    /// The team's name.
    pub name: String,
    /// Ids of its member accounts and teams, in the order they joined.
    pub members: Vec<String>,
    /// When it was created and changed, and its version.
    pub stamp: Stamp,
}

/// When a row was created and last changed, and its version (bumped on every change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// When the row was created.
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
    /// 1 when created, one more on every change.
    pub version: u64,
}

impl Stamp {
    /// A new row's stamp.
    pub fn new() -> Self {
        let now = Utc::now();
        Stamp {
            created: now,
            updated: now,
            version: 1,
        }
    }

    /// The stamp after a change.
    #[must_use]
    pub fn bumped(self) -> Self {
        Stamp {
            updated: Utc::now(),
            version: self.version + 1,
            ..self
        }
    }
}

impl Default for Stamp {
    fn default() -> Self {
        Stamp::new()
    }
}

/// One organisation's accounts and teams, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Org {
    /// Accounts by id.
    pub accounts: BTreeMap<String, Account>,
    /// Teams by id.
    pub teams: BTreeMap<String, Team>,
}

/// Why an account could not be stored: another account has its user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTaken(pub String);

impl std::fmt::Display for NameTaken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the user name \"{}\" is already taken", self.0)
    }
}

impl Org {
    /// Adds or replaces an account. User names are unique in the organisation, whatever their
    /// letter case.
    pub fn put_account(&mut self, account: Account) -> Result<(), NameTaken> {
        let name = account.user_name.to_lowercase();
        let other = |a: &Account| a.id != account.id && a.user_name.to_lowercase() == name;
        if self.accounts.values().any(other) {
            return Err(NameTaken(account.user_name));
        }
        self.accounts.insert(account.id.clone(), account);
        Ok(())
    }

    /// Whether `id` is an account or a team of the organisation.
    pub fn has(&self, id: &str) -> bool {
        self.accounts.contains_key(id) || self.teams.contains_key(id)
    }

    /// Removes an account or a team, and takes it out of every team it was in (each of those
    /// changes: a new stamp).
    pub fn remove(&mut self, id: &str) {
        self.accounts.remove(id);
        self.teams.remove(id);
        for team in self.teams.values_mut() {
            if team.members.iter().any(|m| m == id) {
                team.members.retain(|m| m != id);
                team.stamp = team.stamp.bumped();
            }
        }
    }
}
