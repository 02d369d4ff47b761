// Narrows a long list of people as one types part of a name: any case, with or without
// accents or apostrophes, from the start of any word ("jurgen weiss", "thao", "souza"), as the
// command line and the apps find people. The server's own matching is rsc_model::names.
"use strict";
(function () {
  const SHORT = 5; // Lists this short are read at a glance; they get no search box.
  const APOSTROPHES = /['`\u2018\u2019\u02bb\u02bc]/g;
  const HAS_APOSTROPHE = /['`\u2018\u2019\u02bb\u02bc]/;
  const plain = (text) =>
    text
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/ß/g, "ss").replace(/æ/g, "ae").replace(/œ/g, "oe").replace(/ø/g, "o")
      .replace(/ł/g, "l").replace(/[đð]/g, "d").replace(/þ/g, "th").replace(/ı/g, "i");
  const raw = (text) => plain(text).split(/[^\p{L}\p{N}'`\u2018\u2019\u02bb\u02bc]+/u).filter(Boolean);
  const nameWords = (text) =>
    raw(text).flatMap((w) => [w.replace(APOSTROPHES, ""), ...(HAS_APOSTROPHE.test(w) ? w.split(HAS_APOSTROPHE) : [])])
      .filter(Boolean);
  const typedWords = (text) => raw(text).map((w) => w.replace(APOSTROPHES, "")).filter(Boolean);
  function matches(name, typed) {
    const wanted = typedWords(typed);
    if (wanted.length === 0) return true;
    const whole = typedWords(name).join(" ");
    if (whole.startsWith(wanted.join(" "))) return true;
    const words = nameWords(name);
    let at = 0;
    return wanted.every((w) => {
      while (at < words.length) if (words[at++].startsWith(w)) return true;
      return false;
    });
  }
  window.rscPeople = { matches };

  let count = 0;
  for (const list of document.querySelectorAll("[data-people]")) {
    const items = list.tagName === "SELECT" ? Array.from(list.options) : Array.from(list.querySelectorAll(".check"));
    if (items.length < SHORT) continue;
    count += 1;
    const field = document.createElement("div");
    field.className = "field people-search";
    const label = document.createElement("label");
    label.htmlFor = "people-search-" + count;
    label.textContent = "Find a person";
    const input = document.createElement("input");
    input.type = "search";
    input.id = "people-search-" + count;
    input.autocomplete = "off";
    field.append(label, input);
    if (list.tagName === "SELECT") list.parentNode.insertBefore(field, list);
    else list.insertBefore(field, items[0]);
    input.addEventListener("input", () => {
      for (const item of items) item.hidden = !matches(item.textContent, input.value);
      if (list.tagName === "SELECT" && list.selectedOptions[0] && list.selectedOptions[0].hidden) {
        const first = items.find((o) => !o.hidden);
        if (first) list.value = first.value;
      }
    });
  }
})();
