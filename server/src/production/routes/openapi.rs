//! The production routes in `/api/openapi.json`.
//!
//! The generic `/data/<model>` routes are described per model, their row and input schemas
//! read from the same SQLite schema the server checks bodies against; the named routes come
//! from [`catalogue::named`]. Both also say the least role an operation needs, which the
//! [`super::gate::role_gate`] enforces before any handler runs. The handlers keep the finer
//! rules: teams, authors, one's own rows.

use super::catalogue::{self, Answer, Body, Method, Op};
use super::gate::{generic_role, generic_row_role};
use crate::production::db::models::TEMPORAL_TYPES;
use crate::production::db::schema::{ColType, Column};
use crate::production::db::{MODELS, Model, Schema};
use drover_shared::Role;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema as OaSchema, SchemaFormat,
    SchemaType, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

fn string(format: Option<KnownFormat>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(format.map(SchemaFormat::KnownFormat))
}

fn column_schema(column: &Column) -> OaSchema {
    let builder = match column.ty {
        ColType::Uuid => string(Some(KnownFormat::Uuid)),
        ColType::Text => string(None),
        ColType::Integer => ObjectBuilder::new().schema_type(Type::Integer),
        ColType::Real => ObjectBuilder::new().schema_type(Type::Number),
        ColType::Boolean => ObjectBuilder::new().schema_type(Type::Boolean),
        ColType::Date => string(Some(KnownFormat::Date)),
        ColType::DateTime => string(None).description(Some("`YYYY-MM-DDTHH:MM:SS`, UTC")),
        // Any JSON value: an object most often, but Kitsu's clients also store lists,
        // strings and null there.
        ColType::Json => ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .description(Some("any JSON")),
    };
    let builder = match (column.nullable, column.ty) {
        (true, ColType::Json) | (false, _) => builder,
        (true, ty) => {
            let base = match ty {
                ColType::Integer => Type::Integer,
                ColType::Real => Type::Number,
                ColType::Boolean => Type::Boolean,
                _ => Type::String,
            };
            builder.schema_type(SchemaType::from_iter([base, Type::Null]))
        }
    };
    builder.build().into()
}

fn uuid_list() -> OaSchema {
    ArrayBuilder::new()
        .items(string(Some(KnownFormat::Uuid)))
        .build()
        .into()
}

/// A model's row (`Kitsu<Kind>`) and what a create or update may send (`Kitsu<Kind>Input`).
/// How the document marks a column only admins (and, for a person, the person) see.
const PRIVATE: &str =
    "Shown to admins only (a person also sees their own); not a filter for others.";

fn model_schemas(schema: &Schema, model: &Model) -> (OaSchema, OaSchema) {
    let table = schema.table(model.table);
    // A generic entity read alone says its base type, as Kitsu's does; lists say `Entity`.
    let kinds: Vec<&str> = if model.route == crate::production::db::names::ENTITIES {
        [model.kind, "Asset"]
            .into_iter()
            .chain(TEMPORAL_TYPES.iter().copied())
            .collect()
    } else {
        vec![model.kind]
    };
    let mut row = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("id", string(Some(KnownFormat::Uuid)))
        .property("type", string(None).enum_values(Some(kinds)))
        .required("id")
        .required("type");
    let mut input = ObjectBuilder::new().schema_type(Type::Object);
    for column in &table.columns {
        if column.name == model.id_column || !model.shows(&column.name) {
            continue;
        }
        let shown = column_schema(column);
        let shown = match shown {
            OaSchema::Object(mut object) if model.is_private(&column.name) => {
                // The answer leaves it out for the others (see `Private`).
                object.description = Some(PRIVATE.into());
                OaSchema::Object(object)
            }
            other => other,
        };
        row = row.property(&column.name, shown);
        if !model.read_only.contains(&column.name.as_str()) {
            input = input.property(&column.name, column_schema(column));
            if column.required {
                input = input.required(&column.name);
            }
        }
    }
    for relation in model.relations {
        row = row.property(relation.field, uuid_list());
        if !model.read_only.contains(&relation.field) {
            input = input.property(relation.field, uuid_list());
        }
    }
    if model.route == crate::production::db::names::PERSONS {
        row = row.property("full_name", string(None));
        input = input.property("password", string(None));
    }
    (row.build().into(), input.build().into())
}

fn component(kind: &str) -> RefOr<OaSchema> {
    RefOr::Ref(Ref::from_schema_name(format!("Kitsu{kind}")))
}

fn json_content(schema: impl Into<RefOr<OaSchema>>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn answer_response(answer: Answer, status: u16) -> utoipa::openapi::Response {
    let description = match status {
        201 => "Created",
        204 => "No content",
        _ => "OK",
    };
    let response = ResponseBuilder::new().description(description);
    let any_object = || ObjectBuilder::new().schema_type(Type::Object).build();
    match answer {
        Answer::Model(kind) => response.content("application/json", json_content(component(kind))),
        Answer::Models(kind) => response.content(
            "application/json",
            json_content(ArrayBuilder::new().items(component(kind)).build()),
        ),
        Answer::Object => response.content("application/json", json_content(any_object())),
        Answer::List => response.content(
            "application/json",
            json_content(ArrayBuilder::new().items(any_object()).build()),
        ),
        Answer::Strings => response.content(
            "application/json",
            json_content(ArrayBuilder::new().items(string(None).build()).build()),
        ),
        Answer::Bool => response.content(
            "application/json",
            json_content(ObjectBuilder::new().schema_type(Type::Boolean).build()),
        ),
        Answer::Empty => response,
        Answer::File(mime) => response.content(
            mime,
            json_content(string(Some(KnownFormat::Binary)).build()),
        ),
    }
    .build()
}

/// A generic list's answer: the rows, or with `page` Kitsu's page object around them.
fn list_response(kind: &str) -> utoipa::openapi::Response {
    let rows = || ArrayBuilder::new().items(component(kind)).build();
    let integer = || ObjectBuilder::new().schema_type(Type::Integer).build();
    let mut page = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("With `page`: one page of the rows"))
        .property("data", rows());
    for field in ["total", "nb_pages", "limit", "offset", "page"] {
        page = page.property(field, integer());
    }
    for field in ["data", "total", "nb_pages", "limit", "offset", "page"] {
        page = page.required(field);
    }
    let either = OaSchema::OneOf(OneOfBuilder::new().item(rows()).item(page.build()).build());
    ResponseBuilder::new()
        .description("OK")
        .content("application/json", json_content(either))
        .build()
}

fn security(role: Option<Role>) -> SecurityRequirement {
    SecurityRequirement::new("bearer", role.map(|r| r.to_string()))
}

fn http_method(method: Method) -> HttpMethod {
    match method {
        Method::Get => HttpMethod::Get,
        Method::Post => HttpMethod::Post,
        Method::Put => HttpMethod::Put,
        Method::Delete => HttpMethod::Delete,
    }
}

/// A path parameter's schema, from its name (ids are UUIDs unless said otherwise).
fn parameter(name: &str, op: Option<&Op>) -> utoipa::openapi::path::Parameter {
    let schema: OaSchema = match (name, op.and_then(|o| o.values)) {
        (_, Some((param, values))) if param == name => string(None)
            .enum_values(Some(values.iter().copied()))
            .build()
            .into(),
        ("date", _) => string(Some(KnownFormat::Date)).build().into(),
        ("year" | "month" | "day", _) => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .build()
            .into(),
        ("file", _) => string(None)
            .description(Some("`{id}.png` or `{id}.mp4`"))
            .build()
            .into(),
        ("name", _) => string(None).build().into(),
        _ => string(Some(KnownFormat::Uuid)).build().into(),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(schema))
        .build()
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
}

fn named_operation(op: &Op) -> utoipa::openapi::path::Operation {
    let mut builder = OperationBuilder::new()
        .tag(op.tag)
        .summary(Some(op.summary))
        .response(op.status.to_string(), answer_response(op.answer, op.status));
    if op.method != Method::Get {
        // Every named write goes through the same rules as the generic ones.
        builder = builder.response("403", refused());
    }
    for name in path_parameters(op.path) {
        builder = builder.parameter(parameter(name, Some(op)));
    }
    let object = || ObjectBuilder::new().schema_type(Type::Object).build();
    let multipart = || {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("file", string(Some(KnownFormat::Binary)))
            .build()
    };
    let body = match op.body {
        Body::None => None,
        Body::Json => Some(
            RequestBodyBuilder::new()
                .content("application/json", json_content(object()))
                .content("application/x-www-form-urlencoded", json_content(object())),
        ),
        Body::Multipart => Some(
            RequestBodyBuilder::new().content("multipart/form-data", json_content(multipart())),
        ),
        Body::JsonOrMultipart => Some(
            RequestBodyBuilder::new()
                .content("application/json", json_content(object()))
                .content("multipart/form-data", json_content(multipart())),
        ),
    };
    builder = builder.request_body(body.map(RequestBodyBuilder::build));
    builder = if catalogue::public(op) {
        builder.security(SecurityRequirement::default())
    } else {
        builder.security(security(op.role))
    };
    builder.build()
}

/// A write the model's rules refuse to this person, whatever their role: another author's
/// comment, a project outside their team, a field only managers or admins set. Named writes
/// keep these rules (`db::production::data`), so they may answer it too.
fn refused() -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description("The model's rules refuse this write to this person")
        .content(
            "application/json",
            json_content(Ref::from_schema_name("ErrorBody")),
        )
        .build()
}

fn generic_operations(model: &Model) -> [(String, Method, utoipa::openapi::path::Operation); 5] {
    let kind = model.kind;
    let list = format!("/data/{}", model.route);
    let one = format!("/data/{}/{{id}}", model.route);
    let tag = "kitsu: data";
    let read_role = generic_role(model, Method::Get);
    let write_role = generic_role(model, Method::Post);
    let id = || parameter("id", None);
    let query = |name: &str, ty: Type, about: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(about))
            .schema(Some(ObjectBuilder::new().schema_type(ty).build()))
            .build()
    };
    let input = || {
        Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    json_content(component(&format!("{kind}Input"))),
                )
                .required(Some(Required::True))
                .build(),
        )
    };
    let list_op = OperationBuilder::new()
        .tag(tag)
        .summary(Some(format!(
            "Lists {} rows; any other query key is a filter on a field (`field=value`, repeated \
             for any of several values)",
            model.route
        )))
        .parameter(query(
            "relations",
            Type::Boolean,
            "add the many-to-many fields",
        ))
        .parameter(query(
            "page",
            Type::Integer,
            "answer one page `{data, total, nb_pages, limit, offset, page}`",
        ))
        .parameter(query("limit", Type::Integer, "rows per page (100)"))
        .response("200", list_response(kind))
        .security(security(read_role))
        .build();
    let create = OperationBuilder::new()
        .tag(tag)
        .summary(Some(format!("Creates a {kind}")))
        .request_body(input())
        .response("201", answer_response(Answer::Model(kind), 201))
        .response("403", refused())
        .security(security(write_role))
        .build();
    let get = OperationBuilder::new()
        .tag(tag)
        .summary(Some(format!("One {kind}")))
        .parameter(id())
        .response("200", answer_response(Answer::Model(kind), 200))
        .security(security(generic_row_role(model, Method::Get)))
        .build();
    let update = OperationBuilder::new()
        .tag(tag)
        .summary(Some(format!(
            "Changes the fields of a {kind} the body names"
        )))
        .parameter(id())
        .request_body(input())
        .response("200", answer_response(Answer::Model(kind), 200))
        .response("403", refused())
        .security(security(generic_row_role(model, Method::Put)))
        .build();
    let delete = OperationBuilder::new()
        .tag(tag)
        .summary(Some(format!(
            "Deletes a {kind} (400 while others refer to it)"
        )))
        .parameter(id())
        .response("204", answer_response(Answer::Empty, 204))
        .response("403", refused())
        .security(security(write_role))
        .build();
    [
        (list.clone(), Method::Get, list_op),
        (list, Method::Post, create),
        (one.clone(), Method::Get, get),
        (one.clone(), Method::Put, update),
        (one, Method::Delete, delete),
    ]
}

/// Adds the production routes and model schemas to the document.
pub fn document(openapi: &mut OpenApi, schema: &Schema) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for model in MODELS {
        let (row, input) = model_schemas(schema, model);
        components
            .schemas
            .insert(format!("Kitsu{}", model.kind), row.into());
        components
            .schemas
            .insert(format!("Kitsu{}Input", model.kind), input.into());
    }
    for model in MODELS {
        for (path, method, operation) in generic_operations(model) {
            openapi
                .paths
                .add_path_operation(path, vec![http_method(method)], operation);
        }
    }
    for op in catalogue::named() {
        openapi.paths.add_path_operation(
            op.path,
            vec![http_method(op.method)],
            named_operation(op),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_models_from_the_schema() {
        let conn = crate::db::test_conn();
        let schema = Schema::load(&conn).unwrap();
        let mut openapi = OpenApi::default();
        document(&mut openapi, &schema);
        let json: serde_json::Value = serde_json::from_str(&openapi.to_json().unwrap()).unwrap();
        let task = &json["components"]["schemas"]["KitsuTask"]["properties"];
        assert_eq!(task["task_status_id"]["format"], "uuid");
        assert_eq!(task["assignees"]["type"], "array");
        assert_eq!(task["type"]["enum"][0], "Task");
        let input = &json["components"]["schemas"]["KitsuTaskInput"];
        assert!(input["properties"]["created_at"].is_null(), "read-only");
        assert!(
            input["required"]
                .as_array()
                .unwrap()
                .contains(&"entity_id".into())
        );
        assert!(
            task["data"]["type"].is_null(),
            "any JSON, null and lists too"
        );
        let list = &json["paths"]["/data/tasks"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["oneOf"];
        assert_eq!(list[0]["type"], "array", "without `page`");
        assert_eq!(
            list[1]["properties"]["data"]["type"], "array",
            "with `page`"
        );
        assert_eq!(list[1]["required"].as_array().unwrap().len(), 6);
        let entity = &json["components"]["schemas"]["KitsuEntity"]["properties"]["type"];
        assert!(entity["enum"].as_array().unwrap().contains(&"Shot".into()));
        let put = &json["paths"]["/data/tasks/{id}"]["put"];
        assert_eq!(put["security"][0]["bearer"][0], "supervisor");
        let kinds = &json["paths"]["/pictures/{kind}/preview-files/{file}"]["get"]["parameters"][0];
        assert_eq!(kinds["schema"]["enum"][0], "originals");
    }
}
