/* iubenda's embed script, reduced: an <a class="iubenda-embed iub-body-embed"> link is replaced,
   after the script's own start-up delay, by the policy document fetched without markup. */
(function () {
  var links = document.querySelectorAll("a.iubenda-embed.iub-body-embed");
  setTimeout(function () {
    Array.prototype.forEach.call(links, function (a) {
      var id = a.getAttribute("href").split("/").pop();
      fetch("api/" + id + ".html").then(function (r) { return r.text(); }).then(function (html) {
        var doc = document.createElement("div");
        doc.id = "iub-legalDoc";
        doc.className = "iub-legalDoc";
        doc.innerHTML = html;
        a.parentNode.replaceChild(doc, a);
      });
    });
  }, 1500);
})();
