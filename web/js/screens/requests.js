// Démarches (guide ch. 08): send documents to the OCSO team concerned, with up to 5 files,
// and "Mes dernières démarches".

import { api } from '../api.js';
import { h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { fileField, form, inputField, onSubmit, selectField, submitButton, textareaField } from '../forms.js';
import { requestStatusLabel } from '../labels.js';
import { notify } from '../notice.js';
import { pager } from '../pagination.js';
import { href, navigate } from '../router.js';
import { block, emptyState, pageTitle } from '../ui.js';

export const title = 'Démarches';

const PAGE_SIZE = 10;

// What each rubrique is for (guide ch. 08).
const GROUP_HELP = {
  employees: 'Joindre un bulletin d\'adhésion ou de modification, un formulaire portabilité, nous informer de la sortie des effectifs de '
    + 'l\'un de vos salariés ou d\'une nouvelle adresse.',
  company: 'Adresse, téléphone, KBIS.',
  sick_leave: 'Vos dossiers, les décomptes, prolongation ou reprise de vos salariés.',
  contributions: 'Transmettez-nous vos bordereaux échus ou de régularisation.',
  question: 'Retrouvez l\'ensemble des réponses à vos questions.',
};

/** [{code, label, group, group_label}] -> option groups in the API's order. */
function groupedChoices(categories) {
  const groups = [];
  for (const category of categories) {
    let group = groups.find((g) => g.code === category.group);
    if (!group) {
      group = { code: category.group, label: category.group_label, choices: [] };
      groups.push(group);
    }
    group.choices.push([category.code, category.label]);
  }
  return groups;
}

function rubriques(groups) {
  return h('dl', { class: 'rubriques' }, groups.map((g) => h('div', null, h('dt', null, g.label), h('dd', null, GROUP_HELP[g.code] ?? ''))));
}

function latestRequests(list, query) {
  if (list.items.length === 0) return emptyState('Vous n\'avez encore envoyé aucune démarche.');
  return [
    h('ul', { class: 'latest-requests' }, list.items.map((r) => h('li', null,
      h('span', { class: 'date' }, formatDateTime(r.created_at)),
      h('a', { href: href(`/demarches/${r.id}`) }, `Démarches > ${r.category_label}`),
      h('span', { class: 'request-subject' }, r.subject),
      h('span', { class: ['status', `status-${r.status}`] }, requestStatusLabel(r.status)),
      r.reply_count ? h('span', { class: 'replies' }, `${r.reply_count} réponse${r.reply_count > 1 ? 's' : ''}`) : null))),
    pager(list, (n) => navigate('/demarches', { ...query, page: n }), 'Pages des démarches'),
  ];
}

export async function render({ structure, query }) {
  const page = Math.max(1, Number(query.page) || 1);
  const [categories, list] = await Promise.all([
    api.get('/api/v1/request-categories'),
    api.get(`/api/v1/structures/${structure.id}/requests`, { page, page_size: PAGE_SIZE }),
  ]);
  const groups = groupedChoices(categories);
  const requestForm = form({ class: 'stack', 'aria-label': 'Nouvelle démarche', enctype: 'multipart/form-data' },
    selectField({ name: 'category', label: 'Rubrique', required: true, value: query.categorie ?? '',
      choices: [['', 'Choisissez une rubrique'], ...groups] }),
    inputField({ name: 'subject', label: 'Objet', required: true, maxlength: 200 }),
    textareaField({ name: 'message', label: 'Message', maxlength: 10000 }),
    fileField({ name: 'attachments', label: 'Pièces jointes', multiple: true, accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png',
      hint: 'Jusqu\'à 5 fichiers PDF, JPEG ou PNG, 10 Mo chacun et 25 Mo en tout.' }),
    h('div', { class: 'form-actions' }, submitButton('Envoyer')));
  onSubmit(requestForm, async (_, element) => {
    // FormData keeps the files of <input type=file multiple> as repeated "attachments" parts.
    const created = await api.postForm(`/api/v1/structures/${structure.id}/requests`, new FormData(element));
    notify(`Votre démarche n° ${created.id} a été envoyée à l'équipe « ${created.team_label} ».`);
    navigate('/demarches', {});
  });
  return h('div', null,
    pageTitle('Démarches', 'Faites parvenir vos documents directement aux équipes OCSO concernées.'),
    h('div', { class: 'with-sidebar sidebar-right' },
      h('div', { class: 'main-column' },
        h('p', { class: 'callout' }, 'Pour fluidifier nos échanges et limiter le papier, utilisez les rubriques suivantes :'),
        rubriques(groups),
        block('Nouvelle démarche', requestForm)),
      h('aside', { class: 'sidebar' }, block('Mes dernières démarches', latestRequests(list, query)))));
}
