"""Listens to a Drover server's live events as Kitsu's web front end does: Socket.IO v4,
namespace /events, with python-socketio (the client gazu.events is built on).

    live_events.py URL (cookie NAME=VALUE | bearer TOKEN | none)

Prints one JSON line per event received, `["name", payload]`, after a first line
`"connected"` (or `"refused"` when the server turned the namespace down), and
`"disconnected"` if the server closes the socket. Each line written to its stdin,
`["name", payload]`, is sent as an event (as the review room's page sends them); it runs
until its stdin closes.
"""

import json
import sys
import threading

import socketio


def main():
    url, how = sys.argv[1], sys.argv[2]
    headers = {}
    if how == "cookie":
        headers["Cookie"] = sys.argv[3]
    elif how == "bearer":
        headers["Authorization"] = "Bearer " + sys.argv[3]

    client = socketio.Client(reconnection=False)
    lock = threading.Lock()

    def say(value):
        with lock:
            print(json.dumps(value), flush=True)

    @client.on("*", namespace="/events")
    def any_event(name, data):
        say([name, data])

    @client.on("disconnect", namespace="/events")
    def gone(*_reason):
        say("disconnected")

    try:
        client.connect(
            url,
            headers=headers,
            namespaces=["/events"],
            # As Kitsu's client: polling first, then the upgrade to a websocket.
            transports=["polling", "websocket"],
            wait_timeout=10,
        )
    except socketio.exceptions.ConnectionError:
        say("refused")
        return
    say("connected")
    # The test sends events a line at a time, and ends the listener by closing its stdin.
    for line in sys.stdin:
        if line.strip():
            name, data = json.loads(line)
            client.emit(name, data, namespace="/events")
    client.disconnect()


if __name__ == "__main__":
    main()
