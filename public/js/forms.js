import { ApiError } from './api.js';
import { checkFields, RULES } from './rules.js';

/**
 * Form plumbing shared by the four sections: rule hints beside each field, messages at the
 * field they concern (from the page's checks or the API's), and a status line that offers a
 * retry when the service could not be reached.
 */

const sentence = (text) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/** Adds the hint and an (empty) error slot to every `.field[data-field]`, linked for screen readers. */
export function decorateFields(form) {
  for (const field of form.querySelectorAll('.field[data-field]')) {
    const input = field.querySelector('input');
    const rule = RULES[field.dataset.field];
    const ids = [];
    const hintText = field.dataset.hint ?? rule?.hint;
    if (hintText) ids.push(appendText(field, 'p', 'hint', `${input.id}-hint`, hintText));
    const error = appendText(field, 'p', 'field-error', `${input.id}-error`, '');
    ids.push(error);
    input.setAttribute('aria-describedby', ids.join(' '));
    // A fixed value clears its message at once, not on the next submit.
    input.addEventListener('input', () => showFieldError(form, field.dataset.field, undefined));
  }
}

function appendText(parent, tag, className, id, text) {
  const element = document.createElement(tag);
  element.className = className;
  element.id = id;
  element.textContent = text;
  parent.append(element);
  return id;
}

export function readFields(form) {
  const raw = {};
  for (const input of form.querySelectorAll('.field[data-field] input'))
    raw[input.name] = input.value;
  return raw;
}

function showFieldError(form, name, message) {
  const field = form.querySelector(`.field[data-field="${name}"]`);
  if (!field) return false;
  const input = field.querySelector('input');
  field.querySelector('.field-error').textContent = message ? sentence(message) : '';
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return true;
}

export function clearMessages(form) {
  for (const field of form.querySelectorAll('.field[data-field]'))
    showFieldError(form, field.dataset.field, undefined);
  setStatus(form, '');
}

/** Shows each message at its field and puts the focus on the first one; false if none. */
export function showFieldErrors(form, errors) {
  const names = Object.keys(errors);
  for (const name of names) showFieldError(form, name, errors[name]);
  form.querySelector(`.field[data-field="${names[0]}"] input`)?.focus();
  return names.length > 0;
}

/**
 * @param {HTMLFormElement} form
 * @param {string} text
 * @param {{ tone?: 'info' | 'error' | 'success', retry?: () => void }} [options]
 */
export function setStatus(form, text, { tone = 'info', retry } = {}) {
  const status = form.querySelector('.form-status');
  status.replaceChildren();
  status.dataset.tone = tone;
  if (!text) return;
  const message = document.createElement('span');
  message.textContent = text;
  status.append(message);
  if (retry) status.append(' ', retryButton(retry));
}

/** A "Retry" link-style button that runs `retry` once. */
export function retryButton(retry) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  button.textContent = 'Retry';
  button.addEventListener('click', retry, { once: true });
  return button;
}

/** 'body.firstName' and 'params.email' name form fields; anything else concerns the form. */
function fieldOf(detailField) {
  const [where, name] = detailField.split('.');
  if (where === 'params' && name === 'email') return 'emailAddress';
  return where === 'body' && name ? name : undefined;
}

/** Puts an API error where the person will look for it: at a field, or in the status line. */
export function showApiError(form, error, retry) {
  if (!(error instanceof ApiError)) throw error;
  if (error.kind === 'invalid') {
    const errors = {};
    const general = [];
    for (const detail of error.details) {
      const name = fieldOf(detail.field);
      if (name && form.querySelector(`.field[data-field="${name}"]`))
        errors[name] ??= detail.message;
      else general.push(sentence(detail.message));
    }
    showFieldErrors(form, errors);
    setStatus(
      form,
      general.length > 0 ? general.join(' ') : 'Please correct the fields marked above.',
      {
        tone: 'error',
      },
    );
    return;
  }
  setStatus(form, sentence(error.message), {
    tone: 'error',
    retry: error.kind === 'unavailable' ? retry : undefined,
  });
}

/** Runs a request with the form's button disabled, so a double click sends one command. */
export async function whileBusy(form, work) {
  const buttons = form.querySelectorAll('button');
  for (const button of buttons) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

export { checkFields };
