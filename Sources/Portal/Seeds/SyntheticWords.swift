import Postgres

/// Word lists the synthetic dataset draws names and addresses from (sent as `text[]` parameters).
enum SyntheticWords {
    static let lastNames = TextArray([
        "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT",
        "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD",
        "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MULLER", "LEFÈVRE", "FAURE", "ANDRÉ",
        "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA",
        "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON",
        "MARCHAND", "DUVAL", "DENIS", "DUMONT", "MARIE", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER",
        "BRUN", "BLANCHARD", "GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD",
        "MARTINEZ", "GÉRARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX", "COLIN", "VIDAL", "CARON",
        "ETCHEVERRY", "LARRALDE", "DARRIGRAND", "HARRIAGUE", "ELISSALDE", "IRIGOYEN", "LABORDE", "DUCASSE",
    ])

    static let maleFirstNames = TextArray([
        "JEAN", "PIERRE", "MICHEL", "PHILIPPE", "NICOLAS", "JULIEN", "THOMAS", "ALEXANDRE", "ANTOINE", "MAXIME",
        "LUCAS", "HUGO", "LOUIS", "ARTHUR", "GABRIEL", "PAUL", "ÉTIENNE", "FRANÇOIS", "JOËL", "MARTIN",
        "GWENNAEL", "YANNICK", "XAVIER", "BENOÎT", "DAVID", "OLIVIER", "SÉBASTIEN", "LAURENT", "CHRISTOPHE", "MATHIEU",
        "JÉRÔME", "CÉDRIC", "ANTHONY", "KEVIN", "MEHDI", "KARIM", "IBRAHIMA", "MIKEL", "PANTXIKA", "ÉRIC",
    ])

    static let femaleFirstNames = TextArray([
        "MARIE", "NATHALIE", "ISABELLE", "SYLVIE", "CATHERINE", "SOPHIE", "CÉLINE", "JULIE", "CAMILLE", "EMMA",
        "LÉA", "CHLOÉ", "MANON", "INÈS", "ÉLOÏSE", "ESTELLE", "AURÉLIE", "VIRGINIE", "SANDRINE", "STÉPHANIE",
        "LAURA", "PAULINE", "MARGAUX", "CLAIRE", "ANNE", "HÉLÈNE", "VALÉRIE", "AMÉLIE", "JULIETTE", "LOUISE",
        "FATIMA", "AÏCHA", "NADIA", "MAIALEN", "AMAIA", "CHRISTELLE", "ODILE", "MURIEL", "AGNÈS", "ZOÉ",
    ])

    static let streets = TextArray([
        "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard du Président Wilson",
        "rue Sainte-Catherine", "cours de l'Intendance", "allée des Chênes", "rue des Écoles", "place de la Mairie",
        "chemin du Moulin", "avenue de la Libération", "rue Pasteur", "rue du Port", "impasse des Lilas", "rue Gambetta",
        "quai des Chartrons", "avenue du Maréchal Foch", "rue d'Espagne", "allée Marines", "route de Bayonne",
    ])

    /// Postal codes and towns, index for index.
    static let postalCodes = TextArray([
        "33700", "33000", "33600", "33400", "64100", "64200", "64000", "40100", "17000", "31000",
        "47000", "24000", "16000", "79000", "86000", "87000", "40000", "33500", "33120", "64500",
    ])
    static let towns = TextArray([
        "MERIGNAC", "BORDEAUX", "PESSAC", "TALENCE", "BAYONNE", "BIARRITZ", "PAU", "DAX", "LA ROCHELLE", "TOULOUSE",
        "AGEN", "PERIGUEUX", "ANGOULEME", "NIORT", "POITIERS", "LIMOGES", "MONT-DE-MARSAN", "LIBOURNE", "ARCACHON",
        "SAINT-JEAN-DE-LUZ",
    ])

    /// Birth départements for NIRs (Corsica left out: its letters change the key computation).
    static let birthDepartments = TextArray([
        "33", "64", "40", "47", "24", "17", "16", "79", "86", "87", "31", "75", "69", "13", "59", "29", "35", "44", "65", "32",
    ])

    static let legalForms = TextArray(["SARL", "SAS", "SA", "EURL", "SASU", "SCOP", "ASSOCIATION"])

    static let activities = TextArray([
        "TRANSPORTS", "BOULANGERIE", "CABINET", "GARAGE", "CLINIQUE", "BATIMENT", "INFORMATIQUE", "HOTEL", "RESTAURANT",
        "PHARMACIE", "AMBULANCES", "NEGOCE", "MENUISERIE", "IMPRIMERIE", "LOGISTIQUE", "CONSEIL", "ELECTRICITE",
        "PLOMBERIE", "NETTOYAGE", "AGENCE",
    ])
}
