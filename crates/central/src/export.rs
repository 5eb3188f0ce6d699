//! A meeting's event log as the central store has it, in the contract's
//! JSON Lines: each event with its `id`, `device` and `seq`, and its
//! moment corrected where the device's clock was not synchronised
//! (`clock_corrected`, with the time as the device recorded it in
//! `recorded_at`). `motesskylt central export MEETING` prints it.

use std::collections::HashMap;

use chrono_tz::Tz;
use serde_json::Value;

use super::db::{CentralDb, DbError};
use motesskylt_core::clock::{BootClock, corrected};
use motesskylt_core::model::Event;

/// The meeting's events in order of their (corrected) moments.
pub async fn event_log(db: &impl CentralDb, meeting: &str, tz: Tz) -> Result<Vec<Value>, DbError> {
    let events = db.events(meeting).await?;
    let mut clocks: HashMap<String, Vec<BootClock>> = HashMap::new();
    let mut lines = Vec::with_capacity(events.len());
    for wire in events {
        // A recovered store's epoch (`name~…`) measured under its name.
        let name = wire
            .device
            .split('~')
            .next()
            .unwrap_or_default()
            .to_string();
        if !clocks.contains_key(&name) {
            let measured = db.clocks(&name).await?;
            clocks.insert(name.clone(), measured);
        }
        let recorded = wire.event.instant();
        let moment = corrected(
            recorded,
            wire.wall,
            wire.mono_ms,
            &wire.boot,
            wire.clock_synced,
            &clocks[&name],
        );
        let event = Event {
            user: wire.event.user.clone(),
            confirmed: wire.event.confirmed,
            ..Event::new(moment.at, tz, wire.event.kind.clone())
        };
        let mut line = serde_json::to_value(&event).unwrap_or_default();
        if let Some(object) = line.as_object_mut() {
            object.insert("id".into(), wire.id.to_string().into());
            object.insert("device".into(), wire.device.clone().into());
            object.insert("seq".into(), wire.seq.into());
            if moment.corrected {
                object.insert("clock_corrected".into(), true.into());
                object.insert(
                    "recorded_at".into(),
                    serde_json::to_value(&wire.event).unwrap_or_default()["at"].clone(),
                );
            }
        }
        lines.push((moment.at, line));
    }
    // An undo names the control it undoes by the moment its device
    // recorded; where that moment was corrected, the undo follows it.
    let moved: HashMap<String, Value> = lines
        .iter()
        .filter_map(|(_, line)| {
            Some((
                line.get("recorded_at")?.as_str()?.to_string(),
                line["at"].clone(),
            ))
        })
        .collect();
    for (_, line) in &mut lines {
        if line["type"] == "control_undone"
            && let Some(corrected) = line["undone_at"].as_str().and_then(|at| moved.get(at))
        {
            line["undone_at"] = corrected.clone();
        }
    }
    lines.sort_by_key(|(at, _)| *at);
    Ok(lines.into_iter().map(|(_, line)| line).collect())
}
