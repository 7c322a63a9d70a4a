// Assurés – Détails Santé (guide ch. 05): the person, their beneficiaries and the attestations
// d'adhésion to download. Health data (NIR, address, beneficiaries) needs the `health` right.

import { api } from '../api.js';
import { h } from '../dom.js';
import { formatDate, formatNir } from '../format.js';
import { insuredStatusLabel } from '../labels.js';
import { href } from '../router.js';
import { alertMessage, block, downloadLink, emptyState, facts, pageTitle, table } from '../ui.js';

export const title = 'Détails Santé';

export async function render({ structure, params }) {
  const base = `/api/v1/structures/${structure.id}/insured/${encodeURIComponent(params.matricule)}`;
  const person = await api.get(base);
  const health = person.health;
  const name = `${person.last_name} ${person.first_name}`;
  const address = health ? [health.address_line, [health.postal_code, health.city].filter(Boolean).join(' ')].filter(Boolean) : [];
  return h('div', null,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Fil d\'Ariane' },
      h('a', { href: href('/assures') }, 'Assurés'), ' / ', h('span', null, `Assuré : ${name}`)),
    pageTitle(`Détails Santé : ${name}`, 'Les informations et bénéficiaires enregistrés pour ce salarié.'),
    h('p', null, h('a', { href: href('/assures'), class: 'back-link' }, '← Retour')),
    block('Mes informations', facts([
      ['Assuré principal', `${person.first_name} ${person.last_name}`],
      health ? ['Numéro Sécurité sociale', formatNir(health.nir)] : null,
      ['Matricule', person.matricule],
      ['Statut', insuredStatusLabel(person.status)],
      health ? ['Date de naissance', formatDate(health.birth_date)] : null,
      health ? ['Adresse', address.length ? address.flatMap((l, i) => (i ? [h('br'), l] : [l])) : null] : null,
    ])),
    health
      ? [
        block('Mes bénéficiaires', health.beneficiaries.length === 0
          ? emptyState('Aucun bénéficiaire enregistré.')
          : table({
            caption: `Bénéficiaires de ${name}`, captionHidden: true,
            columns: ['Prénom', 'Nom', 'Rang', 'Né(e) le', 'Date adhésion', 'Date validité', 'Date radiation'],
            rows: health.beneficiaries.map((b) => [b.first_name, b.last_name, b.rank, formatDate(b.birth_date),
              formatDate(b.adhesion_date), formatDate(b.validity_date) || '-', formatDate(b.radiation_date) || '-']),
          })),
        block('Mes documents à télécharger', [
          h('p', null, 'Téléchargez des attestations d\'adhésion à compléter pour transmission à vos salariés.'),
          h('ul', { class: 'link-list' },
            h('li', null, downloadLink(`${base}/attestations/mandatory`, 'Attestation d\'adhésion - Mutuelle obligatoire')),
            h('li', null, downloadLink(`${base}/attestations/termination`, 'Attestation d\'adhésion pour résiliation ancienne mutuelle'))),
        ], { variant: 'orange' }),
      ]
      : alertMessage('Votre profil ne donne pas accès aux informations de santé (droit « Détails Santé »).', 'info'));
}
