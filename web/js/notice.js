// A message at the top of the page ("Votre mot de passe a été modifié."). One given just before
// a navigation survives it and is cleared by the navigation after.

import { h, replaceChildren } from './dom.js';

let pending = null;

function region() {
  return document.getElementById('notice');
}

/** Shows `text` now and keeps it through the next screen change. */
export function notify(text, kind = 'success') {
  pending = { text, kind };
  replaceChildren(region(), h('p', { class: ['alert', `alert-${kind}`] }, text));
}

/** Called on each screen change: the pending message stays once, then goes. */
export function nextScreen() {
  if (pending) {
    pending = null;
    return;
  }
  replaceChildren(region());
}
