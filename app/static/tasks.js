// A job's page while it is queued or running: asks the server how far it is, shows it, and
// reloads the page when the job has ended (the page then shows the result or the error).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-task-status-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var stuck = document.getElementById("task-stuck");
  var shown = box.dataset.taskStatus;

  function poll() {
    fetch(box.dataset.taskStatusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 3000); return; }
        if (state.status !== shown || state.stalled || state.waiting) { window.location.reload(); return; }
        if (state.total > 0) {
          bar.max = state.total;
          bar.value = state.done;
          text.textContent = text.dataset.template.replace("{n}", state.done).replace("{m}", state.total);
        }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (stuck) { return; }
  window.setTimeout(poll, 300);
});
