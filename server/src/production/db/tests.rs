//! Unit tests of the generic row gateway on `:memory:`.

use super::*;
use serde_json::json;

/// A migrated in-memory database and its schema, with one call per operation.
struct Db {
    conn: Connection,
    schema: Schema,
}

type Row = Result<Map<String, Value>, DataError>;

impl Db {
    fn new() -> Self {
        let conn = crate::db::test_conn();
        let schema = Schema::load(&conn).unwrap();
        Self { conn, schema }
    }

    fn person(&self, email: &str, role: Role) -> Viewer {
        let user = crate::auth::db::users::insert(&self.conn, email, "h", role).unwrap();
        Viewer { id: user.id, role }
    }

    fn model(route: &str) -> &'static Model {
        by_route(route).unwrap()
    }

    fn create(&self, route: &str, who: &Viewer, body: Value) -> Row {
        let Value::Object(body) = body else {
            panic!("not an object")
        };
        create(
            &self.conn,
            &self.schema,
            Self::model(route),
            who,
            &body,
            vec![],
        )
    }

    fn update(&self, route: &str, who: &Viewer, id: &str, body: Value) -> Row {
        let Value::Object(body) = body else {
            panic!("not an object")
        };
        update(
            &self.conn,
            &self.schema,
            Self::model(route),
            who,
            id,
            &body,
            vec![],
        )
    }

    fn list(&self, route: &str, who: &Viewer, filters: &[(&str, &str)]) -> usize {
        let query = ListQuery::filtered(filters);
        let found = list(&self.conn, &self.schema, Self::model(route), who, &query).unwrap();
        found.as_array().unwrap().len()
    }

    fn get(&self, route: &str, who: &Viewer, id: &str) -> Row {
        get(&self.conn, &self.schema, Self::model(route), who, id)
    }

    fn delete(&self, route: &str, who: &Viewer, id: &str) -> Result<(), DataError> {
        delete(&self.conn, &self.schema, Self::model(route), who, id)
    }
}

fn bad_request(result: Result<impl std::fmt::Debug, DataError>, needle: &str) -> bool {
    matches!(result, Err(DataError::BadRequest(m)) if m.contains(needle))
}

#[test]
fn crud_checks_fields_types_and_integrity() {
    let db = Db::new();
    let me = db.person("boss@studio.com", Role::Admin);
    let made = db
        .create("organisations", &me, json!({"name": "Blue"}))
        .unwrap();
    assert_eq!(made["type"], "Organisation");
    assert_eq!(made["hours_by_day"], 8.0);
    let id = made["id"].as_str().unwrap().to_owned();
    let again = db.create("organisations", &me, json!({"name": "Blue"}));
    assert!(bad_request(again, "same unique"));
    assert!(bad_request(
        db.create("organisations", &me, json!({"nmae": "x"})),
        "nmae"
    ));
    let wrong = db.update("organisations", &me, &id, json!({"hours_by_day": "x"}));
    assert!(bad_request(wrong, "hours_by_day"));
    assert_eq!(db.list("organisations", &me, &[("name", "blue")]), 1);
    db.delete("organisations", &me, &id).unwrap();
    assert!(matches!(
        db.get("organisations", &me, &id),
        Err(DataError::NotFound(_))
    ));
    assert!(bad_request(
        db.delete("organisations", &me, "nope"),
        "malformed"
    ));
}

#[test]
fn referenced_rows_cannot_be_deleted_and_teams_scope_reads() {
    let db = Db::new();
    let me = db.person("boss@studio.com", Role::Admin);
    let project = db.create("projects", &me, json!({"name": "Ep"})).unwrap();
    let project_id = project["id"].as_str().unwrap();
    let episode = db
        .create(
            "episodes",
            &me,
            json!({"name": "E01", "project_id": project_id}),
        )
        .unwrap();
    assert_eq!(episode["type"], "Episode");
    let type_id = episode["entity_type_id"].as_str().unwrap();
    assert!(bad_request(
        db.delete("entity-types", &me, type_id),
        "Integrity"
    ));

    let artist = db.person("art@studio.com", Role::Artist);
    assert_eq!(db.list("projects", &artist, &[]), 0, "not on the team");
    db.update("projects", &me, project_id, json!({"team": [artist.id]}))
        .unwrap();
    assert_eq!(db.list("projects", &artist, &[]), 1);
    let change = db.update("projects", &artist, project_id, json!({"fps": "24"}));
    assert!(matches!(change, Err(DataError::Forbidden(_))));
}
