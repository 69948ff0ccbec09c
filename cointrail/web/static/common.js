// Shared by every page: the projector mode switch (large text, high contrast), remembered on this computer,
// and the progress of background jobs, polled until they finish.
"use strict";

(function () {
  const root = document.documentElement;
  const toggle = document.getElementById("projector-toggle");
  const stored = window.localStorage ? localStorage.getItem("cointrail-projector") : null;
  if (stored === "on") root.classList.add("projector");
  if (toggle) {
    toggle.setAttribute("aria-pressed", root.classList.contains("projector") ? "true" : "false");
    toggle.addEventListener("click", () => {
      const on = root.classList.toggle("projector");
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      if (window.localStorage) localStorage.setItem("cointrail-projector", on ? "on" : "off");
    });
  }

  document.querySelectorAll(".job[data-job]").forEach((box) => {
    const state = box.querySelector(".job-state"), message = box.querySelector(".job-message");
    const bar = box.querySelector(".job-bar"), seconds = box.querySelector(".job-seconds");
    if (state.textContent === "done" || state.textContent === "failed") return;
    const poll = async () => {
      try {
        const response = await fetch("/api/jobs/" + encodeURIComponent(box.dataset.job), {credentials: "same-origin"});
        const job = await response.json();
        state.textContent = job.state;
        message.textContent = job.error || job.message;
        seconds.textContent = job.seconds;
        if (job.total) { bar.max = job.total; bar.value = job.done; bar.textContent = job.done + " of " + job.total; }
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
      } catch (error) {
        message.textContent = "lost contact with the workspace; retrying";
      }
      window.setTimeout(poll, 400);
    };
    window.setTimeout(poll, 300);
  });
})();
