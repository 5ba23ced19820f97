//! Closed vocabularies of the domain. Each value has a stable English code (stored and synced)
//! and a German label (shown to users).

use serde::{Deserialize, Serialize};

/// A value of a closed vocabulary: its stable code and its German label.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Label {
    pub code: String,
    pub label: String,
}

/// The code and label of every value of a vocabulary, in declaration order (the order forms
/// offer them in).
pub trait Vocabulary: Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;

    fn labels() -> Vec<Label> {
        Self::ALL.iter().map(|v| Label { code: v.code().into(), label: v.label().into() }).collect()
    }
}

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code stored in the database and sent over sync.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The German label shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl Vocabulary for $name {
            const ALL: &'static [$name] = $name::ALL;
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary! {
    /// German Land (federal state), by its two-letter code.
    Land {
        Bw = "BW" / "Baden-Württemberg",
        By = "BY" / "Bayern",
        Be = "BE" / "Berlin",
        Bb = "BB" / "Brandenburg",
        Hb = "HB" / "Bremen",
        Hh = "HH" / "Hamburg",
        He = "HE" / "Hessen",
        Mv = "MV" / "Mecklenburg-Vorpommern",
        Ni = "NI" / "Niedersachsen",
        Nw = "NW" / "Nordrhein-Westfalen",
        Rp = "RP" / "Rheinland-Pfalz",
        Sl = "SL" / "Saarland",
        Sn = "SN" / "Sachsen",
        St = "ST" / "Sachsen-Anhalt",
        Sh = "SH" / "Schleswig-Holstein",
        Th = "TH" / "Thüringen",
    }
}

vocabulary! {
    /// The small common school type that every Land's own label maps to. It decides whether a
    /// school is general education (allgemeinbildend) or vocational (berufsbildend).
    SchoolType {
        Primary = "primary" / "Grundschule",
        LowerSecondary = "lower_secondary" / "Hauptschule",
        Intermediate = "intermediate" / "Realschule / Sekundarschule / Oberschule",
        Comprehensive = "comprehensive" / "Gesamtschule",
        Grammar = "grammar" / "Gymnasium",
        SpecialNeeds = "special_needs" / "Förderschule",
        Vocational = "vocational" / "Berufliche Schule / Berufskolleg",
        Other = "other" / "Sonstige allgemeinbildende Schule",
    }
}

impl SchoolType {
    /// Vocational schools are exempt from the DigitalPakt mobile-device cap.
    pub fn is_vocational(self) -> bool {
        self == SchoolType::Vocational
    }
}

vocabulary! {
    RoomKind {
        Classroom = "classroom" / "Unterrichtsraum",
        SpecialistRoom = "specialist_room" / "Fachraum",
        StaffRoom = "staff_room" / "Lehrerzimmer",
        Administration = "administration" / "Verwaltung",
        ServerRoom = "server_room" / "Serverraum",
        Hall = "hall" / "Halle / Aula",
        Other = "other" / "Sonstiger Raum",
    }
}

vocabulary! {
    WlanCoverage {
        None = "none" / "keine",
        Partial = "partial" / "teilweise",
        Full = "full" / "vollständig",
    }
}

vocabulary! {
    /// Lifecycle of every physical item.
    AssetStatus {
        Ordered = "ordered" / "bestellt",
        InStock = "in_stock" / "auf Lager",
        InUse = "in_use" / "im Einsatz",
        OnLoan = "on_loan" / "verliehen",
        InRepair = "in_repair" / "in Reparatur",
        Retired = "retired" / "ausgemustert",
    }
}

vocabulary! {
    DeviceCategory {
        Laptop = "laptop" / "Laptop",
        Tablet = "tablet" / "Tablet",
        Desktop = "desktop" / "Desktop-PC",
        ThinClient = "thin_client" / "Thin Client",
        Other = "other" / "Sonstiges Gerät",
    }
}

vocabulary! {
    UserGroup {
        Pupils = "pupils" / "Schülerinnen und Schüler",
        Teachers = "teachers" / "Lehrkräfte",
        Administration = "administration" / "Verwaltung",
    }
}

vocabulary! {
    FibreLinkType {
        Uplink = "uplink" / "Internetanschluss",
        InterBuilding = "inter_building" / "Verbindung zwischen Gebäuden",
    }
}

vocabulary! {
    UplinkTechnology {
        Fttb = "fttb" / "FTTB",
        Ftth = "ftth" / "FTTH",
        Vdsl = "vdsl" / "VDSL",
        Cable = "cable" / "Kabel (DOCSIS)",
        Radio = "radio" / "Funk",
        Other = "other" / "Sonstige",
    }
}

vocabulary! {
    LinkStatus {
        Planned = "planned" / "geplant",
        Ordered = "ordered" / "beauftragt",
        UnderConstruction = "under_construction" / "im Bau",
        Live = "live" / "in Betrieb",
        Terminated = "terminated" / "gekündigt",
    }
}

vocabulary! {
    FibreType {
        Os2 = "os2" / "OS2 (Singlemode)",
        Om3 = "om3" / "OM3 (Multimode)",
        Om4 = "om4" / "OM4 (Multimode)",
        Other = "other" / "Sonstige",
    }
}

vocabulary! {
    WifiStandard {
        Wifi4 = "wifi4" / "Wi-Fi 4 (802.11n)",
        Wifi5 = "wifi5" / "Wi-Fi 5 (802.11ac)",
        Wifi6 = "wifi6" / "Wi-Fi 6 (802.11ax)",
        Wifi6e = "wifi6e" / "Wi-Fi 6E",
        Wifi7 = "wifi7" / "Wi-Fi 7 (802.11be)",
        Other = "other" / "Sonstiger Standard",
    }
}

vocabulary! {
    WifiBand {
        Ghz2_4 = "2.4ghz" / "2,4 GHz",
        Ghz5 = "5ghz" / "5 GHz",
        Ghz6 = "6ghz" / "6 GHz",
    }
}

vocabulary! {
    PresentationKind {
        InteractiveDisplay = "interactive_display" / "Interaktives Display",
        InteractiveWhiteboard = "interactive_whiteboard" / "Interaktives Whiteboard",
        Projector = "projector" / "Beamer",
        DocumentCamera = "document_camera" / "Dokumentenkamera",
        Audio = "audio" / "Audiotechnik",
        StreamingBox = "streaming_box" / "Streaming-Box",
        Other = "other" / "Sonstige Präsentationstechnik",
    }
}

vocabulary! {
    /// What a DigitalPakt euro may be spent on (the Länder's guidelines name these areas).
    FundingCategory {
        Networking = "networking" / "Vernetzung / Verkabelung",
        Wlan = "wlan" / "WLAN",
        LearningPlatforms = "learning_platforms" / "Lernplattformen / Lehr-Lern-Infrastruktur",
        DisplayDevices = "display_devices" / "Anzeige- und Interaktionsgeräte",
        WorkEquipment = "work_equipment" / "Digitale Arbeitsgeräte",
        MobileDevices = "mobile_devices" / "Mobile Endgeräte",
        Administration = "administration" / "Administration",
    }
}

impl FundingCategory {
    /// Categories whose spending buys inventory items, so invoice lines should link to them.
    pub fn buys_items(self) -> bool {
        matches!(
            self,
            FundingCategory::Wlan
                | FundingCategory::DisplayDevices
                | FundingCategory::WorkEquipment
                | FundingCategory::MobileDevices
        )
    }
}

vocabulary! {
    MeasureStatus {
        Planned = "planned" / "geplant",
        Applied = "applied" / "beantragt",
        Approved = "approved" / "bewilligt",
        Amended = "amended" / "geändert bewilligt",
        Completed = "completed" / "abgeschlossen",
        Withdrawn = "withdrawn" / "zurückgezogen",
    }
}

vocabulary! {
    /// The inventory kinds an invoice line can pay for.
    ItemEntity {
        Device = "device" / "Gerät",
        AccessPoint = "access_point" / "Access Point",
        PresentationHardware = "presentation_hardware" / "Präsentationstechnik",
        FibreLink = "fibre_link" / "Leitung",
    }
}

impl ItemEntity {
    /// The funding category an item of this kind is paid from unless said otherwise.
    pub fn default_category(self) -> FundingCategory {
        match self {
            ItemEntity::Device => FundingCategory::MobileDevices,
            ItemEntity::AccessPoint => FundingCategory::Wlan,
            ItemEntity::PresentationHardware => FundingCategory::DisplayDevices,
            ItemEntity::FibreLink => FundingCategory::Networking,
        }
    }

    pub fn table(self) -> &'static str {
        match self {
            ItemEntity::Device => "devices",
            ItemEntity::AccessPoint => "access_points",
            ItemEntity::PresentationHardware => "presentation_hardware",
            ItemEntity::FibreLink => "fibre_links",
        }
    }
}

vocabulary! {
    /// Whether a school has its Medienkonzept, which the DigitalPakt requires before funds flow.
    MediaConceptStatus {
        Missing = "missing" / "fehlt",
        InProgress = "in_progress" / "in Arbeit",
        Present = "present" / "liegt vor",
    }
}

/// The German labels of the codes the inventory pages show and offer.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct InventoryVocabulary {
    pub lands: Vec<Label>,
    pub school_types: Vec<Label>,
    pub room_kinds: Vec<Label>,
    pub wlan_coverages: Vec<Label>,
    pub asset_statuses: Vec<Label>,
    pub device_categories: Vec<Label>,
    pub user_groups: Vec<Label>,
    pub presentation_kinds: Vec<Label>,
    pub uplink_technologies: Vec<Label>,
    pub link_types: Vec<Label>,
    pub link_statuses: Vec<Label>,
    pub fibre_types: Vec<Label>,
    pub wifi_standards: Vec<Label>,
    pub wifi_bands: Vec<Label>,
}

pub fn inventory_vocabulary() -> InventoryVocabulary {
    InventoryVocabulary {
        lands: Land::labels(),
        school_types: SchoolType::labels(),
        room_kinds: RoomKind::labels(),
        wlan_coverages: WlanCoverage::labels(),
        asset_statuses: AssetStatus::labels(),
        device_categories: DeviceCategory::labels(),
        user_groups: UserGroup::labels(),
        presentation_kinds: PresentationKind::labels(),
        uplink_technologies: UplinkTechnology::labels(),
        link_types: FibreLinkType::labels(),
        link_statuses: LinkStatus::labels(),
        fibre_types: FibreType::labels(),
        wifi_standards: WifiStandard::labels(),
        wifi_bands: WifiBand::labels(),
    }
}
