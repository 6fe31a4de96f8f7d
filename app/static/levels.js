// The level suggestion on the decision form, updated as the case worker answers (the server
// computes the same points when the form is saved; app/kundval/levels.py).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("assessment");
  var out = document.getElementById("level-suggestion");
  if (!box || !out) { return; }
  var thresholdB = parseInt(box.dataset.thresholdB, 10);
  var thresholdC = parseInt(box.dataset.thresholdC, 10);
  var questions = box.querySelectorAll("fieldset.question");

  function update() {
    var points = 0, answered = 0;
    questions.forEach(function (q) {
      var checked = q.querySelector("input[type=radio]:checked");
      if (checked) { answered += 1; points += parseInt(checked.dataset.points, 10); }
    });
    if (answered === 0) {
      out.textContent = out.dataset.textNone;
    } else if (answered < questions.length) {
      out.textContent = out.dataset.textPartial.replace("{p}", points);
    } else {
      var level = points >= thresholdC ? "C" : (points >= thresholdB ? "B" : "A");
      out.textContent = out.dataset.textDone.replace("{p}", points).replace("{l}", level);
    }
  }
  box.addEventListener("change", update);
});
