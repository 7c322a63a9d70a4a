// Building the DOM without HTML strings: text always goes through text nodes, so data from
// the API can never become markup (the pages run under a Trusted Types policy that forbids
// innerHTML and friends anyway).

// Properties set as such rather than as attributes (their attribute is only the initial value).
const PROPERTIES = new Set(['value', 'checked', 'selected', 'indeterminate']);

/** h('a', {href: '#/x', class: 'link', on: {click}}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (PROPERTIES.has(key)) {
      element[key] = value;
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends strings (as text), nodes and nested arrays; skips null, undefined and false. */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let nextId = 0;
/** A document-unique id for label/aria references. */
export function uniqueId(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** Paragraphs of a text whose paragraphs are separated by blank lines; lines kept. */
export function paragraphs(text) {
  return String(text ?? '').split(/\n\s*\n/).filter((p) => p.trim() !== '').map((p) => {
    const lines = p.split('\n');
    return h('p', null, lines.flatMap((line, i) => (i === 0 ? [line] : [h('br'), line])));
  });
}

/** Lines of a text (an address) separated by <br>. */
export function lines(text) {
  return String(text ?? '').split('\n').flatMap((line, i) => (i === 0 ? [line] : [h('br'), line]));
}
