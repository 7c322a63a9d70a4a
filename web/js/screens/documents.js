// Documents (guide ch. 07): blank forms for everyone, the structure's own documents (bordereaux,
// descriptifs, notices) and the BIA composer with the `documents` right.

import { api } from '../api.js';
import { h } from '../dom.js';
import { formatSize } from '../format.js';
import { documentCategoryLabel } from '../labels.js';
import { pager } from '../pagination.js';
import { href, navigate } from '../router.js';
import { session } from '../session.js';
import { block, downloadLink, emptyState, linkButton, pageTitle, table } from '../ui.js';
import { documentUrl } from './company.js';

export const title = 'Documents';

const PAGE_SIZE = 100;
const FORM_SECTIONS = [
  ['sick_leave', 'Gestion des arrêts de travail'],
  ['contributions', 'Gestion des cotisations'],
  ['changes', 'Modification des informations'],
];

function formsTable(forms, caption) {
  return table({
    caption, captionHidden: true, columns: ['Nom du document', 'Téléchargement'],
    rows: forms.map((f) => [f.title, downloadLink(`/api/v1/forms/${f.id}/content`, `Télécharger (PDF, ${formatSize(f.size)})`, { description: f.title })]),
  });
}

function structureDocuments(list, structureId, query) {
  if (list.items.length === 0) return emptyState('Aucun document pour cette structure.');
  return [
    table({
      caption: 'Documents de la structure', captionHidden: true,
      columns: ['Nom du document', 'Type', 'Année', 'Collège', 'Garantie', 'Téléchargement'],
      rows: list.items.map((d) => [d.title, documentCategoryLabel(d.category), d.year ? String(d.year) : '', d.college ?? '', d.guarantee ?? '',
        downloadLink(documentUrl(structureId, d.id), 'Télécharger', { description: d.title })]),
    }),
    pager(list, (n) => navigate('/documents', { ...query, page: n }), 'Pages des documents'),
  ];
}

export async function render({ structure, query }) {
  const withDocuments = session.hasRight('documents');
  const page = Math.max(1, Number(query.page) || 1);
  const [forms, documents] = await Promise.all([
    api.get('/api/v1/forms'),
    withDocuments ? api.get(`/api/v1/structures/${structure.id}/documents`, { page, page_size: PAGE_SIZE }) : null,
  ]);
  return h('div', null,
    pageTitle('Documents', 'Téléchargez les formulaires dont vous avez besoin et les documents de votre structure.'),
    session.hasRight('requests')
      ? h('p', { class: 'callout' }, 'Pensez à utiliser la rubrique ', h('a', { href: href('/demarches') }, 'Démarches'), ' pour nous envoyer vos documents.')
      : null,
    withDocuments ? block('Bulletin individuel d\'adhésion', [
      h('p', null, 'Composez le bulletin individuel d\'adhésion (BIA) dont vous avez besoin et téléchargez-le.'),
      linkButton(href('/documents/bia'), 'Composer un bulletin individuel d\'adhésion', 'primary'),
    ], { variant: 'orange' }) : null,
    FORM_SECTIONS.map(([category, heading]) => block(heading, formsTable(forms.filter((f) => f.category === category), heading))),
    withDocuments ? block(`Documents de la structure ${structure.name}`, structureDocuments(documents, structure.id, query)) : null);
}
