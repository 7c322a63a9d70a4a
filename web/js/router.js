// Hash routes ("#/assures/123456700002?page=2"): the server serves one page, the hash names the
// screen, and back/forward work without any server-side fallback.

const routes = [];

function compile(pattern) {
  const names = [];
  const source = pattern.replace(/:([a-z]+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${source}$`), names };
}

/** route('/assures/:matricule', {screen, ...}) */
export function addRoute(pattern, options) {
  routes.push({ pattern, ...compile(pattern), ...options });
}

export function match(path) {
  for (const route of routes) {
    const found = route.regex.exec(path);
    if (found) {
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { route, params };
    }
  }
  return null;
}

/** {path: '/assures', query: {page: '2'}} of the current hash. */
export function currentLocation() {
  const hash = window.location.hash.replace(/^#/, '');
  const [path, search = ''] = hash.split('?', 2);
  return { path: path || '', query: Object.fromEntries(new URLSearchParams(search)) };
}

/** '#/assures?page=2'; empty query values are left out. */
export function href(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, value);
  }
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

let onRoute = () => {};

/** Goes to path; if the hash does not change (same screen, same query), renders again. */
export function navigate(path, query) {
  const target = href(path, query);
  if (window.location.hash === target) onRoute();
  else window.location.hash = target;
}

export function startRouter(render) {
  onRoute = render;
  window.addEventListener('hashchange', () => onRoute());
  onRoute();
}
