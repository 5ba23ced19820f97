// English for the sync pages, keyed by the German text the components pass to `t`.
export const sync: Record<string, string> = {
  // Status
  Status: "Status",
  "Status wird gelesen …": "Reading the status …",
  Hub: "Hub",
  "nicht angemeldet": "not enrolled",
  Erreichbar: "Reachable",
  "wird geprüft …": "checking …",
  ja: "yes",
  nein: "no",
  "Letzter Abgleich": "Last sync",
  "noch nie": "never",
  "Offene Konflikte": "Open conflicts",
  "Abgleich läuft …": "Syncing …",
  "Abgleich läuft": "Syncing",
  "Senden: {sent} von {total} Änderungen": "Sending: {sent} of {total} changes",
  "Empfangen: {received} Änderungen ({percent} %)": "Receiving: {received} changes ({percent} %)",
  "Empfangen: {received} Änderungen": "Receiving: {received} changes",
  "Paket wird eingelesen": "Reading the bundle",
  "Paket wird geprüft …": "Checking the bundle …",
  "Änderungen werden übernommen: {done} von {total}": "Taking in changes: {done} of {total}",
  "Einträge werden geschrieben: {done} von {total}": "Writing entries: {done} of {total}",
  "Jetzt abgleichen": "Sync now",
  "Solange der Hub erreichbar ist, gleicht die App alle 5 Minuten von selbst ab.":
    "While the hub is reachable, the app syncs by itself every 5 minutes.",
  "Abgleich abgeschlossen: {pushed} gesendet, {pulled} empfangen, {rejected} abgelehnt.":
    "Sync finished: {pushed} sent, {pulled} received, {rejected} rejected.",
  "{n} gelöschte Einträge hat der Hub endgültig entfernt; sie sind auch hier entfernt.":
    "The hub has permanently removed {n} deleted entries; they have been removed here too.",

  // Enrolment
  "Beim Hub anmelden": "Enrol with the hub",
  "Den einmaligen Anmeldecode vergibt das Schulamt ({command}).": "The one-time enrolment code is issued by the education office ({command}).",
  "Hub-Adresse": "Hub address",
  Anmeldecode: "Enrolment code",
  "Name dieses Geräts": "Name of this device",
  "Laptop IT-Betreuung": "IT support laptop",
  Anmelden: "Enrol",
  "Bitte Hub-Adresse, Anmeldecode und Gerätenamen angeben.": "Please enter the hub address, enrolment code and device name.",
  "Anmeldung beim Hub …": "Enrolling with the hub …",
  "Dieses Gerät ist beim Hub {hub} angemeldet.": "This device is enrolled with the hub {hub}.",

  // Conflicts
  Konflikte: "Conflicts",
  "auch gelöste zeigen": "show resolved ones too",
  "Keine Konflikte.": "No conflicts.",
  "Keine offenen Konflikte.": "No open conflicts.",
  Eintrag: "Entry",
  "Gilt jetzt": "Current value",
  Überschrieben: "Overwritten",
  "Konflikt {id}": "Conflict {id}",
  gelöst: "resolved",
  "Änderung an gelöschtem Eintrag": "Change to a deleted entry",
  "doppelter Wert in „{field}“": "duplicate value in “{field}”",
  "Eintrag wiederherstellen": "Restore entry",
  "Löschung bestätigen": "Confirm deletion",
  "Neuer Wert für den ausgeblendeten Eintrag": "New value for the hidden entry",
  "Neuen Wert setzen": "Set new value",
  "Doppelten Eintrag verwerfen": "Discard duplicate entry",
  "Geltenden Wert behalten": "Keep current value",
  "Überschriebenen Wert nehmen": "Use overwritten value",
  "Konflikt {id} lösen: die Löschung von {row} bestätigen? Die Änderung {change} bleibt verworfen.":
    "Resolve conflict {id}: confirm the deletion of {row}? The change {change} stays discarded.",
  "Konflikt {id} lösen: {row} wiederherstellen, mit der Änderung {change}?": "Resolve conflict {id}: restore {row} with the change {change}?",
  "Konflikt {id} lösen: „{field}“ von {row} erhält {value}?": "Resolve conflict {id}: set “{field}” of {row} to {value}?",
  "Bitte einen neuen Wert für „{field}“ eingeben.": "Please enter a new value for “{field}”.",
  "Konflikt {id} lösen: den ausgeblendeten Eintrag {row} verwerfen? Er bleibt gelöscht.":
    "Resolve conflict {id}: discard the hidden entry {row}? It stays deleted.",
  "Konflikt {id} lösen: {row} erhält „{field}“ = {value} und wird wieder angezeigt?":
    "Resolve conflict {id}: set “{field}” of {row} to {value} and show it again?",
  "Konflikt {id} gelöst; die Änderung geht mit dem nächsten Abgleich an alle Geräte.":
    "Conflict {id} resolved; the change goes to all devices with the next sync.",

  // The synced entities
  Gerät: "Device",
  Raum: "Room",
  "Access Point": "Access point",
  Leitung: "Link",
  Zuweisung: "Allocation",
  Maßnahme: "Measure",
  Rechnung: "Invoice",
  Rechnungsposition: "Invoice line",
  Rechnungsgegenstand: "Invoice item",

  // USB bundles
  "USB-Paket (ohne Netz)": "USB bundle (offline)",
  "Paket schreiben nach": "Write bundle to",
  "nur Änderungen, die noch nicht jedes bekannte Gerät bestätigt hat": "only changes not yet confirmed by every known device",
  "Paket schreiben": "Write bundle",
  "Paket einlesen von": "Import bundle from",
  "Paket einlesen": "Import bundle",
  "Paket speichern": "Save bundle",
  "Schulinventar-Paket": "Schulinventar bundle",
  "Paket wird geschrieben …": "Writing the bundle …",
  "Paket geschrieben: {n} Änderungen nach {path}": "Bundle written: {n} changes to {path}",
  "Paket wird geprüft und eingelesen …": "Checking and importing the bundle …",
  "Paket von Gerät {origin} eingelesen: {n} neue Änderungen, {skipped} waren schon vorhanden.":
    "Bundle from device {origin} imported: {n} new changes, {skipped} were already present.",
  "Paket von Gerät {origin} eingelesen: {n} neue Änderungen.": "Bundle from device {origin} imported: {n} new changes.",
};
