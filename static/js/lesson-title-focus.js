// "Complete and continue" and "Next lesson" lead to the next lesson's page at
// #lesson-title (learning.selectors.progress.LESSON_TITLE_FRAGMENT). Arriving at
// a fragment scrolls to it but leaves keyboard focus at the top of the page:
// move it to the lesson's title (an <h1 tabindex="-1">), so that a keyboard or
// screen reader user continues from the lesson they just opened.
(function () {
  "use strict";
  function focusTitle() {
    if (window.location.hash !== "#lesson-title") {
      return;
    }
    var title = document.getElementById("lesson-title");
    if (title) {
      title.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusTitle);
  } else {
    focusTitle();
  }
})();
