// Indemnités journalières (guide ch. 06): payments newest first, filtered by payment period and
// insured person; each payment unfolds into its lines and has its décompte to download.

import { api, ApiError } from '../api.js';
import { h, uniqueId } from '../dom.js';
import { formatAmount, formatCount, formatDate } from '../format.js';
import { dateField, form, inputField, onSubmit, periodValues, selectField, showProblem, submitButton } from '../forms.js';
import { pager } from '../pagination.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { block, downloadLink, emptyState, pageTitle, table } from '../ui.js';

export const title = 'Indemnités journalières';

const PAGE_SIZE = 10;
const API_NAMES = { du: 'from', au: 'to', assure: 'insured' };
const FORM_NAMES = { from: 'du', to: 'au', insured: 'assure' };

/** Insured people for the select, when the user may list them (one page of 100 at most). */
async function insuredChoices(structureId) {
  if (!session.hasRight('insured')) return null;
  const list = await api.get(`/api/v1/structures/${structureId}/insured`, { page_size: 100 });
  if (list.total > list.items.length) return null;
  return list.items.map((p) => [p.matricule, `${p.last_name} ${p.first_name} (${p.matricule})`]);
}

function filterForm(query, people) {
  const element = form({ class: 'filters', 'aria-label': 'Filtrer les règlements' },
    h('fieldset', { class: 'filter-group' }, h('legend', null, 'Période du règlement'),
      dateField({ name: 'du', label: 'Du', value: formatDate(query.du) }),
      dateField({ name: 'au', label: 'Au', value: formatDate(query.au) })),
    people
      ? selectField({ name: 'assure', label: 'Assuré', value: query.assure, choices: [['', 'Tous les assurés'], ...people] })
      : inputField({ name: 'assure', label: 'Assuré (matricule)', value: query.assure }),
    h('div', { class: 'form-actions' }, submitButton('Rechercher'), h('a', { href: href('/indemnites') }, 'Effacer les filtres')));
  onSubmit(element, async (values) => {
    const { du, au } = periodValues(values);
    navigate('/indemnites', { du, au, assure: values.assure, page: '' });
  });
  return element;
}

function paymentItem(payment, structureId, expanded) {
  const panelId = uniqueId('payment');
  const heading = `Date du règlement : ${formatDate(payment.payment_date)} - ${payment.structure_name}`;
  const panel = h('div', { id: panelId, class: 'payment-lines', hidden: !expanded },
    table({
      caption: `Détail du règlement du ${formatDate(payment.payment_date)}`, captionHidden: true,
      columns: ['Période indemnisée', 'Nature', 'Bénéficiaire', { label: 'Nombre de jours', className: 'number' },
        { label: 'Montant journalier Sécurité Sociale', className: 'amount' }, { label: 'Autre mouvement', className: 'amount' },
        { label: 'Montant journalier OCSO', className: 'amount' }, { label: 'Montant', className: 'amount' }],
      rows: payment.lines.map((l) => [`${formatDate(l.period_start)} au ${formatDate(l.period_end)}`, l.nature_label, l.beneficiary_name,
        String(l.days), formatAmount(l.ss_daily), formatAmount(l.other_movement), formatAmount(l.insurer_daily), formatAmount(l.amount)]),
    }));
  const toggle = h('button', {
    type: 'button', class: 'payment-toggle', 'aria-expanded': String(expanded), 'aria-controls': panelId,
    on: {
      click(event) {
        const open = event.currentTarget.getAttribute('aria-expanded') !== 'true';
        event.currentTarget.setAttribute('aria-expanded', String(open));
        panel.hidden = !open;
      },
    },
  }, h('span', { class: 'payment-title' }, heading), h('span', { class: 'payment-amount' }, formatAmount(payment.amount)),
  h('span', { class: 'chevron', 'aria-hidden': 'true' }));
  return h('li', { class: 'payment' },
    h('div', { class: 'payment-header' }, h('h3', null, toggle),
      downloadLink(`/api/v1/structures/${structureId}/ij-payments/${payment.id}/decompte`, 'Décompte (PDF)',
        { description: `du règlement du ${formatDate(payment.payment_date)}`, className: 'decompte-link' })),
    panel);
}

export async function render({ structure, query }) {
  const page = Math.max(1, Number(query.page) || 1);
  const filters = filterForm(query, await insuredChoices(structure.id));
  const apiQuery = Object.fromEntries(Object.entries(API_NAMES).map(([k, v]) => [v, query[k]]));
  let results = null;
  try {
    const list = await api.get(`/api/v1/structures/${structure.id}/ij-payments`, { ...apiQuery, page, page_size: PAGE_SIZE });
    results = [
      h('div', { class: 'results-bar' },
        h('p', { class: 'results-count', 'aria-live': 'polite' }, `${formatCount(list.total)} règlement${list.total > 1 ? 's' : ''}`),
        downloadLink(api.url(`/api/v1/structures/${structure.id}/ij-payments`, { ...apiQuery, format: 'csv' }), 'Exporter les règlements (CSV)')),
      list.items.length
        ? h('ul', { class: 'payments' }, list.items.map((p, i) => paymentItem(p, structure.id, i === 0)))
        : emptyState('Aucun règlement ne correspond à ces critères.'),
      pager(list, (n) => navigate('/indemnites', { ...query, page: n }), 'Pages des règlements'),
    ];
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    showProblem(filters, error, (field) => FORM_NAMES[field] ?? field);
  }
  return h('div', null,
    pageTitle(`Indemnités journalières de l'entreprise : ${structure.name}`,
      'Dans le cadre de vos contrats Prévoyance Incapacité, visualisez ici les remboursements d\'indemnités journalières et téléchargez vos décomptes.'),
    h('div', { class: 'with-sidebar' },
      h('aside', { class: 'sidebar' }, block('Filtres', filters)),
      h('div', { class: 'main-column' }, results)));
}
