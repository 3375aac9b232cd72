/* A create-react-app style bundle, reduced: render the shell, ask the API for the legal page, fill #root. */
(function () {
  var root = document.getElementById("root");
  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (html) e.innerHTML = html;
    return e;
  }
  var nav = el("nav", {id: "nav", "class": "sc-29427738-0 hXrLmj"},
    '<a href="/">OpenSea</a> <a href="/explore">Explore</a> <a href="/rankings">Rankings</a> ' +
    '<a href="/drops">Drops</a> <a href="/account">Sign in with wallet</a>');
  root.appendChild(nav);
  var main = el("main", {id: "main", "class": "sc-b7a84d2c-0 jNcVqU"}, '<p class="loading">Loading…</p>');
  root.appendChild(main);
  var install = el("div", {id: "install"}, '<p>Get the OpenSea app</p><a href="/app">Download now</a>');
  root.appendChild(install);
  root.appendChild(el("footer", {"class": "sc-5f9b2b1a-0 gQyjJk"},
    '<p>Stay in the loop with our newsletter</p><a href="/about">About</a> <a href="/careers">Careers</a> ' +
    '<a href="/privacy">Privacy Policy</a> <a href="/tos">Terms of Service</a><p>© 2018 - 2024 Ozone Networks, Inc</p>'));
  fetch("api/privacy.json").then(function (r) { return r.json(); }).then(function (page) {
    main.innerHTML = '<article class="legal-page">' + page.html + "</article>";
  });
})();
