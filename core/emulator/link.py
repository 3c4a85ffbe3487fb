"""The server side of the Link look-alike: the JSON actions the Link page calls, same-origin, as POST
/link/web/api/<action>. A Link session lives in its link token's record, so an OAuth redirect (a full page
load, perhaps served by another process) can resume it.

Flow: session -> credentials -> (oauth redirect and back) -> select -> onSuccess; exit at any point.
New items are created when the credentials are accepted and get a public token when the user finishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

from core.emulator import catalog, hostile
from core.emulator.errors import PlaidApiError, invalid_field, plaid_error
from core.emulator.ids import request_id, token_hash
from core.emulator.service import EmulatorService, iso


class LinkFlow:
    def __init__(self, service: EmulatorService) -> None:
        self.s = service
        self.actions: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "session": self.session,
            "credentials": self.credentials,
            "select": self.select,
            "exit": self.exit,
        }

    def handle(self, action: str, body: object) -> tuple[int, dict[str, Any]]:
        handler = self.actions.get(action)
        if handler is None:
            return 404, {"error": plaid_error("NOT_FOUND", f"unknown Link action {action}").body(request_id())}
        try:
            if not isinstance(body, dict) or not isinstance(body.get("token"), str):
                raise invalid_field("token is required")
            with self.s.lock:
                self.s.refresh()
                return 200, handler(body)
        except PlaidApiError as e:
            return e.status, {"error": e.body(request_id())}

    # ------------------------------------------------------------------------------------------ actions

    def session(self, body: dict[str, Any]) -> dict[str, Any]:
        """Open (or, with the OAuth redirect URI, resume) a Link session."""
        record = self.s.link_token(body["token"])
        config = record["config"]
        update_item = self.s.record(config["item_id"]) if config["item_id"] else None
        received = body.get("received_redirect_uri")
        if received:
            return self._resume_oauth(body["token"], record, received)
        session_id = str(uuid.uuid4())
        self._change(
            body["token"],
            session_id,
            None,
            create={
                "link_session_id": session_id,
                "started_at": iso(self.s.now()),
                "finished_at": None,
                "institution_id": update_item["institution_id"] if update_item else None,
                "item_id": update_item["item_id"] if update_item else None,
                "oauth_state_id": None,
                "result": None,
                "exit": None,
            },
        )
        countries = set(config["country_codes"])
        return {
            "link_session_id": session_id,
            "client_name": config["client_name"],
            "mode": "update" if update_item else "new",
            "institutions": [
                _institution(i)
                for i in catalog.INSTITUTIONS
                if countries & set(i.country_codes) and i.institution_id != hostile.INSTITUTION_ID
            ],
            "institution": _institution(catalog.INSTITUTIONS_BY_ID[update_item["institution_id"]])
            if update_item
            else None,
            "account_selection": self._selects_accounts(config),
            "hosted": config["hosted_link"] is not None,
        }

    def credentials(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self.s.link_token(body["token"])
        config, session = record["config"], _session(record, body.get("link_session_id"))
        institution = catalog.INSTITUTIONS_BY_ID.get(body.get("institution_id") or "")
        if institution is None or (config["item_id"] and institution.institution_id != session["institution_id"]):
            raise plaid_error("INVALID_INSTITUTION")
        username, password = str(body.get("username") or ""), str(body.get("password") or "")
        failure = catalog.check_credentials(username, password)
        if failure is not None:
            raise plaid_error(failure)
        item_id = config["item_id"]
        if item_id is None and session["institution_id"] == institution.institution_id:
            item_id = session["item_id"]  # the user came back to this bank's login within the session
        if item_id is None:
            # the new item exists from here on; it becomes reachable once its public token is exchanged
            item_id = self.s.create_item(institution.institution_id, username, config["products"], config["webhook"])
        changes: dict[str, Any] = {"institution_id": institution.institution_id, "item_id": item_id}
        if institution.oauth and config["redirect_uri"] and not config["item_id"]:
            changes["oauth_state_id"] = str(uuid.uuid4())
            self._change(body["token"], session["link_session_id"], changes)
            return {
                "next": "oauth",
                "redirect_url": f"{config['redirect_uri']}?oauth_state_id={changes['oauth_state_id']}",
            }
        self._change(body["token"], session["link_session_id"], changes)
        if not self._selects_accounts(config):
            return {"next": "success", **self._finish(body["token"], session["link_session_id"], None)}
        return {"next": "select_accounts", "accounts": self._accounts(item_id)}

    def select(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self.s.link_token(body["token"])
        session = _session(record, body.get("link_session_id"))
        if session["item_id"] is None:
            raise invalid_field("submit credentials before selecting accounts")
        chosen = body.get("account_ids")
        known = {a["account_id"] for a in self._accounts(session["item_id"])}
        if not isinstance(chosen, list) or not chosen or not set(chosen) <= known:
            raise invalid_field("account_ids must name at least one of the item's accounts")
        return {"next": "success", **self._finish(body["token"], session["link_session_id"], chosen)}

    def exit(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self.s.link_token(body["token"], allow_expired=True)
        session = _session(record, body.get("link_session_id"))
        # the bank the user picked, even before any credentials reached us
        institution = catalog.INSTITUTIONS_BY_ID.get(str(body.get("institution_id") or session["institution_id"] or ""))
        metadata = {
            "institution": {"name": institution.name, "institution_id": institution.institution_id}
            if institution
            else None,
            "status": str(body.get("status") or "requires_credentials"),
            "link_session_id": session["link_session_id"],
            "request_id": request_id(),
        }
        error = body.get("error") if isinstance(body.get("error"), dict) else None
        self._change(
            body["token"],
            session["link_session_id"],
            {"exit": {"error": error, "metadata": metadata}, "finished_at": iso(self.s.now())},
        )
        if record["config"]["hosted_link"] is not None:
            self._link_webhook(
                body["token"], record, session["link_session_id"], "SESSION_FINISHED", status="EXITED", public_tokens=[]
            )
        return {"metadata": metadata}

    # ------------------------------------------------------------------------------------------ helpers

    def _resume_oauth(self, token: str, record: dict[str, Any], received: str) -> dict[str, Any]:
        state_id = (parse_qs(urlparse(str(received)).query).get("oauth_state_id") or [""])[0]
        session = next((s for s in record["sessions"] if state_id and s["oauth_state_id"] == state_id), None)
        if session is None:
            raise invalid_field("receivedRedirectUri carries no oauth_state_id issued for this link token")
        if session["finished_at"] is not None:
            raise PlaidApiError(
                "OAUTH_ERROR",
                "OAUTH_STATE_ID_ALREADY_PROCESSED",
                "this oauth_state_id has already been processed",
                None,
            )
        institution = catalog.INSTITUTIONS_BY_ID[session["institution_id"]]
        return {
            "link_session_id": session["link_session_id"],
            "client_name": record["config"]["client_name"],
            "mode": "oauth_resume",
            "institution": _institution(institution),
            "account_selection": True,
            "accounts": self._accounts(session["item_id"]),
            "hosted": record["config"]["hosted_link"] is not None,
        }

    def _finish(self, token: str, session_id: str, chosen: list[str] | None) -> dict[str, Any]:
        """Issue the public token; in update mode the item is healthy again (LOGIN_REPAIRED when it was not)."""
        record = self.s.link_token(token)
        config, session = record["config"], _session(record, session_id)
        item_id = session["item_id"]
        item = self.s.record(item_id)
        if config["item_id"]:
            if chosen is not None:
                self.s.update_item(item_id, account_ids=chosen)
            if item["error"] is not None:
                self.s.update_item(item_id, error=None)
                self.s.fire(item_id, "ITEM", "LOGIN_REPAIRED")
        elif chosen is not None:
            self.s.update_item(item_id, account_ids=chosen)
        public_token = self.s.issue_public_token(item_id)
        self.s.session_public_tokens[session_id] = public_token
        shown = self._accounts(item_id)
        institution = catalog.INSTITUTIONS_BY_ID[item["institution_id"]]
        metadata = {
            "institution": {"name": institution.name, "institution_id": institution.institution_id},
            "accounts": [
                {
                    "id": a["account_id"],
                    "name": a["name"],
                    "mask": a["mask"],
                    "type": a["type"],
                    "subtype": a["subtype"],
                    "verification_status": None,
                    "class_type": None,
                }
                for a in shown
            ],
            "link_session_id": session_id,
            "transfer_status": None,
        }
        self._change(
            token,
            session_id,
            {
                "finished_at": iso(self.s.now()),
                "result": {"accounts": metadata["accounts"], "institution": metadata["institution"]},
            },
        )
        hosted = config["hosted_link"]
        if hosted is not None:
            self._link_webhook(token, record, session_id, "ITEM_ADD_RESULT", public_token=public_token)
            self._link_webhook(
                token, record, session_id, "SESSION_FINISHED", status="SUCCESS", public_tokens=[public_token]
            )
        return {
            "public_token": public_token,
            "metadata": metadata,
            "completion_redirect_uri": (hosted or {}).get("completion_redirect_uri"),
        }

    def _accounts(self, item_id: str) -> list[dict[str, Any]]:
        record = self.s.record(item_id)
        return self.s.live(item_id).accounts_json(record)

    @staticmethod
    def _selects_accounts(config: dict[str, Any]) -> bool:
        return not config["item_id"] or bool(config["account_selection_enabled"])

    def _change(
        self, token: str, session_id: str, changes: dict[str, Any] | None, *, create: dict[str, Any] | None = None
    ) -> None:
        def apply(state: dict[str, Any]) -> None:
            sessions = state["link_tokens"][token_hash(token)]["sessions"]
            if create is not None:
                sessions.append(create)
                return
            next(s for s in sessions if s["link_session_id"] == session_id).update(changes or {})

        self.s.store.update(apply)

    def _link_webhook(self, token: str, record: dict[str, Any], session_id: str, code: str, **fields: Any) -> None:
        """Hosted Link reports to the link token's webhook (LINK / ITEM_ADD_RESULT, SESSION_FINISHED)."""
        url = record["config"]["webhook"]
        if url:
            self.s.webhooks.send(
                url,
                {
                    "webhook_type": "LINK",
                    "webhook_code": code,
                    "link_session_id": session_id,
                    "link_token": token,
                    **fields,
                    "environment": catalog.ENVIRONMENT,
                },
            )


def _session(record: dict[str, Any], session_id: object) -> dict[str, Any]:
    session = next((s for s in record["sessions"] if s["link_session_id"] == session_id), None)
    if session is None:
        raise invalid_field("unknown link_session_id for this link token")
    return session  # type: ignore[no-any-return]


def _institution(i: catalog.Institution) -> dict[str, Any]:
    return {"institution_id": i.institution_id, "name": i.name, "oauth": i.oauth, "primary_color": i.primary_color}
