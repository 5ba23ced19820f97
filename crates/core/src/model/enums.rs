//! Closed vocabularies of the domain. Each value has a stable English code (stored and synced)
//! and a German label (shown to users).

use serde::{Deserialize, Serialize};

/// A value of a closed vocabulary: its stable code, its German label and its English one.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Label {
    pub code: String,
    pub label: String,
    pub label_en: String,
}

/// The code and label of every value of a vocabulary, in declaration order (the order forms
/// offer them in).
pub trait Vocabulary: Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    fn label_en(self) -> &'static str;

    fn labels() -> Vec<Label> {
        Self::ALL
            .iter()
            .map(|v| Label { code: v.code().into(), label: v.label().into(), label_en: v.label_en().into() })
            .collect()
    }
}

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal / $label_en:literal,)+ }) => {
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

            /// The English label, for the window in English.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $label_en,)+ }
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
            fn label_en(self) -> &'static str {
                $name::label_en(self)
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
        Bw = "BW" / "Baden-Württemberg" / "Baden-Württemberg",
        By = "BY" / "Bayern" / "Bavaria",
        Be = "BE" / "Berlin" / "Berlin",
        Bb = "BB" / "Brandenburg" / "Brandenburg",
        Hb = "HB" / "Bremen" / "Bremen",
        Hh = "HH" / "Hamburg" / "Hamburg",
        He = "HE" / "Hessen" / "Hesse",
        Mv = "MV" / "Mecklenburg-Vorpommern" / "Mecklenburg-Western Pomerania",
        Ni = "NI" / "Niedersachsen" / "Lower Saxony",
        Nw = "NW" / "Nordrhein-Westfalen" / "North Rhine-Westphalia",
        Rp = "RP" / "Rheinland-Pfalz" / "Rhineland-Palatinate",
        Sl = "SL" / "Saarland" / "Saarland",
        Sn = "SN" / "Sachsen" / "Saxony",
        St = "ST" / "Sachsen-Anhalt" / "Saxony-Anhalt",
        Sh = "SH" / "Schleswig-Holstein" / "Schleswig-Holstein",
        Th = "TH" / "Thüringen" / "Thuringia",
    }
}

vocabulary! {
    /// The small common school type that every Land's own label maps to. It decides whether a
    /// school is general education (allgemeinbildend) or vocational (berufsbildend).
    SchoolType {
        Primary = "primary" / "Grundschule" / "Primary school",
        LowerSecondary = "lower_secondary" / "Hauptschule" / "Lower secondary school (Hauptschule)",
        Intermediate = "intermediate" / "Realschule / Sekundarschule / Oberschule" / "Intermediate secondary school (Realschule)",
        Comprehensive = "comprehensive" / "Gesamtschule" / "Comprehensive school",
        Grammar = "grammar" / "Gymnasium" / "Grammar school (Gymnasium)",
        SpecialNeeds = "special_needs" / "Förderschule" / "Special needs school",
        Vocational = "vocational" / "Berufliche Schule / Berufskolleg" / "Vocational school",
        Other = "other" / "Sonstige allgemeinbildende Schule" / "Other general school",
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
        Classroom = "classroom" / "Unterrichtsraum" / "Classroom",
        SpecialistRoom = "specialist_room" / "Fachraum" / "Specialist room",
        StaffRoom = "staff_room" / "Lehrerzimmer" / "Staff room",
        Administration = "administration" / "Verwaltung" / "Administration",
        ServerRoom = "server_room" / "Serverraum" / "Server room",
        Hall = "hall" / "Halle / Aula" / "Hall / assembly hall",
        Other = "other" / "Sonstiger Raum" / "Other room",
    }
}

vocabulary! {
    WlanCoverage {
        None = "none" / "keine" / "none",
        Partial = "partial" / "teilweise" / "partial",
        Full = "full" / "vollständig" / "full",
    }
}

vocabulary! {
    /// Lifecycle of every physical item.
    AssetStatus {
        Ordered = "ordered" / "bestellt" / "ordered",
        InStock = "in_stock" / "auf Lager" / "in stock",
        InUse = "in_use" / "im Einsatz" / "in use",
        OnLoan = "on_loan" / "verliehen" / "on loan",
        InRepair = "in_repair" / "in Reparatur" / "in repair",
        Retired = "retired" / "ausgemustert" / "retired",
    }
}

vocabulary! {
    DeviceCategory {
        Laptop = "laptop" / "Laptop" / "Laptop",
        Tablet = "tablet" / "Tablet" / "Tablet",
        Desktop = "desktop" / "Desktop-PC" / "Desktop PC",
        ThinClient = "thin_client" / "Thin Client" / "Thin client",
        Other = "other" / "Sonstiges Gerät" / "Other device",
    }
}

vocabulary! {
    UserGroup {
        Pupils = "pupils" / "Schülerinnen und Schüler" / "Pupils",
        Teachers = "teachers" / "Lehrkräfte" / "Teachers",
        Administration = "administration" / "Verwaltung" / "Administration",
    }
}

vocabulary! {
    FibreLinkType {
        Uplink = "uplink" / "Internetanschluss" / "Internet uplink",
        InterBuilding = "inter_building" / "Verbindung zwischen Gebäuden" / "Link between buildings",
    }
}

vocabulary! {
    UplinkTechnology {
        Fttb = "fttb" / "FTTB" / "FTTB",
        Ftth = "ftth" / "FTTH" / "FTTH",
        Vdsl = "vdsl" / "VDSL" / "VDSL",
        Cable = "cable" / "Kabel (DOCSIS)" / "Cable (DOCSIS)",
        Radio = "radio" / "Funk" / "Radio",
        Other = "other" / "Sonstige" / "Other",
    }
}

vocabulary! {
    LinkStatus {
        Planned = "planned" / "geplant" / "planned",
        Ordered = "ordered" / "beauftragt" / "ordered",
        UnderConstruction = "under_construction" / "im Bau" / "under construction",
        Live = "live" / "in Betrieb" / "live",
        Terminated = "terminated" / "gekündigt" / "terminated",
    }
}

vocabulary! {
    FibreType {
        Os2 = "os2" / "OS2 (Singlemode)" / "OS2 (single-mode)",
        Om3 = "om3" / "OM3 (Multimode)" / "OM3 (multi-mode)",
        Om4 = "om4" / "OM4 (Multimode)" / "OM4 (multi-mode)",
        Other = "other" / "Sonstige" / "Other",
    }
}

vocabulary! {
    WifiStandard {
        Wifi4 = "wifi4" / "Wi-Fi 4 (802.11n)" / "Wi-Fi 4 (802.11n)",
        Wifi5 = "wifi5" / "Wi-Fi 5 (802.11ac)" / "Wi-Fi 5 (802.11ac)",
        Wifi6 = "wifi6" / "Wi-Fi 6 (802.11ax)" / "Wi-Fi 6 (802.11ax)",
        Wifi6e = "wifi6e" / "Wi-Fi 6E" / "Wi-Fi 6E",
        Wifi7 = "wifi7" / "Wi-Fi 7 (802.11be)" / "Wi-Fi 7 (802.11be)",
        Other = "other" / "Sonstiger Standard" / "Other standard",
    }
}

vocabulary! {
    WifiBand {
        Ghz2_4 = "2.4ghz" / "2,4 GHz" / "2.4 GHz",
        Ghz5 = "5ghz" / "5 GHz" / "5 GHz",
        Ghz6 = "6ghz" / "6 GHz" / "6 GHz",
    }
}

vocabulary! {
    PresentationKind {
        InteractiveDisplay = "interactive_display" / "Interaktives Display" / "Interactive display",
        InteractiveWhiteboard = "interactive_whiteboard" / "Interaktives Whiteboard" / "Interactive whiteboard",
        Projector = "projector" / "Beamer" / "Projector",
        DocumentCamera = "document_camera" / "Dokumentenkamera" / "Document camera",
        Audio = "audio" / "Audiotechnik" / "Audio equipment",
        StreamingBox = "streaming_box" / "Streaming-Box" / "Streaming box",
        Other = "other" / "Sonstige Präsentationstechnik" / "Other presentation hardware",
    }
}

vocabulary! {
    /// What a DigitalPakt euro may be spent on (the Länder's guidelines name these areas).
    FundingCategory {
        Networking = "networking" / "Vernetzung / Verkabelung" / "Networking / cabling",
        Wlan = "wlan" / "WLAN" / "WLAN",
        LearningPlatforms = "learning_platforms" / "Lernplattformen / Lehr-Lern-Infrastruktur" / "Learning platforms / teaching infrastructure",
        DisplayDevices = "display_devices" / "Anzeige- und Interaktionsgeräte" / "Display and interaction devices",
        WorkEquipment = "work_equipment" / "Digitale Arbeitsgeräte" / "Digital work equipment",
        MobileDevices = "mobile_devices" / "Mobile Endgeräte" / "Mobile devices",
        Administration = "administration" / "Administration" / "Administration",
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
        Planned = "planned" / "geplant" / "planned",
        Applied = "applied" / "beantragt" / "applied for",
        Approved = "approved" / "bewilligt" / "approved",
        Amended = "amended" / "geändert bewilligt" / "approved with changes",
        Completed = "completed" / "abgeschlossen" / "completed",
        Withdrawn = "withdrawn" / "zurückgezogen" / "withdrawn",
    }
}

vocabulary! {
    /// The inventory kinds an invoice line can pay for.
    ItemEntity {
        Device = "device" / "Gerät" / "Device",
        AccessPoint = "access_point" / "Access Point" / "Access point",
        PresentationHardware = "presentation_hardware" / "Präsentationstechnik" / "Presentation hardware",
        FibreLink = "fibre_link" / "Leitung" / "Link",
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
        Missing = "missing" / "fehlt" / "missing",
        InProgress = "in_progress" / "in Arbeit" / "in progress",
        Present = "present" / "liegt vor" / "present",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Within one vocabulary, every value has a label in both languages, and no two values
    /// share one (a form would offer two choices that read alike).
    #[test]
    fn every_value_has_a_distinct_label_in_both_languages() {
        let v = inventory_vocabulary();
        let vocabularies = [
            ("lands", v.lands),
            ("school_types", v.school_types),
            ("room_kinds", v.room_kinds),
            ("wlan_coverages", v.wlan_coverages),
            ("asset_statuses", v.asset_statuses),
            ("device_categories", v.device_categories),
            ("user_groups", v.user_groups),
            ("presentation_kinds", v.presentation_kinds),
            ("uplink_technologies", v.uplink_technologies),
            ("link_types", v.link_types),
            ("link_statuses", v.link_statuses),
            ("fibre_types", v.fibre_types),
            ("wifi_standards", v.wifi_standards),
            ("wifi_bands", v.wifi_bands),
            ("funding_categories", FundingCategory::labels()),
            ("measure_statuses", MeasureStatus::labels()),
            ("item_kinds", ItemEntity::labels()),
            ("media_concept_statuses", MediaConceptStatus::labels()),
        ];
        for (name, labels) in vocabularies {
            assert!(!labels.is_empty(), "{name}");
            for pick in [|l: &Label| l.label.clone(), |l: &Label| l.label_en.clone()] {
                let mut texts: Vec<String> = labels.iter().map(pick).collect();
                assert!(texts.iter().all(|t| !t.trim().is_empty()), "{name}: empty label in {texts:?}");
                texts.sort();
                texts.dedup();
                assert_eq!(texts.len(), labels.len(), "{name}: two values share a label");
            }
        }
        assert_eq!(AssetStatus::InRepair.label_en(), "in repair");
        assert_eq!(WifiBand::Ghz2_4.label(), "2,4 GHz");
        assert_eq!(WifiBand::Ghz2_4.label_en(), "2.4 GHz");
    }
}
