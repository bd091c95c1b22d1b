//! The production models behind `/data/<model>`: which table each reads, what it is called
//! in JSON (`type`), which many-to-many fields it has, which rows a person may see and who may
//! change them. Columns themselves come from the database (see [`super::schema`]). Here: what
//! a model is; every model in [`registry`], their names in [`names`].

pub mod names;
mod registry;

pub use registry::{CONCEPT_LINKS, MODELS, TEMPORAL_TYPES};

/// A model's route name as code names it: only the constants of [`names`] exist, so a
/// misspelt model fails to compile (as a string it answered 404 at run time). The generic
/// operations ([`super::Data`]) take these; URLs are looked up with [`by_route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModelName(&'static str);

impl ModelName {
    /// The name as URLs and messages write it, e.g. `task-status`.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for ModelName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A many-to-many field kept in a link table, serialised as a list of ids.
#[derive(Debug)]
pub struct Relation {
    /// The field's name, e.g. `assignees`.
    pub field: &'static str,
    /// The link table.
    pub table: &'static str,
    /// Its column holding the owner's id.
    pub owner: &'static str,
    /// Its column holding the linked id.
    pub target: &'static str,
}

/// Which rows of a table a model covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Every row.
    All,
    /// Entities of this (temporal) entity type: Shot, Sequence, Episode, Scene, Edit.
    EntitiesOfType(&'static str),
    /// Entities whose type is an asset type.
    Assets,
    /// Entity types that are asset types (not temporal).
    AssetTypes,
}

/// How rows reach a project, to show a person only the projects they are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Studio-wide data: everyone who may read sees every row.
    Studio,
    /// The project itself (its Kitsu id column).
    Project,
    /// A `project_id`-like column.
    ProjectColumn(&'static str),
    /// A task id column: the task's project.
    TaskColumn(&'static str),
    /// An entity id column: the entity's project.
    EntityColumn(&'static str),
    /// A comment id column: the project of the comment's task.
    CommentColumn(&'static str),
    /// The person's own rows (`person_id`); admins see all.
    Person,
}

/// Who may read and change a model's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everyone reads; admins change (studio settings: types, statuses, departments…).
    AdminWrites,
    /// Managers and admins read and change; others get 403 (schedules).
    ManagersOnly,
    /// Everyone reads what their scope shows; managers and admins change (projects).
    ManagersWrite,
    /// Everyone on the project reads; supervisors on it, managers and admins change.
    ProjectSupervisors,
    /// Everyone on the project reads; artists on it change too (comments, time, files).
    ProjectArtists,
    /// Each person reads and changes their own rows; admins all.
    Own,
    /// Admins alone read and change (hardware, salaries).
    AdminsOnly,
    /// Everyone but vendors reads the list, admins read one row and change (custom actions,
    /// status automations, as Zou serves them).
    AdminWritesNoVendors,
}

/// Which of a model's columns only admins see and filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Private {
    /// None: every shown column is for everyone who may read the row.
    Nothing,
    /// These columns (secrets such as chat tokens).
    Columns(&'static [&'static str]),
    /// Every column but these (a person's pay, contract, contacts, desktop login…); the
    /// person sees their own row whole.
    AllBut(&'static [&'static str]),
}

/// One `/data/<route>` model.
#[derive(Debug)]
pub struct Model {
    /// The URL name, e.g. `task-status`.
    pub route: ModelName,
    /// The table.
    pub table: &'static str,
    /// Its JSON `type`.
    pub kind: &'static str,
    /// The column holding the Kitsu id.
    pub id_column: &'static str,
    /// Columns never shown nor set through the API.
    pub hidden: &'static [&'static str],
    /// Columns shown but never set through the API.
    pub read_only: &'static [&'static str],
    /// Many-to-many fields.
    pub relations: &'static [Relation],
    /// Which rows of the table.
    pub rows: Rows,
    /// How rows reach a project.
    pub scope: Scope,
    /// Who may read and change.
    pub access: Access,
    /// Filter names Kitsu accepts that map to a column (`sequence_id` is a shot's `parent_id`).
    pub aliases: &'static [(&'static str, &'static str)],
    /// Columns shown to admins only, and filtered on by admins only.
    pub private: Private,
    /// Private columns anyone may still filter on by exact value: a person is found by an
    /// email the caller already holds (gazu's `get_person_by_email`), as in Zou.
    pub lookups: &'static [&'static str],
    /// The column naming whom a row is written by (`person_id`): others than managers write
    /// only in their own name and change only their own rows.
    pub author: Option<&'static str>,
    /// Columns holding plain names that end up in file paths (an output file's
    /// `extension`): never a path piece.
    pub plain: &'static [&'static str],
}

/// A model by its route name, as a URL gives it.
pub fn by_route(route: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.route.as_str() == route)
}

/// The model a name names; every name does (a test checks).
pub fn by_name(name: ModelName) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.route == name)
}

impl Model {
    /// True when `column` is shown in JSON.
    pub fn shows(&self, column: &str) -> bool {
        !self.hidden.contains(&column)
    }

    /// True when `column` is for admins only (see [`Private`]).
    pub fn is_private(&self, column: &str) -> bool {
        match self.private {
            Private::Nothing => false,
            Private::Columns(columns) => columns.contains(&column),
            Private::AllBut(public) => column != self.id_column && !public.contains(&column),
        }
    }

    /// The column a filter or body field names, after aliases.
    pub fn column_for<'a>(&self, field: &'a str) -> &'a str {
        self.aliases
            .iter()
            .find(|(alias, _)| *alias == field)
            .map_or(field, |(_, column)| column)
    }

    /// The relation a field names.
    pub fn relation(&self, field: &str) -> Option<&'static Relation> {
        let relations: &'static [Relation] = self.relations;
        relations.iter().find(|r| r.field == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_one_model_and_every_model_has_a_name() {
        assert_eq!(names::ALL.len(), MODELS.len());
        for (name, model) in names::ALL.iter().zip(MODELS) {
            assert_eq!(*name, model.route);
            assert!(std::ptr::eq(by_name(*name).unwrap(), model), "{name}");
            assert!(std::ptr::eq(by_route(name.as_str()).unwrap(), model));
        }
        assert!(by_route("taks").is_none());
    }

    /// A model whose table no migration makes would load with no columns and refuse every
    /// field as unknown.
    #[test]
    fn every_models_table_exists() {
        let conn = crate::db::test_conn();
        for model in MODELS {
            let columns: i64 = conn
                .query_row(
                    "SELECT count(*) FROM pragma_table_info(?)",
                    [model.table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(columns > 1, "{} has no table {}", model.route, model.table);
        }
    }
}
