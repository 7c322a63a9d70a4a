// Assurés (guide ch. 05): employees on the structure's contracts, with the period, name,
// collège, régime and portability filters; filters live in the address so back/forward and
// links keep them.

import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { formatCount, formatDate } from '../format.js';
import { dateField, form, inputField, onSubmit, periodValues, radioGroup, selectField, showProblem, submitButton } from '../forms.js';
import { insuredStatusLabel } from '../labels.js';
import { pager } from '../pagination.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { block, downloadLink, emptyState, pageTitle, table } from '../ui.js';

export const title = 'Assurés';

const PAGE_SIZE = 20;
// Filter names in the address -> the API's query parameters.
const API_NAMES = { du: 'from', au: 'to', assure: 'q', college: 'college', regime: 'regime', portabilite: 'portability' };
const FORM_NAMES = Object.fromEntries(Object.entries(API_NAMES).map(([k, v]) => [v, k]));

function apiQuery(query) {
  const result = {};
  for (const [name, apiName] of Object.entries(API_NAMES)) if (query[name]) result[apiName] = query[name];
  return result;
}

async function collegeChoices(structureId) {
  if (!session.hasRight('company')) return null;
  const contracts = await api.get(`/api/v1/structures/${structureId}/contracts`);
  return [...new Set(contracts.map((c) => c.college))].sort();
}

function filterForm(query, colleges) {
  const element = form({ class: 'filters', 'aria-label': 'Filtrer les assurés' },
    h('fieldset', { class: 'filter-group' }, h('legend', null, 'Période'),
      dateField({ name: 'du', label: 'Du', value: formatDate(query.du) }),
      dateField({ name: 'au', label: 'Au', value: formatDate(query.au) })),
    inputField({ name: 'assure', label: 'Assuré', value: query.assure, hint: 'Nom, prénom ou début du matricule' }),
    colleges
      ? selectField({ name: 'college', label: 'Collège', value: query.college, choices: [['', 'Tous les collèges'], ...colleges.map((c) => [c, c])] })
      : inputField({ name: 'college', label: 'Collège', value: query.college }),
    selectField({ name: 'regime', label: 'Régime', value: query.regime,
      choices: [['', 'Tous les régimes'], ['SANTE', 'Santé collective'], ['PREVOYANCE', 'Prévoyance collective']] }),
    radioGroup({ name: 'portabilite', legend: 'Portabilité', value: query.portabilite || 'all',
      choices: [['all', 'Tous'], ['portability', 'Salariés en portabilité'], ['active', 'Salariés actifs']] }),
    h('div', { class: 'form-actions' }, submitButton('Rechercher'), h('a', { href: href('/assures') }, 'Effacer les filtres')));
  onSubmit(element, async (values) => {
    const { du, au } = periodValues(values);
    navigate('/assures', { ...values, du, au, portabilite: values.portabilite === 'all' ? '' : values.portabilite, page: '' });
  });
  return element;
}

function personCard(person, structureId) {
  const hasHealth = person.affiliations.some((a) => a.regime === 'SANTE');
  return h('article', { class: 'person' },
    h('div', { class: 'person-header' },
      h('h3', null, `${person.matricule} - ${person.last_name} ${person.first_name}`),
      h('span', { class: ['status', `status-${person.status.toLowerCase()}`] }, insuredStatusLabel(person.status)),
      hasHealth ? h('a', { class: 'details-link', href: href(`/assures/${encodeURIComponent(person.matricule)}`) },
        'Détails Santé', h('span', { class: 'visually-hidden' }, ` de ${person.last_name} ${person.first_name}`), ' ›') : null),
    table({
      caption: `Affiliations de ${person.last_name} ${person.first_name}`, captionHidden: true,
      columns: ['Régime', 'Collège', 'Date d\'entrée', 'Date de fin', 'Portabilité'],
      rows: person.affiliations.map((a) => [a.regime_label, a.college, formatDate(a.entry_date), formatDate(a.end_date),
        a.in_portability ? `Oui${a.portability_end ? `, jusqu'au ${formatDate(a.portability_end)}` : ''}` : 'Non']),
    }));
}

export async function render({ structure, query }) {
  const page = Math.max(1, Number(query.page) || 1);
  const colleges = await collegeChoices(structure.id);
  const filters = filterForm(query, colleges);
  let results;
  try {
    const list = await api.get(`/api/v1/structures/${structure.id}/insured`, { ...apiQuery(query), page, page_size: PAGE_SIZE });
    const exportUrl = api.url(`/api/v1/structures/${structure.id}/insured`, { ...apiQuery(query), format: 'csv' });
    results = [
      h('div', { class: 'results-bar' },
        h('p', { class: 'results-count', 'aria-live': 'polite' }, `${formatCount(list.total)} assuré${list.total > 1 ? 's' : ''}`),
        downloadLink(exportUrl, 'Exporter la liste (CSV)')),
      list.items.length ? list.items.map((p) => personCard(p, structure.id)) : emptyState('Aucun assuré ne correspond à ces critères.'),
      pager(list, (n) => navigate('/assures', { ...query, page: n }), 'Pages des assurés'),
    ];
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    results = null;
    showProblem(filters, error, (field) => FORM_NAMES[field] ?? field);
  }
  return h('div', null,
    pageTitle(`Assurés de l'entreprise : ${structure.name}`, 'Visualisez les salariés enregistrés sur vos contrats, qu\'ils soient actifs ou en portabilité.'),
    h('div', { class: 'with-sidebar' },
      h('aside', { class: 'sidebar' }, block('Filtres', filters)),
      h('div', { class: 'main-column' }, results)));
}
