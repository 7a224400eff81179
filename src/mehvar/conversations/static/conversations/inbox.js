// The inbox's two behaviours that HTMX does not cover: live updates and keyboard shortcuts.
// No inline scripts (CSP script-src 'self'); everything is read from data- attributes of [data-inbox].
(function () {
  "use strict";

  var root = document.querySelector("[data-inbox]");
  if (!root) return;
  document.documentElement.classList.add("js");

  var page = root.getAttribute("data-page");
  var current = root.getAttribute("data-conversation");

  // --- Live updates --------------------------------------------------------------------------------------
  // Server-sent events from data-live-url: "changed" carries the ticket numbers that changed. When the
  // stream cannot be used, the page asks data-poll-url every few seconds instead.
  var since = root.getAttribute("data-since") || "";
  var busy = false;
  var again = false;
  var seen = {};

  function refresh(numbers) {
    if (page === "conversation") {
      if (numbers.indexOf(Number(current)) === -1) return;
      swap(root.getAttribute("data-thread-url"), "#conv-thread");
    } else {
      swap(window.location.pathname + window.location.search, "#queue-results");
    }
  }

  function swap(url, target) {
    var element = document.querySelector(target);
    if (!window.htmx || !element || leaving) return;
    if (busy) { again = true; return; }
    // An agent's own action is on its way (it brings the header and thread back itself): refresh after it,
    // so that two answers never swap the same parts at once.
    if (document.querySelector(".htmx-request")) {
      window.setTimeout(function () { swap(url, target); }, 250);
      return;
    }
    busy = true;
    // The target is also the source: only it shows the request in progress, not the whole page.
    window.htmx.ajax("GET", url, { source: element, target: element, swap: "outerHTML" }).then(done, done);
    function done() {
      busy = false;
      markCurrent();
      if (again) { again = false; swap(url, target); }
    }
  }

  // A refresh answered after its target left the page (the page changed meanwhile), or while the page is
  // being left, is dropped whole, so that its out-of-band parts (the conversation header) never look for
  // elements that are gone. Leaving starts no new refresh; the browser cancels the one in flight.
  var leaving = false;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (leaving || (target && !document.body.contains(target))) event.detail.shouldSwap = false;
  });
  window.addEventListener("beforeunload", function () { leaving = true; });

  function onChanged(data) {
    if (data.since) since = data.since;
    refresh(data.numbers || []);
  }

  var failures = 0;
  var polling = null;
  var polled = false;
  function startPolling() {
    if (polling) return;
    polling = window.setInterval(function () {
      var url = root.getAttribute("data-poll-url") + "?since=" + encodeURIComponent(since);
      window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          var fresh = [];
          (data.changes || []).forEach(function (change) {
            var key = change[0] + "@" + change[1];
            if (seen[key]) return;
            seen[key] = true;
            if (polled || change[2]) fresh.push(change[0]);
          });
          polled = true;
          since = data.since || since;
          if (fresh.length) refresh(fresh);
        })
        .catch(function () {});
    }, 3000);
  }

  function startStream() {
    if (!window.EventSource) { startPolling(); return; }
    var url = root.getAttribute("data-live-url") + "?since=" + encodeURIComponent(since);
    var source = new window.EventSource(url, { withCredentials: true });
    source.addEventListener("open", function () { failures = 0; root.setAttribute("data-live", "stream"); });
    source.addEventListener("changed", function (event) {
      try { onChanged(JSON.parse(event.data)); } catch (error) { /* a malformed event changes nothing */ }
    });
    source.addEventListener("error", function () {
      failures += 1;
      // The browser reconnects by itself (the server ends each stream after a few minutes). Streams that
      // keep failing (a proxy that buffers, say) give way to polling.
      if (failures >= 3) {
        source.close();
        root.setAttribute("data-live", "poll");
        startPolling();
      }
    });
  }
  if (root.getAttribute("data-live-url")) startStream();

  // --- Keyboard shortcuts --------------------------------------------------------------------------------
  // By physical key (event.code), so that they work with a Persian keyboard layout as well. Never while the
  // user types in a box or holds Ctrl, Alt or Meta.
  var index = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-results [data-row]"));
  }

  function markCurrent() {
    var list = rows();
    list.forEach(function (row, i) {
      row.classList.toggle("is-current", i === index);
      if (i === index) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
    });
  }

  function move(step) {
    if (page === "conversation") {
      var url = root.getAttribute(step > 0 ? "data-next-url" : "data-previous-url");
      if (url) window.location.href = url;
      return;
    }
    var list = rows();
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index + step));
    markCurrent();
    list[index].scrollIntoView({ block: "nearest" });
  }

  function openCurrent() {
    var list = rows();
    if (index < 0 || index >= list.length) return false;
    var link = list[index].querySelector("a.conversation-link");
    if (link) window.location.href = link.href;
    return Boolean(link);
  }

  function focus(selector) {
    var box = document.querySelector(selector);
    if (!box) return false;
    box.focus();
    return true;
  }

  function click(selector) {
    var button = document.querySelector(selector);
    if (!button) return false;
    button.click();
    return true;
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  var help = document.getElementById("shortcuts-help");
  function toggleHelp() {
    if (!help || !help.showModal) return;
    if (help.open) help.close(); else help.showModal();
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) toggleHelp();
    var row = event.target.closest("#queue-results [data-row]");
    if (row && !event.target.closest("a, button, input")) {
      var link = row.querySelector("a.conversation-link");
      if (link) window.location.href = link.href;
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || typing(event.target)) return;
    if (event.key === "?" || event.key === "؟") { toggleHelp(); event.preventDefault(); return; }
    var handled = true;
    switch (event.code) {
      case "KeyJ": move(1); break;
      case "KeyK": move(-1); break;
      case "Enter": case "KeyO": handled = page === "queue" && openCurrent(); break;
      case "KeyR": handled = focus("#reply-form textarea[name='text']"); break;
      case "KeyN":
        var box = document.getElementById("note-box");
        if (box) { box.open = true; handled = focus("#note-form textarea[name='text']"); } else handled = false;
        break;
      case "KeyE": handled = click("[data-shortcut='resolve']"); break;
      case "KeyA": handled = click("[data-shortcut='assign-me']"); break;
      case "KeyU":
        var back = root.getAttribute("data-back-url");
        if (page === "conversation") window.location.href = back || document.querySelector("[data-testid='back-to-queue']").href;
        else handled = false;
        break;
      case "Slash":
        if (event.shiftKey) { toggleHelp(); break; }
        if (!focus("[data-shortcut='search']")) {
          var queueUrl = root.getAttribute("data-back-url") || document.querySelector("[data-testid='back-to-queue']").href;
          window.location.href = queueUrl + (queueUrl.indexOf("#") === -1 ? "#search" : "");
        }
        break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  if (window.location.hash === "#search") focus("[data-shortcut='search']");

  document.body.addEventListener("htmx:afterSettle", function () {
    markCurrent();
    // A reply that came back (the tone check, an error) keeps the cursor in its box, at the end.
    var box = document.querySelector("#composer textarea[autofocus]");
    if (box) { box.focus(); box.selectionStart = box.selectionEnd = box.value.length; }
  });
})();
