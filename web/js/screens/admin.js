// Administration des structures (guide ch. 09): my information, my structures with the default
// one, and, for a principal user, attaching another structure with its three security fields.

import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { form, inputField, onSubmit, submitButton } from '../forms.js';
import { rightLabel, roleLabel } from '../labels.js';
import { notify } from '../notice.js';
import { href } from '../router.js';
import { session } from '../session.js';
import { block, facts, linkButton, pageTitle, table } from '../ui.js';

export const title = 'Administration des structures';

function profileForm(user, refresh) {
  const element = form({ class: 'stack', 'aria-label': 'Mes coordonnées' },
    inputField({ name: 'landline_phone', label: 'Téléphone fixe', type: 'tel', value: user.landline_phone ?? '', autocomplete: 'tel' }),
    inputField({ name: 'mobile_phone', label: 'Téléphone portable', type: 'tel', value: user.mobile_phone ?? '', autocomplete: 'tel' }),
    inputField({ name: 'job_title', label: 'Fonction', value: user.job_title ?? '', autocomplete: 'organization-title' }),
    h('div', { class: 'form-actions' }, submitButton('Enregistrer mes informations')));
  onSubmit(element, async (values) => {
    const orNull = (v) => (v === '' ? null : v);
    await api.patch('/api/v1/me', {
      landline_phone: orNull(values.landline_phone), mobile_phone: orNull(values.mobile_phone), job_title: orNull(values.job_title),
    });
    await session.load();
    notify('Vos informations ont été enregistrées.');
    refresh();
  });
  return element;
}

function structuresTable(refresh) {
  const chooseDefault = async (event) => {
    try {
      const structures = await api.put('/api/v1/me/default-structure', { structure_id: Number(event.currentTarget.value) });
      session.setStructures(structures);
      notify(`${structures.find((s) => s.is_default)?.name ?? 'Cette structure'} est désormais votre structure par défaut.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      notify(error.detail, 'error');
    }
    refresh();
  };
  return table({
    caption: 'Mes structures', captionHidden: true,
    columns: ['Nom', 'Numéro client', 'SIRET', 'Rôle', 'Droits', 'Par défaut ?'],
    rows: session.structures.map((s) => [s.name, s.client_number, s.siret, roleLabel(s.role), s.rights.map(rightLabel).join(', '),
      h('span', { class: 'radio-cell' },
        h('input', { type: 'radio', name: 'default-structure', id: `default-${s.id}`, value: s.id, checked: s.is_default, on: { change: chooseDefault } }),
        h('label', { for: `default-${s.id}`, class: 'visually-hidden' }, `Structure par défaut : ${s.name}`))]),
  });
}

function attachForm(refresh) {
  const element = form({ class: 'stack', 'aria-label': 'Ajouter une structure' },
    h('p', null, 'Pour ajouter une structure, vous devez connaître les 3 champs de sécurité nécessaires à la création d\'un compte : '
      + 'numéro client, SIREN et code de sécurité.'),
    inputField({ name: 'client_number', label: 'Numéro client', required: true, maxlength: 7, placeholder: '7 premiers caractères' }),
    inputField({ name: 'siren', label: 'SIREN', required: true, inputmode: 'numeric', maxlength: 9 }),
    inputField({ name: 'security_code', label: 'Code de sécurité', required: true }),
    h('div', { class: 'form-actions' }, submitButton('Ajouter la structure')));
  onSubmit(element, async (values) => {
    const attached = await api.post('/api/v1/structures', {
      client_number: values.client_number, siren: values.siren.replace(/\s/g, ''), security_code: values.security_code,
    });
    session.setStructures(await api.get('/api/v1/structures'));
    notify(`La structure ${attached.name} a été ajoutée à vos structures.`);
    refresh();
  });
  return element;
}

export async function render({ refresh }) {
  const user = session.user;
  return h('div', null,
    pageTitle('Administration des structures', 'Les informations de votre compte, vos structures et leurs utilisateurs.'),
    h('div', { class: 'columns' },
      block('Mes informations', [
        facts([['Nom', user.last_name], ['Prénom', user.first_name], ['Email', user.email]]),
        profileForm(user, refresh),
        h('div', { class: 'button-row' }, linkButton(href('/mot-de-passe'), 'Modifier mon mot de passe')),
      ]),
      h('div', { class: 'stack' },
        block('Mon historique', [h('p', null, 'Voir l\'historique des actions liées à votre compte.'),
          linkButton(href('/historique'), 'Voir mon historique d\'actions')], { variant: 'maroon' }),
        session.administers ? block('Gestion des utilisateurs', [h('p', null, 'Gérez ici les utilisateurs attachés à vos structures.'),
          linkButton(href('/administration/utilisateurs'), 'Gestion des utilisateurs')], { variant: 'orange' }) : null)),
    block('Mes structures', structuresTable(refresh)),
    session.administers ? block('Ajouter une structure', attachForm(refresh)) : null);
}
