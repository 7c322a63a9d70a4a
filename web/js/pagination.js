// "Page x sur y" with previous/next buttons, under long lists.

import { h } from './dom.js';
import { formatCount } from './format.js';

/** onPage(n) is called with the page to show; nothing is drawn for a single page. */
export function pager({ page, page_size: pageSize, total }, onPage, label = 'Pagination') {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const go = (n) => () => onPage(n);
  return h('nav', { class: 'pager', 'aria-label': label },
    h('button', { type: 'button', class: 'button button-secondary', disabled: page <= 1, on: { click: go(page - 1) } }, '‹ Précédente'),
    h('span', { class: 'pager-status', 'aria-live': 'polite' }, `Page ${formatCount(page)} sur ${formatCount(pages)}`),
    h('button', { type: 'button', class: 'button button-secondary', disabled: page >= pages, on: { click: go(page + 1) } }, 'Suivante ›'));
}
