// Documents – Bulletin individuel d'adhésion (guide ch. 07): pick the contract and the options,
// the API composes the PDF (with the medical questionnaire for a Prévoyance category of fewer
// than 6 employees).

import { api } from '../api.js';
import { h } from '../dom.js';
import { saveBlob } from '../download.js';
import { form, inputField, onSubmit, radioGroup, selectField, submitButton } from '../forms.js';
import { href } from '../router.js';
import { session } from '../session.js';
import { alertMessage, block, pageTitle } from '../ui.js';

export const title = 'Bulletin individuel d\'adhésion';

export async function render({ structure }) {
  // The contracts need the `company` right; without it the reference is typed.
  const contracts = session.hasRight('company') ? await api.get(`/api/v1/structures/${structure.id}/contracts`) : null;
  const employees = inputField({
    name: 'employees_in_category', label: 'Nombre de salariés dans la catégorie', type: 'number', min: 1, inputmode: 'numeric',
    hint: 'Uniquement nécessaire pour la Prévoyance. Si la catégorie de personnel compte moins de 6 salariés, '
      + 'un questionnaire médical sera à joindre au bulletin d\'affiliation.',
  });
  const contractField = contracts
    ? selectField({ name: 'contract_reference', label: 'Contrat', required: true,
      choices: [['', 'Choisissez un contrat'], ...contracts.map((c) => [c.reference, `${c.regime_label} — ${c.college} (${c.dsn_reference})`])] })
    : inputField({ name: 'contract_reference', label: 'Référence du contrat', required: true });
  const biaForm = form({ class: 'stack', 'aria-label': 'Composer le bulletin' },
    contractField,
    radioGroup({
      name: 'payroll_deduction', legend: 'Si vous avez des options, la cotisation est-elle prélevée sur le bulletin de paie de votre salarié ?',
      value: '', choices: [['true', 'Oui : précompte employeur'], ['false', 'Non : prélevée sur le compte bancaire du salarié'], ['', 'Pas d\'option']],
    }),
    employees,
    h('div', { class: 'form-actions' }, submitButton('Télécharger le bulletin (PDF)'), h('a', { href: href('/documents') }, 'Retour aux documents')));
  const result = h('div', { class: 'bia-result', role: 'status' });

  // The employee count only matters for Prévoyance contracts.
  const select = biaForm.querySelector('select[name="contract_reference"]');
  const syncEmployees = () => {
    const contract = contracts?.find((c) => c.reference === select.value);
    employees.hidden = contract !== undefined && contract.regime !== 'PREVOYANCE';
  };
  select?.addEventListener('change', syncEmployees);

  onSubmit(biaForm, async (values) => {
    result.replaceChildren();
    const count = employees.hidden || values.employees_in_category === '' ? null : Number(values.employees_in_category);
    const { blob, fileName } = await api.postForFile(`/api/v1/structures/${structure.id}/bia`, {
      contract_reference: values.contract_reference,
      payroll_deduction: values.payroll_deduction === '' || values.payroll_deduction === undefined ? null : values.payroll_deduction === 'true',
      employees_in_category: Number.isFinite(count) ? count : null,
    }, 'bulletin-individuel-adhesion.pdf');
    saveBlob(blob, fileName);
    result.replaceChildren(alertMessage(`Le bulletin « ${fileName} » a été téléchargé.`, 'success'));
  });
  return h('div', { class: 'narrow' },
    pageTitle('Bulletin individuel d\'adhésion', 'Composez le bulletin individuel d\'adhésion (BIA) dont vous avez besoin et téléchargez-le.'),
    block('Composer le bulletin', [biaForm, result], { variant: 'orange' }));
}
