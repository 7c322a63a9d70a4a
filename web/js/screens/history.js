// Historique: my actions (guide ch. 09 "Voir mon historique d'actions") and, for the principal
// user, every user's actions on the selected structure.

import { api } from '../api.js';
import { h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { actionLabel } from '../labels.js';
import { pager } from '../pagination.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { emptyState, pageTitle, table } from '../ui.js';

export const title = 'Historique';

const PAGE_SIZE = 20;

function structureName(id) {
  return session.structures.find((s) => s.id === id)?.name ?? (id ? `Structure ${id}` : '');
}

function detailsText(details) {
  // Free-form details, e.g. {matricule: "…"}; the API never puts passwords or health data there.
  return Object.entries(details ?? {}).map(([key, value]) => `${key.replace(/_/g, ' ')} : ${value}`).join(' ; ');
}

export async function render({ structure, query }) {
  const page = Math.max(1, Number(query.page) || 1);
  const ofStructure = query.vue === 'structure' && session.isPrincipal;
  const list = ofStructure
    ? await api.get(`/api/v1/structures/${structure.id}/history`, { page, page_size: PAGE_SIZE })
    : await api.get('/api/v1/me/history', { page, page_size: PAGE_SIZE });
  const tab = (label, vue, current) => h('a', { href: href('/historique', { vue }), class: ['tab', current ? 'tab-current' : null],
    'aria-current': current ? 'page' : null }, label);
  return h('div', null,
    pageTitle('Historique', ofStructure ? `Les actions de tous les utilisateurs sur la structure ${structure.name}.` : 'Les actions liées à votre compte.'),
    session.isPrincipal ? h('nav', { class: 'tabs', 'aria-label': 'Historiques' },
      tab('Mes actions', '', !ofStructure), tab(`Actions sur ${structure.name}`, 'structure', ofStructure)) : null,
    list.items.length === 0 ? emptyState('Aucune action enregistrée.') : table({
      caption: ofStructure ? `Historique de la structure ${structure.name}` : 'Mon historique d\'actions', captionHidden: true,
      columns: ['Date', 'Action', ofStructure ? 'Utilisateur' : 'Structure', 'Résultat', 'Détails'],
      rows: list.items.map((item) => [formatDateTime(item.occurred_at), actionLabel(item.action),
        ofStructure ? (item.actor_name ?? '') : structureName(item.structure_id),
        item.outcome === 'success' ? 'Réussie' : 'Échouée', detailsText(item.details)]),
    }),
    pager(list, (n) => navigate('/historique', { ...query, page: n }), 'Pages de l\'historique'));
}
