//! Settings: the farm's settings (failure thresholds, timeouts, render paths, the browse
//! root), for admins. Each value is edited as text and parsed back to its JSON type; a value
//! the server refuses stays as typed, with the server's words below.

use crate::command::{Command, Ticket};
use crate::model::Farm;
use crate::theme::{self, UiExt};
use crate::views::Answered;
use drover_shared::Role;
use drover_shared::api::Settings;
use serde_json::Value;
use std::collections::BTreeMap;

/// The Settings view's state: the text of each edited value.
#[derive(Default)]
pub struct SettingsView {
    edits: BTreeMap<String, String>,
    error: Option<String>,
    /// The save sent and waiting for the server's answer.
    saving: Option<Ticket>,
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses `text` to the JSON type of `like`.
fn parse_like(like: &Value, text: &str) -> Result<Value, String> {
    match like {
        Value::String(_) => Ok(Value::String(text.to_owned())),
        Value::Bool(_) => text
            .trim()
            .parse::<bool>()
            .map(Value::Bool)
            .map_err(|_| format!("`{text}` is not true or false")),
        Value::Number(_) => serde_json::from_str::<serde_json::Number>(text.trim())
            .map(Value::Number)
            .map_err(|_| format!("`{text}` is not a number")),
        _ => serde_json::from_str(text).map_err(|e| format!("`{text}`: {e}")),
    }
}

impl SettingsView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        ui.view_heading("Settings");
        if !farm.role().allows(Role::Admin) {
            ui.weak_label("Only admins see and change the farm settings.");
            return;
        }
        let Some(settings) = &farm.settings else {
            ui.spinner();
            return;
        };
        egui::Grid::new("settings")
            .striped(true)
            .num_columns(2)
            .show(ui, |ui| {
                for (name, value) in settings {
                    let label = ui.label(name);
                    let text = self
                        .edits
                        .entry(name.clone())
                        .or_insert_with(|| as_text(value));
                    ui.add(egui::TextEdit::singleline(text).desired_width(320.0))
                        .labelled_by(label.id);
                    ui.end_row();
                }
            });
        ui.add_space(theme::GAP);
        ui.horizontal(|ui| {
            let save = ui.add_enabled(self.saving.is_none(), egui::Button::new("Save settings"));
            if save.clicked() {
                match self.changed(settings) {
                    Ok(changed) if changed.is_empty() => {
                        self.error = Some("nothing changed".into());
                    }
                    Ok(changed) => {
                        let ticket = Ticket::issue();
                        self.error = None;
                        self.saving = Some(ticket);
                        commands.push(Command::SaveSettings(ticket, changed));
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            if ui.button("Revert").clicked() {
                self.edits.clear();
                self.error = None;
            }
            if self.saving.is_some() {
                ui.spinner();
                ui.weak_label("saving…");
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(theme::error_color(), error);
        }
    }

    /// Takes the answer to the save with `ticket`, if it is the one the view waits for: saved,
    /// the edits stand (the settings are read again); refused, the server's words show.
    pub fn answer(&mut self, ticket: Ticket, answer: Result<(), &str>) -> Answered {
        if self.saving != Some(ticket) {
            return Answered::NotMine;
        }
        self.saving = None;
        match answer {
            Ok(()) => Answered::Accepted,
            Err(message) => {
                self.error = Some(message.to_owned());
                Answered::Refused
            }
        }
    }

    /// The settings whose text differs from the server's, parsed.
    fn changed(&self, settings: &Settings) -> Result<Settings, String> {
        let mut changed = Settings::new();
        for (name, value) in settings {
            let Some(text) = self.edits.get(name) else {
                continue;
            };
            if *text != as_text(value) {
                let parsed = parse_like(value, text).map_err(|e| format!("{name}: {e}"))?;
                changed.insert(name.clone(), parsed);
            }
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_json_type() {
        assert_eq!(parse_like(&Value::from(10), "25").unwrap(), Value::from(25));
        assert!(parse_like(&Value::from(10), "ten").is_err());
        assert_eq!(
            parse_like(&Value::from("a"), "b").unwrap(),
            Value::from("b")
        );
        assert_eq!(
            parse_like(&Value::from(false), "true").unwrap(),
            Value::from(true)
        );
    }
}
