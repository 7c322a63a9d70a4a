// Gestion des utilisateurs (guide ch. 09), for principal users: delegated users, their rights
// on each structure I administer (grant, change, revoke), and adding a delegated user.

import { api, ApiError } from '../api.js';
import { h, replaceChildren, uniqueId } from '../dom.js';
import { form, inputField, LocalProblem, onSubmit, submitButton } from '../forms.js';
import { RIGHTS, roleLabel } from '../labels.js';
import { notify } from '../notice.js';
import { session } from '../session.js';
import { alertMessage, block, emptyState, pageTitle } from '../ui.js';

export const title = 'Gestion des utilisateurs';

/** A fieldset of the six rights as checkboxes; `checked` is the list of rights held. */
function rightsFieldset(legend, checked, { name = 'rights', disabled = false } = {}) {
  return h('fieldset', { class: 'rights' }, h('legend', null, legend),
    RIGHTS.map(([code, label]) => {
      const id = uniqueId(`right-${code}`);
      return h('span', { class: 'right' },
        h('input', { type: 'checkbox', id, name, value: code, checked: checked.includes(code), disabled }),
        h('label', { for: id }, label));
    }));
}

function checkedRights(container, name = 'rights') {
  return [...container.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function structureName(id) {
  return session.structures.find((s) => s.id === id)?.name ?? `Structure ${id}`;
}

/** One grant of a delegated user: save or revoke (the revoke asks for a confirmation). */
function grantEditor(user, grant, refresh) {
  const name = structureName(grant.structure_id);
  const message = h('div', { class: 'grant-message', role: 'status' });
  const fail = (error) => {
    if (!(error instanceof ApiError)) throw error;
    replaceChildren(message, alertMessage(error.detail));
  };
  const url = `/api/v1/users/${user.id}/grants/${grant.structure_id}`;
  const editor = h('div', { class: 'grant' });
  const save = async () => {
    try {
      await api.put(url, { rights: checkedRights(editor) });
      notify(`Les droits de ${user.first_name} ${user.last_name} sur ${name} ont été enregistrés.`);
      refresh();
    } catch (error) {
      fail(error);
    }
  };
  const revoke = async () => {
    try {
      await api.delete(url);
      notify(`${user.first_name} ${user.last_name} n'a plus accès à ${name}.`);
      refresh();
    } catch (error) {
      fail(error);
    }
  };
  const actions = h('div', { class: 'button-row' });
  const showActions = () => replaceChildren(actions,
    h('button', { type: 'button', class: 'button button-primary', on: { click: save } }, 'Enregistrer les droits'),
    h('button', { type: 'button', class: 'button button-danger', on: { click: confirmRevoke } }, 'Retirer l\'accès'));
  function confirmRevoke() {
    replaceChildren(actions,
      h('span', null, `Retirer l'accès de ${user.first_name} ${user.last_name} à ${name} ?`),
      h('button', { type: 'button', class: 'button button-danger', on: { click: revoke } }, 'Confirmer le retrait'),
      h('button', { type: 'button', class: 'button button-secondary', on: { click: showActions } }, 'Annuler'));
    actions.querySelector('.button-danger').focus();
  }
  showActions();
  return replaceChildren(editor, rightsFieldset(`Droits sur ${name}`, grant.rights), actions, message);
}

function userCard(user, administered, refresh) {
  const isMe = user.id === session.user.id;
  const grants = user.grants.filter((g) => administered.includes(g.structure_id));
  const missing = administered.filter((id) => !grants.some((g) => g.structure_id === id));
  const grantNew = missing.length && !isMe ? newGrantForm(user, missing, refresh) : null;
  return h('article', { class: 'user-card' },
    h('h3', null, `${user.first_name} ${user.last_name}`, isMe ? ' (vous)' : ''),
    h('p', { class: 'user-meta' }, user.email, user.job_title ? ` — ${user.job_title}` : ''),
    grants.map((grant) => (grant.role === 'principal' || isMe
      ? h('p', { class: 'grant-principal' }, `${structureName(grant.structure_id)} : ${roleLabel(grant.role)} (tous les droits)`)
      : grantEditor(user, grant, refresh))),
    grantNew);
}

/** Gives an existing user access to another structure I administer. */
function newGrantForm(user, structureIds, refresh) {
  const select = h('select', { name: 'structure', id: uniqueId('grant-structure') },
    structureIds.map((id) => h('option', { value: id }, structureName(id))));
  const element = form({ class: 'grant grant-new', 'aria-label': `Nouvel accès pour ${user.first_name} ${user.last_name}` },
    h('div', { class: 'field' }, h('label', { for: select.id }, 'Donner accès à'), select),
    rightsFieldset('Droits', []),
    h('div', { class: 'form-actions' }, submitButton('Donner l\'accès')));
  onSubmit(element, async (_, formElement) => {
    await api.put(`/api/v1/users/${user.id}/grants/${select.value}`, { rights: checkedRights(formElement) });
    notify(`${user.first_name} ${user.last_name} a désormais accès à ${structureName(Number(select.value))}.`);
    refresh();
  });
  return element;
}

function addUserForm(administered, refresh) {
  const accessGroups = administered.map((id) => h('div', { class: 'access-choice' },
    h('span', { class: 'field-checkbox' },
      h('input', { type: 'checkbox', id: `access-${id}`, name: 'access', value: id, checked: administered.length === 1 }),
      h('label', { for: `access-${id}` }, `Accès à ${structureName(id)}`)),
    rightsFieldset(`Droits sur ${structureName(id)}`, [], { name: `rights-${id}` })));
  const element = form({ class: 'stack', 'aria-label': 'Ajouter un utilisateur délégué' },
    inputField({ name: 'last_name', label: 'Nom', required: true }),
    inputField({ name: 'first_name', label: 'Prénom', required: true }),
    inputField({ name: 'email', label: 'Email', type: 'email', required: true }),
    inputField({ name: 'landline_phone', label: 'Téléphone fixe', type: 'tel' }),
    inputField({ name: 'mobile_phone', label: 'Téléphone portable', type: 'tel' }),
    inputField({ name: 'job_title', label: 'Fonction' }),
    h('div', { class: 'field', dataset: { field: 'grants' } }, h('p', { class: 'field-label' }, 'Structures et droits'),
      accessGroups, h('p', { class: 'field-error' })),
    h('div', { class: 'form-actions' }, submitButton('Créer l\'utilisateur')));
  onSubmit(element, async (values, formElement) => {
    const grants = [...formElement.querySelectorAll('input[name="access"]:checked')].map((input) => ({
      structure_id: Number(input.value), rights: checkedRights(formElement, `rights-${input.value}`),
    }));
    if (grants.length === 0) throw new LocalProblem({ grants: 'Choisissez au moins une structure.' });
    const orNull = (v) => (v ? v : null);
    const created = await api.post('/api/v1/users', {
      last_name: values.last_name, first_name: values.first_name, email: values.email, landline_phone: orNull(values.landline_phone),
      mobile_phone: orNull(values.mobile_phone), job_title: orNull(values.job_title), grants,
    });
    notify(`${created.first_name} ${created.last_name} a été ajouté(e) ; un mail lui a été envoyé.`);
    refresh();
  });
  return element;
}

export async function render({ refresh }) {
  const administered = session.structures.filter((s) => s.role === 'principal').map((s) => s.id);
  if (administered.length === 0) {
    return h('div', null, pageTitle('Gestion des utilisateurs'),
      alertMessage('Seul l\'utilisateur principal d\'une structure peut gérer ses utilisateurs.', 'info'));
  }
  const users = await api.get('/api/v1/users');
  return h('div', null,
    pageTitle('Gestion des utilisateurs', 'Gérez ici les utilisateurs attachés à vos structures et leurs droits.'),
    h('div', { class: 'columns' },
      block('Utilisateurs', users.length ? users.map((u) => userCard(u, administered, refresh)) : emptyState('Aucun utilisateur.')),
      block('Ajouter un utilisateur délégué', addUserForm(administered, refresh), { variant: 'orange' })));
}
