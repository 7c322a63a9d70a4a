// Back-office for OCSO staff: the démarches of their teams, filtered by team, status and
// structure; each opens on its detail to reply and move its status.

import { api } from '../api.js';
import { h } from '../dom.js';
import { formatCount, formatDateTime } from '../format.js';
import { form, inputField, onSubmit, selectField, submitButton } from '../forms.js';
import { REQUEST_STATUSES, requestStatusLabel } from '../labels.js';
import { pager } from '../pagination.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { block, emptyState, pageTitle, table } from '../ui.js';

export const title = 'Back-office';

const PAGE_SIZE = 20;

/** Team code -> label, from the démarches' categories (each names the team it is routed to). */
async function teamLabels() {
  const categories = await api.get('/api/v1/request-categories');
  return Object.fromEntries(categories.map((c) => [c.team, c.team_label]));
}

function filterForm(query, labels) {
  const teams = session.user.teams ?? [];
  const element = form({ class: 'filters filters-inline', 'aria-label': 'Filtrer les démarches' },
    selectField({ name: 'equipe', label: 'Équipe', value: query.equipe,
      choices: [['', 'Toutes mes équipes'], ...teams.map((t) => [t, labels[t] ?? t])] }),
    selectField({ name: 'statut', label: 'Statut', value: query.statut, choices: [['', 'Tous les statuts'], ...REQUEST_STATUSES] }),
    inputField({ name: 'structure', label: 'N° de structure', value: query.structure, inputmode: 'numeric' }),
    h('div', { class: 'form-actions' }, submitButton('Filtrer')));
  onSubmit(element, async (values) => navigate('/back-office', { ...values, page: '' }),
    (field) => ({ team: 'equipe', status: 'statut' }[field] ?? field));
  return element;
}

export async function render({ query }) {
  const page = Math.max(1, Number(query.page) || 1);
  const [labels, list] = await Promise.all([
    teamLabels(),
    api.get('/api/v1/backoffice/requests', { team: query.equipe, status: query.statut, structure: query.structure, page, page_size: PAGE_SIZE }),
  ]);
  return h('div', null,
    pageTitle('Back-office : démarches', `Les démarches adressées à vos équipes : ${(session.user.teams ?? []).map((t) => labels[t] ?? t).join(', ')}.`),
    block('Filtres', filterForm(query, labels)),
    h('p', { class: 'results-count' }, `${formatCount(list.total)} démarche${list.total > 1 ? 's' : ''}`),
    list.items.length === 0 ? emptyState('Aucune démarche ne correspond à ces critères.') : table({
      caption: 'Démarches', captionHidden: true,
      columns: ['N°', 'Reçue le', 'Structure', 'Rubrique', 'Objet', 'Statut', 'Réponses'],
      rows: list.items.map((r) => [
        h('a', { href: href(`/back-office/${r.id}`) }, `n° ${r.id}`, h('span', { class: 'visually-hidden' }, ` : ${r.subject}`)),
        formatDateTime(r.created_at),
        r.structure ? `${r.structure.name} (${r.structure.client_number})` : String(r.structure_id),
        r.category_label, r.subject,
        h('span', { class: ['status', `status-${r.status}`] }, requestStatusLabel(r.status)),
        String(r.reply_count)]),
    }),
    pager(list, (n) => navigate('/back-office', { ...query, page: n }), 'Pages des démarches'));
}
