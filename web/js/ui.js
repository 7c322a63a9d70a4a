// Building blocks shared by the screens: titles, blocks, tables, download links, messages.

import { h, uniqueId } from './dom.js';

/** The screen's <h1>; focused after each navigation (see app.js) so screen readers start there. */
export function pageTitle(text, subtitle) {
  return h('div', { class: 'page-title' },
    h('h1', { tabindex: '-1' }, text),
    subtitle ? h('p', { class: 'page-subtitle' }, subtitle) : null);
}

/** A block with a coloured title bar, as on the guide's pages (variant: blue, maroon, orange). */
export function block(title, content, { variant = 'blue', id, headingLevel = 'h2', actions } = {}) {
  const headingId = uniqueId('block');
  return h('section', { class: ['block', `block-${variant}`], id, 'aria-labelledby': headingId },
    h('div', { class: 'block-header' }, h(headingLevel, { id: headingId }, title), actions ?? null),
    h('div', { class: 'block-body' }, content));
}

/** columns: ['Régime', …] or [{label, className}]; rows: [[cell, …]] (strings or nodes). */
export function table({ caption, columns, rows, className, captionHidden = false }) {
  const header = (column) => (typeof column === 'string' ? { label: column } : column);
  return h('div', { class: 'table-wrap' },
    h('table', { class: ['data-table', className] },
      caption ? h('caption', { class: captionHidden ? 'visually-hidden' : null }, caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: header(c).className }, header(c).label)))),
      h('tbody', null, rows.map((row) => h('tr', null, row.map((cell, i) => h('td', { class: header(columns[i]).className }, cell)))))));
}

/** Term/value pairs (company information, a person's details). */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([term, value]) => h('div', { class: 'fact' },
    h('dt', null, term),
    h('dd', null, value === null || value === undefined || value === '' ? 'Non renseigné' : value))));
}

/** A GET download: a link with `download`; the API answers with Content-Disposition. */
export function downloadLink(url, label, { description, className } = {}) {
  return h('a', { href: url, download: '', class: ['download-link', className] }, label,
    description ? h('span', { class: 'visually-hidden' }, ` ${description}`) : null);
}

export function alertMessage(text, kind = 'error') {
  return h('div', { class: ['alert', `alert-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, h('p', null, text));
}

export function emptyState(text) {
  return h('p', { class: 'empty' }, text);
}

export function loading() {
  return h('p', { class: 'loading' }, 'Chargement…');
}

/** A link styled as a button. */
export function linkButton(href, label, variant = 'secondary') {
  return h('a', { href, class: ['button', `button-${variant}`] }, label);
}
