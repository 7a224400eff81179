/*
 * Mehvar web chat widget. Embed on any page (no build step):
 *
 *   <script src="https://mehvar.example/static/webchat/widget.js" data-channel="<public id>" defer></script>
 *
 * Attributes: data-channel (required), data-lang="en" for English (Persian otherwise), data-server to talk
 * to another address than the script's own. The widget lives in a shadow root (the site's CSS cannot
 * break it, and it cannot break the site), keeps the visitor id and signed token in localStorage, and asks
 * for new replies every 2 seconds while open (every 10 seconds while closed, never while the tab is hidden).
 * Every text it shows comes from the server, translated.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.getAttribute("data-channel")) {
    return;
  }
  if (window.__mehvarChat) {
    return; // embedded twice
  }
  window.__mehvarChat = true;

  var channel = script.getAttribute("data-channel");
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "fa";
  var server = (script.getAttribute("data-server") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var base = server + "/chat/" + encodeURIComponent(channel) + "/";
  var cssUrl = new URL("widget.css", script.src).href;
  var fontUrl = new URL("../web/fonts/Vazirmatn-wght.woff2", script.src).href;
  var storeKey = "mehvar-chat:" + channel;
  var OPEN_POLL_MS = 2000;
  var CLOSED_POLL_MS = 10000;
  var MAX_BACKOFF_MS = 30000;

  var memory = {};
  var store = {
    load: function () {
      try {
        return JSON.parse(window.localStorage.getItem(storeKey) || "{}") || {};
      } catch (error) {
        return memory;
      }
    },
    save: function (value) {
      memory = value;
      try {
        window.localStorage.setItem(storeKey, JSON.stringify(value));
      } catch (error) {
        /* private mode: keep it for this page only */
      }
    },
  };

  var saved = store.load();
  var state = {
    settings: null,
    open: false,
    cursor: null,
    seen: {},
    unread: 0,
    timer: null,
    failures: 0,
    contact: saved.contact || null, // what the visitor left, sent with the next message
    contactDone: !!saved.contactDone,
  };
  var ui = {};

  function persist() {
    store.save({
      visitor: saved.visitor,
      token: saved.token,
      contact: state.contact,
      contactDone: state.contactDone,
    });
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function request(method, path, body) {
    var headers = { Accept: "application/json" };
    if (saved.token) {
      headers["X-Visitor-Token"] = saved.token;
    }
    var options = { method: method, headers: headers, mode: "cors", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var url = base + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang;
    return fetch(url, options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          return { status: response.status, data: data, retryAfter: response.headers.get("Retry-After") };
        });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function t(key) {
    return (state.settings && state.settings.strings[key]) || "";
  }

  function timeText(iso) {
    var date = new Date(iso);
    var locale = lang === "fa" ? "fa-IR" : "en-GB";
    var options = { hour: "2-digit", minute: "2-digit" };
    if (new Date().toDateString() !== date.toDateString()) {
      options.day = "numeric";
      options.month = "long";
    }
    try {
      return new Intl.DateTimeFormat(locale, options).format(date);
    } catch (error) {
      return "";
    }
  }

  /* ---- building the widget ---------------------------------------------------------------------- */

  function loadFont() {
    if (!window.FontFace || !document.fonts) {
      return;
    }
    try {
      var face = new FontFace("MehvarChat", "url(" + fontUrl + ") format('woff2')", { weight: "100 900" });
      document.fonts.add(face);
      face.load().catch(function () {});
    } catch (error) {
      /* the system font will do */
    }
  }

  function build() {
    var settings = state.settings;
    var host = el("div");
    host.id = "mehvar-chat";
    var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var link = el("link");
    link.rel = "stylesheet";
    link.href = cssUrl;
    var root = el("div", "mc-root");
    root.setAttribute("dir", settings.dir);
    root.setAttribute("lang", settings.language);
    root.style.display = "none"; // until the stylesheet is in
    root.style.setProperty("--mc-accent", settings.color);
    root.style.setProperty("--mc-on-accent", settings.text_color);
    link.addEventListener("load", function () {
      root.style.display = "";
    });

    var panelId = "mc-panel";
    var titleId = "mc-title";
    ui.bubble = el("button", "mc-bubble");
    ui.bubble.type = "button";
    ui.bubble.setAttribute("aria-expanded", "false");
    ui.bubble.setAttribute("aria-controls", panelId);
    ui.bubble.setAttribute("aria-label", t("open"));
    ui.bubble.setAttribute("data-testid", "chat-bubble");
    ui.bubble.innerHTML =
      '<svg aria-hidden="true" viewBox="0 0 24 24" width="28" height="28"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
    ui.badge = el("span", "mc-badge");
    ui.badge.hidden = true;
    ui.bubble.appendChild(ui.badge);

    ui.panel = el("section", "mc-panel");
    ui.panel.id = panelId;
    ui.panel.hidden = true;
    ui.panel.setAttribute("role", "dialog");
    ui.panel.setAttribute("aria-labelledby", titleId);
    ui.panel.setAttribute("data-testid", "chat-panel");

    var header = el("header", "mc-header");
    var title = el("h2", "mc-title", settings.title);
    title.id = titleId;
    var close = el("button", "mc-close");
    close.type = "button";
    close.setAttribute("aria-label", t("close"));
    close.innerHTML =
      '<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"/></svg>';
    header.appendChild(title);
    header.appendChild(close);

    ui.log = el("ol", "mc-log");
    ui.log.setAttribute("role", "log");
    ui.log.setAttribute("aria-live", "polite");
    ui.log.setAttribute("aria-label", t("log"));
    ui.log.setAttribute("data-testid", "chat-log");
    var welcome = messageNode({ direction: "out", text: settings.welcome, author: "", at: null }, "mc-welcome");
    welcome.setAttribute("data-testid", "chat-welcome");
    ui.log.appendChild(welcome);

    ui.status = el("p", "mc-status");
    ui.status.setAttribute("role", "status");
    ui.status.hidden = true;

    ui.contact = buildContactForm();
    ui.composer = buildComposer();

    ui.panel.appendChild(header);
    ui.panel.appendChild(ui.log);
    ui.panel.appendChild(ui.status);
    ui.panel.appendChild(ui.contact);
    ui.panel.appendChild(ui.composer);
    root.appendChild(ui.panel);
    root.appendChild(ui.bubble);
    shadow.appendChild(link);
    shadow.appendChild(root);
    document.body.appendChild(host);

    ui.bubble.addEventListener("click", function () {
      setOpen(!state.open);
    });
    close.addEventListener("click", function () {
      setOpen(false);
    });
    root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && state.open) {
        setOpen(false);
      }
    });
    showContactOrComposer();
  }

  function field(name, type, labelKey, autocomplete) {
    var wrapper = el("div", "mc-field");
    var id = "mc-" + name;
    var label = el("label", "mc-label", t(labelKey));
    label.htmlFor = id;
    var input = el("input", "mc-input");
    input.id = id;
    input.name = name;
    input.type = type;
    input.autocomplete = autocomplete;
    input.maxLength = name === "name" ? 120 : name === "phone" ? 40 : 254;
    if (type !== "text") {
      input.dir = "ltr";
    }
    if (type === "tel") {
      input.inputMode = "tel";
    }
    var error = el("p", "mc-field-error");
    error.id = id + "-error";
    error.hidden = true;
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    wrapper.appendChild(error);
    ui.fields = ui.fields || {};
    ui.fields[name] = { input: input, error: error };
    return wrapper;
  }

  function buildContactForm() {
    var form = el("form", "mc-contact");
    form.noValidate = true;
    form.setAttribute("data-testid", "chat-contact");
    var required = state.settings.ask_contact === "required";
    form.appendChild(el("p", "mc-contact-intro", t(required ? "contact_required" : "contact_intro")));
    form.appendChild(field("name", "text", "name_label", "name"));
    form.appendChild(field("email", "email", "email_label", "email"));
    form.appendChild(field("phone", "tel", "phone_label", "tel"));
    var actions = el("div", "mc-actions");
    var save = el("button", "mc-button mc-primary", t("contact_save"));
    save.type = "submit";
    actions.appendChild(save);
    if (!required) {
      var skip = el("button", "mc-button mc-quiet", t("contact_skip"));
      skip.type = "button";
      skip.addEventListener("click", function () {
        state.contactDone = true;
        persist();
        showContactOrComposer(true);
      });
      actions.appendChild(skip);
    }
    form.appendChild(actions);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var contact = {
        name: ui.fields.name.input.value.trim(),
        email: ui.fields.email.input.value.trim(),
        phone: ui.fields.phone.input.value.trim(),
      };
      fieldError("email", "");
      fieldError("phone", "");
      if (!contact.email && !contact.phone) {
        fieldError("email", t("contact_missing"));
        ui.fields.email.input.focus();
        return;
      }
      state.contact = contact;
      state.contactDone = true;
      persist();
      showContactOrComposer(true);
    });
    return form;
  }

  function fieldError(name, message) {
    var entry = ui.fields[name];
    entry.error.textContent = message;
    entry.error.hidden = !message;
    if (message) {
      entry.input.setAttribute("aria-invalid", "true");
      entry.input.setAttribute("aria-describedby", entry.error.id);
    } else {
      entry.input.removeAttribute("aria-invalid");
      entry.input.removeAttribute("aria-describedby");
    }
  }

  function buildComposer() {
    var form = el("form", "mc-composer");
    form.noValidate = true;
    var label = el("label", "mc-visually-hidden", t("message_label"));
    label.htmlFor = "mc-text";
    ui.text = el("textarea", "mc-text");
    ui.text.id = "mc-text";
    ui.text.rows = 2;
    ui.text.maxLength = 2000;
    ui.text.placeholder = t("placeholder");
    ui.text.setAttribute("data-testid", "chat-text");
    var send = el("button", "mc-button mc-primary mc-send", t("send"));
    send.type = "submit";
    send.setAttribute("data-testid", "chat-send");
    ui.composerError = el("p", "mc-field-error");
    ui.composerError.setAttribute("role", "alert");
    ui.composerError.hidden = true;
    form.appendChild(label);
    form.appendChild(ui.text);
    form.appendChild(send);
    form.appendChild(ui.composerError);
    ui.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.text.value.trim();
      if (!text) {
        return;
      }
      ui.text.value = "";
      composerError("");
      sendMessage({ client_id: randomId(), text: text }, null);
    });
    return form;
  }

  function composerError(message) {
    ui.composerError.textContent = message;
    ui.composerError.hidden = !message;
  }

  function askingContact() {
    return state.settings.ask_contact !== "off" && !state.settings.contact_known && !state.contactDone;
  }

  function showContactOrComposer(focus) {
    var asking = askingContact();
    ui.contact.hidden = !asking;
    ui.composer.hidden = asking;
    if (focus) {
      (asking ? ui.fields.email.input : ui.text).focus();
    }
  }

  function setOpen(open) {
    state.open = open;
    ui.panel.hidden = !open;
    ui.bubble.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      state.unread = 0;
      ui.badge.hidden = true;
      showContactOrComposer(true);
      scrollDown();
    } else {
      ui.bubble.focus();
    }
    schedule(open ? 0 : CLOSED_POLL_MS);
  }

  /* ---- messages ---------------------------------------------------------------------------------- */

  function messageNode(message, extraClass) {
    var mine = message.direction === "in";
    var item = el("li", "mc-message " + (mine ? "mc-mine" : "mc-theirs") + (extraClass ? " " + extraClass : ""));
    item.setAttribute("data-testid", mine ? "chat-mine" : "chat-reply");
    item.appendChild(el("p", "mc-text-body", message.text));
    var meta = el("p", "mc-meta");
    var who = mine ? t("you") : message.author || t("support");
    meta.textContent = message.at ? who + " · " + timeText(message.at) : who;
    item.appendChild(meta);
    item._meta = meta;
    if (message.at) {
      item.setAttribute("data-at", message.at);
    }
    return item;
  }

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function insertSorted(node) {
    var at = Date.parse(node.getAttribute("data-at") || "");
    var children = ui.log.children;
    var i = children.length - 1;
    if (at) {
      while (i > 0) {
        var other = Date.parse(children[i].getAttribute("data-at") || "");
        if (!other || other <= at) {
          break;
        }
        i -= 1;
      }
    }
    ui.log.insertBefore(node, children[i] ? children[i].nextSibling : null);
  }

  function pendingNode(clientId) {
    return ui.log.querySelector('[data-client-id="' + clientId + '"]');
  }

  function receive(message) {
    if (state.seen[message.id]) {
      return;
    }
    state.seen[message.id] = true;
    var pending = message.client_id ? pendingNode(message.client_id) : null;
    var node = messageNode(message);
    if (pending) {
      pending.replaceWith(node);
      return;
    }
    insertSorted(node);
    if (message.direction === "out" && !state.open) {
      state.unread += 1;
      ui.badge.textContent = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en").format(state.unread);
      ui.badge.hidden = false;
      ui.bubble.setAttribute("aria-label", t("open") + " (" + t("unread") + ")");
    }
    scrollDown();
  }

  function sendMessage(payload, existing) {
    if (state.contact && !payload.email && !payload.phone) {
      payload.name = state.contact.name || "";
      payload.email = state.contact.email || "";
      payload.phone = state.contact.phone || "";
    }
    payload.page = location.href.slice(0, 500);
    var node = existing || messageNode({ direction: "in", text: payload.text, author: "", at: null }, "mc-pending");
    node.setAttribute("data-client-id", payload.client_id);
    node._meta.textContent = t("sending");
    if (!existing) {
      ui.log.appendChild(node);
      scrollDown();
    }
    request("POST", "messages/", payload)
      .then(function (result) {
        if (result.status === 201 || result.status === 200) {
          if (state.contact) {
            state.contact = null;
            state.settings.contact_known = true;
            persist();
          }
          receive(result.data.message);
          return;
        }
        if (result.status === 202) {
          node._meta.textContent = t("you");
          return;
        }
        if (result.status === 401) {
          saved.token = null;
          saved.visitor = null;
          persist();
        }
        var errors = (result.data && result.data.errors) || [];
        var contactError = errors.filter(function (e) {
          return e.field === "email" || e.field === "phone";
        })[0];
        if (contactError && result.status === 422) {
          node.remove();
          ui.text.value = payload.text;
          state.contactDone = false;
          state.contact = state.contact || { name: payload.name, email: payload.email, phone: payload.phone };
          state.settings.contact_known = false;
          showContactOrComposer(true);
          ui.fields.name.input.value = state.contact.name || "";
          ui.fields.email.input.value = state.contact.email || "";
          ui.fields.phone.input.value = state.contact.phone || "";
          fieldError(contactError.field, contactError.message);
          return;
        }
        failed(node, payload, errors.length ? errors[0].message : result.data.detail || "");
      })
      .catch(function () {
        failed(node, payload, t("offline"));
      });
  }

  function failed(node, payload, message) {
    node.classList.add("mc-failed");
    node._meta.textContent = t("failed") + " ";
    var retry = el("button", "mc-link", t("retry"));
    retry.type = "button";
    retry.addEventListener("click", function () {
      node.classList.remove("mc-failed");
      sendMessage(payload, node); // the same client_id: the server stores it once
    });
    node._meta.appendChild(retry);
    if (message) {
      composerError(message);
    }
  }

  /* ---- polling ----------------------------------------------------------------------------------- */

  function schedule(delay) {
    window.clearTimeout(state.timer);
    if (document.hidden) {
      return; // visibilitychange starts it again
    }
    state.timer = window.setTimeout(poll, delay);
  }

  function poll() {
    var path = "messages/" + (state.cursor ? "?since=" + encodeURIComponent(state.cursor) : "");
    request("GET", path)
      .then(function (result) {
        if (result.status !== 200) {
          throw result;
        }
        state.failures = 0;
        ui.status.hidden = true;
        state.cursor = result.data.cursor;
        result.data.messages.forEach(receive);
        schedule(state.open ? OPEN_POLL_MS : CLOSED_POLL_MS);
      })
      .catch(function (result) {
        state.failures += 1;
        if (state.open && !(result && result.status)) {
          ui.status.textContent = t("offline");
          ui.status.hidden = false;
        }
        var wait = Math.min(OPEN_POLL_MS * Math.pow(2, state.failures), MAX_BACKOFF_MS);
        if (result && result.retryAfter) {
          wait = Math.max(wait, parseInt(result.retryAfter, 10) * 1000 || 0);
        }
        schedule(wait);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && state.settings) {
      schedule(0);
    }
  });

  /* ---- start ------------------------------------------------------------------------------------- */

  function start() {
    request("POST", "session/", { page: location.href.slice(0, 500) })
      .then(function (result) {
        if (result.status !== 200) {
          if (window.console) {
            window.console.warn("Mehvar chat:", (result.data && result.data.detail) || result.status);
          }
          return;
        }
        var data = result.data;
        if (data.visitor !== saved.visitor) {
          state.contact = null;
          state.contactDone = false;
        }
        saved.visitor = data.visitor;
        saved.token = data.token;
        persist();
        state.settings = data;
        loadFont();
        build();
        poll();
      })
      .catch(function () {
        /* the chat server is unreachable: show nothing */
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
