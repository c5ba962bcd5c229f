/**
 * French vocabulary of the demo data set, per mission domain: title parts, tasks, activities, tags,
 * organisation names. Every name is fictional. Placeholders: `{city}` (the name), `{à}` ("à Lyon",
 * "au Havre") and `{de}` ("de Lyon", "d'Angers"); see `french.ts`.
 */
import { DOMAIN_SLUGS, type DomainSlug } from "../taxonomy/domains.ts";

/** Every domain gets missions in the demo. */
export const DEMO_DOMAINS = DOMAIN_SLUGS;
export type DemoDomain = DomainSlug;

export interface DomainVocabulary {
  /** Noun phrases opening a title ("Aide aux devoirs"). At least two words each. */
  actions: readonly string[];
  /** Appended to the action: who benefits or where ("pour des collégiens", "au refuge {de}"). */
  publics: readonly string[];
  /** Activity slugs or labels of the activity whitelist. */
  activities: readonly string[];
  tags: readonly string[];
  audience: readonly string[];
  /** Bullet points of the description ("Vos missions"). */
  tasks: readonly string[];
  /** Opening sentence of the description. */
  pitch: readonly string[];
  /** Organisation name templates. */
  organizations: readonly string[];
  /** Completes "… agit {à} pour …" in the organisation description. */
  purpose: readonly string[];
  /** Fictional national networks ("têtes de réseau"). */
  networks: readonly string[];
}

export const VOCABULARY: Readonly<Record<DemoDomain, DomainVocabulary>> = {
  animaux: {
    actions: ["Soins aux animaux", "Promenade des chiens", "Nourrissage des chats libres", "Accueil des adoptants", "Entretien des enclos", "Socialisation des chatons"],
    publics: ["au refuge {de}", "au centre de soins de la faune sauvage", "à la ferme pédagogique {de}", "dans une chatterie associative"],
    activities: ["soins-animaux", "Accueil de public", "activites-manuelles"],
    tags: ["protection animale", "refuge", "faune sauvage", "adoption"],
    audience: ["Animaux"],
    tasks: ["Nourrir les animaux et changer l'eau", "Nettoyer les box et les espaces de vie", "Promener et sociabiliser les chiens", "Accueillir les familles venues adopter", "Participer aux journées portes ouvertes", "Aider au transport vers le vétérinaire"],
    pitch: ["Vous rejoindrez une équipe qui prend soin chaque jour de dizaines d'animaux en attente d'adoption.", "Les animaux recueillis ont besoin de temps, d'attention et de bras pour l'entretien quotidien."],
    organizations: ["Refuge des Quatre Pattes {de}", "Les Amis des Bêtes {de}", "Association Chats Libres {de}", "Sauvegarde de la Faune {de}"],
    purpose: ["recueillir, soigner et faire adopter des animaux abandonnés", "protéger la faune sauvage locale"],
    networks: ["Confédération des Refuges Solidaires"],
  },
  autre: {
    actions: ["Renfort logistique d'urgence", "Soutien aux sinistrés", "Distribution de première nécessité", "Accueil des personnes évacuées", "Nettoyage après intempéries"],
    publics: ["après les inondations", "en cas de crise sanitaire", "lors d'épisodes de grand froid", "auprès des familles sinistrées"],
    activities: ["Secours, Aide", "logistique", "distribution"],
    tags: ["urgence", "crise", "intempéries", "réserve citoyenne"],
    audience: ["Personnes sinistrées", "Tous publics"],
    tasks: ["Préparer et distribuer des kits d'urgence", "Accueillir et orienter les personnes évacuées", "Aider au déblaiement et au nettoyage", "Tenir une permanence téléphonique", "Recenser les besoins des habitants"],
    pitch: ["Quand une crise frappe le territoire, chaque paire de bras compte.", "Rejoignez la réserve de bénévoles mobilisables en cas d'événement exceptionnel."],
    organizations: ["Réserve Solidaire {de}", "Collectif Entraide Urgence {de}", "Les Volontaires du Secours {de}"],
    purpose: ["venir en aide aux habitants lors des crises et catastrophes", "organiser la solidarité en cas d'urgence"],
    networks: ["Réseau Urgence Solidarité France"],
  },
  "batiment-industrie-logistique": {
    actions: ["Rénovation de locaux associatifs", "Chantier de réhabilitation", "Tri et préparation de colis", "Gestion d'entrepôt solidaire", "Petits travaux de bricolage"],
    publics: ["pour une recyclerie", "dans une épicerie solidaire", "pour des familles mal logées", "dans un tiers-lieu"],
    activities: ["bricolage", "logistique", "Maintenance technique", "activites-manuelles"],
    tags: ["bricolage", "réemploi", "chantier", "logistique"],
    audience: ["Personnes en situation de précarité", "Tous publics"],
    tasks: ["Repeindre et remettre en état les locaux", "Réceptionner et trier les dons", "Préparer les commandes et les colis", "Réparer du petit mobilier", "Tenir l'inventaire du stock"],
    pitch: ["Vous avez le goût du concret ? Ce chantier a besoin de bras et de savoir-faire.", "Nos locaux accueillent du public toute l'année et doivent être entretenus et aménagés."],
    organizations: ["Recyclerie {de}", "Les Bâtisseurs Solidaires {de}", "Atelier Réparons Ensemble {de}"],
    purpose: ["donner une seconde vie aux objets et aux bâtiments", "améliorer le logement des familles modestes"],
    networks: ["Réseau des Ressourceries Citoyennes"],
  },
  "benevolat-competences": {
    actions: ["Accompagnement comptable", "Conseil en stratégie", "Création d'un site internet", "Appui juridique", "Mentorat de dirigeants associatifs"],
    publics: ["pour une petite association", "auprès d'une structure d'insertion", "pour un collectif d'habitants", "au service d'une association de quartier"],
    activities: ["conseil", "Gestion de projets", "Mentorat parrainage", "Comptabilité finance"],
    tags: ["mécénat de compétences", "pro bono", "conseil", "expertise"],
    audience: ["Associations"],
    tasks: ["Faire un diagnostic de la situation de l'association", "Animer des ateliers avec l'équipe bénévole", "Formaliser un plan d'action", "Transmettre des outils simples et durables", "Faire un point mensuel avec les responsables"],
    pitch: ["Mettez votre expérience professionnelle au service d'une association qui en a besoin.", "Quelques heures de votre expertise peuvent changer la trajectoire d'un projet associatif."],
    organizations: ["Passerelle Compétences {de}", "Les Experts Solidaires {de}", "Maison des Associations {de}"],
    purpose: ["renforcer les associations locales grâce aux compétences des bénévoles", "accompagner les porteurs de projets d'intérêt général"],
    networks: ["Fédération Compétences pour Tous"],
  },
  communication: {
    actions: ["Animation des réseaux sociaux", "Rédaction de la lettre d'information", "Reportage photo", "Création de supports de communication", "Organisation d'une campagne de sensibilisation"],
    publics: ["pour une association de quartier", "pour un festival solidaire", "au service d'une banque alimentaire", "pour une radio associative"],
    activities: ["communication", "Evenementiel", "Médiation, Information"],
    tags: ["réseaux sociaux", "graphisme", "rédaction", "photo"],
    audience: ["Tous publics"],
    tasks: ["Rédiger des publications pour les réseaux sociaux", "Réaliser des photos et de courtes vidéos", "Mettre en page affiches et flyers", "Mettre à jour le site internet", "Préparer la lettre d'information mensuelle"],
    pitch: ["Aidez-nous à faire connaître nos actions au plus grand nombre.", "Une bonne communication, c'est plus de bénévoles et plus de personnes aidées."],
    organizations: ["Radio Voix Libres {de}", "Collectif Médias Citoyens {de}", "Les Reporters Solidaires {de}"],
    purpose: ["donner la parole aux habitants et aux associations", "faire connaître les initiatives solidaires du territoire"],
    networks: ["Fédération des Médias Associatifs Locaux"],
  },
  "culture-loisirs": {
    actions: ["Accueil du public du festival", "Animation d'ateliers créatifs", "Visites guidées du patrimoine", "Tenue de la bibliothèque associative", "Organisation de concerts"],
    publics: ["pour les familles", "auprès d'enfants du quartier", "pour les seniors", "pendant le festival d'été", "au musée {de}"],
    activities: ["visites", "animation", "Accueil de public", "art", "Préservation, Patrimoine"],
    tags: ["festival", "patrimoine", "lecture", "musique", "théâtre"],
    audience: ["Tous publics", "Enfants", "Personnes âgées"],
    tasks: ["Accueillir et orienter les visiteurs", "Animer des ateliers de création", "Installer et ranger le matériel", "Tenir la billetterie ou la buvette", "Présenter l'histoire des lieux aux visiteurs"],
    pitch: ["La culture se partage : rejoignez l'équipe qui fait vivre les événements du territoire.", "Chaque année, des milliers de visiteurs sont accueillis grâce aux bénévoles."],
    organizations: ["Festival des Rives {de}", "Les Amis du Patrimoine {de}", "Compagnie Théâtre en Partage {de}", "Bibliothèque de Rue {de}"],
    purpose: ["rendre la culture accessible à tous", "faire vivre le patrimoine local"],
    networks: ["Fédération Culture Partagée", "Union des Festivals Solidaires"],
  },
  education: {
    actions: ["Aide aux devoirs", "Soutien scolaire", "Atelier lecture", "Accompagnement à la scolarité", "Cours de français langue étrangère", "Tutorat en mathématiques"],
    publics: ["pour des collégiens", "auprès d'enfants de primaire", "pour des lycéens", "auprès d'adultes en apprentissage du français", "pour des élèves allophones"],
    activities: ["soutien-scolaire", "Transmission, Pédagogie", "alphabetisation", "Enseignement formation"],
    tags: ["soutien scolaire", "lecture", "réussite éducative", "FLE"],
    audience: ["Enfants", "Jeunes", "Personnes migrantes"],
    tasks: ["Aider les élèves à faire leurs devoirs", "Animer des ateliers de lecture et d'écriture", "Préparer des exercices adaptés au niveau de chacun", "Échanger avec les familles et les enseignants", "Encourager et valoriser les progrès"],
    pitch: ["Vous accompagnerez des élèves qui n'ont pas toujours quelqu'un pour les aider à la maison.", "La réussite scolaire se joue aussi en dehors de la classe."],
    organizations: ["Coup d'Élan Scolaire {de}", "Les Ateliers du Savoir {de}", "Association Lire et Grandir {de}", "Réussir Ensemble {de}"],
    purpose: ["favoriser la réussite éducative des enfants et des jeunes", "lutter contre l'illettrisme"],
    networks: ["Fédération Lire et Grandir", "Réseau Accompagnement Scolaire Solidaire"],
  },
  emploi: {
    actions: ["Parrainage de demandeurs d'emploi", "Simulation d'entretiens d'embauche", "Atelier CV et lettre de motivation", "Accompagnement vers l'emploi", "Découverte des métiers"],
    publics: ["pour des jeunes sans diplôme", "auprès de femmes en reconversion", "pour des personnes réfugiées", "pour des seniors en recherche d'emploi"],
    activities: ["Mentorat parrainage", "recrutement", "conseil", "Soutien, Accompagnement"],
    tags: ["insertion professionnelle", "emploi", "CV", "entretien"],
    audience: ["Demandeurs d'emploi", "Jeunes"],
    tasks: ["Accompagner un filleul pendant six mois", "Relire et améliorer les CV", "Organiser des simulations d'entretien", "Partager son réseau professionnel", "Présenter son métier lors de rencontres"],
    pitch: ["Votre expérience et votre réseau peuvent aider quelqu'un à retrouver un emploi.", "Un parrain ou une marraine multiplie les chances de retour à l'emploi."],
    organizations: ["Tremplin Emploi {de}", "Les Parrains de l'Emploi {de}", "Élan Emploi {de}"],
    purpose: ["accompagner les personnes éloignées de l'emploi", "rapprocher entreprises et demandeurs d'emploi"],
    networks: ["Réseau National Tremplin"],
  },
  environnement: {
    actions: ["Nettoyage des berges", "Animation d'un jardin partagé", "Plantation de haies", "Inventaire de la biodiversité", "Sensibilisation au tri des déchets", "Entretien d'un sentier nature"],
    publics: ["avec les habitants du quartier", "auprès des scolaires", "dans un espace naturel sensible", "en bord de rivière", "dans la forêt {de}"],
    activities: ["jardinage", "Ramassage de déchets", "Prévention, Sensibilisation", "sensibilisation"],
    tags: ["biodiversité", "zéro déchet", "climat", "jardin partagé", "nature"],
    audience: ["Tous publics", "Enfants"],
    tasks: ["Ramasser et trier les déchets collectés", "Planter et entretenir les végétaux", "Compter les espèces observées", "Animer un stand de sensibilisation", "Accueillir les nouveaux bénévoles sur le terrain"],
    pitch: ["Agissez concrètement pour la nature près de chez vous.", "Chaque action de terrain compte pour préserver la biodiversité locale."],
    organizations: ["{city} Nature Environnement", "Les Jardins Partagés {de}", "Collectif Zéro Déchet {de}", "Les Sentinelles de la Rivière {de}"],
    purpose: ["protéger la nature et la biodiversité", "réduire les déchets et sensibiliser les habitants"],
    networks: ["Réseau Nature & Territoires", "Fédération des Jardins Partagés"],
  },
  "gestion-finance-droit": {
    actions: ["Permanence d'accès aux droits", "Aide aux démarches administratives", "Trésorerie associative", "Accompagnement budgétaire", "Aide à la déclaration de revenus"],
    publics: ["pour des familles", "auprès de personnes âgées", "pour une association sportive", "auprès de personnes en difficulté financière"],
    activities: ["juridique", "Comptabilité finance", "Tâches administratives", "Écoute permanence"],
    tags: ["accès aux droits", "budget", "démarches", "comptabilité"],
    audience: ["Personnes en situation de précarité", "Personnes âgées"],
    tasks: ["Tenir une permanence hebdomadaire", "Aider à remplir les dossiers administratifs", "Expliquer les droits et les démarches", "Tenir la comptabilité de l'association", "Préparer le budget annuel"],
    pitch: ["Beaucoup renoncent à leurs droits faute d'aide pour les démarches.", "Vos compétences en gestion sont précieuses pour la vie de l'association."],
    organizations: ["Point Accès aux Droits {de}", "Budget Solidaire {de}", "Les Écrivains Publics {de}"],
    purpose: ["faciliter l'accès aux droits de tous", "accompagner les familles dans la gestion de leur budget"],
    networks: ["Union des Points Droits Solidaires"],
  },
  humanitaire: {
    actions: ["Préparation de convois humanitaires", "Collecte de matériel médical", "Soutien à des projets de développement", "Tri de dons pour l'international", "Organisation d'une collecte de fonds"],
    publics: ["pour des écoles au Sénégal", "pour des villages à Madagascar", "au profit de populations déplacées", "pour des dispensaires en Afrique de l'Ouest"],
    activities: ["collecte", "Collecte de produits", "Mission internationale", "logistique"],
    tags: ["solidarité internationale", "développement", "collecte", "humanitaire"],
    audience: ["Populations des pays en développement"],
    tasks: ["Trier et conditionner les dons", "Préparer les envois", "Tenir un stand de collecte", "Participer au suivi des projets partenaires", "Organiser un événement de collecte de fonds"],
    pitch: ["Depuis la France, contribuez à des projets concrets de solidarité internationale.", "Nos partenaires sur place comptent sur l'engagement des bénévoles d'ici."],
    organizations: ["Solidarité Sans Frontières {de}", "Les Ponts du Sahel {de}", "Entraide Internationale {de}"],
    purpose: ["soutenir des projets de développement à l'international", "acheminer du matériel là où il manque"],
    networks: ["Coordination Solidarité Internationale"],
  },
  "memoire-et-citoyennete": {
    actions: ["Collecte de témoignages", "Organisation des cérémonies commémoratives", "Animation d'ateliers citoyens", "Entretien des lieux de mémoire", "Recherche en archives"],
    publics: ["auprès d'anciens combattants", "avec des collégiens", "pour le centenaire local", "auprès des habitants {de}"],
    activities: ["Vie citoyenne", "Préservation, Patrimoine", "Documentation traduction"],
    tags: ["mémoire", "citoyenneté", "histoire locale", "commémoration"],
    audience: ["Tous publics", "Jeunes"],
    tasks: ["Recueillir et retranscrire des témoignages", "Préparer les cérémonies avec la mairie", "Rechercher des documents dans les archives", "Animer des rencontres avec les scolaires", "Entretenir les monuments et les stèles"],
    pitch: ["Transmettre l'histoire aux jeunes générations est une responsabilité partagée.", "La mémoire locale disparaît si personne ne la recueille."],
    organizations: ["Mémoire Vivante {de}", "Les Passeurs d'Histoire {de}", "Cercle Citoyen {de}"],
    purpose: ["transmettre la mémoire et les valeurs républicaines", "faire vivre la citoyenneté au quotidien"],
    networks: ["Fédération Mémoire et Transmission"],
  },
  numerique: {
    actions: ["Initiation au numérique", "Atelier smartphone", "Aide aux démarches en ligne", "Reconditionnement d'ordinateurs", "Permanence numérique"],
    publics: ["pour des seniors", "auprès de personnes éloignées du numérique", "pour des demandeurs d'emploi", "dans une médiathèque"],
    activities: ["informatique", "Transmission, Pédagogie", "Médiation, Information"],
    tags: ["inclusion numérique", "informatique", "smartphone", "démarches en ligne"],
    audience: ["Personnes âgées", "Personnes éloignées du numérique"],
    tasks: ["Animer des ateliers d'initiation", "Aider à créer une adresse électronique", "Accompagner les démarches en ligne", "Remettre en état des ordinateurs donnés", "Répondre aux questions pendant la permanence"],
    pitch: ["Une personne sur six n'utilise pas internet : aidez-la à franchir le pas.", "Les démarches se font en ligne, encore faut-il savoir comment."],
    organizations: ["Clic Solidaire {de}", "Les Connectés {de}", "Recyclo'Tech {de}"],
    purpose: ["réduire la fracture numérique", "donner une seconde vie au matériel informatique"],
    networks: ["Réseau Inclusion Numérique Solidaire"],
  },
  "prevention-protection": {
    actions: ["Prévention routière", "Sensibilisation aux gestes qui sauvent", "Maraude de prévention", "Prévention des noyades", "Sécurité lors d'événements"],
    publics: ["auprès des jeunes conducteurs", "dans les écoles", "auprès des festivaliers", "sur les plages l'été", "pour les seniors"],
    activities: ["secourisme", "Prévention, Sensibilisation", "sensibilisation"],
    tags: ["prévention", "secourisme", "sécurité routière", "gestes qui sauvent"],
    audience: ["Jeunes", "Tous publics"],
    tasks: ["Animer des ateliers de prévention", "Tenir un poste de secours", "Distribuer des supports d'information", "Participer à des maraudes", "Se former aux premiers secours"],
    pitch: ["Prévenir vaut mieux que guérir : devenez acteur de la sécurité de tous.", "Les bons réflexes s'apprennent et se transmettent."],
    organizations: ["Prévention Jeunesse {de}", "Les Secouristes {de}", "Sécurité Pour Tous {de}"],
    purpose: ["prévenir les accidents et former aux gestes qui sauvent", "protéger les publics vulnérables"],
    networks: ["Fédération Secourisme Citoyen"],
  },
  recherche: {
    actions: ["Sciences participatives", "Suivi des oiseaux", "Relevés météorologiques", "Transcription de documents anciens", "Observation des pollinisateurs"],
    publics: ["avec un laboratoire de recherche", "pour un muséum", "dans un observatoire", "pour un programme national"],
    activities: ["Sciences humaines et social", "Documentation traduction", "sensibilisation"],
    tags: ["sciences participatives", "recherche", "observation", "données"],
    audience: ["Chercheurs", "Tous publics"],
    tasks: ["Réaliser des relevés selon un protocole", "Saisir les observations en ligne", "Transcrire des documents numérisés", "Participer aux sessions de formation", "Partager les résultats avec le public"],
    pitch: ["Les chercheurs ont besoin d'observations partout en France : les vôtres comptent.", "Participez à un programme scientifique, sans être scientifique."],
    organizations: ["Observatoire Citoyen {de}", "Sciences en Partage {de}", "Les Curieux de Nature {de}"],
    purpose: ["associer les citoyens à la recherche scientifique", "partager la culture scientifique"],
    networks: ["Réseau Sciences Participatives"],
  },
  sante: {
    actions: ["Visites à l'hôpital", "Accompagnement de malades", "Collecte de sang", "Animation en maison de retraite", "Écoute de personnes malades"],
    publics: ["auprès d'enfants hospitalisés", "pour des résidents d'EHPAD", "auprès de personnes en soins palliatifs", "au centre hospitalier {de}"],
    activities: ["Santé soins", "Écoute permanence", "Aide psychologique", "Lutte contre l'isolement"],
    tags: ["santé", "hôpital", "don du sang", "accompagnement"],
    audience: ["Personnes malades", "Personnes âgées", "Enfants"],
    tasks: ["Rendre visite aux patients", "Animer des jeux et des activités", "Accueillir les donneurs lors des collectes", "Écouter et réconforter", "Accompagner les familles"],
    pitch: ["Une visite, un sourire, une conversation : c'est beaucoup pour une personne hospitalisée.", "Les soignants comptent sur les bénévoles pour apporter du lien."],
    organizations: ["Les Sourires de l'Hôpital {de}", "Présence Hôpital {de}", "Amicale des Donneurs de Sang {de}"],
    purpose: ["apporter du réconfort aux personnes malades", "promouvoir le don de sang"],
    networks: ["Fédération Présence Santé"],
  },
  "service-public-defense-securite": {
    actions: ["Réserve communale de sécurité civile", "Accueil en mairie", "Appui aux services de secours", "Accompagnement des jeunes de la défense", "Médiation de proximité"],
    publics: ["pour la commune {de}", "auprès des habitants", "lors des événements municipaux", "au centre de secours"],
    activities: ["Accueil de public", "Secours, Aide", "Vie citoyenne", "Tâches administratives"],
    tags: ["service public", "sécurité civile", "réserve", "citoyenneté"],
    audience: ["Tous publics"],
    tasks: ["Accueillir et orienter le public", "Participer aux exercices de sécurité civile", "Appuyer les équipes lors des événements", "Informer les habitants des dispositifs existants", "Assurer une veille lors des alertes météo"],
    pitch: ["Le service public a aussi besoin de citoyens engagés à ses côtés.", "Rejoignez la réserve mobilisée aux côtés des services de la commune."],
    organizations: ["Volontaires de Sécurité Civile {de}", "Amicale Citoyenne {de}", "Les Relais du Service Public {de}"],
    purpose: ["mobiliser les habitants au service de la commune", "renforcer la sécurité civile locale"],
    networks: [],
  },
  sport: {
    actions: ["Encadrement d'entraînements", "Organisation d'un tournoi", "Accueil des coureurs", "Arbitrage des matchs", "Animation sport santé", "Sport adapté"],
    publics: ["pour des jeunes joueurs", "auprès de personnes en situation de handicap", "lors du semi-marathon {de}", "pour des seniors", "au club {de}"],
    activities: ["sport", "Encadrement d'équipes", "Evenementiel", "animation"],
    tags: ["sport", "club", "événement sportif", "handisport"],
    audience: ["Jeunes", "Personnes en situation de handicap", "Tous publics"],
    tasks: ["Encadrer les séances d'entraînement", "Installer le matériel et les terrains", "Accueillir les participants et les familles", "Tenir la table de marque ou le chronométrage", "Assurer le ravitaillement des coureurs"],
    pitch: ["Le club vit grâce à ses bénévoles : entraîneurs, arbitres, organisateurs.", "Partagez votre passion du sport avec les licenciés du club."],
    organizations: ["Union Sportive {de}", "{city} Athlétisme", "Club Omnisports {de}", "Les Foulées {de}", "Handisport Club {de}"],
    purpose: ["rendre le sport accessible à tous", "faire vivre le sport amateur"],
    networks: ["Fédération Sport Ensemble"],
  },
  "solidarite-insertion": {
    actions: ["Distribution alimentaire", "Maraude auprès des personnes sans abri", "Accueil de jour", "Collecte de denrées", "Aide aux devoirs et accueil des familles", "Épicerie solidaire"],
    publics: ["pour des familles en difficulté", "auprès de personnes sans domicile", "pour des étudiants précaires", "auprès de personnes isolées"],
    activities: ["distribution", "collecte", "Accueil de public", "Soutien, Accompagnement", "Lutte contre l'isolement"],
    tags: ["aide alimentaire", "précarité", "maraude", "solidarité"],
    audience: ["Personnes en situation de précarité", "Personnes sans abri"],
    tasks: ["Préparer et distribuer les colis alimentaires", "Accueillir les bénéficiaires avec bienveillance", "Participer aux maraudes du soir", "Tenir la caisse de l'épicerie solidaire", "Collecter les denrées en supermarché"],
    pitch: ["De plus en plus de familles ont besoin d'aide pour se nourrir.", "Un accueil chaleureux et un repas chaud font la différence."],
    organizations: ["Entraide {city}", "Solidarité {city}", "Épicerie Solidaire {de}", "La Table du Partage {de}", "Accueil Fraternel {de}"],
    purpose: ["lutter contre la précarité et l'exclusion", "apporter une aide alimentaire aux familles"],
    networks: ["Fédération Entraide & Partage", "Réseau Solidarités de Proximité"],
  },
  "vivre-ensemble": {
    actions: ["Repas partagés entre voisins", "Visites de convivialité", "Animation d'un café des langues", "Ateliers intergénérationnels", "Fête de quartier"],
    publics: ["auprès de personnes âgées isolées", "avec des familles réfugiées", "dans le quartier", "au centre social {de}"],
    activities: ["Lutte contre l'isolement", "animation", "Animation, Valorisation", "Médiation, Information"],
    tags: ["lien social", "intergénérationnel", "interculturel", "quartier"],
    audience: ["Personnes âgées", "Personnes migrantes", "Tous publics"],
    tasks: ["Rendre visite à une personne âgée chaque semaine", "Animer des temps d'échange", "Préparer un repas partagé", "Organiser une fête de quartier", "Accueillir les nouveaux arrivants"],
    pitch: ["La solitude touche des millions de personnes : quelques heures peuvent tout changer.", "Créer du lien entre voisins, générations et cultures, c'est notre quotidien."],
    organizations: ["Voisins Solidaires {de}", "Centre Social des Tilleuls {de}", "Les Voisins de Cœur {de}", "Maison des Cultures {de}"],
    purpose: ["créer du lien social entre les habitants", "rompre l'isolement des personnes âgées"],
    networks: ["Fédération des Centres Sociaux Solidaires", "Réseau Voisins & Générations"],
  },
};

/** Soft skills, shared by every domain. */
export const SOFT_SKILLS: readonly string[] = [
  "Sens de l'écoute",
  "Patience",
  "Travail en équipe",
  "Autonomie",
  "Ponctualité",
  "Bienveillance",
  "Sens de l'organisation",
  "Créativité",
  "Pédagogie",
  "Dynamisme",
  "Discrétion",
  "Adaptabilité",
];

export const REQUIREMENTS_BENEVOLAT: readonly string[] = [
  "Aucune compétence particulière requise",
  "Formation assurée par l'association",
  "Permis B souhaité",
  "Extrait de casier judiciaire demandé",
  "PSC1 apprécié",
  "Engagement sur au moins trois mois",
];

export const REQUIREMENTS_VOLONTARIAT: readonly string[] = [
  "Avoir entre 16 et 25 ans (30 ans pour les jeunes en situation de handicap)",
  "Aucun diplôme requis",
  "Être de nationalité française, européenne ou résider en France depuis plus d'un an",
];

export const SCHEDULES_BENEVOLAT: readonly string[] = [
  "2 heures par semaine",
  "1 demi-journée par semaine",
  "Quelques heures par mois",
  "1 week-end par mois",
  "Ponctuel : 1 journée",
  "3 heures par semaine, en soirée",
  "Le samedi matin",
  "4 heures par semaine",
];

export const SCHEDULES_VOLONTARIAT: readonly string[] = [
  "24 heures par semaine",
  "26 heures par semaine",
  "28 heures par semaine",
  "30 heures par semaine",
  "35 heures par semaine",
];

export const STREET_TYPES: readonly string[] = ["rue", "rue", "rue", "avenue", "boulevard", "place", "allée", "chemin", "impasse"];

export const STREET_NAMES: readonly string[] = [
  "Victor Hugo",
  "Jean Jaurès",
  "de la République",
  "Pasteur",
  "du Général de Gaulle",
  "de la Mairie",
  "des Écoles",
  "de la Gare",
  "Jean Moulin",
  "des Lilas",
  "du Marché",
  "Gambetta",
  "Voltaire",
  "de la Paix",
  "des Tilleuls",
  "Émile Zola",
  "de l'Église",
  "des Acacias",
  "du Stade",
  "Louise Michel",
  "Simone Veil",
  "des Peupliers",
  "du Moulin",
  "Aristide Briand",
];

/** Closing sentences of the descriptions. */
export const CLOSINGS: readonly string[] = [
  "Une formation et un accompagnement sont prévus à votre arrivée.",
  "Vous serez accueilli(e) par un ou une bénévole référent(e).",
  "Rejoignez une équipe conviviale et motivée !",
  "Les frais de déplacement peuvent être remboursés sur justificatif.",
  "Aucune expérience n'est nécessaire : l'envie d'agir suffit.",
];

/** Titles refused by moderation for being a single word (rule 3). */
export const ONE_WORD_TITLES: readonly string[] = ["Bénévolat", "Bénévole", "Urgent", "Mission", "Aide"];
