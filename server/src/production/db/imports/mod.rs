//! Kitsu's CSV imports, read as Zou reads them: a production's assets, shots and edits
//! ([`entities`]), its casting ([`casting`]), a task type's estimations ([`estimations`]) and
//! the studio's people ([`persons`]). Here: what they share, the sheet reader (separator
//! sniffed, byte-order mark skipped, blank rows left out, a bound on the rows), cells read by
//! column name, people named by full name, e-mail or id, metadata columns, and the runner
//! that puts a refused row's line in front of its message.
//!
//! Unlike Zou, which commits row by row and keeps the rows before a bad one, the whole file
//! is one write: a bad row refuses the import with its line number and nothing is made.

mod casting;
mod entities;
mod estimations;
mod persons;

use super::DataError;
use super::data::{Data, Row, text};
use super::names;
use serde_json::Value;
use std::collections::HashMap;

/// The largest file imported: far past any production's list, and a bound on the write.
pub const MAX_IMPORT_BYTES: u64 = 8 * 1024 * 1024;
/// The most rows one import makes or changes (each is a few writes in one transaction).
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A production's assets, with their tasks.
    Assets,
    /// A production's shots (sequences and episodes made as needed), with their tasks.
    Shots,
    /// A production's edits, with their tasks.
    Edits,
    /// The assets cast in a production's shots, assets and episodes.
    Casting,
    /// A task type's estimations, dates, drawings and difficulty on a production's tasks.
    Estimations,
    /// The studio's people (admins only).
    Persons,
}

/// One import as the route asked for it.
#[derive(Debug, Clone)]
pub struct Request {
    /// What the file holds.
    pub kind: Kind,
    /// The production (empty for people).
    pub project_id: String,
    /// The task type of an estimations import.
    pub task_type_id: Option<String>,
    /// The episode an estimations import is limited to (`main`/`all`: none).
    pub episode_id: Option<String>,
    /// Whether rows that name existing rows change them (`?update=true`).
    pub update: bool,
    /// The password hash given to people made by the import: of a token thrown away, so
    /// they cannot log in until a password is set for them (as `POST /data/persons`).
    pub unusable_password_hash: Option<String>,
}

/// A CSV file read into its header and rows, each with the line it starts on.
struct Sheet {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

/// The separator a spreadsheet used: the one of `,`, `;` and tab the header line holds most
/// of (Zou sniffs the dialect the same way).
fn separator(bytes: &[u8]) -> u8 {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|sep| line.split(|b| b == sep).count())
        .unwrap_or(b',')
}

fn bad_file(message: impl std::fmt::Display) -> DataError {
    DataError::BadRequest(format!("the CSV file cannot be read: {message}"))
}

/// Reads the file: UTF-8 (a byte-order mark is skipped), rows of any length, blank rows
/// (separators only) left out.
fn read_sheet(bytes: &[u8]) -> Result<Sheet, DataError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(bytes))
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .headers()
        .map_err(bad_file)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect::<Vec<_>>();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(bad_file)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_IMPORT_ROWS {
            return Err(DataError::BadRequest(format!(
                "at most {MAX_IMPORT_ROWS} rows are imported at once"
            )));
        }
        let line = record.position().map_or(0, csv::Position::line);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(Sheet { header, rows })
}

/// One row, read by column name; an absent column reads as `None`, an empty cell as `""`.
struct Cells<'a> {
    header: &'a [String],
    values: &'a [String],
    /// The line the row starts on.
    line: u64,
}

impl<'a> Cells<'a> {
    fn get(&self, column: &str) -> Option<&'a str> {
        let at = self.header.iter().position(|h| h == column)?;
        Some(self.values.get(at).map_or("", |c| c.trim()))
    }

    /// A cell given with something in it (`None` for an absent column or an empty cell).
    fn filled(&self, column: &str) -> Option<&'a str> {
        self.get(column).filter(|v| !v.is_empty())
    }

    /// A cell that must hold something.
    fn required(&self, column: &str) -> Result<&'a str, DataError> {
        self.filled(column)
            .ok_or_else(|| DataError::BadRequest(format!("{column} cannot be empty")))
    }

    /// The first of `columns` given with something in it.
    fn first(&self, columns: &[&str]) -> Option<&'a str> {
        columns.iter().find_map(|c| self.filled(c))
    }
}

/// The studio's people by full name, e-mail and id (all lowercase), read on first use.
#[derive(Default)]
struct People(Option<HashMap<String, String>>);

impl People {
    /// A person named by full name, e-mail or id.
    fn find(&mut self, d: &Data, name: &str) -> Result<String, DataError> {
        if self.0.is_none() {
            let mut people = HashMap::new();
            for p in d.list(names::PERSONS, &[])? {
                let id = text(&p, "id").to_owned();
                let full = format!("{} {}", text(&p, "first_name"), text(&p, "last_name"));
                people.insert(full.trim().to_lowercase(), id.clone());
                if !text(&p, "email").is_empty() {
                    people.insert(text(&p, "email").to_lowercase(), id.clone());
                }
                people.insert(id.clone(), id);
            }
            self.0 = Some(people);
        }
        self.0
            .as_ref()
            .and_then(|p| p.get(&name.trim().to_lowercase()))
            .cloned()
            .ok_or_else(|| DataError::BadRequest(format!("Person not found for {name}")))
    }
}

/// `data` with the row's cells of these metadata descriptors written over it, in their
/// stored form: booleans as `true`/`false`, people as their id; an empty cell as `""`.
fn descriptor_values(
    d: &Data,
    people: &mut People,
    descriptors: &[Row],
    cells: &Cells<'_>,
    mut data: Row,
) -> Result<Row, DataError> {
    for descriptor in descriptors {
        let Some(value) = cells.get(text(descriptor, "name")) else {
            continue;
        };
        let value = match (text(descriptor, "data_type"), value) {
            (_, "") => Value::from(""),
            ("boolean", v) => {
                let on = matches!(v.to_lowercase().as_str(), "true" | "yes" | "1" | "y");
                Value::from(if on { "true" } else { "false" })
            }
            ("person", v) => Value::from(people.find(d, v)?),
            (_, v) => Value::from(v),
        };
        data.insert(text(descriptor, "field_name").to_owned(), value);
    }
    Ok(data)
}

/// The ids of a row's relation list.
fn ids(row: &Row, field: &str) -> Vec<String> {
    row.get(field)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A name as rows are matched on it, as Zou slugifies them: lowercase, each run of other
/// characters than letters and digits one `-`, none at the ends (`Sq 01` is `sq-01`).
fn key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Runs `f` on every row in order; a row refused (400) refuses the file as `line N: …`.
fn each_row<T>(
    sheet: &Sheet,
    mut f: impl FnMut(&Cells<'_>) -> Result<T, DataError>,
) -> Result<Vec<T>, DataError> {
    let mut done = Vec::with_capacity(sheet.rows.len());
    for (line, values) in &sheet.rows {
        let cells = Cells {
            header: &sheet.header,
            values,
            line: *line,
        };
        done.push(f(&cells).map_err(|e| at_line(*line, e))?);
    }
    Ok(done)
}

/// A row's refusal with its line in front.
fn at_line(line: u64, e: DataError) -> DataError {
    match e {
        DataError::BadRequest(m) => DataError::BadRequest(format!("line {line}: {m}")),
        other => other,
    }
}

/// `POST /import/csv/…`: imports the file as `request` says, all of it or nothing; answers
/// the rows made or changed (entities, casting links, tasks or people). The caller's role
/// and team are checked before the file is read.
pub fn import(d: &Data, request: &Request, csv: &[u8]) -> Result<Vec<Row>, DataError> {
    match request.kind {
        Kind::Assets | Kind::Shots | Kind::Edits => entities::import(d, request, csv),
        Kind::Casting => casting::import(d, request, csv),
        Kind::Estimations => estimations::import(d, request, csv),
        Kind::Persons => persons::import(d, request, csv),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_zou_slugifies_them() {
        assert_eq!(key(" Sq 01 "), "sq-01");
        assert_eq!(key("SH_010"), "sh-010");
        assert_eq!(key("--Hero!!"), "hero");
        assert_eq!(key("Été"), "été");
    }

    #[test]
    fn the_sheet_reader_sniffs_skips_and_numbers() {
        let sheet = read_sheet(b"\xef\xbb\xbfA;B\n1;2\n;\n3;4\n").unwrap();
        assert_eq!(sheet.header, ["A", "B"]);
        let lines: Vec<u64> = sheet.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4]);
    }
}
