// The header: the guide's menu (items follow the rights on the selected structure), the
// structure selector at the top right, the user menu and the logout button.

import { h, replaceChildren } from './dom.js';
import { href } from './router.js';
import { session } from './session.js';

/** The employer's menu; `right` hides an item without that right on the selected structure. */
export const EMPLOYER_MENU = [
  { path: '/accueil', label: 'Accueil' },
  { path: '/entreprise', label: 'Entreprise', right: 'company' },
  { path: '/assures', label: 'Assurés', right: 'insured' },
  { path: '/indemnites', label: 'Indemnités journalières', right: 'ij' },
  { path: '/documents', label: 'Documents' },
  { path: '/demarches', label: 'Démarches', right: 'requests' },
  { path: '/historique', label: 'Historique' },
  { path: '/actualites', label: 'Actualités' },
];
const STAFF_MENU = [{ path: '/back-office', label: 'Back-office' }];

function menuItems() {
  if (!session.signedIn || session.mustChangePassword) return [];
  if (session.isStaff) return STAFF_MENU;
  return EMPLOYER_MENU.filter((item) => !item.right || session.hasRight(item.right));
}

function isCurrent(itemPath, path) {
  return path === itemPath || path.startsWith(`${itemPath}/`);
}

function renderMenu(nav, path) {
  const items = menuItems();
  replaceChildren(nav, items.length === 0 ? null : h('ul', null, items.map((item) => h('li', null,
    h('a', { href: href(item.path), 'aria-current': isCurrent(item.path, path) ? 'page' : null }, item.label)))));
  nav.hidden = items.length === 0;
}

function structureSelector(onSelect) {
  const structures = session.structures;
  if (structures.length === 0) return null;
  return h('div', { class: 'structure-selector' },
    h('label', { for: 'structure-select' }, 'Structure'),
    h('select', {
      id: 'structure-select',
      on: { change: (event) => onSelect(Number(event.currentTarget.value)) },
    }, structures.map((s) => h('option', { value: s.id, selected: s.id === session.current?.id }, s.name))));
}

// One listener for the page's life; it closes whichever user menu is drawn.
let closeOnClickOutside = () => {};
document.addEventListener('click', (event) => closeOnClickOutside(event.target));

/** A disclosure button and its list of links; Escape and a click elsewhere close it. */
function userMenu() {
  const user = session.user;
  const links = session.isStaff
    ? [['/mot-de-passe', 'Modifier mon mot de passe']]
    : [
      ['/administration', 'Administration des structures'],
      session.administers ? ['/administration/utilisateurs', 'Gestion des utilisateurs'] : null,
      ['/mot-de-passe', 'Modifier mon mot de passe'],
      ['/historique', "Mon historique d'actions"],
    ].filter(Boolean);
  const list = h('ul', { id: 'user-menu-list', class: 'user-menu-list', hidden: true },
    links.map(([path, label]) => h('li', null, h('a', { href: href(path) }, label))));
  const button = h('button', {
    type: 'button', class: 'user-menu-button', 'aria-expanded': 'false', 'aria-controls': 'user-menu-list',
  }, h('span', { class: 'icon-user', 'aria-hidden': 'true' }), `${user.first_name} ${user.last_name}`);
  const container = h('div', { class: 'user-menu' }, button, list);
  const setOpen = (open) => {
    button.setAttribute('aria-expanded', String(open));
    list.hidden = !open;
  };
  button.addEventListener('click', () => setOpen(list.hidden));
  container.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !list.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  closeOnClickOutside = (target) => {
    if (!container.contains(target)) setOpen(false);
  };
  list.addEventListener('click', (event) => {
    if (event.target.closest('a')) setOpen(false);
  });
  return container;
}

/** Draws the header for the current path. */
export function renderLayout(path, { onSelectStructure, onLogout }) {
  renderMenu(document.getElementById('main-nav'), path);
  const bar = document.getElementById('account-bar');
  if (!session.signedIn) {
    replaceChildren(bar);
    return;
  }
  replaceChildren(bar,
    session.isStaff || session.mustChangePassword ? null : structureSelector(onSelectStructure),
    session.mustChangePassword ? null : userMenu(),
    h('button', { type: 'button', class: 'logout-button', on: { click: onLogout } },
      h('span', { class: 'icon-power', 'aria-hidden': 'true' }), 'Déconnexion'));
}
