// The lesson form in the admin (courses/admin/lesson.py): on the add page every
// kind's fieldset is in the form, each marked "for-kind-<kind>"; this shows
// only the chosen kind's, as the kind changes. Without it all stay shown. (The
// change page has only its kind's fields, chosen on the server.)
(function () {
  "use strict";

  // The admin loads its media in <head>: wait for the page.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
    var kind = document.getElementById("id_kind");
    var fieldsets = document.querySelectorAll("fieldset.kind-fields");
    if (!kind || !fieldsets.length) return;

    function show() {
      fieldsets.forEach(function (fieldset) {
        fieldset.hidden = !fieldset.classList.contains("for-kind-" + kind.value);
      });
    }

    kind.addEventListener("change", show);
    show();
  }
})();
