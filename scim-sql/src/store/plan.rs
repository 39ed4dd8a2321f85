//! [`Plan`]: one resource type's [`Table`] resolved against its schema once, at build: each
//! mapped column's [`Slot`], the columns every read selects, the unique attributes, what is
//! kept.

use scimkit_core::schema::{AttributeType, ResourceType, Returned, Uniqueness};
use scimkit_core::sql::{Column, Mapping};
use scimkit_core::store::Kept;

use crate::backend::Backend;
use crate::datum::DatumKind;
use crate::store::secret::Secret;
use crate::store::slot::Slot;
use crate::store::table::{Child, Table};
use crate::store::BuildError;

/// A mapped single-valued attribute.
#[derive(Debug, Clone)]
pub(crate) struct MappedColumn {
    pub slot: Slot,
    pub column: Column,
    /// Whether the schema makes it unique within the tenant.
    pub unique: bool,
}

/// A write-only attribute kept hashed.
#[derive(Debug, Clone)]
pub(crate) struct MappedSecret {
    pub slot: Slot,
    pub secret: Secret,
}

/// A mapped multi-valued attribute.
#[derive(Debug, Clone)]
pub(crate) struct MappedChild {
    pub slot: Slot,
    pub child: Child,
    /// The sub-attributes with their columns, under the schema's names; a simple
    /// multi-valued attribute has one, `value`, holding the values themselves.
    pub subs: Vec<(String, Column)>,
    pub simple: bool,
}

/// A resource type's table, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub rt: ResourceType,
    pub table: Table,
    pub mapping: Mapping,
    pub columns: Vec<MappedColumn>,
    pub secrets: Vec<MappedSecret>,
    pub children: Vec<MappedChild>,
    /// `SELECT` list of one row: id, version, created, modified, the mapped columns, extra.
    pub select: String,
    pub kinds: Vec<DatumKind>,
}

impl Plan {
    /// Resolves `table` for `rt` on `backend`.
    pub fn new(rt: &ResourceType, table: Table, backend: Backend) -> Result<Plan, BuildError> {
        let mapping = table.mapping(backend);
        mapping
            .verify(rt)
            .map_err(|error| BuildError::Mapping(rt.name.clone(), error.to_string()))?;
        let mut columns = Vec::new();
        for (path, column) in &table.columns {
            let (slot, attribute) = Slot::resolve(rt, path).ok_or_else(|| {
                BuildError::Mapping(
                    rt.name.clone(),
                    format!("{path} is not a single-valued attribute the store can write"),
                )
            })?;
            columns.push(MappedColumn {
                slot,
                column: column.clone(),
                unique: attribute.uniqueness != Uniqueness::None,
            });
        }
        let mut secrets = Vec::new();
        for (path, secret) in &table.secrets {
            let (slot, attribute) = Slot::resolve(rt, path)
                .filter(|(_, attribute)| {
                    attribute.kind == AttributeType::String && !attribute.multi_valued
                })
                .ok_or_else(|| {
                    BuildError::Mapping(
                        rt.name.clone(),
                        format!("{path} is not a single-valued string attribute"),
                    )
                })?;
            if attribute.returned != Returned::Never {
                return Err(BuildError::Mapping(
                    rt.name.clone(),
                    format!(
                        "{path} is returned to clients, so it cannot be kept as a hash: \
                         only write-only attributes (returned: never) can"
                    ),
                ));
            }
            secrets.push(MappedSecret {
                slot,
                secret: secret.clone(),
            });
        }
        let mut children = Vec::new();
        for (path, child) in &table.children {
            let (slot, attribute) = Slot::resolve(rt, path)
                .filter(|(slot, _)| slot.sub.is_none())
                .ok_or_else(|| {
                    BuildError::Mapping(rt.name.clone(), format!("{path} is not an attribute"))
                })?;
            let simple = attribute.kind != AttributeType::Complex;
            let mut subs = Vec::new();
            for (sub, column) in &child.columns {
                let name = attribute
                    .sub_attributes
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(sub))
                    .map_or_else(|| sub.clone(), |s| s.name.clone());
                subs.push((name, column.clone()));
            }
            children.push(MappedChild {
                slot,
                child: child.clone(),
                subs,
                simple,
            });
        }
        let mut select = vec![
            table.id_text(backend),
            table.qualified(&table.version),
            table.qualified(&table.created),
            table.qualified(&table.modified),
        ];
        let mut kinds = vec![
            DatumKind::Text,
            DatumKind::Integer,
            DatumKind::Timestamp,
            DatumKind::Timestamp,
        ];
        for mapped in &columns {
            select.push(table.qualified(&mapped.column.expr));
            kinds.push(mapped.column.kind.into());
        }
        if let Some(extra) = &table.extra {
            select.push(text_of(backend, &table.qualified(extra)));
            kinds.push(DatumKind::Text);
        }
        Ok(Plan {
            rt: rt.clone(),
            table,
            mapping,
            columns,
            secrets,
            children,
            select: select.join(", "),
            kinds,
        })
    }

    /// The position in [`Plan::columns`] of the column holding `displayName`, if one does:
    /// what a group shows as its members' `display` and a user as its groups'.
    pub fn display_index(&self) -> Option<usize> {
        self.columns.iter().position(|c| {
            c.slot.extension.is_none() && c.slot.sub.is_none() && c.slot.attribute == "displayName"
        })
    }

    /// What the store keeps of `rt` (this plan's resource type as the engine serves it, which
    /// may have attributes of its own): everything when an extra column holds
    /// the rest (but only the mapped sub-attributes of child-table attributes), else only
    /// what is mapped. `derived` names attributes the store derives (`members`, `groups`).
    pub fn kept(&self, rt: &ResourceType, derived: &[&str]) -> Kept {
        let mut names: Vec<String> = Vec::new();
        let child_paths: Vec<&Slot> = self.children.iter().map(|c| &c.slot).collect();
        let qualified = |slot: &Slot, name: &str| match &slot.extension {
            Some(urn) => format!("{urn}:{name}"),
            None => name.to_owned(),
        };
        for child in &self.children {
            if child.simple {
                names.push(qualified(&child.slot, &child.slot.attribute));
            } else {
                for (sub, _) in &child.subs {
                    names.push(qualified(
                        &child.slot,
                        &format!("{}.{sub}", child.slot.attribute),
                    ));
                }
            }
        }
        names.extend(derived.iter().map(|name| (*name).to_owned()));
        if self.table.extra.is_some() {
            names.push("externalId".to_owned());
            let is_child = |extension: Option<&str>, name: &str| {
                child_paths.iter().any(|slot| {
                    slot.extension.as_deref() == extension
                        && slot.attribute.eq_ignore_ascii_case(name)
                })
            };
            // Secrets (`returned: never`) are not written to the extra column: kept only when
            // a column maps them.
            let secret =
                |attribute: &scimkit_core::schema::Attribute| attribute.returned == Returned::Never;
            for attribute in &rt.schema.attributes {
                if !is_child(None, &attribute.name)
                    && !secret(attribute)
                    && !derived
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(&attribute.name))
                {
                    names.push(attribute.name.clone());
                }
            }
            for extension in &rt.extensions {
                for attribute in &extension.schema.attributes {
                    if !is_child(Some(&extension.schema.id), &attribute.name) && !secret(attribute)
                    {
                        names.push(format!("{}:{}", extension.schema.id, attribute.name));
                    }
                }
            }
        }
        names.extend(self.columns.iter().map(|c| c.slot.path.clone()));
        names.extend(self.secrets.iter().map(|s| s.slot.path.clone()));
        // A column for an attribute the served type does not have (a host attribute the
        // engine was not given) keeps nothing there.
        names.retain(|name| Slot::resolve(rt, name).is_some());
        Kept::only(names)
    }
}

/// A column read as text (PostgreSQL `jsonb` reads as text only when cast).
pub(crate) fn text_of(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Postgres => format!("CAST({expr} AS text)"),
        Backend::MySql | Backend::Sqlite => expr.to_owned(),
    }
}
