// Entreprise (guide ch. 04): company information and the régimes en cours with their guarantees
// and documents (links only with the `documents` right, which their downloads need).

import { api } from '../api.js';
import { h, lines } from '../dom.js';
import { formatDate } from '../format.js';
import { paymentModeLabel, periodicityLabel } from '../labels.js';
import { session } from '../session.js';
import { block, downloadLink, emptyState, facts, pageTitle, table } from '../ui.js';

export const title = 'Entreprise';

export function documentUrl(structureId, documentId) {
  return `/api/v1/structures/${structureId}/documents/${documentId}/content`;
}

function contractSection(contract, structureId, canDownload) {
  const links = (documents, category) => (canDownload
    ? documents.filter((d) => !category || d.category === category).map((d) => downloadLink(documentUrl(structureId, d.id), d.title))
    : []);
  return h('section', { class: 'contract', 'aria-label': `${contract.regime_label} — ${contract.college}` },
    h('div', { class: 'contract-header' },
      facts([
        ['Régime', contract.regime_label],
        ['Collège', contract.college],
        ['Référence DSN', contract.dsn_reference],
        ['Date d\'effet', formatDate(contract.start_date)],
      ]),
      h('div', { class: 'contract-documents' }, links(contract.documents, 'guarantee_description'))),
    table({
      caption: `Garanties — ${contract.regime_label}, ${contract.college}`,
      captionHidden: true,
      columns: ['Libellé de la garantie', 'Périodicité', 'Mode de paiement', canDownload ? 'PDF' : null].filter(Boolean),
      rows: contract.guarantees.map((g) => [g.label, periodicityLabel(g.periodicity), paymentModeLabel(g.payment_mode),
        canDownload ? h('div', { class: 'link-list' }, links(g.documents)) : null].filter((c) => c !== null)),
    }));
}

export async function render({ structure }) {
  const [company, contracts] = await Promise.all([
    api.get(`/api/v1/structures/${structure.id}`),
    api.get(`/api/v1/structures/${structure.id}/contracts`),
  ]);
  const canDownload = session.hasRight('documents');
  return h('div', null,
    pageTitle('Entreprise', 'Consultez, pour vos régimes en cours, les descriptifs de garanties et les notices d\'information qui y sont rattachées.'),
    block('Informations de l\'entreprise', facts([
      ['Dénomination sociale', company.name],
      ['Numéro client', company.client_number],
      ['SIREN', company.siren],
      ['SIRET', company.siret],
      ['Adresse postale', company.address ? lines(company.address) : null],
      ['Téléphone', company.phone],
    ])),
    block('Régimes en cours', [
      h('p', { class: 'form-note' }, 'Seuls les régimes pour lesquels vous nous avez retourné les contrats signés apparaissent dans votre Espace Employeur.'),
      contracts.length ? contracts.map((c) => contractSection(c, structure.id, canDownload)) : emptyState('Aucun régime en cours.'),
    ]));
}
