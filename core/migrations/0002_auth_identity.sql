-- Finboard schema version 2: Auth numbers (encrypted) and Identity owners.

-- Account and routing numbers are Fernet ciphertext; only the masks are readable.
CREATE TABLE account_numbers (
    account_id             VARCHAR NOT NULL,
    item_id                VARCHAR NOT NULL,
    scheme                 VARCHAR NOT NULL,   -- ach | eft | international | bacs
    account_mask           VARCHAR,
    routing_mask           VARCHAR,
    account_enc            VARCHAR,
    routing_enc            VARCHAR,
    wire_routing_enc       VARCHAR,
    fetched_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, scheme)
);

CREATE TABLE account_owners (
    account_id             VARCHAR NOT NULL,
    item_id                VARCHAR NOT NULL,
    owner_index            INTEGER NOT NULL,
    names                  VARCHAR[],
    emails                 VARCHAR[],
    phone_numbers          VARCHAR[],
    addresses              VARCHAR[],
    fetched_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, owner_index)
);
