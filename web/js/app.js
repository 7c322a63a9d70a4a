// Entry point: loads the session, then draws the header and the screen named by the hash,
// after the guards: signed in or not, temporary password to replace, employer or OCSO staff,
// rights on the selected structure.

import { api, ApiError, onSessionProblem } from './api.js';
import { h, replaceChildren } from './dom.js';
import { EMPLOYER_MENU, renderLayout } from './layout.js';
import { nextScreen, notify } from './notice.js';
import { addRoute, currentLocation, match, navigate, startRouter } from './router.js';
import { session } from './session.js';
import { alertMessage, loading, pageTitle } from './ui.js';

import * as admin from './screens/admin.js';
import * as backOffice from './screens/back-office.js';
import * as backOfficeRequest from './screens/back-office-request.js';
import * as bia from './screens/bia.js';
import * as company from './screens/company.js';
import * as documents from './screens/documents.js';
import * as history from './screens/history.js';
import * as home from './screens/home.js';
import * as ij from './screens/ij.js';
import * as insured from './screens/insured.js';
import * as insuredDetail from './screens/insured-detail.js';
import * as login from './screens/login.js';
import * as news from './screens/news.js';
import * as passwordChange from './screens/password-change.js';
import * as passwordForgotten from './screens/password-forgotten.js';
import * as requestDetail from './screens/request-detail.js';
import * as requests from './screens/requests.js';
import * as signUp from './screens/sign-up.js';
import * as users from './screens/users.js';

// audience: who may open the screen (public = signed out only; any = every signed-in account).
addRoute('/connexion', { screen: login, audience: 'public' });
addRoute('/inscription', { screen: signUp, audience: 'public' });
addRoute('/mot-de-passe-oublie', { screen: passwordForgotten, audience: 'public' });
addRoute('/mot-de-passe', { screen: passwordChange, audience: 'any' });
addRoute('/accueil', { screen: home, audience: 'employer', structure: true });
addRoute('/entreprise', { screen: company, audience: 'employer', right: 'company' });
addRoute('/assures', { screen: insured, audience: 'employer', right: 'insured' });
addRoute('/assures/:matricule', { screen: insuredDetail, audience: 'employer', right: 'insured' });
addRoute('/indemnites', { screen: ij, audience: 'employer', right: 'ij' });
addRoute('/documents', { screen: documents, audience: 'employer' });
addRoute('/documents/bia', { screen: bia, audience: 'employer', right: 'documents' });
addRoute('/demarches', { screen: requests, audience: 'employer', right: 'requests' });
addRoute('/demarches/:id', { screen: requestDetail, audience: 'employer', right: 'requests' });
addRoute('/historique', { screen: history, audience: 'employer' });
addRoute('/actualites', { screen: news, audience: 'employer' });
addRoute('/administration', { screen: admin, audience: 'employer' });
addRoute('/administration/utilisateurs', { screen: users, audience: 'employer' });
addRoute('/back-office', { screen: backOffice, audience: 'staff' });
addRoute('/back-office/:id', { screen: backOfficeRequest, audience: 'staff' });

const screenArea = () => document.getElementById('screen');

/** Where a route sends the user instead, or null to show it. */
function redirection(route) {
  if (route.audience === 'public') return session.signedIn ? session.homePath : null;
  if (!session.signedIn) return '/connexion';
  if (session.mustChangePassword) return route.screen === passwordChange ? null : '/mot-de-passe';
  if (route.audience === 'staff' && !session.isStaff) return session.homePath;
  if (route.audience === 'employer' && session.isStaff) return session.homePath;
  return null;
}

/** A screen the selected structure's rights do not open, with a way back. */
function refusal(text) {
  return h('div', null, pageTitle('Accès impossible'), alertMessage(text, 'info'),
    h('p', null, h('a', { href: '#/accueil' }, "Retour à l'accueil")));
}

function describeFailure(error) {
  if (error instanceof ApiError) {
    if (error.status === 404) return "Cette page n'existe pas, ou n'est pas accessible avec votre compte.";
    return error.detail;
  }
  console.error(error);
  return "Une erreur inattendue est survenue dans la page. Rechargez-la puis réessayez.";
}

let renderCount = 0;

async function renderRoute() {
  const { path, query } = currentLocation();
  const found = match(path);
  if (!found) {
    navigate(session.homePath);
    return;
  }
  const { route, params } = found;
  const target = redirection(route);
  if (target) {
    navigate(target);
    return;
  }
  renderLayout(path, { onSelectStructure: selectStructure, onLogout: logout });
  nextScreen();
  renderCount += 1;
  const thisRender = renderCount;
  const area = screenArea();
  area.setAttribute('aria-busy', 'true');
  replaceChildren(area, loading());
  let content;
  if ((route.structure || route.right) && !session.current) {
    content = refusal("Aucune structure n'est rattachée à votre compte. Contactez l'utilisateur principal de votre entreprise.");
  } else if (route.right && !session.hasRight(route.right)) {
    content = refusal(`Votre profil ne donne pas accès à cette rubrique pour la structure ${session.current.name}.`);
  } else {
    try {
      content = await route.screen.render({ params, query, structure: session.current, refresh: renderRoute });
    } catch (error) {
      content = h('div', null, pageTitle(route.screen.title ?? 'Espace Employeur'), alertMessage(describeFailure(error)));
    }
  }
  if (thisRender !== renderCount) return; // a later navigation won
  replaceChildren(area, content);
  area.removeAttribute('aria-busy');
  // What was drawn, for whoever waits on it (the browser tests): the hash and a counter.
  area.dataset.location = window.location.hash;
  area.dataset.render = String(thisRender);
  const heading = area.querySelector('h1');
  document.title = `${heading?.textContent ?? 'Espace Employeur'} — Espace Employeur OCSO`;
  if (thisRender > 1) heading?.focus();
}

/** Another structure in the selector: the same rubrique if it is open there, else the home. */
function selectStructure(id) {
  session.select(id);
  const { path } = currentLocation();
  const item = EMPLOYER_MENU.find((entry) => path === entry.path || path.startsWith(`${entry.path}/`));
  navigate(item && (!item.right || session.hasRight(item.right)) ? item.path : '/accueil');
}

async function logout() {
  try {
    await api.delete('/api/v1/session');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error; // an expired session is logged out anyway
  }
  session.clear();
  notify('Vous êtes déconnecté.');
  navigate('/connexion');
}

onSessionProblem((error) => {
  if (error.code === 'unauthenticated' && session.signedIn) {
    session.clear();
    notify('Votre session a expiré. Veuillez vous reconnecter.', 'info');
    navigate('/connexion');
  } else if (error.code === 'password_change_required') {
    navigate('/mot-de-passe');
  }
});

// The skip link moves the focus to the content; following its #contenu would change the route.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('contenu').focus();
});

async function start() {
  try {
    await session.load();
  } catch (error) {
    replaceChildren(screenArea(), pageTitle('Espace Employeur'), alertMessage(describeFailure(error)));
    return;
  }
  startRouter(renderRoute);
}

start();
