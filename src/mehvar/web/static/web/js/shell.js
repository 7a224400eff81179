// The web shell's few behaviours that HTMX does not cover. No inline scripts: CSP is script-src 'self'.
(function () {
  "use strict";

  // Close an open menu (<details class="menu">) when the user clicks elsewhere or presses Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  // Dismiss a flash message.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss='flash']");
    if (button) button.closest(".flash").remove();
  });

  // Ask before a destructive form is sent: <form data-confirm="Are you sure?">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
})();
