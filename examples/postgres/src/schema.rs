//! The app's tables, as an existing SaaS app would already have them, and the migration that
//! creates them when missing. Every statement is idempotent (`IF NOT EXISTS`). scimkit-sql's
//! own tables (tokens, settings) come from its `migrations`.

/// The tables and indexes, one statement each, run in the store's schema.
pub const MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant text NOT NULL,
        email text NOT NULL,
        given_name text,
        family_name text,
        display_name text,
        title text,
        is_active boolean,
        external_id text,
        role text,
        password_hash text,
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS accounts_tenant_email_key ON accounts (tenant, lower(email))",
    "CREATE INDEX IF NOT EXISTS accounts_tenant_external_id_idx ON accounts (tenant, external_id)",
    // Cursor pages: by id (no sort), and by userName in the order the translator sorts text.
    "CREATE INDEX IF NOT EXISTS accounts_tenant_id_idx ON accounts (tenant, id)",
    "CREATE INDEX IF NOT EXISTS accounts_tenant_email_order_idx \
     ON accounts (tenant, (lower(email) COLLATE \"C\"), id)",
    "CREATE TABLE IF NOT EXISTS account_emails (
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        email text NOT NULL,
        kind text,
        is_primary boolean,
        position integer NOT NULL DEFAULT 0
    )",
    // Tables made before emails kept their order get the column too.
    "ALTER TABLE account_emails ADD COLUMN IF NOT EXISTS position integer NOT NULL DEFAULT 0",
    "CREATE INDEX IF NOT EXISTS account_emails_account_id_idx ON account_emails (account_id)",
    "CREATE INDEX IF NOT EXISTS account_emails_lower_email_idx ON account_emails (lower(email))",
    "CREATE TABLE IF NOT EXISTS teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant text NOT NULL,
        display_name text NOT NULL,
        external_id text,
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    )",
    "CREATE INDEX IF NOT EXISTS teams_tenant_id_idx ON teams (tenant, id)",
    "CREATE INDEX IF NOT EXISTS teams_tenant_display_name_idx ON teams (tenant, lower(display_name))",
    "CREATE INDEX IF NOT EXISTS teams_tenant_external_id_idx ON teams (tenant, external_id)",
    "CREATE TABLE IF NOT EXISTS team_memberships (
        team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, account_id)
    )",
    "CREATE INDEX IF NOT EXISTS team_memberships_account_id_idx ON team_memberships (account_id)",
];

/// Whether `name` is a safe schema identifier (lowercase ASCII letters, digits, `_`, not
/// starting with a digit): it is written into SQL, so it must come from code or be checked.
pub fn valid_schema_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::valid_schema_name;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema_name("app"));
        assert!(valid_schema_name("scim_kit_1f"));
        assert!(!valid_schema_name(""));
        assert!(!valid_schema_name("1app"));
        assert!(!valid_schema_name("App"));
        assert!(!valid_schema_name("app\"; drop"));
    }
}
