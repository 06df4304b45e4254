// Passkeys in the staff console and the patient portal: the browser's WebAuthn ceremonies for
// a button marked data-passkey="register" or "sign-in"; data-options-url and data-answer-url
// name the portal's endpoints (the console's are the default), data-organisation-field the
// clinic chosen on the sign-in page.
// The server sends the options as JSON with binary fields in base64url; this turns them into
// the ArrayBuffers navigator.credentials wants, and the answer back into JSON.
(function () {
  "use strict";

  function toBuffer(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }

  function toText(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map((c) => Object.assign({}, c, { id: toBuffer(c.id) }));
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      user: Object.assign({}, json.user, { id: toBuffer(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      allowCredentials: withIds(json.allowCredentials),
    });
  }

  function answer(credential) {
    const r = credential.response;
    const response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || null,
    };
  }

  async function post(url, body, csrf) {
    const sent = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json",
                 "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
    const reply = await sent.json();
    if (!reply.ok) { throw new Error(reply.error.message); }
    return reply.data;
  }

  async function run(button) {
    const kind = button.dataset.passkey;
    const csrf = button.dataset.csrf || "";
    const status = document.getElementById(button.getAttribute("aria-describedby"));
    status.textContent = "Waiting for your passkey…";
    // The staff console's endpoints unless the button names its own (the patient portal's).
    const field = button.dataset.organisationField;
    const body = field ? { organisation: document.getElementById(field).value } : {};
    if (kind === "register") {
      const url = button.dataset.optionsUrl || "/console/passkeys/options";
      const options = await post(url, body, csrf);
      const made = await navigator.credentials.create({ publicKey: creationOptions(options) });
      const label = document.getElementById("passkey-label").value;
      await post(button.dataset.answerUrl || "/console/passkeys",
                 { credential: answer(made), label: label }, csrf);
      window.location.reload();
    } else {
      const url = button.dataset.optionsUrl || "/console/second-factor/passkey/options";
      const options = await post(url, body, csrf);
      const given = await navigator.credentials.get({ publicKey: requestOptions(options) });
      const sent = { credential: answer(given) };
      if (button.dataset.next) { sent.next = button.dataset.next; }
      const done = await post(button.dataset.answerUrl || "/console/second-factor/passkey",
                              sent, csrf);
      window.location.assign(done.next);
    }
  }

  document.querySelectorAll("[data-passkey]").forEach((button) => {
    if (!window.PublicKeyCredential) { button.hidden = true; return; }
    button.hidden = false;
    button.addEventListener("click", () => {
      run(button).catch((error) => {
        const status = document.getElementById(button.getAttribute("aria-describedby"));
        status.textContent = error.name === "NotAllowedError"
          ? "The passkey was not used (cancelled or timed out). Try again, or use your code."
          : error.message;
      });
    });
  });
})();
