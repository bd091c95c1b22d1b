//! The studio-wide task export (`GET /export/csv/tasks.csv`), its cells made inert for
//! spreadsheets.

use crate::production::db::DataError;
use crate::production::db::data::Data;

/// The header of Kitsu's task export.
pub const TASKS_CSV_HEADER: [&str; 15] = [
    "Project",
    "Task Type",
    "Episode",
    "Sequence",
    "Entity Type",
    "Entity",
    "Assigner",
    "Assignees",
    "Duration",
    "Estimation",
    "Start date",
    "Due date",
    "WIP date",
    "Validation date",
    "Task Status",
];

/// `GET /export/csv/tasks.csv` (managers): every task of open projects as Kitsu exports
/// them, `;`-separated, ordered by project, task type, episode, sequence, type and entity.
pub fn tasks_csv(d: &Data) -> Result<String, DataError> {
    crate::production::rules::may_export_tasks(d.viewer.role)?;
    let mut out = Vec::new();
    {
        let mut csv = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        csv.write_record(TASKS_CSV_HEADER).map_err(csv_error)?;
        let mut stmt = d.conn.prepare(
            "SELECT p.name, tt.name, \
                    CASE WHEN ety.name = 'Shot' THEN ep.name \
                         WHEN ety.name = 'Sequence' THEN par.name ELSE '' END, \
                    CASE WHEN ety.name = 'Shot' THEN par.name ELSE '' END, \
                    ety.name, e.name, \
                    ifnull(trim(ar.first_name || ' ' || ar.last_name), ''), \
                    (SELECT group_concat(trim(u.first_name || ' ' || u.last_name), ', ') \
                       FROM prod_task_person_link AS l JOIN users AS u ON u.id = l.person_id \
                      WHERE l.task_id = t.id), \
                    t.duration, t.estimation, t.start_date, t.due_date, t.real_start_date, \
                    t.end_date, ts.name \
             FROM prod_task AS t \
             JOIN projects AS p ON p.uuid = t.project_id \
             JOIN prod_project_status AS ps ON ps.id = p.project_status_id AND ps.name = 'Open' \
             JOIN prod_task_type AS tt ON tt.id = t.task_type_id \
             JOIN prod_task_status AS ts ON ts.id = t.task_status_id \
             JOIN prod_entity AS e ON e.id = t.entity_id \
             JOIN prod_entity_type AS ety ON ety.id = e.entity_type_id \
             LEFT JOIN prod_entity AS par ON par.id = e.parent_id \
             LEFT JOIN prod_entity AS ep ON ep.id = par.parent_id \
             LEFT JOIN users AS ar ON ar.id = t.assigner_id \
             ORDER BY p.name, tt.name, 3, 4, ety.name, e.name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut record: Vec<String> = Vec::with_capacity(15);
            for i in 0..8 {
                let cell = r.get::<_, Option<String>>(i)?.unwrap_or_default();
                record.push(inert_cell(cell));
            }
            for i in 8..10 {
                record.push(format!("{:?}", r.get::<_, f64>(i)?));
            }
            for i in 10..14 {
                let at = r.get::<_, Option<String>>(i)?.unwrap_or_default();
                record.push(at.get(..10).unwrap_or("").to_owned());
            }
            record.push(inert_cell(r.get(14)?));
            csv.write_record(&record).map_err(csv_error)?;
        }
        csv.flush()
            .map_err(|e| DataError::BadRequest(e.to_string()))?;
    }
    String::from_utf8(out).map_err(|e| DataError::BadRequest(e.to_string()))
}

/// A text cell a spreadsheet will not run: one that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return (a formula, or one hidden behind a control character) gets a leading
/// `'`, as OWASP advises against CSV injection. Names are people's text; numbers and dates
/// are written by the export itself and left as they are.
pub fn inert_cell(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(csv_error)`
fn csv_error(e: csv::Error) -> DataError {
    DataError::BadRequest(format!("writing the CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::inert_cell;

    #[test]
    fn formula_cells_are_made_inert() {
        for risky in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(inert_cell(risky.into()), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["", "SH010", "a=b", "1-2", " =x", "'=x", "\nx", "Ép 1"] {
            assert_eq!(inert_cell(plain.into()), plain, "{plain:?}");
        }
    }
}
