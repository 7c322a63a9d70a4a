// Who is signed in, their structures and rights, and the structure they are looking at (the
// selector at the top right). The CSRF token lives in memory only: a reload asks GET /me again.

import { api, setCsrfToken } from './api.js';

const CURRENT_KEY = 'ee.structure';

const state = {
  user: null,
  structures: [],
  currentId: null,
};
/** The structure chosen in this tab, else the one already shown, else the default one. */
function pickCurrent(defaultId) {
  const ids = state.structures.map((s) => s.id);
  const remembered = Number(sessionStorage.getItem(CURRENT_KEY));
  if (ids.includes(remembered)) state.currentId = remembered;
  else if (ids.includes(state.currentId)) return;
  else if (ids.includes(defaultId)) state.currentId = defaultId;
  else state.currentId = ids[0] ?? null;
}

export const session = {
  /** GET /me; signed out on 401. */
  async load() {
    try {
      this.apply(await api.get('/api/v1/me'));
    } catch (error) {
      if (error.status !== 401) throw error;
      this.clear();
    }
  },

  /** A Session body (login, password change, GET /me). */
  apply(body) {
    state.user = body.user;
    state.structures = body.structures ?? [];
    setCsrfToken(body.csrf_token);
    pickCurrent(body.default_structure_id);
  },

  clear() {
    state.user = null;
    state.structures = [];
    state.currentId = null;
    setCsrfToken(null);
    sessionStorage.removeItem(CURRENT_KEY);
  },

  /** After PUT default-structure or an attached structure: GET /structures' list. */
  setStructures(structures) {
    state.structures = structures;
    pickCurrent(structures.find((s) => s.is_default)?.id ?? null);
  },

  select(structureId) {
    sessionStorage.setItem(CURRENT_KEY, String(structureId));
    pickCurrent(null);
  },

  get user() {
    return state.user;
  },
  get structures() {
    return state.structures;
  },
  get signedIn() {
    return state.user !== null;
  },
  get isStaff() {
    return state.user?.kind === 'staff';
  },
  get mustChangePassword() {
    return state.user?.must_change_password === true;
  },
  /** The membership being looked at: {id, name, client_number, siret, role, rights, is_default}. */
  get current() {
    return state.structures.find((s) => s.id === state.currentId) ?? null;
  },
  hasRight(right) {
    return this.current?.rights.includes(right) ?? false;
  },
  get isPrincipal() {
    return this.current?.role === 'principal';
  },
  /** The first screen of this account. */
  get homePath() {
    if (!this.signedIn) return '/connexion';
    if (this.mustChangePassword) return '/mot-de-passe';
    return this.isStaff ? '/back-office' : '/accueil';
  },
  /** Principal of at least one structure: may attach structures and manage users. */
  get administers() {
    return state.structures.some((s) => s.role === 'principal');
  },
};
