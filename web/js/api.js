// The API client: same origin, the session cookie goes by itself; state-changing requests
// carry the session's CSRF token (X-CSRF-Token); errors become ApiError with the problem's
// stable code, French detail and field-level errors.

const GENERIC_DETAIL = 'Une erreur inattendue est survenue. Réessayez dans quelques instants.';
const NETWORK_DETAIL = 'Le service est injoignable. Vérifiez votre connexion puis réessayez.';

let csrfToken = null;
const problemListeners = new Set();

export function setCsrfToken(token) {
  csrfToken = token ?? null;
}

/** handler(error) runs for `unauthenticated` and `password_change_required` answers. */
export function onSessionProblem(handler) {
  problemListeners.add(handler);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || GENERIC_DETAIL);
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.detail = problem.detail || GENERIC_DETAIL;
    // [{field, code, message}] on 422 answers.
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readProblem(response) {
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch {
      // fall through to the generic problem
    }
  }
  return { code: `http_${response.status}`, detail: GENERIC_DETAIL };
}

async function send(method, path, { query, json, form } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // FormData: the browser writes the multipart boundary
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(withQuery(path, query), { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, { code: 'network', detail: NETWORK_DETAIL });
  }
  if (response.ok) return response;
  const error = new ApiError(response.status, await readProblem(response));
  if (error.code === 'unauthenticated' || error.code === 'password_change_required') {
    for (const handler of problemListeners) handler(error);
  }
  throw error;
}

async function jsonOf(response) {
  return response.status === 204 ? null : response.json();
}

/** The file name of a Content-Disposition header (RFC 6266 filename* first). */
function fileNameOf(response, fallback) {
  const header = response.headers.get('Content-Disposition') ?? '';
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // keep looking
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

export const api = {
  get: (path, query) => send('GET', path, { query }).then(jsonOf),
  post: (path, json) => send('POST', path, { json }).then(jsonOf),
  put: (path, json) => send('PUT', path, { json }).then(jsonOf),
  patch: (path, json) => send('PATCH', path, { json }).then(jsonOf),
  delete: (path) => send('DELETE', path).then(jsonOf),
  postForm: (path, form) => send('POST', path, { form }).then(jsonOf),
  /** POST answered by a file (the BIA): {blob, fileName}. */
  async postForFile(path, json, fallbackName) {
    const response = await send('POST', path, { json });
    return { blob: await response.blob(), fileName: fileNameOf(response, fallbackName) };
  },
  url: withQuery,
};
