/* The rating pages work without this script; with it they also:
   - tell the page they are embedded in how tall they are (embed.js sizes the iframe);
   - count the characters of a comment as it is typed;
   - do the proof of work a form may carry (docs/web.md, "Proof of work"), before it is sent. */
(function () {
  "use strict";

  if (window.parent !== window) {
    var post = function () {
      var height = Math.ceil(document.body.getBoundingClientRect().height);
      window.parent.postMessage({ type: "ukukavshiri:height", height: height }, "*");
    };
    window.addEventListener("load", post);
    if (window.ResizeObserver) {
      new ResizeObserver(post).observe(document.body);
    }
  }

  var box = document.getElementById("comment");
  var count = document.getElementById("comment-count");
  if (box && count && count.dataset.template) {
    box.addEventListener("input", function () {
      count.textContent = count.dataset.template
        .replace("{count}", String(box.value.length))
        .replace("{limit}", box.dataset.limit);
    });
  }

  var field = document.querySelector("input[name=altcha][data-challenge]");
  if (!field || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var form = field.form;
  var status = form.querySelector(".pow-status");
  var hex = function (buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  };
  var solve = async function () {
    var salt = field.dataset.salt;
    var target = field.dataset.challenge;
    var max = parseInt(field.dataset.max, 10);
    var encoder = new TextEncoder();
    for (var start = 0; start <= max; start += 1000) {
      var tries = [];
      for (var n = start; n <= Math.min(max, start + 999); n++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(salt + n)));
      }
      var hashes = await Promise.all(tries);
      for (var i = 0; i < hashes.length; i++) {
        if (hex(hashes[i]) === target) {
          return start + i;
        }
      }
    }
    return null;
  };
  var sendWhenDone = false;
  if (status) {
    status.textContent = status.dataset.working;
  }
  var work = solve().then(function (number) {
    if (number !== null) {
      field.value = btoa(JSON.stringify({
        algorithm: field.dataset.algorithm,
        challenge: field.dataset.challenge,
        number: number,
        salt: field.dataset.salt,
        signature: field.dataset.signature
      }));
    }
    if (status) {
      status.textContent = status.dataset.done;
    }
    if (sendWhenDone) {
      form.submit();
    }
  });
  form.addEventListener("submit", function (event) {
    if (!field.value) {
      event.preventDefault();
      sendWhenDone = true;
    }
  });
  void work;
})();
