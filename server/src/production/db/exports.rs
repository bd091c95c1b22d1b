//! CSV exports of Kitsu's People page (`GET /export/csv/persons.csv`), written as the task
//! export writes them: `;`-separated, CRLF, people's text made inert for spreadsheets
//! ([`super::project::inert_cell`]).

use super::DataError;
use super::data::Data;
use super::project::inert_cell;
use drover_shared::Role;

/// The People export's columns, as Zou names them.
pub const PERSONS_CSV_HEADER: [&str; 13] = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Role",
    "Departments",
    "Studio",
    "Country",
    "Contract Type",
    "Position",
    "Seniority",
    "Daily Salary",
    "Active",
];

/// `GET /export/csv/persons.csv` (managers and admins): every person but bots and guests,
/// by first then last name.
pub fn persons_csv(d: &Data) -> Result<String, DataError> {
    if !d.viewer.role.allows(Role::Manager) {
        return Err(DataError::Forbidden(
            "only managers and admins export people".into(),
        ));
    }
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        csv.write_record(PERSONS_CSV_HEADER).map_err(csv_error)?;
        let mut stmt = d.conn.prepare(
            "SELECT u.first_name, u.last_name, u.email, ifnull(u.phone, ''), \
                    CASE u.role WHEN 'artist' THEN 'user' ELSE u.role END, \
                    ifnull((SELECT group_concat(name, ',') FROM (SELECT dp.name FROM \
                      prod_department_link AS dl JOIN prod_department AS dp \
                      ON dp.id = dl.department_id WHERE dl.person_id = u.id ORDER BY dp.name)), ''), \
                    ifnull(s.name, ''), ifnull(u.country, ''), u.contract_type, \
                    ifnull(u.position, ''), ifnull(u.seniority, ''), \
                    ifnull(CAST(u.daily_salary AS TEXT), ''), \
                    CASE WHEN u.active THEN 'yes' ELSE 'no' END \
             FROM users AS u LEFT JOIN prod_studio AS s ON s.id = u.studio_id \
             WHERE u.is_bot = 0 AND u.is_guest = 0 \
             ORDER BY lower(u.first_name), lower(u.last_name), u.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut record: Vec<String> = Vec::with_capacity(PERSONS_CSV_HEADER.len());
            for i in 0..PERSONS_CSV_HEADER.len() {
                record.push(inert_cell(r.get::<_, String>(i)?));
            }
            csv.write_record(&record).map_err(csv_error)?;
        }
        csv.flush()
            .map_err(|e| DataError::BadRequest(e.to_string()))?;
    }
    String::from_utf8(out).map_err(|e| DataError::BadRequest(e.to_string()))
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(csv_error)`
fn csv_error(e: csv::Error) -> DataError {
    DataError::BadRequest(format!("writing the CSV: {e}"))
}
