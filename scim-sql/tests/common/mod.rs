//! What the store tests share: the three databases.

#![allow(dead_code)]

use scimkit_sql::Backend;

pub const BACKENDS: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];
