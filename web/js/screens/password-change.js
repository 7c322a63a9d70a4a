// Replacing the temporary password at first login (guide ch. 02), or changing one's password.

import { api } from '../api.js';
import { h } from '../dom.js';
import { form, inputField, LocalProblem, onSubmit, submitButton } from '../forms.js';
import { notify } from '../notice.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { block, pageTitle } from '../ui.js';

export const title = 'Mot de passe';

const PASSWORD_RULE = '8 caractères minimum, dont 1 chiffre et 1 caractère spécial ; '
  + 'il ne doit pas contenir la partie de votre adresse mail avant le « @ ».';

/** The new password twice; a LocalProblem if the two differ. */
export function newPasswordFields() {
  return [
    inputField({ name: 'new_password', label: 'Nouveau mot de passe', type: 'password', required: true, autocomplete: 'new-password', hint: PASSWORD_RULE }),
    inputField({ name: 'confirmation', label: 'Confirmation du nouveau mot de passe', type: 'password', required: true, autocomplete: 'new-password' }),
  ];
}

export function checkConfirmation(values) {
  if ((values.new_password ?? '') !== (values.confirmation ?? '')) {
    throw new LocalProblem({ confirmation: 'Les deux mots de passe saisis sont différents.' });
  }
}

export async function render() {
  const forced = session.mustChangePassword;
  const changeForm = form({ class: 'stack', 'aria-label': 'Modifier mon mot de passe' },
    inputField({
      name: 'current_password', label: forced ? 'Mot de passe temporaire' : 'Mot de passe actuel', type: 'password',
      required: true, autocomplete: 'current-password',
    }),
    newPasswordFields(),
    h('div', { class: 'form-actions' }, submitButton('Enregistrer le mot de passe')));
  onSubmit(changeForm, async (values) => {
    checkConfirmation(values);
    // A new session comes back (new cookie, new CSRF token); the other sessions are ended.
    session.apply(await api.post('/api/v1/me/password', { current_password: values.current_password ?? '', new_password: values.new_password ?? '' }));
    notify('Votre mot de passe a été modifié.');
    navigate(session.homePath);
  });
  return h('div', { class: 'narrow' },
    pageTitle(forced ? 'Choisissez votre mot de passe' : 'Modifier mon mot de passe',
      forced ? 'Pour votre première connexion, remplacez le mot de passe temporaire reçu par mail par un mot de passe de votre choix.' : null),
    block('Mot de passe', changeForm));
}
