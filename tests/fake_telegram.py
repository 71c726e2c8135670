"""A small fake Telegram Bot API server for end-to-end tests (standard library only).

A real python-telegram-bot ``Application`` runs against it unchanged::

    with FakeTelegram() as tg:
        app = (ApplicationBuilder().token("123:ABC").base_url(tg.base_url)
               .base_file_url(tg.base_file_url).build())
        ...  # initialize, start, updater.start_polling(timeout=1)
        tg.user_says("hello")
        reply = await tg.wait_for_message_async(chat_id=1, contains="hello")

Async tests share their event loop with the bot: use the ``*_async`` waits there, since the
blocking ``wait_for*`` would stop the bot from running (they suit threaded code).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import mimetypes
import re
import struct
import threading
import time
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

BOT_USER = {"id": 999, "is_bot": True, "first_name": "Trade Helper",
            "username": "trade_helper_bot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}
# PTB JSON-encodes every form value that is not a str; these are strs and stay as sent.
_STRING_FIELDS = {"text", "caption", "parse_mode", "action", "callback_query_id", "url", "name",
                  "file_id", "inline_message_id", "description", "short_description", "title",
                  "secret_token", "language_code", "emoji", "query"}
_SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "a", "code",
              "pre", "blockquote", "tg-spoiler", "tg-emoji"}
_GROUP_IDS = {"group": -1001, "supergroup": -1001000000001, "channel": -1001000000002}
Call = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer: HTTP status and the JSON body Telegram sends."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.payload = {"ok": False, "error_code": status, "description": description,
                        **({"parameters": parameters} if parameters else {})}


def _u16(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode(key: str, value: str) -> Any:
    try:
        return value if key in _STRING_FIELDS else json.loads(value)
    except ValueError:
        return value


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form, multipart (a file becomes {"file_name", "mime_type", "data"}) or JSON body."""
    mime = content_type.split(";")[0].strip().lower()
    if mime == "application/json":
        return json.loads(body or b"{}")
    if mime != "multipart/form-data":
        return {k: _decode(k, v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}
    boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()
    params: dict[str, Any] = {}
    for part in body.split(b"--" + boundary)[1:-1]:  # b"\r\nHEADERS\r\n\r\nDATA\r\n"
        head, _, data = part[2:-2].partition(b"\r\n\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in head.decode().split("\r\n"))}
        disposition = dict(re.findall(r'(\w+)="([^"]*)"', headers.get("content-disposition", "")))
        name = disposition["name"]
        params[name] = ({"file_name": disposition["filename"], "data": data,
                         "mime_type": headers.get("content-type", "application/octet-stream")}
                        if "filename" in disposition else _decode(name, data.decode()))
    return params


class _TelegramHTML(HTMLParser):
    """Rejects what Telegram's HTML parse mode rejects; keeps the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _HTML_TAGS:
            raise ApiError(400, "Bad Request: can't parse entities: "
                                f"Unsupported start tag {tag!r}")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: Unexpected end tag {tag!r}")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _render_html(text: str) -> str:
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag "
                            f"corresponding to start tag {parser.open[-1]!r}")
    return "".join(parser.parts)


def _auto_entities(text: str) -> list[dict]:
    """The bot_command and mention entities Telegram would attach to a user's text."""
    found = [("bot_command", m) for m in re.finditer(r"^/\w+(@\w+)?", text)]
    found += [("mention", m) for m in re.finditer(r"(?<![\w/])@\w{5,32}", text)]
    return [{"type": kind, "offset": _u16(text[:m.start()]), "length": _u16(m.group())}
            for kind, m in found]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.server.fake._serve(self)  # type: ignore[attr-defined]

    do_POST = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # don't wait for long polls that a cancelled client left behind


class FakeTelegram:
    """Bot API server on 127.0.0.1 plus a client side: users talk, the test reads the bot."""

    def __init__(self, max_poll: float = 1.0) -> None:
        self.max_poll = max_poll  # longest getUpdates long-poll, whatever timeout is asked
        self.tokens: list[str] = []  # every distinct token seen, in order
        self.webhook_url = ""
        self._cond = threading.Condition()  # its RLock guards all state below
        self._calls: list[Call] = []
        self._updates: list[dict] = []  # queued, not yet confirmed by a getUpdates offset
        self._next_update_id = 1
        self._msgs: dict[tuple, dict] = {}  # (chat_id, message_id) -> current Message
        self._counters: dict[Any, int] = {}
        self._chats: dict[Any, dict] = {}
        self._users: dict[int, dict] = {}
        self._files: dict[str, dict] = {}
        self._commands: dict[tuple, list] = {}
        self._faults: dict[str, list] = {}
        self._stopping = False
        self._server: _Server | None = None
        self._api = {n[5:].lower(): getattr(self, n) for n in dir(self) if n.startswith("_api_")}

    def start(self) -> FakeTelegram:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    __enter__ = start

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/file/bot"

    @property
    def token(self) -> str | None:
        return self.tokens[-1] if self.tokens else None

    # -- HTTP side -------------------------------------------------------------------------------
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        match = re.fullmatch(r"/(file/)?bot([^/]+)/(.+)", url.path)
        is_file, token, method = match.groups() if match else (None, "", "")
        token = unquote(token)  # PTB's file downloads send the token's ":" as %3A
        with self._cond:
            if token and token not in self.tokens:
                self.tokens.append(token)
            entry = next((f for f in self._files.values()
                          if is_file and f["path"] == unquote(method)), None)
        if not match or (is_file and entry is None):
            return self._reply(req, 404, ApiError(404, "Not Found").payload)
        if is_file:
            return self._reply(req, 200, entry["data"])
        try:
            params = {k: _decode(k, v) for k, v in parse_qsl(url.query)}
            params.update(_parse_body(req.headers.get("Content-Type", ""), body))
        except (ValueError, AttributeError, KeyError) as exc:
            return self._reply(req, 400, ApiError(400, f"Bad Request: {exc!r}").payload)
        with self._cond:
            status, payload = (self._faults.get(method.lower()) or [(200, None)]).pop(0)
            if status is None:  # drop_next: no answer; HTTP/1.0 then closes the connection
                return self._record(method, params, token, None, "connection dropped")
            if status == "garbled":  # garble_next: a broken proxy's answer, not JSON
                self._record(method, params, token, None, "garbled answer")
                return self._reply(req, 200, b"<html>upstream hiccup</html>")
            delay = 0.0
            if status == "slow":  # delay_next: carried out now, but answered late
                status, payload, delay = 200, None, payload
            try:
                payload = payload or {"ok": True, "result": self._api.get(
                    method.lower(), lambda p: True)(params)}
            except ApiError as exc:
                status, payload = exc.status, exc.payload
            self._record(method, params, token, payload.get("result"), payload.get("description"))
        time.sleep(delay)
        return self._reply(req, status, payload)

    @staticmethod
    def _reply(req: BaseHTTPRequestHandler, status: int, payload: dict | bytes) -> None:
        raw = isinstance(payload, bytes)
        body = payload if raw else json.dumps(payload).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type",
                            "application/octet-stream" if raw else "application/json")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        except OSError:  # the client gave up, e.g. PTB cancelled a long poll on shutdown
            pass

    def _record(self, method: str, params: dict, token: str, result: Any,
                error: str | None) -> None:
        self._calls.append({"method": method, "params": params, "result": copy.deepcopy(result),
                            "time": time.time(), "failed": error is not None, "error": error,
                            "token": token})
        self._cond.notify_all()

    # -- Bot API methods, run with the lock held; anything else answers True ------------------
    def _api_getMe(self, p: dict) -> dict:
        return dict(BOT_USER)

    def _api_getUpdates(self, p: dict) -> list:
        if int(p.get("offset") or 0) > 0:  # confirms every update below the offset
            self._updates = [u for u in self._updates if u["update_id"] >= int(p["offset"])]
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), self.max_poll)
        while not self._updates and not self._stopping and time.monotonic() < deadline:
            self._cond.wait(deadline - time.monotonic())
        return copy.deepcopy(self._updates[: int(p.get("limit") or 100)])

    def _api_setWebhook(self, p: dict) -> bool:
        self.webhook_url = p.get("url", "")
        return True

    def _api_deleteWebhook(self, p: dict) -> bool:
        self.webhook_url = ""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, p: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _api_setMyCommands(self, p: dict) -> bool:
        self._commands[_scope_key(p.get("scope"), p.get("language_code"))] = p["commands"]
        return True

    def _api_getMyCommands(self, p: dict) -> list:
        return self._commands.get(_scope_key(p.get("scope"), p.get("language_code")), [])

    def _api_sendMessage(self, p: dict) -> dict:
        return self._bot_message(p, text=_checked_text(p, "text"))

    def _api_sendPhoto(self, p: dict) -> dict:
        meta, data = self._file_param(p.get("photo"), "photos")
        width, height = struct.unpack(">II", data[16:24]) if data[:4] == b"\x89PNG" else (1, 1)
        size = {k: meta[k] for k in ("file_id", "file_unique_id", "file_size")}
        return self._bot_message(p, photo=[{**size, "width": width, "height": height}],
                                 caption=_checked_text(p, "caption"))

    def _api_sendDocument(self, p: dict) -> dict:
        meta, _ = self._file_param(p.get("document"), "documents")
        return self._bot_message(p, document=meta, caption=_checked_text(p, "caption"))

    def _api_getFile(self, p: dict) -> dict:
        if p.get("file_id") not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        entry = self._files[p["file_id"]]
        meta = {k: entry["meta"][k] for k in ("file_id", "file_unique_id", "file_size")}
        return {**meta, "file_path": entry["path"]}

    def _api_editMessageText(self, p: dict) -> dict | bool:
        return self._edit(p, text=_checked_text(p, "text"), entities=p.get("entities"))

    def _api_editMessageReplyMarkup(self, p: dict) -> dict | bool:
        return self._edit(p)

    def _api_deleteMessage(self, p: dict) -> bool:
        if self._msgs.pop((p.get("chat_id"), p.get("message_id")), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    # -- helpers ---------------------------------------------------------------------------------
    def _store_file(self, data: bytes, file_name: str, mime_type: str, folder: str) -> dict:
        n = len(self._files) + 1
        meta = {"file_id": f"file-{n}", "file_unique_id": f"unique-{n}", "file_size": len(data),
                "file_name": file_name, "mime_type": mime_type}
        suffix = re.search(r"\.\w+$", file_name)
        path = f"{folder}/file_{n}{suffix.group() if suffix else ''}"
        self._files[meta["file_id"]] = {"meta": meta, "data": bytes(data), "path": path}
        return dict(meta)

    def _file_param(self, value: Any, folder: str) -> tuple[dict, bytes]:
        """An upload, a known file_id or a URL, as (file metadata, bytes)."""
        if isinstance(value, dict):
            meta = self._store_file(value["data"], value["file_name"], value["mime_type"], folder)
        elif isinstance(value, str) and value in self._files:
            meta = dict(self._files[value]["meta"])
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            meta = self._store_file(b"", value.rsplit("/", 1)[-1], "application/octet-stream",
                                    folder)
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return meta, self._files[meta["file_id"]]["data"]

    def _new_message(self, chat_id: Any, sender: dict, fields: dict) -> dict:
        if chat_id not in self._chats:  # a chat the bot writes to without a user in it first
            self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": "User"} if (
                isinstance(chat_id, int) and chat_id > 0) else {
                "id": chat_id, "type": "supergroup", "title": "Test group"}
        self._counters[chat_id] = self._counters.get(chat_id, 0) + 1
        msg = {"message_id": self._counters[chat_id], "date": int(time.time()),
               "chat": dict(self._chats[chat_id]), "from": dict(sender),
               **{k: v for k, v in fields.items() if v is not None}}
        self._msgs[(chat_id, msg["message_id"])] = msg
        return copy.deepcopy(msg)

    def _bot_message(self, p: dict, **fields: Any) -> dict:
        if p.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        reply_to = (p.get("reply_parameters") or {}).get("message_id")
        replied = self._msgs.get((p["chat_id"], reply_to))
        return self._new_message(p["chat_id"], BOT_USER, {
            **fields, "entities": p.get("entities"), "caption_entities": p.get("caption_entities"),
            "reply_markup": _inline_markup(p), "reply_to_message": copy.deepcopy(replied)})

    def _edit(self, p: dict, **changes: Any) -> dict | bool:
        if p.get("inline_message_id"):
            return True
        key = (p.get("chat_id"), p.get("message_id"))
        if key not in self._msgs:
            raise ApiError(400, "Bad Request: message to edit not found")
        old = {k: v for k, v in self._msgs[key].items() if k != "edit_date"}
        # An edit without reply_markup removes the inline keyboard, as in Telegram.
        new = {k: v for k, v in {**old, **changes, "reply_markup": _inline_markup(p)}.items()
               if v is not None}
        if new == old:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        self._msgs[key] = {**new, "edit_date": int(time.time())}
        return copy.deepcopy(self._msgs[key])

    def _queue(self, **payload: Any) -> dict:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _user_in_chat(self, user_id: int, chat_id: Any, chat_type: str | None,
                      first_name: str | None = None, username: str | None = None) -> tuple:
        user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False,
                                                "first_name": "Ann", "language_code": "en"})
        user.update({k: v for k, v in (("first_name", first_name), ("username", username)) if v})
        chat_type = chat_type or self._chats.get(chat_id, {}).get("type") or (
            "private" if chat_id in (None, user_id) else "supergroup")
        chat_id = (user_id if chat_type == "private" else _GROUP_IDS[chat_type]) \
            if chat_id is None else chat_id
        if chat_type == "private":
            names = {k: v for k, v in user.items() if k in ("first_name", "username")}
            self._chats[chat_id] = {"id": chat_id, "type": "private", **names}
        elif self._chats.get(chat_id, {}).get("type") != chat_type:
            self._chats[chat_id] = {"id": chat_id, "type": chat_type, "title": "Test group"}
        return dict(user), chat_id

    def _current(self, message: dict | int, chat_id: Any = None) -> dict:
        """The latest version of a message given as a dict or as a message_id in chat_id."""
        if isinstance(message, int):
            if (chat_id, message) not in self._msgs:
                raise ValueError(f"no message {message} in chat {chat_id}")
            return copy.deepcopy(self._msgs[(chat_id, message)])
        key = (message["chat"]["id"], message["message_id"])
        return copy.deepcopy(self._msgs.get(key, message))

    # -- client side: what users do --------------------------------------------------------------
    def user_says(self, text: str, user_id: int = 1, chat_id: Any = None,
                  chat_type: str = "private", first_name: str = "Ann", username: str | None = None,
                  reply_to: dict | int | None = None, entities: list | None = None) -> dict:
        """Queue a text message from a user; returns the Update dict."""
        with self._cond:
            user, chat_id = self._user_in_chat(user_id, chat_id, chat_type, first_name, username)
            entities = _auto_entities(text) if entities is None else entities
            replied = None if reply_to is None else self._current(reply_to, chat_id)
            return self._queue(message=self._new_message(chat_id, user, {
                "text": text, "entities": entities or None, "reply_to_message": replied}))

    def click(self, message: dict, data: str, user_id: int = 1) -> dict:
        """Queue a press on the inline button with callback_data ``data`` of a bot message."""
        with self._cond:
            current = self._current(message)
            rows = current.get("reply_markup", {}).get("inline_keyboard", [])
            if not any(button.get("callback_data") == data for row in rows for button in row):
                raise AssertionError(
                    f"message {current['message_id']} has no button {data!r}: {rows}")
            user, _ = self._user_in_chat(user_id, current["chat"]["id"], current["chat"]["type"])
            return self._queue(callback_query={
                "id": f"cq-{self._next_update_id}", "from": user, "message": current,
                "chat_instance": str(current["chat"]["id"]), "data": data})

    def upload(self, file_name: str, data: bytes, user_id: int = 1, chat_id: Any = None,
               mime_type: str | None = None, caption: str | None = None) -> dict:
        """Register the bytes (getFile and the file URL serve them) and queue a document."""
        with self._cond:
            user, chat_id = self._user_in_chat(user_id, chat_id, None)
            mime_type = (mime_type or mimetypes.guess_type(file_name)[0]
                         or "application/octet-stream")
            document = self._store_file(data, file_name, mime_type, "documents")
            return self._queue(message=self._new_message(
                chat_id, user, {"document": document, "caption": caption}))

    def register_file(self, data: bytes, file_name: str = "file.bin",
                      mime_type: str = "application/octet-stream") -> dict:
        """Make bytes downloadable through getFile; returns the file's metadata."""
        with self._cond:
            return self._store_file(data, file_name, mime_type, "documents")

    def fail_next(self, method: str, status: int = 429, times: int = 1, retry_after: int = 1,
                  description: str | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with a Bot API error."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if status == 429
                           else HTTPStatus(status).phrase)
        error = ApiError(status, description,
                         {"retry_after": retry_after} if status == 429 else None)
        with self._cond:
            self._faults.setdefault(method.lower(), []).extend([(status, error.payload)] * times)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without an answer on the next ``times`` calls of ``method``."""
        with self._cond:
            self._faults.setdefault(method.lower(), []).extend([(None, None)] * times)

    def garble_next(self, method: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with a body that is not JSON (the call
        is not carried out), as a misbehaving proxy would."""
        with self._cond:
            self._faults.setdefault(method.lower(), []).extend([("garbled", None)] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Carry out the next ``times`` calls of ``method``, but answer only after ``seconds``."""
        with self._cond:
            self._faults.setdefault(method.lower(), []).extend([("slow", seconds)] * times)

    def forge_click(self, data: str, user_id: int = 1, message: dict | None = None) -> dict:
        """Queue a callback query with any ``data``, as a modified client can send; without
        ``message`` it comes from an inline message, so the update has no message at all."""
        with self._cond:
            if message is None:
                user, _ = self._user_in_chat(user_id, None, "private")
                origin = {"inline_message_id": f"inline-{self._next_update_id}"}
            else:
                current = self._current(message)
                user, _ = self._user_in_chat(user_id, current["chat"]["id"], current["chat"]["type"])
                origin = {"message": current}
            return self._queue(callback_query={"id": f"cq-{self._next_update_id}", "from": user, **origin,
                                               "chat_instance": "forged", "data": data})

    # -- client side: what the bot did -----------------------------------------------------------
    def sent(self, method: str | None = None, chat_id: Any = None) -> list[Call]:
        """Recorded calls, oldest first (getUpdates only when asked for by name)."""
        with self._cond:
            calls = list(self._calls)
        return [c for c in calls
                if (c["method"].lower() == method.lower() if method else c["method"] != "getUpdates")
                and (chat_id is None or c["params"].get("chat_id") == chat_id)]

    def messages(self, chat_id: Any = None) -> list[dict]:
        """Messages the bot sent or edited successfully, as the Message dicts returned."""
        return [c["result"] for c in self.sent(chat_id=chat_id) if _is_message_call(c)]

    def commands(self, scope: dict | None = None, language_code: str | None = None) -> list:
        with self._cond:
            return copy.deepcopy(self._commands.get(_scope_key(scope, language_code), []))

    def updates_confirmed(self) -> bool:
        """True once the bot's getUpdates offset has passed every queued update."""
        with self._cond:
            return not self._updates

    @contextlib.contextmanager
    def burst(self) -> Iterator[None]:
        """Everything queued inside reaches the bot in one getUpdates, as when a user types fast."""
        with self._cond:
            yield

    def mark(self) -> int:
        """A position in the call log for ``since=``: later waits ignore calls before it."""
        with self._cond:
            return len(self._calls)

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0,
                 since: int = 0) -> Call:
        """Block until a recorded call satisfies ``predicate``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (found := self._first(predicate, since, deadline, timeout)) is None:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            return found

    async def wait_for_async(self, predicate: Callable[[Call], bool], timeout: float = 10.0,
                             since: int = 0) -> Call:
        """``wait_for`` for async tests: polls without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while (found := self._first(predicate, since, deadline, timeout)) is None:
            await asyncio.sleep(0.01)
        return found

    def wait_for_message(self, chat_id: Any = None, contains: str | None = None,
                         timeout: float = 10.0, since: int = 0) -> dict:
        """Block until the bot sends or edits a matching message; returns the Message dict."""
        return self.wait_for(_message_predicate(chat_id, contains), timeout, since)["result"]

    async def wait_for_message_async(self, chat_id: Any = None, contains: str | None = None,
                                     timeout: float = 10.0, since: int = 0) -> dict:
        call = await self.wait_for_async(_message_predicate(chat_id, contains), timeout, since)
        return call["result"]

    def _first(self, predicate: Callable, since: int, deadline: float,
               timeout: float) -> Call | None:
        with self._cond:
            found = next((c for c in self._calls[since:] if predicate(c)), None)
            if found is None and time.monotonic() >= deadline:
                recent = [c for c in self._calls if c["method"] != "getUpdates"][-15:]
                lines = [f"  {c['method']}{' FAILED: ' + c['error'] if c['failed'] else ''} "
                         + json.dumps(c["params"], ensure_ascii=False,
                                      default=lambda b: f"<{len(b)} bytes>")[:300] for c in recent]
                raise AssertionError(
                    f"no matching Bot API call within {timeout}s; {len(self._updates)} update(s) "
                    "not yet confirmed; recent calls:\n" + ("\n".join(lines) or "  (none)"))
            return found


def _scope_key(scope: dict | None, language_code: str | None) -> tuple:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _inline_markup(p: dict) -> dict | None:
    """Telegram echoes only inline keyboards back in the Message."""
    markup = p.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _checked_text(p: dict, key: str) -> str | None:
    """The text or caption as Telegram stores it (HTML rendered), or a 400 as Telegram gives."""
    if key == "caption" and p.get(key) is None:
        return None
    text = str(p.get(key) or "")
    if str(p.get("parse_mode") or "").upper() == "HTML":
        text = _render_html(text)
    if key == "text" and not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _u16(text) > (4096 if key == "text" else 1024):
        raise ApiError(400, f"Bad Request: message {'caption ' * (key == 'caption')}is too long")
    return text


def _is_message_call(call: Call) -> bool:
    return (call["method"] in _SEND_METHODS and not call["failed"]
            and isinstance(call["result"], dict))


def _message_predicate(chat_id: Any, contains: str | None) -> Callable[[Call], bool]:
    def matches(call: Call) -> bool:
        if not _is_message_call(call):
            return False
        result = call["result"]
        return ((chat_id is None or result["chat"]["id"] == chat_id) and (
            contains is None or contains in (result.get("text") or result.get("caption") or "")))
    return matches
