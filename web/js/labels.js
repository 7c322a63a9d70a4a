// French labels of the API's codes.

export const RIGHTS = [
  ['company', 'Entreprise'],
  ['insured', 'Assurés'],
  ['health', 'Détails Santé'],
  ['ij', 'Indemnités journalières'],
  ['documents', 'Documents'],
  ['requests', 'Démarches'],
];

export function rightLabel(code) {
  return RIGHTS.find(([c]) => c === code)?.[1] ?? code;
}

export function roleLabel(role) {
  return role === 'principal' ? 'Utilisateur principal' : 'Utilisateur délégué';
}

const PERIODICITIES = {
  TRIMESTRIEL_ECHU: 'Trimestriel - Échu',
  TRIMESTRIEL_ECHOIR: 'Trimestriel - À échoir',
  MENSUEL_ECHU: 'Mensuel - Échu',
};
export const periodicityLabel = (code) => PERIODICITIES[code] ?? code;

const PAYMENT_MODES = {
  OCSO: 'Paiement via OCSO',
  PRECOMPTE_OCSO: 'Précompte employeur - Paiement via OCSO',
};
export const paymentModeLabel = (code) => PAYMENT_MODES[code] ?? code;

const INSURED_STATUSES = { ACTIF: 'Actif', PORTABILITE: 'Portabilité', SORTI: 'Sorti' };
export const insuredStatusLabel = (code) => INSURED_STATUSES[code] ?? code;

const DOCUMENT_CATEGORIES = {
  guarantee_description: 'Descriptif des garanties',
  information_notice: "Notice d'information",
  contribution_statement: 'Bordereau de cotisation',
  other: 'Autre document',
};
export const documentCategoryLabel = (code) => DOCUMENT_CATEGORIES[code] ?? code;

export const REQUEST_STATUSES = [
  ['received', 'Reçue'],
  ['in_progress', 'En cours de traitement'],
  ['done', 'Traitée'],
];
export const requestStatusLabel = (code) => REQUEST_STATUSES.find(([c]) => c === code)?.[1] ?? code;

// The audit trail's actions (GET /me/history, /structures/{id}/history).
const ACTIONS = {
  'account.create': 'Création du compte',
  'account.lockout': 'Blocage temporaire après des échecs de connexion',
  'session.login': 'Connexion',
  'session.logout': 'Déconnexion',
  'password.change': 'Changement du mot de passe',
  'password.reset_requested': 'Demande de réinitialisation du mot de passe',
  'password.reset_completed': 'Réinitialisation du mot de passe',
  'profile.update': 'Modification de mes informations',
  'structure.attach': "Ajout d'une structure",
  'structure.set_default': 'Choix de la structure par défaut',
  'user.create': "Création d'un utilisateur",
  'user.grant': "Modification des droits d'un utilisateur",
  'user.revoke': "Retrait de l'accès d'un utilisateur",
  'insured.health_details': "Consultation des détails santé d'un assuré",
  'export.insured': 'Export des assurés',
  'export.ij_payments': 'Export des indemnités journalières',
  'document.attestation': "Téléchargement d'une attestation d'adhésion",
  'document.bia': "Composition d'un bulletin individuel d'adhésion",
  'document.ij_statement': "Téléchargement d'un décompte d'indemnités journalières",
  'request.submit': "Envoi d'une démarche",
  'backoffice.request_reply': 'Réponse à une démarche',
  'backoffice.request_status': "Changement de statut d'une démarche",
  'backoffice.attachment_download': "Téléchargement d'une pièce jointe",
  'backoffice.news_publish': "Publication d'une actualité",
  'backoffice.news_withdraw': "Retrait d'une actualité",
  'staff.create': "Création d'un compte OCSO",
};
export const actionLabel = (code) => ACTIONS[code] ?? code;
