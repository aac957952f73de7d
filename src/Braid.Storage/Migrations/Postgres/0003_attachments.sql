-- Attachments uploaded through signed URLs: the bytes live in the blob store, their state here.
CREATE TABLE attachments (
    org_id text NOT NULL REFERENCES organizations (id),
    key text NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    upload_status text NOT NULL,
    error_message text,
    created text NOT NULL,
    updated text NOT NULL,
    PRIMARY KEY (org_id, key)
);
