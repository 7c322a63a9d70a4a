// Création d'un compte (guide ch. 01): the three security fields designate the structure; the
// first account of a structure becomes its principal user.

import { api } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { checkboxField, form, inputField, onSubmit, submitButton } from '../forms.js';
import { alertMessage, block, pageTitle } from '../ui.js';

export const title = 'Création d\'un compte';

const JOB_TITLES = ['Gérant(e)', 'Directeur(rice) général(e)', 'Responsable des ressources humaines', 'Responsable paie',
  'Comptable', 'Assistant(e) de direction'];

export async function render() {
  const jobTitles = h('datalist', { id: 'job-titles' }, JOB_TITLES.map((t) => h('option', { value: t })));
  const signUpForm = form({ class: 'stack', 'aria-label': 'Inscription à l\'espace employeur' },
    h('p', { class: 'form-note' }, 'Les champs marqués d\'un * sont obligatoires.'),
    inputField({
      name: 'client_number', label: 'Numéro client', required: true, placeholder: '7 premiers caractères', maxlength: 7,
      help: 'Le numéro client OCSO attribué à votre société : saisissez ses 7 premiers caractères.',
    }),
    inputField({
      name: 'siren', label: 'SIREN', required: true, inputmode: 'numeric', maxlength: 9,
      help: 'Le numéro SIREN de votre société : 9 chiffres.',
    }),
    inputField({
      name: 'security_code', label: 'Code de sécurité', required: true,
      help: 'Le code de sécurité transmis par courrier lors de la mise en place de vos premiers contrats.',
    }),
    inputField({ name: 'last_name', label: 'Nom', required: true, autocomplete: 'family-name' }),
    inputField({ name: 'first_name', label: 'Prénom', required: true, autocomplete: 'given-name' }),
    inputField({ name: 'landline_phone', label: 'Téléphone fixe', type: 'tel', autocomplete: 'tel' }),
    inputField({ name: 'mobile_phone', label: 'Téléphone portable', type: 'tel', autocomplete: 'tel' }),
    inputField({ name: 'job_title', label: 'Fonction', required: true, list: 'job-titles', autocomplete: 'organization-title' }),
    jobTitles,
    inputField({ name: 'email', label: 'Email', type: 'email', required: true, autocomplete: 'email' }),
    checkboxField({
      name: 'email_consent', required: true,
      label: 'J\'accepte d\'utiliser une adresse mail pour créer mon compte et autorise OCSO à la collecter.',
    }),
    h('p', { class: 'form-note' }, 'L\'espace employeur est un outil dédié au représentant légal de l\'entreprise. '
      + 'Toute délégation est de la responsabilité exclusive de l\'employeur.'),
    h('p', { class: 'form-note' }, h('strong', null, 'Attention : '),
      'l\'utilisateur qui crée le 1er compte de la société devient automatiquement l\'utilisateur principal de la structure.'),
    h('div', { class: 'form-actions' }, submitButton('Créer mon compte'), h('a', { href: '#/connexion' }, 'J\'ai déjà un compte')));

  const container = h('div', null, signUpForm);
  onSubmit(signUpForm, async (values, element) => {
    // Unchecked, the API refuses the sign-up and its message goes next to the box.
    const consent = element.querySelector('input[name="email_consent"]').checked;
    const optional = (v) => (v ? v : null);
    const answer = await api.post('/api/v1/accounts', {
      client_number: values.client_number, siren: values.siren.replace(/\s/g, ''), security_code: values.security_code,
      last_name: values.last_name, first_name: values.first_name, landline_phone: optional(values.landline_phone),
      mobile_phone: optional(values.mobile_phone), job_title: values.job_title, email: values.email, email_consent: consent,
    });
    replaceChildren(container,
      alertMessage(answer.detail, 'success'),
      h('p', null, 'Ce mail contient le mot de passe temporaire de votre 1re connexion. '
        + 'Il vous sera alors demandé de le remplacer par un mot de passe de votre choix.'),
      h('p', null, h('a', { class: 'button button-primary', href: '#/connexion' }, 'Aller à la connexion')));
    container.querySelector('.alert').setAttribute('tabindex', '-1');
    container.querySelector('.alert').focus();
  });

  return h('div', { class: 'narrow' },
    pageTitle('Création d\'un compte', 'Si le compte employeur de votre société n\'a jamais été créé, remplissez le formulaire ci-dessous.'),
    block('Inscription à l\'espace employeur', container),
    h('p', { class: 'form-note' }, 'Si vous ne connaissez pas votre numéro client ou votre code de sécurité, '
      + 'demandez-les par mail à l\'adresse : ', h('a', { href: 'mailto:support@ocso.fr' }, 'support@ocso.fr')));
}
