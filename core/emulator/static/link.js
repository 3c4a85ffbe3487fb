/* The Link page of Finboard's Plaid emulator: the iframe link-initialize.js mounts, or a whole page in
 * Hosted Link mode (/link/hosted/). It calls the emulator's /link/web/api/* actions (same origin) and reports
 * to the parent page with postMessage: ready, event (Plaid's event names), success, exit, redirect (OAuth).
 *
 * Accessible names Playwright can rely on: institution buttons are named after the bank; the credential inputs
 * are labelled "Username" and "Password"; account checkboxes are named after the account; every forward button
 * is "Continue"; the header has "Back" and "Close"; errors have role "alert".
 */
(function () {
  "use strict";
  var SOURCE = "plaid-emulator-link";
  var query = new URLSearchParams(window.location.search);
  var token = query.get("token") || "";
  var parentOrigin = query.get("parent_origin");
  var receivedRedirectUri = query.get("received_redirect_uri");
  // Hosted Link, or this page opened on its own: no parent page to report to, so it runs as a whole page.
  var hosted = window.location.pathname.indexOf("/link/hosted") === 0 || window.parent === window;
  var view = document.getElementById("view");
  var overlay = document.getElementById("overlay");
  var backButton = document.getElementById("back");
  var state = { session: null, institution: null, searchQuery: null, viewName: null, back: null, done: false };

  function post(type, extra) {
    if (hosted) return;
    var message = { source: SOURCE, type: type };
    for (var key in extra || {}) message[key] = extra[key];
    window.parent.postMessage(message, parentOrigin);
  }

  function metadata(extra) {
    var m = {
      error_type: null, error_code: null, error_message: null, exit_status: null,
      institution_id: state.institution ? state.institution.institution_id : null,
      institution_name: state.institution ? state.institution.name : null,
      institution_search_query: state.searchQuery, mfa_type: null, view_name: null, selection: null,
      request_id: null, link_session_id: state.session ? state.session.link_session_id : null,
      timestamp: new Date().toISOString(),
    };
    for (var key in extra || {}) m[key] = extra[key];
    return m;
  }

  function emit(eventName, extra) { post("event", { eventName: eventName, metadata: metadata(extra) }); }

  function transition(viewName) {
    state.viewName = viewName;
    emit("TRANSITION_VIEW", { view_name: viewName });
  }

  function api(action, body) {
    body.token = token;
    return fetch("/link/web/api/" + action, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { var e = new Error("link api"); e.plaid = data.error; throw e; }
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "on") for (var ev in attrs.on) node.addEventListener(ev, attrs.on[ev]);
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function render(nodes, back) {
    view.replaceChildren.apply(view, nodes);
    state.back = back || null;
    backButton.hidden = !back;
    var focus = view.querySelector("input, button");
    if (focus) focus.focus();
  }

  function loading() { render([el("div", { class: "spinner", role: "progressbar", "aria-label": "Loading" })]); }

  // ---------------------------------------------------------------------------------------------- views

  function selectInstitution() {
    transition("SELECT_INSTITUTION");
    var list = el("ul", { class: "list" });
    function fill(filter) {
      var items = state.session.institutions.filter(function (i) {
        return !filter || i.name.toLowerCase().indexOf(filter.toLowerCase()) >= 0;
      }).map(function (i) {
        var button = el("button", { type: "button", class: "institution", on: { click: function () { choose(i); } } }, [
          el("span", { class: "logo", style: "background:" + i.primary_color, "aria-hidden": "true" }),
          el("span", { text: i.name }),
          i.oauth ? el("span", { class: "tag", text: "OAuth", "aria-hidden": "true" }) : null,
        ]);
        button.setAttribute("aria-label", i.name);
        return el("li", {}, [button]);
      });
      list.replaceChildren.apply(list, items.length ? items : [el("li", { text: "No results" })]);
    }
    var search = el("input", { type: "search", id: "search", autocomplete: "off" });
    var timer = null;
    search.addEventListener("input", function () {
      fill(search.value);
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.searchQuery = search.value;
        emit("SEARCH_INSTITUTION", { institution_search_query: search.value });
      }, 250);
    });
    fill("");
    render([
      el("h1", { id: "title", text: "Select your bank" }),
      el("p", { text: state.session.client_name + " uses Plaid to connect your account." }),
      el("label", { class: "field", for: "search" }, [el("span", { text: "Search for your bank" }), search]),
      list,
    ]);
  }

  function choose(institution) {
    state.institution = institution;
    emit("SELECT_INSTITUTION", { institution_id: institution.institution_id, institution_name: institution.name });
    credentials(null);
  }

  function credentials(error) {
    transition("CREDENTIAL");
    var username = el("input", { type: "text", id: "username", autocomplete: "off", required: "required" });
    var password = el("input", { type: "password", id: "password", autocomplete: "off", required: "required" });
    var form = el("form", { class: "list", novalidate: "novalidate" }, [
      error ? el("div", { class: "alert", role: "alert", text: error.display_message || error.error_message }) : null,
      el("label", { class: "field", for: "username" }, [el("span", { text: "Username" }), username]),
      el("label", { class: "field", for: "password" }, [el("span", { text: "Password" }), password]),
      el("p", { class: "hint", text: "Sandbox: user_good / pass_good, or user_transactions_dynamic with any password." }),
      el("button", { type: "submit", class: "primary", text: "Continue" }),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitCredentials(username.value, password.value);
    });
    var back = state.session.mode === "update" ? null : selectInstitution;
    render([el("h1", { id: "title", text: "Log in to " + state.institution.name }), form], back);
  }

  function submitCredentials(username, password) {
    emit("SUBMIT_CREDENTIALS");
    transition("LOADING");
    loading();
    api("credentials", {
      link_session_id: state.session.link_session_id, institution_id: state.institution.institution_id,
      username: username, password: password,
    }).then(function (r) {
      if (r.next === "oauth") return redirectToBank(r.redirect_url);
      if (r.next === "select_accounts") return selectAccounts(r.accounts);
      connected(r);
    }).catch(function (e) {
      var err = e.plaid || unexpected();
      emit("ERROR", errorFields(err));
      if (err.error_code === "INVALID_CREDENTIALS" || err.error_code === "INVALID_MFA") return credentials(err);
      failure(err);
    });
  }

  function redirectToBank(url) {
    emit("OPEN_OAUTH");
    transition("OAUTH");
    render([el("h1", { id: "title", text: "Continue to your bank" }),
      el("p", { text: "You are being sent to " + state.institution.name + " to finish connecting." })]);
    if (hosted) window.location.href = url;
    else post("redirect", { url: url });
  }

  function selectAccounts(accounts) {
    transition("SELECT_ACCOUNT");
    var boxes = accounts.map(function (a) {
      var box = el("input", { type: "checkbox", checked: "checked", value: a.account_id, "aria-label": a.name });
      return { account: a, box: box };
    });
    var button = el("button", { type: "button", class: "primary", text: "Continue" });
    function sync() { button.disabled = !boxes.some(function (b) { return b.box.checked; }); }
    boxes.forEach(function (b) { b.box.addEventListener("change", sync); });
    button.addEventListener("click", function () {
      var chosen = boxes.filter(function (b) { return b.box.checked; }).map(function (b) { return b.account.account_id; });
      transition("LOADING");
      loading();
      api("select", { link_session_id: state.session.link_session_id, account_ids: chosen })
        .then(connected)
        .catch(function (e) { var err = e.plaid || unexpected(); emit("ERROR", errorFields(err)); failure(err); });
    });
    render([
      el("h1", { id: "title", text: "Select accounts" }),
      el("p", { text: "Choose the accounts to share with " + state.session.client_name + "." }),
      el("ul", { class: "list" }, boxes.map(function (b) {
        return el("li", {}, [el("label", { class: "account" }, [
          b.box, el("span", { text: b.account.name }),
          el("span", { class: "mask", text: "\u2022\u2022\u2022\u2022" + (b.account.mask || ""), "aria-hidden": "true" }),
        ])]);
      })),
      button,
    ]);
  }

  function connected(result) {
    transition("CONNECTED");
    var button = el("button", { type: "button", class: "primary", text: "Continue" });
    button.addEventListener("click", function () {
      state.done = true;
      emit("HANDOFF");
      if (hosted) return finishedHosted(result.completion_redirect_uri, "Your account is connected.");
      post("success", { publicToken: result.public_token, metadata: result.metadata });
    });
    var institutionName = result.metadata.institution.name;
    render([
      el("div", { class: "check", "aria-hidden": "true", text: "\u2713" }),
      el("h1", { id: "title", text: "Success" }),
      el("p", { text: "Your " + institutionName + " account has been successfully linked to " +
        state.session.client_name + "." }),
      button,
    ]);
  }

  function failure(error) {
    transition("ERROR");
    var button = el("button", { type: "button", class: "primary", text: "Exit" });
    button.addEventListener("click", function () { exit(error, "requires_credentials"); });
    render([
      el("h1", { id: "title", text: "Something went wrong" }),
      el("div", { class: "alert", role: "alert", text: error.display_message || error.error_message }),
      el("p", { class: "hint", text: "Error code: " + error.error_code }),
      button,
    ]);
  }

  function finishedHosted(redirectUri, message) {
    if (redirectUri) { window.location.href = redirectUri; return; }
    render([el("h1", { id: "title", text: message }), el("p", { text: "You can close this window." })]);
  }

  function errorFields(err) {
    return { error_type: err.error_type, error_code: err.error_code, error_message: err.error_message,
      request_id: err.request_id || null };
  }

  function unexpected() {
    return { error_type: "API_ERROR", error_code: "INTERNAL_SERVER_ERROR", error_message: "an unexpected error occurred",
      display_message: "Something went wrong. Please try again later." };
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  function exit(error, status) {
    if (state.done) return;
    state.done = true;
    status = status || (state.viewName === "SELECT_ACCOUNT" ? "requires_account_selection" : "requires_credentials");
    emit("EXIT", { exit_status: status });
    var local = metadata({});
    var fallback = { institution: state.institution ? { name: state.institution.name,
      institution_id: state.institution.institution_id } : null, status: status,
      link_session_id: local.link_session_id, request_id: null };
    var done = function (meta) {
      if (hosted) return finishedHosted(null, "Connection cancelled.");
      post("exit", { error: error, metadata: meta });
    };
    if (!state.session) return done(fallback);
    api("exit", { link_session_id: state.session.link_session_id, status: status, error: error,
      institution_id: state.institution ? state.institution.institution_id : null })
      .then(function (r) { done(r.metadata); })
      .catch(function () { done(fallback); });
  }

  function start() {
    state = { session: null, institution: null, searchQuery: null, viewName: null, back: null, done: false };
    overlay.hidden = false;
    loading();
    var body = receivedRedirectUri ? { received_redirect_uri: receivedRedirectUri } : {};
    api("session", body).then(function (session) {
      state.session = session;
      emit("OPEN");
      if (session.mode === "oauth_resume") {
        state.institution = session.institution;
        return selectAccounts(session.accounts);
      }
      if (session.mode === "update") {
        state.institution = session.institution;
        return credentials(null);
      }
      selectInstitution();
    }).catch(function (e) {
      var err = e.plaid || unexpected();
      emit("ERROR", errorFields(err));
      if (hosted) return failure(err);
      state.done = true;
      post("exit", { error: err, metadata: { institution: null, status: null, link_session_id: null,
        request_id: err.request_id || null } });
    });
  }

  document.getElementById("close").addEventListener("click", function () { exit(null); });
  backButton.addEventListener("click", function () { if (state.back) state.back(); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") exit(null); });

  if (hosted) {
    document.body.classList.add("hosted");
    start();
  } else {
    window.addEventListener("message", function (event) {
      if (event.origin !== parentOrigin || event.source !== window.parent) return;
      var m = event.data;
      if (!m || m.source !== SOURCE) return;
      if (m.type === "open") start();
      if (m.type === "exit") exit(null);
    });
    post("ready");
  }
})();
