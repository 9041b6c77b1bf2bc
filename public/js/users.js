import { ApiError, api } from './api.js';
import { timeElement } from './format.js';
import {
  checkFields,
  clearMessages,
  decorateFields,
  readFields,
  retryButton,
  setStatus,
  showApiError,
  showFieldErrors,
  whileBusy,
} from './forms.js';

/**
 * The Read section: the users table, a page at a time through the API's cursor, and a
 * look-up of one user. Passwords never reach the page: the API does not return them.
 */

const PAGE_SIZE = 20;
const COLUMNS = [
  ['emailAddress', 'Email'],
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['dateCreated', 'Created'],
  ['dateUpdated', 'Updated'],
];

const $ = (id) => document.getElementById(id);
// cursors[i] starts page i; page 0 starts at the beginning.
const cursors = [undefined];
let page = 0;
let shownEmail;
// Commands settling close together each ask for a reload; only the newest may render.
let latestLoad = 0;

function cell(name, label, user) {
  const td = document.createElement('td');
  td.dataset.label = label; // shown before the value when rows stack on a phone
  const value = user[name];
  td.append(name.startsWith('date') ? timeElement(value) : value);
  return td;
}

function renderRows(users) {
  $('users-table').tBodies[0].replaceChildren(
    ...users.map((user) => {
      const row = document.createElement('tr');
      row.append(...COLUMNS.map(([name, label]) => cell(name, label, user)));
      return row;
    }),
  );
}

function tableStatus(text, retry) {
  const status = $('users-status');
  status.replaceChildren(text);
  if (retry) status.append(' ', retryButton(retry));
}

/** Reloads the page of users being shown (after a command succeeds, or on Refresh). */
export async function refreshUsers() {
  const load = ++latestLoad;
  $('users-table').setAttribute('aria-busy', 'true');
  try {
    const { items, nextCursor } = await api.listUsers(PAGE_SIZE, cursors[page]);
    if (load !== latestLoad) return;
    renderRows(items);
    cursors.length = page + 1;
    if (nextCursor) cursors.push(nextCursor);
    $('users-prev').disabled = page === 0;
    $('users-next').disabled = !nextCursor;
    $('users-page').textContent = `Page ${page + 1}`;
    $('users-caption').textContent = `Users, page ${page + 1}`;
    if (items.length > 0)
      tableStatus(`${items.length} ${items.length === 1 ? 'user' : 'users'} on this page.`);
    else
      tableStatus(page === 0 ? 'No users yet. Insert one and it appears here.' : 'No more users.');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (load === latestLoad) tableStatus(`Could not load users. ${error.message}`, refreshUsers);
  } finally {
    if (load === latestLoad) $('users-table').removeAttribute('aria-busy');
  }
}

function renderUser(user) {
  const list = document.createElement('dl');
  for (const [name, label] of COLUMNS) {
    const term = document.createElement('dt');
    term.textContent = label;
    const value = document.createElement('dd');
    value.append(name.startsWith('date') ? timeElement(user[name]) : user[name]);
    list.append(term, value);
  }
  $('lookup-result').replaceChildren(list);
  $('lookup-result').hidden = false;
}

async function lookUp(form, email) {
  clearMessages(form);
  $('lookup-result').hidden = true;
  try {
    renderUser(await api.getUser(email));
    shownEmail = email;
  } catch (error) {
    shownEmail = undefined;
    if (error instanceof ApiError && error.status === 404)
      setStatus(form, `No user with email ${email}.`);
    else showApiError(form, error, () => lookUp(form, email));
  }
}

/** After a command on this email succeeds, the looked-up card must not show stale values. */
export function refreshLookup(email) {
  if (email === shownEmail) void lookUp($('lookup-form'), email);
}

export function setUpReadSection() {
  const form = $('lookup-form');
  decorateFields(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages(form);
    const { values, errors } = checkFields(readFields(form));
    if (showFieldErrors(form, errors)) return;
    await whileBusy(form, () => lookUp(form, values.emailAddress));
  });
  $('users-refresh').addEventListener('click', () => refreshUsers());
  $('users-next').addEventListener('click', () => {
    page += 1;
    void refreshUsers();
  });
  $('users-prev').addEventListener('click', () => {
    page = Math.max(0, page - 1);
    void refreshUsers();
  });
  void refreshUsers();
}
