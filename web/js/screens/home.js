// Page d'accueil (guide ch. 03): company, OCSO m'informe, shortcuts, latest IJ payments.

import { api } from '../api.js';
import { h, lines } from '../dom.js';
import { formatAmount, formatDate, formatDay } from '../format.js';
import { href } from '../router.js';
import { session } from '../session.js';
import { block, facts, pageTitle } from '../ui.js';

export const title = 'Accueil';

/** The API's shortcut targets, as the portal's screens. */
function shortcutTarget(link) {
  const category = /[?&]category=([a-z_]+)/.exec(link.href);
  if (category) return href('/demarches', { categorie: category[1] });
  if (link.href.endsWith('/documents')) return href('/documents/bia');
  return href('/accueil');
}

export async function render({ structure }) {
  const home = await api.get(`/api/v1/structures/${structure.id}/home`);
  const company = home.company;
  const blocks = [];
  if (company) {
    blocks.push(block('Entreprise', facts([
      ['Dénomination sociale', company.name],
      ['Numéro client', company.client_number],
      ['SIRET', company.siret],
      ['Adresse', company.address ? lines(company.address) : null],
      ['Téléphone', company.phone],
    ]), { actions: h('a', { href: href('/entreprise'), class: 'block-link' }, 'Voir l\'entreprise') }));
  }
  blocks.push(block('OCSO m\'informe', [
    session.isPrincipal ? h('p', null, 'Vous pouvez administrer plusieurs structures et plusieurs utilisateurs ! '
      + 'Pour cela rendez-vous en haut à droite dans la rubrique « Administration des structures ».') : null,
    home.news.length ? h('ul', { class: 'news-titles' }, home.news.map((item) => h('li', null,
      h('span', { class: 'date' }, formatDay(item.published_at)), ' ', h('a', { href: href('/actualites') }, item.title)))) : null,
    h('p', null, 'Pour toutes questions ou demande d\'information : ', h('a', { href: 'mailto:support@ocso.fr' }, 'support@ocso.fr')),
  ], { variant: 'maroon' }));
  if (home.links.length) {
    blocks.push(block('Démarches et documents en ligne', h('ul', { class: 'shortcuts' },
      home.links.map((link) => h('li', null, h('a', { href: shortcutTarget(link) }, link.label)))), { variant: 'orange' }));
  }
  if (home.latest_ij_payments) {
    blocks.push(block('Indemnités journalières', home.latest_ij_payments.length === 0
      ? h('p', null, 'Aucun règlement pour le moment.')
      : h('table', { class: 'data-table compact' },
        h('caption', { class: 'visually-hidden' }, 'Derniers règlements d\'indemnités journalières'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, 'Structure'),
          h('th', { scope: 'col', class: 'amount' }, 'Montant'))),
        h('tbody', null, home.latest_ij_payments.map((p) => h('tr', null,
          h('td', null, formatDate(p.payment_date)), h('td', null, p.structure_name), h('td', { class: 'amount' }, formatAmount(p.amount)))))),
    { actions: h('a', { href: href('/indemnites'), class: 'block-link' }, 'Tous les règlements') }));
  }
  return h('div', null,
    pageTitle(`Bienvenue sur votre Espace Employeur`, `Structure : ${home.structure.name}`),
    h('div', { class: 'home-grid' }, blocks));
}
