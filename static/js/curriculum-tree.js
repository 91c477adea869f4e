// The curriculum tree on a course's admin page (courses/admin/tree.py,
// templates/admin/courses/course/curriculum_tree.html). Without this file every
// button is a form that posts a move and reloads the page. With it: modules and
// lessons are dragged by their handles (SortableJS, static/vendor/sortablejs),
// lessons into other modules too, and every move (dragged or by a button) is
// posted in the background; the server answers with the tree as it now is,
// which replaces ours, and a sentence for the live region. Keyboard focus stays
// on the moved row's button.
(function () {
  "use strict";

  // The admin loads its media in <head>: wait for the page.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  function start() {
    var root = document.getElementById("curriculum");
    if (!root || typeof window.fetch !== "function") return;
    var sortables = [];

    function csrfToken() {
      var input = root.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    function announce(text) {
      var status = document.getElementById("curriculum-status");
      if (status) status.textContent = text || "";
    }

    function refocus(key, action) {
      if (!key) return;
      var parts = key.split("-");
      var row = root.querySelector(
        parts[0] === "lesson" ? 'li[data-lesson-id="' + parts[1] + '"]' : 'li[data-module-id="' + parts[1] + '"] > .curriculum-row'
      );
      if (!row) return;
      var target = row.querySelector('button[data-action="' + action + '"]:not([disabled])') ||
        row.querySelector("button:not([disabled])") || row.querySelector("a");
      if (target) target.focus();
    }

    function replaceBody(html) {
      var template = document.createElement("template");
      template.innerHTML = html;
      var fresh = template.content.querySelector(".curriculum-body");
      var current = root.querySelector(".curriculum-body");
      if (fresh && current) {
        current.replaceWith(fresh);
        enhance();
      }
    }

    function send(data, key, action) {
      root.setAttribute("aria-busy", "true");
      return fetch(root.dataset.moveUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (body.html) replaceBody(body.html);
            announce(response.ok ? body.message : body.error);
            refocus(key, action);
          });
        })
        .catch(function () {
          announce("The move could not be saved. Reload the page and try again.");
        })
        .then(function () {
          root.removeAttribute("aria-busy");
        });
    }

    function onSubmit(event) {
      var form = event.target.closest("form.curriculum-move");
      if (!form) return;
      event.preventDefault();
      var button = event.submitter || form.querySelector("button");
      send(new FormData(form), form.dataset.focus, button ? button.dataset.action : "");
    }

    function moved(fields) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken());
      Object.keys(fields).forEach(function (name) {
        data.append(name, fields[name]);
      });
      return data;
    }

    function enhance() {
      sortables.forEach(function (sortable) {
        sortable.destroy();
      });
      sortables = [];
      if (typeof window.Sortable === "undefined") return;
    // forceFallback: the same pointer-driven drag with mouse, pen and touch (no native drag image).
    var common = {
      animation: 150,
      forceFallback: true,
      ghostClass: "curriculum-ghost",
      chosenClass: "curriculum-chosen",
    };
      var modules = root.querySelector(".curriculum-modules");
      if (modules) {
        sortables.push(
          window.Sortable.create(modules, Object.assign({}, common, {
            handle: ".curriculum-module-handle",
            draggable: ".curriculum-module",
            onEnd: function (event) {
              if (event.oldDraggableIndex === event.newDraggableIndex) return;
              var id = event.item.dataset.moduleId;
              send(moved({ module: id, position: event.newDraggableIndex }), "module-" + id, "");
            },
          }))
        );
      }
      root.querySelectorAll(".curriculum-lessons").forEach(function (list) {
        sortables.push(
          window.Sortable.create(list, Object.assign({}, common, {
            group: "curriculum-lessons",
            handle: ".curriculum-lesson-handle",
            draggable: ".curriculum-lesson",
            emptyInsertThreshold: 24,
            onEnd: function (event) {
              if (event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex) return;
              var id = event.item.dataset.lessonId;
              send(
                moved({ lesson: id, to_module: event.to.dataset.moduleId, position: event.newDraggableIndex }),
                "lesson-" + id,
                ""
              );
            },
          }))
        );
      });
    }

    root.addEventListener("submit", onSubmit);
    enhance();
  }
})();
