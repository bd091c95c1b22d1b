//! Kitsu's CSV import of the studio's people (the Import button of the People page, admins
//! only), read as Zou reads it: one row per person, found by `Email`, with `First Name`,
//! `Last Name` and the optional `Phone`, `Role`, `Contract Type`, `Position`, `Seniority`
//! (each its label as Kitsu shows it or its stored code), `Country` (two letters),
//! `Daily Salary`, `Studio` and `Departments` (names) and `Active`.
//!
//! A person made by the import has no password they know: they cannot log in until one is
//! set for them, as with `POST /data/persons`. An existing person is changed only with
//! `?update=true`. Beyond Zou, a file naming one e-mail twice is refused with both lines,
//! and an import never changes the role or standing of the admin who sends it (they could
//! lock themselves out).

use super::super::DataError;
use super::super::names;
use super::{Cells, Request, each_row, read_sheet};
use crate::production::db::data::{Data, Row, text};
use drover_shared::Role;
use rusqlite::types::Value as SqlValue;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Kitsu's contract types: stored code, label.
const CONTRACT_TYPES: &[(&str, &str)] = &[
    ("open-ended", "Open-ended"),
    ("fixed-term", "Fixed-term"),
    ("short-term", "Short-term"),
    ("freelance", "Freelance"),
    ("apprentice", "Apprentice"),
    ("internship", "Internship"),
];
/// Kitsu's roles: stored code (Drover's), label; Kitsu's code `user` is read as `artist`.
const ROLES: &[(&str, &str)] = &[
    ("artist", "Artist"),
    ("admin", "Studio Manager"),
    ("supervisor", "Supervisor"),
    ("manager", "Production Manager"),
    ("client", "Client"),
    ("vendor", "Vendor"),
];
const POSITIONS: &[(&str, &str)] = &[
    ("supervisor", "Supervisor"),
    ("lead", "Lead"),
    ("artist", "Artist"),
];
const SENIORITIES: &[(&str, &str)] = &[("senior", "Senior"), ("mid", "Mid"), ("junior", "Junior")];

/// The longest e-mail address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

/// The code of a choice given by its label or its code, whatever the case; 400 naming the
/// accepted values otherwise.
fn choice(
    column: &str,
    value: &str,
    choices: &[(&str, &'static str)],
) -> Result<String, DataError> {
    let value = if column == "Role" && value.eq_ignore_ascii_case("user") {
        "artist"
    } else {
        value
    };
    choices
        .iter()
        .find(|(code, label)| value.eq_ignore_ascii_case(code) || value.eq_ignore_ascii_case(label))
        .map(|(code, _)| (*code).to_owned())
        .ok_or_else(|| {
            let accepted: Vec<&str> = choices.iter().map(|(_, label)| *label).collect();
            DataError::BadRequest(format!(
                "{column}: {value} (accepted values: {})",
                accepted.join(", ")
            ))
        })
}

/// Whether an e-mail address is one a person logs in with: `local@domain`, one `@`, no
/// spaces (the rule of the account routes).
fn valid_email(email: &str) -> bool {
    email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
}

/// A yes/no cell as Python's `strtobool` reads it.
fn yes_no(column: &str, value: &str) -> Result<bool, DataError> {
    match value.to_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Ok(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Ok(false),
        _ => Err(DataError::BadRequest(format!(
            "{column} must be yes or no, got '{value}'"
        ))),
    }
}

/// What the import reads once: studios and departments by name, and the e-mails seen.
struct Import<'a> {
    d: &'a Data<'a>,
    update: bool,
    password_hash: String,
    studios: HashMap<String, String>,
    departments: HashMap<String, String>,
    /// Lowercase e-mail → the line it was first on.
    seen: HashMap<String, u64>,
}

impl Import<'_> {
    /// The person fields a row sets (all but the e-mail).
    fn fields(&self, cells: &Cells<'_>) -> Result<Row, DataError> {
        let mut fields = Row::new();
        fields.insert(
            "first_name".into(),
            Value::from(cells.required("First Name")?),
        );
        fields.insert(
            "last_name".into(),
            Value::from(cells.get("Last Name").unwrap_or_default()),
        );
        if let Some(phone) = cells.filled("Phone") {
            fields.insert("phone".into(), Value::from(phone));
        }
        for (column, field, choices) in [
            ("Role", "role", ROLES),
            ("Contract Type", "contract_type", CONTRACT_TYPES),
            ("Position", "position", POSITIONS),
            ("Seniority", "seniority", SENIORITIES),
        ] {
            if let Some(value) = cells.filled(column) {
                fields.insert(field.into(), Value::from(choice(column, value, choices)?));
            }
        }
        if let Some(country) = cells.filled("Country") {
            if country.chars().count() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(DataError::BadRequest(format!(
                    "Country: {country} (a two-letter ISO 3166 code, as FR)"
                )));
            }
            fields.insert("country".into(), Value::from(country.to_uppercase()));
        }
        if let Some(salary) = cells.filled("Daily Salary") {
            let salary = salary.parse::<u32>().map_err(|_| {
                DataError::BadRequest(format!("Daily Salary: {salary} (a whole amount)"))
            })?;
            fields.insert("daily_salary".into(), json!(salary));
        }
        if let Some(studio) = cells.filled("Studio") {
            let id = self
                .studios
                .get(studio)
                .ok_or_else(|| DataError::BadRequest(format!("Studio not found: {studio}")))?;
            fields.insert("studio_id".into(), Value::from(id.as_str()));
        }
        if let Some(departments) = cells.filled("Departments") {
            let mut ids = Vec::new();
            for name in departments
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                let id = self.departments.get(name).ok_or_else(|| {
                    DataError::BadRequest(format!("Department not found: {name}"))
                })?;
                ids.push(Value::from(id.as_str()));
            }
            fields.insert("departments".into(), Value::Array(ids));
        }
        if let Some(active) = cells.filled("Active") {
            fields.insert("active".into(), Value::from(yes_no("Active", active)?));
        }
        Ok(fields)
    }

    fn row(&mut self, cells: &Cells<'_>) -> Result<Row, DataError> {
        let email = cells.required("Email")?;
        if !valid_email(email) {
            return Err(DataError::BadRequest(format!(
                "Email: {email} is not an e-mail address"
            )));
        }
        if let Some(first) = self.seen.insert(email.to_lowercase(), cells.line) {
            return Err(DataError::BadRequest(format!(
                "the e-mail {email} is on line {first} already"
            )));
        }
        let fields = self.fields(cells)?;
        // E-mails are unique whatever their case; the store compares them so.
        let Some(found) = self.d.find(names::PERSONS, &[("email", email)])? else {
            let mut made = fields;
            made.insert("email".into(), Value::from(email));
            let hash = vec![(
                "password_hash".to_owned(),
                SqlValue::Text(self.password_hash.clone()),
            )];
            return self
                .d
                .create_with(names::PERSONS, Value::Object(made), hash);
        };
        if found.get("is_bot").and_then(Value::as_bool) == Some(true) {
            return Err(DataError::BadRequest(format!(
                "the e-mail {email} belongs to a bot"
            )));
        }
        if !self.update {
            return Ok(found);
        }
        if self.d.viewer.is(text(&found, "id")) {
            let role = fields.get("role").and_then(Value::as_str);
            let active = fields.get("active").and_then(Value::as_bool);
            if role.is_some_and(|r| r != Role::Admin.as_str()) || active == Some(false) {
                return Err(DataError::BadRequest(
                    "an import does not change your own role or standing".into(),
                ));
            }
        }
        self.d
            .update(names::PERSONS, text(&found, "id"), Value::Object(fields))
    }
}

/// `POST /import/csv/persons[?update=true]` (admins): every row's person made, or changed
/// with `update`, all of them or none; answers the people.
pub fn import(d: &Data, request: &Request, csv: &[u8]) -> Result<Vec<Row>, DataError> {
    // The route's role gate keeps this to admins already; the import makes accounts and
    // sets roles (admin among them), so it checks again where the write happens.
    if !d.viewer.is_admin() {
        return Err(DataError::Forbidden("only admins import people".into()));
    }
    let password_hash = request.unusable_password_hash.clone().ok_or_else(|| {
        DataError::BadRequest("people are imported with an unusable password".into())
    })?;
    let by_name = |route| -> Result<HashMap<String, String>, DataError> {
        Ok(d.list(route, &[])?
            .iter()
            .map(|r| (text(r, "name").to_owned(), text(r, "id").to_owned()))
            .collect())
    };
    let mut import = Import {
        d,
        update: request.update,
        password_hash,
        studios: by_name(names::STUDIOS)?,
        departments: by_name(names::DEPARTMENTS)?,
        seen: HashMap::new(),
    };
    let sheet = read_sheet(csv)?;
    each_row(&sheet, |cells| import.row(cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_take_labels_and_codes() {
        assert_eq!(
            choice("Role", "Production Manager", ROLES).unwrap(),
            "manager"
        );
        assert_eq!(choice("Role", "user", ROLES).unwrap(), "artist");
        assert_eq!(choice("Role", "ADMIN", ROLES).unwrap(), "admin");
        assert_eq!(
            choice("Seniority", "junior", SENIORITIES).unwrap(),
            "junior"
        );
        assert!(choice("Role", "boss", ROLES).is_err());
        assert!(valid_email("a@b.c"));
        assert!(!valid_email("jdoe"));
        assert!(!valid_email("a b@c"));
        assert!(!valid_email("a@b@c"));
        assert!(yes_no("Active", "maybe").is_err());
    }
}
