// The Plaid Link component (Streamlit components v2), loaded by dashboard/link.py. It receives a link token,
// the Link script's URL and a random launch key as `data`, opens Link, and reports success or exit through
// trigger values; it never sees an access token.
const registry = (window.__finboardPlaidLink = window.__finboardPlaidLink || { finished: new Set(), scripts: {} });

function loadScript(src) {
  if (!registry.scripts[src]) {
    registry.scripts[src] = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = () => (window.Plaid ? resolve() : reject(new Error("the script defines no Plaid")));
      script.onerror = () => {
        delete registry.scripts[src];
        script.remove();
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(script);
    });
  }
  return registry.scripts[src];
}

function pick(source, keys) {
  if (!source) return null;
  const out = {};
  for (const k of keys) out[k] = source[k] === undefined ? null : source[k];
  return out;
}

function setCookie(name, value, expires) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = name + "=" + encodeURIComponent(value) + "; Path=/; Expires=" + expires + "; SameSite=Lax" + secure;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !data.link_token) return;
  const status = parentElement.querySelector(".status");
  const show = (text) => { status.textContent = text; status.hidden = !text; };
  // One Link per launch key. Streamlit re-invokes this function when `data` changes without cleaning up
  // first, so the page-wide registry closes the previous launch's Link before a new one opens.
  const current = registry.current;
  if (current && current.key === data.key && !registry.finished.has(data.key)) return;  // already open
  if (current) {
    if (current.handler) current.handler.destroy();
    registry.current = null;
  }
  if (registry.finished.has(data.key)) return;  // a remount after it finished must not open it again
  const launch = { key: data.key, handler: null, events: [] };
  registry.current = launch;
  const live = () => registry.current === launch;
  const finish = (trigger, payload) => {
    if (!live() || registry.finished.has(data.key)) return;
    registry.finished.add(data.key);
    if (data.cookie) setCookie(data.cookie, "", "Thu, 01 Jan 1970 00:00:00 GMT");
    show("");
    setTriggerValue(trigger, Object.assign({ key: data.key, events: launch.events }, payload));
  };
  show("Opening Plaid Link…");
  loadScript(data.script_src).then(() => {
    if (!live()) return;
    if (data.cookie) setCookie(data.cookie, data.key, data.cookie_expires);  // survives the OAuth redirect
    const config = {
      token: data.link_token,
      onLoad: () => show(""),
      onEvent: (name, md) => launch.events.push({
        name: name, view_name: (md && md.view_name) || null, error_code: (md && md.error_code) || null,
      }),
      onSuccess: (publicToken, md) => finish("success", {
        public_token: publicToken,
        institution: pick(md && md.institution, ["institution_id", "name"]),
        accounts: ((md && md.accounts) || []).map((a) => pick(a, ["name", "mask", "type", "subtype"])),
        link_session_id: (md && md.link_session_id) || null,
      }),
      onExit: (err, md) => finish("exit", {
        error: pick(err, ["error_type", "error_code", "error_message", "display_message"]),
        status: (md && md.status) || null,
        link_session_id: (md && md.link_session_id) || null,
        request_id: (md && md.request_id) || null,
      }),
    };
    if (data.resume) config.receivedRedirectUri = window.location.href;  // back from the bank's OAuth page
    launch.handler = window.Plaid.create(config);
    launch.handler.open();
  }).catch((e) => finish("exit", {
    error: { error_type: "LINK_ERROR", error_code: "LINK_UNAVAILABLE", error_message: String(e && e.message),
             display_message: null },
  }));
  return () => {
    if (!live()) return;
    if (launch.handler) launch.handler.destroy();
    registry.current = null;
  };
}
