// Asks the backend through the balancer which replica answered, to show the front door works end to end.
fetch("/api/instance")
  .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
  .then((body) => { document.getElementById("status").textContent = "ok, answered by " + body.instance_id; })
  .catch((error) => { document.getElementById("status").textContent = "unreachable (" + error.message + ")"; });
