// Connexion à l'espace employeur (guide ch. 02).

import { api } from '../api.js';
import { h } from '../dom.js';
import { form, inputField, onSubmit, submitButton } from '../forms.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { block, pageTitle } from '../ui.js';

export const title = 'Connexion';

export async function render() {
  const loginForm = form({ class: 'stack', 'aria-label': 'Connexion' },
    inputField({ name: 'email', label: 'Email', type: 'email', required: true, autocomplete: 'username' }),
    inputField({
      name: 'password', label: 'Mot de passe', type: 'password', required: true, autocomplete: 'current-password',
      hint: 'Le mot de passe temporaire reçu par mail s\'il s\'agit de votre 1re connexion, sinon celui que vous avez choisi.',
    }),
    h('div', { class: 'form-actions' }, submitButton('Se connecter'),
      h('a', { href: '#/mot-de-passe-oublie' }, 'Mot de passe oublié ?')));
  onSubmit(loginForm, async (values) => {
    const body = await api.post('/api/v1/session', { email: values.email, password: values.password ?? '' });
    session.apply(body);
    navigate(session.homePath);
  });

  return h('div', { class: 'narrow' },
    pageTitle('Connexion à l\'espace employeur'),
    h('div', { class: 'columns' },
      block('Connexion à l\'espace employeur', loginForm),
      block('Vous n\'avez pas encore de compte ?', [
        h('p', null, 'Pour découvrir toutes les fonctionnalités, créez votre compte.'),
        h('p', null, 'Si vous ne possédez pas les informations nécessaires à la création de votre Espace, '
          + 'n\'hésitez pas à en faire la demande par mail à l\'adresse : ', h('a', { href: 'mailto:support@ocso.fr' }, 'support@ocso.fr')),
        h('p', null, h('a', { class: 'button button-secondary', href: '#/inscription' }, 'Créer un compte')),
      ], { variant: 'maroon' })));
}
