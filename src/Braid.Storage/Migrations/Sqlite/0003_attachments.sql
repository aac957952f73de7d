-- Attachments uploaded through signed URLs: the bytes live in the blob store, their state here.
CREATE TABLE attachments (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    key TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    upload_status TEXT NOT NULL,
    error_message TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);
