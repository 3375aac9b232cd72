/* A Next.js page rendered on the client only: the text travels as JSON in __NEXT_DATA__ and the
   page component writes it into #__next after hydration. */
(function () {
  var data = JSON.parse(document.getElementById("__NEXT_DATA__").textContent);
  var props = data.props.pageProps;
  var app = document.getElementById("__next");
  app.innerHTML =
    '<header class="Header_header__x1Y2z"><a href="/">Dune</a><a href="/discover">Discover</a>' +
    '<a href="/pricing">Pricing</a><a href="/docs">Docs</a><button>Sign in</button></header>' +
    '<main class="LegalPage_main__Q3w9e"><div class="LegalPage_content__b8Kp1"></div></main>' +
    '<footer class="Footer_footer__Zk4pP"><a href="/terms">Terms</a><a href="/privacy">Privacy</a>' +
    '<span>© 2024 Dune Analytics AS</span><a href="https://status.dune.com">Status</a></footer>';
  requestAnimationFrame(function () {
    app.querySelector(".LegalPage_content__b8Kp1").innerHTML = props.content;
  });
})();
