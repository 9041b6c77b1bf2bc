import { trackCommand } from './activity.js';
import { api, newCommandId } from './api.js';
import {
  checkFields,
  clearMessages,
  decorateFields,
  readFields,
  setStatus,
  showApiError,
  showFieldErrors,
  whileBusy,
} from './forms.js';
import { setUpOperations } from './operations.js';
import { refreshLookup, refreshUsers, setUpReadSection } from './users.js';

/**
 * Wires the Insert, Update and Delete forms. Each sends a command; the API answers 202 once
 * the command is queued, and the activity list follows it until the worker settles it.
 */

/**
 * @param {HTMLFormElement} form
 * @param {object} spec
 * @param {string[]} [spec.optional] fields that may be left blank
 * @param {(values: Record<string, string>) => string | undefined} [spec.checkForm] form-wide rule
 * @param {(values: Record<string, string>) => Promise<boolean>} [spec.confirm] last word before sending
 * @param {(values: Record<string, string>, commandId: string) => Promise<{ commandId: string }>} spec.send
 * @param {(values: Record<string, string>) => string} spec.describe label in the activity list
 */
function setUpCommandForm(form, { optional = [], checkForm, confirm, send, describe }) {
  decorateFields(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages(form);
    const { values, errors } = checkFields(readFields(form), optional);
    if (showFieldErrors(form, errors)) return;
    const formError = checkForm?.(values);
    if (formError) return setStatus(form, formError, { tone: 'error' });
    if (confirm && !(await confirm(values))) return;

    // One id per submission: a retry of the same submission is the same command.
    const commandId = newCommandId();
    const attempt = () =>
      whileBusy(form, async () => {
        setStatus(form, 'Sending…');
        try {
          const accepted = await send(values, commandId);
          setStatus(form, 'Accepted. Follow it in Activity.', { tone: 'success' });
          for (const input of form.querySelectorAll('input[type="password"]')) input.value = '';
          trackCommand({
            commandId: accepted.commandId,
            label: describe(values),
            onSucceeded: () => {
              void refreshUsers();
              refreshLookup(values.emailAddress);
            },
          });
        } catch (error) {
          showApiError(form, error, attempt);
        }
      });
    await attempt();
  });
}

/** Resolves true only when the person confirms in the dialog (Escape and Cancel say no). */
function confirmDelete(values) {
  const dialog = document.getElementById('delete-dialog');
  document.getElementById('delete-dialog-email').textContent = values.emailAddress;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), {
      once: true,
    });
  });
}

setUpCommandForm(document.getElementById('insert-form'), {
  send: (user, commandId) => api.createUser(user, commandId),
  describe: (user) => `Insert ${user.emailAddress}`,
});

setUpCommandForm(document.getElementById('update-form'), {
  optional: ['firstName', 'lastName', 'password'],
  checkForm: ({ firstName, lastName, password }) =>
    firstName === undefined && lastName === undefined && password === undefined
      ? 'Fill in at least one of first name, last name or password.'
      : undefined,
  send: ({ emailAddress, ...changes }, commandId) =>
    api.updateUser(emailAddress, changes, commandId),
  describe: ({ emailAddress, ...changes }) =>
    `Update ${emailAddress}: ${Object.keys(changes)
      .map(
        (name) => ({ firstName: 'first name', lastName: 'last name', password: 'password' })[name],
      )
      .join(', ')}`,
});

setUpCommandForm(document.getElementById('delete-form'), {
  confirm: confirmDelete,
  send: ({ emailAddress }, commandId) => api.deleteUser(emailAddress, commandId),
  describe: ({ emailAddress }) => `Delete ${emailAddress}`,
});

setUpReadSection();
setUpOperations();
