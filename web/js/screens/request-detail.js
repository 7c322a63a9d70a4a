// One démarche: its message, files, status history and OCSO's replies.

import { api } from '../api.js';
import { h, paragraphs } from '../dom.js';
import { formatDateTime, formatSize } from '../format.js';
import { requestStatusLabel } from '../labels.js';
import { href } from '../router.js';
import { block, downloadLink, facts, pageTitle } from '../ui.js';

export const title = 'Démarche';

/** Files of a request or of a reply; `base` is the request's URL. */
export function attachmentList(attachments, base) {
  if (!attachments?.length) return null;
  return h('ul', { class: 'link-list' }, attachments.map((a) => h('li', null,
    downloadLink(`${base}/attachments/${a.id}`, a.file_name),
    a.size ? ` (${formatSize(a.size)})` : null)));
}

/** The request's events, oldest first: status changes and replies. */
export function timeline(events, base) {
  return h('ol', { class: 'timeline' }, events.map((event) => h('li', { class: `event event-${event.kind}` },
    h('p', { class: 'event-meta' }, formatDateTime(event.created_at), ' — ',
      event.kind === 'status'
        ? `Statut : ${requestStatusLabel(event.status)}`
        : `Réponse de ${event.author_kind === 'staff' ? 'OCSO' : (event.author_name ?? 'l\'employeur')}${event.author_kind === 'staff' && event.author_name ? ` (${event.author_name})` : ''}`),
    event.body ? h('div', { class: 'event-body' }, paragraphs(event.body)) : null,
    attachmentList(event.attachments, base))));
}

/** The request's facts; `more` adds pairs (the back-office's structure and requester). */
export function requestFacts(request, more = []) {
  return facts([
    ['N°', String(request.id)],
    ['Rubrique', request.category_label],
    ['Équipe OCSO', request.team_label],
    ['Objet', request.subject],
    ['Envoyée le', formatDateTime(request.created_at)],
    ['Par', request.created_by_name],
    ['Statut', requestStatusLabel(request.status)],
    ...more,
  ]);
}

export async function render({ structure, params }) {
  const base = `/api/v1/structures/${structure.id}/requests/${encodeURIComponent(params.id)}`;
  const request = await api.get(base);
  return h('div', null,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Fil d\'Ariane' }, h('a', { href: href('/demarches') }, 'Démarches'), ' / ',
      h('span', null, `Démarche n° ${request.id}`)),
    pageTitle(`Démarche n° ${request.id} : ${request.subject}`),
    block('Votre démarche', [requestFacts(request), request.message ? h('div', { class: 'message' }, paragraphs(request.message)) : null,
      attachmentList(request.attachments, base)]),
    block('Suivi', request.events.length ? timeline(request.events, base) : h('p', null, 'Pas encore de suivi.')));
}
