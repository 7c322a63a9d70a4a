// Back-office: one démarche, its requester, files and history; reply (text and files) and move
// its status forward (received -> in progress -> done). Each mails the requester.

import { api } from '../api.js';
import { h, paragraphs } from '../dom.js';
import { fileField, form, onSubmit, submitButton, textareaField } from '../forms.js';
import { requestStatusLabel } from '../labels.js';
import { notify } from '../notice.js';
import { href } from '../router.js';
import { block, pageTitle } from '../ui.js';
import { attachmentList, requestFacts, timeline } from './request-detail.js';

export const title = 'Démarche';

const NEXT_STATUS = { received: ['in_progress', 'Passer en cours de traitement'], in_progress: ['done', 'Marquer comme traitée'] };

function statusForm(request, base, refresh) {
  const next = NEXT_STATUS[request.status];
  if (!next) return h('p', null, 'Cette démarche est traitée.');
  const element = form({ class: 'inline-form', 'aria-label': 'Statut de la démarche' },
    h('p', null, `Statut actuel : ${requestStatusLabel(request.status)}`),
    submitButton(next[1]));
  onSubmit(element, async () => {
    await api.patch(base, { status: next[0] });
    notify(`La démarche n° ${request.id} est désormais « ${requestStatusLabel(next[0])} ».`);
    refresh();
  });
  return element;
}

function replyForm(request, base, refresh) {
  const element = form({ class: 'stack', 'aria-label': 'Répondre', enctype: 'multipart/form-data' },
    textareaField({ name: 'message', label: 'Réponse', required: true, maxlength: 10000 }),
    fileField({ name: 'attachments', label: 'Pièces jointes', multiple: true, accept: '.pdf,.jpg,.jpeg,.png',
      hint: 'Jusqu\'à 5 fichiers PDF, JPEG ou PNG.' }),
    h('div', { class: 'form-actions' }, submitButton('Envoyer la réponse')));
  onSubmit(element, async (_, formElement) => {
    await api.postForm(`${base}/replies`, new FormData(formElement));
    notify(`Votre réponse à la démarche n° ${request.id} a été envoyée ; le demandeur est prévenu par mail.`);
    refresh();
  });
  return element;
}

export async function render({ params, refresh }) {
  const base = `/api/v1/backoffice/requests/${encodeURIComponent(params.id)}`;
  const request = await api.get(base);
  return h('div', null,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Fil d\'Ariane' }, h('a', { href: href('/back-office') }, 'Back-office'), ' / ',
      h('span', null, `Démarche n° ${request.id}`)),
    pageTitle(`Démarche n° ${request.id} : ${request.subject}`),
    h('div', { class: 'columns' },
      block('Démarche', [requestFacts(request, [
        request.structure ? ['Structure', `${request.structure.name} (${request.structure.client_number})`] : null,
        request.requester ? ['Demandeur', `${request.requester.name} — ${request.requester.email}`] : null]),
        request.message ? h('div', { class: 'message' }, paragraphs(request.message)) : null,
        attachmentList(request.attachments, base)]),
      block('Traitement', [statusForm(request, base, refresh), request.status === 'done' ? null : replyForm(request, base, refresh)],
        { variant: 'orange' })),
    block('Suivi', request.events.length ? timeline(request.events, base) : h('p', null, 'Pas encore de suivi.')));
}
