// RSC Logbook: this browser as a device. At sign-in it makes an Ed25519 key pair with Web
// Crypto, keeps the private key (non-extractable) in IndexedDB, and sends only the public key.
// Later pages ask it to sign the exact canonical bytes of a provider's statement.
"use strict";

const DB = "rsc-logbook";
const STORE = "keys";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function keep(name, value) {
  const db = await openDb();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).put(value, name);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

async function load(name) {
  const db = await openDb();
  const value = await new Promise((resolve, reject) => {
    const request = db.transaction(STORE).objectStore(STORE).get(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return value;
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text) => new Uint8Array(text.match(/../g).map((h) => parseInt(h, 16)));

// A new key pair for this sign-in: the private key cannot be exported, even by this script.
async function newDevice() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicKey = hex(await crypto.subtle.exportKey("raw", pair.publicKey));
  const actor = hex(crypto.getRandomValues(new Uint8Array(16)));
  await keep("device", { privateKey: pair.privateKey, publicKey, actor });
  return { publicKey, actor };
}

// Signs a statement's canonical message (hex) as rsc-doc does: Ed25519 over the SHA-256
// digest of the message, with this browser's key. Returns the signature (hex).
async function signMessage(messageHex) {
  const device = await load("device");
  if (!device) throw new Error("this browser has no signing key; sign out and in again");
  const digest = await crypto.subtle.digest("SHA-256", unhex(messageHex));
  return hex(await crypto.subtle.sign({ name: "Ed25519" }, device.privateKey, digest));
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-device-form]")) {
    let ready = false;
    form.addEventListener("submit", async (event) => {
      if (ready) return;
      event.preventDefault();
      try {
        const { publicKey, actor } = await newDevice();
        form.elements.public_key.value = publicKey;
        form.elements.actor_id.value = actor;
        if (!form.elements.device_name.value) {
          form.elements.device_name.value = "Web browser (" + (navigator.userAgentData?.platform || navigator.platform || "unknown") + ")";
        }
        ready = true;
        form.submit();
      } catch (error) {
        const note = document.getElementById("key-error");
        if (note) note.hidden = false;
        console.warn("no signing key:", error);
      }
    });
  }
  for (const form of document.querySelectorAll("form[data-sign]")) {
    let signed = false;
    form.addEventListener("submit", async (event) => {
      if (signed) return;
      event.preventDefault();
      try {
        const messages = form.elements.statements.value.split(",").filter((m) => m);
        const signatures = [];
        for (const message of messages) signatures.push(await signMessage(message));
        form.elements.signatures.value = signatures.join(",");
        signed = true;
        form.submit();
      } catch (error) {
        const note = form.querySelector(".sign-error");
        if (note) { note.hidden = false; note.textContent = String(error.message || error); }
      }
    });
  }
});
