/*!
 * jstag v1.1.0 — self-hosted copies keep working: within v1 the snippet, the commands (config,
 * trackApplication, trackAccount), the `apiengagement` cookie and the requests sent to /r/* do not
 * change, and the service keeps accepting what every v1 copy sends. A change that breaks one of
 * them is a v2, served at a new URL and announced to the annonceurs; /jstag.v1.js stays v1.
 *
 * API Engagement tracking tag, loaded by the GA-style snippet:
 *   (function (i, s, o, g, r, a, m) { i["ApiEngagementObject"] = r; (i[r] = i[r] || function () {
 *   (i[r].q = i[r].q || []).push(arguments); }), (i[r].l = 1 * new Date()); (a = s.createElement(o)),
 *   (m = s.getElementsByTagName(o)[0]); a.async = 1; a.src = g; m.parentNode.insertBefore(a, m);
 *   })(window, document, "script", "https://<service>/jstag.js", "apieng");
 *   apieng("config", "<publisherId>");
 *
 * - Landing with `?apiengagement_id=<click>`: first-party cookie `apiengagement` (30 days) and
 *   sessionStorage `apiengagement_tracking_id` / `apiengagement_tracking_token`.
 * - apieng("trackApplication", missionClientId?, {clientEventId?, customAttributes?} | attributes)
 *   and apieng("trackAccount", missionClientId?, {clientEventId?}): GET /r/apply or /r/account.
 * - The first interaction at least 2 s after load confirms a human: GET /r/<click>/confirm-human.
 * - Impressions: `[data-name="tracker_counter"]` (or legacy `[name="tracker_counter"]`) elements,
 *   else links to /r/<mission>/<publisher>, seen in the viewport on two polls 750 ms apart.
 *
 * Events go to the origin this file was loaded from. A copy served from another host (self-hosted)
 * sets `window.ApiEngagementHost = "https://<service>"` before loading it.
 * Nothing here throws into the host page.
 */
(function (window, document) {
  "use strict";

  var VERSION = "1.1.0";
  var LEGACY_HOST = "api.api-engagement.beta.gouv.fr";
  var COOKIE = "apiengagement";
  var ID_KEY = "apiengagement_tracking_id";
  var TOKEN_KEY = "apiengagement_tracking_token";
  var HUMAN_KEY = "apiengagement_human_confirmed";
  var COOKIE_DAYS = 30;
  var HUMAN_DELAY_MS = 2000;
  var POLL_MS = 750;
  var MAX_URL = 2000; // the page URL is informative: long ones are cut, the conversion is kept
  var INTERACTIONS = ["mousemove", "click", "keydown", "scroll", "resize", "touchstart"];
  // /r/<first>/<second> links that are not a mission and a diffuseur.
  var NOT_MISSION_LINKS = ["impression", "widget", "seo", "notrack", "email", "apply", "account"];

  // Loaded twice (two snippets, or the official and a self-hosted copy): the first one works.
  if (window._apieng && window._apieng.loaded === true) return;

  var loadedAt = Date.now();
  var accountId = null;

  function warn(message) {
    try {
      if (window.console && window.console.warn) window.console.warn("jstag : " + message);
    } catch (e) {
      /* nothing */
    }
  }

  // Where events go: an explicit host, else the origin of this script.
  function findOrigin() {
    try {
      if (typeof window.ApiEngagementHost === "string" && window.ApiEngagementHost) {
        return new URL(window.ApiEngagementHost, window.location.href).origin;
      }
      var script = document.currentScript;
      var src = script && script.src;
      if (!src) {
        var scripts = document.getElementsByTagName("script");
        for (var i = scripts.length - 1; i >= 0 && !src; i--) {
          if (/\/jstag(\.v1)?\.js$/.test((scripts[i].src || "").split(/[?#]/)[0])) src = scripts[i].src;
        }
      }
      if (src) return new URL(src, window.location.href).origin;
    } catch (e) {
      /* below */
    }
    warn("adresse du service introuvable : définissez window.ApiEngagementHost avant de charger jstag.js");
    return null;
  }
  var origin = findOrigin();

  // --- requests -------------------------------------------------------------------------------

  /** `?a=1&b=2` from the present values, every one encoded; "" when none. */
  function query(params) {
    var parts = [];
    for (var i = 0; i < params.length; i++) {
      var value = params[i][1];
      if (value === undefined || value === null || value === "") continue;
      parts.push(encodeURIComponent(params[i][0]) + "=" + encodeURIComponent(String(value)));
    }
    return parts.length ? "?" + parts.join("&") : "";
  }

  /** GET origin + path without cookies; `onOk` after a 2xx answer. Never throws. */
  function send(path, onOk) {
    if (!origin) return;
    var url = origin + path;
    try {
      if (typeof window.fetch === "function") {
        window
          .fetch(url, { method: "GET", mode: "cors", credentials: "omit", keepalive: true, cache: "no-store" })
          .then(function (response) {
            if (response.ok && onOk) onOk();
          })
          .catch(function () {
            /* network error: nothing to do */
          });
        return;
      }
    } catch (e) {
      /* old browser: the image below */
    }
    try {
      var image = new Image();
      if (onOk) image.onload = image.onerror = onOk;
      image.src = url;
    } catch (e) {
      /* nothing */
    }
  }

  // --- storage ----------------------------------------------------------------------------------

  function session(method, key, value) {
    try {
      var storage = window.sessionStorage;
      return storage ? storage[method](key, value) : null;
    } catch (e) {
      return null; // storage disabled (privacy settings, sandboxed frame)
    }
  }

  function readCookie() {
    var pairs = (document.cookie || "").split(";");
    for (var i = 0; i < pairs.length; i++) {
      var pair = pairs[i].replace(/^\s+/, "");
      if (pair.indexOf(COOKIE + "=") !== 0) continue;
      var value = pair.slice(COOKIE.length + 1);
      try {
        value = decodeURIComponent(value);
      } catch (e) {
        /* kept as is */
      }
      if (value) return value;
    }
    return null;
  }

  /** The site's name without `www.`, or null for an IP address, `localhost` or a one-label name. */
  function cookieDomain(host) {
    if (!host || host === "localhost" || host.indexOf(":") !== -1 || host.indexOf(".") === -1) return null;
    if (/^[0-9.]+$/.test(host)) return null;
    return host.replace(/^www\./i, "");
  }

  function writeCookie(id) {
    var expires = new Date(Date.now() + COOKIE_DAYS * 86400000).toUTCString();
    var base = COOKIE + "=" + encodeURIComponent(id) + "; expires=" + expires + "; max-age=" + COOKIE_DAYS * 86400 + "; path=/; SameSite=Lax";
    if (window.location.protocol === "https:") base += "; Secure";
    var domain = cookieDomain(window.location.hostname);
    if (domain) {
      // An older host-only cookie would be read first: removed, then the site-wide one.
      document.cookie = COOKIE + "=; max-age=0; path=/";
      document.cookie = base + "; domain=" + domain;
      if (readCookie() === id) return;
    }
    document.cookie = base; // no domain, or the browser refused it
  }

  /** A parameter of the page's query, or of a query in its hash (`#/mission?…`, single-page apps). */
  function urlParam(name) {
    try {
      var value = new URLSearchParams(window.location.search).get(name);
      var hash = window.location.hash || "";
      if (!value && hash.indexOf("?") !== -1) value = new URLSearchParams(hash.slice(hash.indexOf("?") + 1)).get(name);
      return value || null;
    } catch (e) {
      return null;
    }
  }

  /** The click this visitor came from: the landing URL, else the cookie. */
  function clickId() {
    return urlParam("apiengagement_id") || readCookie();
  }

  // --- commands ---------------------------------------------------------------------------------

  function isPlainObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** Custom attributes as a JSON object string, or null (with a warning) when they are not one. */
  function attributesJson(value) {
    if (value === undefined || value === null || value === "") return null;
    try {
      var parsed = typeof value === "string" ? JSON.parse(value) : value;
      if (isPlainObject(parsed)) return JSON.stringify(parsed);
    } catch (e) {
      /* below */
    }
    warn("customAttributes doit être un objet : ignoré");
    return null;
  }

  function conversion(type, missionClientId, options) {
    var id = clickId();
    if (!id) return; // not coming from a tracked link: nothing to attribute
    var clientEventId = null;
    var attributes = null;
    if (isPlainObject(options)) {
      var structured = "clientEventId" in options || "customAttributes" in options;
      clientEventId = structured ? options.clientEventId : null;
      attributes = structured ? options.customAttributes : options; // a raw attributes object
    } else if (typeof options === "string") {
      attributes = options;
    }
    var params = [
      ["view", id],
      ["url", String(window.location.href).slice(0, MAX_URL)],
      ["publisher", accountId],
      ["mission", missionClientId],
      ["clientEventId", clientEventId],
    ];
    if (type === "apply") params.push(["customAttributes", attributesJson(attributes)]);
    send("/r/" + type + query(params));
  }

  var commands = {
    config: function (publisherId) {
      accountId = publisherId === undefined || publisherId === null ? null : String(publisherId);
      api.accountId = accountId;
    },
    trackApplication: function (missionClientId, options) {
      conversion("apply", missionClientId, options);
    },
    trackAccount: function (missionClientId, options) {
      conversion("account", missionClientId, options);
    },
  };

  function run(args) {
    try {
      var known = Object.prototype.hasOwnProperty.call(commands, args[0]);
      if (known) commands[args[0]].apply(null, Array.prototype.slice.call(args, 1));
      else warn("commande inconnue : " + args[0]);
    } catch (e) {
      warn("erreur : " + (e && e.message));
    }
  }

  // --- landing and human confirmation -----------------------------------------------------------

  function land() {
    var id = urlParam("apiengagement_id");
    if (!id) return;
    writeCookie(id);
    session("setItem", ID_KEY, id);
    var token = urlParam("apiengagement_tracking_token");
    if (token) session("setItem", TOKEN_KEY, token);
    else session("removeItem", TOKEN_KEY);
  }

  var humanDone = false;
  function onInteraction() {
    if (humanDone || Date.now() - loadedAt < HUMAN_DELAY_MS) return;
    humanDone = true;
    for (var i = 0; i < INTERACTIONS.length; i++) window.removeEventListener(INTERACTIONS[i], onInteraction, true);
    var id = session("getItem", ID_KEY);
    if (!id || session("getItem", HUMAN_KEY) === id) return; // no click, or already confirmed in this tab
    send("/r/" + encodeURIComponent(id) + "/confirm-human" + query([["token", session("getItem", TOKEN_KEY)]]), function () {
      session("setItem", HUMAN_KEY, id);
    });
  }

  // --- impressions ------------------------------------------------------------------------------

  // Elements seen in the viewport on the previous poll.
  var seenOnce = typeof WeakSet === "function" ? new WeakSet() : null;

  function inViewport(element) {
    if (!element.getClientRects().length) return false; // not rendered (display: none, detached)
    var rect = element.getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    var width = window.innerWidth || document.documentElement.clientWidth;
    return rect.bottom >= 0 && rect.right >= 0 && rect.top < height && rect.left < width;
  }

  /** True once: on the second consecutive poll where the element is in the viewport. */
  function secondSighting(element) {
    if (!seenOnce || element.getAttribute("data-seen") === "true") return false;
    if (!inViewport(element)) {
      seenOnce["delete"](element);
      return false;
    }
    if (!seenOnce.has(element)) {
      seenOnce.add(element);
      return false;
    }
    element.setAttribute("data-seen", "true");
    return true;
  }

  function pixelPath(element) {
    var missionId = element.getAttribute("data-id");
    var publisherId = element.getAttribute("data-publisher") || accountId;
    if (!missionId || !publisherId) return null;
    return (
      "/r/impression/" +
      encodeURIComponent(missionId) +
      "/" +
      encodeURIComponent(publisherId) +
      query([
        ["tracker", "pixel"],
        ["sourceId", element.getAttribute("data-source")],
        ["requestId", element.getAttribute("data-request")],
      ])
    );
  }

  /** The impression of a link to /r/<mission>/<publisher> on this service (or today's host). */
  function linkPath(element) {
    var href = element.href;
    if (!href || typeof href !== "string") return null; // SVG links have an object here
    var url;
    try {
      url = new URL(href, window.location.href);
    } catch (e) {
      return null;
    }
    if (url.origin !== origin && url.hostname !== LEGACY_HOST) return null;
    var parts = url.pathname.split("/");
    if (parts.length !== 4 || parts[0] !== "" || parts[1] !== "r" || !parts[2] || !parts[3]) return null;
    if (NOT_MISSION_LINKS.indexOf(parts[2]) !== -1 || parts[3] === "confirm-human") return null;
    // Path segments are already encoded in a URL.
    return "/r/impression/" + parts[2] + "/" + parts[3] + query([["tracker", "link"]]);
  }

  function poll() {
    try {
      if (!origin || document.visibilityState === "hidden") return;
      var trackers = document.querySelectorAll('[data-name="tracker_counter"], [name="tracker_counter"]');
      var linkMode = trackers.length === 0;
      var elements = linkMode ? document.getElementsByTagName("a") : trackers;
      for (var i = 0; i < elements.length; i++) {
        var path = linkMode ? linkPath(elements[i]) : pixelPath(elements[i]);
        if (path && secondSighting(elements[i])) send(path);
      }
    } catch (e) {
      /* never break the page */
    }
  }

  // --- start ------------------------------------------------------------------------------------

  var api = {
    loaded: true,
    version: VERSION,
    loadedAt: loadedAt,
    eventHost: origin,
    accountId: null,
    config: commands.config,
    trackApplication: commands.trackApplication,
    trackAccount: commands.trackAccount,
  };

  try {
    window._apieng = api; // read by the "Tag Assistant" browser extension
    var name = window.ApiEngagementObject || "apieng";
    var stub = window[name];
    var queued = stub && stub.q && stub.q.length ? Array.prototype.slice.call(stub.q) : [];
    var apieng = function () {
      run(arguments);
    };
    apieng.q = [];
    apieng.l = (stub && stub.l) || loadedAt;
    apieng.version = VERSION;
    window[name] = apieng;

    land();
    for (var i = 0; i < queued.length; i++) run(queued[i]);
    for (var j = 0; j < INTERACTIONS.length; j++) window.addEventListener(INTERACTIONS[j], onInteraction, { capture: true, passive: true });
    window.setInterval(poll, POLL_MS);
  } catch (e) {
    warn("erreur au chargement : " + (e && e.message));
  }
})(window, document);
