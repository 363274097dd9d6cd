// The browser's half of passkeys (src/auth/flows/passkeys.rs), and all the JavaScript they need.
//
// It asks the person's device with the WebAuthn options the server got from Cognito, and posts
// the device's answer back as a plain form, whose outcome is a redirect like every other form's.
// It never sees a Cognito token or session: only those options (a challenge, the site, the
// account's passkey ids) and the credential.
//
// Buttons it drives carry data-passkey="sign-in" or "add", data-options-url (the server function
// that gives the options), data-answer-url (the one that takes the answer) and data-busy-label.
// They are hidden until this script shows them: without JavaScript or WebAuthn, the page says
// passkeys cannot work here (data-passkey="needs-js", which this script hides) and offers the
// other ways.

const webauthn = typeof window.PublicKeyCredential === "function" && !!navigator.credentials;

/** base64url text to bytes, and back. */
function bytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
}
function base64url(buffer) {
  return btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The browser's own JSON parsers where it has them (Chromium 129+, Firefox 119+, Safari 18.4+);
// the same by hand otherwise.
function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  const allow = (json.allowCredentials ?? []).map((c) => ({ ...c, id: bytes(c.id) }));
  return { ...json, challenge: bytes(json.challenge), allowCredentials: allow };
}
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  const exclude = (json.excludeCredentials ?? []).map((c) => ({ ...c, id: bytes(c.id) }));
  return { ...json, challenge: bytes(json.challenge), user: { ...json.user, id: bytes(json.user.id) }, excludeCredentials: exclude };
}
/** The credential as Cognito reads it: AuthenticationResponseJSON / RegistrationResponseJSON. */
function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: base64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = base64url(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
  } else {
    response.authenticatorData = base64url(r.authenticatorData);
    response.signature = base64url(r.signature);
    if (r.userHandle) response.userHandle = base64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: base64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

/** A server function's answer (JSON text of the options), or its error as `{ error, seconds }`. */
async function options(url, fields) {
  const response = await fetch(url, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok || typeof body !== "string") throw body?.error ? body : { error: "unavailable" };
  return JSON.parse(body);
}

/** What the browser's refusal means for the person, as the app's error codes. */
function refusal(e) {
  if (e.name === "SecurityError") return { error: "passkey_wrong_site" };
  if (e.name === "InvalidStateError") return { error: "passkey_already_added" };
  return { error: "passkey_cancelled" };
}

/** Back to `page` with the error shown, as after a form post without JavaScript. */
function showError(page, failure, keep) {
  const query = new URLSearchParams({ error: failure.error ?? "unavailable" });
  if (failure.seconds) query.set("retry_after", failure.seconds);
  for (const [name, value] of Object.entries(keep)) if (value) query.set(name, value);
  location.assign(`${page}?${query}`);
}

/** Posts the credential as a plain form: the server answers with a redirect. */
function answer(url, credential) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = url;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "credential";
  field.value = JSON.stringify(credentialJSON(credential));
  form.append(field);
  document.body.append(form);
  form.submit();
}

function busy(button) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = button.dataset.busyLabel;
}

/** "Sign in with a passkey", and the browser's passkey autofill on the e-mail field. */
function signIn(button) {
  const form = button.form;
  const email = form.elements.namedItem("email");
  const next = form.elements.namedItem("next")?.value ?? "";
  let running;
  // The requests for options go one after the other, never cancelled: each answer sets the
  // cookie that the next answer to the server is checked against, so the last one asked for
  // must also be the last one to arrive.
  let queue = Promise.resolve();
  // Cognito starts a passkey sign-in only for a named account (USER_AUTH takes a USERNAME), so
  // a request needs the e-mail first. `conditional`: the autofill's quiet request, which
  // fails silently (the person may simply type a password).
  async function run(mediation) {
    running?.abort();
    const controller = (running = new AbortController());
    const keep = { email: email.value, next };
    const asked = queue.then(() => options(button.dataset.optionsUrl, { email: email.value, next }));
    queue = asked.catch(() => undefined);
    let publicKey;
    try {
      publicKey = requestOptions(await asked);
    } catch (e) {
      if (!mediation && !controller.signal.aborted) showError("/sign-in", e, keep);
      return;
    }
    if (controller.signal.aborted) return;
    let credential;
    try {
      credential = await navigator.credentials.get({ publicKey, mediation, signal: controller.signal });
    } catch (e) {
      if (!mediation && e.name !== "AbortError") showError("/sign-in", refusal(e), keep);
      return;
    }
    if (mediation) busy(button);
    answer(button.dataset.answerUrl, credential);
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    if (!email.reportValidity()) return;
    busy(button);
    run(undefined);
  });
  PublicKeyCredential.isConditionalMediationAvailable?.().then((available) => {
    if (!available) return;
    email.setAttribute("autocomplete", "username webauthn");
    const start = () => email.value && email.checkValidity() && run("conditional");
    // Only once the person has typed or chosen an address: never on page load for one the
    // link filled in (`?email=`), or a link sent to someone would start a sign-in for that
    // address each time it is opened.
    email.addEventListener("change", start);
  });
}

/** The account page's "Add a passkey". */
function add(button) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    busy(button);
    const keep = { form: "passkeys" };
    let publicKey;
    try {
      publicKey = creationOptions(await options(button.dataset.optionsUrl, {}));
    } catch (e) {
      return showError("/account", e, keep);
    }
    let credential;
    try {
      credential = await navigator.credentials.create({ publicKey });
    } catch (e) {
      return showError("/account", refusal(e), keep);
    }
    answer(button.dataset.answerUrl, credential);
  });
}

if (webauthn) {
  for (const note of document.querySelectorAll('[data-passkey="needs-js"]')) note.hidden = true;
  for (const button of document.querySelectorAll('[data-passkey="sign-in"]')) signIn(button);
  for (const button of document.querySelectorAll('[data-passkey="add"]')) add(button);
}
