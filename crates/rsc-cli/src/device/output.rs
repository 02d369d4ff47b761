//! How the device commands print for a person: plain aligned tables, names rather than ids,
//! statuses and times in words.

use rsc_client::{AttendanceStatus, Id, SessionView, short_id};

/// A plain table for a terminal: a header row and aligned columns, no borders, numbers right.
/// `n` and the noun for it: "1 session", "2 sessions".
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING).set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    for (column, name) in table.column_iter_mut().zip(header) {
        // Flush left, two spaces between columns.
        column.set_padding((0, 2));
        if matches!(*name, "MIN" | "MINUTES" | "CONFIRMED") {
            column.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    // Lines keep no trailing spaces, so the output pastes cleanly.
    table.lines().map(|l| l.trim_end().to_string() + "\n").collect()
}

/// `text` cut to `width` characters, with an ellipsis when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars().take(width.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// A status as a person says it.
pub fn status_words(status: AttendanceStatus) -> &'static str {
    match status {
        AttendanceStatus::Pending => "awaiting provider",
        AttendanceStatus::Confirmed => "confirmed",
        AttendanceStatus::Disputed => "disputed",
        AttendanceStatus::ChangedSinceConfirmed => "changed, to re-confirm",
        AttendanceStatus::Withdrawn => "withdrawn",
    }
}

/// A moment (Unix milliseconds) as a date and time in UTC.
pub fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "an unknown time".into())
}

/// A moment (Unix milliseconds) as a date.
pub fn day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Hours and minutes as people read them (`41 h 30 min`).
pub fn hours(minutes: u64) -> String {
    rsc_rules::format_hours(minutes)
}

/// A person by name, or by the start of their id when this device does not know the name yet.
pub fn name_or_id(name: Option<&str>, id: &Id) -> String {
    match name {
        Some(name) => name.to_string(),
        None => format!("someone ({})", short_id(id)),
    }
}

/// The session's provider as the signed-in user sees them.
pub fn provider_of(session: &SessionView, me: Option<&Id>) -> String {
    if me == Some(&session.provider) {
        "you".into()
    } else {
        name_or_id(session.provider_name.as_deref(), &session.provider)
    }
}

/// The attendees other than `me`, by name.
pub fn others(session: &SessionView, me: Option<&Id>) -> String {
    session
        .attendees
        .iter()
        .filter(|a| Some(&a.id) != me)
        .map(|a| name_or_id(a.name.as_deref(), &a.id))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_right_align_minutes_and_keep_names_whole() {
        let rows = [
            vec!["2025-03-04".to_string(), "60".into(), "José Ramírez Peña".into()],
            vec!["2025-03-11".to_string(), "120".into(), "Nguyễn Thị Hương".into()],
        ];
        let out = table(&["DATE", "MIN", "PROVIDER"], rows.into_iter());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        // Every column starts where its header does, whatever the width of the names.
        let column = |line: &str, text: &str| line.find(text).map(|byte| line[..byte].chars().count());
        assert_eq!(column(lines[1], "José"), column(lines[0], "PROVIDER"), "{out}");
        assert_eq!(column(lines[2], "Nguyễn"), column(lines[0], "PROVIDER"), "{out}");
        // Minutes line up on their last digit.
        let end = |line: &str, text: &str| column(line, text).map(|start| start + text.chars().count());
        assert_eq!(end(lines[1], " 60"), end(lines[2], "120"), "{out}");
        assert!(out.lines().all(|l| !l.ends_with(' ')), "no trailing spaces: {out:?}");
        assert!(out.lines().all(|l| !l.starts_with(' ')), "flush left: {out:?}");
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis_on_a_character_boundary() {
        assert_eq!(truncate("Ngozi Okonkwo-Adébáyọ̀", 12), "Ngozi Okonk…");
        assert_eq!(truncate("Ana", 12), "Ana");
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(hours(2490), "41 h 30 min");
    }
}
