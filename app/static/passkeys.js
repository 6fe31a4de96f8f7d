// WebAuthn ceremonies for Kundval's security keys and passkeys (no inline script: CSP).
// A button with data-passkey="register" or "sign-in" carries the URLs and the CSRF token.
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (j) { return {ok: r.ok, json: j}; }); });
  }

  function showError(button, message) {
    var box = document.getElementById(button.dataset.error);
    if (box) { box.textContent = message; box.hidden = false; }
  }

  function descriptors(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, {id: toBytes(c.id)}); });
  }

  function register(button) {
    return post(button.dataset.options, button.dataset.csrf).then(function (r) {
      var o = r.json;
      o.challenge = toBytes(o.challenge);
      o.user.id = toBytes(o.user.id);
      o.excludeCredentials = descriptors(o.excludeCredentials);
      return navigator.credentials.create({publicKey: o});
    }).then(function (cred) {
      var name = document.getElementById("passkey-name");
      return post(button.dataset.url, button.dataset.csrf, {
        name: name ? name.value : "",
        credential: {
          id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
          response: {
            clientDataJSON: toB64url(cred.response.clientDataJSON),
            attestationObject: toB64url(cred.response.attestationObject),
            transports: cred.response.getTransports ? cred.response.getTransports() : []
          },
          clientExtensionResults: cred.getClientExtensionResults()
        }
      });
    });
  }

  function signIn(button) {
    return post(button.dataset.options, button.dataset.csrf).then(function (r) {
      var o = r.json;
      o.challenge = toBytes(o.challenge);
      o.allowCredentials = descriptors(o.allowCredentials);
      return navigator.credentials.get({publicKey: o});
    }).then(function (cred) {
      return post(button.dataset.url, button.dataset.csrf, {
        id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
        response: {
          clientDataJSON: toB64url(cred.response.clientDataJSON),
          authenticatorData: toB64url(cred.response.authenticatorData),
          signature: toB64url(cred.response.signature),
          userHandle: cred.response.userHandle ? toB64url(cred.response.userHandle) : null
        },
        clientExtensionResults: cred.getClientExtensionResults()
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey]");
    if (!button) { return; }
    event.preventDefault();
    if (!window.PublicKeyCredential) { showError(button, button.dataset.unsupported); return; }
    var ceremony = button.dataset.passkey === "register" ? register : signIn;
    ceremony(button).then(function (r) {
      if (r.ok && r.json.redirect) { window.location.assign(r.json.redirect); }
      else { showError(button, r.json.error || button.dataset.failed); }
    }).catch(function () { showError(button, button.dataset.failed); });
  });
})();
