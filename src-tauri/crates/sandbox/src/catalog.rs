//! Fixed vocabularies the generator draws from: Norwegian names, common diagnoses in
//! nursing homes and home care, allergens and medications with their codes.

pub const GIVEN_FEMALE: &[&str] = &[
    "Astrid", "Solveig", "Ingrid", "Gerd", "Bjørg", "Randi", "Liv", "Kari", "Else", "Marit", "Berit", "Turid",
    "Sigrid", "Ragnhild", "Aud", "Eva", "Anne", "Inger", "Torill", "Åse", "Gunvor", "Margit",
];
pub const GIVEN_MALE: &[&str] = &[
    "Arne", "Kjell", "Odd", "Per", "Svein", "Bjørn", "Olav", "Terje", "Knut", "Rolf", "Jan", "Harald", "Leif", "Egil",
    "Magne", "Håkon", "Einar", "Asbjørn", "Trygve", "Øystein", "Reidar", "Sverre",
];
pub const FAMILY: &[&str] = &[
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Lund",
    "Solberg",
    "Strand",
    "Moen",
    "Bakken",
    "Rønning",
    "Sæther",
    "Aas",
    "Lie",
    "Tangen",
    "Myhre",
    "Nygård",
    "Brekke",
    "Øvrebø",
    "Fjeld",
    "Hovland",
];
pub const STREETS: &[&str] = &[
    "Kirkegata",
    "Storgata",
    "Skolevegen",
    "Bjørkevegen",
    "Fjordgata",
    "Løkkeveien",
    "Granåsen",
    "Sjøbakken",
    "Møllevegen",
    "Elvegata",
    "Parkveien",
    "Furubakken",
];

/// (ICD-10 code, display)
pub const CONDITIONS: &[(&str, &str)] = &[
    ("F03", "Demens, uspesifisert"),
    ("I50.9", "Hjertesvikt, uspesifisert"),
    ("E11.9", "Diabetes mellitus type 2 uten komplikasjoner"),
    ("J44.9", "Kronisk obstruktiv lungesykdom (KOLS)"),
    ("I48.9", "Atrieflimmer og atrieflutter, uspesifisert"),
    ("M81.9", "Osteoporose, uspesifisert"),
    ("I10", "Essensiell hypertensjon"),
    ("G20", "Parkinsons sykdom"),
    ("I63.9", "Hjerneinfarkt, uspesifisert"),
    ("N18.3", "Kronisk nyresykdom, stadium 3"),
    ("F32.9", "Depressiv episode, uspesifisert"),
    ("L89.1", "Trykksår, kategori 2"),
];

/// (SNOMED CT code, display, reaction, criticality)
pub const ALLERGENS: &[(&str, &str, &str, &str)] = &[
    ("373270004", "Penicillin", "Urtikaria", "high"),
    ("387406002", "Sulfonamider", "Utslett", "low"),
    ("111088007", "Lateks", "Kontakteksem", "low"),
    ("387458008", "Acetylsalisylsyre", "Bronkospasme", "high"),
    ("293640001", "Jodholdig kontrastmiddel", "Anafylaksi", "high"),
    ("91935009", "Peanøtter", "Anafylaksi", "high"),
    ("387207008", "Ibuprofen", "Magesmerter", "low"),
    ("372687004", "Amoksicillin", "Utslett", "high"),
];

/// (ATC code, display, dosage)
pub const MEDICATIONS: &[(&str, &str, &str)] = &[
    ("N02BE01", "Paracetamol 500 mg tablett", "2 tabletter morgen og kveld"),
    ("C03CA01", "Furosemid 40 mg tablett", "1 tablett morgen"),
    ("B01AF02", "Apiksaban 5 mg tablett", "1 tablett morgen og kveld"),
    ("A10BA02", "Metformin 500 mg tablett", "1 tablett til frokost og middag"),
    ("C07AB02", "Metoprolol 50 mg depottablett", "1 tablett morgen"),
    ("N06AB10", "Escitalopram 10 mg tablett", "1 tablett morgen"),
    ("A12AX", "Kalsium og vitamin D tyggetablett", "1 tablett daglig"),
    ("N05CF01", "Zopiklon 5 mg tablett", "1 tablett ved behov om kvelden"),
    ("R03AK06", "Salmeterol/flutikason inhalasjonspulver", "1 inhalasjon morgen og kveld"),
    ("C10AA05", "Atorvastatin 20 mg tablett", "1 tablett kveld"),
    ("A06AD11", "Laktulose mikstur", "15 ml daglig"),
    ("N06DA02", "Donepezil 5 mg tablett", "1 tablett kveld"),
    ("C09AA05", "Ramipril 5 mg tablett", "1 tablett morgen"),
    ("N04BA02", "Levodopa/benserazid 100/25 mg kapsel", "1 kapsel tre ganger daglig"),
];

pub const VISIT_REASONS: &[&str] = &[
    "Morgenstell og medisiner",
    "Medisinutdeling",
    "Sårstell",
    "Insulin og blodsukkermåling",
    "Kveldsstell",
    "Tilsyn og vitale parametre",
    "Kompresjonsstrømper",
    "Øyedråper og tilsyn",
];

pub const CARE_ACTIVITIES: &[&str] = &[
    "Snu i seng hver 3. time",
    "Væskeregistrering",
    "Vektkontroll hver mandag",
    "Mobilisering med rullator to ganger daglig",
    "Munnstell morgen og kveld",
    "Blodsukkermåling før frokost",
    "Tilsyn av trykksår på hæl",
];

/// Nursing notes as a ward's or a home-care district's nurses write them.
pub const NURSING_NOTES: &[&str] = &[
    "Sov godt i natt. Ingen tilsyn nødvendig utover faste runder.",
    "Spiste halv porsjon til middag. Drikker godt, oppfordret til mer væske utover kvelden.",
    "Mobilisert med rullator til stua. Ustø ved forflytning, trenger én hjelper.",
    "Klager over smerter i venstre hofte. Fikk paracetamol 1 g kl. 14 etter plan, god effekt etter en time.",
    "Datter på besøk. Informert om planen for helgen; ønsker å bli ringt ved endringer.",
    "Sår på hæl stelt etter prosedyre.\nLite sekresjon, ingen tegn til infeksjon. Nytt stell om to dager.",
    "Urolig på kveldsvakt. Roet seg etter samtale og musikk.",
    "Medisiner gitt fra dosett. I godt humør, ingen nye plager.",
    "Vektkontroll: stabil siden forrige uke.",
    "Hoster litt, feberfri. Følger med på temperatur og respirasjon i morgen.",
];

/// (LOINC code, title) for document references.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("18842-5", "Epikrise fra sykehus"),
    ("34745-0", "Sykepleiesammenfatning"),
    ("11488-4", "Konsultasjonsnotat fra fastlege"),
];
