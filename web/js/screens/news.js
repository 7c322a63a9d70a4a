// Actualités: OCSO's news, newest first.

import { api } from '../api.js';
import { h, paragraphs } from '../dom.js';
import { formatDay } from '../format.js';
import { pager } from '../pagination.js';
import { navigate } from '../router.js';
import { emptyState, pageTitle } from '../ui.js';

export const title = 'Actualités';

export async function render({ query }) {
  const page = Math.max(1, Number(query.page) || 1);
  const list = await api.get('/api/v1/news', { page, page_size: 10 });
  return h('div', { class: 'narrow' },
    pageTitle('Actualités', 'Les informations d\'OCSO pour les employeurs.'),
    list.items.length === 0 ? emptyState('Aucune actualité pour le moment.') : list.items.map((item) => h('article', { class: 'news-item' },
      h('h2', null, item.title),
      h('p', { class: 'date' }, `Publiée le ${formatDay(item.published_at)}`),
      paragraphs(item.body))),
    pager(list, (n) => navigate('/actualites', { page: n }), 'Pages des actualités'));
}
