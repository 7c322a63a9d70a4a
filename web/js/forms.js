// Form fields with their label, help and error slot, and the display of API problems: each
// field-level error (422 `errors[]`) goes next to its field, the rest in an alert at the top
// of the form. Forms use `novalidate`: messages come from the API, in French, not from the
// browser in its own language.

import { ApiError } from './api.js';
import { h, uniqueId } from './dom.js';
import { parseFrenchDate } from './format.js';

function describedBy(...ids) {
  return ids.filter(Boolean).join(' ') || null;
}

/** The label, the optional "?" help toggle (guide ch. 01) and hint, then the control. */
function fieldShell({ name, label, required, help, hint }, control, controlId) {
  const hintId = hint ? uniqueId('hint') : null;
  const helpId = help ? uniqueId('help') : null;
  const errorId = uniqueId('error');
  control.setAttribute('aria-describedby', describedBy(hintId, helpId, errorId));
  const helpText = help ? h('p', { class: 'field-help', id: helpId, hidden: true }, help) : null;
  const helpButton = help
    ? h('button', {
      type: 'button', class: 'help-toggle', 'aria-expanded': 'false', 'aria-controls': helpId,
      'aria-label': `Aide : ${label}`,
      on: {
        click(event) {
          const open = event.currentTarget.getAttribute('aria-expanded') !== 'true';
          event.currentTarget.setAttribute('aria-expanded', String(open));
          helpText.hidden = !open;
        },
      },
    }, '?')
    : null;
  return h('div', { class: 'field', dataset: { field: name } },
    h('div', { class: 'field-label' },
      h('label', { for: controlId }, label, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
      helpButton),
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    helpText,
    control,
    h('p', { class: 'field-error', id: errorId }));
}

/** <input>: type text, email, password, tel, number… */
export function inputField(options) {
  const id = uniqueId(`f-${options.name}`);
  const input = h('input', {
    id, name: options.name, type: options.type ?? 'text', required: options.required, value: options.value ?? '',
    autocomplete: options.autocomplete ?? 'off', inputmode: options.inputmode, placeholder: options.placeholder,
    maxlength: options.maxlength, list: options.list, min: options.min, max: options.max, class: options.inputClass,
  });
  return fieldShell(options, input, id);
}

/** A date typed as jj/mm/aaaa (see format.parseFrenchDate). */
export function dateField(options) {
  return inputField({ ...options, placeholder: 'jj/mm/aaaa', inputmode: 'numeric', maxlength: 10, inputClass: 'input-date' });
}

export function textareaField(options) {
  const id = uniqueId(`f-${options.name}`);
  const control = h('textarea', { id, name: options.name, required: options.required, rows: options.rows ?? 6, maxlength: options.maxlength });
  control.value = options.value ?? '';
  return fieldShell(options, control, id);
}

/** options.choices: [[value, label]] or, grouped, [{label, choices: [[value, label]]}]. */
export function selectField(options) {
  const id = uniqueId(`f-${options.name}`);
  const option = ([value, label]) => h('option', { value, selected: String(value) === String(options.value ?? '') }, label);
  const select = h('select', { id, name: options.name, required: options.required },
    options.choices.map((choice) => (Array.isArray(choice)
      ? option(choice)
      : h('optgroup', { label: choice.label }, choice.choices.map(option)))));
  return fieldShell(options, select, id);
}

export function fileField(options) {
  const id = uniqueId(`f-${options.name}`);
  const input = h('input', { id, name: options.name, type: 'file', multiple: options.multiple, accept: options.accept });
  return fieldShell(options, input, id);
}

/** One checkbox with its label after it. */
export function checkboxField({ name, label, checked, required, value }) {
  const id = uniqueId(`f-${name}`);
  const errorId = uniqueId('error');
  return h('div', { class: 'field field-checkbox', dataset: { field: name } },
    h('input', { id, name, type: 'checkbox', checked, required, value: value ?? 'on', 'aria-describedby': errorId }),
    h('label', { for: id }, label),
    h('p', { class: 'field-error', id: errorId }));
}

/** Radio buttons in a fieldset: choices [[value, label]]. */
export function radioGroup({ name, legend, choices, value }) {
  const errorId = uniqueId('error');
  return h('fieldset', { class: 'field field-radios', dataset: { field: name }, 'aria-describedby': errorId },
    h('legend', null, legend),
    choices.map(([choice, label]) => {
      const id = uniqueId(`f-${name}`);
      return h('div', { class: 'radio' },
        h('input', { id, type: 'radio', name, value: choice, checked: String(choice) === String(value ?? '') }),
        h('label', { for: id }, label));
    }),
    h('p', { class: 'field-error', id: errorId }));
}

export function submitButton(label, extra = {}) {
  return h('button', { type: 'submit', class: 'button button-primary', ...extra }, label);
}

/** A form whose problems appear in its first child, an alert emptied on each submission. */
export function form(props, ...children) {
  return h('form', { novalidate: true, ...props }, h('div', { class: 'form-problem', role: 'alert', hidden: true }), children);
}

function clearProblems(formElement) {
  const summary = formElement.querySelector('.form-problem');
  summary.hidden = true;
  summary.replaceChildren();
  for (const error of formElement.querySelectorAll('.field-error')) error.replaceChildren();
  for (const invalid of formElement.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
}

/** Puts `message` next to the field named `name`; false if the form has no such field. */
function setFieldError(formElement, name, message) {
  const field = formElement.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!field) return false;
  const slot = field.querySelector('.field-error');
  slot.textContent = message;
  const control = field.matches('fieldset') ? field : field.querySelector('input, select, textarea');
  control?.setAttribute('aria-invalid', 'true');
  return true;
}

/**
 * Shows an ApiError: field errors next to their fields (`fieldFor` maps an API field name to
 * the form's, e.g. "grants" -> "rights"), the problem's detail and any leftover messages at the
 * top. Focus goes to the first invalid control, else to the alert.
 */
export function showProblem(formElement, error, fieldFor = (name) => name) {
  const leftovers = [];
  let placed = 0;
  for (const issue of error.errors ?? []) {
    const name = fieldFor(issue.field);
    // "attachments[1]": the second file of the field "attachments".
    if (setFieldError(formElement, name, issue.message) || setFieldError(formElement, name.replace(/\[\d+\]$/, ''), issue.message)) {
      placed += 1;
    } else {
      leftovers.push(issue.message);
    }
  }
  const summary = formElement.querySelector('.form-problem');
  summary.replaceChildren(h('p', null, placed > 0 && leftovers.length === 0
    ? 'Certains champs sont à corriger : voyez les messages sous chacun d\'eux.'
    : error.detail ?? error.message));
  if (leftovers.length) summary.append(h('ul', null, leftovers.map((m) => h('li', null, m))));
  summary.hidden = false;
  const firstInvalid = formElement.querySelector('[aria-invalid="true"]');
  const target = firstInvalid?.matches('fieldset') ? firstInvalid.querySelector('input') : firstInvalid;
  (target ?? summary).focus?.();
  if (!target) {
    summary.setAttribute('tabindex', '-1');
    summary.focus();
  }
}

/** The form's values as strings (FormData), files excepted. */
function formValues(formElement) {
  const values = {};
  for (const [key, value] of new FormData(formElement)) {
    if (typeof value === 'string') values[key] = value.trim();
  }
  return values;
}

/**
 * Submission: prevents the page load, disables the submit button while the request runs,
 * clears old problems and shows new ones. `handler(values, formElement)` may throw an ApiError
 * (shown) or a LocalProblem (checks made before asking the API).
 */
export function onSubmit(formElement, handler, fieldFor) {
  formElement.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = formElement.querySelector('button[type="submit"]');
    if (button?.disabled) return;
    clearProblems(formElement);
    if (button) button.disabled = true;
    formElement.setAttribute('aria-busy', 'true');
    try {
      await handler(formValues(formElement), formElement);
    } catch (error) {
      if (!(error instanceof ApiError || error instanceof LocalProblem)) throw error;
      // A lost session is handled by the app (back to the login page).
      if (error.code !== 'unauthenticated' && formElement.isConnected) showProblem(formElement, error, fieldFor);
    } finally {
      formElement.removeAttribute('aria-busy');
      if (button) button.disabled = false;
    }
  });
}

/** A problem found before calling the API, shown like the API's: {field: message}. */
export class LocalProblem extends Error {
  constructor(fieldMessages, detail = 'Certains champs sont invalides.') {
    super(detail);
    this.detail = detail;
    this.errors = Object.entries(fieldMessages).map(([field, message]) => ({ field, code: 'invalid', message }));
  }
}

/** The "Du"/"Au" fields of a filter as ISO dates ('' when empty); a LocalProblem if one is not a date. */
export function periodValues(values) {
  const period = { du: parseFrenchDate(values.du), au: parseFrenchDate(values.au) };
  const wrong = {};
  for (const [name, value] of Object.entries(period)) {
    if (value === null) wrong[name] = 'Date invalide : saisissez-la au format jj/mm/aaaa.';
  }
  if (Object.keys(wrong).length) throw new LocalProblem(wrong);
  return period;
}
