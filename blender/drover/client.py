"""The Drover server's HTTP API, as the add-on uses it.

Plain Python (http.client, json): no bpy here, so it runs on a background thread and in
tests outside Blender. Every failure is a `DroverError` whose text is fit for a Blender report.
"""

import http.client
import json
import socket
import ssl
import threading
import urllib.parse

# Bytes read from disk and written to the socket at a time while uploading.
UPLOAD_BLOCK_BYTES = 1 << 20
# Seconds a request may stall before it counts as a dropped connection.
TIMEOUT_SECS = 60
# Tries of one upload after dropped connections before giving up.
UPLOAD_TRIES = 5

# The `error` code of a login that needs a one-time code (`drover_shared::api::MISSING_CODE`).
MISSING_CODE = "missing_otp"


class DroverError(Exception):
    """A request that failed, in words for a person. `status` is the HTTP status (0: none)."""

    def __init__(self, message, status=0, code=""):
        super().__init__(message)
        self.status = status
        self.code = code


def _refusal(status, body):
    """The server's error body as a `DroverError`: its `message`, else the status."""
    try:
        answer = json.loads(body.decode("utf-8"))
        message = answer.get("message") or answer.get("error") or ""
        code = answer.get("error") or ""
    except (ValueError, AttributeError):
        message, code = "", ""
    if not message:
        message = f"the server answered HTTP {status}"
    return DroverError(f"The server refused: {message}", status, code)


class Client:
    """A connection to one server, with the person's tokens (absent before login)."""

    def __init__(self, server, access_token="", refresh_token=""):
        server = server.strip().rstrip("/")
        if not server:
            raise DroverError("Set the Drover server's address in the add-on's preferences")
        if "://" not in server:
            server = "http://" + server
        parts = urllib.parse.urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DroverError(f"“{server}” is not a server address (e.g. http://farm:8420)")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        self.base = parts.path.rstrip("/")
        self.server = server
        self.access_token = access_token
        self.refresh_token = refresh_token
        # Set when a refresh replaced the tokens: the caller saves them in the preferences.
        self.tokens_changed = False
        # Uploads run on several threads: one refresh at a time, and only once per token.
        self._refresh_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------------

    def _connection(self):
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=TIMEOUT_SECS, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECS)

    def _send(self, method, path, body=None, headers=None, token=None):
        """One request; returns (status, headers, body bytes). Network failures raise
        `ConnectionError`-like exceptions (`OSError`, `http.client.HTTPException`)."""
        headers = dict(headers or {})
        token = self.access_token if token is None else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection = self._connection()
        try:
            connection.request(method, self.base + "/api" + path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def request(self, method, path, payload=None, raw=False):
        """A JSON request (or, `raw`, one answered with bytes). Refreshes the access token
        once on 401. Raises `DroverError` with the server's message."""
        body = None
        headers = {"Accept": "application/json"}
        if payload is not None:
            body = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            used = self.access_token
            try:
                status, _, answer = self._send(method, path, body, headers)
            except (OSError, http.client.HTTPException) as e:
                raise DroverError(f"Could not reach the Drover server at {self.server}: {e}") from e
            if status == 401 and attempt == 0 and self.refresh_token:
                self._refresh(used)
                continue
            if status == 401:
                raise DroverError("Your Drover login has expired: log in again in the add-on's preferences", 401)
            if status >= 400:
                raise _refusal(status, answer)
            if raw:
                return answer
            return json.loads(answer.decode("utf-8")) if answer else None
        raise DroverError("unreachable")

    def _refresh(self, used=None):
        """New tokens for the access token `used`, which the server refused; nothing when
        another thread already replaced it."""
        with self._refresh_lock:
            if used is not None and used != self.access_token:
                return
            self._refresh_now()

    def _refresh_now(self):
        try:
            status, _, answer = self._send("GET", "/auth/refresh-token", token=self.refresh_token)
        except (OSError, http.client.HTTPException) as e:
            raise DroverError(f"Could not reach the Drover server at {self.server}: {e}") from e
        if status != 200:
            raise DroverError("Your Drover login has expired: log in again in the add-on's preferences", 401)
        tokens = json.loads(answer.decode("utf-8"))
        self.access_token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]
        self.tokens_changed = True

    # -- endpoints ------------------------------------------------------------------------

    def login(self, email, password, code=""):
        """`POST /auth/login`; keeps the tokens. A missing one-time code raises a
        `DroverError` with code `missing_otp`."""
        body = {"email": email.strip(), "password": password}
        if code.strip():
            body["totp"] = code.strip()
        try:
            status, _, answer = self._send(
                "POST", "/auth/login", json.dumps(body).encode("utf-8"),
                {"Content-Type": "application/json"}, token="",
            )
        except (OSError, http.client.HTTPException) as e:
            raise DroverError(f"Could not reach the Drover server at {self.server}: {e}") from e
        if status != 200:
            error = _refusal(status, answer)
            if error.code == MISSING_CODE:
                raise DroverError(
                    "This account needs a one-time code: type the code from your authenticator "
                    "app and log in again", status, error.code)
            raise DroverError(f"Login failed: {str(error).removeprefix('The server refused: ')}",
                              status, error.code)
        answer = json.loads(answer.decode("utf-8"))
        self.access_token = answer["access_token"]
        self.refresh_token = answer["refresh_token"]
        return answer["user"]

    def logout(self):
        """`POST /auth/logout` (the tokens stop working)."""
        self.request("POST", "/auth/logout")

    def projects(self):
        """`GET /projects` (a map of id to summary) as a list of {id, name}, by name."""
        answer = self.request("GET", "/projects") or {}
        listed = [{"id": int(k), "name": v.get("name", k)} for k, v in answer.items()]
        return sorted(listed, key=lambda p: (p["name"].lower(), p["id"]))

    def project(self, project_id):
        return self.request("GET", f"/projects/{int(project_id)}")

    def storage(self, project_id):
        return self.request("GET", f"/projects/{int(project_id)}/storage")

    def open_tasks(self):
        return self.request("GET", "/data/user/tasks")

    def check_files(self, project_id, files):
        """`POST /projects/{id}/files/check`: `files` is [{sha256, size}]."""
        return self.request("POST", f"/projects/{int(project_id)}/files/check", {"files": files})

    def upload_state(self, project_id, sha256, size):
        return self.request("GET", f"/projects/{int(project_id)}/files/{sha256}?size={int(size)}")

    def submit_job(self, job):
        return self.request("POST", "/jobs", job)

    def job(self, job_id):
        return self.request("GET", f"/jobs/{int(job_id)}")

    def job_files(self, job_id):
        return self.request("GET", f"/jobs/{int(job_id)}/files")

    def last_rendered(self, job_id):
        """The job's last-rendered frame as JPEG bytes (600 px wide), or None when there is
        none yet."""
        try:
            return self.request("GET", f"/jobs/{int(job_id)}/last-rendered?size=w600", raw=True)
        except DroverError as e:
            if e.status == 404:
                return None
            raise

    def upload(self, project_id, sha256, size, path, sent=None):
        """Uploads the file at `path` (its hash and size known), streamed from disk, resuming
        from what the server already has after a dropped connection. `sent(n)` is called with
        each block's byte count. Returns the bytes sent."""
        total_sent = 0
        state = self.upload_state(project_id, sha256, size)
        for attempt in range(UPLOAD_TRIES):
            if state.get("stored"):
                return total_sent
            offset = int(state.get("received", 0))
            query = f"/projects/{int(project_id)}/files/{sha256}?size={int(size)}&offset={offset}"
            used = self.access_token
            try:
                status, answer, sent_now = self._put_file(query, path, offset, size, sent)
                total_sent += sent_now
            except (OSError, http.client.HTTPException) as e:
                if attempt + 1 == UPLOAD_TRIES:
                    raise DroverError(
                        f"Uploading {path} failed after {UPLOAD_TRIES} tries: {e}") from e
                state = self.upload_state(project_id, sha256, size)
                continue
            if status == 401 and self.refresh_token:
                self._refresh(used)
                state = self.upload_state(project_id, sha256, size)
                continue
            if status == 409:
                # The server has another offset than we thought: ask it and go on from there.
                state = self.upload_state(project_id, sha256, size)
                continue
            if status >= 400:
                raise _refusal(status, answer)
            state = json.loads(answer.decode("utf-8"))
        if not state.get("stored"):
            raise DroverError(f"Uploading {path} did not finish after {UPLOAD_TRIES} tries")
        return total_sent

    def _put_file(self, path_and_query, path, offset, size, sent):
        """PUTs the file's bytes from `offset`, block by block. Returns (status, body, bytes
        sent)."""
        connection = self._connection()
        count = 0
        try:
            connection.putrequest("PUT", self.base + "/api" + path_and_query)
            connection.putheader("Authorization", f"Bearer {self.access_token}")
            connection.putheader("Content-Type", "application/octet-stream")
            connection.putheader("Content-Length", str(size - offset))
            connection.endheaders()
            with open(path, "rb") as f:
                f.seek(offset)
                while True:
                    block = f.read(UPLOAD_BLOCK_BYTES)
                    if not block:
                        break
                    try:
                        connection.send(block)
                    except (BrokenPipeError, ConnectionResetError, socket.timeout):
                        # The server may have answered early (already stored, quota, 409):
                        # read its answer if there is one.
                        break
                    count += len(block)
                    if sent:
                        sent(len(block))
            response = connection.getresponse()
            return response.status, response.read(), count
        finally:
            connection.close()
