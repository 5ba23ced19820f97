// English for the window's frame (header, navigation, opening the database), keyed by the German
// text the components pass to `t`.
export const shell: Record<string, string> = {
  Bereiche: "Sections",
  Übersicht: "Overview",
  Schulen: "Schools",
  Geräte: "Devices",
  Ausleihe: "Loans",
  Technik: "Equipment",
  Fördermittel: "Funding",
  Import: "Import",
  Berichte: "Reports",
  Abgleich: "Sync",
  "Noch nicht abgeglichene Änderungen": "Changes not yet synced",
  Suchen: "Search",
  "Strg+K": "Ctrl+K",
  "Dunkles Design": "Dark theme",
  Schließen: "Close",
  "Datenbank:": "Database:",
  "Die Datenbank konnte nicht geöffnet werden.": "The database could not be opened.",
  "Sicherung vor dem Update: {done} von {total} Seiten kopiert": "Backup before the update: {done} of {total} pages copied",
  "Datenbank wird aktualisiert: Schritt {step} von {of}": "Updating the database: step {step} of {of}",
  "Datenbank wird geöffnet …": "Opening the database …",
  "Die Daten erscheinen, sobald das Update fertig ist. Bitte das Fenster nicht schließen.":
    "The data appears once the update is done. Please do not close the window.",
};
