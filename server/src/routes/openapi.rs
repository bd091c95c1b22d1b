//! The errors every operation of `/api/openapi.json` may answer because of what stands in
//! front of its handler, added to the document once it is built.
//!
//! The handlers' `#[utoipa::path]` attributes and the production catalogue say what the
//! handlers themselves refuse; the layers around them answer too, on every route they guard,
//! always with the JSON error body: the token check (401), the role gate and the worker check
//! (403), the extractors (400 for a malformed path, query or body; 415 for a body that is not
//! JSON where JSON is wanted; 413 past the body limit) and path lookups (404). Writing these on
//! each of some 300 operations by hand would drift; deriving them from what each operation
//! declares (security, parameters, body) keeps the document true as routes come and go. A
//! status an operation already documents keeps its own, more precise description.

use serde_json::{Map, Value, json};

/// The methods an OpenAPI path item may hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Adds to every operation of `document` the error answers of the layers in front of its
/// handler (see the module's documentation).
pub fn document_layer_errors(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let has_path_params = path.contains('{');
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                add_errors(operation, has_path_params);
            }
        }
    }
}

fn add_errors(operation: &mut Map<String, Value>, has_path_params: bool) {
    let schemes: Vec<(String, bool)> = operation
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| {
            requirement.iter().map(|(scheme, scopes)| {
                let scoped = scopes.as_array().is_some_and(|s| !s.is_empty());
                (scheme.clone(), scoped)
            })
        })
        .collect();
    let needs_token = !schemes.is_empty();
    let needs_role = schemes.iter().any(|(_, scoped)| *scoped);
    let worker_only = schemes.iter().any(|(scheme, _)| scheme == "worker");
    let has_params = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let body = operation.get("requestBody").and_then(|b| b.get("content"));
    let has_body = body.is_some();
    // Routes that also take form fields or multipart answer other bodies without a 415.
    let takes_json = body
        .and_then(Value::as_object)
        .is_some_and(|content| content.len() == 1 && content.contains_key("application/json"));

    let mut add = |status: &str, description: &str| {
        let Some(responses) = operation
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut()
        else {
            return;
        };
        responses.entry(status).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
            })
        });
    };
    if has_params || has_body {
        add(
            "400",
            "A path, query or body value that does not parse or is invalid",
        );
    }
    if needs_token {
        add(
            "401",
            "No token, or a token that is not valid (expired, logged out)",
        );
    }
    if needs_role || worker_only {
        add(
            "403",
            if worker_only {
                "Not a render node's token"
            } else {
                "The person's role is below the one this operation needs"
            },
        );
    }
    if has_path_params {
        add("404", "Nothing by that id (or nothing the caller may see)");
    }
    if has_body {
        add("413", "The body is larger than this route accepts");
    }
    if takes_json {
        add("415", "The body is not sent as JSON");
    }
    // By status, whatever order serde_json's map keeps (insertion order when another crate of
    // the build turns on its `preserve_order`).
    if let Some(Value::Object(responses)) = operation.get_mut("responses") {
        let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
        sorted.sort_by(|(a, _), (b, _)| a.cmp(b));
        responses.extend(sorted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_errors_follow_what_the_operation_declares() {
        let mut document = json!({"paths": {
            "/jobs/{id}": {"put": {
                "parameters": [{"name": "id", "in": "path"}],
                "requestBody": {"content": {"application/json": {}}},
                "security": [{"bearer": []}],
                "responses": {"200": {}, "409": {"description": "own"},
                    "404": {"description": "kept"}}
            }},
            "/users": {"get": {"security": [{"bearer": ["admin"]}], "responses": {"200": {}}}},
            "/worker/heartbeat": {"post": {
                "requestBody": {"content": {"multipart/form-data": {}}},
                "security": [{"worker": []}], "responses": {"200": {}}}},
            "/auth/login": {"post": {"security": [{}], "responses": {"200": {}}}}
        }});
        document_layer_errors(&mut document);
        let statuses = |path: &str, method: &str| -> Vec<String> {
            document["paths"][path][method]["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(
            statuses("/jobs/{id}", "put"),
            ["200", "400", "401", "404", "409", "413", "415"]
        );
        assert_eq!(
            document["paths"]["/jobs/{id}"]["put"]["responses"]["404"]["description"], "kept",
            "an operation's own description wins"
        );
        assert_eq!(statuses("/users", "get"), ["200", "401", "403"]);
        assert_eq!(
            statuses("/worker/heartbeat", "post"),
            ["200", "400", "401", "403", "413"],
            "no 415: the body is not JSON"
        );
        assert_eq!(statuses("/auth/login", "post"), ["200"], "no token needed");
        assert_eq!(
            document["paths"]["/users"]["get"]["responses"]["401"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/ErrorBody"
        );
    }
}
