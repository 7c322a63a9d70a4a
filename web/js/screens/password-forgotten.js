// Mot de passe oublié (guide ch. 02): a code is mailed, then typed here with the new password.

import { api } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { form, inputField, LocalProblem, onSubmit, submitButton } from '../forms.js';
import { notify } from '../notice.js';
import { navigate } from '../router.js';
import { alertMessage, block, pageTitle } from '../ui.js';
import { checkConfirmation, newPasswordFields } from './password-change.js';

export const title = 'Mot de passe oublié';

function resetForm(detail) {
  const element = form({ class: 'stack', 'aria-label': 'Nouveau mot de passe' },
    detail ? alertMessage(detail, 'success') : null,
    inputField({ name: 'code', label: 'Code reçu par mail', required: true, hint: 'Valable 30 minutes, pour une seule utilisation.' }),
    newPasswordFields(),
    h('div', { class: 'form-actions' }, submitButton('Enregistrer le mot de passe')));
  onSubmit(element, async (values) => {
    if (!values.code) throw new LocalProblem({ code: 'Saisissez le code reçu par mail.' });
    checkConfirmation(values);
    await api.post(`/api/v1/password-resets/${encodeURIComponent(values.code)}`, { new_password: values.new_password ?? '' });
    notify('Votre mot de passe a été enregistré. Connectez-vous avec ce nouveau mot de passe.');
    navigate('/connexion');
  }, (field) => (field === 'token' ? 'code' : field));
  return element;
}

export async function render() {
  const area = h('div');
  const requestForm = form({ class: 'stack', 'aria-label': 'Recevoir un code' },
    h('p', null, 'Renseignez l\'adresse mail de votre compte : vous recevrez un code pour choisir un nouveau mot de passe.'),
    inputField({ name: 'email', label: 'Email', type: 'email', required: true, autocomplete: 'username' }),
    h('div', { class: 'form-actions' }, submitButton('Recevoir un code'),
      h('button', { type: 'button', class: 'button button-link', on: { click: () => showReset(null) } }, 'J\'ai déjà un code')));
  const showReset = (detail) => {
    replaceChildren(area, resetForm(detail));
    area.querySelector('input').focus();
  };
  onSubmit(requestForm, async (values) => {
    const answer = await api.post('/api/v1/password-resets', { email: values.email });
    showReset(answer.detail);
  });
  replaceChildren(area, requestForm);
  return h('div', { class: 'narrow' },
    pageTitle('Mot de passe oublié'),
    block('Nouveau mot de passe', area),
    h('p', null, h('a', { href: '#/connexion' }, 'Retour à la connexion')));
}
