// Starts the time zone field at the browser's own zone when none is remembered for the person.
"use strict";
(function () {
  const field = document.querySelector("input[data-guess]");
  if (!field) return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const known = Array.from(document.querySelectorAll("#zones option")).some((o) => o.value === zone);
  if (zone && known) field.value = zone;
})();
