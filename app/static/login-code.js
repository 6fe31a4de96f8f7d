// A login link carries the code after "#" (/deltagare/logga-in#kod=ABCDEFGH), which the browser
// never sends to the server. Put it into the form, and take it out of the address bar and history.
(function () {
  var match = /^#kod=([A-Za-z0-9-]{1,20})$/.exec(window.location.hash);
  var input = document.getElementById("code");
  if (!match || !input) { return; }
  input.value = match[1];
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  var hint = document.getElementById("code-from-link");
  if (hint) { hint.hidden = false; }
})();
