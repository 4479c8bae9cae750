// Conveniences on top of pages that work without it: a "Copy" button for
// any element marked data-copy-from="ID" (the report's Markdown), quick tags
// on Today, and a confirmation before a form marked data-confirm="question"
// is sent.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copyFrom);
      var done = function () { button.textContent = "Copied"; };
      // Without the clipboard API (or its permission) the text is selected
      // and copied the old way, or left selected for the person to copy.
      var byHand = function () {
        source.select();
        button.textContent = document.execCommand("copy") ? "Copied" : "Press Ctrl+C to copy";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, byHand);
      } else {
        byHand();
      }
    });
  });
  // Quick tags: a click adds a tag of this week's to the tags field.
  document.querySelectorAll(".quick-tags").forEach(function (box) {
    box.hidden = false;
  });
  document.querySelectorAll("[data-add-tag]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      var field = document.getElementById("tags");
      var tags = field.value.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
      if (tags.indexOf(chip.dataset.addTag) < 0) {
        tags.push(chip.dataset.addTag);
      }
      field.value = tags.join(", ");
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
