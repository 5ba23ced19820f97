//! Changes to many devices at once (the Geräte page's bulk actions): a new status, or a move to
//! another room. All or nothing: one transaction, and if any device refuses the change (a rule,
//! an earmark without a reason, a room of another school) nothing is written and every refusal
//! is reported with the device it concerns.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, FieldError, Result};
use crate::model::{AssetStatus, DeviceData, RoomData};
use crate::store::Store;

/// At most this many devices per bulk change.
pub const MAX_BULK: usize = 10_000;

/// What a bulk change sets; fields left empty stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct BulkChange {
    pub status: Option<AssetStatus>,
    /// Moves the devices into this room (and its building).
    pub room_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BulkOutcome {
    /// Devices written.
    pub changed: u32,
    /// Devices that already had the values.
    pub unchanged: u32,
}

impl Store {
    /// Applies `change` to the devices `ids` in one transaction. `reason` documents changes the
    /// rules allow only with one (retiring or moving an earmarked item). Refusals come back as
    /// one validation error whose fields are `items.N.field` (N indexes `ids`), each message
    /// naming the device.
    pub fn bulk_update_devices(
        &mut self,
        ids: &[String],
        change: &BulkChange,
        reason: Option<&str>,
    ) -> Result<BulkOutcome> {
        if ids.is_empty() || ids.len() > MAX_BULK {
            return Err(CoreError::invalid_argument(
                Some("ids"),
                format!("Bitte zwischen 1 und {MAX_BULK} Geräte auswählen (gewählt: {}).", ids.len()),
            ));
        }
        if change.status.is_none() && change.room_id.is_none() {
            return Err(CoreError::invalid_argument(None, "Es ist keine Änderung angegeben."));
        }
        self.write(None, |w| {
            w.set_reason(reason.map(str::to_owned));
            let room = match &change.room_id {
                Some(id) => Some((id.clone(), w.get::<RoomData>(id)?.data)),
                None => None,
            };
            let mut outcome = BulkOutcome { changed: 0, unchanged: 0 };
            let mut refused: Vec<FieldError> = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                let current = w.get::<DeviceData>(id)?;
                let mut data = current.data.clone();
                if let Some(status) = change.status {
                    data.asset.status = status;
                }
                if let Some((room_id, room)) = &room {
                    data.asset.room_id = Some(room_id.clone());
                    data.asset.building_id = room.building_id.clone();
                }
                if data == current.data {
                    outcome.unchanged += 1;
                    continue;
                }
                let name = current.data.asset.inventory_number.clone().unwrap_or_else(|| id.clone());
                match w.update(id, data) {
                    Ok(_) => outcome.changed += 1,
                    Err(CoreError::Validation { errors, .. }) => refused.extend(errors.into_iter().map(|e| {
                        FieldError::new(&format!("items.{i}.{}", e.field), &e.code, format!("{name}: {}", e.message))
                    })),
                    Err(other) => return Err(other),
                }
            }
            if refused.is_empty() {
                Ok(outcome)
            } else {
                Err(CoreError::validation(refused))
            }
        })
    }
}
