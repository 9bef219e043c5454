/*
 * The mission's navigation on a narrow screen: folded behind a Menu button that names
 * the current page, so that a page's own content is on the first screen of a phone.
 * Without this script (or before it runs) every link shows, as on a wide screen. It is
 * loaded right after the header, not deferred, so the links never show and then jump.
 */
(function () {
  var button = document.getElementById("menu-toggle");
  var nav = document.getElementById("mission-nav");
  if (!button || !nav) return;
  var current = nav.querySelector('a[aria-current="page"]');
  if (current) button.querySelector(".menu-current").textContent = " · " + current.textContent;
  nav.classList.add("collapsible");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
