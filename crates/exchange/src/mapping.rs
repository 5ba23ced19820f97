//! Understanding a sheet: where its header row is, which column holds which field (by German and
//! English synonyms), and what the words in type and status columns mean. Unknown columns are
//! listed, never dropped silently.

use schulinventar_core::fold::fold;
use schulinventar_core::{
    AssetStatus, DeviceCategory, FibreLinkType, FibreType, FundingCategory, LinkStatus, PresentationKind, RoomKind,
    SchoolType, UplinkTechnology, UserGroup, WifiBand, WifiStandard, WlanCoverage,
};

/// A field an import can fill. The names are the store's column names where one exists;
/// `school_number`, `school_name`, `building`, `room`, `type` and `programme` are resolved
/// by the import (looked up or created) rather than stored as they are.
/// A field an import can fill. The names are the store's column names where one exists;
/// school, building, room, type and programme columns are resolved by the import (looked up or
/// created) rather than stored as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    InventoryNumber,
    SerialNumber,
    Manufacturer,
    Model,
    PurchaseDate,
    Price,
    WarrantyEnd,
    Status,
    Type,
    Os,
    Notes,
    SchoolNumber,
    SchoolName,
    SchoolName2,
    SchoolType,
    AuthorityNumber,
    Street,
    Postcode,
    City,
    Pupils,
    Teachers,
    SocialIndex,
    Building,
    BuildingCode,
    Room,
    RoomName,
    Floor,
    RoomKind,
    WlanCoverage,
    UserGroup,
    SizeInches,
    MacAddress,
    WifiStandard,
    Bands,
    Poe,
    Controller,
    Ssids,
    InstalledOn,
    LinkType,
    Provider,
    Technology,
    DownMbps,
    UpMbps,
    CommissionedOn,
    ContractEnd,
    MonthlyCost,
    FibreType,
    FibreCount,
    LengthM,
    FromBuilding,
    ToBuilding,
    Programme,
    HolderName,
    LoanedOn,
    DueOn,
    InvoiceNumber,
    Supplier,
    InvoiceDate,
    PaidOn,
    NetAmount,
    VatAmount,
    GrossAmount,
    FederalShare,
    LandShare,
    OwnShare,
    ThirdPartyShare,
    Description,
    InventoryNumbers,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::InventoryNumber,
        Field::SerialNumber,
        Field::Manufacturer,
        Field::Model,
        Field::PurchaseDate,
        Field::Price,
        Field::WarrantyEnd,
        Field::Status,
        Field::Type,
        Field::Os,
        Field::Notes,
        Field::SchoolNumber,
        Field::SchoolName,
        Field::SchoolName2,
        Field::SchoolType,
        Field::AuthorityNumber,
        Field::Street,
        Field::Postcode,
        Field::City,
        Field::Pupils,
        Field::Teachers,
        Field::SocialIndex,
        Field::Building,
        Field::BuildingCode,
        Field::Room,
        Field::RoomName,
        Field::Floor,
        Field::RoomKind,
        Field::WlanCoverage,
        Field::UserGroup,
        Field::SizeInches,
        Field::MacAddress,
        Field::WifiStandard,
        Field::Bands,
        Field::Poe,
        Field::Controller,
        Field::Ssids,
        Field::InstalledOn,
        Field::LinkType,
        Field::Provider,
        Field::Technology,
        Field::DownMbps,
        Field::UpMbps,
        Field::CommissionedOn,
        Field::ContractEnd,
        Field::MonthlyCost,
        Field::FibreType,
        Field::FibreCount,
        Field::LengthM,
        Field::FromBuilding,
        Field::ToBuilding,
        Field::Programme,
        Field::HolderName,
        Field::LoanedOn,
        Field::DueOn,
        Field::InvoiceNumber,
        Field::Supplier,
        Field::InvoiceDate,
        Field::PaidOn,
        Field::NetAmount,
        Field::VatAmount,
        Field::GrossAmount,
        Field::FederalShare,
        Field::LandShare,
        Field::OwnShare,
        Field::ThirdPartyShare,
        Field::Description,
        Field::InventoryNumbers,
    ];

    /// The stable name used in profiles, JSON and `--map`.
    pub fn name(self) -> &'static str {
        match self {
            Field::InventoryNumber => "inventory_number",
            Field::SerialNumber => "serial_number",
            Field::Manufacturer => "manufacturer",
            Field::Model => "model",
            Field::PurchaseDate => "purchase_date",
            Field::Price => "price_cents",
            Field::WarrantyEnd => "warranty_end",
            Field::Status => "status",
            Field::Type => "type",
            Field::Os => "os",
            Field::Notes => "notes",
            Field::SchoolNumber => "school_number",
            Field::SchoolName => "school_name",
            Field::SchoolName2 => "school_name_2",
            Field::SchoolType => "school_type",
            Field::AuthorityNumber => "authority_number",
            Field::Street => "street",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::Pupils => "pupils",
            Field::Teachers => "teachers",
            Field::SocialIndex => "social_index",
            Field::Building => "building",
            Field::BuildingCode => "building_code",
            Field::Room => "room",
            Field::RoomName => "room_name",
            Field::Floor => "floor",
            Field::RoomKind => "room_kind",
            Field::WlanCoverage => "wlan_coverage",
            Field::UserGroup => "user_group",
            Field::SizeInches => "size_inches",
            Field::MacAddress => "mac_address",
            Field::WifiStandard => "wifi_standard",
            Field::Bands => "bands",
            Field::Poe => "poe",
            Field::Controller => "controller",
            Field::Ssids => "ssids",
            Field::InstalledOn => "installed_on",
            Field::LinkType => "link_type",
            Field::Provider => "provider",
            Field::Technology => "technology",
            Field::DownMbps => "down_mbps",
            Field::UpMbps => "up_mbps",
            Field::CommissionedOn => "commissioned_on",
            Field::ContractEnd => "contract_end",
            Field::MonthlyCost => "monthly_cost_cents",
            Field::FibreType => "fibre_type",
            Field::FibreCount => "fibre_count",
            Field::LengthM => "length_m",
            Field::FromBuilding => "from_building",
            Field::ToBuilding => "to_building",
            Field::Programme => "programme",
            Field::HolderName => "holder_name",
            Field::LoanedOn => "loaned_on",
            Field::DueOn => "due_on",
            Field::InvoiceNumber => "invoice_number",
            Field::Supplier => "supplier",
            Field::InvoiceDate => "invoice_date",
            Field::PaidOn => "paid_on",
            Field::NetAmount => "net_cents",
            Field::VatAmount => "vat_cents",
            Field::GrossAmount => "gross_cents",
            Field::FederalShare => "federal_cents",
            Field::LandShare => "land_cents",
            Field::OwnShare => "own_cents",
            Field::ThirdPartyShare => "third_party_cents",
            Field::Description => "description",
            Field::InventoryNumbers => "inventory_numbers",
        }
    }

    /// The German label shown next to a column.
    pub fn label(self) -> &'static str {
        match self {
            Field::InventoryNumber => "Inventarnummer",
            Field::SerialNumber => "Seriennummer",
            Field::Manufacturer => "Hersteller",
            Field::Model => "Modell",
            Field::PurchaseDate => "Anschaffungsdatum",
            Field::Price => "Preis",
            Field::WarrantyEnd => "Garantie bis",
            Field::Status => "Status",
            Field::Type => "Typ",
            Field::Os => "Betriebssystem",
            Field::Notes => "Bemerkung",
            Field::SchoolNumber => "Schulnummer",
            Field::SchoolName => "Schulname",
            Field::SchoolName2 => "Schulname (Zusatz)",
            Field::SchoolType => "Schulform",
            Field::AuthorityNumber => "Schulträgernummer",
            Field::Street => "Straße",
            Field::Postcode => "PLZ",
            Field::City => "Ort",
            Field::Pupils => "Schülerzahl",
            Field::Teachers => "Lehrkräfte",
            Field::SocialIndex => "Sozialindex",
            Field::Building => "Gebäude",
            Field::BuildingCode => "Gebäudekürzel",
            Field::Room => "Raum",
            Field::RoomName => "Raumbezeichnung",
            Field::Floor => "Stockwerk",
            Field::RoomKind => "Raumart",
            Field::WlanCoverage => "WLAN-Abdeckung",
            Field::UserGroup => "Nutzergruppe",
            Field::SizeInches => "Diagonale (Zoll)",
            Field::MacAddress => "MAC-Adresse",
            Field::WifiStandard => "WLAN-Standard",
            Field::Bands => "Frequenzbänder",
            Field::Poe => "PoE",
            Field::Controller => "Controller",
            Field::Ssids => "SSIDs",
            Field::InstalledOn => "Installiert am",
            Field::LinkType => "Verbindungsart",
            Field::Provider => "Anbieter",
            Field::Technology => "Technologie",
            Field::DownMbps => "Bandbreite down (Mbit/s)",
            Field::UpMbps => "Bandbreite up (Mbit/s)",
            Field::CommissionedOn => "In Betrieb seit",
            Field::ContractEnd => "Vertragsende",
            Field::MonthlyCost => "Monatliche Kosten",
            Field::FibreType => "Fasertyp",
            Field::FibreCount => "Faseranzahl",
            Field::LengthM => "Länge (m)",
            Field::FromBuilding => "Von Gebäude",
            Field::ToBuilding => "Nach Gebäude",
            Field::Programme => "Förderprogramm",
            Field::HolderName => "Entleiher",
            Field::LoanedOn => "Ausgegeben am",
            Field::DueOn => "Rückgabe bis",
            Field::InvoiceNumber => "Rechnungsnummer",
            Field::Supplier => "Lieferant",
            Field::InvoiceDate => "Rechnungsdatum",
            Field::PaidOn => "Bezahlt am",
            Field::NetAmount => "Netto",
            Field::VatAmount => "Umsatzsteuer",
            Field::GrossAmount => "Brutto",
            Field::FederalShare => "Bundesanteil",
            Field::LandShare => "Landesanteil",
            Field::OwnShare => "Eigenanteil",
            Field::ThirdPartyShare => "Drittmittel",
            Field::Description => "Beschreibung",
            Field::InventoryNumbers => "Inventarnummern",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// Header texts (folded, letters and digits only) that name a field.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::InventoryNumber,
        &[
            "inventarnr",
            "inventarnummer",
            "invnr",
            "inventar",
            "assettag",
            "inventorynumber",
            "inventoryno",
            "anlagennummer",
            "anlagennr",
        ],
    ),
    (Field::SerialNumber, &["seriennummer", "seriennr", "snr", "sn", "serialnumber", "serial", "serialno"]),
    (Field::Manufacturer, &["hersteller", "marke", "manufacturer", "vendor", "brand"]),
    (Field::Model, &["modell", "typbezeichnung", "model", "produkt", "bezeichnung"]),
    (
        Field::PurchaseDate,
        &[
            "anschaffungsdatum",
            "kaufdatum",
            "beschaffungsdatum",
            "lieferdatum",
            "purchasedate",
            "angeschafftam",
            "gekauftam",
        ],
    ),
    (
        Field::Price,
        &[
            "preis",
            "preisbrutto",
            "bruttopreis",
            "anschaffungskosten",
            "kosten",
            "betrag",
            "price",
            "pricegross",
            "anschaffungspreis",
        ],
    ),
    (Field::WarrantyEnd, &["garantiebis", "garantieende", "gewahrleistungbis", "warrantyend", "warranty", "garantie"]),
    (Field::Status, &["status", "zustand", "state"]),
    (
        Field::Type,
        &["geratetyp", "geraeteart", "geratart", "typ", "art", "kategorie", "type", "devicetype", "category"],
    ),
    (Field::Os, &["betriebssystem", "os", "operatingsystem"]),
    (
        Field::Notes,
        &["bemerkung", "bemerkungen", "notiz", "notizen", "kommentar", "anmerkung", "notes", "comment", "remarks"],
    ),
    (
        Field::SchoolNumber,
        &["schulnummer", "schulnr", "dienststellennummer", "dienststellenschlussel", "bsn", "schoolnumber", "schoolid"],
    ),
    (Field::SchoolName, &["schule", "schulname", "schulbezeichnung", "schulbezeichnung1", "school", "schoolname"]),
    (Field::Building, &["gebaude", "gebaeude", "haus", "standortgebaude", "building"]),
    (Field::Room, &["raum", "raumnr", "raumnummer", "zimmer", "room", "roomnumber", "standort"]),
    (Field::MacAddress, &["macadresse", "mac", "macaddress"]),
    (Field::WifiStandard, &["wlanstandard", "wifistandard", "standard", "wlan"]),
    (Field::Poe, &["poe"]),
    (Field::InstalledOn, &["installiertam", "installationsdatum", "montiertam", "installedon", "installed"]),
    (Field::Programme, &["forderprogramm", "programm", "finanzierung", "fordermittel", "programme", "funding"]),
    (Field::HolderName, &["ausgeliehenan", "entleiher", "entleiherin", "nutzer", "holder", "borrower"]),
    (Field::SchoolName2, &["schulbezeichnung2", "schulbezeichnung3", "namenszusatz"]),
    (Field::SchoolType, &["schulform", "schulart", "schultyp", "schooltype"]),
    (Field::AuthorityNumber, &["tragernummer", "traegernummer", "schultragernummer", "authoritynumber"]),
    (Field::Street, &["strasse", "strase", "str", "anschrift", "adresse", "street", "address"]),
    (Field::Postcode, &["plz", "postleitzahl", "postcode", "zip", "zipcode"]),
    (Field::City, &["ort", "stadt", "gemeinde", "city", "town"]),
    (Field::Pupils, &["schuler", "schueler", "schulerzahl", "schuelerzahl", "anzahlschuler", "pupils", "students"]),
    (Field::Teachers, &["lehrkrafte", "lehrkraefte", "lehrer", "anzahllehrkrafte", "teachers"]),
    (Field::SocialIndex, &["sozialindex", "schulsozialindex", "socialindex"]),
    (Field::BuildingCode, &["gebaudekurzel", "gebaudenr", "gebaudenummer", "buildingcode"]),
    (Field::RoomName, &["raumbezeichnung", "raumname", "roomname"]),
    (Field::Floor, &["stockwerk", "etage", "geschoss", "floor", "storey"]),
    (Field::RoomKind, &["raumart", "raumtyp", "nutzungsart", "roomkind", "roomtype"]),
    (Field::WlanCoverage, &["wlanabdeckung", "abdeckung", "wlanausleuchtung", "coverage", "wlancoverage"]),
    (Field::UserGroup, &["nutzergruppe", "zielgruppe", "fur", "usergroup"]),
    (Field::SizeInches, &["diagonale", "zoll", "bildschirmdiagonale", "grosse", "sizeinches", "size"]),
    (Field::Bands, &["frequenzbander", "bander", "band", "bands"]),
    (Field::Controller, &["controller", "wlancontroller"]),
    (Field::Ssids, &["ssid", "ssids", "netzwerke"]),
    (Field::LinkType, &["verbindungsart", "anschlussart", "linktype"]),
    (Field::Provider, &["anbieter", "provider", "carrier", "netzbetreiber"]),
    (Field::Technology, &["technologie", "technik", "anschlusstechnik", "technology"]),
    (Field::DownMbps, &["bandbreitedown", "downstream", "down", "downmbps", "bandbreitedownmbits", "bandbreite"]),
    (Field::UpMbps, &["bandbreiteup", "upstream", "up", "upmbps", "bandbreiteupmbits"]),
    (Field::CommissionedOn, &["inbetriebseit", "inbetriebnahme", "commissionedon", "liveseit"]),
    (Field::ContractEnd, &["vertragsende", "vertraglaufzeitbis", "laufzeitbis", "contractend"]),
    (Field::MonthlyCost, &["monatlichekosten", "kostenmonat", "monatlichegebuhr", "monthlycost"]),
    (Field::FibreType, &["fasertyp", "glasfasertyp", "fibretype", "fibertype"]),
    (Field::FibreCount, &["faseranzahl", "fasern", "anzahlfasern", "fibrecount", "fibercount"]),
    (Field::LengthM, &["lange", "langem", "laenge", "laengem", "length", "lengthm"]),
    (Field::FromBuilding, &["vongebaude", "von", "frombuilding", "from"]),
    (Field::ToBuilding, &["nachgebaude", "nach", "zugebaude", "tobuilding", "to"]),
    (Field::LoanedOn, &["ausgegebenam", "ausgabedatum", "verliehenam", "loanedon"]),
    (Field::DueOn, &["ruckgabebis", "ruckgabedatum", "fallig", "dueon", "due"]),
    (
        Field::InvoiceNumber,
        &["rechnungsnr", "rechnungsnummer", "renr", "belegnr", "belegnummer", "invoicenumber", "invoiceno"],
    ),
    (Field::Supplier, &["lieferant", "firma", "auftragnehmer", "rechnungssteller", "supplier"]),
    (Field::InvoiceDate, &["rechnungsdatum", "belegdatum", "invoicedate"]),
    (Field::PaidOn, &["bezahltam", "zahlungsdatum", "gezahltam", "zahlung", "paidon"]),
    (Field::NetAmount, &["netto", "nettobetrag", "betragnetto", "net", "netamount"]),
    (Field::VatAmount, &["ust", "ust19", "mwst", "mwst19", "umsatzsteuer", "mehrwertsteuer", "vat"]),
    (Field::GrossAmount, &["brutto", "bruttobetrag", "betragbrutto", "rechnungsbetrag", "gross", "grossamount"]),
    (Field::FederalShare, &["bundesanteil", "bundesmittel", "federalshare"]),
    (Field::LandShare, &["landesanteil", "landesmittel", "landshare"]),
    (Field::OwnShare, &["eigenanteil", "schultrageranteil", "kommunalanteil", "ownshare"]),
    (Field::ThirdPartyShare, &["drittmittel", "drittmittelanteil", "thirdparty"]),
    (Field::Description, &["beschreibung", "leistung", "positionstext", "artikel", "description"]),
    (Field::InventoryNumbers, &["inventarnummern", "inventarnrn", "gerate", "geraete", "inventoryitems", "items"]),
];

/// The folded letters and digits of a header cell: "Inventar-Nr." → "inventarnr".
pub fn header_key(text: &str) -> String {
    fold(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The field a header names, if any.
pub fn field_for_header(text: &str) -> Option<Field> {
    let key = header_key(text);
    if key.is_empty() {
        return None;
    }
    SYNONYMS.iter().find(|(_, names)| names.contains(&key.as_str())).map(|(f, _)| *f)
}

/// The header row among the first rows of a sheet: the first row in which at least two cells
/// name known fields, and more than in any later of the first 30 rows. Title rows above it
/// ("Stadt Beispielstadt – Geräteliste", "Stand: 01.09.2024") name none. Returns the index
/// into `rows`.
pub fn find_header(rows: &[Vec<String>]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().take(30).enumerate() {
        let known = row.iter().filter(|c| field_for_header(c).is_some()).count();
        if known >= 2 && best.is_none_or(|(_, n)| known > n) {
            best = Some((i, known));
        }
    }
    best.map(|(i, _)| i)
}

/// Which column holds which field; the first column naming a field wins, later ones are listed
/// as duplicates among the unknown columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// Per column: the field it fills, if any.
    pub columns: Vec<Option<Field>>,
    /// Columns that fill no field: (column index, header text).
    pub unmapped: Vec<(usize, String)>,
}

impl ColumnMapping {
    pub fn from_header(header: &[String]) -> ColumnMapping {
        let mut columns = Vec::with_capacity(header.len());
        let mut unmapped = Vec::new();
        for (i, h) in header.iter().enumerate() {
            let field = field_for_header(h).filter(|f| !columns.contains(&Some(*f)));
            if field.is_none() && !h.trim().is_empty() {
                unmapped.push((i, h.trim().to_owned()));
            }
            columns.push(field);
        }
        ColumnMapping { columns, unmapped }
    }

    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|f| *f == Some(field))
    }
}

/// What a type word in a mixed inventory list names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Device(DeviceCategory),
    Presentation(PresentationKind),
    AccessPoint,
}

/// Reads a type word ("Laptop", "Beamer", "interaktives Display", "Access Point").
pub fn item_kind(word: &str) -> Option<ItemKind> {
    let key = header_key(word);
    Some(match key.as_str() {
        "laptop" | "notebook" | "schulerlaptop" | "lehrerlaptop" | "convertible" | "chromebook" => {
            ItemKind::Device(DeviceCategory::Laptop)
        }
        "tablet" | "ipad" | "tabletpc" => ItemKind::Device(DeviceCategory::Tablet),
        "desktop" | "pc" | "desktoppc" | "rechner" | "computer" | "allinone" => {
            ItemKind::Device(DeviceCategory::Desktop)
        }
        "thinclient" => ItemKind::Device(DeviceCategory::ThinClient),
        "beamer" | "projektor" | "projector" | "kurzdistanzbeamer" => {
            ItemKind::Presentation(PresentationKind::Projector)
        }
        "interaktivesdisplay"
        | "interactivedisplay"
        | "displayinteraktiv"
        | "touchdisplay"
        | "digitaletafel"
        | "smartboard"
        | "interaktivestafelsystem"
        | "interaktivetafel" => ItemKind::Presentation(PresentationKind::InteractiveDisplay),
        "interaktiveswhiteboard" | "whiteboard" | "interactivewhiteboard" => {
            ItemKind::Presentation(PresentationKind::InteractiveWhiteboard)
        }
        "dokumentenkamera" | "documentcamera" | "visualizer" | "visualiser" => {
            ItemKind::Presentation(PresentationKind::DocumentCamera)
        }
        "lautsprecher" | "audio" | "audioanlage" => ItemKind::Presentation(PresentationKind::Audio),
        "streamingbox" | "appletv" | "streamingstick" => ItemKind::Presentation(PresentationKind::StreamingBox),
        "accesspoint" | "ap" | "wlanaccesspoint" | "wlanap" | "wlan" => ItemKind::AccessPoint,
        _ => return None,
    })
}

/// Reads a status word in German or English ("im Einsatz", "Lager", "Reparatur", "retired").
pub fn asset_status(word: &str) -> Option<AssetStatus> {
    let key = header_key(word);
    Some(match key.as_str() {
        "bestellt" | "ordered" | "inbestellung" => AssetStatus::Ordered,
        "lager" | "auflager" | "inventory" | "instock" | "vorrat" | "neu" => AssetStatus::InStock,
        "imeinsatz" | "einsatz" | "inbetrieb" | "aktiv" | "inuse" | "active" | "ok" => AssetStatus::InUse,
        "verliehen" | "ausgeliehen" | "leihe" | "onloan" | "loaned" => AssetStatus::OnLoan,
        "reparatur" | "inreparatur" | "defekt" | "inrepair" | "repair" | "broken" => AssetStatus::InRepair,
        "ausgemustert" | "ausgesondert" | "entsorgt" | "verschrottet" | "retired" | "disposed" => AssetStatus::Retired,
        _ => return None,
    })
}

/// Reads a vocabulary word: the value's code or German label (folded), or one of `extra`.
fn vocab<T: Copy>(
    word: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    extra: &[(&str, T)],
) -> Option<T> {
    let key = header_key(word);
    if key.is_empty() {
        return None;
    }
    all.iter()
        .copied()
        .find(|v| header_key(code(*v)) == key || header_key(label(*v)) == key)
        .or_else(|| extra.iter().find(|(w, _)| *w == key).map(|(_, v)| *v))
}

/// A school form: an NRW Schulform code ("02", "15", "30") or a word ("Gymnasium"). Returns the
/// label to keep and the common type.
pub fn school_type(word: &str) -> Option<(String, SchoolType)> {
    let t = word.trim();
    let by_code = match t.trim_start_matches('0') {
        "2" => Some(("Grundschule", SchoolType::Primary)),
        "4" => Some(("Hauptschule", SchoolType::LowerSecondary)),
        "8" => Some(("Förderschule", SchoolType::SpecialNeeds)),
        "10" => Some(("Realschule", SchoolType::Intermediate)),
        "14" => Some(("Sekundarschule", SchoolType::Intermediate)),
        "15" => Some(("Gesamtschule", SchoolType::Comprehensive)),
        "16" => Some(("Gemeinschaftsschule", SchoolType::Comprehensive)),
        "17" => Some(("PRIMUS-Schule", SchoolType::Comprehensive)),
        "20" => Some(("Gymnasium", SchoolType::Grammar)),
        "30" => Some(("Berufskolleg", SchoolType::Vocational)),
        _ => None,
    };
    if let Some((label, ty)) = by_code.filter(|_| t.bytes().all(|b| b.is_ascii_digit())) {
        return Some((label.to_owned(), ty));
    }
    let key = header_key(t);
    let ty = match key.as_str() {
        "grundschule" | "primarschule" | "primary" | "primaryschool" => SchoolType::Primary,
        "hauptschule" | "mittelschule" | "werkrealschule" => SchoolType::LowerSecondary,
        "realschule" | "sekundarschule" | "oberschule" | "regionaleschule" | "regelschule" | "realschuleplus" => {
            SchoolType::Intermediate
        }
        "gesamtschule" | "gemeinschaftsschule" | "stadtteilschule" | "integriertesekundarschule" => {
            SchoolType::Comprehensive
        }
        "gymnasium" | "grammar" | "grammarschool" => SchoolType::Grammar,
        "forderschule" | "forderzentrum" | "sonderschule" | "sbbz" => SchoolType::SpecialNeeds,
        "berufskolleg"
        | "berufsschule"
        | "berufsbildendeschule"
        | "berufsfachschule"
        | "beruflicheschule"
        | "berufsbildendeschulen"
        | "bbs"
        | "vocational" => SchoolType::Vocational,
        _ => {
            return SchoolType::ALL
                .iter()
                .copied()
                .find(|s| header_key(s.code()) == key)
                .map(|s| (s.label().to_owned(), s))
        }
    };
    Some((t.to_owned(), ty))
}

pub fn room_kind(word: &str) -> Option<RoomKind> {
    use RoomKind::*;
    vocab(
        word,
        RoomKind::ALL,
        RoomKind::code,
        RoomKind::label,
        &[
            ("klassenraum", Classroom),
            ("klassenzimmer", Classroom),
            ("unterricht", Classroom),
            ("kursraum", Classroom),
            ("fachraum", SpecialistRoom),
            ("labor", SpecialistRoom),
            ("computerraum", SpecialistRoom),
            ("lehrerzimmer", StaffRoom),
            ("verwaltung", Administration),
            ("sekretariat", Administration),
            ("buro", Administration),
            ("serverraum", ServerRoom),
            ("technikraum", ServerRoom),
            ("aula", Hall),
            ("halle", Hall),
            ("turnhalle", Hall),
            ("sporthalle", Hall),
            ("mensa", Hall),
            ("sonstiges", Other),
        ],
    )
}

pub fn wlan_coverage(word: &str) -> Option<WlanCoverage> {
    use WlanCoverage::*;
    vocab(
        word,
        WlanCoverage::ALL,
        WlanCoverage::code,
        WlanCoverage::label,
        &[
            ("nein", None),
            ("no", None),
            ("ohne", None),
            ("teilweise", Partial),
            ("teils", Partial),
            ("schwach", Partial),
            ("ja", Full),
            ("yes", Full),
            ("voll", Full),
            ("vollstandig", Full),
            ("gut", Full),
        ],
    )
}

pub fn user_group(word: &str) -> Option<UserGroup> {
    use UserGroup::*;
    vocab(
        word,
        UserGroup::ALL,
        UserGroup::code,
        UserGroup::label,
        &[
            ("schuler", Pupils),
            ("schulerinnen", Pupils),
            ("schuelerinnenundschueler", Pupils),
            ("students", Pupils),
            ("lehrkrafte", Teachers),
            ("lehrkraft", Teachers),
            ("lehrer", Teachers),
            ("lehrerinnen", Teachers),
            ("verwaltung", Administration),
            ("admin", Administration),
        ],
    )
}

pub fn wifi_standard(word: &str) -> Option<WifiStandard> {
    use WifiStandard::*;
    vocab(
        word,
        WifiStandard::ALL,
        WifiStandard::code,
        WifiStandard::label,
        &[
            ("80211n", Wifi4),
            ("wifi4", Wifi4),
            ("80211ac", Wifi5),
            ("wifi5", Wifi5),
            ("80211ax", Wifi6),
            ("wifi6", Wifi6),
            ("wifi6e", Wifi6e),
            ("80211be", Wifi7),
            ("wifi7", Wifi7),
        ],
    )
}

/// Frequency bands written as "2,4 + 5 GHz", "2.4/5/6", "dualband".
pub fn wifi_bands(text: &str) -> Option<Vec<WifiBand>> {
    let key = header_key(text);
    if key == "dualband" {
        return Some(vec![WifiBand::Ghz2_4, WifiBand::Ghz5]);
    }
    if key == "triband" {
        return Some(vec![WifiBand::Ghz2_4, WifiBand::Ghz5, WifiBand::Ghz6]);
    }
    let mut out = Vec::new();
    for part in text.split(['/', '+', ';', '|', '&']).flat_map(|p| p.split(" und ")) {
        let p = part.to_lowercase().replace("ghz", "").replace(',', ".").trim().to_owned();
        let band = match p.as_str() {
            "" => continue,
            "2.4" | "2" => WifiBand::Ghz2_4,
            "5" => WifiBand::Ghz5,
            "6" => WifiBand::Ghz6,
            _ => return None,
        };
        if !out.contains(&band) {
            out.push(band);
        }
    }
    (!out.is_empty()).then_some(out)
}

pub fn link_type(word: &str) -> Option<FibreLinkType> {
    use FibreLinkType::*;
    vocab(
        word,
        FibreLinkType::ALL,
        FibreLinkType::code,
        FibreLinkType::label,
        &[
            ("uplink", Uplink),
            ("internet", Uplink),
            ("anschluss", Uplink),
            ("breitband", Uplink),
            ("gebaudeverbindung", InterBuilding),
            ("zwischengebauden", InterBuilding),
            ("campus", InterBuilding),
        ],
    )
}

pub fn uplink_technology(word: &str) -> Option<UplinkTechnology> {
    use UplinkTechnology::*;
    vocab(
        word,
        UplinkTechnology::ALL,
        UplinkTechnology::code,
        UplinkTechnology::label,
        &[
            ("glasfaser", Ftth),
            ("kabel", Cable),
            ("docsis", Cable),
            ("kabelinternet", Cable),
            ("dsl", Vdsl),
            ("funk", Radio),
            ("richtfunk", Radio),
            ("lte", Radio),
            ("5g", Radio),
            ("sonstige", Other),
        ],
    )
}

pub fn link_status(word: &str) -> Option<LinkStatus> {
    use LinkStatus::*;
    vocab(
        word,
        LinkStatus::ALL,
        LinkStatus::code,
        LinkStatus::label,
        &[
            ("geplant", Planned),
            ("beauftragt", Ordered),
            ("bestellt", Ordered),
            ("imbau", UnderConstruction),
            ("bau", UnderConstruction),
            ("inbetrieb", Live),
            ("aktiv", Live),
            ("live", Live),
            ("gekundigt", Terminated),
            ("abgeschaltet", Terminated),
        ],
    )
}

pub fn funding_category(word: &str) -> Option<FundingCategory> {
    use FundingCategory::*;
    vocab(
        word,
        FundingCategory::ALL,
        FundingCategory::code,
        FundingCategory::label,
        &[
            ("vernetzung", Networking),
            ("verkabelung", Networking),
            ("vernetzungverkabelung", Networking),
            ("netzwerk", Networking),
            ("lan", Networking),
            ("wlan", Wlan),
            ("wifi", Wlan),
            ("lernplattform", LearningPlatforms),
            ("lernplattformen", LearningPlatforms),
            ("lehrlerninfrastruktur", LearningPlatforms),
            ("server", LearningPlatforms),
            ("anzeigeundinteraktionsgerate", DisplayDevices),
            ("anzeigegerate", DisplayDevices),
            ("displays", DisplayDevices),
            ("digitalearbeitsgerate", WorkEquipment),
            ("arbeitsgerate", WorkEquipment),
            ("mobileendgerate", MobileDevices),
            ("endgerate", MobileDevices),
            ("mobilegerate", MobileDevices),
            ("administration", Administration),
            ("itadministration", Administration),
        ],
    )
}

pub fn fibre_type(word: &str) -> Option<FibreType> {
    use FibreType::*;
    vocab(
        word,
        FibreType::ALL,
        FibreType::code,
        FibreType::label,
        &[("singlemode", Os2), ("os2", Os2), ("om3", Om3), ("om4", Om4), ("multimode", Other), ("sonstige", Other)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn synonyms_of_the_inventory_number() {
        for h in ["Inventar-Nr.", "Inventarnummer", "Inv.Nr", "Asset Tag", "INVENTAR NR"] {
            assert_eq!(field_for_header(h), Some(Field::InventoryNumber), "{h}");
        }
        assert_eq!(field_for_header("Gerätetyp"), Some(Field::Type));
        assert_eq!(field_for_header("Preis (brutto)"), Some(Field::Price));
        assert_eq!(field_for_header("MAC-Adresse"), Some(Field::MacAddress));
        assert_eq!(field_for_header("Lieblingsfarbe"), None);
    }

    #[test]
    fn the_header_is_found_below_title_rows() {
        let rows = vec![
            row(&["Stadt Beispielstadt – Geräteliste Schulen"]),
            row(&["Stand: 01.09.2024"]),
            row(&[]),
            row(&["Inventar-Nr.", "Seriennummer", "Schulnummer", "Schule", "Raum", "Gerätetyp", "Lieblingsfarbe"]),
            row(&["INV-00001", "PC6C7E77185", "20374", "Realschule Sterkrade", "B.2.04", "Beamer", "blau"]),
        ];
        assert_eq!(find_header(&rows), Some(3));
        let m = ColumnMapping::from_header(&rows[3]);
        assert_eq!(m.column_of(Field::Type), Some(5));
        assert_eq!(m.column_of(Field::SchoolNumber), Some(2));
        assert_eq!(m.unmapped, vec![(6, "Lieblingsfarbe".to_owned())], "unknown columns are listed");
        assert_eq!(find_header(&rows[..2]), None);
    }

    #[test]
    fn a_second_column_for_the_same_field_is_listed_not_used() {
        let m = ColumnMapping::from_header(&row(&["Inventarnummer", "Asset Tag"]));
        assert_eq!(m.columns, vec![Some(Field::InventoryNumber), None]);
        assert_eq!(m.unmapped, vec![(1, "Asset Tag".to_owned())]);
    }

    #[test]
    fn type_and_status_words() {
        assert_eq!(item_kind("Beamer"), Some(ItemKind::Presentation(PresentationKind::Projector)));
        assert_eq!(
            item_kind("interaktives Display"),
            Some(ItemKind::Presentation(PresentationKind::InteractiveDisplay))
        );
        assert_eq!(item_kind("Dokumentenkamera"), Some(ItemKind::Presentation(PresentationKind::DocumentCamera)));
        assert_eq!(item_kind("Access Point"), Some(ItemKind::AccessPoint));
        assert_eq!(item_kind("iPad"), Some(ItemKind::Device(DeviceCategory::Tablet)));
        assert_eq!(item_kind("Notebook"), Some(ItemKind::Device(DeviceCategory::Laptop)));
        assert_eq!(item_kind("Toaster"), None);
        assert_eq!(asset_status("im Einsatz"), Some(AssetStatus::InUse));
        assert_eq!(asset_status("Lager"), Some(AssetStatus::InStock));
        assert_eq!(asset_status("Reparatur"), Some(AssetStatus::InRepair));
        assert_eq!(asset_status("ausgemustert"), Some(AssetStatus::Retired));
        assert_eq!(asset_status("weg"), None);
    }

    #[test]
    fn vocabulary_words() {
        assert_eq!(school_type("15"), Some(("Gesamtschule".into(), SchoolType::Comprehensive)));
        assert_eq!(school_type("02"), Some(("Grundschule".into(), SchoolType::Primary)));
        assert_eq!(school_type("Berufskolleg"), Some(("Berufskolleg".into(), SchoolType::Vocational)));
        assert_eq!(school_type("99"), None);
        assert_eq!(wifi_standard("Wi-Fi 6"), Some(WifiStandard::Wifi6));
        assert_eq!(wifi_standard("802.11ax"), Some(WifiStandard::Wifi6));
        assert_eq!(wifi_standard("Wi-Fi 9"), None);
        assert_eq!(wifi_bands("2,4 + 5 GHz"), Some(vec![WifiBand::Ghz2_4, WifiBand::Ghz5]));
        assert_eq!(wifi_bands("7 GHz"), None);
        assert_eq!(room_kind("Fachraum"), Some(RoomKind::SpecialistRoom));
        assert_eq!(wlan_coverage("teilweise"), Some(WlanCoverage::Partial));
        assert_eq!(user_group("Lehrkräfte"), Some(UserGroup::Teachers));
        assert_eq!(link_status("in Betrieb"), Some(LinkStatus::Live));
        assert_eq!(uplink_technology("FTTB"), Some(UplinkTechnology::Fttb));
        assert_eq!(fibre_type("OM4 (Multimode)"), Some(FibreType::Om4));
        assert_eq!(link_type("Internetanschluss"), Some(FibreLinkType::Uplink));
    }
}
