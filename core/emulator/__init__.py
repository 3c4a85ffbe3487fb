"""Offline Plaid emulator: Plaid's HTTP API, a look-alike of its Link web SDK and a realistic banking world.

    from core.emulator import start_emulator
    emu = start_emulator(host="127.0.0.1", port=0, *, seed=0, state_path=None, credentials=None,
                         transactions=None, today=None)
    emu.url, emu.port          # point plaid.Configuration(host=emu.url) at it
    emu.control                # the hooks below
    emu.stop()                 # or use `with start_emulator() as emu:`
    serve(host, port, seed, transactions, state_path, credentials)   # foreground until Ctrl-C (`finboard emulator`)

HTTP: a Starlette app served by uvicorn (keep-alive HTTP/1.1); bodies over 1 MiB get 413 and a malformed
Content-Length 400.

Parameters. port=0 picks a free port. state_path: a JSON file (mode 0600) holding items, SHA-256 hashes of
tokens, clock advances, custom sandbox transactions, Link sessions and the webhook signing key; processes sharing
it lock writes (fcntl) and reload on change, so a token or cursor from one works in the other and after a
restart. None keeps everything in memory. credentials=(client_id, secret) enforces them (INVALID_API_KEYS);
None accepts any non-empty pair, from the PLAID-CLIENT-ID/PLAID-SECRET headers or the body. today anchors
the generated history (default: today UTC, fixed per item when it is created). transactions: see World below.

Endpoints (POST, Plaid's validation, bodies and statuses): /link/token/create, /link/token/get,
/item/public_token/exchange, /item/get, /item/remove, /item/webhook/update, /institutions/get_by_id,
/accounts/get, /accounts/balance/get, /auth/get, /identity/get, /transactions/sync, /transactions/refresh,
/transactions/recurring/get (from the world's schedules: core/emulator/recurring.py),
/webhook_verification_key/get, /sandbox/public_token/create, /sandbox/item/fire_webhook,
/sandbox/item/reset_login, /sandbox/transactions/create.

World. Institutions: ins_109508 First Platypus Bank, ins_109509 First Gingham Credit Union, ins_109510
Tattersall Federal Credit Union, ins_109511 Tartan Bank, ins_109512 Houndstooth Bank, ins_130016 First Platypus
Balance Bank, ins_135858 Windowpane Bank, ins_127287 Platypus OAuth Bank (OAuth), ins_132241 First Platypus
OAuth App2App Bank (OAuth), ins_43 Tartan-Dominion Bank of Canada (CA), ins_117650 Royal Bank of Plaid (GB).
Each item: Plaid Checking, Plaid Saving, Plaid Credit Card, a mortgage or student loan, Plaid Brokerage (no
transactions) and Plaid CAD Chequing (CAD); two years of history (~3,000-4,000 transactions), deterministic from
(seed, item ordinal, today). transactions=N gives exactly N transactions over min(50, max(6, N // 20,000))
accounts (1,000,000 -> 50); the extra accounts alternate credit cards and checking accounts. The institutions,
logins, merchants, cities and people are data in catalog.toml (checked at start-up by catalog.py); schedules.py
decides what happens on each day and posting.py books it into balances and transactions. Recurring series
(salary every other Friday, rent or mortgage, loan, savings and investment moves, subscriptions, utilities, card
payments, interest...) tag their transactions, so /transactions/recurring/get tells the truth; on purpose some are
hard: Netflix's price goes up five months before today, Hulu was cancelled seven months before, Amazon Prime
renews every 14 August, and a farmers market every Saturday is a habit of changing size, not a subscription.

Logins (Link and /sandbox/public_token/create): user_good / pass_good; user_transactions_dynamic (or
user_ewa_user, user_yuppie, user_small_business) with any password; any user with password error_<CODE> fails
with CODE: INVALID_CREDENTIALS, INVALID_MFA, ITEM_LOCKED, ITEM_NOT_SUPPORTED, NO_ACCOUNTS, USER_SETUP_REQUIRED,
INSTITUTION_DOWN, INSTITUTION_NOT_RESPONDING, INSTITUTION_NO_LONGER_SUPPORTED. A wrong password is
INVALID_CREDENTIALS. /sandbox/transactions/create works for user_transactions_dynamic items only.

Controls (Python: emu.control.<hook>(...); HTTP: POST /emulator/<hook> with the keyword arguments as a JSON
object, answering {"result": ...} or 400/404 {"error": "..."}; only with Content-Type: application/json (else
415) and no Origin but the emulator's own (else 403), so web pages cannot drive them):
    items()                                   live items: item_id, institution_id, username, today, days_advanced,
                                              error_code, webhook
    advance(item_id=None, days=1)             move one item's clock (None: every item); new transactions (card
                                              ones pending), pending ones post 1-5 days after authorisation
                                              (pending id removed, posted one added with pending_transaction_id),
                                              some modified or voided; fires TRANSACTIONS/SYNC_UPDATES_AVAILABLE;
                                              returns {item_id: {added, modified, removed}}
    truth(item_id)                            the transactions now, exactly as /transactions/sync returns them
    series(item_id)                           the recurring series the world schedules: key, role (income,
                                              housing, bill, subscription, transfer, interest, deposit),
                                              account_id, direction, frequency, transaction_ids
    accounts(item_id)                         AccountBase objects with balances
    opening_balances(item_id)                 {account_id: balance before the first transaction}
    item_id_for_access_token(token)           (tests)
    reset_login(item_id)                      ITEM_LOGIN_REQUIRED + ITEM/ERROR webhook (= /sandbox/item/reset_login)
    rate_limits(enabled=True, limits=None)    per-item limits; default {"/accounts/balance/get": 5} per minute
                                              (BALANCE_LIMIT, HTTP 429); faults.PRODUCTION_LIMITS has all of Plaid's
    fail_next(endpoint, times=1, error_code="INTERNAL_SERVER_ERROR")   the next calls of e.g.
                                              "/transactions/sync" fail with that code (500; PLANNED_MAINTENANCE
                                              503; ITEM_LOCKED, INSTITUTION_DOWN... 400)
    refuse(endpoint, error_code="INVALID_PRODUCT")   every call of endpoint fails with that code until
                                              refuse(endpoint, None) or reset_faults(): a product the client
                                              or item lacks, e.g. "/transactions/recurring/get" (an add-on;
                                              fire_webhook RECURRING_TRANSACTIONS_UPDATE then answers
                                              SANDBOX_PRODUCT_NOT_ENABLED)
    fail_sync_pagination(times=1)             the next /transactions/sync calls with a mid-update cursor (page 2
                                              on) fail with TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION. A real
                                              change of the log during pagination fails the same way.
    reset_faults()                            default rate limit, nothing injected
    skew_clock(seconds)                       move the wall clock (token expiry, rate windows); cumulative
    webhooks()                                webhooks attempted: url, payload, plaid_verification, status, error
    flush_webhooks(timeout=10.0)              wait until queued webhooks were attempted
The clock also moves by a day on /transactions/refresh and on /sandbox/item/fire_webhook with
SYNC_UPDATES_AVAILABLE or DEFAULT_UPDATE (webhook_type TRANSACTIONS).

Tokens: public tokens are single use and expire after 30 minutes; link tokens after 4 hours (30 minutes in
update mode); access tokens until /item/remove.

Webhooks go to the item's URL (sandbox options.webhook, the link token's webhook, /item/webhook/update) from a
background thread, signed like Plaid's: header Plaid-Verification = ES256 JWT {alg, kid, typ: JWT} with claims
{iat, request_body_sha256 of the exact body}; the JWK comes from /webhook_verification_key/get. Sent:
TRANSACTIONS/SYNC_UPDATES_AVAILABLE (after the first token exchange and every clock move),
TRANSACTIONS/DEFAULT_UPDATE, ITEM/ERROR (reset_login), ITEM/LOGIN_REPAIRED (update mode fixed an item),
ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED, every code of /sandbox/item/fire_webhook, and for Hosted Link
LINK/ITEM_ADD_RESULT and LINK/SESSION_FINISHED to the link token's webhook.

Link. <script src="{emu.url}/link/v2/stable/link-initialize.js"> defines window.Plaid.create({token, onSuccess,
onExit, onEvent, onLoad, receivedRedirectUri}) -> {open, exit, destroy}. open() shows a full-viewport iframe
titled "Plaid Link" (same origin as the API). Flow and accessible names: heading "Select your bank", searchbox
"Search for your bank", one button per bank named after it -> heading "Log in to <bank>", inputs "Username" and
"Password", button "Continue" (a wrong password shows role=alert in place) -> heading "Select accounts", one
checkbox per account named after it (all checked), "Continue" -> heading "Success", "Continue" ->
onSuccess(public_token, {institution: {name, institution_id}, accounts: [{id, name, mask, type, subtype,
verification_status}], link_session_id}). Header buttons "Back" and "Close" (close -> onExit(null, {institution,
status, link_session_id, request_id})). Other errors show "Something went wrong" with an "Exit" button. An
unknown or expired token -> onExit({error_code: INVALID_LINK_TOKEN, ...}). onEvent names: OPEN, TRANSITION_VIEW
(view_name SELECT_INSTITUTION, CREDENTIAL, LOADING, SELECT_ACCOUNT, CONNECTED, OAUTH, ERROR),
SEARCH_INSTITUTION, SELECT_INSTITUTION, SUBMIT_CREDENTIALS, ERROR, OPEN_OAUTH, HANDOFF, EXIT.
Update mode (link token with access_token): straight to the bank's login, then success (account selection
first when update.account_selection_enabled); the item is healthy again and ITEM/LOGIN_REPAIRED fires.
OAuth banks with a redirect_uri on the link token: after the login the top window goes to
redirect_uri?oauth_state_id=...; Plaid.create with the same token and receivedRedirectUri=location.href,
then open(), resumes at account selection. Without a redirect_uri they complete in place.
Hosted Link (hosted_link in /link/token/create): hosted_link_url serves the same flow as a page, then goes to
hosted_link.completion_redirect_uri; /link/token/get reports the session and its public token.
"""

from core.emulator.emulator import Emulator, serve, start_emulator

__all__ = ["Emulator", "serve", "start_emulator"]
